"""From logged decisions to off-policy estimates: the operators, the policy, the baseline rules
and any candidate policy, evaluated on what the log can show.

Each decided case contributes what was recorded: the recommendation and its propensities,
the final action, the champion's probability, the input, and any outcome with its source.

The logging policy. What reveals an outcome is the *final* action, so the logging policy is
the recommendation (randomised by exploration, with logged propensities) followed by the
operator's choice. The operator's part is estimated from the log: ``T[r][a]``, the share of
cases recommended ``r`` whose final action was ``a`` (overrides and seniors' decisions
included). So each case's chance of showing its outcome is
``e_i = Σ_r π_i(r) Σ_a T[r][a] · reveals(a)``. This treats an operator's override as a
treatment with its own (estimated, case-independent) propensity; if operators override on
information the log does not hold, that part of ``e_i`` is only approximately right, and the
report says how much of the log is overrides.

Which cases count. Every case with a final action: *settled* ones (the action reveals
nothing, or the outcome has been recorded) and approved cases still waiting for their
outcome, counted as not seen yet: each case's chance of showing its outcome is multiplied by
the share of outcomes that have arrived (leaving the waiting ones out would keep every
decline and only some approvals, and bias IPS). Escalations still waiting for a senior are
left out and counted. Outcomes that outside
sources reported for declined cases are counted and shown, but not used by IPS or DR (how
often outside sources report is unknown).

The range that assumes nothing (worst-case, or Manski, bounds). IPS, SNIPS and DR assume the
unseen outcomes are like the seen ones with the same score (and that the operators' choices
are modelled right). The range assumes nothing: every case whose outcome is not known is
counted once at its best outcome (the low end) and once at its worst (the high end); a known
outcome, the action's own or an outside source's, counts as it is. For the decisions as
logged it is the realised cost of the actions actually taken (escalations with the review
paid); for a policy it is the cost of what the policy would have done. Whatever the unseen
outcomes were, the cost lies in it; it is wide when many outcomes are unseen, and that width
is what the log cannot tell.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.domains.base import DomainPack
from assistant.evaluation.observation import is_outside, partly_reveals, reveals_every_outcome
from assistant.evaluation.ope import (
    INVALID_PROPENSITIES,
    TOO_FEW_OUTCOMES,
    Estimate,
    Log,
    Target,
    compare,
    estimate,
)
from assistant.policies import PolicySpec, baseline_recommendation, recommend
from assistant.policies.recommend import Recommendation
from assistant.specialists.base import OodResult
from assistant.stats import Interval
from events.errors import senior_reviewer


@dataclass(frozen=True)
class LoggedCase:
    """What the log holds about one decided case (first-stage decision)."""

    case_id: str
    case_ref: str
    operator: str
    decision_kind: str  # accepted | overridden | escalated
    reason_code: str | None
    recommended: str
    propensities: Mapping[str, float]
    explored: bool
    final_action: str | None  # None: escalated, no senior decision yet
    outcome: str | None
    outcome_source: str | None
    p_risk: float | None  # the champion's probability (None: the baseline decided)
    ood: bool
    ood_reasons: tuple[str, ...]
    input: Mapping[str, Any]
    expected_costs: Mapping[str, float] = field(default_factory=dict)


MIN_OVERRIDE_OUTCOMES = 10
"""Below this many outcomes an override group's helped/hurt counts are shown as too few."""

MIN_OUTCOMES = 10
"""Below this many outcomes the action revealed, IPS, SNIPS and DR are withheld
(``too_few_outcomes``): with 3 outcomes they are a number, not a measurement
(``scripts/selective_adversarial.py few``). The worst-case range still holds."""

MAX_NOISE_RATIO = 2.0
"""Above this ratio of :func:`assistant.evaluation.ope.unseen_noise` to the bootstrap DR
interval's half-width, the report says the interval was widened (it always is to at least the
former; see :func:`assistant.evaluation.ope.estimate`): the cost rests on rare, costly outcomes of
which the log holds none or one. Chosen on development seeds 0-29 of
``scripts/selective_adversarial.py explore`` (credit: ratio 0.4-1.0, never above 2 for the
operators or the policy; a biopsy pack whose biopsy alone reveals: median 5.7, above 2 in
29 of 30 repeats, every repeat whose interval missed the truth among them)."""

MIN_ESS = 30.0
"""Below this effective sample size of the weights the bootstrap intervals are flagged: they
rest on a handful of heavily weighted outcomes and miss the truth far more than 5% of the
time (``scripts/selective_adversarial.py tiny``)."""


