"""Screening one applicant note: the learned detector, the rules, and both with redaction.

    python benchmarks/bench_note_screening.py [--quick]

Figures (target: the learned detector's p99 < 2 ms on a typical note): the detector alone
(featurise + onnxruntime), the rules alone (``scan_note`` without a model), and the whole
input step (``prepare_input`` with the model: redaction, rules, model). Baseline in the same
run: ``str.lower`` + a split into words of the same note, the floor of any text work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.screening.detector import default_detector  # noqa: E402
from guardrails import prepare_input, scan_note  # noqa: E402

NOTE = ("I need the loan for a used car so I can commute to my new job. I have been with my "
        "employer for six years and my income is stable; please tell me in your reply if "
        "anything is missing. Thank you.")


def timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    for _ in range(min(200, repeats)):
        run()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1e3, samples[int(0.99 * (len(samples) - 1))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    repeats = 300 if parser.parse_args().quick else 3000
    model = default_detector()
    print(f"load average {os.getloadavg()[0]:.1f}; note of {len(NOTE)} characters")
    base = timed(lambda: NOTE.lower().split(), repeats)
    for name, run in (("learned detector", lambda: model.probability(NOTE)),
                      ("rules (scan_note)", lambda: scan_note(NOTE)),
                      ("prepare_input with the model", lambda: prepare_input({}, NOTE, model))):
        p50, p99 = timed(run, repeats)
        print(f"{name:30} p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({p50 / base[0]:.0f}x baseline p50)")
    print(f"{'baseline lower+split':30} p50 {base[0] * 1e3:.1f} us  p99 {base[1] * 1e3:.1f} us")


if __name__ == "__main__":
    main()
