"""A checkpoint's read-model seal: ``docket verify --checkpoint`` replays only the cases that
share a bucket with a case changed since the checkpoint, and still lets no edit through.

The insider here edits the read-model file after the checkpoint was taken, the way a
careless day or an attacker would: a row of a case no event touched since, a row of a case
that was touched, a case's rows removed from a bucket that was touched (so that a replay of
what the file holds would agree with the file), a row added under a made-up case, the seal
itself. Every one must fail the check and be named by the full check it falls back to.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from events import readmodel_check, readmodel_seal, replay_parts
from events.app import DecisionLog
from events.case_rows import CASE_TABLES
from events.domain.case import Case
from events.readmodel_check import verify_against_log
from events.readmodel_seal import Seal, bucket_of, buckets_for, check_since, seal_at
from events.readmodels import ReadModels, rebuild
from tests.events.test_replay_parts import SYSTEM, varied_log


@pytest.fixture(autouse=True, params=["beside", "here"])
def small_buckets(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Four cases a bucket, so that the 25 cases of the test log fill several buckets; the
    touched buckets replayed in a process of their own beside the file's reading (as on a
    SQLite store from the command line), or in this one (a process running threads)."""
    monkeypatch.setattr(readmodel_seal, "CASES_PER_BUCKET", 4)
    monkeypatch.setattr(replay_parts, "SPLIT_FROM", 0)  # a process of its own at any size
    real = threading.active_count
    stray = real() - 1  # threads earlier tests left (see test_replay_parts.alone)
    alone = request.param == "beside"
    monkeypatch.setattr(threading, "active_count", lambda: real() - stray if alone else 2)


def cases_of(log: DecisionLog) -> dict[str, str]:
    """case_ref -> case id."""
    with rebuild(log, Path(str(log.url) + ".refs.sqlite")) as views:
        return {str(r["case_ref"]): str(r["case_id"]) for r in
                views.rows("SELECT case_ref, case_id FROM cases")}  # fmt: skip


def touch(log: DecisionLog, case_id: str) -> None:
    """An event on one case after the checkpoint: its outcome comes back."""
    import uuid

    case = log.repository.get(uuid.UUID(case_id))
    assert isinstance(case, Case)
    case.record_outcome(outcome="bad", observed_at=datetime.now(UTC), source="ledger", **SYSTEM)
    log.save(case)


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[DecisionLog, Seal, ReadModels, dict[str, str]]:
    """A log sealed at its end, then one case touched, and read models caught up."""
    log = varied_log(tmp_path / "s.sqlite")
    seal = seal_at(log, log.event_count())
    refs = cases_of(log)
    touch(log, refs["P07"])
    views = rebuild(log, tmp_path / "views.sqlite")
    return log, seal, views, refs


def sealed_check(log: DecisionLog, views: ReadModels, seal: Seal) -> object:
    """:func:`check_since` in a read snapshot of the file, as verify calls it."""
    views.conn.execute("BEGIN")
    try:
        return check_since(log, views, seal)
    finally:
        views.conn.execute("COMMIT")


def no_full_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole log was replayed")

    monkeypatch.setattr(readmodel_check, "expected_rows", refused)


