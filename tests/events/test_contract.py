"""The store contract, run against both backends (SQLite file and PostgreSQL schema)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.app import DecisionLog
from events.audit import audit_case
from events.chain import GENESIS, link_hash, verify
from events.domain import Alert, Case, EvalRun, ModelVersion, Policy
from events.errors import DocketError, IncompatibleStore, StoreUnavailable
from events.readmodels import ReadModels, check, rebuild
from events.store import open_log, parse_store_url
from tests.events.conftest import pg_execute, schema_of
from tests.events.helpers import (
    DECISION,
    MANAGERS,
    SYSTEM,
    explanation,
    key_of,
    new_case,
    open_signed,
)
from tests.stored import forge, plain

REPO = Path(__file__).resolve().parents[2]
ANA = {"actor": "ana", "role": "operator"}

# --- raw access to the stored events, for tampering --------------------------------------


def raw_sql(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL directly on the store, bypassing Docket (``{events}``, ``{chain}``, ``{id}``)."""
    if url.startswith("postgresql://"):
        schema = schema_of(url)
        sql = sql.format(events="decisionlog_events", chain="docket_chain", id="notification_id")
        if params:
            for p in params:
                sql = sql.replace(
                    "?", f"'\\x{p.hex()}'::bytea" if isinstance(p, bytes) else str(p), 1
                )
        return pg_execute(sql, schema)
    conn = sqlite3.connect(url, isolation_level=None)
    try:
        cur = conn.execute(
            sql.format(events="stored_events", chain="docket_chain", id="rowid"), params
        )
        return cur.fetchall()
    finally:
        conn.close()


def drop_triggers(url: str) -> None:
    """What an attacker with the owner's rights does first (the triggers refuse changes)."""
    if url.startswith("postgresql://"):
        for table in ("decisionlog_events", "docket_chain", "docket_signatures"):
            for trigger in ("docket_append_only", "docket_no_truncate"):
                raw_sql(url, f"DROP TRIGGER {trigger} ON {table}")
    else:
        for t in ("stored_events", "docket_chain", "docket_signatures"):
            for op in ("update", "delete"):
                raw_sql(url, f"DROP TRIGGER {t}_no_{op}")


def rechain(log: DecisionLog, url: str) -> dict[int, bytes]:
    """Recompute every link of the chain over the events as they now stand and write it over
    the stored one (what an insider does after editing an event); returns the links."""
    links: dict[int, bytes] = {}
    previous = GENESIS
    for n in log.recorder.select_notifications(1, 10_000):
        previous = link_hash(
            previous, n.id, str(n.originator_id), n.originator_version, n.topic, n.state
        )
        links[n.id] = previous
        raw_sql(url, f"UPDATE {{chain}} SET hash = ? WHERE notification_id = {n.id}", (previous,))
    return links


@pytest.fixture
def log(store_url: str) -> DecisionLog:
    return open_signed(store_url)


def seed_decided(log: DecisionLog, n: int) -> list[Case]:
    cases = [new_case(f"S{i}") for i in range(n)]
    for i, case in enumerate(cases):
        if i % 2:
            case.accept(**ANA)
    log.save(*cases)
    return cases


# --- round trip of every event type ------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
json_dicts = st.dictionaries(st.text(max_size=6), json_values, max_size=4)
words = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")
probabilities = st.floats(0, 1)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e9)


