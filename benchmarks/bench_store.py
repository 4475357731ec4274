"""Store size, replay and verify on a REAL store (issue 17), each beside a raw baseline
measured in the same run.

    python benchmarks/bench_store.py --cases 100000 [--repeats 3]
    python benchmarks/bench_store.py --store PATH      # any store (e.g. one made before)

The store is made by ``benchmarks/make_store.py`` (``docket keys init``, ``train``,
``ingest`` of resampled real rows) and cached. Printed:

1. size: bytes per case of the log file and of the read-model file, by table and index
   (SQLite's ``dbstat``), and the stored state bytes against their JSON text;
2. replay: ``rebuild`` of every read model from the whole log, events/s, against raw
   reading of the same rows (``select_rows``: ids, topics and state bytes, no decoding);
   what decoding costs per event (inflate, ``json.loads``, and ``orjson.loads`` when
   installed) on the same states;
3. verify: the chain and signature walk (``events.chain.verify``) against its raw
   floor (reading the rows and hashing each one once with SHA-256), then the read-model
   check ``docket verify`` adds (a replay up to the file's position and a digest of both).

Each timed figure is the mean ± sd of ``--repeats`` runs. The machine is shared: the
load average is printed before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import assistant.domains  # noqa: E402,F401  (registers the packs' store words)
from events import readmodels  # noqa: E402
from events.chain import verify  # noqa: E402
from events.compression import decompress  # noqa: E402
from events.readmodels import rebuild, replayed, verify_against_log  # noqa: E402
from events.store import open_log  # noqa: E402


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


#: CPU seconds of this process in the last :func:`timed` call, mean ± sd over its runs: on
#: a shared 2-core machine at load 5-12 a process gets a fraction of a core, so the wall
#: time says as much about the neighbours as about the code; both are printed.
LAST_CPU: list[float] = [0.0, 0.0]


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Mean and sd of the wall time of ``fn`` over ``repeats`` runs, and its last result
    (its CPU time in :data:`LAST_CPU`)."""
    times, cpu, result = [], [], None
    for _ in range(repeats):
        start, used = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    sd = statistics.stdev(times) if len(times) > 1 else 0.0
    LAST_CPU[:] = [statistics.mean(cpu), statistics.stdev(cpu) if len(cpu) > 1 else 0.0]
    return statistics.mean(times), sd, result


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
            "SELECT hex(substr(state, 1, 1)), count(*) FROM stored_events GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    names = {"02": "headed, zstd body", "01": "headed, zlib body", "7B": "plain JSON"}
    count: dict[str, int] = {}
    for first, n in rows:
        name = names.get(first, "zlib, no head")
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
        "--parts",
        default="size,replay,ab,verify,check",
        help="which parts to run (comma-separated): size, replay, ab (replay "
        "with json.loads), verify, check (the read-model check)",
    )
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
    if "size" in parts:
        sizes(path, cases)

    replays = args.replay_repeats or args.repeats
    r_mean, r_sd, _ = timed(lambda: raw_rows(log, end), args.repeats)
    print(f"   raw reading of every row (pages of 20,000, nothing decoded): "
          f"{rate(end, r_mean, r_sd)} ({r_mean:.2f} s; {cpu_rate(end)})   "
          "[the baseline below]")  # fmt: skip
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        target = Path(tmp) / "views.sqlite"
        if "replay" in parts:
            p_mean, p_sd, _ = timed(lambda: rebuild(log, target).close(), replays)
            print(f"2. replay of {end:,} events into the read models: {rate(end, p_mean, p_sd)}"
                  f" ({p_mean:.2f} s; {cpu_rate(end)})   [target >= 100,000/s]; replay/raw = "
                  f"{r_mean / p_mean:.2f}")  # fmt: skip
            t_mean, t_sd, _ = timed(lambda: replayed(log, target).close(), replays)
            print(f"   the same replay, tables only (what verify's read-model check builds): "
                  f"{rate(end, t_mean, t_sd)} ({t_mean:.2f} s; {cpu_rate(end)})")  # fmt: skip
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
            print(f"3. verify (chain + signatures) of {end:,} events: {v_mean:.2f} ± {v_sd:.2f} "
                  f"s ({rate(end, v_mean, v_sd)}; {cpu_rate(end)})   [target: 1M events < 15 s]; "
                  f"verify/raw reading = {v_mean / r_mean:.2f}x")  # fmt: skip
            print(f"   floor's CPU {f_cpu:.2f} s")
            print(f"   raw floor (read + one SHA-256 per row): {f_mean:.2f} ± {f_sd:.2f} s; "
                  f"verify/floor = {v_mean / f_mean:.1f}x")  # fmt: skip
        if "check" in parts:
            views = rebuild(log, target)  # a fresh file, as `docket replay` leaves it
            try:
                m_mean, _, checked = timed(lambda: verify_against_log(log, views), 1)
            finally:
                views.close()
            ok = "ok" if getattr(checked, "ok", False) else "DIFFERS"
            print(f"   then the read-model check (replay to the file's position + digests): "
                  f"{m_mean:.2f} s, CPU {LAST_CPU[0]:.2f} s ({ok})")  # fmt: skip
    print(load())


if __name__ == "__main__":
    main()
