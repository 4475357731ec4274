"""One statistics module for the assistant: a point estimate with its interval, and the
percentile bootstrap of means over cases.

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
