"""The floor under a one-process replay: what reading, decoding and writing cost with no
Python of ours in between, beside the replay itself, in the same run, on the same store.

    python benchmarks/bench_replay_floor.py --cases 100000 --baseline 0f12810 --repeats 3
    python benchmarks/bench_replay_floor.py --store /tmp/docket-stores/credit-100000.sqlite

A replay (``events.readmodels.replayed``, ``workers=1``) reads each stored row, inflates and
decodes its state, folds it into its case's state and writes the case's row. Measured, CPU
only (``time.process_time``, the machine is shared), each in a fresh process on a copy of
the store (the original is never opened for writing), alternating:

* **replay**: the whole one-process replay into a scratch file, for this checkout and, with
  ``--baseline``, for that commit (extracted with ``git archive``);
* **(a) rows**: the stored rows alone, in the replay's batches (``select_rows``, as the
  replay reads them);
* **(b) + decode**: (a), and each state's body cut out of its head (a few byte reads, no
  authors) and decoded by the C libraries: ``zstd`` (the state's dictionary, as the replay
  uses it) and ``orjson.loads``; nothing else (a state that is not a headed zstd one, a
  handful of policy and model events, is decoded the replay's way);
* **(c) + write**: (b), and one ``INSERT OR REPLACE`` row per case into a scratch read-model
  file made as a replay makes it (same pragmas, the ``cases`` table with its columns),
  ``executemany`` per batch in one transaction each: the row is the case's id, domain and
  reference, then the other columns of the first case's real row (same types and sizes).

Printed: each figure's mean ± sd in seconds and in µs per event, and the replay's ratio to
each floor. The question it answers: how close to 20 µs of CPU an event (100,000 events/s
on two cores) a replay in Python can come.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

#: The replay's batch (``events.readmodels.replayed``'s default).
BATCH = 10_000


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


# --- measurements, each in a process importing one tree's code (``--measure``) ---------------


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def measure_replay(store: Path, out: Path) -> dict[str, float]:
    """CPU of a one-process replay of every event into a new scratch file."""
    import assistant.domains  # noqa: F401  (registers the packs' compression dictionaries)
    from events.readmodels import replayed
    from events.store import open_log

    log = open_log(str(store))
    _fresh(out)
    started = time.process_time()
    replayed(log, out, workers=1).close()
    cpu = time.process_time() - started
    _fresh(out)
    return {"cpu": cpu, "events": log.event_count()}


def _body_start(raw: bytes) -> int:
    """Where a headed zstd state's body starts (its head read as Docket writes it: actor,
    role, and the steps' authors when flag bit 2 is set); -1 for any other state."""
    if raw[:1] != b"\x02" or raw[1] not in (0b011, 0b111):
        return -1
    at = 3 + raw[2]
    at += 1 + raw[at]
    if raw[1] == 0b111:
        for _ in range(raw[at]):  # the state's own authors: actor and role each
            at += 1
            at += raw[at]
            at += 1
            at += raw[at]
        at += 1
        at += 1 + raw[at]
    return at


