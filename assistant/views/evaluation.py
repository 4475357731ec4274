"""Dry runs and evaluations: an assessment recorded nowhere, a draft explanation, the
selective-labels simulator's result."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.views.case import ExplanationView

# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentView:
    """A dry-run assessment: what Docket would recommend, recorded nowhere."""

    p_bad: float | None
    action: str | None
    baseline_action: str | None
    expected_costs: dict[str, float]
    ood: bool
    source: str  # model | baseline | rejected
    fallback_reason: str | None
    problems: list[str]
    propensities: dict[str, float] = field(default_factory=dict)
    explored: bool = False
    #: What exploration would make of the case, given this month's budget left (see
    #: :attr:`assistant.policies.Recommendation.exploration`); None: not eligible.
    exploration: str | None = None
    #: The monthly exploration budget left before this case (None: no monthly cap).
    budget_left: float | None = None


@dataclass(frozen=True)
class QuantityAssessmentView:
    """A quantity pack's dry-run assessment of one row, recorded nowhere: the predicted
    quantiles, the recommended quantity and its expected cost, and why (``action`` None:
    the row was rejected, see ``problems``)."""

    action: str | None
    quantity: int | None
    expected_cost: float | None
    quantiles: dict[str, float]  # level ("0.75") -> predicted value; empty: baseline decided
    baseline_quantity: int | None
    source: str  # model | baseline | rejected
    reasons: list[str]
    problems: list[str]
    ood: bool = False
    fallback_reason: str | None = None


@dataclass(frozen=True)
class QuantityPreviewView:
    """What ``docket assess`` says before a quantity pack's rows: the policy and the model
    that would decide, and how well that model's quantiles held on its held-out periods."""

    policy_version: int
    critical_fractile: float
    underage_cost: float
    overage_cost: float
    model_version: str | None
    unavailable_reason: str | None
    held_out: int  # periods the champion's validation model never trained on (0: unknown)
    coverage: dict[str, float]  # level -> share of held-out periods at or below it
    pinball: float | None  # mean over levels, in the pack's unit
    rows: list[QuantityAssessmentView]
    per_unit: str = "unit"  # one of the pack's unit, for "per bike" ("bikes" -> "bike")


@dataclass(frozen=True)
class DraftView:
    """An unrecorded explanation, with what was stored and what would leave the machine."""

    explanation: ExplanationView
    stored_text: str  # placeholders instead of personal values
    outbound_prompt: str  # the text an LLM provider would receive
    note_flagged: bool


@dataclass(frozen=True)
class SimulationView:
    """The selective-labels simulator's result (``assistant.evaluation.simulate``).

    ``rows``: per repeat (seed, truth, naive, IPS or None, DR, DR low, DR high, outcomes
    seen, cases); ``approval_by_round``: per fairness attribute the pack declares, (round,
    group -> rate of the accepting action); ``groups_note`` says why there is none.
    """

    exploring: bool
    exploration: dict[str, float]
    repeats: int
    truth: float
    naive_bias: float
    dr_bias: float
    dr_coverage: float
    ips_coverage: float
    mean_observed_share: float
    rows: list[tuple[int, float, float, float | None, float, float, float, int, int]]
    approval_by_round: dict[str, list[tuple[int, dict[str, float]]]]
    # the strict candidate cut-off on the same log: (cut-off, truth, naive, DR, DR coverage)
    strict: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    groups_note: str = ""
    # the actions whose taking shows every outcome (the pack's reveals) and the accepting
    # action whose rate is followed by group (credit: ("approve",), "approve")
    revealing: tuple[str, ...] = ()
    accepting: str = ""
    # the actions that reveal some outcomes only, with those outcomes (a clinic's discharge:
    # ("discharge", ("Yes",))): what they show counts in the naive figure alone
    partial: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class FairnessGroupsView:
    """One protected attribute a pack declares: each historical case's group (in the order
    of :meth:`DocketService.dataset`) and the order reports list the groups in."""

    attribute: str
    order: list[str]
    groups: list[str]
