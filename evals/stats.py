"""95% confidence intervals for the figures the scorers report.

* proportions: Wilson score interval (sound at 0 and 1, unlike the normal one);
* a mean over a few folds: Student's t on the fold values;
* anything else (ratios, differences): a seeded percentile bootstrap, so reruns agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

Interval = tuple[float, float]
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


def wilson(successes: int, n: int) -> Interval | None:
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


def mean_ci_from_sd(mean: float, sd: float, n: int) -> Interval | None:
    """t interval for a mean of ``n`` values with standard deviation ``sd``."""
    if n < 2 or not math.isfinite(sd):
        return None
    half = t95(n - 1) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def mean_ci(values: Sequence[float]) -> Interval | None:
    if len(values) < 2:
        return None
    array = np.asarray(values, dtype=float)
    return mean_ci_from_sd(float(array.mean()), float(array.std(ddof=1)), len(array))


Statistic = Callable[[npt.NDArray[np.int64]], float]


def bootstrap(statistic: Statistic, n: int, *, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Interval | None:
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


__all__ = ["Interval", "bootstrap", "mean_ci", "mean_ci_from_sd", "t95", "wilson"]
