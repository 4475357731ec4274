"""Drift of 100,000 recent cases against the training reference (target: < 5 s).

Recent cases are real German credit rows resampled with replacement (seeded). Measured:

* ``feature_drift`` on row dicts (as a read model gives them) and on columns, with prediction
  drift on scores, the reference fitted from the 1,000 training rows;
* the same on a 5,000-row reference (Wasserstein / Jensen-Shannon path);
* a naive baseline in the same run: a pure-Python per-row loop (linear scan of the bin edges,
  dict counts, PSI) on a subset, extrapolated linearly to the full size.

Run: ``python benchmarks/bench_drift.py`` (``--quick``: 20,000 cases, one repeat).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.monitoring.drift import feature_drift  # noqa: E402
from assistant.monitoring.drift_reference import DriftReference  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402

TARGET_SECONDS = 5.0


def load() -> tuple[list[dict[str, object]], list[str], list[str]]:
    """The credit pack's data and feature lists, exactly as ``docket monitor`` uses them."""
    from assistant.domains import get_pack

    pack = get_pack("credit")
    rows: list[dict[str, object]] = [dict(r) for r in pack.load_dataset().rows]
    return rows, list(pack.numeric), list(pack.categorical)


def scores(rows: Sequence[Mapping[str, object]]) -> NDArray[np.float64]:
    duration = np.array([float(r["duration_in_month"]) for r in rows])  # type: ignore[arg-type]
    amount = np.array([float(r["credit_amount"]) for r in rows])  # type: ignore[arg-type]
    p: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-(-2.5 + 0.05 * duration + 0.00005 * amount)))
    return p


def timed(fn: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def naive_psi(reference: DriftReference, rows: Sequence[Mapping[str, object]]) -> dict[str, float]:
    """Per-row Python loop: scan edges, count in dicts, PSI with the same epsilon floor."""
    out: dict[str, float] = {}
    for name, ref in reference.numeric.items():
        counts = [0] * len(ref.counts)
        for row in rows:
            value = row.get(name)
            if value is None:
                counts[-1] += 1
                continue
            b = 0
            while b < len(ref.edges) and float(value) > ref.edges[b]:  # type: ignore[arg-type]
                b += 1
            counts[b] += 1
        out[name] = _psi(ref.counts, counts)
    for name, cat in reference.categorical.items():
        tally: dict[str, int] = {}
        for row in rows:
            key = str(row.get(name))
            tally[key] = tally.get(key, 0) + 1
        counts = [tally.pop(c, 0) for c in cat.categories] + [sum(tally.values())]
        out[name] = _psi(cat.counts, counts)
    return out


def _psi(expected: Sequence[int], actual: Sequence[int], eps: float = 1e-4) -> float:
    def shares(c: Sequence[int]) -> list[float]:
        floored = [max(v / sum(c), eps) for v in c]
        return [v / sum(floored) for v in floored]

    e, a = shares(expected), shares(actual)
    return sum((ai - ei) * math.log(ai / ei) for ei, ai in zip(e, a, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 cases, one repeat")
    parser.add_argument("--n", type=int, default=None, help="number of recent cases")
    add_json_option(parser)
    args = parser.parse_args()
    n = args.n or (20_000 if args.quick else 100_000)
    repeats = 1 if args.quick else 3

    rows, numeric, categorical = load()
    rng = np.random.default_rng(0)
    current = [rows[i] for i in rng.integers(0, len(rows), size=n)]
    current_scores = scores(current)
    columns = {c: [r[c] for r in current] for c in numeric + categorical}
    big = [rows[i] for i in rng.integers(0, len(rows), size=5000)]

    fit_s = timed(lambda: DriftReference.fit(rows, numeric, categorical), repeats)
    ref = DriftReference.fit(rows, numeric, categorical, scores=scores(rows))
    ref_big = DriftReference.fit(big, numeric, categorical, scores=scores(big))

    rows_s = timed(lambda: feature_drift(ref, current, scores=current_scores), repeats)
    cols_s = timed(lambda: feature_drift(ref, columns, scores=current_scores), repeats)
    big_s = timed(lambda: feature_drift(ref_big, current, scores=current_scores), repeats)

    subset = current[: max(1, n // 10)]
    naive_subset_s = timed(lambda: naive_psi(ref, subset), 1)
    naive_s = naive_subset_s * n / len(subset)

    report = feature_drift(ref, current, scores=current_scores)
    check = naive_psi(ref, subset)
    small = feature_drift(ref, subset)
    agree = max(abs(check[f.name] - f.psi) for f in small.features)

    print(f"bench_drift: {n:,} recent cases x {len(numeric) + len(categorical)} features,"
          f" reference {len(rows):,} rows; median of {repeats}")  # fmt: skip
    print(f"  fit reference (1,000 rows)            {fit_s * 1000:8.1f} ms")
    print(f"  feature_drift, row dicts (KS/chi2)    {rows_s:8.3f} s   target < {TARGET_SECONDS} s"
          f"  {'OK' if rows_s < TARGET_SECONDS else 'MISSED'}")  # fmt: skip
    print(f"  feature_drift, columns               {cols_s:8.3f} s")
    print(f"  feature_drift, 5,000-row reference    {big_s:8.3f} s   (Wasserstein/JS)")
    scale = n / len(subset)
    print(f"  naive Python loop PSI only (est.)     {naive_s:8.3f} s   "
          f"({len(subset):,} rows: {naive_subset_s:.3f} s, x{scale:.0f})")  # fmt: skip
    print(f"  ratio naive / feature_drift (rows)    {naive_s / rows_s:8.1f}x")
    print(f"  ratio naive / feature_drift (columns) {naive_s / cols_s:8.1f}x")
    print(f"  PSI agreement with the naive loop     {agree:.1e} (max abs diff on the subset)")
    print(f"  sanity: dataset drift {report.dataset_drift},"
          f" drifted features {len(report.drifted_features)}")  # fmt: skip
    for name, value in (("cases", n), ("features", len(numeric) + len(categorical)),
                        ("drift_rows_s", rows_s), ("drift_columns_s", cols_s),
                        ("naive_psi_s", naive_s)):
        record(name, value)
    write_json(args.json)


if __name__ == "__main__":
    main()
