"""Docket's exception tree.

Every error Docket raises on purpose derives from :class:`DocketError`, so a
front end can catch one class and print one clear sentence. Adapters translate
library errors at the boundary (``raise StoreUnavailable(...) from exc``)::

    DocketError
    ├── InputRejected            bad case input: names each field and problem
    ├── NotAuthorised            the acting role may not do this
    ├── NotFound                 no such case, model version, policy, suite ...
    ├── ConflictError            someone else changed it first
    │   ├── AlreadyDecided       the case was decided by another operator
    │   └── AwaitingSenior       the case was escalated and waits for a senior reviewer
    ├── StoreError               the event store could not do its job
    │   ├── StoreUnavailable     cannot open / connect (bad URL, server down)
    │   ├── IncompatibleStore    written by an incompatible Docket version
    │   ├── UnsafeConnection     opened as a role that could rewrite the log
    │   └── TamperDetected       the hash chain does not verify
    └── ModelError               a specialist model could not be loaded or run

The tree lives in ``events`` because that package imports nothing else of
Docket; every other package may import it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DocketError(Exception):
    """Root of every error Docket raises on purpose."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field, e.g. ``age_in_years: must be >= 18``."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


class InputRejected(DocketError):
    """Case input failed validation. The raw input is quarantined, never dropped."""

    def __init__(self, problems: Sequence[FieldProblem], case_id: str | None = None) -> None:
        self.problems = list(problems)
        self.case_id = case_id  # id of the quarantine record, once stored
        listed = "; ".join(str(p) for p in self.problems) or "no details"
        super().__init__(f"input rejected: {listed}")


class NotAuthorised(DocketError):
    """The acting person's role may not perform this action."""


class NotFound(DocketError):
    """The named case, model version, policy or suite does not exist."""


class ConflictError(DocketError):
    """Someone else changed the same thing first (optimistic concurrency)."""


class AlreadyDecided(ConflictError):
    """The case already carries a decision by another operator."""

    def __init__(self, case_id: str, decided_by: str, decided_at: str) -> None:
        self.case_id = case_id
        self.decided_by = decided_by
        self.decided_at = decided_at
        super().__init__(f"case {case_id} was already decided by {decided_by} at {decided_at}")


def senior_reviewer(role: str = "senior") -> str:
    """Who an escalated case waits for, in its pack's word for the role that closes it:
    ``senior`` -> "a senior reviewer", ``consultant`` -> "a consultant", ``duty_manager`` ->
    "a duty manager", ``endocrinologist`` -> "an endocrinologist"."""
    if role == "senior":
        return "a senior reviewer"
    words = role.replace("_", " ")
    return ("an " if words[:1] in tuple("aeiou") else "a ") + words


class AwaitingSenior(ConflictError):
    """The case was escalated by someone and waits for a senior reviewer (the role the case's
    pack names ``senior_role``) to close it."""

    def __init__(self, case: str, escalated_by: str, escalated_at: str,
                 senior_role: str = "senior") -> None:
        self.case = case
        self.escalated_by = escalated_by
        self.escalated_at = escalated_at
        self.senior_role = senior_role
        super().__init__(
            f"case {case} was escalated by {escalated_by} at {escalated_at} and is waiting "
            f"for {senior_reviewer(senior_role)}"
        )


class StoreError(DocketError):
    """The event store could not do its job."""


class StoreUnavailable(StoreError):
    """The store URL cannot be opened, or the database server is not reachable."""


class IncompatibleStore(StoreError):
    """The store was written by a Docket version this one cannot read."""


class UnsafeConnection(StoreError):
    """The store is opened by a role that could rewrite the log (its owner, a superuser,
    or one with UPDATE/DELETE/TRUNCATE rights), and the URL did not say ``allow_owner=1``."""


class TamperDetected(StoreError):
    """A stored event was altered, removed or reordered outside Docket."""

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"hash chain broken at position {position}: {reason}")


class ModelError(DocketError):
    """A specialist model could not be loaded or run; the baseline takes over."""
