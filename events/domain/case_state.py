"""A case's state: ONE fold over its events, read by the aggregate, the audit and the screens.

:meth:`CaseState.apply` is the only place that interprets a case event's payload. The
aggregate (:class:`events.domain.case.Case`) keeps a :class:`CaseState` and checks its
commands against it; the audit (:func:`events.audit.audit_case`) folds the same state up
to a time; the service builds the case screen from it. So OOD reasons, decisions,
explanations, outcomes, exploration and sign-offs mean the same thing everywhere.

The state is immutable: each event gives a new :class:`CaseState` (a copy with the changed fields),
so a decision can keep what its decider saw (:attr:`DecisionState.seen`) by reference, with
no copying. Payload dicts and lists held here are the events' own and are never mutated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, Literal, TypeVar

from events.domain.case_rules import explanation_flagged

Status = Literal["open", "escalated", "decided", "quarantined"]
_T = TypeVar("_T")

#: Decision events and the kind each records.
DECISION_KINDS: dict[str, str] = {
    "Accepted": "accepted",
    "Overridden": "overridden",
    "Escalated": "escalated",
    "SignedOff": "signed_off",
}


@dataclass(frozen=True)
class ScoreState:
    """A specialist's run on the case: a probability (``Scored``) or quantiles (``Forecast``)."""

    specialist: str
    model_version: str
    model_sha256: str
    ood: bool
    ood_score: float | None
    latency_ms: float
    at: str
    p_bad: float | None = None
    attributions: dict[str, float] = field(default_factory=dict)
    levels: list[float] | None = None
    quantiles: list[float] | None = None


@dataclass(frozen=True)
class FallbackState:
    reason: str
    at: str


@dataclass(frozen=True)
class RecommendationState:
    """What the policy recommended, with the OOD reasons and the exploration kept apart."""

    action: str
    source: str
    policy_id: str
    policy_version: int
    expected_costs: dict[str, float]
    reasons: list[str]
    ood_reasons: list[str]
    propensities: dict[str, float]
    explored: bool
    propensity_source: str
    quantity: int | None
    quantiles: dict[str, float]
    baseline_quantity: int | None
    at: str

    @property
    def exploration_reason(self) -> str | None:
        """The policy's sentence saying this was an exploration case, and why."""
        if not self.explored:
            return None
        return next((r for r in self.reasons if r.startswith("exploration case")), None)


@dataclass(frozen=True)
class ExplanationState:
    explainer: str
    text: str
    summary: dict[str, Any]
    claims: list[Any]
    verdicts: list[dict[str, Any]]
    fallback_reason: str | None
    at: str
    flagged: bool
    by: str = ""  # who recorded it (the explaining component)


@dataclass(frozen=True)
class SeenState:
    """What the deciding person had on screen: the state just before the decision."""

    score: ScoreState | None
    forecast: ScoreState | None
    fallback: FallbackState | None
    recommendation: RecommendationState | None
    input_flags: tuple[dict[str, Any], ...]
    explanations: tuple[ExplanationState, ...]


@dataclass(frozen=True)
class DecisionState:
    """One decision: ``kind`` accepted | overridden | escalated | signed_off."""

    kind: str
    action: str | None
    reason_code: str | None
    reason_text: str | None
    quantity: int | None
    agreed: bool | None
    by: str
    role: str
    at: str
    seen: SeenState

    @property
    def final(self) -> bool:
        return self.kind != "escalated"


@dataclass(frozen=True)
class OutcomeState:
    outcome: str
    value: float | None
    observed_at: str
    source: str
    recorded_by: str
    at: str