def every_event_type(d: Any) -> list[Any]:
    """One aggregate of each kind, together raising every event type once."""
    ref = uuid.uuid4().hex
    case = Case.open(
        domain="credit",
        case_ref=ref,
        input=d(json_dicts),
        personal=d(json_dicts),
        note=d(st.none() | st.text()),
        decision=DECISION,
        **SYSTEM,
    )
    case.record_score(
        specialist=d(words),
        model_version=d(words),
        model_sha256=d(st.text()),
        p_bad=d(probabilities),
        attributions=d(st.dictionaries(st.text(), finite)),
        ood=d(st.booleans()),
        ood_score=d(st.none() | finite),
        latency_ms=d(finite),
        shadow=d(st.booleans()),
        **SYSTEM,
    )
    case.record_fallback(reason=d(words), **SYSTEM)
    case.recommend(
        action="decline",
        source=d(st.sampled_from(["model", "baseline"])),
        policy_id="credit",
        policy_version=d(st.integers(0, 99)),
        expected_costs={"approve": d(finite), "decline": d(finite)},
        reasons=d(st.lists(st.text(), max_size=3)),
        **SYSTEM,
    )
    case.record_input_flags(flags=[{"kind": d(words), "detail": d(json_values)}], **SYSTEM)
    case.record_explanation(
        **explanation(
            text=d(st.text()), summary=d(json_dicts), claims=d(st.lists(json_values, max_size=3))
        )
    )
    case.escalate(reason_text=d(st.text()), **ANA)
    quarantined = Case.quarantine(
        domain="credit",
        case_ref=ref,
        raw=[ref, d(json_values)],
        problems=[{"field": d(st.text()), "problem": d(st.text())}],
        **SYSTEM,
    )
    policy = Policy.create(domain=ref, spec=d(json_dicts), owner_role="risk_owner", **SYSTEM)
    policy.sign_off(note=d(st.text()), actor="ana", role="risk_owner")
    policy.propose(
        changes={"k": d(json_values)}, justification=d(words), actor="ana", role="risk_owner"
    )
    policy.review(note=d(st.text()), actor="ana", role="risk_owner")
    eng = {"actor": "ana", "role": "engineer"}
    model = ModelVersion.register(
        managers=MANAGERS,
        domain=ref,
        version=d(words),
        card={"data_fingerprint": "f", "metrics": d(json_dicts)},
        **eng,
    )
    model.start_shadow(**eng)
    model.promote(evidence={"gate": d(json_values)}, **eng)
    model.demote(reason=d(st.text()), **eng)
    model.retire(reason=d(words), **eng)  # a retirement needs a reason
    run = EvalRun.record(
        suite=d(words),
        results=d(json_dicts),
        passed=d(st.booleans()),
        model_versions=d(st.lists(st.text(), max_size=2)),
        **SYSTEM,
    )
    alert = Alert.raise_(kind=d(words), severity="critical", details=d(json_dicts), **SYSTEM)
    alert.acknowledge(note=d(st.text()), **eng)
    worsening = Alert.raise_(kind=d(words), severity="warning", details=d(json_dicts), **SYSTEM)
    worsening.escalate(severity="critical", details=d(json_dicts), **SYSTEM)
    worsening.resolve(note=d(st.text()), details=d(json_dicts), **SYSTEM)
    accepted = new_case(ref + "-a", p_bad=d(probabilities))
    accepted.accept(**ANA)
    return [case, accepted, quarantined, policy, model, run, alert, worsening]


EXPECTED_TYPES = 11 + 6 + 5 + 1 + 4


def test_every_event_type_round_trips(log: DecisionLog) -> None:
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def round_trip(data: st.DataObject) -> None:
        aggregates = every_event_type(data.draw)
        originals = [e for a in aggregates for e in a.pending_events]
        log.save(*aggregates)  # signed by ana
        # A second senior closes the escalated case, with a key of their own.
        case = aggregates[0]
        case.override(
            action="approve",
            reason_code=data.draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z")),
            reason_text=data.draw(words),
            actor="sam",
            role="senior",
        )
        case.record_outcome(
            outcome=data.draw(st.sampled_from(["good", "bad"])),
            observed_at=datetime.now(UTC),
            source=data.draw(words),
            **SYSTEM,
        )
        # ... and a second risk owner approves ana's proposed policy change (four eyes).
        policy = aggregates[3]
        policy.approve(proposal=1, actor="bob", role="risk_owner")
        originals += case.pending_events + policy.pending_events
        assert len({type(e) for e in originals}) == EXPECTED_TYPES
        log.signer = key_of("sam")
        log.save(case)
        log.signer = key_of("bob")
        log.save(policy)
        log.signer = key_of("ana")
        for agg in aggregates:
            stored = [log.mapper.to_domain_event(s) for s in log.recorder.select_events(agg.id)]
            mine = [e for e in originals if e.originator_id == agg.id]
            assert stored == mine
            assert log.get(agg.id).version == agg.version

    round_trip()
    assert verify(log).ok


# --- replay equals incremental projection --------------------------------------------------

commands = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "open",
                "accept",
                "override",
                "escalate",
                "senior",
                "explain",
                "flag",
                "outcome",
                "catch_up",
                "quarantine",
                "policy",
                "model",
            ]
        ),
        st.integers(0, 3),
        probabilities,
    ),
    min_size=1,
    max_size=25,
)


