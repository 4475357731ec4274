"""Time-ordered backtest of a quantity pack: the newsvendor policy over fresh quantile models
against the seasonal-naive baseline, on later months never used for training or tuning.

Rolling origin: for each test month, the quantile specialist is trained on every hour before
that month began (no later hour, and no hour of the month itself), then every hour of the
month is ordered for by the policy (the order it places, or would place when it escalates)
and by the baseline rule, and both are charged the pack's declared economics against the
demand that happened. The tree settings are the shipped defaults and the economics the pack's
declared ones: nothing is chosen by looking at a test month. Folds are the months; figures
are mean ± sd over them.

Training code (scikit-learn): imported by ``docket figures`` only, never on the decision path.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.policies.quantity import QuantityPolicy, recommend_quantity
from assistant.specialists.quantile import (
    DEFAULT_SETTINGS,
    FloatArray,
    TreeSettings,
    feature_matrix,
    fit_levels,
    predict_levels,
)
from assistant.specialists.quantile_training import QuantilePack

HOURS_PER_DAY = 24
#: First day of the year (1-based) of each test month: September to December 2011.
TEST_MONTHS: tuple[tuple[str, int, int], ...] = (
    ("Sep", 244, 274), ("Oct", 274, 305), ("Nov", 305, 335), ("Dec", 335, 366),
)


@dataclass(frozen=True)
class FoldResult:
    """One test month: cost per hour of each way of ordering, and how the orders served."""

    month: str
    hours: int
    trained_hours: int
    policy_cost: float
    baseline_cost: float
    policy_fill: float
    baseline_fill: float
    policy_short: float  # share of hours short of demand
    baseline_short: float
    policy_left: float  # units left over per hour
    baseline_left: float


@dataclass(frozen=True)
class BacktestResult:
    folds: list[FoldResult]
    policy: QuantityPolicy
    lead_time: int = 0  # hours between placing an order and the hour it covers

    def summary(self, attr: str) -> tuple[float, float]:
        values = [getattr(f, attr) for f in self.folds]
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    def lines(self) -> list[str]:
        p = self.policy
        out = [
            f"Time-ordered backtest, {len(self.folds)} monthly folds (each trained on every hour "
            f"ended {self.lead_time} hour(s) before its month began, the orders' lead time; "
            "shipped tree settings; nothing tuned on a test month).",
            f"Cost per hour: {p.underage_cost:g} per unit short, {p.overage_cost:g} per unit "
            f"left over ({p.unit}); packs of {p.step}, "
            f"{p.minimum_order}-{p.capacity} {p.unit}.",
            "",
            "| month | hours | newsvendor policy | seasonal naive | fill rate (policy / naive) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in self.folds:
            out.append(f"| {f.month} | {f.hours} | {f.policy_cost:.2f} | {f.baseline_cost:.2f} | "
                       f"{f.policy_fill:.1%} / {f.baseline_fill:.1%} |")
        pm, ps = self.summary("policy_cost")
        bm, bs = self.summary("baseline_cost")
        out += [
            f"| mean ± sd over months | | {pm:.2f} ± {ps:.2f} | {bm:.2f} ± {bs:.2f} | "
            f"{self.summary('policy_fill')[0]:.1%} / {self.summary('baseline_fill')[0]:.1%} |",
            "",
            f"Short of demand in {self.summary('policy_short')[0]:.1%} of hours (policy) vs "
            f"{self.summary('baseline_short')[0]:.1%} (naive); "
            f"{self.summary('policy_left')[0]:.1f} vs {self.summary('baseline_left')[0]:.1f} "
            f"{p.unit} left over per hour.",
        ]
        return out


def backtest(
    pack: QuantilePack,
    rows: Sequence[dict[str, object]],
    demand: Sequence[float],
    hour_index: Sequence[int],
    policy: QuantityPolicy,
    *,
    lag_field: str,
    months: Sequence[tuple[str, int, int]] = TEST_MONTHS,
    settings: TreeSettings = DEFAULT_SETTINGS,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> BacktestResult:
    levels = pack.shape.quantiles
    x = feature_matrix(pack, rows)
    y = np.asarray(demand, dtype=np.float64)
    hours = np.asarray(hour_index)
    folds = []
    for name, first_day, end_day in months:
        start, end = (first_day - 1) * HOURS_PER_DAY, (end_day - 1) * HOURS_PER_DAY
        # An order for the first test hour is placed lead_time hours before it: the model
        # that placed it can only have learnt from hours that had ended by then.
        train = hours < start - pack.shape.lead_time
        test = (hours >= start) & (hours < end)
        if not train.any() or not test.any():
            continue
        if on_step is not None:
            on_step(f"{name}: fitting {len(levels)} quantiles on {int(train.sum())} earlier hours")
        fitted = fit_levels(pack, x[train], y[train], levels, seed=seed, settings=settings)
        predicted = np.maximum(np.sort(predict_levels(fitted, x[test]), axis=1), 0.0)
        actual = y[test]
        ordered = np.array([recommend_quantity(levels, q, policy).quantity for q in predicted],
                           dtype=np.float64)
        naive = np.array([policy.round_up(float(r[lag_field]))  # type: ignore[arg-type]
                          for r, keep in zip(rows, test, strict=True) if keep], dtype=np.float64)
        folds.append(FoldResult(
            name, int(test.sum()), int(train.sum()),
            _cost(ordered, actual, policy), _cost(naive, actual, policy),
            _fill(ordered, actual), _fill(naive, actual),
            float(np.mean(actual > ordered)), float(np.mean(actual > naive)),
            float(np.mean(np.maximum(ordered - actual, 0))),
            float(np.mean(np.maximum(naive - actual, 0))),
        ))
    return BacktestResult(folds, policy, pack.shape.lead_time)


def _cost(orders: FloatArray, actual: FloatArray, policy: QuantityPolicy) -> float:
    return float(np.mean(policy.underage_cost * np.maximum(actual - orders, 0)
                         + policy.overage_cost * np.maximum(orders - actual, 0)))


def _fill(orders: FloatArray, actual: FloatArray) -> float:
    return float(np.minimum(orders, actual).sum() / max(actual.sum(), 1.0))
