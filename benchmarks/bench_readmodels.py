"""Read-model catch-up and ingest on real stores, against another commit in the same run.

    python benchmarks/bench_readmodels.py --baseline 9c0651e               # 10,000 cases
    python benchmarks/bench_readmodels.py --baseline 9c0651e --cases 100000 --repeats 2

The stores are real (``benchmarks/make_store.py``: ``docket keys init``, ``train`` and
``ingest`` of resampled real credit rows). Every figure is measured for this checkout and for
the ``--baseline`` commit (extracted with ``git archive``), alternating, in the same run, each
measurement in a fresh process that imports that tree's code; CPU is the process's own
(``time.process_time`` around the step, or ``wait4`` for a whole ``docket`` command):

1. **replay**: every read-model table rebuilt from the whole log (what ``docket replay``, a
   read-model check and a new console pay);
2. **late events**: a copy of the store where an operator decided a share of the cases
   (accept, some overrides) and outcomes were recorded for them, its read models rebuilt up
   to the end of the ingest, then the catch-up of those later events alone, each of which
   lands on a case no batch holds (the read models must find the case's state before it);
3. **ingest**: ``docket ingest`` of ``--ingest-cases`` rows on a copy of the trained template,
   then ``docket status`` (whatever catch-up the ingest left for the next command); and the
   same ingest inside one process (start-up excluded), with the CPU of the read models
   following it (``Context.sync``) measured apart.

The load average is printed beside each figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_ingest  # noqa: E402
import make_store  # noqa: E402

DOCKET_FROM = bench_ingest.DOCKET_FROM


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


# --- measurements, each run in a process importing one tree's code (``--measure``) ----------


def measure_replay(store: Path) -> dict[str, float]:
    """CPU of rebuilding every read-model table from the whole log."""
    import assistant.domains  # noqa: F401  (registers the packs' compression dictionaries)
    from events.readmodels import rebuild
    from events.store import open_log

    log = open_log(str(store))
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        started = time.process_time()
        rebuild(log, Path(tmp) / "views.sqlite").close()
        cpu = time.process_time() - started
    return {"cpu": cpu, "events": log.event_count()}


def measure_late(store: Path, position: int) -> dict[str, float]:
    """CPU of catching up the events after ``position`` (read models rebuilt up to it)."""
    import assistant.domains  # noqa: F401
    from events.readmodels import rebuild
    from events.store import open_log

    log = open_log(str(store))
    with tempfile.TemporaryDirectory(dir=store.parent) as tmp:
        views = rebuild(log, Path(tmp) / "views.sqlite", stop=position)
        try:
            started = time.process_time()
            applied = views.catch_up(log)
            cpu = time.process_time() - started
        finally:
            views.close()
    return {"cpu": cpu, "events": applied}


def measure_ingest(template: Path, file: Path, work: Path) -> dict[str, float]:
    """CPU of ``ingest`` in this process (start-up excluded) on a copy of ``template``, and
    the part of it spent bringing the read models along (``Context.sync``)."""
    import csv

    from assistant.service import DocketService
    from assistant.usecases import context
    from events.signing import SigningKey

    path = work / "store.sqlite"
    shutil.copyfile(template, path)
    shutil.copyfile(f"{template}.views.sqlite", f"{path}.views.sqlite")
    shutil.copytree(f"{template}.data", f"{path}.data")
    data = Path(f"{path}.data")
    key = SigningKey.load(data / "keys" / "default.key")
    service = DocketService.open(str(path), keys=[key], role="operator", data_dir=data)
    with file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    following = [0.0]
    sync = context.Context.sync

    def timed_sync(self: Any, *args: Any, **kwargs: Any) -> int:
        started = time.process_time()
        try:
            return int(sync(self, *args, **kwargs))
        finally:
            following[0] += time.process_time() - started

    context.Context.sync = timed_sync  # type: ignore[method-assign]
    try:
        started = time.process_time()
        service.ingest("credit", rows)
        cpu = time.process_time() - started
    finally:
        context.Context.sync = sync  # type: ignore[method-assign]
        service.close()
    return {"cpu": cpu, "following": following[0], "cases": len(rows)}


def measured(tree: Path, *args: str) -> dict[str, float]:
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]); "
        "import bench_readmodels as b; print(json.dumps(b.MEASURES[sys.argv[3]](*sys.argv[4:])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree), str(ROOT / "benchmarks"), *args],
        capture_output=True, check=False, cwd=tree,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"measuring {args} on {tree} failed: {out.stderr.decode()[-2000:]}")
    found: dict[str, float] = json.loads(out.stdout.decode().splitlines()[-1])
    return found


MEASURES: dict[str, Callable[..., dict[str, float]]] = {
    "replay": lambda store: measure_replay(Path(store)),
    "late": lambda store, position: measure_late(Path(store), int(position)),
    "ingest": lambda template, file, work: measure_ingest(Path(template), Path(file), Path(work)),
}


# --- the stores ------------------------------------------------------------------------------


def decided_store(base: make_store.MadeStore, share: float) -> tuple[Path, int]:
    """A cached copy of ``base`` where a share of its cases was decided through the service
    (accepted; every tenth overridden) and outcomes recorded for them; and the log position
    where the ingest ended (the later events start after it)."""
    path = base.path.with_name(f"{base.path.stem}-decided{share:g}.sqlite")
    done = Path(f"{path}.made.json")
    with make_store.locked(path):
        if done.exists():
            return path, int(json.loads(done.read_text())["ingest_end"])
        shutil.copyfile(base.path, path)
        shutil.copyfile(f"{base.path}.views.sqlite", f"{path}.views.sqlite")
        shutil.rmtree(f"{path}.data", ignore_errors=True)
        shutil.copytree(base.data_dir, f"{path}.data")
        end = _decide(path, Path(f"{path}.data"), int(base.cases * share))
        done.write_text(json.dumps({"ingest_end": end, "share": share, "load": os.getloadavg()}))
    return path, end


def _decide(path: Path, data_dir: Path, n: int) -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.service import DocketService
    from assistant.views import Accept, Override
    from events.errors import InputRejected
    from events.signing import SigningKey
    from events.store import open_log

    key = SigningKey.load(data_dir / "keys" / "default.key")
    service = DocketService.open(str(path), keys=[key], role="operator", data_dir=data_dir)
    try:
        end = open_log(str(path)).event_count()  # what opening the service may have added too
        refs = [f"bench-{i + 1:07d}" for i in range(0, n * 3, 3)]  # spread over the store
        print(f"  deciding {len(refs):,} cases and recording their outcomes ({load()})")
        for i, ref in enumerate(refs):
            if i % 10 == 9:  # the other yes/no action than the recommended one
                try:
                    service.decide(ref, Override("decline", "other", "benchmark override"))
                except InputRejected:
                    service.decide(ref, Override("approve", "other", "benchmark override"))
            else:
                service.decide(ref, Accept())
        at = datetime.now(UTC).isoformat()
        service.record_outcomes(
            [{"case_ref": ref, "outcome": "good" if i % 4 else "bad", "observed_at": at,
              "source": "outside:bench"} for i, ref in enumerate(refs)]
        )  # fmt: skip
        return end
    finally:
        service.close()


# --- the run -----------------------------------------------------------------------------------


def summary(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):7.2f} ± {sd:4.2f} s"


def compare(
    what: str, count: int, unit: str, runs: dict[str, list[float]], loads: list[str]
) -> None:
    new, old = statistics.mean(runs["new"]), statistics.mean(runs["base"])
    print(f"  {what}: this tree {summary(runs['new'])} CPU ({count / new:9,.0f} {unit}/s), "
          f"baseline {summary(runs['base'])} CPU ({count / old:9,.0f} {unit}/s); "
          f"speed {old / new:.2f}x the baseline; {', '.join(loads)}")  # fmt: skip


def run_catch_up(
    trees: dict[str, Path], store: Path, cases: int, decided: Path, end: int, repeats: int
) -> None:
    replay: dict[str, list[float]] = {"new": [], "base": []}
    late: dict[str, list[float]] = {"new": [], "base": []}
    loads: list[str] = []
    events = late_events = 0
    for _ in range(repeats):
        for name, tree in trees.items():
            r = measured(tree, "replay", str(store))
            replay[name].append(r["cpu"])
            events = int(r["events"])
            late_run = measured(tree, "late", str(decided), str(end))
            late[name].append(late_run["cpu"])
            late_events = int(late_run["events"])
        loads.append(load())
    print(f"\n1. replay of {events:,} events ({cases:,} cases) into the read models:")
    compare("replay", cases, "cases", replay, loads)
    compare("replay", events, "events", replay, [])
    print(f"2. catch-up of {late_events:,} later events (decisions, outcomes) on old cases:")
    compare("late events", late_events, "events", late, [])


def run_ingest(trees: dict[str, Path], n: int, repeats: int, work: Path) -> None:
    file = work / f"ingest-{n}.csv"
    make_store.write_cases(file, "credit", n, 0.0, make_store.SEED + 7)
    template = make_store.template("credit").path
    whole: dict[str, list[float]] = {"new": [], "base": []}
    ingest: dict[str, list[float]] = {"new": [], "base": []}
    following: dict[str, list[float]] = {"new": [], "base": []}
    status: dict[str, list[float]] = {"new": [], "base": []}
    loads: list[str] = []
    for r in range(repeats):
        for name, tree in trees.items():
            made = bench_ingest.store_copy(work / f"{name}-{r}")
            docket = [sys.executable, "-c", DOCKET_FROM, str(tree)]
            env = made.env()
            whole[name].append(bench_ingest.wrapped([*docket, "ingest", str(file)], env).cpu_s)
            status[name].append(bench_ingest.wrapped([*docket, "status"], env).cpu_s)
            shutil.rmtree(made.path.parent, ignore_errors=True)
            inside = work / f"{name}-{r}-inside"
            inside.mkdir()
            found = measured(tree, "ingest", str(template), str(file), str(inside))
            ingest[name].append(found["cpu"])
            following[name].append(found["following"])
            shutil.rmtree(inside, ignore_errors=True)
        loads.append(load())
    print(f"3. ingest of {n:,} real rows:")
    compare("docket ingest (whole process, start-up included)", n, "cases", whole, loads)
    compare("docket status afterwards", n, "cases", status, [])
    compare("ingest in-process, start-up excluded", n, "cases", ingest, [])
    compare("  of which the read models following (Context.sync)", n, "cases", following, [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the commit to compare with")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--decided-share", type=float, default=0.3)
    parser.add_argument("--ingest-cases", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    print(f"bench_readmodels: this tree {head} vs baseline {args.baseline}; "
          f"{os.cpu_count()} CPUs, {load()}; machine shared with other work")  # fmt: skip
    base = make_store.ensure_store(args.cases)
    decided, end = decided_store(base, args.decided_share)
    with tempfile.TemporaryDirectory(dir=os.environ.get("DOCKET_BENCH_TMP")) as tmp:
        work = Path(tmp)
        baseline = work / "baseline"
        baseline.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        trees = {"new": ROOT, "base": baseline}
        run_catch_up(trees, base.path, args.cases, decided, end, args.repeats)
        run_ingest(trees, args.ingest_cases, max(1, args.repeats - 1), work)
    print(load())


if __name__ == "__main__":
    main()
