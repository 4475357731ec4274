"""One statistics module for the assistant: a point estimate with its interval, and the
percentile bootstrap of means (and of ratios of sums, for off-policy estimates) over cases.

Backtests and decision-quality reports use the same resampling: ``n`` case indices drawn
with replacement per resample, shared by every column (a *paired* bootstrap), so the
difference of two ways of deciding is judged on the same cases.
"""

from __future__ import annotations

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