def test_a_file_that_matches_is_checked_by_replaying_only_the_touched_bucket(
    sealed: tuple[DecisionLog, Seal, ReadModels, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    log, seal, views, refs = sealed
    assert seal.buckets == buckets_for(25) == 8
    no_full_replay(monkeypatch)
    report = verify_against_log(log, views, seal)
    views.close()
    assert report.ok, report.differences
    assert report.sealed_at == seal.position and report.position == log.event_count()
    bucket = bucket_of(refs["P07"], seal.buckets)
    assert report.replayed == sum(bucket_of(c, seal.buckets) == bucket for c in refs.values())
    assert 0 < report.replayed < 25
    assert "the checkpoint's seal of position" in report.sentence()


def test_the_sealed_digest_does_not_depend_on_how_the_replay_was_split(tmp_path: Path) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    from events import replay_parts

    one = seal_at(log, log.event_count())
    real = replay_parts.workers_for
    try:
        replay_parts.workers_for = lambda *a: 2  # type: ignore[assignment]
        shared = seal_at(log, log.event_count())
    finally:
        replay_parts.workers_for = real  # type: ignore[assignment]
    assert one == shared


def _same_bucket_other(refs: dict[str, str], seal: Seal, ref: str) -> str:
    bucket = bucket_of(refs[ref], seal.buckets)
    return next(r for r, c in sorted(refs.items())
                if r != ref and bucket_of(c, seal.buckets) == bucket)  # fmt: skip


def _other_bucket(refs: dict[str, str], seal: Seal, ref: str) -> str:
    bucket = bucket_of(refs[ref], seal.buckets)
    return next(r for r, c in sorted(refs.items()) if bucket_of(c, seal.buckets) != bucket)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        # a case no event touched since the checkpoint: the seal says what it held
        ("UPDATE cases SET p_bad = p_bad + 1e-9 WHERE case_ref = {untouched}", "cases: case_id="),
        # the case that was touched: its replay says what it holds
        ("UPDATE outcomes SET outcome = 'good' WHERE case_id = "
         "(SELECT case_id FROM cases WHERE case_ref = 'P07') AND outcome = 'bad'",
         "outcomes: position="),
        # a case removed from the touched bucket: a replay of what the file holds there agrees
        # with the file, but not with the seal at the checkpoint
        ("DELETE FROM cases WHERE case_ref = {neighbour}", "cases: 1 rows missing"),
        ("DELETE FROM decisions WHERE case_id = "
         "(SELECT case_id FROM cases WHERE case_ref = {neighbour})", "decisions: "),
        # every row of that case, in every case table: nothing left in the file to replay
        (";".join(f"DELETE FROM {table} WHERE case_id = {{neighbour_id}}" for table in
                  ("decisions", "overrides", "outcomes", "explanations", "quarantine",
                   "cases")), "cases: 1 rows missing"),
        # a row under a made-up case
        ("INSERT INTO outcomes (position, case_id, outcome) VALUES (999999, 'x', 'good')",
         "outcomes: 1 rows not in the log"),
        ("INSERT INTO outcomes (position, case_id, outcome) VALUES "
         "(999999, '00000000-0000-0000-0000-000000000000', 'good')",
         "outcomes: 1 rows not in the log"),
        # a table that is not a case's
        ("UPDATE alerts SET severity = 'info'", "alerts: "),
    ],
)  # fmt: skip
def test_an_edit_after_the_checkpoint_fails_and_is_named(
    sealed: tuple[DecisionLog, Seal, ReadModels, dict[str, str]], edit: str, named: str
) -> None:
    log, seal, views, refs = sealed
    untouched = _other_bucket(refs, seal, "P07")
    neighbour = _same_bucket_other(refs, seal, "P07")
    try:
        for statement in edit.split(";"):
            views.conn.execute(statement.format(
                untouched=f"'{untouched}'", neighbour=f"'{neighbour}'",
                neighbour_id=f"'{refs[neighbour]}'"))  # fmt: skip
        assert sealed_check(log, views, seal) is None
        report = verify_against_log(log, views, seal)
        assert not report.ok and report.sealed_at == 0
        assert any(named in line for line in report.differences), report.differences
    finally:
        views.close()


def test_a_seal_of_another_log_state_fails_over_to_the_full_check(
    sealed: tuple[DecisionLog, Seal, ReadModels, dict[str, str]],
) -> None:
    """A seal whose digests are not the log's (a bug, or another store's) never passes a
    file: the full check decides, and here the file is right."""
    log, seal, views, _ = sealed
    wrong = Seal(seal.position, seal.buckets, bytes(len(seal.digests)))
    try:
        assert sealed_check(log, views, wrong) is None
        report = verify_against_log(log, views, wrong)
        assert report.ok and report.sealed_at == 0
    finally:
        views.close()


def test_read_models_behind_the_checkpoint_get_the_full_check(tmp_path: Path) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    views = ReadModels(tmp_path / "views.sqlite")
    views.catch_up(log, stop=log.event_count() - 3)
    seal = seal_at(log, log.event_count())
    try:
        report = verify_against_log(log, views, seal)
        assert report.ok and report.sealed_at == 0
    finally:
        views.close()


@pytest.mark.parametrize("cases", [0, 1, 64, 65, 1_000_000, 10**9])
def test_buckets_are_a_power_of_two_of_about_the_set_size_and_capped(cases: int) -> None:
    buckets = buckets_for(cases)
    assert buckets & (buckets - 1) == 0 and 1 <= buckets <= readmodel_seal.MAX_BUCKETS
    assert buckets == readmodel_seal.MAX_BUCKETS or buckets * 4 >= cases


@pytest.mark.parametrize(
    "data",
    [None, [], {"buckets": 0, "digests": ""}, {"buckets": 2, "digests": "AAAA"},
     {"buckets": 1, "digests": "not base64!"}, {"buckets": True, "digests": ""}],
)  # fmt: skip
def test_a_malformed_seal_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        Seal.from_json(5, data)


def test_a_seal_round_trips_through_its_json() -> None:
    seal = Seal(7, 2, bytes(range(32)))
    assert Seal.from_json(7, seal.to_json()) == seal


