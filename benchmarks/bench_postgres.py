"""PostgreSQL for teams (issue 17): Docket's log against plain eventsourcing on the same server.

    python benchmarks/bench_postgres.py [--url postgresql://postgres@127.0.0.1:5432/test]
                                        [--cases N] [--repeats R]

Every figure is printed beside a baseline measured in the same run on the same server:

1. batched appends (1,000 cases, 4 events each, per transaction) through Docket's log
   (hash chain, signed batch, append-only triggers, writer lock function) vs the same
   aggregates saved by a plain eventsourcing ``Application`` on eventsourcing's own postgres
   recorder (target: Docket >= 80 % of plain);
2. one decision (load the case, decide, commit) p50/p99 vs the same on plain eventsourcing
   (target: p50 < 5 ms on an idle server; the load is printed).

Each run uses fresh schemas (dropped at the end), so the server is left as found.
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
            for i, case in enumerate(cases):
                start = time.perf_counter()
                if name == "docket":
                    log.update(case.id, lambda c, i=i: decided(c, i))
                else:
                    plain.save(decided(plain.repository.get(case.id), i))
                times.append(time.perf_counter() - start)
            figures[name] = (_pct(times, 50), _pct(times, 99))
        log.close()
        plain.close()
    finally:
        for schema in schemas:
            psql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    (d50, d99), (p50, p99) = figures["docket"], figures["plain"]
    print(
        f"2. one decision (load case, record, commit), n={n}: Docket p50 {d50:.2f} ms, "
        f"p99 {d99:.2f} ms   [target p50 < 5 ms idle]"
    )
    print(
        f"   plain eventsourcing, same: p50 {p50:.2f} ms, p99 {p99:.2f} ms   "
        f"ratio p50 = {d50 / p50:.2f}"
    )


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] * 1000


def _mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:,.2f}" if values[0] < 10 else f"{values[0]:,.0f}"
    m, s = statistics.mean(values), statistics.stdev(values)
    return f"{m:,.2f} ± {s:,.2f}" if m < 10 else f"{m:,.0f} ± {s:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--cases", type=int, default=5000, help="cases per append run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--decisions", type=int, default=300)
    args = ap.parse_args()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    bench_appends(args.url, args.cases, args.repeats)
    bench_decision(args.url, args.decisions)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
