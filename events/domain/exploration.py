"""A domain's exploration spending for one calendar month: the log's own ledger.

The owner may cap what exploration costs a month (the policy's ``monthly_budget``). What
the month has spent must come from the log (the read-model file is a plain file anyone
with disk access can edit, and it lags behind other processes), and two processes
ingesting at once must not both spend the last of it. So the spending is an aggregate,
one per domain and month (its id derives from both): every batch of cases that explores
saves a ``Spent`` event on it in the same transaction as the cases. The aggregate's
version is the optimistic-concurrency token: a process that read the ledger at version
``v`` and saves while another process saved ``v + 1`` first is refused by the store
(:class:`events.errors.ConflictError`), and redoes its batch against the new total.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from events.domain.common import Args, check_identity, docket_id, validate
from events.errors import ConflictError

#: Spending within this much of the cap counts as within it (float sums of regrets).
TOLERANCE = 1e-9


class _OpenArgs(Args):
    domain: str = Field(min_length=1)
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class _SpendArgs(Args):
    amount: float = Field(ge=0.0)
    cases: int = Field(ge=1)
    cap: float = Field(ge=0.0)


class ExplorationBudget(Aggregate):
    """What exploration spent in one domain in one calendar month (UTC).

    Attributes:
        spent: The sum of the explored cases' regrets (expected extra cost).
        explored: How many cases were explored.
    """

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        domain: str
        month: str
        spent: float
        explored: int

    class Opened(Aggregate.Created):
        class_version = 1
        domain: str
        month: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ExplorationBudget)
            aggregate.domain = self.domain
            aggregate.month = self.month
            aggregate.spent = 0.0
            aggregate.explored = 0

    class Spent(Aggregate.Event):
        class_version = 1
        amount: float
        cases: int
        cap: float  # the owner's cap when it was spent, for the audit
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ExplorationBudget)
            aggregate.spent += self.amount
            aggregate.explored += self.cases

    @staticmethod
    def id_for(domain: str, month: str) -> UUID:
        return docket_id("exploration-budget", domain, month)

    @classmethod
    def open(cls, *, domain: str, month: str, actor: str, role: str) -> ExplorationBudget:
        """The month's ledger, empty (saved with its first spending)."""
        check_identity(actor, role)
        a = validate(_OpenArgs, domain=domain, month=month)
        return cls._create(
            cls.Opened, id=cls.id_for(a.domain, a.month), domain=a.domain, month=a.month,
            actor=actor, role=role,
        )  # fmt: skip

    def spend(self, *, amount: float, cases: int, cap: float, actor: str, role: str) -> None:
        """Record that ``cases`` explored cases cost ``amount`` in expectation.

        Raises:
            ConflictError: the month's spending would pass ``cap`` (the batch was assessed
                against an older total: reassess it).
        """
        check_identity(actor, role)
        a = validate(_SpendArgs, amount=amount, cases=cases, cap=cap)
        if self.spent + a.amount > a.cap + TOLERANCE:
            raise ConflictError(
                f"exploring these {a.cases} case(s) would spend {self.spent + a.amount:.3f} "
                f"of {self.domain}'s {a.cap:.2f} budget for {self.month}"
            )
        self.trigger_event(self.Spent, amount=a.amount, cases=a.cases, cap=a.cap, actor=actor,
                           role=role)  # fmt: skip
