"""Four eyes (maker-checker): the one mechanism behind policy changes and model promotions.

A change that matters is first *proposed* by one person and takes effect only when
*approved* by a second, different person holding a role allowed to approve it; the
proposer may withdraw it and a checker may reject it. Aggregates keep their pending
proposals as plain dicts by number (``{"by": ..., "at": ..., ...}``) and call these
functions, so the rules (who may approve, who may reject, what a pending proposal
holds) are written once. :func:`approval_problem` is the same rule as a question, for
folds over the log (:mod:`events.deployment`) that must not trust an aggregate's word.
:class:`ProposalDecision` is the body of the event that closes a proposal, shared by
``Policy.ProposalDecided`` and ``ModelVersion.PromotionDecided`` (each keeps its own topic).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, cast

from eventsourcing.domain import Aggregate

from events.errors import NotAuthorised, NotFound


class _Proposing(Protocol):
    pending: dict[str, dict[str, Any]]


class ProposalDecision(Aggregate.Event):
    """A pending proposal approved (the change's own event follows) or rejected/withdrawn.

    Subclassed inside each aggregate, so the stored topic names the aggregate (e.g.
    ``events.domain.policy:Policy.ProposalDecided``) and the fields stay as they were.
    """

    class_version = 1
    proposal: int
    approved: bool
    proposed_by: str
    note: str
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        cast(_Proposing, aggregate).pending.pop(str(self.proposal), None)


def decision_fields(
    proposal: int, found: dict[str, Any], *, approved: bool, note: str, actor: str, role: str
) -> dict[str, Any]:
    """The fields of a :class:`ProposalDecision` closing ``found`` (a pending entry)."""
    return {"proposal": proposal, "approved": approved, "proposed_by": found["by"],
            "note": note.strip(), "actor": actor, "role": role}


def pending_entry(actor: str, at: datetime, **details: Any) -> dict[str, Any]:
    """What a pending proposal records: who proposed it, when, and its details."""
    return {**details, "by": actor, "at": at.isoformat()}


def require_pending(pending: dict[str, dict[str, Any]], number: int, what: str) -> dict[str, Any]:
    """The pending proposal ``number``. Raises NotFound (e.g. already approved, rejected or
    withdrawn) naming ``what`` it would change."""
    found = pending.get(str(number))
    if found is None:
        raise NotFound(f"{what} has no pending proposal #{number}")
    return found


def approval_problem(
    proposed_by: str, actor: str, role: str, allowed: Iterable[str]
) -> str | None:
    """Why ``actor`` in ``role`` may not approve a proposal by ``proposed_by`` (None: they
    may): the proposer never approves their own, and only the allowed roles approve."""
    allowed = tuple(allowed)
    if actor == proposed_by:
        return f"{actor} proposed it, so a second person ({' or '.join(allowed)}) must approve it"
    if role not in allowed:
        return f"only {' or '.join(allowed)} may approve it, not role {role!r}"
    return None


def require_approver(
    found: dict[str, Any], noun: str, actor: str, role: str, allowed: Iterable[str]
) -> None:
    """Refuse an approval of ``found`` (``noun``: e.g. ``change #2``) that
    :func:`approval_problem` forbids. Raises NotAuthorised."""
    allowed = tuple(allowed)
    if found["by"] == actor:
        raise NotAuthorised(
            f"four eyes: {actor} proposed {noun}, so another {' or '.join(allowed)} must "
            "approve it"
        )
    if role not in allowed:
        raise NotAuthorised(f"only {' or '.join(allowed)} may approve {noun}, not role {role!r}")


def require_rejecter(
    found: dict[str, Any], noun: str, actor: str, role: str, allowed: Iterable[str]
) -> None:
    """The proposer may withdraw their own proposal; otherwise only an allowed role rejects.
    Raises NotAuthorised."""
    allowed = tuple(allowed)
    if found["by"] != actor and role not in allowed:
        raise NotAuthorised(
            f"only {' or '.join(allowed)} (or its proposer) may reject {noun}, not role {role!r}"
        )
