"""Which model decides, folded from the log (events/deployment.py).

Run: ``python benchmarks/bench_deployments.py [--quick]``. Builds a SQLite store of
100,000 cases (300,000 events; 10,000 cases with --quick) with one promoted model, then
times the first fold over the whole log (paid once per process) against a raw scan of the
same rows' topics (the floor), and the incremental fold after one more event.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events.deployment import Deployments  # noqa: E402
from events.domain import ModelVersion  # noqa: E402
from events.store import open_log  # noqa: E402
from tests.events.helpers import new_case  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    cases = 10_000 if parser.parse_args().quick else 100_000
    path = Path(tempfile.mkdtemp()) / "store.sqlite"
    log = open_log(str(path))
    model = ModelVersion.register(domain="credit", version="m1", actor="docket/ci",
                                  role="system", card={"data_fingerprint": "x", "metrics": {}})
    model.promote(evidence={"reason": "bench"}, actor="docket/ci", role="system")
    log.save(model)
    for start in range(0, cases, 1000):
        log.save(*[new_case(f"C{start + i}") for i in range(1000)])
    print(f"store: {log.event_count():,} events")
    first, raw, tail = [], [], []
    for _ in range(5):
        fold = Deployments()
        t = time.perf_counter()
        fold.follow(log)
        first.append(time.perf_counter() - t)
        assert fold.deployed("credit").champion == "m1"
        con = sqlite3.connect(path)
        t = time.perf_counter()
        con.execute("SELECT count(*) FROM stored_events WHERE topic LIKE '%ModelVersion%'")
        raw.append(time.perf_counter() - t)
        con.close()
        log.save(new_case(f"T{len(tail)}"))
        t = time.perf_counter()
        fold.follow(log)
        tail.append(time.perf_counter() - t)

    def show(label: str, values: list[float], scale: float, unit: str) -> None:
        mean, sd = statistics.mean(values) * scale, statistics.stdev(values) * scale
        print(f"{label}: {mean:.2f} ± {sd:.2f} {unit} (5 runs)")

    show("first fold over the whole log", first, 1, "s")
    show("raw topic scan of the same table (floor)", raw, 1, "s")
    show("fold after one more event", tail, 1000, "ms")


if __name__ == "__main__":
    main()
