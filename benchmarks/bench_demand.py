"""Benchmark the "how much" decision path of the demand pack: one hour end to end.

    python benchmarks/bench_demand.py [--quick]

Single hour: validate → predict five quantiles (onnxruntime, 1 thread) → OOD check →
newsvendor order with its expected cost, through the Forecaster; against, in the same run,
the same prediction made by scikit-learn's five pipelines on a one-row array (the order and
the rest unchanged). Also the policy alone (critical fractile, two candidate packs, expected
cost over a 2,000-point grid) and the cost curve the case screen draws. Target: p99 < 2 ms.

It trains a small model on the first 3,000 hours into a temporary directory first (the
timings do not depend on the model's quality).
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

from assistant.domains import get_quantity_pack  # noqa: E402
from assistant.forecasting import Forecaster  # noqa: E402
from assistant.policies.quantity import cost_curve, recommend_quantity  # noqa: E402
from assistant.specialists.quantile import (  # noqa: E402
    TreeSettings,
    feature_matrix,
    fit_levels,
    predict_levels,
)
from assistant.specialists.quantile_training import train_quantiles  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402

TRAIN_HOURS = 3000


def percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    return statistics.median(ms), ms[min(len(ms) - 1, int(0.99 * len(ms)))]


def time_each(run: Callable[[Any], object], items: list[Any], repeats: int) -> list[float]:
    samples = []
    gc.collect()
    for i in range(repeats):
        item = items[i % len(items)]
        started = time.perf_counter()
        run(item)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    add_json_option(parser)
    args = parser.parse_args()
    repeats = 300 if args.quick else 3000
    pack = get_quantity_pack("demand")
    h = pack.history
    policy = pack.default_policy
    settings = TreeSettings()  # the shipped settings: the model served is this size
    with tempfile.TemporaryDirectory() as root:
        trained = train_quantiles(pack, h.rows[:TRAIN_HOURS], h.demand[:TRAIN_HOURS],
                                  h.hour_index[:TRAIN_HOURS], h.sha256, root,
                                  settings=settings, validation_hours=14 * 24)
        forecaster = Forecaster.from_artifacts(pack, policy, trained.path)
        rows = [dict(r) for r in h.rows[TRAIN_HOURS:TRAIN_HOURS + 500]]
        forecaster.assess_batch(rows[:10])  # warm up
        onnx = time_each(lambda row: forecaster.assess_batch([row]), rows, repeats)

        pipelines = fit_levels(pack, feature_matrix(pack, h.rows[:TRAIN_HOURS]),
                               np.asarray(h.demand[:TRAIN_HOURS], float),
                               pack.shape.quantiles, settings=settings)
        levels = pack.shape.quantiles

        def sklearn_path(row: dict[str, Any]) -> object:
            checked = pack.validate_case(row)
            predicted = predict_levels(pipelines, feature_matrix(pack, [row]))[0]
            return checked, recommend_quantity(levels, sorted(predicted), policy)

        sk = time_each(sklearn_path, rows, max(repeats // 10, 50))
        predicted = [a.quantiles for a in forecaster.assess_batch(rows)]
        policy_only = time_each(lambda q: recommend_quantity(levels, q, policy), predicted,
                                repeats)
        curve = time_each(lambda q: cost_curve(levels, q, policy, 100), predicted, repeats)
    for key, name, samples in (("hour", "one hour, onnxruntime (Forecaster)", onnx),
                               ("hour_sklearn", "one hour, scikit-learn prediction", sk),
                               ("policy", "policy alone (order + expected cost)", policy_only),
                               ("cost_curve", "cost curve, 7 orders", curve)):
        p50, p99 = percentiles(samples)
        record(f"{key}_p50_ms", p50)
        record(f"{key}_p99_ms", p99)
        print(f"{name:40} p50 {p50:.3f} ms  p99 {p99:.3f} ms  (n={len(samples)})")
    print(f"scikit-learn / onnxruntime at p50: {percentiles(sk)[0] / percentiles(onnx)[0]:.1f}x")
    write_json(args.json)


if __name__ == "__main__":
    main()