@dataclass(frozen=True)
class OverrideGroup:
    """Overrides in one group (reason or operator), split by what their outcomes can show."""

    group: str
    n: int
    observed: int  # with an outcome the override's own action revealed
    helped: int
    hurt: int
    observed_delta: float  # Σ (cost of override − cost of the recommendation), observed only
    unobservable: int  # the override's action reveals nothing and no outside report exists
    model_delta: float  # Σ of the same by the model's expected costs, over the unobservable

    @property
    def enough_outcomes(self) -> bool:
        """Whether helped/hurt rest on enough outcomes to tell anything (2 outcomes do not)."""
        return self.observed >= MIN_OVERRIDE_OUTCOMES

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group, "n": self.n, "observed": self.observed, "helped": self.helped,
            "hurt": self.hurt, "observed_delta": self.observed_delta,
            "unobservable": self.unobservable, "model_estimated_delta": self.model_delta,
            "enough_outcomes": self.enough_outcomes,
        }  # fmt: skip


@dataclass(frozen=True)
class CostRange:
    """The lowest and highest possible cost per case, whatever the unseen outcomes were."""

    name: str
    low: float
    high: float
    n: int  # cases
    n_unseen: int  # cases whose outcome is not known (each counted at its best and worst)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "low": self.low, "high": self.high, "n_cases": self.n,
                "n_unseen": self.n_unseen}


@dataclass(frozen=True)
class OffPolicyReport:
    """Every figure with what it rests on."""

    n_decided: int
    n_settled: int  # settled cases (the estimates use these and the awaiting outcomes)
    n_observed: int  # outcomes the action revealed (what IPS and DR rest on)
    n_outside: int  # outcomes outside sources reported (naive figures only)
    n_unobservable: int  # settled cases whose outcome nobody can see
    n_awaiting_outcome: int  # revealing action, outcome not recorded yet: not seen yet
    n_awaiting_senior: int  # escalated, no final action yet: left out
    n_explored: int
    exploration_cost: float  # Σ expected extra cost of the explored cases (model's estimate)
    unobservable_cases: tuple[str, ...]
    reveal_rate_by_recommendation: dict[str, float]
    estimates: tuple[Estimate, ...]
    differences: dict[str, dict[str, Interval | None]]
    overrides_by_reason: tuple[OverrideGroup, ...]
    overrides_by_operator: tuple[OverrideGroup, ...]
    confidence: float
    n_boot: int
    # share of the cases whose action reveals an outcome that have it (1: none awaited)
    outcome_arrival_rate: float = 1.0
    warnings: tuple[str, ...] = ()  # what the figures cannot be trusted for, in words
    # Worst-case ranges: the decisions as logged first, then each estimated policy's.
    ranges: tuple[CostRange, ...] = ()
    # Overrides to an action that shows no outcome (operators declining): count and actions.
    n_overridden_unseen: int = 0
    overridden_unseen_actions: tuple[str, ...] = ()
    # Outcomes an action that reveals some only showed itself (a malignancy after a
    # discharge): naive figures and the range only, and not an outside source's.
    n_partial: int = 0

    @property
    def overridden_unseen_share(self) -> float:
        """Share of the decided cases (with a final action) overridden to an action that
        shows no outcome."""
        decided = self.n_settled + self.n_awaiting_outcome
        return self.n_overridden_unseen / decided if decided else 0.0

    @property
    def no_outcomes_yet(self) -> bool:
        """No outcome is known for any decided case (none revealed, none reported): the
        range, every case at its best and its worst, is then the only statement."""
        return self.n_observed == 0 and self.n_outside == 0 and self.n_partial == 0

    def estimate_of(self, name: str) -> Estimate:
        return next(e for e in self.estimates if e.name == name)

    def range_of(self, name: str) -> CostRange:
        return next(r for r in self.ranges if r.name == name)

    def bounds_dict(self) -> dict[str, Any] | None:
        """The range of the decisions as logged, with every policy's, for ``--json``."""
        if not self.ranges:
            return None
        logged = self.ranges[0]
        return {
            "of": logged.name, "low": logged.low, "high": logged.high,
            "n_cases": logged.n, "n_unseen": logged.n_unseen,
            "meaning": (f"whatever the {logged.n_unseen} unseen outcome(s) were, the cost per "
                        f"case of the decisions as logged lies between {logged.low:.3f} and "
                        f"{logged.high:.3f}; nothing is assumed about them"),
            "by_policy": [r.to_dict() for r in self.ranges],
        }  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        first = self.estimates[0] if self.estimates else None

        def iv(i: Interval | None, method: str = "naive") -> dict[str, Any] | None:
            if first is not None and first.withheld and method != "naive":
                return first.withheld_dict()
            return None if i is None else i.to_dict()

        return {
            "n_decided": self.n_decided, "n_settled": self.n_settled,
            "no_outcomes_yet": self.no_outcomes_yet, "n_observed": self.n_observed,
            "n_outside_source": self.n_outside, "n_partial_reveal": self.n_partial,
            "n_unobservable": self.n_unobservable,
            "n_awaiting_outcome": self.n_awaiting_outcome,
            "n_awaiting_senior": self.n_awaiting_senior, "n_explored": self.n_explored,
            "exploration_cost": self.exploration_cost,
            "unobservable_cases": list(self.unobservable_cases),
            "reveal_rate_by_recommendation": self.reveal_rate_by_recommendation,
            "estimates": [e.to_dict() for e in self.estimates],
            "differences": {k: {m: iv(i, m) for m, i in v.items()}
                            for k, v in self.differences.items()},
            "overrides_by_reason": [g.to_dict() for g in self.overrides_by_reason],
            "overrides_by_operator": [g.to_dict() for g in self.overrides_by_operator],
            "confidence": self.confidence, "n_boot": self.n_boot,
            "outcome_arrival_rate": self.outcome_arrival_rate,
            "warnings": list(self.warnings),
            "bounds": self.bounds_dict(),
            "overridden_to_unseen": {
                "n": self.n_overridden_unseen, "share": self.overridden_unseen_share,
                "actions": list(self.overridden_unseen_actions)},
        }  # fmt: skip


