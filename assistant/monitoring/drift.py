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
   * a statistical verdict: a two-sample Kolmogorov–Smirnov test for numbers and a Pearson
     chi-squared test of homogeneity for categories (categories expected fewer than 5 times
     pooled), drifted when ``p < 0.05``, at any reference size. (Evidently switches to the
     Wasserstein-1 distance over the reference standard deviation and the Jensen–Shannon
     distance, drifted at ``≥ 0.1``, above 1,000 reference rows; that fixed threshold raised
     false alarms on samples of the reference itself, so it is opt-in:
     ``DriftSettings(large_reference=1000)``.)

   The dataset drifts when at least 50% of the features drift. Prediction drift applies the
   numeric machinery to ``p_bad`` scores against the reference scores.

The ``drifted`` flag is the statistical verdict (it adapts to sample size); PSI measures how
*much* moved. ``assistant.monitoring.health.evaluate_alerts`` alerts on features that are both
drifted and at least moderately shifted by PSI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.monitoring.drift_base import (
    MISSING,
    Band,
    Column,
    DriftSettings,
    FloatArray,
    IntArray,
    Kind,
    Method,
    Table,
    as_float,
    category_codes,
    category_key,
    columns_of,
    n_rows,
    numeric_counts,
    safe_scale,
    shares,
)
from assistant.monitoring.drift_reference import (
    CategoricalReference,
    DriftReference,
    NumericReference,
)
from assistant.monitoring.drift_stats import (
    chi2_homogeneity,
    jensen_shannon_distance,
    ks_test,
    population_stability_index,
    psi_band,
    wasserstein_distance,
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
    n = n_rows(current)
    large = s.large_reference is not None and reference.n_rows > s.large_reference
    cols = columns_of(current, [*reference.numeric, *reference.categorical])
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
        large = s.large_reference is not None and reference_scores.n_values > s.large_reference
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
    counts = numeric_counts(x, edges)
    finite = x[~np.isnan(x)]
    sample = np.asarray(ref.sample, dtype=np.float64)
    method: Method
    p_value: float | None
    if large:
        method, p_value, threshold = "wasserstein", None, s.distance
        scale = safe_scale(sample, finite)
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
        pooled_ref, pooled_cur = pool_sparse(ref_counts, counts.astype(np.float64), s.min_expected)
        statistic, p_value = chi2_homogeneity(pooled_ref, pooled_cur)
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


def pool_sparse(
    reference: FloatArray, current: FloatArray, min_expected: float
) -> tuple[FloatArray, FloatArray]:
    """Pool the categories the current sample should hold fewer than ``min_expected`` times.

    The chi-squared approximation overstates the evidence of sparse cells (a category seen
    5 times in 1,000 reference rows turning up 3 times in 100 cases gives p ≈ 0.001), so they
    are tested together. The last slot (categories unseen in training) is never pooled: an
    unseen category is drift in its own right.
    """
    n_cur = float(current.sum())
    n_ref = float(reference.sum())
    if n_cur <= 0 or n_ref <= 0 or min_expected <= 0:
        return reference, current
    body_ref, body_cur = reference[:-1], current[:-1]
    sparse = body_ref / n_ref * n_cur < min_expected
    if int(sparse.sum()) < 2:
        return reference, current
    keep = ~sparse
    pooled_ref = np.concatenate(
        [body_ref[keep], [body_ref[sparse].sum()], reference[-1:]]
    )
    pooled_cur = np.concatenate([body_cur[keep], [body_cur[sparse].sum()], current[-1:]])
    return pooled_ref, pooled_cur


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
        reference_shares=tuple(float(v) for v in shares(expected)),
        current_shares=tuple(float(v) for v in shares(actual)),
        unseen=unseen,
        note=note,
    )
