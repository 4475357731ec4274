"""Benchmark the decision path: one case end to end, and batch scoring.

    python benchmarks/bench_decision_path.py [--quick] [--models DIR]

Single case: validate → score → attributions → out-of-distribution check → policy through the
Orchestrator (onnxruntime, 1 thread), against the same path with scikit-learn doing the
scoring and attributions, measured in the same run (target: ONNX p99 < 2 ms).
Batch: p(bad) for 100,000 pre-validated cases through the fast array path, against
scikit-learn's ``predict_proba`` on the same rows (target: >= 100,000 cases/s).

Without ``--models`` it trains both models into a temporary directory first (2-fold CV, only
to get artifacts quickly; the figures do not depend on the CV).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.domains import get_pack  # noqa: E402
from assistant.domains.base import CaseInput, DomainPack  # noqa: E402
from assistant.orchestrator import Orchestrator  # noqa: E402
from assistant.policies import recommend  # noqa: E402
from assistant.specialists.ood import MahalanobisOod  # noqa: E402
from assistant.specialists.pipelines import (  # noqa: E402
    build_pipeline,
    dataset_matrix,
    feature_matrix,
    split_matrix,
)
from assistant.specialists.serving import OnnxSpecialist  # noqa: E402
from assistant.specialists.training import train  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]


def time_each(run: Callable[[dict[str, Any]], object], rows: list[dict[str, Any]],
              repeats: int) -> list[float]:
    samples = []
    gc.collect()
    for i in range(repeats):
        row = rows[i % len(rows)]
        started = time.perf_counter()
        run(row)
        samples.append(time.perf_counter() - started)
    return samples


def sklearn_path(pack: DomainPack, pipeline: Any, ood: MahalanobisOod) -> Callable[[Any], Any]:
    """validate → sklearn predict_proba → linear attributions from sklearn → OOD → policy."""
    pre, clf = pipeline.named_steps["pre"], pipeline.named_steps["clf"]

    def run(raw: dict[str, Any]) -> object:
        case = pack.validate(raw)
        assert isinstance(case, CaseInput)
        x = feature_matrix(pack, [case.values])  # one row: strings, then float32 numbers
        p_bad = float(pipeline.predict_proba(x)[0, 1])
        _contributions = pre.transform(x)[0] * clf.coef_[0]
        result = ood.check_batch([case.values])[0]
        return recommend(p_bad, result, pack.default_policy)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--models", type=Path, help="directory with trained artifacts")
    add_json_option(parser)
    args = parser.parse_args()
    repeats, batch_rows = (300, 20_000) if args.quick else (3000, 100_000)

    pack = get_pack("credit")
    data = pack.load_dataset()
    raws: list[dict[str, Any]] = [dict(r) for r in data.rows]
    if args.models is None:
        root = Path(tempfile.mkdtemp(prefix="docket-bench-"))
        print("training both models (2-fold CV) ...", flush=True)
        paths: dict[str, Path] = {m.kind: m.path for m in train(pack, root, folds=2)}
    else:
        paths = {kind: max(args.models.glob(f"{pack.name}-{kind}-*"),
                           key=lambda p: p.stat().st_mtime)
                 for kind in ("logreg", "gbt")}

    x, y = dataset_matrix(pack, data)
    pipeline = build_pipeline("logreg", pack).fit(x, y)
    trees = build_pipeline("gbt", pack).fit(x, y)
    gc.collect()
    gc.freeze()  # as a long-running server would after start-up: no full GC of setup objects
    print(f"single case, {repeats} runs, 1 thread: validate → score → attributions → OOD → policy")
    figures = {}
    for kind in ("logreg", "gbt"):
        orchestrator = Orchestrator.from_artifacts(pack, champion=paths[kind])
        assert orchestrator.specialist is not None, orchestrator.unavailable_reason
        time_each(orchestrator.assess, raws, 50)  # warm up
        figures[kind] = percentiles(time_each(orchestrator.assess, raws, repeats))
    ood = MahalanobisOod.load(paths["logreg"])
    slow = sklearn_path(pack, pipeline, ood)
    time_each(slow, raws, 20)
    figures["sklearn"] = percentiles(time_each(slow, raws, max(repeats // 5, 50)))
    sk_p50, sk_p99 = figures["sklearn"]
    for kind, (p50, p99) in figures.items():
        record(f"case_{kind}_p50_ms", p50)
        record(f"case_{kind}_p99_ms", p99)
    for kind, label in (("logreg", "onnx logreg (exact attributions)"),
                        ("gbt", "onnx gbt (occlusion attributions)")):
        p50, p99 = figures[kind]
        verdict = "ok" if p99 < 2.0 else "ABOVE 2 ms TARGET"
        print(f"  {label:36} p50 {p50:6.3f} ms  p99 {p99:6.3f} ms  "
              f"({sk_p50 / p50:5.1f}x faster than sklearn at p50) {verdict}")
    print(f"  {'sklearn logreg (same path)':36} p50 {sk_p50:6.3f} ms  p99 {sk_p99:6.3f} ms")

    print(f"batch scoring, {batch_rows:,} cases (pre-validated), p(bad) only")
    rng = np.random.default_rng(0)
    picked = rng.integers(0, len(raws), size=batch_rows)
    big = x[picked]
    cat, num = split_matrix(big, len(pack.categorical))
    sklearn_rates = {}
    for kind, model in (("logreg", pipeline), ("gbt", trees)):
        started = time.perf_counter()
        model.predict_proba(big)
        sklearn_rates[kind] = batch_rows / (time.perf_counter() - started)
    for kind in ("logreg", "gbt"):
        for threads in (1, 2):
            specialist = OnnxSpecialist.load(paths[kind], threads=threads)
            specialist.predict_arrays(cat[:1000], num[:1000])
            best = float("inf")
            for _ in range(1 if args.quick else 3):
                started = time.perf_counter()
                specialist.predict_arrays(cat, num)
                best = min(best, time.perf_counter() - started)
            rate = batch_rows / best
            record(f"batch_{kind}_{threads}_thread_per_s", rate)
            verdict = "ok" if rate >= 100_000 else "BELOW 100k/s TARGET"
            ratio = f"({rate / sklearn_rates[kind]:4.1f}x sklearn {kind})"
            print(f"  onnx {kind:6} {threads} thread(s): {rate:12,.0f} cases/s {ratio} {verdict}")
    for kind, rate in sklearn_rates.items():
        record(f"batch_sklearn_{kind}_per_s", rate)
        print(f"  sklearn {kind:6} predict_proba: {rate:12,.0f} cases/s")

    orchestrator = Orchestrator.from_artifacts(pack, champion=paths["logreg"])
    sample = [raws[i] for i in picked[:10_000]]
    started = time.perf_counter()
    orchestrator.assess_batch(sample)
    rate = len(sample) / (time.perf_counter() - started)
    print(f"ingest path (validate + score + attributions + OOD + policy), logreg: "
          f"{rate:,.0f} cases/s")
    record("batch_rows", batch_rows)
    write_json(args.json)


if __name__ == "__main__":
    main()
