"""Time-ordered backtest of a quantity pack: the newsvendor policy over fresh quantile models
against the seasonal-naive baseline, on later months never used for training or tuning.

Rolling origin: for each test block the pack declares (``backtest_folds``: the demand pack's
are months, in hours), the quantile specialist is trained on every period that had ended
``lead_time`` periods before the block began (no later period, and none of the block itself),
then every period of the block is ordered for by the policy (the order it places, or would
place when it escalates) and by the baseline rule, and both are charged the pack's declared
economics against the outcome that happened. The tree settings are the shipped defaults and
the economics the pack's declared ones: nothing is chosen by looking at a test block. Figures
are mean ± sd over the folds, in the pack's words (its periods, its fold word).

Training code (scikit-learn): imported by ``docket figures`` only, never on the decision path.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.domains.decision import Words
from assistant.domains.quantity import BacktestFold
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
#: The ``months`` form (first and end day of the year, for an hourly index): the demand pack's
#: September to December 2011 (the pack itself declares them as ``backtest_folds``).
TEST_MONTHS: tuple[tuple[str, int, int], ...] = (
    ("Sep", 244, 274), ("Oct", 274, 305), ("Nov", 305, 335), ("Dec", 335, 366),
)


@dataclass(frozen=True)
class FoldResult:
    """One test block (``month``: its name): cost per period of each way of ordering, and
    how the orders served (``hours``: its periods; ``trained_hours``: the periods trained on)."""

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
    lead_time: int = 0  # periods between placing an order and the period it covers
    words: Words = Words(case="hour", cases="hours")  # how the pack names its periods
    fold_word: str = "month"

    def summary(self, attr: str) -> tuple[float, float]:
        values = [getattr(f, attr) for f in self.folds]
        return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0

    def lines(self) -> list[str]:
        p, case, cases, fold = self.policy, self.words.case, self.words.cases, self.fold_word
        out = [
            f"Time-ordered backtest, {len(self.folds)} folds by {fold} (each trained on every "
            f"{case} ended {self.lead_time} {case}(s) before its {fold} began, the lead time; "
            f"shipped tree settings; nothing tuned on a test {fold}).",
            f"Cost per {case}: {p.underage_cost:g} per unit short, {p.overage_cost:g} per unit "
            f"left over ({p.unit}); packs of {p.step}, "
            f"{p.minimum_order}-{p.capacity} {p.unit}.",
            "",
            f"| {fold} | {cases} | newsvendor policy | seasonal naive "
            "| fill rate (policy / naive) |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in self.folds:
            out.append(f"| {f.month} | {f.hours} | {f.policy_cost:.2f} | {f.baseline_cost:.2f} | "
                       f"{f.policy_fill:.1%} / {f.baseline_fill:.1%} |")
        pm, ps = self.summary("policy_cost")
        bm, bs = self.summary("baseline_cost")
        out += [
            f"| mean ± sd over {fold}s | | {pm:.2f} ± {ps:.2f} | {bm:.2f} ± {bs:.2f} | "
            f"{self.summary('policy_fill')[0]:.1%} / {self.summary('baseline_fill')[0]:.1%} |",
            "",
            f"Short in {self.summary('policy_short')[0]:.1%} of {cases} (policy) vs "
            f"{self.summary('baseline_short')[0]:.1%} (naive); "
            f"{self.summary('policy_left')[0]:.1f} vs {self.summary('baseline_left')[0]:.1f} "
            f"{p.unit} left over per {case}.",
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
    folds: Sequence[BacktestFold] | None = None,
    words: Words | None = None,
    fold_word: str | None = None,
    settings: TreeSettings = DEFAULT_SETTINGS,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Backtest over ``folds`` (periods of ``hour_index``), or else over ``months`` (first
    and end day of the year, for an hourly index); ``words`` and ``fold_word`` name the
    periods and folds in the report (default: hours, months)."""
    levels = pack.shape.quantiles
    x = feature_matrix(pack, rows)
    y = np.asarray(demand, dtype=np.float64)
    hours = np.asarray(hour_index)
    blocks = list(folds) if folds is not None else [
        BacktestFold(name, (first - 1) * HOURS_PER_DAY, (end - 1) * HOURS_PER_DAY)
        for name, first, end in months]
    results = []
    for block in blocks:
        name, start, end = block.name, block.start, block.end
        # An order for the first test period is placed lead_time periods before it: the
        # model that placed it can only have learnt from periods that had ended by then.
        train = hours < start - pack.shape.lead_time
        test = (hours >= start) & (hours < end)
        if not train.any() or not test.any():
            continue
        if on_step is not None:
            on_step(f"{name}: fitting {len(levels)} quantiles on {int(train.sum())} earlier "
                    f"{(words or Words(cases='hours')).cases}")
        fitted = fit_levels(pack, x[train], y[train], levels, seed=seed, settings=settings)
        predicted = np.maximum(np.sort(predict_levels(fitted, x[test]), axis=1), 0.0)
        actual = y[test]
        ordered = np.array([recommend_quantity(levels, q, policy).quantity for q in predicted],
                           dtype=np.float64)
        naive = np.array([policy.round_up(float(r[lag_field]))  # type: ignore[arg-type]
                          for r, keep in zip(rows, test, strict=True) if keep], dtype=np.float64)
        results.append(FoldResult(
            name, int(test.sum()), int(train.sum()),
            _cost(ordered, actual, policy), _cost(naive, actual, policy),
            _fill(ordered, actual), _fill(naive, actual),
            float(np.mean(actual > ordered)), float(np.mean(actual > naive)),
            float(np.mean(np.maximum(ordered - actual, 0))),
            float(np.mean(np.maximum(naive - actual, 0))),
        ))
    return BacktestResult(results, policy, pack.shape.lead_time,
                          words or Words(case="hour", cases="hours"), fold_word or "month")


def _cost(orders: FloatArray, actual: FloatArray, policy: QuantityPolicy) -> float:
    return float(np.mean(policy.underage_cost * np.maximum(actual - orders, 0)
                         + policy.overage_cost * np.maximum(orders - actual, 0)))


def _fill(orders: FloatArray, actual: FloatArray) -> float:
    return float(np.minimum(orders, actual).sum() / max(actual.sum(), 1.0))
