"""A replay shared by several processes (events.replay_parts) builds exactly the rows of a
one-process replay, and the read-model check that uses it still catches an edited file."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events import readmodels, replay_parts
from events.app import DecisionLog
from events.domain import Alert, Case, ModelVersion, Policy
from events.readmodel_check import digest, verify_against_log
from events.readmodels import diff_tables, rebuild, replayed
from tests.events.helpers import MANAGERS, SYSTEM, explanation, new_case, open_signed

ANA = {"actor": "ana", "role": "operator"}
ENG = {"actor": "ana", "role": "engineer"}


@pytest.fixture
def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count threads as if this test's thread were the process's only one: earlier tests in
    the same pytest run may leave idle threads behind (an HTTP test server, a library's
    logging worker), and :func:`replay_parts.workers_for` never forks beside other threads.
    A thread the test starts still counts."""
    real = threading.active_count
    stray = real() - 1
    monkeypatch.setattr(threading, "active_count", lambda: real() - stray)


def varied_log(path: Path) -> DecisionLog:
    """A SQLite log with every kind of row: cases decided each way (some over several saves,
    so a case's events lie far apart), a quarantined input, a policy, models, an alert."""
    log = open_signed(str(path))
    policy = Policy.create(domain="credit", spec={"t": 0.17}, owner_role="risk_owner", **SYSTEM)
    model = ModelVersion.register(
        managers=MANAGERS, domain="credit", version="1",
        card={"data_fingerprint": "f", "metrics": {}}, **ENG,
    )  # fmt: skip
    model.promote(evidence={"gate": "passed"}, **ENG)
    log.save(policy, model)
    cases = [new_case(f"P{i:02d}", p_bad=0.2 + 0.02 * i) for i in range(24)]
    log.save(*cases)
    for i, case in enumerate(cases):
        case.record_explanation(**explanation())
        if i % 3 == 0:
            case.accept(**ANA)
        elif i % 3 == 1:
            case.override(action="approve", reason_code="customer_relationship",
                          reason_text="long client", actor="sam", role="senior")  # fmt: skip
        else:
            case.escalate(reason_text="odd", **ANA)
    quarantined = Case.quarantine(
        domain="credit", case_ref="Q1", raw={"age": "x"},
        problems=[{"field": "age", "problem": "not a number"}], **SYSTEM,
    )  # fmt: skip
    alert = Alert.raise_(kind="drift", severity="warning", details={"psi": 0.3}, **SYSTEM)
    log.save(*cases[::2], quarantined, alert)
    log.save(*cases[1::2])
    for case in cases[:6]:
        case.record_outcome(outcome="good", observed_at=datetime.now(UTC),
                            source="ledger", **SYSTEM)  # fmt: skip
    policy.review(note="fine", actor="rita", role="risk_owner")
    log.save(*cases[:6], policy)
    return log


@pytest.mark.parametrize("workers", [2, 3])
def test_a_shared_replay_builds_the_rows_of_a_one_process_replay(
    tmp_path: Path, workers: int
) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    one = replayed(log, tmp_path / "one.sqlite", workers=1)
    shared = replayed(log, tmp_path / "shared.sqlite", batch=7, workers=workers)
    try:
        assert shared.position() == one.position() == log.event_count()
        assert one.rows("SELECT count(*) AS n FROM cases") == [{"n": 25}]
        assert diff_tables(shared, one) == []
        assert digest(shared) == digest(one)
    finally:
        one.close()
        shared.close()
    assert sorted(p.name for p in tmp_path.iterdir() if ".share" in p.name) == []


def test_the_shares_split_the_cases_and_share_0_takes_every_other_event(
    tmp_path: Path,
) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    rows = log.chained_recorder.select_rows(1, 10_000)
    shares = [list(replay_parts.share(k, 3)(rows)) for k in range(3)]
    assert sorted(r[0] for s in shares for r in s) == [r[0] for r in rows]  # each row once
    case_rows = [[r for r in s if r[3] in readmodels.CASE_NAMES] for s in shares]
    assert all(case_rows)  # every share has cases
    owners = {r[1]: k for k, s in enumerate(case_rows) for r in s}
    assert all(owners[r[1]] == k for k, s in enumerate(case_rows) for r in s)  # a case, one share
    assert all(r[3] in readmodels.CASE_NAMES for s in shares[1:] for r in s)


@pytest.mark.usefixtures("alone")
def test_only_a_large_sqlite_log_is_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    assert replay_parts.workers_for(log, None) == 1  # far below SPLIT_FROM
    monkeypatch.setattr(replay_parts, "SPLIT_FROM", 10)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert replay_parts.workers_for(log, None) == 2
    assert replay_parts.workers_for(log, 5) == 1  # a replay up to position 5
    release = threading.Event()
    other = threading.Thread(target=release.wait)  # a console's worker thread
    other.start()
    try:
        assert replay_parts.workers_for(log, None) == 1  # never forks beside other threads
    finally:
        release.set()
        other.join()
    assert replay_parts.workers_for(log, None) == 2
    log.url = ""  # a log opened without a URL the processes could each open
    assert replay_parts.workers_for(log, None) == 1


@pytest.mark.usefixtures("alone")
def test_the_read_model_check_catches_an_edited_file_when_its_replay_is_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    monkeypatch.setattr(replay_parts, "SPLIT_FROM", 10)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    calls: list[int] = []
    real = replay_parts.replayed_in_parts

    def counted(*args: object, **kwargs: int) -> readmodels.ReadModels:
        calls.append(kwargs["workers"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(replay_parts, "replayed_in_parts", counted)
    views = rebuild(log, tmp_path / "views.sqlite")
    try:
        assert verify_against_log(log, views).ok
        views.conn.execute("UPDATE cases SET decided_by = 'mallory' WHERE case_ref = 'P04'")
        report = verify_against_log(log, views)
        assert not report.ok and any("decided_by" in d for d in report.differences)
    finally:
        views.close()
    # The rebuild and the check that found the edit (its replay, to name the difference) were
    # shared; the check that passed hashed its replay's rows in memory, in this process.
    assert calls == [2, 2]


def test_a_share_that_fails_fails_the_replay_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = varied_log(tmp_path / "s.sqlite")

    def broken(url: str) -> DecisionLog:
        raise OSError("disk full")

    monkeypatch.setattr(replay_parts, "open_log", broken)  # only the child opens the log
    with pytest.raises(OSError, match="disk full"):
        replayed(log, tmp_path / "t.sqlite", workers=2).close()
    assert [p.name for p in tmp_path.iterdir() if ".share" in p.name] == []
