"""Benchmarks for the decision log (issue 2). Run: ``python benchmarks/bench_events.py [--quick]``.

Each figure is printed with its ratio to a baseline measured in the same run:

1. batched decision appends through the log (target >= 10,000 events/s)
   vs raw sqlite ``executemany`` of the same rows in one transaction (the ceiling);
2. one operator decision committed durably (target p99 < 20 ms)
   vs a raw sqlite single-row INSERT + COMMIT on the same kind of file;
3. full replay of 100,000 events into the read models (target >= 50,000 events/s)
   vs raw reading of the same rows (``select_notifications`` without decoding);
4. ``audit_case`` on a store with 100,000 cases (target < 1 s)
   vs reading the case's stored events alone.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.domains.credit import DECISION, ROLES  # noqa: E402
from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from events.app import DecisionLog  # noqa: E402
from events.audit import audit_case  # noqa: E402
from events.chain import verify  # noqa: E402
from events.domain import Case, Key  # noqa: E402
from events.readmodels import ReadModels, rebuild  # noqa: E402
from events.signing import SigningKey  # noqa: E402
from events.store import open_log as open_store  # noqa: E402

ACTIONS = {"approve": 0.0, "decline": 0.0}
SYSTEM = {"actor": "docket/orchestrator", "role": "system"}
CASE_DECISION = DECISION.case_record(ROLES)  # what the credit pack records on each case
OPERATOR = "bench-operator"  # holds the key that signs every batch


def open_log(path: str) -> DecisionLog:
    """A new log whose first key (the operator's, enrolled by itself) signs every batch."""
    log = open_store(path)
    key = SigningKey.generate()
    log.signer = key
    log.save(Key.enrol(person=OPERATOR, public_key=key.public_key, roles=["admin", "operator"],
                       actor=OPERATOR, role="admin"))  # fmt: skip
    return log


def scored_case(i: int, rng: random.Random) -> Case:
    """A realistic opened+scored+recommended case (~3 events, ~1.2 KB of JSON)."""
    case = Case.open(
        domain="credit",
        case_ref=f"C{i:07d}",
        input={
            "checking_status": rng.choice(["<0", "0<=X<200", ">=200", "no checking"]),
            "duration": rng.randint(6, 72),
            "credit_history": "existing paid",
            "purpose": rng.choice(["radio/tv", "new car", "education"]),
            "credit_amount": rng.randint(250, 18000),
            "savings_status": "<100",
            "employment": "1<=X<4",
            "age": rng.randint(19, 75),
        },
        personal={"name": f"Person {i}"},
        note=None,
        decision=CASE_DECISION,
        **SYSTEM,
    )
    p = rng.random()
    case.record_score(
        specialist="logreg",
        model_version="credit-lr-1",
        model_sha256="ab" * 32,
        p_bad=p,
        attributions={"duration": 0.12, "credit_amount": -0.05, "age": 0.01},
        ood=False,
        ood_score=0.1,
        latency_ms=0.06,
        **SYSTEM,
    )
    case.recommend(
        action="decline" if p > 1 / 6 else "approve",
        source="model",
        policy_id="credit",
        policy_version=1,
        expected_costs={"approve": 5 * p, "decline": 1 - p},
        reasons=["cost"],
        **SYSTEM,
    )
    return case


def decided(case: Case, i: int) -> Case:
    if i % 5 == 0:
        other = "approve" if case.recommendation == "decline" else "decline"
        case.override(
            action=other,
            reason_code="missing_information",
            reason_text="knows more",
            actor=OPERATOR,
            role="operator",
        )
    else:
        case.accept(actor=OPERATOR, role="operator")
    return case


def seed(log: DecisionLog, n_cases: int, *, first: int = 0, batch: int = 1000) -> float:
    """Save n_cases full cases (4 events each) in batches; return events/s."""
    rng = random.Random(7 + first)
    start = time.perf_counter()

    def gen() -> Iterator[Case]:
        for i in range(first, first + n_cases):
            yield decided(scored_case(i, rng), i)

    log.save_in_batches(gen(), batch_size=batch)
    return n_cases * 4 / (time.perf_counter() - start)


def bench_appends(tmp: Path, n_cases: int) -> None:
    log = open_log(str(tmp / "append.sqlite"))
    rng = random.Random(1)
    cases = [decided(scored_case(i, rng), i) for i in range(n_cases)]
    pending = [e for c in cases for e in c.pending_events]
    n_events = len(pending)
    start = time.perf_counter()
    for k in range(0, len(cases), 1000):
        log.save(*cases[k : k + 1000])
    rate = n_events / (time.perf_counter() - start)
    # Baseline: the same stored rows written with raw executemany in one transaction.
    stored = [log.mapper.to_stored_event(e) for e in pending]
    conn = sqlite3.connect(tmp / "raw.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE e (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    rows = [(s.originator_id.hex, s.originator_version, s.topic, s.state) for s in stored]
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO e VALUES (?,?,?,?)", rows)
    conn.execute("COMMIT")
    raw = len(rows) / (time.perf_counter() - start)
    conn.close()
    record("append_events", n_events)
    record("append_events_per_s", rate)
    record("append_raw_rows_per_s", raw)
    print(
        f"1. batched appends (1000 cases/transaction, {n_events} events, hash-chained): "
        f"{rate:,.0f} events/s   [target >= 10,000]"
    )
    print(
        f"   raw sqlite executemany, one transaction: {raw:,.0f} rows/s   "
        f"ratio log/raw = {rate / raw:.2f}"
    )


def bench_single_decision(tmp: Path, n: int) -> None:
    log = open_log(str(tmp / "single.sqlite"))
    rng = random.Random(2)
    cases = [scored_case(i, rng) for i in range(n)]
    log.save(*cases)
    times = []
    for i, case in enumerate(cases):
        start = time.perf_counter()
        log.update(case.id, lambda c, i=i: decided(c, i))  # load, decide, commit durably
        times.append(time.perf_counter() - start)
    conn = sqlite3.connect(tmp / "single-raw.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, state BLOB)")
    raw = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO e VALUES (?, ?)", (i, b"x" * 300))
        conn.execute("COMMIT")
        raw.append(time.perf_counter() - start)
    conn.close()
    p50, p99 = _pct(times, 50), _pct(times, 99)
    r50, r99 = _pct(raw, 50), _pct(raw, 99)
    for name, value in (("decisions", n), ("decision_p50_ms", p50), ("decision_p99_ms", p99),
                        ("decision_raw_p50_ms", r50), ("decision_raw_p99_ms", r99)):
        record(name, value)
    print(
        f"2. one decision (get + decide + durable commit), n={n}: p50 {p50:.2f} ms, "
        f"p99 {p99:.2f} ms   [target p99 < 20 ms]"
    )
    print(
        f"   raw sqlite single-row INSERT+COMMIT: p50 {r50:.2f} ms, p99 {r99:.2f} ms   "
        f"ratio p99 = {p99 / r99:.1f}x"
    )


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] * 1000 if len(values) > 1 else values[0]


def bench_replay_and_audit(tmp: Path, n_cases: int, audit_cases: int) -> None:
    path = tmp / "big.sqlite"
    log = open_log(str(path))
    seed_rate = seed(log, n_cases)
    n_events = log.event_count()
    print(f"   (seeded {n_cases} cases = {n_events} events at {seed_rate:,.0f} events/s)")

    start = time.perf_counter()
    position = 0
    while True:
        page = log.recorder.select_notifications(position + 1, 10000)
        if not page:
            break
        position = page[-1].id
    raw = n_events / (time.perf_counter() - start)

    start = time.perf_counter()
    rm = rebuild(log, tmp / "views.sqlite")
    rate = n_events / (time.perf_counter() - start)
    rm.close()
    incremental = ReadModels(tmp / "views-incremental.sqlite")
    start = time.perf_counter()
    incremental.catch_up(log, batch=5000)
    inc_rate = n_events / (time.perf_counter() - start)
    incremental.close()
    print(
        f"3. full replay (rebuild) into read models, {n_events} events: {rate:,.0f} events/s"
        f"   [target >= 50,000]"
    )
    print(f"   (incremental catch_up from zero, indexes maintained: {inc_rate:,.0f} events/s)")
    print(
        f"   raw reading of the same rows (select_notifications): {raw:,.0f} rows/s   "
        f"ratio replay/raw = {rate / raw:.2f}"
    )

    start = time.perf_counter()
    report = verify(log)
    took = time.perf_counter() - start
    print(f"   verify chain: {report.checked} events in {took:.2f} s ({report.ok=})")

    if audit_cases > n_cases:
        seed(log, audit_cases - n_cases, first=n_cases, batch=2000)
    timed_audit(log, Case.id_for("credit", f"C{audit_cases // 2:07d}"), audit_cases)


def timed_audit(log: DecisionLog, case_id: UUID, n_cases: int, repeats: int = 20) -> None:
    """``audit_case`` of one case, ``repeats`` times, against reading its stored events alone
    (the baseline); printed and recorded (``audit_median_ms``, ``audit_max_ms``,
    ``audit_raw_median_ms``)."""
    times, raws = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        audit_case(log, case_id)
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        log.recorder.select_events(case_id)
        raws.append(time.perf_counter() - start)
    a, r = statistics.median(times), statistics.median(raws)
    record("audit_median_ms", a * 1000)
    record("audit_max_ms", max(times) * 1000)
    record("audit_raw_median_ms", r * 1000)
    print(
        f"4. audit_case on a store with {n_cases:,} cases: median {a * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms   [target < 1 s]"
    )
    print(f"   reading the case's stored events alone: {r * 1000:.3f} ms   ratio = {a / r:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, not minutes)")
    parser.add_argument(
        "--parts", default="appends,decision,replay",
        help="which parts to run (comma-separated): appends (1), decision (2), replay (3 and 4, "
        "on a store of generated cases; bench_store.py measures them on a real store)",
    )  # fmt: skip
    add_json_option(parser)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    sizes = (2000, 200, 5000, 10000) if args.quick else (10000, 1000, 25000, 100000)
    n_append, n_single, n_replay_cases, n_audit_cases = sizes
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "appends" in parts:
            bench_appends(tmp, n_append)
        if "decision" in parts:
            bench_single_decision(tmp, n_single)
        if "replay" in parts:
            bench_replay_and_audit(tmp, n_replay_cases, n_audit_cases)
    write_json(args.json)


if __name__ == "__main__":
    main()