@dataclass(frozen=True)
class CaseState:
    """A case as its events say, after the last one applied (``version``, at ``updated_at``)."""

    domain: str
    case_ref: str
    status: Status
    opened_at: str
    version: int
    input: Any
    updated_at: str = ""  # when the last event applied was recorded
    opened_by: str = ""  # who opened (or quarantined) it, and in which role
    opened_role: str = ""
    note: str | None = None
    personal_fields: tuple[str, ...] = ()
    problems: list[dict[str, str]] | None = None
    decision: dict[str, Any] = field(default_factory=dict)  # the pack's declaration
    score: ScoreState | None = None
    forecast: ScoreState | None = None
    shadow_scores: tuple[ScoreState, ...] = ()
    fallback: FallbackState | None = None
    recommendation: RecommendationState | None = None
    input_flags: tuple[dict[str, Any], ...] = ()
    explanations: tuple[ExplanationState, ...] = ()
    decisions: tuple[DecisionState, ...] = ()
    outcome: OutcomeState | None = None

    # --- the fold --------------------------------------------------------------------------

    @staticmethod
    def opened(name: str, p: Mapping[str, Any], at: str, version: int) -> CaseState:
        """The state a creation event (``Opened``, ``Assessed`` or ``InputQuarantined``)
        starts; an ``Assessed`` one is folded as the events it stands for (``steps_of``)."""
        if name == "Assessed":
            # The events it stands for (``steps_of``), without copying them: the Opened
            # branch reads its own fields by name (``steps`` is not one of them), and each
            # step's fields are read by name from the stored step. The steps' changes go
            # into one dict and make one state (a replay folds a million of these: one
            # state each instead of one per step).
            # Each step changes the fields in place (its version and time are the event's,
            # which the Opened fields already hold).
            fields = _opened_fields(p, at, version)
            for step in p["steps"]:
                _change(fields, step["event"], step, at)
            return _new(CaseState, fields)
        if name == "Opened":
            return _new(CaseState, _opened_fields(p, at, version))
        if name == "InputQuarantined":
            return CaseState(
                domain=p["domain"], case_ref=p["case_ref"] or "", status="quarantined",
                opened_at=at, version=version, input=p["raw"], updated_at=at,
                opened_by=p["actor"], opened_role=p["role"], problems=p["problems"],
            )  # fmt: skip
        raise ValueError(f"{name} does not start a case")

    def apply(self, name: str, p: Mapping[str, Any], at: str, version: int) -> CaseState:
        """The state after the event ``name`` with payload ``p``, recorded at ``at``."""
        if name in ("Opened", "Assessed", "InputQuarantined"):
            return CaseState.opened(name, p, at, version)
        # dataclasses.replace, without re-running __init__ over all twenty fields (no field
        # has a __post_init__ or init=False): a case's fold ran it four times per new case.
        fields = self.__dict__.copy()  # the old state's own dict is never changed
        fields["version"], fields["updated_at"] = version, at
        _change(fields, name, p, at)
        return _new(CaseState, fields)

    # --- what the state means -------------------------------------------------------------

    @property
    def acting_run(self) -> ScoreState | None:
        """The champion's run the case was decided on (its score or its forecast)."""
        return self.score or self.forecast

    @property
    def p_bad(self) -> float | None:
        return self.score.p_bad if self.score is not None else None

    @property
    def model_version(self) -> str | None:
        run = self.acting_run
        return run.model_version if run is not None else None

    @property
    def ood(self) -> bool:
        run = self.acting_run
        return run.ood if run is not None else False

    @property
    def ood_reasons(self) -> list[str]:
        """Why the input is unlike the training data (recorded with the recommendation)."""
        return list(self.recommendation.ood_reasons) if self.recommendation else []

    @property
    def last_decision(self) -> DecisionState | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def final_decision(self) -> DecisionState | None:
        """The decision that closed the case (None while open or escalated)."""
        last = self.last_decision
        return last if last is not None and last.final else None

    @property
    def decided_quantity(self) -> int | None:
        """The order finally placed ("how much" cases; None while undecided or escalated)."""
        final = self.final_decision
        return final.quantity if final is not None else None

    @property
    def overridden(self) -> bool:
        return any(d.kind == "overridden" for d in self.decisions)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON form (``docket audit --json``): tuples become lists, as JSON reads back."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return plain


