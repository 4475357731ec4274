"""The statistics behind the drift verdicts (numpy and math only): PSI, the
Kolmogorov–Smirnov and chi-squared tests, and the Wasserstein and Jensen–Shannon distances."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from assistant.monitoring.drift_base import Band, DriftSettings, FloatArray, smoothed

# --------------------------------------------------------------------------------------------
# Statistics (numpy + math only)
# --------------------------------------------------------------------------------------------


def population_stability_index(
    expected: FloatArray | Sequence[float],
    actual: FloatArray | Sequence[float],
    *,
    epsilon: float = 1e-4,
) -> float:
    """``PSI = Σ (a_i − e_i) ln(a_i / e_i)`` over bins, from counts or shares.

    Shares are floored at ``epsilon`` and renormalised, so the result is finite and ``≥ 0``.
    An empty side (total 0) gives 0.
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.sum() <= 0 or a.sum() <= 0:
        return 0.0
    e = smoothed(e, epsilon)
    a = smoothed(a, epsilon)
    return max(0.0, float(np.sum((a - e) * np.log(a / e))))


def psi_band(value: float, settings: DriftSettings | None = None) -> Band:
    s = settings or DriftSettings()
    if value >= s.psi_significant:
        return "significant"
    return "moderate" if value >= s.psi_moderate else "stable"


def ks_test(
    reference_sorted: FloatArray, current: FloatArray, *, n_reference: int | None = None
) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov: ``D = max_x |F_ref(x) − F_cur(x)|`` and its p-value.

    ``p = Q_KS((√n_e + 0.12 + 0.11/√n_e) · D)`` with ``n_e = n·m/(n+m)`` (Stephens'
    approximation, Numerical Recipes §14.3) and ``Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}``.
    ``n_reference`` overrides the reference size when ``reference_sorted`` is a quantile sketch.
    Conservative under ties (discrete features). Empty side: ``(0.0, 1.0)``.
    """
    if reference_sorted.size == 0 or current.size == 0:
        return 0.0, 1.0
    cur = np.sort(current)
    grid = np.concatenate([reference_sorted, cur])
    f_ref = np.searchsorted(reference_sorted, grid, side="right") / reference_sorted.size
    f_cur = np.searchsorted(cur, grid, side="right") / cur.size
    d = float(np.max(np.abs(f_ref - f_cur)))
    n = float(n_reference or reference_sorted.size)
    m = float(cur.size)
    en = math.sqrt(n * m / (n + m))
    return d, kolmogorov_sf((en + 0.12 + 0.11 / en) * d)


def kolmogorov_sf(lam: float) -> float:
    """``Q_KS(λ) = P(K > λ)`` of the Kolmogorov distribution.

    For ``λ < 1.18`` via ``1 − (√(2π)/λ) Σ_j exp(−(2j−1)²π²/(8λ²))`` (fast there), else the
    alternating series above.
    """
    if lam <= 0.0:
        return 1.0
    if lam < 1.18:
        y = math.exp(-(math.pi**2) / (8.0 * lam * lam))
        total = sum(y ** ((2 * j - 1) ** 2) for j in range(1, 8))
        return min(1.0, max(0.0, 1.0 - math.sqrt(2.0 * math.pi) / lam * total))
    y = math.exp(-2.0 * lam * lam)
    total = sum((1.0 if j % 2 else -1.0) * y ** (j * j) for j in range(1, 8))
    return min(1.0, max(0.0, 2.0 * total))


def chi2_homogeneity(reference: FloatArray, current: FloatArray) -> tuple[float, float]:
    """Pearson chi-squared test that two count vectors come from one distribution.

    ``χ² = Σ_{s∈{ref,cur}} Σ_i (O_si − E_si)² / E_si`` with ``E_si = N_s · C_i / N`` (``C_i`` the
    pooled count of bin ``i``); bins empty on both sides are dropped, ``df = k − 1``.
    Used instead of goodness-of-fit because both sides are samples and because it stays
    defined when a category is unseen in the reference. Degenerate input: ``(0.0, 1.0)``.
    """
    keep = (reference + current) > 0
    ref, cur = reference[keep], current[keep]
    k = int(ref.size)
    n_ref, n_cur = float(ref.sum()), float(cur.sum())
    if k < 2 or n_ref <= 0 or n_cur <= 0:
        return 0.0, 1.0
    pooled = (ref + cur) / (n_ref + n_cur)
    stat = float(
        np.sum((ref - n_ref * pooled) ** 2 / (n_ref * pooled))
        + np.sum((cur - n_cur * pooled) ** 2 / (n_cur * pooled))
    )
    return stat, chi2_sf(stat, k - 1)


def chi2_sf(x: float, df: int) -> float:
    """``P(χ²_df > x) = Q(df/2, x/2)``, the regularised upper incomplete gamma function.

    Series for ``x/2 < df/2 + 1``, Lentz continued fraction otherwise (Numerical Recipes §6.2).
    """
    if df <= 0 or not math.isfinite(x):
        return 0.0 if x > 0 else 1.0
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    log_front = -z + a * math.log(z) - math.lgamma(a)
    if z < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1.0
            term *= z / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return min(1.0, max(0.0, 1.0 - total * math.exp(log_front)))
    tiny = 1e-300
    b = z + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return min(1.0, max(0.0, math.exp(log_front) * h))


def wasserstein_distance(u: FloatArray, v: FloatArray) -> float:
    """Wasserstein-1 between two empirical samples: ``∫ |F_u(x) − F_v(x)| dx``.

    Evaluated exactly on the merged sorted support. Empty side: 0.
    """
    if u.size == 0 or v.size == 0:
        return 0.0
    us, vs = np.sort(u), np.sort(v)
    support = np.sort(np.concatenate([us, vs]))
    widths = np.diff(support)
    f_u = np.searchsorted(us, support[:-1], side="right") / us.size
    f_v = np.searchsorted(vs, support[:-1], side="right") / vs.size
    return float(np.sum(np.abs(f_u - f_v) * widths))


def jensen_shannon_distance(p: FloatArray, q: FloatArray) -> float:
    """``√((KL(p‖m) + KL(q‖m)) / 2)`` with ``m = (p+q)/2``, natural log (0 ≤ value ≤ √ln 2).

    Matches ``scipy.spatial.distance.jensenshannon``, which Evidently uses. Empty side: 0.
    """
    if p.sum() <= 0 or q.sum() <= 0:
        return 0.0
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2.0

    def kl(a: FloatArray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    return math.sqrt(max(0.0, (kl(p) + kl(q)) / 2.0))
