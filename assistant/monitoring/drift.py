"""Feature and prediction drift of recent cases against the training reference.

Pure and numpy-only: callers pass rows (or columns) in, a :class:`DriftReport` comes out.

How it works, top-down:

1. :meth:`DriftReference.fit` summarises the training rows once, and is saved with the model
   artifact (``to_dict`` / ``from_dict`` round-trip through JSON):

   * numbers: 10 quantile bins (interior cut points ``q_{0.1} .. q_{0.9}``, de-duplicated, open at
     both ends) plus a *missing* bin, and the sorted values (or, above ``sketch_size`` values, an
     evenly spaced quantile sketch) for the distribution tests;
   * categories: the count of each category, plus a *missing* bin (``None``/NaN) and an *unseen*
     bin that is empty in the reference and receives categories never seen in training.

2. :func:`feature_drift` bins the current cases with ``np.searchsorted`` / ``np.bincount`` and
   reports per feature:

   * the population stability index
     ``PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)`` over the bins, where ``e_i`` / ``a_i`` are the
     reference / current shares, each floored at ``ε`` (1e-4) and renormalised so an empty bin
     contributes a large but finite term. Every term is ``≥ 0``, so ``PSI ≥ 0``; bands
     ``< 0.1`` stable, ``< 0.25`` moderate, else significant.
   * a statistical verdict following Evidently's convention: when the reference has at most
     1,000 rows, a two-sample Kolmogorov–Smirnov test for numbers and a Pearson chi-squared
     test of homogeneity for categories, drifted when ``p < 0.05``; above 1,000 rows (where
     tests flag trivial differences) the Wasserstein-1 distance divided by the reference
     standard deviation for numbers and the Jensen–Shannon distance for categories, drifted
     when ``≥ 0.1``.

   The dataset drifts when at least 50% of the features drift. Prediction drift applies the
   numeric machinery to ``p_bad`` scores against the reference scores.

The ``drifted`` flag is the statistical verdict (it adapts to sample size); PSI measures how
*much* moved. ``assistant.monitoring.health.evaluate_alerts`` alerts on features that are both
drifted and at least moderately shifted by PSI.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

Column = Sequence[object] | NDArray[Any]
Rows = Sequence[Mapping[str, object]]
Columns = Mapping[str, Column]
Table = Rows | Columns
"""Rows as a read model gives them, or columns (name → sequence/array) for speed."""

MISSING = "<missing>"
UNSEEN = "<unseen>"
FORMAT_VERSION = 1

Kind = Literal["numeric", "categorical", "prediction"]
Method = Literal["ks", "chi2", "wasserstein", "jensen_shannon"]
Band = Literal["stable", "moderate", "significant"]


class DriftSettings(BaseModel):
    """Thresholds of the drift verdicts (defaults: Evidently's and the PSI conventions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p_value: float = Field(default=0.05, gt=0, lt=1, description="test drifts when p < this")
    distance: float = Field(default=0.1, gt=0, description="distance drifts when >= this")
    large_reference: int = Field(
        default=1000, ge=1, description="references with more rows use distances, not tests"
    )
    dataset_share: float = Field(
        default=0.5, gt=0, le=1, description="dataset drifts at this share"
    )
    psi_moderate: float = Field(default=0.1, ge=0)
    psi_significant: float = Field(default=0.25, ge=0)
    epsilon: float = Field(default=1e-4, gt=0, lt=0.1, description="floor of bin shares in PSI")
    min_current: int = Field(
        default=30, ge=1, description="fewer current values: reported, never drifted"
    )


# --------------------------------------------------------------------------------------------
# The reference (fitted once, saved with the model artifact)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumericReference:
    """Bins and a sample of one numeric feature.

    ``edges`` are strictly increasing interior cut points; value ``x`` falls in bin
    ``searchsorted(edges, x, side="left")``, i.e. ``x ≤ e_1``, ``e_1 < x ≤ e_2``, …, ``x > e_k``,
    and missing/non-finite values in the last bin. ``counts`` has ``len(edges) + 2`` entries.
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    sample: tuple[float, ...]
    n_values: int
    std: float

    @classmethod
    def fit(cls, values: Column, bins: int = 10, sketch_size: int = 1000) -> NumericReference:
        x = as_float(values)
        finite = np.sort(x[~np.isnan(x)])
        scale = _safe_scale(finite)  # 1.0 unless values near the float limit
        if finite.size:
            cuts = np.quantile(finite / scale, np.linspace(0.0, 1.0, bins + 1)[1:-1]) * scale
            edges = np.unique(cuts)
        else:
            edges = np.empty(0)
        if finite.size > sketch_size:
            sample = np.quantile(finite / scale, np.linspace(0.0, 1.0, sketch_size)) * scale
        else:
            sample = finite
        counts = _numeric_counts(x, edges)
        std = float(np.std(finite / scale)) * scale if finite.size else 0.0
        return cls(
            edges=tuple(float(e) for e in edges),
            counts=tuple(int(c) for c in counts),
            sample=tuple(float(s) for s in sample),
            n_values=int(finite.size),
            std=std,
        )

    def labels(self) -> tuple[str, ...]:
        e = self.edges
        if not e:
            return ("all values", "missing")
        middle = [f"({lo:g}, {hi:g}]" for lo, hi in zip(e, e[1:], strict=False)]
        return (f"<= {e[0]:g}", *middle, f"> {e[-1]:g}", "missing")

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": list(self.edges),
            "counts": list(self.counts),
            "sample": list(self.sample),
            "n_values": self.n_values,
            "std": self.std,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NumericReference:
        edges = tuple(float(e) for e in data["edges"])
        counts = tuple(int(c) for c in data["counts"])
        increasing = all(a < b for a, b in zip(edges, edges[1:], strict=False))
        if len(counts) != len(edges) + 2 or not increasing:
            raise ValueError("numeric reference: edges must increase and counts fit the bins")
        return cls(
            edges=edges,
            counts=counts,
            sample=tuple(float(s) for s in data["sample"]),
            n_values=int(data["n_values"]),
            std=float(data["std"]),
        )


@dataclass(frozen=True)
class CategoricalReference:
    """Counts of each category; slots are ``categories`` then :data:`UNSEEN` (0 in training).

    :data:`MISSING` (``None``/NaN) is always one of ``categories``, possibly with count 0.
    """

    categories: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def fit(cls, values: Column) -> CategoricalReference:
        tally = Counter(category_key(v) for v in values)
        tally.setdefault(MISSING, 0)
        categories = tuple(sorted(tally))
        return cls(categories, tuple(tally[c] for c in categories) + (0,))

    def labels(self) -> tuple[str, ...]:
        return (*self.categories, UNSEEN)

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.categories)}

    def to_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CategoricalReference:
        categories = tuple(str(c) for c in data["categories"])
        counts = tuple(int(c) for c in data["counts"])
        if len(counts) != len(categories) + 1 or MISSING not in categories:
            raise ValueError("categorical reference: counts must cover categories + unseen")
        return cls(categories, counts)


@dataclass(frozen=True)
class DriftReference:
    """What the training data looked like, per feature (and optionally its ``p_bad`` scores)."""

    n_rows: int
    numeric: Mapping[str, NumericReference]
    categorical: Mapping[str, CategoricalReference]
    scores: NumericReference | None = None

    @classmethod
    def fit(
        cls,
        rows: Table,
        numeric: Sequence[str],
        categorical: Sequence[str],
        *,
        scores: Column | None = None,
        bins: int = 10,
        sketch_size: int = 1000,
    ) -> DriftReference:
        """Summarise training ``rows`` (or columns); ``scores``: the model's ``p_bad`` on them."""
        if bins < 1:
            raise ValueError("bins must be >= 1")
        cols = _columns(rows, [*numeric, *categorical])
        return cls(
            n_rows=_n_rows(rows),
            numeric={name: NumericReference.fit(cols[name], bins, sketch_size) for name in numeric},
            categorical={name: CategoricalReference.fit(cols[name]) for name in categorical},
            scores=None if scores is None else NumericReference.fit(scores, bins, sketch_size),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form (floats, ints, strings, lists, dicts)."""
        return {
            "format": FORMAT_VERSION,
            "n_rows": self.n_rows,
            "numeric": {k: v.to_dict() for k, v in self.numeric.items()},
            "categorical": {k: v.to_dict() for k, v in self.categorical.items()},
            "scores": None if self.scores is None else self.scores.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReference:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported drift reference format: {data.get('format')!r}")
        scores = data.get("scores")
        return cls(
            n_rows=int(data["n_rows"]),
            numeric={k: NumericReference.from_dict(v) for k, v in data["numeric"].items()},
            categorical={
                k: CategoricalReference.from_dict(v) for k, v in data["categorical"].items()
            },
            scores=None if scores is None else NumericReference.from_dict(scores),
        )


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one feature (or of the scores, ``kind == "prediction"``)."""

    name: str
    kind: Kind
    psi: float
    psi_band: Band
    method: Method
    statistic: float
    p_value: float | None  # tests only; distances have none
    threshold: float  # p-value threshold for tests, distance threshold otherwise
    drifted: bool
    n_current: int
    n_missing: int
    bins: tuple[str, ...]
    reference_shares: tuple[float, ...]
    current_shares: tuple[float, ...]
    unseen: Mapping[str, int] = field(default_factory=dict)  # up to 10 unseen categories
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "psi": self.psi,
            "psi_band": self.psi_band,
            "method": self.method,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "n_current": self.n_current,
            "n_missing": self.n_missing,
            "bins": list(self.bins),
            "reference_shares": list(self.reference_shares),
            "current_shares": list(self.current_shares),
            "unseen": dict(self.unseen),
            "note": self.note,
        }


@dataclass(frozen=True)
class DriftReport:
    """Per-feature drift, the dataset verdict and (if scores were given) prediction drift."""

    n_reference: int
    n_current: int
    features: tuple[FeatureDrift, ...]
    share_drifted: float
    dataset_drift: bool
    prediction: FeatureDrift | None = None

    def feature(self, name: str) -> FeatureDrift:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def drifted_features(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features if f.drifted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "features": [f.to_dict() for f in self.features],
            "share_drifted": self.share_drifted,
            "dataset_drift": self.dataset_drift,
            "prediction": None if self.prediction is None else self.prediction.to_dict(),
        }


def feature_drift(
    reference: DriftReference,
    current: Table,
    *,
    scores: Column | None = None,
    settings: DriftSettings | None = None,
) -> DriftReport:
    """Compare ``current`` rows (or columns) with ``reference``; see the module docstring.

    ``scores`` (the current ``p_bad``) adds prediction drift when the reference has scores.
    Features missing from ``current`` count as entirely missing. Never raises on finite input.
    """
    s = settings or DriftSettings()
    n = _n_rows(current)
    large = reference.n_rows > s.large_reference
    cols = _columns(current, [*reference.numeric, *reference.categorical])
    results: list[FeatureDrift] = []
    for name, num in reference.numeric.items():
        results.append(_numeric_drift(name, "numeric", num, cols[name], large, s))
    for name, cat in reference.categorical.items():
        results.append(_categorical_drift(name, cat, cols[name], large, s))
    drifted = sum(f.drifted for f in results)
    share = drifted / len(results) if results else 0.0
    prediction = None
    if scores is not None and reference.scores is not None:
        prediction = prediction_drift(reference.scores, scores, large=large, settings=s)
    return DriftReport(
        n_reference=reference.n_rows,
        n_current=n,
        features=tuple(results),
        share_drifted=share,
        dataset_drift=bool(results) and share >= s.dataset_share,
        prediction=prediction,
    )


def prediction_drift(
    reference_scores: NumericReference,
    scores: Column,
    *,
    large: bool | None = None,
    settings: DriftSettings | None = None,
) -> FeatureDrift:
    """Drift of ``p_bad`` scores: PSI over the reference score deciles, plus KS/Wasserstein.

    ``large`` picks the distance instead of the test (default: reference above
    ``settings.large_reference`` scores).
    """
    s = settings or DriftSettings()
    if large is None:
        large = reference_scores.n_values > s.large_reference
    return _numeric_drift("p_bad", "prediction", reference_scores, scores, large, s)


# --------------------------------------------------------------------------------------------
# Per-feature computations
# --------------------------------------------------------------------------------------------


def _numeric_drift(
    name: str,
    kind: Kind,
    ref: NumericReference,
    values: Column,
    large: bool,
    s: DriftSettings,
) -> FeatureDrift:
    x = as_float(values)
    edges = np.asarray(ref.edges, dtype=np.float64)
    counts = _numeric_counts(x, edges)
    finite = x[~np.isnan(x)]
    sample = np.asarray(ref.sample, dtype=np.float64)
    method: Method
    p_value: float | None
    if large:
        method, p_value, threshold = "wasserstein", None, s.distance
        scale = _safe_scale(sample, finite)
        distance = wasserstein_distance(sample / scale, finite / scale)
        statistic = distance / (max(ref.std, 1e-3) / scale)
        verdict = statistic >= threshold
    else:
        method, threshold = "ks", s.p_value
        statistic, p_value = ks_test(sample, finite, n_reference=ref.n_values)
        verdict = p_value < threshold
    return _finish(
        name, kind, method, statistic, p_value, threshold, verdict, finite.size,
        ref.counts, counts, ref.labels(), {}, int(x.size - finite.size), s,
    )  # fmt: skip


def _categorical_drift(
    name: str,
    ref: CategoricalReference,
    values: Column,
    large: bool,
    s: DriftSettings,
) -> FeatureDrift:
    unseen_slot = len(ref.categories)
    codes = category_codes(values, ref.index(), unseen_slot)
    counts = np.bincount(codes, minlength=unseen_slot + 1)
    ref_counts = np.asarray(ref.counts, dtype=np.float64)
    method: Method
    p_value: float | None
    if large:
        method, p_value, threshold = "jensen_shannon", None, s.distance
        statistic = jensen_shannon_distance(ref_counts, counts.astype(np.float64))
        verdict = statistic >= threshold
    else:
        method, threshold = "chi2", s.p_value
        statistic, p_value = chi2_homogeneity(ref_counts, counts.astype(np.float64))
        verdict = p_value < threshold
    unseen: dict[str, int] = {}
    if counts[unseen_slot]:
        where = np.flatnonzero(codes == unseen_slot)
        tally = Counter(category_key(values[int(i)]) for i in where)
        unseen = dict(tally.most_common(10))
    missing = int(counts[ref.index()[MISSING]])
    return _finish(
        name, "categorical", method, statistic, p_value, threshold, verdict, int(codes.size),
        ref.counts, counts, ref.labels(), unseen, missing, s,
    )  # fmt: skip


def _finish(
    name: str,
    kind: Kind,
    method: Method,
    statistic: float,
    p_value: float | None,
    threshold: float,
    verdict: bool,
    n_tested: int,
    ref_counts: Sequence[int],
    counts: IntArray,
    labels: tuple[str, ...],
    unseen: dict[str, int],
    n_missing: int,
    s: DriftSettings,
) -> FeatureDrift:
    expected = np.asarray(ref_counts, dtype=np.float64)
    actual = counts.astype(np.float64)
    value = population_stability_index(expected, actual, epsilon=s.epsilon)
    n_current = int(actual.sum())
    note = ""
    if n_tested < s.min_current:
        verdict = False
        note = f"only {n_tested} current values (< {s.min_current}): not judged"
    return FeatureDrift(
        name=name,
        kind=kind,
        psi=value,
        psi_band=psi_band(value, s),
        method=method,
        statistic=float(statistic),
        p_value=None if p_value is None else float(p_value),
        threshold=threshold,
        drifted=bool(verdict),
        n_current=n_current,
        n_missing=n_missing,
        bins=labels,
        reference_shares=tuple(float(v) for v in _shares(expected)),
        current_shares=tuple(float(v) for v in _shares(actual)),
        unseen=unseen,
        note=note,
    )


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
    e = _smoothed(e, epsilon)
    a = _smoothed(a, epsilon)
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


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def as_float(values: Column) -> FloatArray:
    """Values as float64; ``None``, unparsable and non-finite values become NaN (= missing)."""
    try:
        x = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        x = np.fromiter((_to_float(v) for v in values), dtype=np.float64, count=len(values))
    x[~np.isfinite(x)] = np.nan
    return x


def category_key(value: object) -> str:
    """The category a raw value counts as: strings as-is, ``None``/NaN → :data:`MISSING`."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def category_codes(values: Column, index: Mapping[str, int], unseen: int) -> IntArray:
    """Bin of each value (``unseen`` for categories not in ``index``).

    Each *distinct* value is resolved once, then one C-level dict lookup per value. Values equal
    under Python's ``==`` (``1``, ``1.0``, ``True``) count as one category.
    """
    items = values.tolist() if isinstance(values, np.ndarray) else values
    try:
        lookup = {v: index.get(category_key(v), unseen) for v in set(items)}
        return np.fromiter(map(lookup.__getitem__, items), dtype=np.intp, count=len(items))
    except TypeError:  # unhashable values: resolve one by one
        keys = (index.get(category_key(v), unseen) for v in items)
        return np.fromiter(keys, dtype=np.intp, count=len(items))


def _to_float(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


def _numeric_counts(x: FloatArray, edges: FloatArray) -> IntArray:
    nbins = edges.size + 1
    missing = np.isnan(x)
    codes = np.searchsorted(edges, x, side="left")
    codes[missing] = nbins
    return np.bincount(codes, minlength=nbins + 1)


def _safe_scale(*arrays: FloatArray) -> float:
    """A power of two to divide by (exactly) so sums and differences cannot overflow."""
    top = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    return 1.0 if top < 1e150 else math.ldexp(1.0, math.frexp(top)[1] - 1)


def _shares(counts: FloatArray) -> FloatArray:
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def _smoothed(counts: FloatArray, epsilon: float) -> FloatArray:
    shares: FloatArray = np.maximum(counts / counts.sum(), epsilon)
    smoothed: FloatArray = shares / shares.sum()
    return smoothed


def _n_rows(table: Table) -> int:
    if isinstance(table, Mapping):
        return max((len(c) for c in table.values()), default=0)
    return len(table)


def _columns(table: Table, names: Sequence[str]) -> dict[str, Column]:
    """The named columns; from rows in one transposing pass (missing keys → ``None``)."""
    n = _n_rows(table)
    if isinstance(table, Mapping):
        return {name: table.get(name, [None] * n) for name in names}
    if not names:
        return {}
    try:
        picked = map(itemgetter(*names), table)
        transposed = list(zip(*picked, strict=True)) if len(names) > 1 else [list(picked)]
    except (KeyError, IndexError, TypeError):  # a row lacks a key: slow path
        transposed = [[row.get(name) for row in table] for name in names]
    if not transposed:
        transposed = [[] for _ in names]
    return dict(zip(names, transposed, strict=True))
