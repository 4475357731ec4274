"""A domain's policy, its history and proposals, backtests, and the installed packs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.views.words import WordsView

# --- policy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyChangeView:
    version: int
    at: datetime
    by: str
    role: str
    changes: dict[str, Any]
    justification: str  # a change's justification, or a review's or sign-off's note
    event: str = "changed"  # created | changed | reviewed | signed_off


@dataclass(frozen=True)
class ProposalView:
    """A policy change proposed by one person, waiting for a second to approve it."""

    number: int
    at: datetime
    by: str
    changes: dict[str, Any]
    justification: str
    base_version: int


@dataclass(frozen=True)
class PromotionProposalView:
    """A model promotion proposed by one person, waiting for a second to approve it."""

    domain: str
    version: str
    number: int
    at: datetime
    by: str
    reason: str
    replaces: str | None  # the champion it would replace (None: there is none)


@dataclass(frozen=True)
class PolicyView:
    domain: str
    version: int
    owner_role: str
    actions: list[str]
    costs: dict[str, dict[str, float]]
    escalate_band: tuple[float, float]
    escalate_on_ood: bool
    review_every_days: int
    history: list[PolicyChangeView]
    pending: list[ProposalView] = field(default_factory=list)  # four eyes: awaiting approval
    #: Model promotions of this domain awaiting a second person (four eyes too).
    pending_promotions: list[PromotionProposalView] = field(default_factory=list)
    quantity: dict[str, Any] | None = None  # a "how much" policy's economics and limits
    exploration: dict[str, Any] = field(default_factory=dict)  # rate, max_regret, salt, cap
    # Expected extra cost of the cases explored this calendar month (UTC), and the month.
    exploration_spent: float = 0.0
    exploration_month: str = ""
    signed_off: bool = True  # False: installed by the system, not yet signed by the owner
    last_reviewed_at: datetime | None = None
    review_overdue: bool = False
    words: WordsView = field(default_factory=WordsView)  # the pack's words


@dataclass(frozen=True)
class BacktestView:
    label: str
    n: int
    cost_per_case: float
    cost_ci: tuple[float, float]
    approval_rate: float  # share of cases given ``accept_action``
    escalation_rate: float  # share of cases given ``escalate_action``
    accept_action: str = "accept"  # the pack's action for the safe outcome
    escalate_action: str = "send up"  # the pack's action that hands a case to a senior


@dataclass(frozen=True)
class OrderArmView:
    """One way of ordering replayed on held-out periods with known demand."""

    label: str
    n: int
    cost_per_case: float
    fill_rate: float  # units of demand met / units demanded
    short_share: float  # share of cases short of demand
    left_over: float  # mean units left over per case
    escalation_rate: float


@dataclass(frozen=True)
class OrderBacktestView:
    """A "how much" policy against seasonal naive on the champion's held-out periods, with
    its quantile forecasts' coverage and pinball loss there (``docket eval``'s orders)."""

    model_version: str
    unit: str
    policy: OrderArmView
    baseline: OrderArmView
    coverage: dict[str, float]  # level -> share of demand at or below the forecast
    pinball: dict[str, float]  # level -> mean pinball loss
    # The pack's words for what the report speaks of (its Words.cases and QuantityWords).
    cases_word: str = "periods"
    outcome_word: str = "demand"
    order_word: str = "order"
    case_word: str = "period"  # one case, as the pack names it ("month")


@dataclass(frozen=True)
class PolicyPreview:
    before: BacktestView
    after: BacktestView
    baseline: BacktestView


# --- domains ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainView:
    """An installed domain pack and the decision it declares (``docket domains``).

    ``words`` are the pack's display words: ``case``/``cases`` (one case, several),
    ``subject`` (who a case is about), ``risk`` (the risk outcome in prose),
    ``probability`` (the score's label, e.g. ``p(bad)``) and ``per_case``.
    ``reason_codes`` are the override reason codes the pack declares (code -> short label,
    in the order offered), or the neutral defaults when it declares none.
    """

    name: str
    description: str
    kind: str  # classification | quantity
    shape: str  # the decision in one line
    actions: list[str]
    escalate_action: str
    outcomes: list[str]  # empty for a quantity: its outcome is a number
    risk_outcome: str | None
    roles: dict[str, str]  # duty (owner, operator, senior, engineer, auditor) -> role name
    words: dict[str, str]
    cases: int  # cases of this domain in the store (quarantined rows not counted)
    reason_codes: dict[str, str] = field(default_factory=dict)
