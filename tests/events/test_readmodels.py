"""Read models: what each table holds, crash safety of catch_up, and check().

On both backends: beside a SQLite store, a SQLite file; on PostgreSQL, tables in the store's
own database (events.pg_readmodels), through the same projection and the same SQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.app import DecisionLog
from events.case_rows import _costs_text, dumps
from events.domain import Alert, Case, EvalRun, ModelVersion, Policy
from events.readmodels import ReadModels, check, rebuild
from events.store import open_readmodels, readmodel_path_for
from tests.events.helpers import MANAGERS, SYSTEM, explanation, new_case, open_signed

ANA = {"actor": "ana", "role": "operator"}
ENG = {"actor": "ana", "role": "engineer"}


@pytest.fixture
def log(store_url: str) -> DecisionLog:
    return open_signed(store_url)


@pytest.fixture
def rm(tmp_path: Path, log: DecisionLog, store_url: str) -> Iterator[ReadModels]:
    views = open_readmodels(store_url, tmp_path / "data")
    views.catch_up(log)  # past the test people's key enrolments
    yield views
    views.close()


def test_case_rows_follow_the_case(log: DecisionLog, rm: ReadModels) -> None:
    case = new_case("A1", p_bad=0.4)
    case.record_input_flags(flags=[{"kind": "injection", "detail": "ignore all"}], **SYSTEM)
    case.record_explanation(**explanation(verdicts=[{"rule": "claims", "outcome": "blocked"}]))
    case.escalate(reason_text="odd", **ANA)
    log.save(case)
    assert rm.catch_up(log) == 6
    row = rm.rows("SELECT * FROM cases")[0]
    assert row["status"] == "escalated" and row["escalated"] == 1
    assert (row["injection"], row["guardrail"], row["ood"], row["fallback"]) == (1, 1, 0, 0)
    assert row["recommendation"] == "decline" and row["expected_cost"] == pytest.approx(0.6)
    assert (row["p_bad"], row["model_version"], row["policy_version"]) == (0.4, "m1", 1)

    log.update(
        case.id,
        lambda c: c.override(
            action="approve",
            reason_code="customer_relationship",
            reason_text="long client",
            actor="sam",
            role="senior",
        ),
    )
    assert rm.catch_up(log) == 1
    row = rm.rows("SELECT * FROM cases")[0]
    assert (row["status"], row["decision_kind"], row["decided_by"], row["decided_action"]) == (
        "decided",
        "signed_off",  # a senior closing an escalated case signs it off
        "sam",
        "approve",
    )
    assert rm.rows("SELECT count(*) AS n FROM overrides")[0]["n"] == 0
    assert row["version"] == 7
    decisions = rm.rows("SELECT kind, operator FROM decisions ORDER BY position")
    assert decisions == [
        {"kind": "escalated", "operator": "ana"},
        {"kind": "signed_off", "operator": "sam"},
    ]
    signed = rm.rows("SELECT * FROM decisions WHERE kind = 'signed_off'")[0]
    assert (signed["reason_code"], signed["recommended"], signed["action"]) == (
        "customer_relationship",
        "decline",
        "approve",
    )


def test_quarantine_policy_models_evals_alerts(log: DecisionLog, rm: ReadModels) -> None:
    q = Case.quarantine(
        domain="credit",
        case_ref="B1",
        raw={"age": "x"},
        problems=[{"field": "age", "problem": "not a number"}],
        **SYSTEM,
    )
    policy = Policy.create(domain="credit", spec={"t": 0.17}, owner_role="risk_owner", **SYSTEM)
    number = policy.propose(changes={"t": 0.2}, justification="Q3 losses", actor="rita",
                            role="risk_owner")  # fmt: skip
    policy.approve(proposal=number, actor="rob", role="risk_owner")
    m1 = ModelVersion.register(
        managers=MANAGERS,
        domain="credit",
        version="1",
        card={"data_fingerprint": "f", "metrics": {}},
        **ENG,
    )
    m2 = ModelVersion.register(
        managers=MANAGERS,
        domain="credit",
        version="2",
        card={"data_fingerprint": "g", "metrics": {}},
        **ENG,
    )
    m1.promote(evidence={"gate": "passed"}, **ENG)
    log.save(q, policy, m1, m2)
    rm.catch_up(log)
    m2.promote(evidence={"gate": "passed"}, **ENG)
    policy.review(note="fine", actor="rita", role="risk_owner")
    alert = Alert.raise_(kind="drift", severity="warning", details={"psi": 0.3}, **SYSTEM)
    run = EvalRun.record(
        suite="gate", results={"auc": 0.8}, passed=True, model_versions=["2"], **SYSTEM
    )
    log.save(m2, policy, alert, run)
    alert.acknowledge(note="ok", **ENG)
    log.save(alert)
    rm.catch_up(log)

    assert rm.rows("SELECT status FROM cases") == [{"status": "quarantined"}]
    assert '"age"' in rm.rows("SELECT problems FROM quarantine")[0]["problems"]
    history = rm.rows(
        "SELECT event, policy_version, justification FROM policy_history ORDER BY position"
    )
    assert [(h["event"], h["policy_version"]) for h in history] == [
        ("created", 1),
        ("changed", 2),
        ("reviewed", 2),
    ]
    assert rm.rows("SELECT model_version, champion FROM models ORDER BY model_version") == [
        {"model_version": "1", "champion": 0},
        {"model_version": "2", "champion": 1},
    ]
    assert rm.rows("SELECT acknowledged FROM alerts") == [{"acknowledged": 1}]
    assert rm.rows("SELECT passed FROM eval_runs") == [{"passed": 1}]
    assert check(log, rm) == []


def test_rerun_applies_nothing_twice(
    log: DecisionLog, rm: ReadModels, store_url: str, tmp_path: Path
) -> None:
    log.save(*(new_case(f"C{i}") for i in range(10)))
    assert rm.catch_up(log, batch=4) == 30
    assert rm.catch_up(log) == 0
    assert rm.position() == log.event_count()
    other = open_readmodels(store_url, tmp_path / "other")  # another console, same store
    assert other.catch_up(log) == 0
    assert other.rows("SELECT count(*) AS n FROM cases") == [{"n": 10}]
    other.close()


def test_crash_mid_batch_leaves_rows_and_position_together(
    log: DecisionLog, rm: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.save(*(new_case(f"C{i}") for i in range(5)))
    rm.catch_up(log)
    before = rm.position()
    log.save(*(new_case(f"D{i}") for i in range(5)))

    from events import readmodels

    def boom(self: object, position: int) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(readmodels._Batch, "write", boom)
    with pytest.raises(RuntimeError):
        rm.catch_up(log)
    monkeypatch.undo()
    assert rm.position() == before
    assert rm.rows("SELECT COUNT(*) AS n FROM cases") == [{"n": 5}]
    assert rm.catch_up(log) == 15
    assert check(log, rm) == []


def test_check_reports_divergence(log: DecisionLog, rm: ReadModels) -> None:
    case = new_case("C1")
    case.accept(**ANA)
    log.save(case)
    rm.catch_up(log)
    rm.conn.execute("UPDATE cases SET status = 'open'")
    rm.conn.execute("DELETE FROM decisions")
    problems = check(log, rm)
    assert any("cases" in p and "status" in p for p in problems)
    assert any(p.startswith("decisions: 1 rows missing") for p in problems)


def test_rebuild_replaces_the_file(tmp_path: Path) -> None:
    log = open_signed(str(tmp_path / "s.sqlite"))
    log.save(new_case("C1"))
    path = tmp_path / "v.sqlite"
    first = rebuild(log, path)
    first.close()
    log.save(new_case("C2"))
    again = rebuild(log, path)
    assert again.rows("SELECT COUNT(*) AS n FROM cases") == [{"n": 2}]
    index = "idx_cases_status_opened_at_case_ref_case_id"  # made at the end of a rebuild
    assert again.rows("SELECT name FROM sqlite_master WHERE name = ?", [index])


def test_readmodel_path_for(tmp_path: Path) -> None:
    store = tmp_path / "docket.sqlite"
    assert (
        readmodel_path_for(str(store), tmp_path / "data") == tmp_path / "docket.sqlite.views.sqlite"
    )
    a = readmodel_path_for("postgresql://u:pw1@h:5432/db", tmp_path)
    b = readmodel_path_for("postgresql://u:pw2@h:5432/db", tmp_path)
    c = readmodel_path_for("postgresql://u@h:5432/other", tmp_path)
    assert a == b != c and a.parent == tmp_path and a.name.startswith("views-")


def test_read_models_far_behind_catch_up_in_steps(
    tmp_path: Path, log: DecisionLog, rm: ReadModels, store_url: str
) -> None:
    # A console on read models far behind the log (a store's first console) applies a step
    # per sync instead of freezing until every event is applied; the rows end up the same.
    log.save(*[new_case(f"S{i:02d}") for i in range(12)])
    rm.step = 7
    lag = rm.behind(log)
    assert lag == log.event_count() - rm.position() >= 3 * 12
    steps = []
    while rm.behind(log):
        steps.append(rm.catch_up(log))
    assert steps[:-1] == [7] * (len(steps) - 1) and 0 < steps[-1] <= 7 and sum(steps) == lag
    assert check(log, rm) == []
    rebuilt = rm.rebuilt(log)  # whole, whoever asks; the step stays for the next syncs
    assert (rebuilt.behind(log), rebuilt.step) == (0, 7)
    if rebuilt is not rm:  # SQLite: a new file; PostgreSQL: the same tables, refilled
        rebuilt.close()


def test_a_replay_holds_off_the_cycle_collector_and_gives_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc
    import threading

    from events import readmodels

    log = open_signed(str(tmp_path / "s.sqlite"))
    log.save(new_case("C1"), new_case("C2"))
    seen: list[bool] = []
    real = ReadModels.catch_up
    inside, release = threading.Event(), threading.Event()

    def watched(self: ReadModels, *args: object, **kwargs: object) -> int:
        seen.append(gc.isenabled())
        if threading.current_thread().name == "first":  # stays inside until told
            inside.set()
            release.wait(10)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ReadModels, "catch_up", watched)
    assert gc.isenabled()
    first = threading.Thread(
        target=lambda: readmodels.replayed(log, tmp_path / "a.sqlite").close(), name="first"
    )
    first.start()
    assert inside.wait(10)
    rebuild(log, tmp_path / "b.sqlite").close()  # starts and ends while the first runs
    assert not gc.isenabled()  # the first replay is still running
    release.set()
    first.join(10)
    assert gc.isenabled() and seen == [False, False]
    gc.disable()  # a caller that had it off keeps it off
    try:
        rebuild(log, tmp_path / "c.sqlite").close()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_checking_replay_builds_tables_only_and_digests_them_as_a_rebuild(
    tmp_path: Path,
) -> None:
    from events import readmodel_check, readmodels

    log = open_signed(str(tmp_path / "s.sqlite"))
    case = new_case("C1")
    case.accept(**ANA)
    log.save(case, new_case("C2"))
    tables = readmodels.replayed(log, tmp_path / "t.sqlite")
    full = rebuild(log, tmp_path / "f.sqlite")
    try:
        indexes = "SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'idx_%'"
        assert tables.rows(indexes) == [{"n": 0}] and full.rows(indexes)[0]["n"] > 20
        assert readmodel_check.digest(tables) == readmodel_check.digest(full)
        full.conn.execute("UPDATE cases SET p_bad = p_bad + 1e-15 WHERE case_ref = 'C1'")
        assert readmodel_check.digest(tables) != readmodel_check.digest(full)  # to the last bit
    finally:
        tables.close()
        full.close()


def test_a_read_model_table_swapped_for_a_view_is_one_sentence(tmp_path: Path) -> None:
    # An insider renames the queue's table and puts a view over it that changes what it
    # shows: opening the file said so in a traceback; now in one sentence.
    import sqlite3

    from events.errors import StoreError

    path = tmp_path / "views.sqlite"
    ReadModels(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("ALTER TABLE cases RENAME TO cases_real")
    conn.execute("CREATE VIEW cases AS SELECT * FROM cases_real")
    conn.close()
    with pytest.raises(StoreError, match="was edited .*run `docket replay`"):
        ReadModels(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_json_columns_are_spelled_as_json_dumps_spells_them(value: object) -> None:
    """The read models' JSON text (made by the C encoder, built once) is ``json.dumps``'s,
    compact with sorted keys, to the byte: floats' spelling, NaN, non-ASCII escapes."""
    assert dumps(value) == json.dumps(value, separators=(",", ":"), sort_keys=True)


_EDGES = [0.0, -0.0, 1e-4, -1e-4, 9.999999999999999e-05, 1e-05, 1e16, 9999999999999998.0, 1e15,
          0.1, 2.5, 1 / 3, 5e-324, 1.7976931348623157e308, float("nan"), float("inf"), 123456.789]


@given(st.dictionaries(st.text(max_size=8) | st.sampled_from(["approve", "decline", "order"]),
                       st.floats() | st.sampled_from(_EDGES) | st.integers() | st.booleans(),
                       max_size=5))  # fmt: skip
def test_expected_costs_are_spelled_as_json_dumps_spells_them(costs: dict[str, object]) -> None:
    """The ``cases`` row's costs (orjson's text where it is provably json's, else json's)."""
    assert _costs_text(costs) == json.dumps(costs, separators=(",", ":"), sort_keys=True)


def test_costs_at_the_edges_of_orjsons_spelling_are_json_dumps_ones() -> None:
    for v in _EDGES:
        for costs in ({"approve": v}, {"decline": v, "approve": 0.5, "a\x7f": 1.0, "é": v}):
            assert _costs_text(costs) == json.dumps(costs, separators=(",", ":"), sort_keys=True)
