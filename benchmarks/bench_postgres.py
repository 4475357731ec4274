"""PostgreSQL for teams (issue 17): Docket's log against plain eventsourcing on the same server.

    python benchmarks/bench_postgres.py [--url postgresql://postgres@127.0.0.1:5432/test]
                                        [--cases N] [--repeats R]

Every figure is printed beside a baseline measured in the same run on the same server:

1. batched appends (1,000 cases, 4 events each, per transaction) through Docket's log
   (hash chain, signed batch, append-only triggers, writer lock function) vs the same
   aggregates saved by a plain eventsourcing ``Application`` on eventsourcing's own postgres
   recorder (target: Docket >= 80 % of plain);
2. one decision (load the case, decide, commit) p50/p99 vs the same on plain eventsourcing
   (target: p50 < 5 ms on an idle server; the load is printed), and a raw psycopg single-row
   INSERT + COMMIT on the same server (the disk's sync: the floor under any durable decision);
3. console start on a real store (``--store-cases N``: made by ``benchmarks/make_store.py``
   through ``docket ingest``, then copied row for row, chain and signatures included, into a
   PostgreSQL schema): a console opened before the shared read models are built (it must
   not freeze: it catches up in steps), ``setup_postgres`` building them once (as the
   owner's ``docket setup-postgres`` does), then, as the writer role a team runs as, a new
   console's open + first queue page in a warm process, and in fresh processes one alone and
   two at once, alternating which goes first, wall and CPU seconds of each (target < 2 s at
   1M events; two together cost no more than one), vs the same open on the SQLite store
   with its up-to-date read-model file.

Each run uses fresh schemas (dropped at the end), so the server is left as found.
``--json FILE`` writes every figure by name (``benchmarks/figures.py``).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.application import Application  # noqa: E402

from benchmarks.bench_events import decided, scored_case  # noqa: E402
from benchmarks.bench_events import open_log as open_docket  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from events.domain import Case  # noqa: E402
from events.store import parse_store_url  # noqa: E402


class Plain(Application[uuid.UUID]):
    """Plain eventsourcing: no chain, no signatures, no triggers."""

    is_snapshotting_enabled = False


def plain_app(url: str, schema: str) -> Plain:
    p = parse_store_url(url)
    psql(url, f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return Plain(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": p.dbname,
            "POSTGRES_HOST": p.host,
            "POSTGRES_PORT": str(p.port),
            "POSTGRES_USER": p.user,
            "POSTGRES_PASSWORD": p.password,
            "POSTGRES_SCHEMA": schema,
            "CREATE_TABLE": "true",
        }
    )


def psql(url: str, sql: str) -> None:
    import psycopg

    p = parse_store_url(url)
    with psycopg.connect(
        host=p.host,
        port=p.port,
        dbname=p.dbname,
        user=p.user,
        password=p.password or None,
        autocommit=True,
    ) as conn:
        conn.execute(sql.encode())


def docket_url(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}allow_owner=1&schema={schema}"


def make_cases(n: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    return [decided(scored_case(i, rng), i) for i in range(n)]


def timed_batches(save: Callable[..., Any], cases: list[Case], batch: int) -> float:
    """Events/s saving ``cases`` ``batch`` per transaction."""
    n_events = sum(len(c.pending_events) for c in cases)
    start = time.perf_counter()
    for k in range(0, len(cases), batch):
        save(*cases[k : k + batch])
    return n_events / (time.perf_counter() - start)


def bench_appends(url: str, n_cases: int, repeats: int) -> None:
    docket_rates: list[float] = []
    plain_rates: list[float] = []
    for r in range(repeats):
        schemas = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        try:
            log = open_docket(docket_url(url, schemas[0]))
            plain = plain_app(url, schemas[1])
            # Alternate which goes first, so neither always meets a warmer server.
            runs = [("docket", log.save), ("plain", plain.save)]
            if r % 2:
                runs.reverse()
            for name, save in runs:
                rate = timed_batches(save, make_cases(n_cases, seed=r), 1000)
                (docket_rates if name == "docket" else plain_rates).append(rate)
            log.close()
            plain.close()
        finally:
            for schema in schemas:
                psql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    record("append_cases", n_cases)
    record("append_repeats", repeats)
    record("append_events_per_s", statistics.mean(docket_rates))
    record("append_plain_events_per_s", statistics.mean(plain_rates))
    ratios = [a / b for a, b in zip(docket_rates, plain_rates, strict=True)]
    record("append_ratio", statistics.mean(ratios))
    record("append_ratio_sd", statistics.stdev(ratios) if len(ratios) > 1 else 0.0)
    d, p = _mean_sd(docket_rates), _mean_sd(plain_rates)
    ratio = _mean_sd([a / b for a, b in zip(docket_rates, plain_rates, strict=True)])
    print(
        f"1. batched appends ({n_cases} cases x 4 events, 1,000 cases/transaction, "
        f"{repeats} repeats): Docket {d} events/s"
    )
    print(f"   plain eventsourcing, same server, same run: {p} events/s")
    print(f"   ratio Docket/plain = {ratio}   [target >= 0.80]")


def bench_decision(url: str, n: int) -> None:
    schemas = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    try:
        log = open_docket(docket_url(url, schemas[0]))
        plain = plain_app(url, schemas[1])
        figures = {}
        for name, app in (("docket", log), ("plain", plain)):
            rng = random.Random(3)
            cases = [scored_case(i, rng) for i in range(n)]
            for k in range(0, n, 500):
                app.save(*cases[k : k + 500])
            times = []
            cpu = time.process_time()
            for i, case in enumerate(cases):
                start = time.perf_counter()
                if name == "docket":
                    log.update(case.id, lambda c, i=i: decided(c, i))
                else:
                    plain.save(decided(plain.repository.get(case.id), i))
                times.append(time.perf_counter() - start)
            cpu = (time.process_time() - cpu) / n * 1000  # this process's CPU, ms/decision
            figures[name] = (_pct(times, 50), _pct(times, 99), cpu)
        log.close()
        plain.close()
    finally:
        for schema in schemas:
            psql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    (d50, d99, dcpu), (p50, p99, pcpu) = figures["docket"], figures["plain"]
    for name, value in (("decisions", n), ("decision_p50_ms", d50), ("decision_p99_ms", d99),
                        ("decision_cpu_ms", dcpu), ("decision_plain_p50_ms", p50),
                        ("decision_plain_p99_ms", p99), ("decision_plain_cpu_ms", pcpu)):
        record(name, value)
    print(
        f"2. one decision (load case, record, commit), n={n}: Docket p50 {d50:.2f} ms, "
        f"p99 {d99:.2f} ms, client CPU {dcpu:.2f} ms   [target p50 < 5 ms idle]"
    )
    print(
        f"   plain eventsourcing, same: p50 {p50:.2f} ms, p99 {p99:.2f} ms, client CPU "
        f"{pcpu:.2f} ms   ratio p50 = {d50 / p50:.2f}"
    )


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] * 1000


def _mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:,.2f}" if values[0] < 10 else f"{values[0]:,.0f}"
    m, s = statistics.mean(values), statistics.stdev(values)
    return f"{m:,.2f} ± {s:,.2f}" if m < 10 else f"{m:,.0f} ± {s:,.0f}"


def raw_commit(url: str, n: int) -> tuple[float, float]:
    """p50/p99 ms of a single-row INSERT + COMMIT with psycopg on the same server."""
    import psycopg

    p = parse_store_url(url)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    psql(url, f'CREATE SCHEMA "{schema}"')
    try:
        with psycopg.connect(host=p.host, port=p.port, dbname=p.dbname, user=p.user,
                             password=p.password or None, autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE TABLE "{schema}".e (id bigserial PRIMARY KEY, s bytea)'.encode())
            insert = f'INSERT INTO "{schema}".e (s) VALUES (%s)'.encode()
            times = []
            for _ in range(n):
                start = time.perf_counter()
                with conn.transaction():
                    conn.execute(insert, (b"x" * 300,))
                times.append(time.perf_counter() - start)
    finally:
        psql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return _pct(times, 50), _pct(times, 99)


def copy_store(sqlite_path: Path, url: str, schema: str) -> int:
    """Copy a Docket SQLite store's log (events, links, signatures) into a new PostgreSQL
    store, row for row with the same positions, so it verifies there; return the events."""
    import sqlite3

    import psycopg

    log = open_docket(docket_url(url, schema))  # creates the tables (and enrols a bench key)
    log.close()
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    p = parse_store_url(url)
    with psycopg.connect(host=p.host, port=p.port, dbname=p.dbname, user=p.user,
                         password=p.password or None) as conn:  # fmt: skip
        conn.execute(f'SET search_path TO "{schema}"'.encode())
        # The bench key's enrolment made above is replaced by the real store's log.
        conn.execute(b"ALTER TABLE decisionlog_events DISABLE TRIGGER USER")
        conn.execute(b"ALTER TABLE docket_chain DISABLE TRIGGER USER")
        conn.execute(b"ALTER TABLE docket_signatures DISABLE TRIGGER USER")
        for table in ("decisionlog_events", "docket_chain", "docket_signatures"):
            conn.execute(f"DELETE FROM {table}".encode())
        copies = (
            ("SELECT originator_id, originator_version, topic, state, rowid FROM stored_events",
             "decisionlog_events (originator_id, originator_version, topic, state, "
             "notification_id)"),
            ("SELECT * FROM docket_chain", "docket_chain"),
            ("SELECT * FROM docket_signatures", "docket_signatures"),
        )  # fmt: skip
        for select, target in copies:
            with conn.cursor().copy(f"COPY {target} FROM STDIN".encode()) as copy:
                for row in src.execute(select):
                    copy.write_row(row)
        for table in ("decisionlog_events", "docket_chain", "docket_signatures"):
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER".encode())
        conn.execute(
            b"SELECT setval(pg_get_serial_sequence('decisionlog_events', 'notification_id'), "
            b"(SELECT max(notification_id) FROM decisionlog_events))"
        )
        conn.execute(b"ANALYZE")
    return int(src.execute("SELECT count(*) FROM stored_events").fetchone()[0])


def consoles_at_once(pg: str, data: Path, tmp: Path, n: int) -> list[tuple[float, float]]:
    """Open + first queue page in ``n`` new processes (as people's consoles are), each
    importing first and then starting at one agreed moment; (wall s, CPU s) of each."""
    import shutil

    for k in range(n):
        shutil.copytree(data / "models", tmp / str(k) / "models", dirs_exist_ok=True)
    at = time.time() + 12
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from assistant.service import DocketService; from events.signing import SigningKey;"
        "key = SigningKey.load(__import__('pathlib').Path(sys.argv[4]));"
        "time.sleep(max(0.0, float(sys.argv[3]) - time.time()));"
        "s, c = time.perf_counter(), time.process_time();"
        "d = DocketService.open(sys.argv[2], keys=[key], data_dir=sys.argv[5]); d.queue();"
        "print(time.perf_counter() - s, time.process_time() - c); d.close()"
    )
    root = str(Path(__file__).resolve().parent.parent)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, root, pg, str(at),
             str(data / "keys" / "default.key"), str(tmp / str(k))],
            stdout=subprocess.PIPE,
            text=True,
            # Each in a session of its own, as two people's consoles are: Linux shares the
            # CPU fairly between sessions (autogroup) before processes, so two children of
            # this one session would split one share between them on a busy machine.
            start_new_session=True,
        )  # fmt: skip
        for k in range(n)
    ]
    found = []
    for child in children:
        wall, cpu = child.communicate()[0].strip().splitlines()[-1].split()
        found.append((float(wall), float(cpu)))
    return found


def alone_and_together(pg: str, data: Path, tmp: Path, repeats: int) -> dict[str, list[float]]:
    """A fresh console alone and two fresh consoles at once, alternating which goes first
    (``repeats`` of each): wall and CPU seconds of every console."""
    figures: dict[str, list[float]] = {"alone": [], "alone_cpu": [], "two": [], "two_cpu": []}
    for r in range(repeats):
        runs = [("alone", 1), ("two", 2)]
        if r % 2:
            runs.reverse()
        for name, n in runs:
            for wall, cpu in consoles_at_once(pg, data, tmp / f"{name}{r}", n):
                figures[name].append(wall)
                figures[f"{name}_cpu"].append(cpu)
    return figures


def writer_url(url: str, role: str, schema: str) -> str:
    """The store as its writer role sees it (no allow_owner: the checks a team's console
    makes on opening are part of its start)."""
    p = parse_store_url(url)
    return f"postgresql://{role}@{p.host}:{p.port}/{p.dbname}?schema={schema}"


def bench_console_start(url: str, n_cases: int, repeats: int) -> None:
    import shutil
    import tempfile

    from assistant.service import DocketService
    from benchmarks.make_store import ensure_store
    from events.signing import SigningKey
    from events.store import setup_postgres
    from tui.app import CATCH_UP_STEP

    made = ensure_store(n_cases)
    store, data = made.path, made.data_dir
    key = SigningKey.load(data / "keys" / "default.key")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    role = f"bench_w_{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp())
    try:
        start = time.perf_counter()
        events = copy_store(store, url, schema)
        copied = time.perf_counter() - start
        owner = docket_url(url, schema)

        def console(at: str, folder: Path, step: int | None = None) -> tuple[float, int]:
            shutil.copytree(data / "models", folder / "models", dirs_exist_ok=True)
            started = time.perf_counter()
            service = DocketService.open(at, keys=[key], data_dir=folder, catch_up_step=step)
            service.queue()
            took = time.perf_counter() - started
            behind = service.behind()
            service.close()
            return took, behind

        # Before the shared read models are built: a console opens at once (one step of
        # catching up), says how far behind they are and follows in steps.
        early, behind = console(owner, tmp / "early", CATCH_UP_STEP)
        started = time.perf_counter()
        setup_postgres(owner, role)  # the owner's `docket setup-postgres`: builds them once
        built = time.perf_counter() - started
        pg = writer_url(url, role, schema)  # a team's consoles run as the writer
        first, _ = console(pg, tmp / "first")
        alone = [console(pg, tmp / f"alone{k}")[0] for k in range(3)]
        fresh = alone_and_together(pg, data, tmp / "p", repeats)
        started = time.perf_counter()
        local = DocketService.open(str(store), keys=[key], data_dir=data)
        local.queue()
        sqlite_open = time.perf_counter() - started
        local.close()
    finally:
        psql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        psql(url, f'DROP SCHEMA IF EXISTS "{schema}_views" CASCADE')
        psql(url, f'DROP OWNED BY "{role}"')
        psql(url, f'DROP ROLE IF EXISTS "{role}"')
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"3. console start on a real store of {n_cases:,} cases ({events:,} events, copied "
        f"into PostgreSQL in {copied:.1f} s):"
    )
    print(
        f"   a console before the read models are built (steps of {CATCH_UP_STEP:,}): open + "
        f"first page {early:.2f} s, {behind:,} events still to follow in the background"
    )
    print(
        f"   `docket setup-postgres` building the shared read models once: {built:.1f} s "
        f"({events / built:,.0f} events/s)"
    )
    print(f"   consoles as the writer role; the first after that: {first:.2f} s")
    print(
        f"   a new console, open + first queue page: {_mean_sd(alone)} s (3 runs, warm process)"
        "   [target < 2 s at 1M events]"
    )
    ratio = statistics.mean(fresh["two"]) / statistics.mean(fresh["alone"])
    for name, value in (
        ("console_cases", n_cases), ("console_events", events), ("console_copy_s", copied),
        ("console_early_s", early), ("console_setup_s", built), ("console_warm_s",
        statistics.mean(alone)), ("console_fresh_s", statistics.mean(fresh["alone"])),
        ("console_fresh_cpu_s", statistics.mean(fresh["alone_cpu"])),
        ("console_two_s", statistics.mean(fresh["two"])),
        ("console_two_cpu_s", statistics.mean(fresh["two_cpu"])), ("console_two_ratio", ratio),
        ("console_sqlite_s", sqlite_open),
    ):  # fmt: skip
        record(name, value)
    print(
        f"   in a new process ({repeats} repeats, alternating which goes first): one alone "
        f"{_mean_sd(fresh['alone'])} s wall, {_mean_sd(fresh['alone_cpu'])} s CPU; two at once "
        f"{_mean_sd(fresh['two'])} s wall, {_mean_sd(fresh['two_cpu'])} s CPU each"
    )
    print(f"   two at once / one alone (wall) = {ratio:.2f}   [no more than one alone]")
    print(f"   same open on the SQLite store with its read-model file: {sqlite_open:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--cases", type=int, default=5000, help="cases per append run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--decisions", type=int, default=300)
    ap.add_argument("--store-cases", type=int, default=10000, help="real store size (cases)")
    ap.add_argument("--console-repeats", type=int, default=3,
                    help="fresh consoles alone and two at once, each this many times")
    ap.add_argument("--only", choices=["appends", "decision", "console"], default=None)
    add_json_option(ap)
    args = ap.parse_args()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.only in (None, "appends"):
        bench_appends(args.url, args.cases, args.repeats)
    if args.only in (None, "decision"):
        bench_decision(args.url, args.decisions)
        r50, r99 = raw_commit(args.url, args.decisions)
        record("decision_raw_p50_ms", r50)
        record("decision_raw_p99_ms", r99)
        print(f"   raw psycopg single-row INSERT+COMMIT, same server: p50 {r50:.2f} ms, "
              f"p99 {r99:.2f} ms (the disk's sync)")  # fmt: skip
    if args.only in (None, "console"):
        bench_console_start(args.url, args.store_cases, args.console_repeats)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    write_json(args.json)


if __name__ == "__main__":
    main()
