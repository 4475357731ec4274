"""One case as the console and `docket case` / `docket audit` show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.views.words import WordsView
from events.audit import TimelineEntry
from events.domain.case_state import (  # front ends read them from here
    CaseState,
    RecommendationState,
    SeenState,
)


@dataclass(frozen=True)
class FieldView:
    name: str
    description: str
    value: Any


@dataclass(frozen=True)
class AttributionView:
    """One feature's push on the risk score: positive raises the risk of a bad outcome."""

    feature: str
    value: Any
    contribution: float


@dataclass(frozen=True)
class VerdictView:
    rule: str
    outcome: str  # pass | redacted | flagged | blocked | fallback
    detail: str


@dataclass(frozen=True)
class ExplanationView:
    explainer: str
    text: str
    status: str  # pass | fallback
    fallback_reason: str | None
    verdicts: list[VerdictView]


@dataclass(frozen=True)
class DecisionView:
    kind: str  # accepted | overridden | escalated
    action: str | None
    reason_code: str | None
    reason_text: str | None
    by: str
    role: str
    at: datetime


@dataclass(frozen=True)
class QuantityView:
    """A "how much" case: the predicted distribution, the order and what it is expected to cost.

    ``levels``/``quantiles`` are the predicted quantiles of demand (empty when the baseline
    rule ordered); ``curve`` is the expected cost of the feasible orders around the
    recommended one; ``decided`` is the order placed, ``demand`` what was then needed, and
    the realised costs follow from them under the current policy.
    """

    unit: str
    quantity: int
    expected_cost: float
    levels: tuple[float, ...]
    quantiles: tuple[float, ...]
    curve: list[tuple[int, float]]
    critical_fractile: float
    underage_cost: float
    overage_cost: float
    step: int
    minimum_order: int
    capacity: int
    baseline_quantity: int | None
    baseline_expected_cost: float | None
    decided: int | None = None
    demand: float | None = None
    realised_cost: float | None = None
    baseline_realised_cost: float | None = None
    # The pack's own words (``QuantityWords``): a grid pack contracts MW against the load,
    # and its operator should never read "order" and "demand" on its screen.
    outcome_word: str = "demand"
    order_word: str = "order"
    ordered_word: str = "ordered"
    baseline_rule: str = "seasonal naive"


@dataclass(frozen=True)
class CaseDetail:
    case_id: str
    case_ref: str
    domain: str
    status: str
    opened_at: datetime
    version: int
    fields: list[FieldView]
    p_bad: float | None
    model_version: str | None
    attributions: list[AttributionView]  # sorted by |contribution|, largest first
    attribution_method: str
    ood: bool
    ood_reasons: list[str]
    recommendation: str | None
    recommendation_source: str | None  # model | baseline
    fallback_reason: str | None
    expected_costs: dict[str, float]
    policy_version: int | None
    input_flags: list[str]
    explanation: ExplanationView | None
    decision: DecisionView | None
    outcome: str | None
    history: list[TimelineEntry]
    quantity: QuantityView | None = None  # set for a "how much" decision
    #: The applicant's note as written, made inert for display (controls removed, markup
    #: escaped); shown even when flagged, since only the explainer does not receive it.
    note: str | None = None
    #: Why the note was flagged, one line per flag ("contains instruction-like text (...)").
    input_flag_reasons: list[str] = field(default_factory=list)
    # The domain's policy version now: a waiting case recommended under an older one is
    # stale (its recommendation and expected costs are the old policy's).
    current_policy_version: int | None = None
    # Protected characteristics withheld from this viewer (shown to auditors and the
    # policy owner only): their names, never their values.
    hidden_fields: tuple[str, ...] = ()
    words: WordsView = field(default_factory=WordsView)  # the case's pack's words
    #: The recommended action was drawn at random by the owner's exploration (not the
    #: model's cheapest action), and the policy's sentence saying so and why.
    explored: bool = False
    exploration_reason: str | None = None
    #: The policy's reasons for its recommendation, as recorded: the expected costs first,
    #: then what moved it off the cheapest action, then what exploration made of the case.
    policy_reasons: tuple[str, ...] = ()

    @property
    def why_recommended(self) -> tuple[str, ...]:
        """The recorded reasons that say why the recommended action was chosen: those ending
        in it (the uncertainty band, out of distribution, a baseline rule: ``...: escalate``)
        and the exploration that drew it. Not the costs, nor an exploration the case was
        eligible for but not drawn in (it changed nothing)."""
        action = self.recommendation
        drawn = self.exploration_reason if self.explored else None
        return tuple(r for r in self.policy_reasons if r.endswith(f": {action}") or r == drawn)

    @property
    def stale(self) -> bool:
        """Waiting for a decision, but recommended under an older policy version."""
        return (
            self.status in ("open", "escalated")
            and self.policy_version is not None
            and self.current_policy_version is not None
            and self.policy_version < self.current_policy_version
        )


@dataclass(frozen=True)
class AuditView:
    """A case as an auditor sees it: what was known at ``as_of`` and everything that followed."""

    case_id: str
    as_of: datetime | None
    seen_at_decision: dict[str, Any]  # score, policy version, explanation, verdicts shown
    state_as_of: dict[str, Any]
    timeline: list[TimelineEntry]
    after: list[TimelineEntry]  # events after as_of, for "then what happened"
    raw: dict[str, Any] = field(default_factory=dict)  # the JSON form
    words: WordsView = field(default_factory=WordsView)  # the case's pack's words
    # The typed state ``state_as_of`` is the plain form of (protected fields hidden the
    # same way); None when nothing was recorded by ``as_of``.
    case_as_of: CaseState | None = None


__all__ = [
    "AttributionView",
    "AuditView",
    "CaseDetail",
    "CaseState",
    "DecisionView",
    "ExplanationView",
    "FieldView",
    "QuantityView",
    "RecommendationState",
    "SeenState",
    "TimelineEntry",
    "VerdictView",
]
