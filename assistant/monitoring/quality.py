"""Decision quality on cases with outcomes: did acting on the model beat what we did before?

For every decided case with an ``outcome`` (decision rows as described in
:mod:`assistant.monitoring.health`) three realized costs are computed from the policy's cost
matrix ``costs[action][outcome]``:

* **operators**: what was actually decided (``decided_action``);
* **model**: what the policy recommended (``recommended_action``);
* **baseline**: what the baseline rules would have done (``baseline_action``).

Costing rules (``cost(a)`` = ``costs[a][outcome]``):

* an action in the cost matrix costs ``cost(a)``;
* an **escalated** decision costs ``review_cost + cost(final)`` where ``final`` is the senior's
  final action (``decided_action``); while no final action is recorded it costs
  ``review_cost`` alone (the second look was paid for; nothing else is known);
* a *deferring* recommendation or baseline action (one not in the cost matrix, e.g.
  ``"escalate"``/``"refer"``) is costed the same way: ``review_cost`` plus the cost of what the
  humans finally decided, since deferring hands the decision to them.

Rows without an outcome, or whose action has no cost for that outcome, are skipped and counted.

Means come with percentile bootstrap confidence intervals: ``B`` resamples of the cases with
replacement (seeded ``numpy.random.Generator``, vectorised in chunks); the interval is the
``(α/2, 1 − α/2)`` quantiles of the resampled means. Differences (operators − model,
model − baseline, operators − baseline) are *paired*: the same resample for both sides.

Override effect per case: ``Δ = cost(decided) − cost(recommended)``; ``Δ < 0`` the override
helped (saved cost), ``Δ > 0`` it hurt. Summed and averaged by reason category and by operator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.evaluation.logged import OffPolicyReport
from assistant.stats import Interval, bootstrap_means

Row = Mapping[str, object]
Costs = Mapping[str, Mapping[str, float]]
FloatArray = NDArray[np.float64]



#: How many of the latest decided cases `quality` and the health screen judge by default:
#: their cost is bounded by this window, not by the size of the store.
QUALITY_WINDOW = 2000


@dataclass(frozen=True)
class CostSummary:
    """Realized cost of one way of deciding over ``n`` cases."""

    name: str
    n: int
    total: float
    mean: Interval


@dataclass(frozen=True)
class OverrideEffect:
    """Overrides in one group: ``total_delta < 0`` means they saved cost overall."""

    group: str
    n: int
    helped: int
    hurt: int
    neutral: int
    total_delta: float
    mean_delta: Interval


@dataclass(frozen=True)
class QualityReport:
    n_cases: int
    n_skipped: int
    operators: CostSummary | None
    model: CostSummary | None
    baseline: CostSummary | None  # over the cases that carry a baseline_action
    operators_minus_model: Interval | None
    model_minus_baseline: Interval | None
    operators_minus_baseline: Interval | None
    overrides_by_reason: tuple[OverrideEffect, ...]
    overrides_by_operator: tuple[OverrideEffect, ...]
    confidence: float
    n_boot: int
    review_cost: float
    # IPS / SNIPS / DR over every decided case (assistant.evaluation.logged); None: not run
    off_policy: OffPolicyReport | None = None


def quality_report(
    decisions: Iterable[Row],
    costs: Costs,
    *,
    review_cost: float = 0.0,
    reason_categories: Mapping[str, str] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> QualityReport:
    """Realized cost of operators, model and baseline, with CIs, and the effect of overrides.

    ``reason_categories`` maps reason codes to categories (default: the code itself).
    """
    rng = np.random.default_rng(seed)
    op: list[float] = []
    model: list[float] = []
    base: list[float] = []  # NaN where no baseline
    overrides: list[tuple[str, str, float]] = []  # (reason category, operator, delta)
    skipped = 0
    for row in decisions:
        outcome = row.get("outcome")
        if not isinstance(outcome, str):
            skipped += 1
            continue
        c_op = operator_cost(row, outcome, costs, review_cost)
        c_model = _deferring_cost(row.get("recommended_action"), row, outcome, costs, review_cost)
        if c_op is None or c_model is None:
            skipped += 1
            continue
        c_base = _deferring_cost(row.get("baseline_action"), row, outcome, costs, review_cost)
        op.append(c_op)
        model.append(c_model)
        base.append(math.nan if c_base is None else c_base)
        if row.get("decision_kind") == "overridden":
            code = str(row.get("reason_code") or "unspecified")
            category = (reason_categories or {}).get(code, code)
            overrides.append((category, str(row.get("operator") or "unknown"), c_op - c_model))

    n = len(op)
    if n == 0:
        return QualityReport(
            0, skipped, None, None, None, None, None, None, (), (), confidence, n_boot, review_cost
        )
    costs_op, costs_model, costs_base = np.array(op), np.array(model), np.array(base)
    has_base = ~np.isnan(costs_base)
    op_ci, model_ci, diff_ci = bootstrap_means(
        np.column_stack([costs_op, costs_model, costs_op - costs_model]),
        n_boot=n_boot,
        confidence=confidence,
        rng=rng,
    )
    baseline = mb = ob = None
    if has_base.any():
        b, m, o = costs_base[has_base], costs_model[has_base], costs_op[has_base]
        base_ci, mb, ob = bootstrap_means(
            np.column_stack([b, m - b, o - b]), n_boot=n_boot, confidence=confidence, rng=rng
        )
        baseline = CostSummary("baseline", int(b.size), float(b.sum()), base_ci)
    return QualityReport(
        n_cases=n,
        n_skipped=skipped,
        operators=CostSummary("operators", n, float(costs_op.sum()), op_ci),
        model=CostSummary("model", n, float(costs_model.sum()), model_ci),
        baseline=baseline,
        operators_minus_model=diff_ci,
        model_minus_baseline=mb,
        operators_minus_baseline=ob,
        overrides_by_reason=_effects(((g, d) for g, _, d in overrides), n_boot, confidence, rng),
        overrides_by_operator=_effects(((o, d) for _, o, d in overrides), n_boot, confidence, rng),
        confidence=confidence,
        n_boot=n_boot,
        review_cost=review_cost,
    )


def operator_cost(row: Row, outcome: str, costs: Costs, review_cost: float = 0.0) -> float | None:
    """Realized cost of what was decided (escalations: ``review_cost`` + final action's cost)."""
    if row.get("decision_kind") == "escalated":
        final = row.get("decided_action")
        if final is None:
            return review_cost
        rest = action_cost(final, outcome, costs)
        return None if rest is None else review_cost + rest
    return action_cost(row.get("decided_action"), outcome, costs)


def action_cost(action: object, outcome: str, costs: Costs) -> float | None:
    """``costs[action][outcome]``, or None when the matrix has no such entry."""
    if not isinstance(action, str) or action not in costs:
        return None
    value = costs[action].get(outcome)
    return None if value is None else float(value)


def _deferring_cost(
    action: object, row: Row, outcome: str, costs: Costs, review_cost: float
) -> float | None:
    if action is None or action == "":
        return None
    direct = action_cost(action, outcome, costs)
    if direct is not None:
        return direct
    if isinstance(action, str) and action not in costs:  # defers to the humans
        final = operator_cost(row, outcome, costs, review_cost)
        if final is None:
            return None
        return final if row.get("decision_kind") == "escalated" else review_cost + final
    return None


def _effects(
    pairs: Iterable[tuple[str, float]], n_boot: int, confidence: float, rng: np.random.Generator
) -> tuple[OverrideEffect, ...]:
    groups: dict[str, list[float]] = {}
    for group, delta in pairs:
        groups.setdefault(group, []).append(delta)
    effects = []
    for group, deltas in sorted(groups.items()):
        d = np.array(deltas)
        (mean,) = bootstrap_means(d, n_boot=n_boot, confidence=confidence, rng=rng)
        effects.append(
            OverrideEffect(
                group=group,
                n=int(d.size),
                helped=int((d < 0).sum()),
                hurt=int((d > 0).sum()),
                neutral=int((d == 0).sum()),
                total_delta=float(d.sum()),
                mean_delta=mean,
            )
        )
    return tuple(effects)


def report_to_dict(report: QualityReport) -> dict[str, Any]:
    """JSON-serialisable form of a :class:`QualityReport` (for CLI ``--json`` and events)."""

    def summary(s: CostSummary | None) -> dict[str, Any] | None:
        return None if s is None else {"n": s.n, "total": s.total, "mean": s.mean.to_dict()}

    def interval(i: Interval | None) -> dict[str, float] | None:
        return None if i is None else i.to_dict()

    def effects(es: tuple[OverrideEffect, ...]) -> list[dict[str, Any]]:
        return [
            {
                "group": e.group,
                "n": e.n,
                "helped": e.helped,
                "hurt": e.hurt,
                "neutral": e.neutral,
                "total_delta": e.total_delta,
                "mean_delta": e.mean_delta.to_dict(),
            }
            for e in es
        ]

    return {
        "naive": "realized cost on the recorded outcomes only: biased when outcomes are "
        "selective (a case whose action reveals no outcome shows none); see off_policy for "
        "IPS and DR estimates",
        "off_policy": report.off_policy.to_dict() if report.off_policy else None,
        "n_cases": report.n_cases,
        "n_skipped": report.n_skipped,
        "operators": summary(report.operators),
        "model": summary(report.model),
        "baseline": summary(report.baseline),
        "operators_minus_model": interval(report.operators_minus_model),
        "model_minus_baseline": interval(report.model_minus_baseline),
        "operators_minus_baseline": interval(report.operators_minus_baseline),
        "overrides_by_reason": effects(report.overrides_by_reason),
        "overrides_by_operator": effects(report.overrides_by_operator),
        "confidence": report.confidence,
        "n_boot": report.n_boot,
        "review_cost": report.review_cost,
    }