def measure_floor(store: Path, out: Path, level: str) -> dict[str, float]:
    """CPU of (a) reading the rows, (b) and decoding each state with the C libraries, (c)
    and writing one ``cases`` row per case (``level``: ``a``, ``b`` or ``c``)."""
    import orjson
    import zstandard

    import assistant.domains  # noqa: F401
    from events import compression
    from events.case_rows import row_from_state
    from events.readmodels import CASE_NAMES, ReadModels, decoded, upsert
    from events.store import open_log

    log = open_log(str(store))
    recorder = log.chained_recorder
    end = log.event_count()
    readers: dict[int, Any] = {}
    for dict_id, words in compression.DICTIONARIES.items():
        readers[dict_id] = zstandard.ZstdDecompressor(
            dict_data=zstandard.ZstdCompressionDict(words, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        )
    conn = None
    template: tuple[Any, ...] = ()
    if level == "c":
        _fresh(out)
        views = ReadModels(out, _scratch=True)  # the replay's scratch file, tables only
        conn = views.conn
        first = next(r for r in recorder.select_rows(1, BATCH) if r[3] in CASE_NAMES)
        from events.domain.case_state import CaseState

        p = decoded(first[3], first[4])
        state = CaseState.opened(CASE_NAMES[first[3]], p, p["timestamp"]["_data_"], first[2])
        template = row_from_state(first[1], state)[3:]
    insert = upsert("cases")
    loads, headed = orjson.loads, 0
    started = time.process_time()
    start = 1
    while start <= end:
        rows = recorder.select_rows(start, BATCH, end)
        if not rows:
            break
        start = rows[-1][0] + 1
        if level == "a":
            continue
        cases = []
        for _, oid, _, topic, raw in rows:
            at = _body_start(raw)
            if at < 0:
                state = compression.read_state(raw)
            else:
                headed += 1
                dict_id = int.from_bytes(raw[at : at + 4], "big")
                state = loads(readers[dict_id].decompress(raw[at + 4 :]))
            if conn is not None and topic in CASE_NAMES:
                cases.append((oid, state["domain"], state["case_ref"], *template))
        if conn is not None:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, cases)
            conn.execute("COMMIT")
    cpu = time.process_time() - started
    if conn is not None:
        conn.close()
        _fresh(out)
    return {"cpu": cpu, "events": end, "headed": headed}


def measured(tree: Path, *args: str) -> dict[str, float]:
    code = (
        "import json,sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2]); "
        "import bench_replay_floor as b; print(json.dumps(b.MEASURES[sys.argv[3]](*sys.argv[4:])))"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tree), str(ROOT / "benchmarks"), *args],
        capture_output=True, check=False, cwd=tree, env=env,
    )  # fmt: skip
    if out.returncode != 0:
        raise SystemExit(f"measuring {args} on {tree} failed: {out.stderr.decode()[-2000:]}")
    found: dict[str, float] = json.loads(out.stdout.decode().splitlines()[-1])
    return found


MEASURES: dict[str, Callable[..., dict[str, float]]] = {
    "replay": lambda store, out: measure_replay(Path(store), Path(out)),
    "floor": lambda store, out, level: measure_floor(Path(store), Path(out), level),
}


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store to copy (default: --cases' own)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--baseline", help="a commit whose replay is measured beside")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    if args.store is None:
        import make_store

        args.store = make_store.ensure_store(args.cases).path
    print(f"bench_replay_floor: this tree {head}, baseline {args.baseline or '-'}; "
          f"store {args.store}; {os.cpu_count()} CPUs, {load()}; machine shared")  # fmt: skip
    with tempfile.TemporaryDirectory(dir=os.environ.get("DOCKET_BENCH_TMP")) as tmp:
        work = Path(tmp)
        store = work / "store.sqlite"
        shutil.copyfile(args.store, store)  # never the original: opening a log may write
        out = work / "views.sqlite"
        trees = {"replay (this tree)": ROOT}
        if args.baseline:
            baseline = work / "baseline"
            baseline.mkdir()
            archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True,
                                     capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
            trees[f"replay ({args.baseline})"] = baseline
        figures: dict[str, list[float]] = {}
        events = 0
        loads: list[str] = []
        for _ in range(args.repeats):
            for name, tree in trees.items():
                found = measured(tree, "replay", str(store), str(out))
                figures.setdefault(name, []).append(found["cpu"])
                events = int(found["events"])
            for level, name in (("a", "(a) rows"), ("b", "(b) + zstd + orjson"),
                                ("c", "(c) + executemany")):  # fmt: skip
                found = measured(ROOT, "floor", str(store), str(out), level)
                figures.setdefault(name, []).append(found["cpu"])
            loads.append(load())
    replay = statistics.mean(figures["replay (this tree)"])
    print(f"{events:,} events, {args.repeats} repeats each, alternating; {', '.join(loads)}")
    for name, values in figures.items():
        mean = statistics.mean(values)
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"  {name:24} {mean:6.2f} ± {sd:4.2f} s CPU  {mean / events * 1e6:6.1f} µs/event  "
              f"(this tree's replay: {replay / mean:5.2f}x)")  # fmt: skip
    print(f"  20 µs/event would be {20e-6 * events:.2f} s; {load()}")


if __name__ == "__main__":
    main()
