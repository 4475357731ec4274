"""What front ends see: plain, immutable views returned by :class:`assistant.service.DocketService`.

The TUI, the CLI and the evals read these and nothing else, so a screen never
needs to know how the log or the read models are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from events.domain.case import REASON_CODES as _REASON_CODES
from events.errors import FieldProblem, InputRejected
from guardrails.plain_text import plain

Flag = Literal["ood", "fallback", "guardrail", "injection", "escalated"]
FLAGS: tuple[Flag, ...] = ("ood", "fallback", "guardrail", "injection", "escalated")


def inert(text: str) -> str:
    """Text that came from outside, safe to print on a terminal or in the console.

    Terminal controls, ANSI escapes, bidi and zero-width characters are removed and
    console markup is escaped, so what is printed is what was written, taking no effect.
    """
    return plain(text)


#: The short badge each flag wears in the queue (and may be filtered by).
BADGES: dict[str, str] = {
    "ood": "OOD",
    "fallback": "FALLBACK",
    "guardrail": "GUARD",
    "injection": "INJ",
    "escalated": "ESC",
}

#: The queue's status filters: name -> the case statuses it shows. ``waiting`` (cases
#: awaiting a decision, open or escalated to a senior) is the default.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "waiting": ("open", "escalated"),
    "open": ("open",),
    "escalated": ("escalated",),
    "decided": ("decided",),
    "all": ("open", "escalated", "decided"),
}


def flag_named(text: str) -> str | None:
    """The flag a word names, by badge (``INJ``) or name (``injection``), any case; else None."""
    word = text.strip().lower()
    for flag, badge in BADGES.items():
        if word in (flag, badge.lower()):
            return flag
    return None


def parse_flag(text: str) -> str:
    """The flag ``text`` names. Raises InputRejected naming the known badges."""
    flag = flag_named(text)
    if flag is None:
        known = ", ".join(BADGES.values())
        raise InputRejected([FieldProblem("flag", f"{text!r} is not a flag (one of {known})")])
    return flag


def split_filter(text: str) -> tuple[str, tuple[str, ...]]:
    """A filter typed in the console: words that are badges (``INJ OOD``) filter by flag,
    the rest searches references and recommendations. Returns (search, flags)."""
    words, flags = [], []
    for word in text.split():
        flag = flag_named(word)
        if flag is None:
            words.append(word)
        elif flag not in flags:
            flags.append(flag)
    return " ".join(words), tuple(flags)

# Why an operator overrode the recommendation (code -> label); the log owns the list.
REASON_CODES: dict[str, str] = _REASON_CODES


@dataclass(frozen=True)
class Identity:
    """The person or component acting, e.g. ``Identity("ana", "operator")``."""

    name: str
    role: str


@dataclass(frozen=True)
class KeyView:
    """One enrolled key: whose, with which roles, enrolled by whom, revoked or not."""

    key_id: str
    person: str
    roles: tuple[str, ...]
    enrolled_at: int  # log position
    enrolled_by: str
    revoked: bool
    revoked_at: str  # ISO time, "" when not revoked


# --- decisions an operator can take ---------------------------------------------------------


@dataclass(frozen=True)
class Accept:
    """Take the recommended action."""


@dataclass(frozen=True)
class Override:
    """Take another action; the reason code and text are mandatory. For a "how much"
    decision, ``quantity`` is the order placed instead (``action`` is then the order action)."""

    action: str
    reason_code: str
    reason_text: str
    quantity: int | None = None


@dataclass(frozen=True)
class Escalate:
    """Send the case to a senior reviewer."""

    reason_text: str = ""


Decision = Accept | Override | Escalate


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
    flags: frozenset[str]  # FLAGS, plus "stale": recommended under an older policy version
    version: int
    expected_costs: dict[str, float] = field(default_factory=dict)  # of each action
    quantity: int | None = None  # a "how much" case: the recommended order


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    offset: int


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
class TimelineEntry:
    at: datetime
    event: str
    actor: str
    role: str
    summary: str


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
    #: The recommended action was drawn at random by the owner's exploration (not the
    #: model's cheapest action), and the policy's sentence saying so and why.
    explored: bool = False
    exploration_reason: str | None = None

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


@dataclass(frozen=True)
class BacktestView:
    label: str
    n: int
    cost_per_case: float
    cost_ci: tuple[float, float]
    approval_rate: float  # share of cases given ``accept_action`` (credit: approve)
    escalation_rate: float  # share of cases given ``escalate_action``
    accept_action: str = "accept"  # the pack's action for the safe outcome
    escalate_action: str = "escalate"


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


# --- models, health, status ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelView:
    version: str
    domain: str
    kind: str
    status: str  # champion | shadow | registered | retired
    registered_at: datetime
    registered_by: str
    metrics: dict[str, Any]
    card: dict[str, Any]
    evals: dict[str, bool] = field(default_factory=dict)  # latest verdict per eval suite


@dataclass(frozen=True)
class AlertView:
    kind: str
    severity: str
    message: str
    raised_at: datetime
    runbook: str = ""  # where README says what the alert means and what to do


@dataclass(frozen=True)
class OverrideEffect:
    """Overrides in one group judged as treatments (see ``docket quality``): on the outcomes
    their own action revealed, with the ones nobody can observe counted apart."""

    n: int
    observed: int  # with an outcome (the override's action revealed it, or an outside source)
    helped: int
    hurt: int
    observed_delta: float  # Σ (cost of the override − cost of the recommendation), observed
    unobservable: int  # the override's action reveals no outcome and nobody reported one
    model_delta: float  # the same Σ by the model's expected costs, over the unobservable


@dataclass(frozen=True)
class CalibrationBand:
    """Observed against predicted risk among observable outcomes with scores in a band."""

    low: float
    high: float
    n: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class HealthView:
    domain: str
    model_version: str | None
    decisions: int
    override_rate: float | None
    overrides_by_reason: dict[str, int]
    override_rate_by_operator: dict[str, float]
    outcomes_known: int
    realized_cost: dict[str, tuple[float, float, float]]  # who → (cost per case, ci low, ci high)
    alerts: list[AlertView]
    # Overrides as treatments, as `docket quality` reports them (a negative delta means the
    # overrides saved cost against the recommendation).
    override_effect_by_reason: dict[str, OverrideEffect] = field(default_factory=dict)
    override_effect_by_operator: dict[str, OverrideEffect] = field(default_factory=dict)
    # What realized_cost rests on, in one sentence (empty: naive costs on known outcomes).
    cost_basis: str = ""
    # Calibration by score band on observable outcomes, and the window it used.
    calibration: tuple[CalibrationBand, ...] = ()
    calibration_window: str = ""


@dataclass(frozen=True)
class IngestReport:
    opened: list[str]
    rejected: list[tuple[int, str]]  # (row number, one clear sentence)
    duplicates: list[int]
    problems: dict[int, list[FieldProblem]] = field(default_factory=dict)  # by row number
    domain: str = ""  # the pack the rows were read as (given, or inferred from the columns)
    # How many cases were opened and rows skipped as duplicates: the lists above hold
    # them only when the caller asked for ids (a million would be most of the memory).
    opened_count: int = 0
    duplicate_count: int = 0


@dataclass(frozen=True)
class StatusView:
    store_url: str
    readmodel_path: str
    events: int
    cases_by_status: dict[str, int]
    champion: str | None
    alerts: list[AlertView]
    # What needs the owner: unsigned or overdue policies, the baseline rules deciding.
    notices: list[str] = field(default_factory=list)


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
    seen, cases); ``approval_by_round``: (round, young approval rate, older approval rate).
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
    approval_by_round: list[tuple[int, float, float]]
    # the strict candidate cut-off on the same log: (cut-off, truth, naive, DR, DR coverage)
    strict: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
