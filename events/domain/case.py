"""The decision case: from input to outcome, every step an immutable event.

Life of a case::

    Opened ─┬─ Scored* ─ FellBackToBaseline? ─ Recommended ─ InputFlagged* ─ Explained*
            │     ─ Accepted | Overridden | Escalated ─ (another senior: SignedOff)
            │     ─ OutcomeRecorded
    InputQuarantined   (bad input: kept, never dropped; the case goes no further)

Decision rule: an operator (or senior) decides once: accept, override (reason code
and text mandatory) or escalate. An escalated case is closed once more, finally, by
another person in the pack's senior role (credit's ``senior``): a sign-off
(``SignedOff``), agreeing with the recommendation or deciding another action. A sign-off
is the judgement the escalation asked for, not an override, so it never counts in
override rates. Anyone else acting on an escalated case is told who escalated it and
that it waits for a senior (:class:`~events.errors.AwaitingSenior`); any other second
decision raises :class:`~events.errors.AlreadyDecided` naming who decided and when.

The log knows no domain: which action hands a case to a senior, which outcome labels a
case may have and which roles decide are the pack's, recorded as plain data on the
``Opened`` event (``decision``, see :data:`DECISION_KEYS`) and read back from there.

Modules: :mod:`events.domain.case_rules` (argument checks), :mod:`events.domain.case_events`
(the events), this one (the aggregate: its state and commands).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate

from events.domain import case_events
from events.domain.case_rules import (
    DECISION_KEYS,
    FLAGGING_VERDICTS,
    REASON_CODES,
    DecisionArgs,
    DemandArgs,
    ExplainArgs,
    ForecastArgs,
    OpenArgs,
    OutcomeArgs,
    OverrideArgs,
    RecommendArgs,
    ScoreArgs,
    canonical_sha256,
    check_quantity,
    explanation_flagged,
)
from events.domain.case_state import CaseState, Status
from events.domain.common import check_identity, docket_id, fields_of, plain_json, validate
from events.errors import (
    AlreadyDecided,
    AwaitingSenior,
    ConflictError,
    FieldProblem,
    InputRejected,
    NotAuthorised,
)


class Case(Aggregate):
    """One decision case. Create with :meth:`open` or :meth:`quarantine`."""

    # --- events (defined in events.domain.case_events; topics stay Case.<Name> here) --

    # Named here so eventsourcing's metaclass redefines each as Case.<Name> in this module:
    # the stored topics (events.domain.case:Case.Opened ...) never change. mypy sees
    # aliases, so Case.Opened is a type wherever it is used.
    if TYPE_CHECKING:
        Opened: TypeAlias = case_events.Opened
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
    else:
        Opened = case_events.Opened
        InputQuarantined = case_events.InputQuarantined
        Scored = case_events.Scored
        Forecast = case_events.Forecast
        FellBackToBaseline = case_events.FellBackToBaseline
        Recommended = case_events.Recommended
        InputFlagged = case_events.InputFlagged
        Explained = case_events.Explained
        Accepted = case_events.Accepted
        Overridden = case_events.Overridden
        Escalated = case_events.Escalated
        SignedOff = case_events.SignedOff
        OutcomeRecorded = case_events.OutcomeRecorded

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

    # --- ids -------------------------------------------------------------------------

    @staticmethod
    def id_for(domain: str, case_ref: str) -> UUID:
        """The case's id, derived from its natural key so re-ingesting is idempotent."""
        return docket_id("case", domain, case_ref)

    @staticmethod
    def quarantine_id_for(domain: str, raw: Any) -> UUID:
        """A quarantine record's id: the same bad input submitted twice is one record."""
        return docket_id("quarantine", domain, canonical_sha256(raw))

    # --- creation commands -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        domain: str,
        case_ref: str,
        input: dict[str, Any],  # noqa: A002 - the contract's name
        personal: dict[str, Any] | None = None,
        note: str | None = None,
        decision: dict[str, Any],
        actor: str,
        role: str,
    ) -> Case:
        """Open a case with input the domain pack has already validated.

        ``decision`` is the pack's declaration as plain data (see :data:`DECISION_KEYS`):
        the case reads its escalation action, outcome labels and deciding roles from it.
        """
        check_identity(actor, role)
        validate(OpenArgs, domain=domain, case_ref=case_ref)
        declared = plain_json(dict(decision), "decision")
        _check_decision(declared)
        return cls._create(
            cls.Opened,
            id=cls.id_for(domain, case_ref),
            domain=domain,
            case_ref=case_ref,
            input=plain_json(dict(input), "input"),
            personal=plain_json(dict(personal or {}), "personal"),
            note=note,
            decision=declared,
            actor=actor,
            role=role,
        )

    @classmethod
    def quarantine(
        cls,
        *,
        domain: str,
        case_ref: str | None,
        raw: Any,
        problems: list[FieldProblem] | list[dict[str, str]],
        actor: str,
        role: str,
    ) -> Case:
        """Keep rejected raw input, with the problems found, as its own record."""
        check_identity(actor, role)
        validate(OpenArgs, domain=domain, case_ref=case_ref or "-")
        # Raw input may hold anything (that is why it was rejected): store a
        # JSON-safe rendering rather than refusing to keep it.
        safe_raw = json.loads(json.dumps(raw, default=repr))
        listed = [
            {"field": p.field, "problem": p.problem}
            if isinstance(p, FieldProblem)
            else {"field": str(p["field"]), "problem": str(p["problem"])}
            for p in problems
        ]
        return cls._create(
            cls.InputQuarantined,
            id=cls.quarantine_id_for(domain, safe_raw),
            domain=domain,
            case_ref=case_ref,
            raw=safe_raw,
            problems=listed,
            actor=actor,
            role=role,
        )

    # --- commands on an open case ------------------------------------------------------

    def _require_live(self) -> None:
        if self.status == "quarantined":
            raise ConflictError(f"case {self.id} holds quarantined input; it cannot proceed")

    def record_score(
        self,
        *,
        specialist: str,
        model_version: str,
        model_sha256: str,
        p_bad: float,
        attributions: dict[str, float],
        ood: bool,
        ood_score: float | None,
        latency_ms: float,
        shadow: bool = False,
        actor: str,
        role: str,
    ) -> None:
        check_identity(actor, role)
        self._require_live()
        a = validate(
            ScoreArgs,
            specialist=specialist,
            model_version=model_version,
            model_sha256=model_sha256,
            p_bad=p_bad,
            attributions=attributions,
            ood=ood,
            ood_score=ood_score,
            latency_ms=latency_ms,
            shadow=shadow,
        )
        self.trigger_event(self.Scored, **fields_of(a), actor=actor, role=role)

    def record_forecast(
        self,
        *,
        specialist: str,
        model_version: str,
        model_sha256: str,
        levels: list[float],
        quantiles: list[float],
        ood: bool,
        ood_score: float | None,
        latency_ms: float,
        shadow: bool = False,
        actor: str,
        role: str,
    ) -> None:
        """Record a quantile specialist's prediction for a "how much" case."""
        check_identity(actor, role)
        self._require_live()
        a = validate(
            ForecastArgs, specialist=specialist, model_version=model_version,
            model_sha256=model_sha256, levels=list(levels), quantiles=list(quantiles), ood=ood,
            ood_score=ood_score, latency_ms=latency_ms, shadow=shadow,
        )  # fmt: skip
        if len(a.levels) != len(a.quantiles):
            raise InputRejected([FieldProblem("quantiles", "needs one value per level")])
        self.trigger_event(self.Forecast, **a.model_dump(), actor=actor, role=role)

    def record_fallback(self, *, reason: str, actor: str, role: str) -> None:
        check_identity(actor, role)
        self._require_live()
        if not reason.strip():
            raise InputRejected([FieldProblem("reason", "must say why the model was not used")])
        self.trigger_event(self.FellBackToBaseline, reason=reason, actor=actor, role=role)

    def recommend(
        self,
        *,
        action: str,
        source: str,
        policy_id: str,
        policy_version: int,
        expected_costs: dict[str, float],
        reasons: list[str],
        ood_reasons: list[str] | None = None,
        quantity: int | None = None,
        quantiles: dict[str, float] | None = None,
        baseline_quantity: int | None = None,
        propensities: dict[str, float] | None = None,
        explored: bool = False,
        actor: str,
        role: str,
    ) -> None:
        """Record the recommendation; ``propensities`` default to the action being certain."""
        check_identity(actor, role)
        self._require_live()
        for name, value in (("quantity", quantity), ("baseline_quantity", baseline_quantity)):
            if value is not None:
                check_quantity(name, value)
        a = validate(
            RecommendArgs,
            action=action,
            source=source,
            policy_id=policy_id,
            policy_version=policy_version,
            expected_costs=expected_costs,
            reasons=reasons,
            ood_reasons=list(ood_reasons or []),
            propensities=dict(propensities or {action: 1.0}),
            explored=explored,
        )
        if a.action not in a.propensities or a.propensities[a.action] <= 0.0:
            raise InputRejected(
                [
                    FieldProblem(
                        "propensities",
                        f"the recommended action {a.action!r} needs a probability > 0",
                    )
                ]
            )
        self.trigger_event(
            self.Recommended, **fields_of(a), propensity_source="logged", quantity=quantity,
            quantiles=plain_json(dict(quantiles or {}), "quantiles"),
            baseline_quantity=baseline_quantity, actor=actor, role=role,
        )  # fmt: skip

    def record_input_flags(self, *, flags: list[dict[str, Any]], actor: str, role: str) -> None:
        check_identity(actor, role)
        plain = plain_json(list(flags), "flags")
        for i, flag in enumerate(plain):
            if not isinstance(flag, dict) or not isinstance(flag.get("kind"), str):
                raise InputRejected([FieldProblem(f"flags[{i}]", "needs a 'kind'")])
        self.trigger_event(self.InputFlagged, flags=plain, actor=actor, role=role)

    def record_explanation(
        self,
        *,
        explainer: str,
        text: str,
        summary: dict[str, Any],
        claims: list[Any],
        verdicts: list[dict[str, Any]],
        fallback_reason: str | None = None,
        actor: str,
        role: str,
    ) -> None:
        """Record a guarded explanation and the verdict of each guardrail rule.

        Each verdict is a dict like ``{"rule": ..., "outcome": "pass|redacted|flagged|
        blocked|fallback", "detail": ...}``.
        """
        check_identity(actor, role)
        self._require_live()
        validate(ExplainArgs, explainer=explainer, text=text, fallback_reason=fallback_reason)
        self.trigger_event(
            self.Explained,
            explainer=explainer,
            text=text,
            summary=plain_json(dict(summary), "summary"),
            claims=plain_json(list(claims), "claims"),
            verdicts=plain_json(list(verdicts), "verdicts"),
            fallback_reason=fallback_reason,
            actor=actor,
            role=role,
        )

    # --- decisions ---------------------------------------------------------------------

    def _check_may_decide(self, actor: str, role: str, *, final: bool) -> None:
        """Apply the decision rule (see the module docstring)."""
        check_identity(actor, role)
        self._require_live()
        check_identity(actor, role, self.deciding_roles)
        if self.status == "open":
            return
        if self.status == "escalated" and role == self.senior_role and final:
            if actor == self.decided_by:
                # Four eyes: the escalation asked for a second person's judgement.
                raise NotAuthorised(
                    f"{actor} escalated this case, so another senior reviewer must close it"
                )
            return
        if self.status == "escalated":
            raise AwaitingSenior(
                self.case_ref or str(self.id), self.decided_by or "?", self.decided_at or "?"
            )
        raise AlreadyDecided(str(self.id), self.decided_by or "?", self.decided_at or "?")

    def _sign_off(
        self,
        *,
        action: str,
        reason_code: str | None = None,
        reason_text: str = "",
        quantity: int | None,
        actor: str,
        role: str,
    ) -> None:
        """Close an escalated case (the caller has checked the senior may)."""
        self.trigger_event(
            self.SignedOff,
            action=action,
            recommended=self.recommendation,
            agreed=action == self.recommendation and quantity == self.quantity,
            reason_code=reason_code,
            reason_text=reason_text,
            quantity=quantity,
            actor=actor,
            role=role,
        )

    def accept(self, *, actor: str, role: str) -> None:
        """Take the recommended action."""
        if self.recommendation is not None and self.recommendation == self.escalate_action:
            # Following a recommendation to escalate is an escalation, not a final decision.
            if self.status == "escalated":
                self._check_may_decide(actor, role, final=True)  # only a senior gets further
                raise InputRejected(
                    [
                        FieldProblem(
                            "action",
                            "the policy recommends escalation; as the senior reviewer, "
                            "sign the case off with the action you decide (override ACTION)",
                        )
                    ]
                )
            self.escalate(reason_text="the policy recommended escalation", actor=actor, role=role)
            return
        self._check_may_decide(actor, role, final=True)
        if self.recommendation is None:
            raise InputRejected([FieldProblem("action", "there is no recommendation to accept")])
        if self.status == "escalated":  # the senior agrees with the recommendation
            self._sign_off(
                action=self.recommendation, quantity=self.quantity, actor=actor, role=role
            )
            return
        self.trigger_event(
            self.Accepted,
            action=self.recommendation,
            quantity=self.quantity,
            actor=actor,
            role=role,
        )

    def override(
        self,
        *,
        action: str,
        reason_code: str,
        reason_text: str,
        quantity: int | None = None,
        actor: str,
        role: str,
    ) -> None:
        """Take another action than recommended; reason code and text are mandatory.

        For a "how much" decision (the recommendation carries a quantity), the override is
        another ``quantity`` of the order action."""
        if action == self.escalate_action:
            raise InputRejected(
                [
                    FieldProblem(
                        "action",
                        "to send a case to a senior reviewer, escalate it (no override needed)",
                    )
                ]
            )
        self._check_may_decide(actor, role, final=True)
        a = validate(OverrideArgs, action=action, reason_code=reason_code, reason_text=reason_text)
        if self.expected_costs and a.action not in self.expected_costs:
            known = ", ".join(self.expected_costs)
            raise InputRejected([FieldProblem("action", f"must be one of {known}")])
        if self.quantity is not None:
            if quantity is None:
                raise InputRejected(
                    [
                        FieldProblem(
                            "quantity",
                            "an override of an order needs the quantity to order instead",
                        )
                    ]
                )
            check_quantity("quantity", quantity)
            if quantity == self.quantity and self.recommendation != self.escalate_action:
                raise InputRejected(
                    [
                        FieldProblem(
                            "quantity", f"{quantity} is the recommended order: accept it instead"
                        )
                    ]
                )
        elif quantity is not None:
            raise InputRejected([FieldProblem("quantity", "this decision is not a quantity")])
        elif a.action == self.recommendation:
            raise InputRejected(
                [FieldProblem("action", "is the recommended action: accept it instead")]
            )
        if self.status == "escalated":  # the senior decides: a sign-off, not an override
            self._sign_off(
                action=a.action,
                reason_code=a.reason_code,
                reason_text=a.reason_text,
                quantity=quantity,
                actor=actor,
                role=role,
            )
            return
        self.trigger_event(
            self.Overridden,
            action=a.action,
            recommended=self.recommendation,
            reason_code=a.reason_code,
            reason_text=a.reason_text,
            quantity=quantity,
            actor=actor,
            role=role,
        )

    def escalate(self, *, reason_text: str = "", actor: str, role: str) -> None:
        """Send the case to a senior reviewer (who decides it finally)."""
        self._check_may_decide(actor, role, final=False)
        self.trigger_event(self.Escalated, reason_text=reason_text.strip(), actor=actor, role=role)

    # --- later --------------------------------------------------------------------------

    def record_outcome(
        self, *, outcome: str, observed_at: datetime | str, source: str, actor: str, role: str
    ) -> None:
        """Record what really happened (possibly months later). Once per case."""
        check_identity(actor, role)
        self._require_live()
        if isinstance(observed_at, datetime):
            observed_at = observed_at.isoformat()
        a = validate(OutcomeArgs, outcome=outcome, observed_at=observed_at, source=source)
        labels = self.outcome_labels
        if labels is not None and a.outcome not in labels:
            raise InputRejected([FieldProblem("outcome", f"must be one of {', '.join(labels)}")])
        if self.outcome is not None:
            raise ConflictError(f"case {self.id} already has outcome {self.outcome!r}")
        self._check_after_decision(a.observed_at)
        self.trigger_event(
            self.OutcomeRecorded, **a.model_dump(), value=None, actor=actor, role=role
        )

    def _check_after_decision(self, observed_at: str) -> None:
        """Refuse an outcome observed before the decision it follows (one sentence)."""
        if self.decided_at is not None and (
            datetime.fromisoformat(observed_at) < datetime.fromisoformat(self.decided_at)
        ):
            raise InputRejected(
                [
                    FieldProblem(
                        "observed_at",
                        f"{observed_at} is before the decision it follows "
                        f"({self.decided_at}); an outcome cannot be observed before the decision",
                    )
                ]
            )

    def record_demand(
        self, *, value: float, observed_at: datetime | str, source: str, actor: str, role: str
    ) -> None:
        """Record the realised number of a "how much" case (e.g. demand). Once per case."""
        check_identity(actor, role)
        self._require_live()
        if isinstance(observed_at, datetime):
            observed_at = observed_at.isoformat()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InputRejected([FieldProblem("outcome", f"must be a number, got {value!r}")])
        if value < 0:
            raise InputRejected([FieldProblem("outcome", f"must not be negative, got {value:g}")])
        a = validate(DemandArgs, value=float(value), observed_at=observed_at, source=source)
        if self.outcome is not None:
            raise ConflictError(f"case {self.id} already has outcome {self.outcome!r}")
        self._check_after_decision(a.observed_at)
        self.trigger_event(
            self.OutcomeRecorded,
            outcome=f"{a.value:g}",
            observed_at=a.observed_at,
            source=a.source,
            value=a.value,
            actor=actor,
            role=role,
        )


def _check_decision(declared: dict[str, Any]) -> None:
    """Check a pack's declaration (plain JSON), each distinct one once: a bulk ingest opens
    every case of a pack with the same declaration."""
    try:
        key = orjson.dumps(declared)
    except TypeError:  # an integer beyond 64 bits: checked as it is
        validate(DecisionArgs, **declared)
    else:
        _check_declared(key)


@lru_cache(maxsize=64)
def _check_declared(declared: bytes) -> None:
    """lru_cache keeps results only: a declaration that fails raises every time."""
    validate(DecisionArgs, **orjson.loads(declared))


__all__ = [
    "DECISION_KEYS",
    "FLAGGING_VERDICTS",
    "REASON_CODES",
    "Case",
    "canonical_sha256",
    "explanation_flagged",
]
