"""Read models kept in PostgreSQL itself (events.pg_readmodels): one set of tables per store,
shared by every console, kept by one projection under an advisory lock."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from events import queries, queue
from events.app import DecisionLog
from events.readmodel_check import verify_against_log
from events.readmodels import ReadModels
from events.store import open_readmodels
from tests.events.conftest import pg_execute, schema_of
from tests.events.helpers import new_case, open_signed

pytestmark = pytest.mark.postgres
ANA = {"actor": "ana", "role": "operator"}


def _fill(log: DecisionLog, n: int) -> None:
    cases = [new_case(f"C{i:03d}", p_bad=(i % 10) / 10) for i in range(n)]
    for i, case in enumerate(cases):
        if i % 3 == 0:
            case.accept(**ANA)
        elif i % 3 == 1:
            other = "decline" if case.recommendation == "approve" else "approve"
            case.override(action=other, reason_code="missing_information",
                          reason_text="knows more", **ANA)  # fmt: skip
    log.save(*cases)


def _shared(pg_url: str, folder: Path, n: int) -> DecisionLog:
    """A store of ``n`` cases whose shared read models one console brought up to date."""
    log = open_signed(pg_url)
    _fill(log, n)
    first = open_readmodels(pg_url, folder)
    first.catch_up(log)
    first.close()
    return log


def test_consoles_starting_together_apply_each_event_once(pg_url: str, tmp_path: Path) -> None:
    log = open_signed(pg_url)
    _fill(log, 60)
    applied: list[int] = []
    views: list[ReadModels] = []

    def console(k: int) -> None:
        mine = open_readmodels(pg_url, tmp_path / f"console{k}")
        views.append(mine)
        applied.append(mine.catch_up(log, batch=25))

    starting = [threading.Thread(target=console, args=(k,)) for k in range(3)]
    for t in starting:
        t.start()
    for t in starting:
        t.join(60)
    assert sum(applied) == log.event_count()  # the work of one console, not three
    for mine in views:
        assert queries.cases_by_status(mine) == {"decided": 40, "open": 20}
        mine.close()


def test_a_new_console_starts_from_the_shared_tables(pg_url: str, tmp_path: Path) -> None:
    log = _shared(pg_url, tmp_path / "a", 30)
    later = open_readmodels(pg_url, tmp_path / "b")  # another machine: no local file
    assert later.position() == log.event_count()
    assert later.catch_up(log) == 0
    assert queue.queue_count(later, queue.QueueFilter(("open",))) == 10
    assert verify_against_log(log, later).ok
    later.close()


def test_the_same_queries_answer_the_same_on_both_backends(pg_url: str, tmp_path: Path) -> None:
    answers = []
    for url in (str(tmp_path / "s.sqlite"), pg_url):
        log = open_signed(url)
        _fill(log, 45)
        views = open_readmodels(url, tmp_path / "data")
        views.catch_up(log)
        waiting = queue.QueueFilter(("open", "decided"), search="c01")
        first = queue.queue_page(views, waiting, order_by="p_bad", descending=True, limit=3)
        last = first[-1]
        some = first + queue.queue_page(
            views, waiting, order_by="p_bad", descending=True, limit=5,
            after=queue.case_key(views, last["case_id"], "p_bad"),
        )  # fmt: skip
        answers.append(
            (
                [(r["case_ref"], r["p_bad"], r["status"]) for r in some],
                queue.queue_count(views, queue.QueueFilter(("decided",))),
                queries.store_domains(views),
                queries.cases_by_domain(views),
                [(r["decided_action"], r["decision_kind"]) for r in
                 queries.decision_rows(views, "credit")],
                [r["p_bad"] for r in queries.latest_cases(views, "credit", 7)],
                queries.has_cases(views, "credit"),
            )
        )  # fmt: skip
        views.close()
    assert answers[0] == answers[1]
    assert answers[0][0]  # the search matched (case-insensitively on both)


def test_replay_rebuilds_tampered_shared_tables(pg_url: str, tmp_path: Path) -> None:
    log = open_signed(pg_url)
    _fill(log, 12)
    views = open_readmodels(pg_url, tmp_path / "a")
    views.catch_up(log)
    pg_execute("UPDATE cases SET status = 'open'", schema_of(pg_url) + "_views")
    assert not verify_against_log(log, views).ok
    views = views.rebuilt(log)
    assert verify_against_log(log, views).ok
    assert queries.cases_by_status(views) == {"decided": 8, "open": 4}
    views.close()


def test_shared_tables_lacking_a_new_column_say_so(pg_url: str, tmp_path: Path) -> None:
    _shared(pg_url, tmp_path / "a", 3)
    pg_execute("ALTER TABLE cases DROP COLUMN quantity", schema_of(pg_url) + "_views")
    older = open_readmodels(pg_url, tmp_path / "b")  # as made by a Docket before that column
    assert older.added_columns == ("cases.quantity",)  # so the service rebuilds them
    assert older.rows("SELECT quantity FROM cases LIMIT 1") == [{"quantity": None}]
    older.close()


def test_setup_postgres_builds_the_shared_read_models(pg_url: str, tmp_path: Path) -> None:
    # A store filled before its owner ran `docket setup-postgres` (copied in, say): setup
    # brings the shared read models up to date, so no console has to build them.
    import uuid

    from events.store import setup_postgres

    log = open_signed(pg_url)
    _fill(log, 15)
    role = "w_" + uuid.uuid4().hex[:10]
    try:
        lines = setup_postgres(pg_url, role)
        assert any(f"{log.event_count():,} events applied" in line for line in lines), lines
        console = open_readmodels(pg_url, tmp_path / "console")
        assert console.behind(log) == 0
        assert verify_against_log(log, console).ok
        console.close()
    finally:
        pg_execute(f'DROP OWNED BY "{role}"')
        pg_execute(f'DROP ROLE "{role}"')


def test_a_console_opening_on_current_read_models_waits_on_no_lock(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another console holds every lock Docket serialises on: the projection's (as while it
    # catches up), table creation's, and the events table's (as while it appends). A console
    # opening on up-to-date read models must need none of them: with lock_timeout set, any
    # wait would end in an error instead of a slow start.
    import psycopg

    from assistant.service import DocketService
    from events.pg_readmodels import PROJECTION_LOCK, views_schema
    from events.pg_recorder import CREATE_LOCK
    from tests.events.conftest import PG_DB, PG_HOST, PG_PORT, pg_user
    from tests.events.helpers import key_of

    log = _shared(pg_url, tmp_path / "a", 20)
    schema = schema_of(pg_url)
    with psycopg.connect(host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=pg_user()) as holder:
        holder.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            (PROJECTION_LOCK, views_schema(schema)),
        )
        holder.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK,))
        holder.execute(f'LOCK TABLE "{schema}".decisionlog_events IN EXCLUSIVE MODE'.encode())
        monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=3000")
        console = DocketService.open(pg_url, keys=[key_of("ana")], data_dir=tmp_path / "b")
        try:
            assert console.behind() == 0
            assert console.queue().total == 6  # of 20: cases 2, 5, 8, 11, 14 and 17 (_fill)
        finally:
            console.close()
        holder.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK,))
    log.close()


def test_kept_counts_equal_counting_the_rows_after_any_writes(
    pg_url: str, tmp_path: Path
) -> None:
    # The projection's upserts (INSERT ... ON CONFLICT DO UPDATE here), raw updates and
    # deletes from another session, in a seeded mix landing on the same few rows again.
    import itertools
    import random

    from events.case_rows import CASE_COLUMNS
    from events.readmodels import upsert
    from tests.events.test_queue import FLAGS, STATUSES, case, counted_by_rows

    views = open_readmodels(pg_url, tmp_path / "a")
    rng = random.Random(7)
    for _ in range(150):
        n = rng.randrange(12)
        values = {"status": rng.choice(STATUSES), **{f: rng.choice((0, 1, None)) for f in FLAGS}}
        kind = rng.choice(("upsert", "upsert", "update", "delete"))
        if kind == "upsert":
            row = case(n, **values)
            views.conn.executemany(upsert("cases"), [[row.get(c) for c in CASE_COLUMNS]])
        elif kind == "update":
            sets = ", ".join(f"{c} = {'NULL' if v is None else repr(v)}" for c, v in values.items())
            pg_execute(f"UPDATE cases SET {sets} WHERE case_id = 'id-{n:05d}'", views.schema)
        else:
            pg_execute(f"DELETE FROM cases WHERE case_id = 'id-{n:05d}'", views.schema)
    checked = 0
    for statuses, flags in itertools.product(
        [("open", "escalated"), ("decided",), ("quarantined",), STATUSES],
        [(), *((f,) for f in FLAGS), tuple(FLAGS[:2])],
    ):
        selected = queue.QueueFilter(statuses, "", flags)
        kept = queue.queue_count(views, selected, counts_kept=views.keeps_case_counts)
        assert kept == counted_by_rows(views, selected), (statuses, flags)
        checked += kept
    assert checked > 0
    views.close()


def test_kept_counts_are_filled_for_read_models_made_before_them(
    pg_url: str, tmp_path: Path
) -> None:
    log = _shared(pg_url, tmp_path / "a", 30)
    views_at = schema_of(pg_url) + "_views"
    assert pg_execute("SELECT count(*) FROM case_count_changes", views_at) == [(0,)]  # folded
    for kind, name in (("VIEW", queue.COUNTS_TABLE), ("TABLE", "case_counts_kept"),
                       ("TABLE", "case_count_changes")):  # as an older Docket left them
        pg_execute(f"DROP {kind} {name} CASCADE", views_at)
    # (the first version kept the counts in a table of that name, updated row by row)
    pg_execute(f"CREATE TABLE {queue.COUNTS_TABLE} (status text, n bigint)", views_at)
    later = open_readmodels(pg_url, tmp_path / "b")  # the owner's setup-postgres, say
    waiting = queue.QueueFilter(("open", "escalated"))
    assert later.keeps_case_counts
    assert queue.queue_count(later, waiting, counts_kept=True) == 10
    log.save(new_case("C900", p_bad=0.5))
    later.catch_up(log)  # kept from here on by the triggers
    assert queue.queue_count(later, waiting, counts_kept=True) == 11
    later.close()


def test_an_edited_queue_count_fails_the_check_until_a_replay(pg_url: str, tmp_path: Path) -> None:
    log = _shared(pg_url, tmp_path / "a", 12)
    views = open_readmodels(pg_url, tmp_path / "b")
    flags = ", ".join(sorted(queue.QUEUE_FLAGS))
    zeros = ", ".join("0" for _ in queue.QUEUE_FLAGS)
    inflate = f"INSERT INTO case_count_changes (status, {flags}, n) VALUES ('open', {zeros}, 5000)"
    pg_execute(inflate, views.schema)
    report = verify_against_log(log, views)
    assert not report.ok
    assert any(line.startswith("case_counts: open counted") for line in report.differences)
    views = views.rebuilt(log)
    assert verify_against_log(log, views).ok
    views.close()


def test_the_shared_tables_are_checked_against_a_checkpoints_seal(
    pg_url: str, tmp_path: Path
) -> None:
    """``docket verify --checkpoint`` on a team's store: the shared tables pass against the
    seal, replaying only the touched buckets, and an edit made after it is caught."""
    from events import readmodel_seal

    log = _shared(pg_url, tmp_path / "a", 200)
    seal = readmodel_seal.seal_at(log, log.event_count())
    assert seal.buckets == 16  # 200 cases, about 16 a bucket
    log.save(new_case("LATE", p_bad=0.3))
    views = open_readmodels(pg_url, tmp_path / "b")
    views.catch_up(log)
    report = verify_against_log(log, views, seal)
    assert report.ok and report.sealed_at == seal.position and 0 < report.replayed < 100
    pg_execute("UPDATE cases SET p_bad = 0.99 WHERE case_ref = 'C007'", views.schema)
    report = verify_against_log(log, views, seal)
    assert not report.ok and report.sealed_at == 0
    assert any("cases: case_id=" in line for line in report.differences), report.differences
    views.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_newest_seal_recorded_in_the_log_is_found_and_checks_the_shared_tables(
    backend: str, pg_url: str, tmp_path: Path
) -> None:
    """``docket verify --seal`` on either backend: the newest seal the log records is the one
    read back (by its own index: none at first, whatever the log's size), and it spares the
    replay of every untouched bucket."""
    from events import readmodel_seal
    from events.domain import ReadModelSeal

    url = pg_url if backend == "postgres" else str(tmp_path / "s.sqlite")
    log = _shared(url, tmp_path / "a", 120)
    assert readmodel_seal.recorded_seal(log) is None
    for position in (log.event_count() - 1, log.event_count()):
        made = readmodel_seal.seal_at(log, position)
        log.save(ReadModelSeal.record(position=position, buckets=made.buckets,
                                      digests=made.to_json()["digests"], actor="ana",
                                      role="operator"))  # fmt: skip
    found = readmodel_seal.recorded_seal(log)
    assert found is not None and found.at == log.event_count()
    assert found.seal.digests == made.digests and found.seal.position == found.at - 2
    log.save(new_case("LATE", p_bad=0.3))
    views = open_readmodels(url, tmp_path / "b")
    views.catch_up(log)
    report = verify_against_log(log, views, found.seal)
    assert report.ok and report.sealed_at == found.seal.position and 0 < report.replayed < 60
    views.close()