def run_command(log: DecisionLog, prefix: str, kind: str, i: int, p: float) -> Case | None:
    """Run one command; return the case it saved, if it saved one."""
    cid = Case.id_for("credit", f"{prefix}-{i}")
    ops: dict[str, Any] = {
        "accept": lambda c: c.accept(**ANA),
        "override": lambda c: c.override(
            action="approve", reason_code="other", reason_text="why", actor="bob", role="operator"
        ),
        "escalate": lambda c: c.escalate(reason_text="hm", **ANA),
        "senior": lambda c: c.accept(actor="sam", role="senior"),
        "explain": lambda c: c.record_explanation(
            **explanation(verdicts=[{"rule": "r", "outcome": "flagged" if p > 0.5 else "pass"}])
        ),
        "flag": lambda c: c.record_input_flags(flags=[{"kind": "injection"}], **SYSTEM),
        "outcome": lambda c: c.record_outcome(
            outcome="bad" if p > 0.5 else "good",
            observed_at=datetime.now(UTC),
            source="l",
            **SYSTEM,
        ),
    }
    if kind == "open":
        if not log.exists(cid):
            case = new_case(f"{prefix}-{i}", p_bad=p)
            log.save(case)
            return case
    elif kind == "quarantine":
        q = Case.quarantine(
            domain="credit",
            case_ref=None,
            raw={"p": p, "x": prefix},
            problems=[{"field": "p", "problem": "bad"}],
            **SYSTEM,
        )
        if not log.exists(q.id):
            log.save(q)
            return q
    elif kind == "policy":
        pid = Policy.id_for(prefix)
        if not log.exists(pid):
            log.save(Policy.create(domain=prefix, spec={"t": p}, owner_role="risk_owner", **SYSTEM))
        else:

            def four_eyes(pol: Policy) -> None:
                number = pol.propose(changes={"t": p}, justification="j", actor="r",
                                     role="risk_owner")  # fmt: skip
                pol.approve(proposal=number, actor="s", role="risk_owner")

            log.update(pid, four_eyes)
    elif kind == "model":
        mid = ModelVersion.id_for(prefix, str(i))
        eng = {"actor": "e", "role": "engineer"}
        if not log.exists(mid):
            card = {"data_fingerprint": "f", "metrics": {"auc": p}}
            log.save(
                ModelVersion.register(
                    managers=MANAGERS, domain=prefix, version=str(i), card=card, **eng
                )
            )
        log.update(mid, lambda m: m.promote(evidence={"p": p}, **eng))
    elif log.exists(cid):
        updated: Case = log.update(cid, ops[kind])
        return updated
    return None


def test_replay_equals_incremental_projection(log: DecisionLog, tmp_path: Path) -> None:
    counter = iter(range(10**6))

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(commands)
    def prop(cmds: list[tuple[str, int, float]]) -> None:
        prefix = f"p{next(counter)}"
        rm = ReadModels(tmp_path / f"{prefix}.sqlite")
        for kind, i, p in cmds:
            if kind == "catch_up":
                rm.catch_up(log, batch=7)  # small batches: cases span batch boundaries
                continue
            # A command invalid in this state raises and must leave the log unchanged.
            with contextlib.suppress(DocketError):
                run_command(log, prefix, kind, i, p)
        rm.catch_up(log, batch=7)
        assert check(log, rm) == []
        for row in rm.rows("SELECT case_id, status, version FROM cases"):
            case = log.get(row["case_id"])
            assert (row["status"], row["version"]) == (case.status, case.version)
        rm.close()

    prop()


# --- tamper evidence ---------------------------------------------------------------------


def test_untouched_store_verifies(log: DecisionLog) -> None:
    seed_decided(log, 5)
    report = verify(log)
    assert report.ok and report.checked == log.event_count() and report.first_bad_position is None


def test_altered_event_is_detected_at_its_position(log: DecisionLog, store_url: str) -> None:
    seed_decided(log, 4)
    drop_triggers(store_url)
    state = raw_sql(store_url, "SELECT state FROM {events} WHERE {id} = 6")[0][0]
    forged = forge(state, (b'"decline"', b'"approve"'), (b"0.3", b"0.1"))
    assert plain(forged) != plain(state)
    raw_sql(store_url, "UPDATE {events} SET state = ? WHERE {id} = 6", (forged,))
    report = verify(log)
    assert (report.ok, report.first_bad_position, report.checked) == (False, 6, 5)
    assert "altered" in report.reason


def test_removed_event_is_detected(log: DecisionLog, store_url: str) -> None:
    seed_decided(log, 4)
    drop_triggers(store_url)
    raw_sql(store_url, "DELETE FROM {events} WHERE {id} = 3")
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, 3)
    assert "removed" in report.reason


