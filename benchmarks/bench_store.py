"""Store size, replay and verify on a REAL store (issue 17), each beside a raw baseline
measured in the same run.

    python benchmarks/bench_store.py --cases 100000 [--repeats 3]
    python benchmarks/bench_store.py --store PATH      # any store (e.g. one made before)

The store is made by ``benchmarks/make_store.py`` (``docket keys init``, ``train``,
``ingest`` of resampled real rows) and cached. Printed:

1. size: bytes per case of the log file and of the read-model file, by table and index
   (SQLite's ``dbstat``), and the stored state bytes against their JSON text;
2. replay: ``rebuild`` of every read model from the whole log, events/s, against raw
   reading of the same rows (``select_rows``: ids, topics and state bytes, no decoding),
   in one process and shared by the machine's cores (``events.replay_parts``, the
   default), alternating, wall and CPU (the children's included); the same for the
   tables-only replay verify's check builds; what decoding costs per event (inflate,
   ``json.loads``, and ``orjson.loads`` when installed) on the same states;
3. verify: the chain and signature walk (``events.chain.verify``) against its raw
   floor (reading the rows and hashing each one once with SHA-256), then the read-model
   check ``docket verify`` adds (a replay up to the file's position and a digest of both),
   in one process and shared, alternating; and the two added up (the whole verify);
4. audit: ``audit_case`` of the case opened half-way through the log against reading its
   stored events alone.

``--json FILE`` writes every figure by name (``benchmarks/figures.py``).

Each timed figure is the mean ± sd of ``--repeats`` runs. The machine is shared: the
load average is printed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant.domains  # noqa: E402,F401  (registers the packs' store words)
from benchmarks.bench_events import timed_audit  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from events import readmodels, replay_parts  # noqa: E402
from events.chain import verify  # noqa: E402
from events.compression import decompress  # noqa: E402
from events.readmodel_check import (  # noqa: E402
    ReadModelReport,
    digest,
    in_background,
    verify_against_log,
)
from events.readmodel_seal import Seal, seal_at  # noqa: E402
from events.readmodels import rebuild, replayed  # noqa: E402
from events.store import open_log  # noqa: E402

if TYPE_CHECKING:
    from events.app import DecisionLog


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


#: CPU seconds of this process in the last :func:`timed` call, mean ± sd over its runs: on
#: a shared 2-core machine at load 5-12 a process gets a fraction of a core, so the wall
#: time says as much about the neighbours as about the code; both are printed.
LAST_CPU: list[float] = [0.0, 0.0]


def cpu_used() -> float:
    """CPU seconds of this process and of its children that have ended (a replay shared by
    several processes, events.replay_parts, waits for its children)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Mean and sd of the wall time of ``fn`` over ``repeats`` runs, and its last result
    (its CPU time, its children's included, in :data:`LAST_CPU`)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, used = time.perf_counter(), cpu_used()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(cpu_used() - used)
    sd = statistics.stdev(times) if len(times) > 1 else 0.0
    LAST_CPU[:] = [statistics.mean(cpu), statistics.stdev(cpu) if len(cpu) > 1 else 0.0]
    return statistics.mean(times), sd, result


def alternated(
    fns: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[float, float, float, float]]:
    """Wall mean, wall sd, CPU mean, CPU sd of each of ``fns``, run in turn ``repeats``
    times (A, B, A, B...), so a change of load on the shared machine falls on both."""
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start, used = time.perf_counter(), cpu_used()
            fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(cpu_used() - used)

    def sd(values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0

    return {
        n: (statistics.mean(wall[n]), sd(wall[n]), statistics.mean(cpu[n]), sd(cpu[n]))
        for n in fns
    }


def cpu_rate(n: int) -> str:
    """Events per CPU second of the last :func:`timed` call."""
    mean, sd = LAST_CPU
    return f"CPU {mean:.2f} ± {sd:.2f} s, {rate(n, mean, sd)} of CPU"


def rate(n: int, mean: float, sd: float) -> str:
    """Events per second as mean ± sd (sd propagated from the times)."""
    r = n / mean
    return f"{r:,.0f} ± {r * sd / mean:,.0f}/s"


def sizes(path: Path, cases: int) -> None:
    views = Path(f"{path}.views.sqlite")
    log_bytes, view_bytes = path.stat().st_size, views.stat().st_size
    record("log_bytes_per_case", log_bytes / cases)
    record("read_model_bytes_per_case", view_bytes / cases)
    print(f"1. size, {cases:,} cases: log {log_bytes / cases:,.0f} B/case, read models "
          f"{view_bytes / cases:,.0f} B/case, both {(log_bytes + view_bytes) / cases:,.0f} "
          "B/case   [target: <= 2.5 KB per case]")  # fmt: skip
    for file in (path, views):
        con = sqlite3.connect(file)
        try:
            parts = con.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
            ).fetchall()
            states = con.execute(
                "SELECT state FROM stored_events"
            ).fetchall() if file == path else []  # fmt: skip
        finally:
            con.close()
        print("   " + file.name + ": " + ", ".join(f"{n} {b / cases:,.0f}" for n, b in parts))
        if states:
            stored = sum(len(s[0]) for s in states)
            text = sum(len(decompress(s[0])) for s in states)
            record("state_bytes_per_case", stored / cases)
            record("state_json_bytes_per_case", text / cases)
            print(f"   event states: {stored / cases:,.0f} B/case stored, {text / cases:,.0f} "
                  f"B/case as JSON ({stored / text:.2f})")  # fmt: skip


def raw_rows(log: object, end: int) -> int:
    """Read every row as replay and verify do (plain tuples, pages of 20,000 up to a fixed
    end), decoding nothing; return how many: the baseline both are measured against."""
    recorder = log.chained_recorder  # type: ignore[attr-defined]
    start, n = 1, 0
    while start <= end:
        rows = recorder.select_rows(start, 20000, end)
        if not rows:
            break
        n += len(rows)
        start = rows[-1][0] + 1
    return n


def layouts(path: Path) -> str:
    """How the store's states are stored: headed with a zstd body, headed with a zlib body
    (who acted readable without inflating), compressed without a head (written before
    heads), plain JSON (before compression)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT hex(substr(state, 1, 2)), count(*) FROM stored_events GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    names = {"02": "headed, zstd body", "01": "headed, zlib body", "7B": "plain JSON"}
    count: dict[str, int] = {}
    for first, n in rows:
        name = names.get(first[:2], "zlib, no head")
        if first[:2] in ("01", "02") and len(first) == 4 and int(first[2:], 16) & 0b100:
            name += " (steps' authors in the head)"
        count[name] = count.get(name, 0) + n
    return ", ".join(f"{k} {v:,}" for k, v in sorted(count.items()))


def decoding(log: object, end: int) -> None:
    """Per-event cost of each decoding step on the same states (a sample of 50,000)."""
    rows = log.chained_recorder.select_rows(max(1, end - 50_000), 50_000)  # type: ignore[attr-defined]
    raw = [r[4] for r in rows]
    steps: list[tuple[str, Callable[[bytes], object]]] = [("inflate", decompress)]
    text = [decompress(s) for s in raw]
    print(f"   decoding, per event on {len(raw):,} states:", end="")
    for name, fn in steps:
        start = time.perf_counter()
        for s in raw:
            fn(s)
        print(f" {name} {(time.perf_counter() - start) / len(raw) * 1e6:.1f} µs,", end="")
    loaders: list[tuple[str, Callable[[bytes], object]]] = [("json.loads", json.loads)]
    try:
        import orjson

        loaders.append(("orjson.loads", orjson.loads))
    except ImportError:
        pass
    for name, fn in loaders:
        start = time.perf_counter()
        for t in text:
            fn(t)
        print(f" {name} {(time.perf_counter() - start) / len(text) * 1e6:.1f} µs,", end="")
    print()


def floor_of_verify(log: object, end: int) -> None:
    """Raw floor of the chain walk: read every row and hash it once."""
    recorder = log.chained_recorder  # type: ignore[attr-defined]
    start = 1
    while start <= end:
        rows = recorder.select_rows(start, 20000, end)
        if not rows:
            break
        for row in rows:
            hashlib.sha256(row[4]).digest()
        start = rows[-1][0] + 1


def case_half_way(path: Path, end: int) -> UUID:
    """The first case opened at or after the middle of the log (a case is stored as one
    ``Case.Assessed`` event since the one-event shape; older stores open it with
    ``Case.Opened``)."""
    con = sqlite3.connect(path)
    try:
        found = con.execute(
            "SELECT originator_id FROM stored_events WHERE rowid >= ? "
            "AND (topic LIKE '%Case.Assessed' OR topic LIKE '%Case.Opened') "
            "ORDER BY rowid LIMIT 1", [max(1, end // 2)]
        ).fetchone()  # fmt: skip
    finally:
        con.close()
    return UUID(str(found[0]))


def sealed_check(log: DecisionLog, target: Path, end: int, args: Any) -> None:
    """``docket verify``'s read-model check against a seal (a checkpoint's, or the log's own
    from ``verify --seal``: the same check) taken ``--since`` events before the log's end
    (those events' cases are the ones changed since),
    beside the full check on the same file, alternating; and the seal's making (part of
    ``docket checkpoint export``)."""
    # A small store: one event in 200 (a seal most of whose buckets were touched since is
    # not used: events.readmodel_seal.MOST_TOUCHED).
    since = min(args.since, max(1, end // 200))
    at = end - since
    s_mean, s_sd, seal = timed(lambda: seal_at(log, at), 1)
    record("seal_s", s_mean)
    record("seal_cpu_s", LAST_CPU[0])
    assert isinstance(seal, Seal)
    print(f"3b. the read-model seal of a replay up to position {at:,} ({seal.buckets:,} buckets, "
          f"part of `docket checkpoint export`): {s_mean:.2f} s wall, CPU {LAST_CPU[0]:.2f} s")
    views = rebuild(log, target)  # a fresh file, as `docket replay` leaves it
    reports: list[ReadModelReport] = []

    def whole(seal: Seal | None) -> Callable[[], None]:
        def run() -> None:  # as `docket verify [--checkpoint]`: the check beside the walk
            pending = in_background(log, views, seal)
            assert getattr(verify(log), "ok", False)
            reports.append(pending() if pending else verify_against_log(log, views, seal))

        return run

    try:
        got = alternated({"sealed": whole(seal), "full": whole(None)}, args.repeats)
    finally:
        views.close()
    assert all(r.ok for r in reports), reports
    sealed = next((r for r in reports if r.sealed_at), None)
    if sealed is None:
        raise SystemExit(f"the seal {since:,} events old was not used: every check replayed "
                         "the whole log")  # fmt: skip
    record("sealed_replayed", sealed.replayed)
    record("sealed_since", since)
    for name, what in (
        ("sealed", f"`docket verify --checkpoint` (seal {since:,} events old; "
                   f"{sealed.replayed:,} cases replayed)"),
        ("full", "`docket verify` (the whole log replayed), the baseline"),
    ):  # fmt: skip
        w_mean, w_sd, c_mean, c_sd = got[name]
        record(f"verify_{name}_whole_s", w_mean)
        record(f"verify_{name}_whole_cpu_s", c_mean)
        print(f"   {what}: {w_mean:.2f} ± {w_sd:.2f} s wall, CPU {c_mean:.2f} ± {c_sd:.2f} s"
              + ("   [target: 1M events < 15 s]" if name == "sealed" else ""))
    print(f"   sealed/full wall = {got['sealed'][0] / got['full'][0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--store", type=Path, default=None, help="an existing store instead")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--replay-repeats",
        type=int,
        default=None,
        help="repeats of the (slow) replay (default: --repeats)",
    )
    parser.add_argument(
        "--since",
        type=int,
        default=1000,
        help="sealed: how many events before the end the checkpoint's seal is taken",
    )
    parser.add_argument(
        "--parts",
        default="size,replay,ab,verify,check,audit",
        help="which parts to run (comma-separated): size, replay, ab (replay with json.loads), "
        "verify, check (the read-model check), sealed (the check against a checkpoint's "
        "seal), audit",
    )
    add_json_option(parser)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if args.store is None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from make_store import ensure_store

        path = ensure_store(args.cases).path
    else:
        path = args.store
    print(load())
    log = open_log(str(path))
    end = log.event_count()
    con = sqlite3.connect(path)
    try:
        sql = ("SELECT count(*) FROM stored_events "  # a case opened alone, or with its assessment
               "WHERE topic LIKE '%Case.Opened' OR topic LIKE '%Case.Assessed'")
        cases = int(con.execute(sql).fetchone()[0])
    finally:
        con.close()
    print(f"store {path}: {cases:,} cases, {end:,} events; states: {layouts(path)}")
    record("cases", cases)
    record("events", end)
    if "size" in parts:
        sizes(path, cases)

    replays = args.replay_repeats or args.repeats
    r_mean, r_sd, _ = timed(lambda: raw_rows(log, end), args.repeats)
    record("raw_read_s", r_mean)
    record("raw_read_cpu_s", LAST_CPU[0])
    print(f"   raw reading of every row (pages of 20,000, nothing decoded): "
          f"{rate(end, r_mean, r_sd)} ({r_mean:.2f} s; {cpu_rate(end)})   "
          "[the baseline below]")  # fmt: skip
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        target = Path(tmp) / "views.sqlite"
        if "replay" in parts:
            workers = replay_parts.workers_for(log, None)
            runs = iter(range(10**6))  # a new file for each tables-only replay

            def tables(w: int) -> None:
                replayed(log, Path(tmp) / f"t{next(runs)}.sqlite", workers=w).close()

            got = alternated({
                "one": lambda: rebuild(log, target, workers=1).close(),
                "shared": lambda: rebuild(log, target, workers=workers).close(),
                "tables one": lambda: tables(1),
                "tables shared": lambda: tables(workers),
            }, replays)  # fmt: skip
            for name, what in (
                ("one", "in one process (the baseline of the shared replay)"),
                ("shared", f"shared by {workers} processes (events.replay_parts, the default)"),
                ("tables one", "tables only (verify's read-model check), one process"),
                ("tables shared", f"tables only, shared by {workers} processes"),
            ):
                w_mean, w_sd, c_mean, c_sd = got[name]
                record(f"replay_{name.replace(' ', '_')}_s", w_mean)
                record(f"replay_{name.replace(' ', '_')}_cpu_s", c_mean)
                print(f"2. replay of {end:,} events {what}: {rate(end, w_mean, w_sd)} wall "
                      f"({w_mean:.2f} ± {w_sd:.2f} s); CPU {c_mean:.2f} ± {c_sd:.2f} s, "
                      f"{rate(end, c_mean, c_sd)} of CPU; raw reading/this = "
                      f"{r_mean / w_mean:.2f}   [target >= 100,000/s]")  # fmt: skip
            record("replay_workers", workers)
            one, shared = got["one"][0], got["shared"][0]
            print(f"   shared/one-process wall = {shared / one:.2f}")
            decoding(log, end)
        if "ab" in parts:
            # The same replay decoding with json.loads instead of orjson (the A/B for orjson).
            shipped = getattr(readmodels, "read_state")  # noqa: B009
            setattr(readmodels, "read_state", lambda raw: json.loads(decompress(raw)))  # noqa: B010
            try:
                j_mean, j_sd, _ = timed(lambda: rebuild(log, target).close(), replays)
            finally:
                setattr(readmodels, "read_state", shipped)  # noqa: B010
            print(f"   the same replay decoding with json.loads instead of orjson: "
                  f"{rate(end, j_mean, j_sd)} ({j_mean:.2f} s)")  # fmt: skip
        if "verify" in parts:
            f_mean, f_sd, _ = timed(lambda: floor_of_verify(log, end), args.repeats)
            f_cpu = LAST_CPU[0]
            v_mean, v_sd, report = timed(lambda: verify(log), args.repeats)
            assert getattr(report, "ok", False), report
            record("verify_walk_s", v_mean)
            record("verify_walk_cpu_s", LAST_CPU[0])
            record("verify_floor_s", f_mean)
            record("verify_floor_cpu_s", f_cpu)
            print(f"3. verify (chain + signatures) of {end:,} events: {v_mean:.2f} ± {v_sd:.2f} "
                  f"s ({rate(end, v_mean, v_sd)}; {cpu_rate(end)})   [target: 1M events < 15 s]; "
                  f"verify/raw reading = {v_mean / r_mean:.2f}x")  # fmt: skip
            print(f"   floor's CPU {f_cpu:.2f} s")
            print(f"   raw floor (read + one SHA-256 per row): {f_mean:.2f} ± {f_sd:.2f} s; "
                  f"verify/floor = {v_mean / f_mean:.1f}x")  # fmt: skip
        if "check" in parts:
            views = rebuild(log, target)  # a fresh file, as `docket replay` leaves it
            reports: list[object] = []

            def in_memory() -> None:  # the read-model check (its replay's rows hashed in memory)
                reports.append(verify_against_log(log, views))

            def scratch() -> None:  # the check before: tables replayed to a file, both digested
                views.conn.execute("BEGIN")
                try:
                    with tempfile.TemporaryDirectory(dir=path.parent) as spare:
                        copy = replayed(log, Path(spare) / "c.sqlite", stop=views.position(),
                                        workers=1)  # fmt: skip
                        try:
                            assert digest(copy) == digest(views)
                        finally:
                            copy.close()
                finally:
                    views.conn.execute("COMMIT")

            def whole() -> None:  # as `docket verify`: the check in a child beside the walk
                pending = in_background(log, views)
                assert getattr(verify(log), "ok", False)
                reports.append(pending() if pending else verify_against_log(log, views))

            try:
                got = alternated({"check": in_memory, "scratch": scratch, "whole": whole},
                                 args.repeats)  # fmt: skip
            finally:
                views.close()
            assert all(getattr(r, "ok", False) for r in reports), reports
            for name, what in (
                ("check", "the read-model check (replay to the file's position, hashed in memory)"),
                ("scratch", "the same replayed into a scratch file, both files digested (before)"),
                ("whole", "walk and read-model check together, as `docket verify` runs them"),
            ):
                w_mean, w_sd, c_mean, c_sd = got[name]
                record(f"verify_{name}_s", w_mean)
                record(f"verify_{name}_cpu_s", c_mean)
                goal = "   [target: 1M events < 15 s]" if name == "whole" else ""
                print(f"   {what}: {w_mean:.2f} ± {w_sd:.2f} s wall, "
                      f"CPU {c_mean:.2f} ± {c_sd:.2f} s{goal}")  # fmt: skip
        if "sealed" in parts:
            sealed_check(log, Path(tmp) / "sealed.sqlite", end, args)
    if "audit" in parts:
        timed_audit(log, case_half_way(path, end), cases)
    print(load())
    write_json(args.json)


if __name__ == "__main__":
    main()