def test_a_seal_most_of_whose_buckets_were_touched_since_gives_way_to_the_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    seal = seal_at(log, log.event_count())
    refs = cases_of(log)
    for ref in ("P06", "P07", "P08", "P09", "P10", "P11"):
        touch(log, refs[ref])
    touched = {bucket_of(refs[r], seal.buckets) for r in ("P06", "P07", "P08", "P09", "P10", "P11")}
    assert len(touched) > seal.buckets * readmodel_seal.MOST_TOUCHED
    with rebuild(log, tmp_path / "views.sqlite") as views:
        report = verify_against_log(log, views, seal)
    assert report.ok and report.sealed_at == 0
    monkeypatch.setattr(readmodel_seal, "MOST_TOUCHED", 1.0)
    with rebuild(log, tmp_path / "views2.sqlite") as views:
        report = verify_against_log(log, views, seal)
    assert report.ok and report.sealed_at == seal.position and report.replayed > 6


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[DecisionLog, list[Seal], Path]:
    """One log with cases touched after several positions, sealed at each (so each seal has
    another set of buckets touched since), and its read models as a replay leaves them."""
    folder = tmp_path_factory.mktemp("history")
    log = varied_log(folder / "s.sqlite")
    refs = cases_of(log)
    seals = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readmodel_seal, "CASES_PER_BUCKET", 2)  # 16 buckets for 25 cases
        for ref in ("P20", "P15", "P12", None):
            seals.append(seal_at(log, log.event_count()))
            if ref is not None:
                touch(log, refs[ref])
    rebuild(log, folder / "views.sqlite").close()
    return log, seals, folder / "views.sqlite"


_EDITED_VALUES = st.sampled_from([None, 0, 1, -1, 0.5, 1e-12, "", "x", "approve", "escalate"])


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seal_index=st.integers(0, 3),
    table=st.sampled_from([*sorted(CASE_TABLES), "alerts", "models"]),
    pick=st.integers(0, 10_000),
    kind=st.sampled_from(["update", "delete", "copy", "none"]),
    column_pick=st.integers(0, 100),
    value=_EDITED_VALUES,
)
def test_the_sealed_check_passes_a_file_only_when_the_full_check_does(
    history: tuple[DecisionLog, list[Seal], Path], tmp_path_factory: pytest.TempPathFactory,
    seal_index: int, table: str, pick: int, kind: str, column_pick: int, value: object,
) -> None:  # fmt: skip
    """Whatever a careless day or an insider does to one row (a value changed, a row
    removed, a row copied under a new key), the check against any of the seals says ok only
    when a replay of the whole log agrees, and it is used whenever the file is right."""
    log, seals, built = history
    seal = seals[seal_index]
    path = tmp_path_factory.mktemp("edit") / "views.sqlite"
    shutil.copyfile(built, path)
    views = ReadModels(path)
    try:
        columns = [r[1] for r in views.conn.execute(f"PRAGMA table_info({table})")]
        rowids = [r[0] for r in views.conn.execute(f"SELECT rowid FROM {table} ORDER BY rowid")]
        if kind != "none" and rowids:
            rowid = rowids[pick % len(rowids)]
            column = columns[column_pick % len(columns)]
            if kind == "update":
                try:
                    views.conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                                       (value, rowid))  # fmt: skip
                except sqlite3.IntegrityError:  # SQLite refuses it (a text position...)
                    assume(False)
            elif kind == "delete":
                views.conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            else:  # the same row again under a key of its own
                key = CASE_TABLES[table][1] if table in CASE_TABLES else columns[0]
                row = dict(zip(columns, views.conn.execute(
                    f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone(), strict=True))
                row[key] = 10**9 if isinstance(row[key], int) else f"{row[key]}-copy"
                marks = ",".join("?" for _ in row)
                views.conn.execute(f"INSERT INTO {table} ({','.join(row)}) VALUES ({marks})",
                                   tuple(row.values()))  # fmt: skip
        full = verify_against_log(log, views)
        sealed = sealed_check(log, views, seal)
        if sealed is not None:
            assert full.ok, full.differences
        touched = len({bucket_of(c, seal.buckets) for c in
                       readmodel_seal._cases_touched(log, seal.position, views.position())})
        if full.ok and touched <= seal.buckets * readmodel_seal.MOST_TOUCHED:
            assert sealed is not None  # the seal spares the replay of a right file
    finally:
        views.close()


def test_a_seal_recorded_in_the_log_is_read_back_only_when_it_can_vouch(tmp_path: Path) -> None:
    """``docket verify`` reads the newest seal the log records: one that claims a position
    at or after its own record (it could not have checked what came after it), or whose
    digests are not one per bucket, is not read as a seal (the full check then runs)."""
    from events.domain import ReadModelSeal
    from events.readmodel_seal import recorded_seal

    log = varied_log(tmp_path / "s.sqlite")
    good = seal_at(log, log.event_count())

    def record(position: int, digests: str) -> None:
        log.save(ReadModelSeal.record(position=position, buckets=good.buckets,
                                      digests=digests, **SYSTEM))  # fmt: skip

    record(good.position, good.to_json()["digests"])
    found = recorded_seal(log)
    assert found is not None and found.seal == Seal(good.position, good.buckets, good.digests,
                                                    found.seal.source)  # fmt: skip
    assert found.at == log.event_count() and found.actor == SYSTEM["actor"]
    record(log.event_count() + 1, good.to_json()["digests"])  # claims its own position
    assert recorded_seal(log) is None
    record(good.position, "AAAA")  # 3 bytes, not one digest per bucket
    assert recorded_seal(log) is None