def test_removed_last_event_is_detected(log: DecisionLog, store_url: str) -> None:
    seed_decided(log, 2)
    last = log.event_count()
    drop_triggers(store_url)
    raw_sql(store_url, f"DELETE FROM {{events}} WHERE {{id}} = {last}")
    assert verify(log).first_bad_position == last


def test_reordered_events_are_detected(log: DecisionLog, store_url: str) -> None:
    seed_decided(log, 4)
    drop_triggers(store_url)
    a = raw_sql(store_url, "SELECT state FROM {events} WHERE {id} = 4")[0][0]
    b = raw_sql(store_url, "SELECT state FROM {events} WHERE {id} = 7")[0][0]
    raw_sql(store_url, "UPDATE {events} SET state = ? WHERE {id} = 4", (bytes(b),))
    raw_sql(store_url, "UPDATE {events} SET state = ? WHERE {id} = 7", (bytes(a),))
    assert verify(log).first_bad_position == 4
    # Moving a row to another position is caught too.
    raw_sql(store_url, "UPDATE {events} SET {id} = 1000 WHERE {id} = 2")
    assert verify(log).first_bad_position == 2


def test_altered_link_is_detected(log: DecisionLog, store_url: str) -> None:
    seed_decided(log, 3)
    drop_triggers(store_url)
    raw_sql(store_url, "UPDATE {chain} SET hash = ? WHERE notification_id = 2", (bytes(32),))
    assert verify(log).first_bad_position == 2