OPERATORS = "operators (as logged)"
BASELINE = "baseline rules"


def policy_name(version: int | str) -> str:
    return f"policy v{version}"


def transitions(
    cases: Sequence[LoggedCase], decisive: Sequence[str]
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """``T[r][a]``: share of cases recommended ``r`` whose final action was ``a``; and the
    share of cases recommended ``r`` that went to a senior (a review paid)."""
    finals: dict[str, Counter[str]] = defaultdict(Counter)
    escalated: dict[str, list[bool]] = defaultdict(list)
    for c in cases:
        if c.final_action is None:
            continue
        finals[c.recommended][c.final_action] += 1
        escalated[c.recommended].append(c.decision_kind == "escalated")
    overall: Counter[str] = sum(finals.values(), Counter())
    table: dict[str, dict[str, float]] = {}
    for r in {*finals, *decisive}:
        counts = finals.get(r) or (Counter({r: 1}) if r in decisive else overall)
        total = sum(counts.values())
        table[r] = {a: n / total for a, n in counts.items()} if total else {}
    review = {r: float(np.mean(v)) for r, v in escalated.items()}
    return table, review


MIN_BAND_CASES = 10
"""A score band's own share of overrides for a recommendation needs this many of its cases;
below that the pooled share stands in."""

MAX_BANDS = 10
CASES_PER_BAND = 100

Operators = Callable[["LoggedCase"], Mapping[str, Mapping[str, float]]]


def operator_model(cases: Sequence[LoggedCase], decisive: Sequence[str]) -> Operators:
    """``T[r][a]`` for each case: the operators' choices among cases with a similar score.

    Operators rarely override at random: they decline the riskier recommended approvals,
    approve the safer recommended declines. One table for the whole log would give such a
    case a chance of showing its outcome it never had (and IPS a support it lacks), so the
    shares are estimated within score bands (quantiles of the champion's probability, one per
    100 decided cases, at most 10); a recommendation seen fewer than ``MIN_BAND_CASES`` times
    in a band takes the pooled share. A case's own choice is always counted in the share it
    gets, so an outcome that was seen never gets a chance of zero."""
    final = [c for c in cases if c.final_action is not None]
    pooled, _ = transitions(final, decisive)
    scores = np.array(sorted(c.p_risk for c in final if c.p_risk is not None))
    k = min(MAX_BANDS, len(scores) // CASES_PER_BAND)
    if k < 2:
        return lambda c: pooled
    edges = np.unique(np.quantile(scores, np.linspace(0.0, 1.0, k + 1))[1:-1])

    def band_of(p: float) -> int:
        return int(np.searchsorted(edges, p, side="right"))

    counts: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for c in final:
        if c.p_risk is not None and c.final_action is not None:
            counts[band_of(c.p_risk)][c.recommended][c.final_action] += 1
    tables: dict[int, dict[str, Mapping[str, float]]] = {}
    for band, rows in counts.items():
        table: dict[str, Mapping[str, float]] = dict(pooled)
        for r, found in rows.items():
            total = sum(found.values())
            if total >= MIN_BAND_CASES:
                table[r] = {a: n / total for a, n in found.items()}
        tables[band] = table
    return lambda c: pooled if c.p_risk is None else tables.get(band_of(c.p_risk), pooled)


def _mixture(
    c: LoggedCase, table: Mapping[str, Mapping[str, float]], review: Mapping[str, float]
) -> tuple[dict[str, float], float]:
    """The logging policy's distribution over final actions for this case, and its chance
    of paying a review."""
    dist: dict[str, float] = defaultdict(float)
    paid = 0.0
    for r, p in c.propensities.items():
        for a, q in table.get(r, {r: 1.0}).items():
            dist[a] += p * q
        paid += p * review.get(r, 0.0)
    return dict(dist), paid


MAX_TRAINING_WEIGHT = 20.0
"""The largest weight one logged outcome gets when a model retrains (1 / e, capped)."""


def training_outcomes(
    cases: Sequence[LoggedCase], pack: DomainPack, spec: PolicySpec
) -> tuple[list[LoggedCase], list[float], int]:
    """The logged outcomes a model may learn from, each with its inverse-propensity weight.

    Only outcomes the case's own action revealed count (an outside report's rate is unknown);
    each stands for ``1 / e_i`` cases like it, so the approved cases do not teach the model
    that everyone looks like an approved case. A weight is capped at
    ``MAX_TRAINING_WEIGHT``: at an exploration rate of 0.01 one explored approval would
    otherwise count 100 times and a handful of cases would steer the model (the cap trades
    that variance for a little bias toward the approved cases). Returns (cases, weights,
    outside reports left out).
    """
    # Propensities that are no probabilities would give a negative or infinite weight: such
    # a case counts as recommended with certainty (weight 1 for its own outcome).
    final = [c for c in _certain_where_invalid(cases, spec) if c.final_action is not None]
    _, review = transitions(final, spec.decisive_actions)
    operators = operator_model(final, spec.decisive_actions)
    kept: list[LoggedCase] = []
    weights: list[float] = []
    outside = 0
    for c in final:
        if c.outcome is None:
            continue
        # An action that shows some outcomes only (a malignancy, never a benign mass) shows
        # them selectively by the outcome itself: learning from them would teach the model
        # that every such case went badly.
        if is_outside(c.outcome_source) or not reveals_every_outcome(pack, c.final_action):
            outside += 1
            continue
        dist, _ = _mixture(c, operators(c), review)
        e = sum(q for a, q in dist.items() if reveals_every_outcome(pack, a))
        kept.append(c)
        weights.append(min(1.0 / e, MAX_TRAINING_WEIGHT) if e > 0 else 1.0)
    return kept, weights, outside


def _cost(spec: PolicySpec, action: str, outcome: str) -> float:
    return float(spec.costs[action][outcome])


def _rec_target(
    name: str, recs: Sequence[Recommendation], spec: PolicySpec
) -> Target:
    risk, safe = spec.risk_outcome, spec.safe_outcome
    review = spec.review_cost
    if_risk = [_cost(spec, r.provisional_action, risk) + review * r.escalated for r in recs]
    if_safe = [_cost(spec, r.provisional_action, safe) + review * r.escalated for r in recs]
    return Target(name, np.array(if_risk, dtype=np.float64), np.array(if_safe, dtype=np.float64))


def policy_target(name: str, cases: Sequence[LoggedCase], spec: PolicySpec,
                  pack: DomainPack) -> Target:
    """A policy spec applied deterministically (no exploration) to each case's score."""
    recs = []
    for c in cases:
        ood = OodResult(c.ood, 0.0, c.ood_reasons)
        if c.p_risk is None:
            recs.append(baseline_recommendation(pack.baseline(c.input), spec, ood))
        else:
            recs.append(recommend(c.p_risk, ood, spec))
    return _rec_target(name, recs, spec)


def baseline_target(cases: Sequence[LoggedCase], spec: PolicySpec, pack: DomainPack) -> Target:
    recs = [
        baseline_recommendation(pack.baseline(c.input), spec, OodResult(c.ood, 0.0, c.ood_reasons))
        for c in cases
    ]
    return _rec_target(BASELINE, recs, spec)


def logged_range(cases: Sequence[LoggedCase], spec: PolicySpec) -> CostRange:
    """The realised cost per case of the actions actually taken, over ``cases`` (each with a
    final action), with every unknown outcome at its best and at its worst."""
    outcomes = (spec.risk_outcome, spec.safe_outcome)
    low = high = 0.0
    unseen = 0
    for c in cases:
        assert c.final_action is not None
        fee = spec.review_cost if c.decision_kind == "escalated" else 0.0
        if c.outcome in outcomes:
            cost = _cost(spec, c.final_action, c.outcome) + fee
            low, high = low + cost, high + cost
            continue
        unseen += 1
        found = [_cost(spec, c.final_action, o) + fee for o in outcomes]
        low, high = low + min(found), high + max(found)
    n = len(cases)
    return CostRange(OPERATORS, low / n if n else 0.0, high / n if n else 0.0, n, unseen)


def target_range(target: Target, known: Sequence[str | None], spec: PolicySpec) -> CostRange:
    """A policy's cost per case with every unknown outcome (``known[i]`` None) at its best
    and at its worst."""
    is_risk = np.array([k == spec.risk_outcome for k in known])
    is_safe = np.array([k == spec.safe_outcome for k in known])
    unseen = ~(is_risk | is_safe)
    low = np.where(is_risk, target.if_risk, np.where(
        is_safe, target.if_safe, np.minimum(target.if_risk, target.if_safe)))
    high = np.where(is_risk, target.if_risk, np.where(
        is_safe, target.if_safe, np.maximum(target.if_risk, target.if_safe)))
    n = len(known)
    return CostRange(target.name, float(low.mean()) if n else 0.0,
                     float(high.mean()) if n else 0.0, n, int(unseen.sum()))


def propensity_problem(c: LoggedCase, spec: PolicySpec) -> str | None:
    """Why the case's logged propensities are not a distribution over the policy's actions
    that gives its own recommendation a chance (None: they are)."""
    found = dict(c.propensities)
    if not found:
        return "no propensities logged"
    unknown = sorted(a for a in found if a not in spec.actions)
    if unknown:
        return f"propensities name {unknown}, not actions of the policy {list(spec.actions)}"
    values = np.array(list(found.values()), dtype=np.float64)
    if not np.all(np.isfinite(values)) or np.any(values < 0.0) or np.any(values > 1.0):
        return f"propensities {found} are not probabilities (each must be in [0, 1])"
    if abs(float(values.sum()) - 1.0) > 1e-6:
        return f"propensities {found} sum to {values.sum():.3f}, not 1"
    if found.get(c.recommended, 0.0) <= 0.0:
        return f"propensity of the recommended action {c.recommended!r} is 0"
    return None


def _certain_where_invalid(cases: Sequence[LoggedCase], spec: PolicySpec) -> list[LoggedCase]:
    """The cases, each whose propensities are no probabilities read as recommended with
    certainty (the caller says so)."""
    return [c if propensity_problem(c, spec) is None
            else dataclasses.replace(c, propensities={c.recommended: 1.0}) for c in cases]


def off_policy_report(
    cases: Sequence[LoggedCase],
    pack: DomainPack,
    spec: PolicySpec,
    *,
    policy_version: int | str,
    candidates: Mapping[str, PolicySpec] | None = None,
    reason_categories: Mapping[str, str] | None = None,
    n_boot: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> OffPolicyReport:
    """Estimate the operators', the policy's, the baseline's (and candidates') cost per case."""
    rng = np.random.default_rng(seed)
    # What a weight may rest on: an action that shows every outcome. One that shows some only
    # (``partly_reveals``) counts as showing none: its cases are unseen to IPS, SNIPS and DR,
    # and what it did show counts in the naive figures and the range (see _partial_warning).
    shows: Callable[[str | None], bool] = (  # noqa: E731
        lambda action: reveals_every_outcome(pack, action))
    # Propensities that are no probabilities (a bug, a hand-edited record) would weigh an
    # outcome by nonsense, or by 1/0: IPS, SNIPS and DR are withheld naming the cases; the
    # range needs none and stays. The cases are read as recommended with certainty so that
    # the rest of the report can be computed.
    invalid = [(c.case_ref or c.case_id, why) for c in cases
               if (why := propensity_problem(c, spec)) is not None]
    if invalid:
        cases = _certain_where_invalid(cases, spec)
    awaiting_senior = [c for c in cases if c.final_action is None]
    final = [c for c in cases if c.final_action is not None]
    awaiting_outcome = [c for c in final if shows(c.final_action) and c.outcome is None]
    settled = [c for c in final if not (shows(c.final_action) and c.outcome is None)]
    table, review = transitions(final, spec.decisive_actions)
    operators_of = operator_model(final, spec.decisive_actions)
    risk = spec.risk_outcome
    # Late outcomes. Leaving the approved cases still waiting out would keep every decline
    # and only some approvals: IPS would then weigh each outcome by a chance of showing it
    # that is too high (a third too low a cost with half the outcomes pending). They stay in,
    # as not seen yet, and the chance of showing an outcome includes its having arrived: the
    # share of the cases whose action reveals one that have it.
    revealing = sum(1 for c in final if shows(c.final_action))
    arrival = 1.0 - len(awaiting_outcome) / revealing if revealing else 1.0
    included = settled + awaiting_outcome

    y, e, p = [], [], []
    if_risk, if_safe = [], []
    n_outside = n_partial = 0
    never = 0  # cases no action they might take would show an outcome
    unobservable: list[str] = []
    for c in included:
        dist, paid = _mixture(c, operators_of(c), review)
        chance = sum(q for a, q in dist.items() if shows(a))
        e.append(arrival * chance)
        never += chance <= 0.0
        fee = paid * spec.review_cost
        if_risk.append(sum(q * _cost(spec, a, risk) for a, q in dist.items()) + fee)
        if_safe.append(sum(q * _cost(spec, a, spec.safe_outcome) for a, q in dist.items()) + fee)
        p.append(c.p_risk if c.p_risk is not None else pack.baseline(c.input).p_bad)
        # An outcome on a case whose action reveals none came from outside (or was recorded
        # before the rule existed): its reporting rate is unknown, so naive figures only.
        revealed = (c.outcome is not None and not is_outside(c.outcome_source)
                    and shows(c.final_action))
        if c.outcome is not None and not revealed:
            # One the action itself shows, revealing some outcomes only: not an outsider's.
            own = (not is_outside(c.outcome_source)
                   and c.outcome in partly_reveals(pack, c.final_action))
            n_partial += own
            n_outside += not own
        if c.outcome is None and not shows(c.final_action):
            unobservable.append(c.case_ref or c.case_id)
        y.append((1.0 if c.outcome == risk else 0.0) if revealed else np.nan)
    log = Log(np.array(y, dtype=np.float64), np.array(e, dtype=np.float64),
              np.array(p, dtype=np.float64))
    operators = Target(OPERATORS, np.array(if_risk, dtype=np.float64),
                       np.array(if_safe, dtype=np.float64))
    current = policy_target(policy_name(policy_version), included, spec, pack)
    targets = [operators, current, baseline_target(included, spec, pack)]
    for name, candidate in (candidates or {}).items():
        targets.append(policy_target(name, included, candidate, pack))
    # A case had no chance of an outcome when no action it might take reveals one; waiting
    # for outcomes none of which has arrived yet (e = 0 above) is not that.
    estimates = tuple(
        _withheld_if(invalid, dataclasses.replace(
            estimate(log, t, n_boot=n_boot, confidence=confidence, rng=rng,
                     min_outcomes=MIN_OUTCOMES), n_unsupported=never))
        for t in targets
    ) if included else ()
    differences: dict[str, dict[str, Interval | None]] = {}
    if included:
        pairs = [(current, targets[2], f"{current.name} - {BASELINE}"),
                 (operators, current, f"{OPERATORS} - {current.name}"),
                 *((t, current, f"{t.name} - {current.name}") for t in targets[3:])]
        for first_target, second_target, label in pairs:
            differences[label] = compare(log, first_target, second_target, n_boot=n_boot,
                                         confidence=confidence, rng=rng,
                                         min_outcomes=MIN_OUTCOMES)
            if invalid:
                differences[label] = {**differences[label], "ips": None, "dr": None}
    explored = [c for c in cases if c.explored]
    regret = sum(
        c.expected_costs.get(c.recommended, 0.0)
        - min(c.expected_costs.get(a, np.inf) for a in spec.decisive_actions)
        for c in explored if c.expected_costs
    )
    reveal_rate = {
        r: sum(q for a, q in row.items() if shows(a)) for r, row in sorted(table.items())
    }
    # Every recorded outcome is the truth, the action's own or an outside source's: the
    # range needs no reporting rate, only that what was recorded happened.
    hidden = [c for c in final if c.decision_kind == "overridden" and not shows(c.final_action)]
    hidden_actions = tuple(sorted({str(c.final_action) for c in hidden}))
    known = [c.outcome for c in included]
    ranges = (logged_range(included, spec),
              *(target_range(t, known, spec) for t in targets[1:])) if included else ()
    return OffPolicyReport(
        ranges=ranges,
        n_overridden_unseen=len(hidden),
        overridden_unseen_actions=hidden_actions,
        outcome_arrival_rate=arrival,
        warnings=_invalid_warning(invalid)
        + _blind_warning(len(cases), len(awaiting_senior), revealing,
                         partly=any(partly_reveals(pack, c.final_action) for c in final),
                         senior=senior_reviewer(pack.roles.senior))
        + _partial_warning(pack, final)
        + _overridden_warning(len(hidden), len(final), hidden_actions)
        + _warnings(estimates, len(awaiting_outcome), arrival, blind=not revealing),
        n_decided=len(cases),
        n_settled=len(settled),
        n_observed=int(log.observed.sum()),
        n_outside=n_outside,
        n_partial=n_partial,
        n_unobservable=len(unobservable),
        n_awaiting_outcome=len(awaiting_outcome),
        n_awaiting_senior=len(awaiting_senior),
        n_explored=len(explored),
        exploration_cost=float(regret),
        unobservable_cases=tuple(unobservable),
        reveal_rate_by_recommendation=reveal_rate,
        estimates=estimates,
        differences=differences,
        overrides_by_reason=_override_groups(
            cases, spec, shows, lambda c: (reason_categories or {}).get(
                c.reason_code or "unspecified", c.reason_code or "unspecified"), pack),
        overrides_by_operator=_override_groups(cases, spec, shows, lambda c: c.operator, pack),
        confidence=confidence,
        n_boot=n_boot,
    )


def _withheld_if(invalid: Sequence[tuple[str, str]], found: Estimate) -> Estimate:
    """The estimate with IPS, SNIPS and DR withheld when some case's propensities are not
    probabilities (the naive figure needs none and stays)."""
    if not invalid:
        return found
    return dataclasses.replace(found, ips=None, snips=None, dr=None,
                               withheld=INVALID_PROPENSITIES)


def _invalid_warning(invalid: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    if not invalid:
        return ()
    named = "; ".join(f"{ref}: {why}" for ref, why in invalid[:5])
    more = f" and {len(invalid) - 5} more" if len(invalid) > 5 else ""
    return (
        f"{len(invalid)} case(s) logged propensities that are not probabilities of the "
        f"policy's actions ({named}{more}): IPS, SNIPS and DR are withheld "
        f"({INVALID_PROPENSITIES}), since a weight from them would be a confident wrong "
        "number; the range needs no propensities and holds",)


def _blind_warning(decided: int, with_senior: int, revealing: int,
                   partly: bool = False, senior: str = "a senior reviewer") -> tuple[str, ...]:
    """Logs where no outcome can be seen at all, in words (``senior``: whom an escalation
    goes to, in the pack's word for the role)."""
    if decided and with_senior == decided:
        return (
            f"every decided case ({decided}) is still with {senior}: no final action, so no "
            "cost, range or estimate exists yet",)
    if decided and not revealing and partly:
        return (
            "no decided case's final action reveals every outcome: IPS, SNIPS and DR cannot "
            "be computed from this log, only the range (every case whose outcome is unseen at "
            "its best and at its worst); the outcomes the actions named below show some of "
            "count in the naive figures and the range",)
    if decided and not revealing:
        return (
            "no decided case's final action reveals an outcome: none will arrive for this "
            "log (only outside sources can report); IPS, SNIPS and DR cannot be computed "
            "from it, only the range (every case at its best and at its worst)",)
    return ()


def _partial_warning(pack: DomainPack, final: Sequence[LoggedCase]) -> tuple[str, ...]:
    """Actions that show some outcomes only, with how many cases took each, in words."""
    out = []
    for action in sorted({str(c.final_action) for c in final}):
        shown = partly_reveals(pack, action)
        if not shown:
            continue
        taken = [c for c in final if c.final_action == action]
        recorded = sum(c.outcome is not None for c in taken)
        out.append(
            f"{action!r} reveals only {list(shown)} of the outcomes: whether a case shows one "
            "after it depends on the outcome itself (a case without one may have had either), "
            f"so IPS, SNIPS and DR count its {len(taken)} case(s) as unseen and leave out the "
            f"{recorded} outcome(s) recorded on them, which count in the naive figures and "
            "the range only")
    return tuple(out)


def _overridden_warning(n: int, decided: int, actions: Sequence[str]) -> tuple[str, ...]:
    """The share of cases overridden to an action that shows no outcome, in words."""
    if not n or not decided:
        return ()
    share = n / decided
    # "0%" beside "1 of 264" reads as a contradiction: below 1% say it to a tenth.
    pct = f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.1%}"
    return (
        f"{pct} of the decided cases ({n} of {decided}) were overridden to "
        f"{' or '.join(repr(a) for a in actions)}, which shows no outcome: quality measured on "
        "outcomes is blind to them (whether those overrides were right never comes back); the "
        "estimates fill them in from the model and from cases that look alike, the range "
        "counts each at its best and its worst",)


def _warnings(estimates: Sequence[Estimate], awaiting: int, arrival: float,
              blind: bool = False) -> tuple[str, ...]:
    """What the figures cannot be trusted for, in words (shown before them; ``blind``: no
    final action reveals anything, which :func:`_blind_warning` says instead of 'not yet')."""
    out = []
    first = estimates[0] if estimates else None
    few = first is not None and first.withheld == TOO_FEW_OUTCOMES
    if first is not None and few and not first.n_observed and blind:
        pass
    elif first is not None and few and not first.n_observed:
        out.append(
            f"no outcome yet that an action revealed: IPS, SNIPS and DR wait for {first.needed} "
            "(too_few_outcomes); until then the range that assumes nothing (every case at its "
            "best and at its worst outcome) is all the log can say")
    elif first is not None and few:
        out.append(
            f"only {first.n_observed} outcome(s) the action revealed (fewer than "
            f"{first.needed}): IPS, SNIPS and DR are withheld (too_few_outcomes); a figure from "
            "so few would read like a measurement and is not one. The range that assumes "
            "nothing about the unseen outcomes still holds")
    elif first is not None and not first.withheld and first.n_observed and first.ess < MIN_ESS:
        out.append(
            f"the weights' effective sample size is {first.ess:.1f} (below {MIN_ESS:.0f}): the "
            "IPS, SNIPS and DR figures rest on a few heavily weighted outcomes and their "
            "intervals are too narrow; read them as indicative only")
    # The DR interval is at least the model's spread of the unseen outcomes wide (see
    # ope.unseen_noise); where that spread is far wider than the bootstrap's, say so: the
    # interval then rests on the model's probabilities being calibrated.
    narrow = [e for e in estimates if e.dr_bootstrap is not None and not e.withheld
              and e.dr_noise > MAX_NOISE_RATIO * (e.dr_bootstrap.high - e.dr_bootstrap.low) / 2]
    if narrow:
        worst = max(narrow, key=lambda e: e.dr_noise)
        assert worst.dr_bootstrap is not None
        boot = (worst.dr_bootstrap.high - worst.dr_bootstrap.low) / 2.0
        out.append(
            "the DR interval of " + ", ".join(e.name for e in narrow) + " was widened: the "
            "cost rests on rare, costly outcomes the log shows few of, and by the model's own "
            f"probabilities the unseen outcomes alone could move {worst.name} by "
            f"±{worst.dr_noise:.3f}, where the bootstrap over the cases saw only ±{boot:.3f}; "
            "the interval shown takes the wider, so it is only as right as the model's "
            "probabilities (IPS and SNIPS likewise); read IPS and DR as a rough level and the "
            "range as the only guarantee")
    if first is not None and first.n_unsupported and not first.withheld:
        out.append(
            f"{first.n_unsupported} case(s) had no chance of showing an outcome: DR rests on "
            "the model alone there; its interval carries their outcomes' spread by the model's "
            "probabilities, not the model's error on them")
    if awaiting and not arrival:
        out.append(
            f"{awaiting} outcome(s) awaited and none has arrived yet: the range counts each at "
            "its best and its worst")
    elif awaiting:
        out.append(
            f"{awaiting} outcome(s) still awaited ({arrival:.0%} of the outcomes the actions "
            "reveal have arrived): the estimates assume the late ones are like the early ones; "
            "if bad outcomes surface later, every figure is too low until they arrive")
    return tuple(out)


def _override_groups(
    cases: Sequence[LoggedCase],
    spec: PolicySpec,
    shows: Callable[[str | None], bool],
    group_of: Callable[[LoggedCase], str],
    pack: DomainPack,
) -> tuple[OverrideGroup, ...]:
    groups: dict[str, list[LoggedCase]] = defaultdict(list)
    for c in cases:
        if c.decision_kind == "overridden" and c.final_action is not None:
            groups[group_of(c)].append(c)
    out = []
    for name, members in sorted(groups.items()):
        helped = hurt = 0
        observed_delta = model_delta = 0.0
        observed = unobservable = 0
        for c in members:
            assert c.final_action is not None
            recommended = c.recommended if c.recommended in spec.decisive_actions else None
            # An outcome an action shows only when it is that outcome (a malignancy after a
            # discharge) would count every such override as hurt: unobservable instead.
            selective = bool(partly_reveals(pack, c.final_action))
            if c.outcome is not None and not selective:
                observed += 1
                if recommended is None:
                    continue
                delta = _cost(spec, c.final_action, c.outcome) - _cost(spec, recommended, c.outcome)
                observed_delta += delta
                helped += delta < 0
                hurt += delta > 0
            elif selective or not shows(c.final_action):
                unobservable += 1
                if recommended is not None and c.expected_costs:
                    model_delta += (c.expected_costs.get(c.final_action, 0.0)
                                    - c.expected_costs.get(recommended, 0.0))
        out.append(OverrideGroup(name, len(members), observed, helped, hurt, observed_delta,
                                 unobservable, model_delta))
    return tuple(out)


__all__ = [
    "BASELINE", "MIN_OUTCOMES", "OPERATORS", "CostRange", "LoggedCase", "OffPolicyReport",
    "OverrideGroup",
    "off_policy_report", "policy_name", "policy_target", "propensity_problem",
    "training_outcomes", "transitions",
]