def _new(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass ``cls`` holding ``fields``, which name every one
    of its fields, without its ``__init__`` (which sets each field through
    ``object.__setattr__``: a third of a replay's fold). None of these classes has a
    ``__post_init__`` or an ``init=False`` field, so the object is the one ``__init__``
    makes (tests/events/test_case_state.py compares them). ``fields`` BECOMES the object's
    ``__dict__`` (not copied: every caller gives a dict it made for it and never touches
    again)."""
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made


#: The plain defaults of :class:`CaseState`'s fields (``decision``'s factory is not one:
#: :func:`_opened_fields` gives each state its own dict).
_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in dataclass_fields(CaseState) if f.default is not MISSING
}


def _opened_fields(p: Mapping[str, Any], at: str, version: int) -> dict[str, Any]:
    """Every field of the state an ``Opened`` event (payload ``p``) starts, defaults included
    (for :func:`_new`)."""
    return {
        **_DEFAULTS,
        "domain": p["domain"], "case_ref": p["case_ref"], "status": "open", "opened_at": at,
        "version": version, "input": p["input"], "updated_at": at, "opened_by": p["actor"],
        "opened_role": p["role"], "note": p.get("note"),
        "personal_fields": tuple(sorted(p.get("personal") or {})),
        "decision": dict(p.get("decision") or {}),
    }  # fmt: skip


def _change(s: dict[str, Any], name: str, p: Mapping[str, Any], at: str) -> None:
    """Change the fields ``s`` (a copy of a state's ``__dict__``, or the fields an ``Assessed``
    event's earlier steps left, already holding the event's version and ``at``) as event
    ``name`` (payload ``p``, recorded at ``at``) does. The one interpreter of a case event
    that follows a creation. Each branch reads the fields it needs before it writes any,
    so the state it reads is the one before the event."""
    if name in ("Scored", "Forecast"):
        run = _new(ScoreState, {
            "specialist": p["specialist"], "model_version": p["model_version"],
            "model_sha256": p["model_sha256"], "ood": p["ood"], "ood_score": p["ood_score"],
            "latency_ms": p["latency_ms"], "at": at, "p_bad": p.get("p_bad"),
            "attributions": p.get("attributions") or {}, "levels": p.get("levels"),
            "quantiles": p.get("quantiles"),
        })  # fmt: skip
        if p["shadow"]:  # shadow challengers are recorded, never acted on
            s["shadow_scores"] = (*s["shadow_scores"], run)
        else:
            s["score" if name == "Scored" else "forecast"] = run
    elif name == "FellBackToBaseline":
        s["fallback"] = FallbackState(p["reason"], at)
    elif name == "Recommended":
        s["recommendation"] = _new(RecommendationState, {
            "action": p["action"], "source": p["source"], "policy_id": p["policy_id"],
            "policy_version": p["policy_version"], "expected_costs": p["expected_costs"],
            "reasons": p["reasons"], "ood_reasons": p["ood_reasons"],
            "propensities": p["propensities"], "explored": p["explored"],
            "propensity_source": p["propensity_source"], "quantity": p["quantity"],
            "quantiles": p["quantiles"], "baseline_quantity": p["baseline_quantity"], "at": at,
        })  # fmt: skip
    elif name == "InputFlagged":
        s["input_flags"] = (*s["input_flags"], *p["flags"])
    elif name == "Explained":
        s["explanations"] = (*s["explanations"], ExplanationState(
            explainer=p["explainer"], text=p["text"], summary=p["summary"],
            claims=p["claims"], verdicts=p["verdicts"], fallback_reason=p["fallback_reason"],
            at=at, flagged=explanation_flagged(p["fallback_reason"], p["verdicts"]),
            by=p["actor"],
        ))  # fmt: skip
    elif name in DECISION_KINDS:
        seen = SeenState(
            s["score"], s["forecast"], s["fallback"], s["recommendation"], s["input_flags"],
            s["explanations"],
        )  # fmt: skip
        s["decisions"] = (*s["decisions"], DecisionState(
            kind=DECISION_KINDS[name], action=p.get("action"),
            reason_code=p.get("reason_code"), reason_text=p.get("reason_text"),
            quantity=p.get("quantity"), agreed=p.get("agreed"), by=p["actor"],
            role=p["role"], at=at, seen=seen,
        ))  # fmt: skip
        s["status"] = "escalated" if name == "Escalated" else "decided"
    elif name == "OutcomeRecorded":
        s["outcome"] = OutcomeState(
            outcome=p["outcome"], value=p.get("value"), observed_at=p["observed_at"],
            source=p["source"], recorded_by=p["actor"], at=at,
        )  # fmt: skip


__all__ = [
    "DECISION_KINDS",
    "CaseState",
    "DecisionState",
    "ExplanationState",
    "FallbackState",
    "OutcomeState",
    "RecommendationState",
    "ScoreState",
    "SeenState",
    "Status",
]
