"""One statistics module: a point estimate with its interval, and the percentile bootstrap
of means (and of ratios of sums, for off-policy estimates) over cases; and the eval scorers'
95% intervals (Wilson for proportions, Student's t for a mean over folds, a seeded percentile
bootstrap of any statistic, so reruns agree).

Backtests and decision-quality reports use the same resampling: ``n`` case indices drawn
with replacement per resample, shared by every column (a *paired* bootstrap), so the
difference of two ways of deciding is judged on the same cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_CHUNK_CELLS = 4_000_000  # resampled values held in memory at once


@dataclass(frozen=True)
class Interval:
    """A point estimate with its bootstrap confidence interval."""

    estimate: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def to_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high}


def resample_indices(n: int, n_boot: int, rng: np.random.Generator) -> IntArray:
    """``n_boot`` resamples of ``range(n)`` with replacement, one per row."""
    return rng.integers(0, n, size=(n_boot, n))


def bootstrap_mean(
    values: FloatArray, resample: IntArray, *, confidence: float = 0.95
) -> Interval:
    """The mean of ``values`` with its percentile interval over the given resamples."""
    means = values[resample].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return Interval(float(values.mean()), float(low), float(high))


def bootstrap_means(
    values: FloatArray,
    *,
    n_boot: int = 2000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
) -> list[Interval]:
    """Column means of ``values`` (cases × k) with paired percentile bootstrap intervals.

    Resamples are drawn in chunks, so a large ``n`` never holds more than a few million
    resampled values in memory.
    """
    rng = rng or np.random.default_rng(0)
    data = np.asarray(values, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    n, k = data.shape
    estimates = data.mean(axis=0) if n else np.zeros(k)
    if n < 2 or n_boot < 1:
        return [Interval(float(e), float(e), float(e)) for e in estimates]
    means = np.empty((n_boot, k))
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        means[start:stop] = data[resample_indices(n, stop - start, rng)].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lows, highs = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return [
        Interval(float(e), float(lo), float(hi))
        for e, lo, hi in zip(estimates, lows, highs, strict=True)
    ]


def bootstrap_ratios(
    columns: list[tuple[FloatArray, FloatArray]],
    n_boot: int,
    confidence: float,
    rng: np.random.Generator,
) -> list[Interval | None]:
    """Ratio-of-sums estimates ``Σnum / Σden`` of each ``(num, den)`` column (per-case
    arrays), with paired percentile intervals over the same case resamples; ``None`` where
    the denominator is zero (nothing to estimate from). A mean is the ratio with ``den = 1``.
    """
    n = len(columns[0][0]) if columns else 0
    points: list[float | None] = []
    for num, den in columns:
        total = float(den.sum())
        points.append(float(num.sum()) / total if total > 0 else None)
    if n < 2 or n_boot < 1:
        return [None if p is None else Interval(p, p, p) for p in points]
    draws = np.full((n_boot, len(columns)), np.nan)
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        idx = resample_indices(n, stop - start, rng)
        for k, (num, den) in enumerate(columns):
            d = den[idx].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                draws[start:stop, k] = np.where(d > 0, num[idx].sum(axis=1) / d, np.nan)
    alpha = (1.0 - confidence) / 2.0
    out: list[Interval | None] = []
    for k, point in enumerate(points):
        column = draws[:, k][~np.isnan(draws[:, k])]
        if point is None or column.size == 0:
            out.append(None)
            continue
        low, high = np.quantile(column, [alpha, 1.0 - alpha])
        out.append(Interval(point, float(low), float(high)))
    return out


# --- the eval scorers' intervals -------------------------------------------------------

#: A 95% interval as (low, high), as the eval scorers report it.
Bounds = tuple[float, float]
Z95 = 1.959963984540054
# Two-sided 95% Student t quantiles by degrees of freedom (df > 30: the normal one).
_T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042,
}
BOOTSTRAP_SEED = 20240601
BOOTSTRAP_RESAMPLES = 1000


def t95(df: int) -> float:
    if df < 1:
        raise ValueError("a t interval needs at least two values")
    if df > 30:
        return Z95
    return _T95.get(df) or _T95[min(k for k in _T95 if k >= df)]


def wilson(successes: int, n: int) -> Bounds | None:
    """Wilson score interval for ``successes`` out of ``n`` (None when n is 0)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def mean_ci_from_sd(mean: float, sd: float, n: int) -> Bounds | None:
    """t interval for a mean of ``n`` values with standard deviation ``sd``."""
    if n < 2 or not math.isfinite(sd):
        return None
    half = t95(n - 1) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def mean_ci(values: Sequence[float]) -> Bounds | None:
    if len(values) < 2:
        return None
    array = np.asarray(values, dtype=float)
    return mean_ci_from_sd(float(array.mean()), float(array.std(ddof=1)), len(array))


Statistic = Callable[[npt.NDArray[np.int64]], float]


def bootstrap(statistic: Statistic, n: int, *, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Bounds | None:
    """Percentile interval of ``statistic(indices)`` over resamples of ``range(n)``.

    ``statistic`` gets an index array (a resample of the rows) and returns one number;
    resamples where it is not finite (e.g. an empty group) are left out.
    """
    if n < 2:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        value = statistic(rng.integers(0, n, size=n))
        if math.isfinite(value):
            values.append(value)
    if len(values) < resamples // 2:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return (float(low), float(high))
