"""What a case's commands read: the case's state (the one fold, :class:`CaseState`) and
the properties over it, shared by the command parts of :class:`events.domain.case.Case`.

The parts (:mod:`~events.domain.case_assessing`, :mod:`~events.domain.case_deciding`,
:mod:`~events.domain.case_outcomes`) are plain classes at run time, so eventsourcing's
metaclass sees one aggregate only (``Case``, which names the events and so keeps their
stored topics); mypy checks them as parts of an aggregate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from eventsourcing.domain import Aggregate

from events.domain import case_events
from events.domain.case_state import CaseState, Status
from events.errors import ConflictError

if TYPE_CHECKING:
    _AggregatePart = Aggregate
else:
    _AggregatePart = object


class CaseReading(_AggregatePart):
    """The case's state and what is read from it (mixed into :class:`~events.domain.case.Case`)."""

    # The events as mypy sees them: Case names the same classes at run time (its metaclass
    # redefines each as Case.<Name>), so ``self.Scored`` in a part is Case's own event.
    if TYPE_CHECKING:
        Opened: TypeAlias = case_events.Opened
        Assessed: TypeAlias = case_events.Assessed
        InputQuarantined: TypeAlias = case_events.InputQuarantined
        Scored: TypeAlias = case_events.Scored
        Forecast: TypeAlias = case_events.Forecast
        FellBackToBaseline: TypeAlias = case_events.FellBackToBaseline
        Recommended: TypeAlias = case_events.Recommended
        InputFlagged: TypeAlias = case_events.InputFlagged
        Explained: TypeAlias = case_events.Explained
        Accepted: TypeAlias = case_events.Accepted
        Overridden: TypeAlias = case_events.Overridden
        Escalated: TypeAlias = case_events.Escalated
        SignedOff: TypeAlias = case_events.SignedOff
        OutcomeRecorded: TypeAlias = case_events.OutcomeRecorded

    # --- state -----------------------------------------------------------------------

    #: The case as its events say: ONE fold (:meth:`CaseState.apply`), set by each event's
    #: ``apply``. Everything below reads it; the audit and the screens fold the same way.
    #: (Declared for mypy only: an annotation in the body would make the aggregate a dataclass.)
    if TYPE_CHECKING:
        state: CaseState

    @property
    def domain(self) -> str:
        return self.state.domain

    @property
    def case_ref(self) -> str:
        return self.state.case_ref

    @property
    def status(self) -> Status:
        return self.state.status

    @property
    def decision(self) -> dict[str, Any]:
        """The pack's declaration, as recorded when the case was opened."""
        return self.state.decision

    @property
    def p_bad(self) -> float | None:
        return self.state.p_bad

    @property
    def model_version(self) -> str | None:
        return self.state.model_version

    @property
    def ood(self) -> bool:
        return self.state.ood

    @property
    def fell_back(self) -> bool:
        return self.state.fallback is not None

    @property
    def recommendation(self) -> str | None:
        """The recommended action."""
        rec = self.state.recommendation
        return rec.action if rec is not None else None

    @property
    def expected_costs(self) -> dict[str, float]:
        rec = self.state.recommendation
        return dict(rec.expected_costs) if rec is not None else {}

    @property
    def quantity(self) -> int | None:
        """A "how much" decision's recommended order."""
        rec = self.state.recommendation
        return rec.quantity if rec is not None else None

    @property
    def policy_version(self) -> int | None:
        rec = self.state.recommendation
        return rec.policy_version if rec is not None else None

    @property
    def decided_by(self) -> str | None:
        """Who decided last (the escalating operator, while escalated)."""
        last = self.state.last_decision
        return last.by if last is not None else None

    @property
    def decided_at(self) -> str | None:
        last = self.state.last_decision
        return last.at if last is not None else None

    @property
    def decided_action(self) -> str | None:
        """The final action, once one is taken."""
        final = self.state.final_decision
        return final.action if final is not None else None

    @property
    def outcome(self) -> str | None:
        found = self.state.outcome
        return found.outcome if found is not None else None

    @property
    def escalate_action(self) -> str | None:
        """The pack's action that hands this case to a senior reviewer."""
        value = self.decision.get("escalate_action")
        return value if isinstance(value, str) else None

    @property
    def deciding_roles(self) -> tuple[str, ...]:
        """The roles that decide this case: the operator's, then the senior reviewer's."""
        return tuple(self.decision.get("deciding_roles") or ())

    @property
    def senior_role(self) -> str | None:
        roles = self.deciding_roles
        return roles[-1] if roles else None

    @property
    def outcome_labels(self) -> tuple[str, ...] | None:
        """The outcome labels the pack declared (None: the outcome is not a label)."""
        labels = self.decision.get("outcomes")
        return tuple(labels) if isinstance(labels, list) else None

    # --- checks every command part makes ---------------------------------------------

    def _require_live(self) -> None:
        if self.status == "quarantined":
            raise ConflictError(f"case {self.id} holds quarantined input; it cannot proceed")
