"""The queue: which page to show, and its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assistant.views.flags import STATUS_FILTERS

# --- the queue and a case --------------------------------------------------------------------


@dataclass(frozen=True)
class QueueQuery:
    """Which page of the queue to show: cases in ``statuses`` carrying every flag in
    ``flags`` whose reference or recommendation matches ``search``, ordered by
    ``order_by``. The queue's parameters are written here once; the service, the
    console's port and its fake, and ``docket cases`` all take this."""

    search: str = ""
    statuses: tuple[str, ...] = STATUS_FILTERS["waiting"]
    flags: tuple[str, ...] = ()
    order_by: str = "opened_at"
    descending: bool = False
    offset: int = 0
    limit: int = 100
    # Paging by key: a case (reference or id) the page starts after, ends before, or starts
    # at (where it would be, if it left the queue meanwhile). With one of them ``offset``
    # only says which place the page is at; without, ``offset`` cases are walked first.
    after: str | None = None
    before: str | None = None
    starting_at: str | None = None


#: The default: the first page of open and escalated cases, oldest first.
FIRST_PAGE = QueueQuery()


@dataclass(frozen=True)
class QueueRow:
    case_id: str
    case_ref: str
    domain: str
    status: str  # open | escalated | decided | quarantined
    opened_at: datetime
    p_bad: float | None
    recommendation: str | None
    expected_cost: float | None
    # FLAGS, plus "stale" (recommended under an older policy version) and "explored" (the
    # recommendation was drawn by the owner's exploration); these two are shown, not filters.
    flags: frozenset[str]
    version: int
    expected_costs: dict[str, float] = field(default_factory=dict)  # of each action
    quantity: int | None = None  # a "how much" case: the recommended order


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    offset: int