def test_sqlite_triggers_refuse_update_and_delete(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    seed_decided(log, 2)
    for sql in (
        "UPDATE {events} SET state = x'00' WHERE {id} = 1",
        "DELETE FROM {events} WHERE {id} = 1",
        "UPDATE {chain} SET hash = x'00'",
        "DELETE FROM {chain}",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw_sql(url, sql)
    assert verify(log).ok


# --- concurrency with real processes ------------------------------------------------------


def test_two_operators_deciding_at_once_record_one_decision(
    log: DecisionLog, store_url: str
) -> None:
    cases = [new_case(f"R{i}") for i in range(6)]
    log.save(*cases)
    ids = [str(c.id) for c in cases]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    from tests.events.workers import decide_race

    procs = [
        ctx.Process(target=decide_race, args=(store_url, name, ids, barrier, results))
        for name in ("ana", "bob")
    ]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in range(2 * len(ids))]
    for p in procs:
        p.join(timeout=60)
    for case_id in ids:
        outcomes = sorted(r for c, _, r in (g for g in got if g[0] == case_id) for r in [r])
        # The loser is told who won: "already decided by ana", or, when bob's escalation
        # won, "escalated by bob ... waiting for a senior reviewer".
        assert outcomes[1] == "ok", outcomes
        assert outcomes[0].startswith(("AlreadyDecided: ", "AwaitingSenior: ")), outcomes
        assert (
            "was already decided by ana" in outcomes[0] or "was escalated by bob" in outcomes[0]
        ) and " at 20" in outcomes[0]
        decisions = [
            e
            for e in log.recorder.select_events(uuid.UUID(case_id))
            if e.topic.endswith((".Accepted", ".Escalated", ".Overridden"))
        ]
        assert len(decisions) == 1
    assert verify(log).ok


# --- durability ----------------------------------------------------------------------------


def test_sigkilled_bulk_write_loses_nothing_acknowledged(store_url: str, tmp_path: Path) -> None:
    open_signed(store_url).close()  # create the tables before the writer starts
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.events.workers", "bulk", store_url, "100000", "25"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acked: list[str] = []
    while len(acked) < 400:
        line = proc.stdout.readline()
        assert line, "the writer stopped early"
        acked.append(line.split()[1])
    os.kill(proc.pid, signal.SIGKILL)
    # Everything printed before the kill was committed before it was printed.
    acked += [line.split()[1] for line in proc.stdout if line.startswith("ack ")]
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    log = open_signed(store_url)
    missing = [a for a in acked if not log.exists(uuid.UUID(a))]
    assert missing == []
    assert log.event_count() >= 3 * len(acked)
    report = verify(log)
    assert report.ok, report
    rm = rebuild(log, tmp_path / "views.sqlite")
    assert rm.rows("SELECT COUNT(*) AS n FROM cases")[0]["n"] >= len(acked)
    assert check(log, rm) == []


# --- bad stores: one clear sentence ---------------------------------------------------------


def _one_sentence(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and len(text) < 300 and "Traceback" not in text
    return text


def test_unknown_scheme_and_unopenable_paths(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="unknown store URL") as err:
        open_log("ftp://example.org/x")
    _one_sentence(err.value)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create the folder") as err:
        open_log(str(a_file / "sub" / "docket.sqlite"))
    _one_sentence(err.value)
    with pytest.raises(StoreUnavailable, match="folder") as err:
        open_log(str(tmp_path))
    _one_sentence(err.value)


def test_garbage_and_foreign_sqlite_files_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(IncompatibleStore) as err:
        open_log(str(garbage))
    _one_sentence(err.value)
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    conn.execute("INSERT INTO stored_events VALUES ('a', 1, 't', x'00')")
    conn.commit()
    conn.close()
    with pytest.raises(IncompatibleStore, match="not written by Docket"):
        open_log(str(foreign))


def test_postgres_server_down_is_one_sentence() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    start = time.monotonic()
    with pytest.raises(
        StoreUnavailable, match=f"cannot reach the PostgreSQL server at 127.0.0.1:{port}"
    ) as err:
        open_log(f"postgresql://postgres@127.0.0.1:{port}/test")
    assert time.monotonic() - start < 5
    _one_sentence(err.value)


def test_store_from_incompatible_version_is_refused(store_url: str) -> None:
    log = open_signed(store_url)
    seed_decided(log, 1)
    log.close()
    raw_sql(store_url, "UPDATE docket_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(IncompatibleStore, match="version 99") as err:
        open_log(store_url)
    _one_sentence(err.value)


def test_store_urls_parse() -> None:
    assert parse_store_url("sqlite:////tmp/x.sqlite").path == Path("/tmp/x.sqlite")
    assert parse_store_url("sqlite:///rel/x.sqlite").path == Path("rel/x.sqlite")
    assert parse_store_url("~/x.sqlite").path == Path.home() / "x.sqlite"
    pg = parse_store_url("postgresql://u:secret@h:5433/db?schema=s")
    assert (pg.host, pg.port, pg.user, pg.password, pg.dbname, pg.schema) == (
        "h",
        5433,
        "u",
        "secret",
        "db",
        "s",
    )
    assert "secret" not in pg.display


# --- audit ------------------------------------------------------------------------------------


def _tick() -> datetime:
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


def test_audit_as_of_shows_what_the_operator_saw(log: DecisionLog) -> None:
    case = new_case("AUD", p_bad=0.4)
    log.save(case)
    t_opened = _tick()
    log.update(case.id, lambda c: c.record_explanation(**explanation(text="seen by ana")))
    t_explained = _tick()
    log.update(
        case.id,
        lambda c: c.override(
            action="approve", reason_code="missing_information", reason_text="has collateral", **ANA
        ),
    )
    t_decided = _tick()
    log.update(case.id, lambda c: c.record_explanation(**explanation(text="written later")))
    log.update(
        case.id,
        lambda c: c.record_outcome(
            outcome="good", observed_at=datetime.now(UTC), source="ledger", **SYSTEM
        ),
    )

    before = audit_case(log, case.id, as_of=t_opened)
    assert before.state["recommendation"]["action"] == "decline"
    assert before.state["score"]["p_bad"] == 0.4 and before.state["explanations"] == []
    assert before.seen_at_decision is None and before.state["status"] == "open"
    # The timeline stops at the as-of time; what came later is listed apart.
    assert len(before.timeline) == 3 and len(before.after_as_of) == 4
    assert max(e.at for e in before.timeline) <= t_opened < min(e.at for e in before.after_as_of)

    mid = audit_case(log, str(case.id), as_of=t_decided)
    seen = mid.seen_at_decision
    assert seen is not None
    assert [e["text"] for e in seen["explanations"]] == ["seen by ana"]
    assert seen["recommendation"]["policy_version"] == 1
    assert seen["score"]["model_version"] == "m1"
    decision = mid.state["decisions"][0]
    assert (decision["kind"], decision["by"], decision["reason_code"]) == (
        "overridden",
        "ana",
        "missing_information",
    )
    assert mid.state["outcome"] is None

    now = audit_case(log, case.id)
    assert now.state["outcome"]["outcome"] == "good"
    assert len(now.state["explanations"]) == 2
    assert now.seen_at_decision == seen  # later explanations do not change what was seen
    assert '"seen by ana"' in now.to_json()
    assert t_explained < datetime.fromisoformat(decision["at"])
