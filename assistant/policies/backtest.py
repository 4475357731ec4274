"""Replay cases with known outcomes through a policy, against the baseline and "refuse everyone".

Realised cost of a case: ``costs[action][outcome]``; an escalated case is charged the review
cost plus the cost of the action the policy would otherwise have taken (the reviewer earns no
credit, so escalating never flatters the figures). Expected cost of a case: the expected cost
the recommendation showed for its action.

Confidence intervals are 95% percentile bootstrap intervals over cases; the arms are resampled
with the *same* case indices, so the policy-minus-baseline interval is a paired one.

The probabilities should be out-of-sample (e.g. cross-validated): in-sample probabilities of a
model on its own training rows make any policy look better than it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.policies.recommend import (
    BaselineDecision,
    OodLike,
    Recommendation,
    baseline_recommendation,
    recommend,
)
from assistant.policies.spec import PolicySpec
from assistant.stats import Interval, bootstrap_mean, resample_indices

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ArmResult:
    """One way of deciding (the policy, the baseline rules, refuse everyone) over all cases."""

    label: str
    n: int
    realised_cost: Interval  # mean realised cost per case
    expected_cost: float | None  # mean expected cost per case (None: no probabilities)
    approval_rate: Interval
    escalation_rate: Interval
    action_counts: dict[str, int]
    per_case_cost: tuple[float, ...]


@dataclass(frozen=True)
class BacktestReport:
    n: int
    policy: ArmResult
    baseline: ArmResult
    refuse_all: ArmResult
    policy_minus_baseline: Interval  # paired difference of mean realised cost per case
    accept_action: str
    refuse_action: str
    escalate_action: str

    @property
    def arms(self) -> tuple[ArmResult, ArmResult, ArmResult]:
        return (self.policy, self.baseline, self.refuse_all)

    def table(self) -> str:
        lines = [f"{'':20} {'cost/case [95% CI]':26} {'expected':>8} "
                 f"{self.accept_action:>8} {self.escalate_action:>8}"]
        for arm in self.arms:
            expected = "" if arm.expected_cost is None else f"{arm.expected_cost:.3f}"
            lines.append(
                f"{arm.label:20} {arm.realised_cost!s:26} {expected:>8} "
                f"{arm.approval_rate.estimate:8.1%} {arm.escalation_rate.estimate:8.1%}"
            )
        lines.append(f"policy - baseline: {self.policy_minus_baseline} per case (n={self.n})")
        return "\n".join(lines)


def backtest(
    rows: Sequence[Mapping[str, Any]],
    outcomes: Sequence[str],
    p_bad: Sequence[float],
    spec: PolicySpec,
    baseline: Callable[[Mapping[str, Any]], BaselineDecision],
    *,
    ood: Sequence[OodLike | None] | None = None,
    label: str = "policy",
    n_boot: int = 2000,
    seed: int = 0,
    priced_by: PolicySpec | None = None,
) -> BacktestReport:
    """Backtest ``spec`` on ``rows`` whose ``outcomes`` are known, given each case's ``p_bad``.

    ``baseline`` is the domain's rule function (``pack.baseline``); ``ood`` optional results
    per case (escalation on OOD then applies as in production). ``priced_by`` prices the
    realised outcomes with another policy's cost matrix (default: ``spec``'s own), so two
    policies can be compared under the same costs: a pure change of costs then changes
    what the policy decides, not the yardstick.
    """
    price = priced_by or spec
    n = len(rows)
    if not (len(outcomes) == len(p_bad) == n) or (ood is not None and len(ood) != n):
        raise ValueError("rows, outcomes, p_bad (and ood) must have the same length")
    if n == 0:
        raise ValueError("nothing to backtest: no cases")
    unknown = sorted(set(outcomes) - set(spec.outcomes))
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; the policy knows {list(spec.outcomes)}")

    accept = spec.best_action_for(spec.safe_outcome)
    refuse = spec.best_action_for(spec.risk_outcome)
    policy_recs = [
        recommend(float(p), None if ood is None else ood[i], spec) for i, p in enumerate(p_bad)
    ]
    baseline_recs = [baseline_recommendation(baseline(row), spec) for row in rows]

    rng = np.random.default_rng(seed)
    resample = resample_indices(n, n_boot, rng)

    def arm(arm_label: str, recs: Sequence[Recommendation] | None,
            actions: Sequence[str], with_expected: bool) -> ArmResult:
        costs = np.array([_realised(recs[i] if recs else None, actions[i], outcomes[i], price)
                          for i in range(n)])
        approved = np.array([a == accept for a in actions], dtype=np.float64)
        escalated = np.array([a == spec.escalate_action for a in actions], dtype=np.float64)
        expected = (float(np.mean([r.expected_costs[r.action] for r in recs]))
                    if recs and with_expected else None)
        counts = {a: int(sum(1 for x in actions if x == a)) for a in spec.actions}
        return ArmResult(arm_label, n, bootstrap_mean(costs, resample), expected,
                         bootstrap_mean(approved, resample), bootstrap_mean(escalated, resample),
                         counts, tuple(float(c) for c in costs))

    policy = arm(label, policy_recs, [r.action for r in policy_recs], True)
    base = arm("baseline rules", baseline_recs, [r.action for r in baseline_recs], True)
    refuse_all = arm(f"{refuse} everyone", None, [refuse] * n, False)
    difference = bootstrap_mean(
        np.array(policy.per_case_cost) - np.array(base.per_case_cost), resample
    )
    return BacktestReport(n, policy, base, refuse_all, difference, accept, refuse,
                          spec.escalate_action)


def _realised(rec: Recommendation | None, action: str, outcome: str, spec: PolicySpec) -> float:
    if action == spec.escalate_action:
        assert rec is not None
        return spec.costs[action][outcome] + spec.costs[rec.provisional_action][outcome]
    return spec.costs[action][outcome]
