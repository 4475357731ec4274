"""Screening one applicant note: the rules, the learned detector, and the whole input step.

    python benchmarks/bench_note_screening.py [--quick] [--old REV | --old none] [--json FILE]

Part 1, the rules (``scan_note``) and the whole input step (``prepare_input`` with the
shipped detector: redaction, rules, model) now vs at git revision ``--old`` (default: the
commit before the literal prefilter), in the same run: the old ``guardrails`` package is
exported from git into a temporary directory and both run in fresh subprocesses,
alternating, on the same texts: every red-team and personal-data text in
``evals/datasets`` and a typical note. Each run reports the per-note CPU time over the
corpus and p50/p99 wall latency on the typical note; the results of both on every text
(scan: flagged, rules, detail; input step: the note sent and every verdict) must be equal.

Part 2, this checkout in process: the learned detector alone, the rules alone and the
whole input step (``prepare_input`` with the model: redaction, rules, model), p50/p99.
Baseline in the same run: ``str.lower`` + a split into words of the same note.
``--old none`` runs part 2 alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.screening.detector import default_detector  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from guardrails import prepare_input, scan_note  # noqa: E402

#: The last commit whose rules ran every pattern on every text.
BEFORE_PREFILTER = "9c0651e"

NOTE = ("I need the loan for a used car so I can commute to my new job. I have been with my "
        "employer for six years and my income is stable; please tell me in your reply if "
        "anything is missing. Thank you.")

# Runs in a subprocess with one guardrails package first on sys.path.
WORKER = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])  # this guardrails package first
sys.path.append(sys.argv[4])  # the checkout's assistant package (the ONNX detector)
from guardrails import prepare_input, scan_note
from assistant.screening.detector import default_detector
model = default_detector()
texts = json.load(open(sys.argv[2], encoding="utf-8"))
note, repeats = texts[0], int(sys.argv[3])
def step(text):
    return prepare_input({"name": "Jane Doe"}, text, model)
verdicts = [[s.flagged, list(s.rules), s.detail] for s in map(scan_note, texts)]
prepared = [[p.note, [[v.rule, v.outcome, v.detail] for v in p.verdicts]] for p in map(step, texts)]
def cpu(run):
    start = time.process_time()
    for text in texts:
        run(text)
    return (time.process_time() - start) / len(texts) * 1e3
rules_ms, step_ms = cpu(scan_note), cpu(step)
samples = {"rules": [], "step": []}
for _ in range(repeats):
    for key, run in (("rules", scan_note), ("step", step)):
        t = time.perf_counter(); run(note); samples[key].append(time.perf_counter() - t)
out = {"rules_ms": rules_ms, "step_ms": step_ms, "verdicts": verdicts, "prepared": prepared}
for key, values in samples.items():
    values.sort()
    out[key + "_p50_ms"] = statistics.median(values) * 1e3
    out[key + "_p99_ms"] = values[int(0.99 * (len(values) - 1))] * 1e3
print(json.dumps(out))
"""

def corpus() -> list[str]:
    texts = [NOTE]
    for path in sorted((ROOT / "evals" / "datasets").glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(str(row.get("text") or row.get("note") or ""))
    return texts


def export_old(revision: str, into: Path) -> None:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "guardrails"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def compare(revision: str, rounds: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        old_root = Path(tmp) / "old"
        export_old(revision, old_root)
        texts_file = Path(tmp) / "texts.json"
        texts = corpus()
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        runs: dict[str, list[dict[str, object]]] = {"old": [], "new": []}
        for _ in range(rounds):
            for label, root in (("old", old_root), ("new", ROOT)):
                out = subprocess.run([sys.executable, "-c", WORKER, str(root), str(texts_file),
                                      str(repeats), str(ROOT)], check=True,
                                     capture_output=True, text=True, cwd=tmp).stdout
                runs[label].append(json.loads(out))
        old_run, new_run = runs["old"][0], runs["new"][0]
        differing = sum(a != b for key in ("verdicts", "prepared")
                        for a, b in zip(old_run[key], new_run[key], strict=True))  # type: ignore[call-overload]
        flagged = sum(v[0] for v in new_run["verdicts"])  # type: ignore[attr-defined]
        print(f"guardrails at {revision} vs this checkout: {len(texts)} texts ({flagged} flagged"
              f" by the rules); {differing} differ in scan_note or prepare_input (note sent,"
              " verdicts)")

        def figure(key: str, label: str) -> list[float]:
            return [float(run[key]) for run in runs[label]]  # type: ignore[arg-type]

        for key, what in (("rules_ms", "rules: CPU ms/text, corpus"),
                          ("rules_p50_ms", "rules: typical note p50 ms"),
                          ("rules_p99_ms", "rules: typical note p99 ms"),
                          ("step_ms", "input step: CPU ms/text, corpus"),
                          ("step_p50_ms", "input step: typical note p50 ms"),
                          ("step_p99_ms", "input step: typical note p99 ms")):
            old, new = figure(key, "old"), figure(key, "new")
            ratios = [o / n for o, n in zip(old, new, strict=True)]
            print(f"  {what:30} old {statistics.mean(old):.3f} +- {statistics.stdev(old):.3f}"
                  f"  new {statistics.mean(new):.3f} +- {statistics.stdev(new):.3f}"
                  f"  ratio {statistics.mean(ratios):.1f} +- {statistics.stdev(ratios):.1f}")
        if differing:
            raise SystemExit("verdicts differ: the prefilter changed a result")


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
    parser.add_argument("--old", default=BEFORE_PREFILTER,
                        help="git revision to compare with ('none': no comparison)")
    add_json_option(parser)
    args = parser.parse_args()
    repeats = 300 if args.quick else 3000
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores); note of {len(NOTE)} characters")
    if args.old != "none":
        compare(args.old, 3 if args.quick else 5, repeats)
    model = default_detector()
    base = timed(lambda: NOTE.lower().split(), repeats)
    record("lower_split_p50_ms", base[0])
    record("lower_split_p99_ms", base[1])
    for key, name, run in (
        ("detector", "learned detector", lambda: model.probability(NOTE)),
        ("rules", "rules (scan_note)", lambda: scan_note(NOTE)),
        ("input_step", "prepare_input with the model", lambda: prepare_input({}, NOTE, model)),
    ):
        p50, p99 = timed(run, repeats)
        record(f"{key}_p50_ms", p50)
        record(f"{key}_p99_ms", p99)
        print(f"{name:30} p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({p50 / base[0]:.0f}x baseline p50)")
    print(f"{'baseline lower+split':30} p50 {base[0] * 1e3:.1f} us  p99 {base[1] * 1e3:.1f} us")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    write_json(args.json)


if __name__ == "__main__":
    main()
