"""From a calibrated probability to a recommended action, and the baseline's equivalent.

``recommend`` picks the decisive action (e.g. approve / decline) with the lowest expected cost
under the policy's cost matrix, then escalates when the probability lies in the policy's
uncertainty band or the case is out of distribution (if the policy says so). The
recommendation carries the expected cost of *every* action so the operator sees the trade-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

from assistant.policies.exploration import Budget, choose
from assistant.policies.spec import PolicySpec


class OodLike(Protocol):
    """What the policy needs from an out-of-distribution result."""

    @property
    def flag(self) -> bool: ...

    @property
    def reasons(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class BaselineDecision:
    """What the pre-model rules decide for one case.

    ``p_bad`` is the historical rate of the risk outcome among cases the same rule covers
    (measured on the domain's data), so the baseline's expected costs can be shown too.
    """

    action: str
    rule: str
    reasons: tuple[str, ...]
    p_bad: float


@dataclass(frozen=True)
class Recommendation:
    """A recommended action with the expected cost of every action and the reasons.

    ``provisional_action`` is the decisive action the policy would take if it did not escalate;
    for a non-escalated case it equals ``action``. ``p_bad`` is the probability the costs use.

    ``propensities`` is the probability this policy gives each action it might recommend for
    this case (``{action: 1.0}`` unless the case was eligible for exploration); ``explored``
    says the action was drawn at random (see :mod:`assistant.policies.exploration`).
    """

    action: str
    expected_costs: dict[str, float]
    reasons: tuple[str, ...]
    provisional_action: str
    p_bad: float
    propensities: dict[str, float] = field(default_factory=dict)
    explored: bool = False
    #: What exploration made of this case, in one sentence (explored, eligible but not
    #: drawn, or paused because the month's budget is spent); None when not eligible.
    exploration: str | None = None

    def __post_init__(self) -> None:
        if not self.propensities:  # a deterministic recommendation
            object.__setattr__(self, "propensities", {self.action: 1.0})

    @property
    def propensity(self) -> float:
        """The probability this policy gives the recommended action."""
        return self.propensities.get(self.action, 0.0)

    @property
    def escalated(self) -> bool:
        return self.action != self.provisional_action


def decision_threshold(spec: PolicySpec) -> float | None:
    """Break-even probability between the two decisive actions (1/6 for costs 5 and 1).

    Above it the action that is cheaper when the risk outcome happens wins. ``None`` when
    there are not exactly two decisive actions or they never trade off.
    """
    if len(spec.decisive_actions) != 2:
        return None
    risk, safe = spec.risk_outcome, spec.safe_outcome
    a, b = spec.decisive_actions
    # cost_a(p) - cost_b(p) = p * d_risk + (1 - p) * d_safe; zero at p = d_safe / (d_safe - d_risk)
    d_risk = spec.costs[a][risk] - spec.costs[b][risk]
    d_safe = spec.costs[a][safe] - spec.costs[b][safe]
    if d_safe == d_risk:
        return None
    p = d_safe / (d_safe - d_risk)
    return p if 0.0 <= p <= 1.0 else None


def in_band(p_bad: float, spec: PolicySpec) -> bool:
    """Whether ``p_bad`` lies in the policy's uncertainty band, where a model's case is
    escalated (bounds included)."""
    low, high = spec.escalate_band
    return low <= p_bad <= high


def expected_costs(p_bad: float, spec: PolicySpec) -> dict[str, float]:
    """Expected cost of every action at ``p_bad`` (escalation = review cost + cheapest action)."""
    _check_probability(p_bad)
    weights = {spec.risk_outcome: p_bad, spec.safe_outcome: 1.0 - p_bad}

    def cost(action: str) -> float:
        return sum(weights[o] * spec.costs[action][o] for o in spec.outcomes)

    decisive = {a: cost(a) for a in spec.decisive_actions}
    cheapest = min(decisive.values())
    return {
        a: decisive[a] if a in decisive else cost(a) + cheapest for a in spec.actions
    }


def recommend(
    p_bad: float,
    ood: OodLike | None,
    spec: PolicySpec,
    *,
    case_key: str | None = None,
    budget: Budget | None = None,
    probability: str | None = None,
) -> Recommendation:
    """Recommend the cheapest decisive action, escalating in the band or when OOD.

    With the policy's exploration on and a ``case_key`` (the case's reference, which seeds
    the draw), a case near the break-even may take the runner-up action instead; its
    propensities say how likely each action was. Without a key nothing is randomised.
    ``budget``: this month's exploration ledger when the owner capped monthly spending (a
    case the rest of the budget cannot cover is not explored, and says so).
    ``probability``: the score's label in the pack's words (``p(progression)``), for the
    reasons; default ``p(<risk outcome>)``.

    Raises ValueError when ``p_bad`` is not a probability (the orchestrator treats that as a
    specialist failure and lets the baseline decide).
    """
    costs = expected_costs(p_bad, spec)
    best = _cheapest(costs, spec)
    listed = ", ".join(f"{a} {costs[a]:.3f}" for a in spec.decisive_actions)
    p_label = probability or f"p({spec.risk_outcome})"
    reasons = [f"{p_label} {p_bad:.3f}: expected cost {listed}; {best} is cheapest"]
    action = best
    low, high = spec.escalate_band
    if in_band(p_bad, spec):
        action = spec.escalate_action
        threshold = decision_threshold(spec)
        around = f" around the break-even {threshold:.3f}" if threshold is not None else ""
        reasons.append(
            f"{p_label} {p_bad:.3f} lies in the uncertainty band "
            f"[{low:.3f}, {high:.3f}]{around}: escalate"
        )
    if ood is not None and ood.flag and spec.escalate_on_ood:
        action = spec.escalate_action
        why = "; ".join(ood.reasons) or "flagged"
        reasons.append(f"unlike the training data ({why}): escalate")
        return Recommendation(action, costs, tuple(reasons), best, p_bad)
    decisive = {a: costs[a] for a in spec.decisive_actions}
    drawn = choose(decisive, best, spec.exploration, case_key, budget)
    if not drawn.eligible:
        paused = (drawn.reason,) if drawn.reason else ()  # the monthly budget is spent
        return Recommendation(action, costs, (*reasons, *paused), best, p_bad,
                              exploration=drawn.reason)
    assert drawn.reason is not None
    other = next(a for a in drawn.propensities if a != best)
    propensities = {action: 1.0 - spec.exploration.rate, other: spec.exploration.rate}
    if drawn.explored:
        return Recommendation(other, costs, (*reasons, drawn.reason), other, p_bad,
                              propensities, explored=True, exploration=drawn.reason)
    return Recommendation(action, costs, (*reasons, drawn.reason), best, p_bad, propensities,
                          exploration=drawn.reason)


def baseline_recommendation(
    decision: BaselineDecision, spec: PolicySpec, ood: OodLike | None = None,
    *, probability: str | None = None,
) -> Recommendation:
    """The baseline rules' decision as a Recommendation, with costs at the rule's bad rate.

    Out-of-distribution cases are escalated here too when the policy says so: the OOD check
    does not depend on the model the baseline replaces. ``probability``: as for
    :func:`recommend`.
    """
    costs = expected_costs(decision.p_bad, spec)
    reasons = [
        f"baseline rule {decision.rule}: {decision.action}",
        *decision.reasons,
        f"historical {probability or f'p({spec.risk_outcome})'} {decision.p_bad:.3f} for "
        "cases this rule covers",
    ]
    provisional = (
        decision.action if decision.action != spec.escalate_action else _cheapest(costs, spec)
    )
    action = decision.action
    if ood is not None and ood.flag and spec.escalate_on_ood:
        action = spec.escalate_action
        reasons.append(f"unlike the training data ({'; '.join(ood.reasons) or 'flagged'}): "
                       "escalate")
    return Recommendation(action, costs, tuple(reasons), provisional, decision.p_bad)


def _cheapest(costs: dict[str, float], spec: PolicySpec) -> str:
    # ties go to the first decisive action in the policy's order: deterministic
    return min(spec.decisive_actions, key=lambda a: costs[a])


def _check_probability(p: float) -> None:
    if not (isinstance(p, float | int) and math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ValueError(f"not a probability: {p!r}")
