"""PostgreSQL append-only: the writer role, the triggers, and no running as the owner.

The contract suite's SQLite test proves its triggers refuse UPDATE and DELETE; these prove
the same of a PostgreSQL store set up with ``setup_postgres`` (``docket setup-postgres``):
the writer Docket runs as cannot change or empty the log, the owner's own changes are
refused by triggers, and Docket will not run as the owner unless told to.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from events.chain import verify
from events.errors import UnsafeConnection
from events.store import open_log, setup_postgres
from tests.events.conftest import PG_DB, PG_HOST, PG_PORT, pg_execute, schema_of
from tests.events.helpers import new_case, open_signed

pytestmark = pytest.mark.postgres

ANA = {"actor": "ana", "role": "operator"}
CHANGES = [
    "UPDATE {t} SET {column} = {column}",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
]
TABLES = ["decisionlog_events", "docket_chain", "docket_signatures"]
#: A column of each table, for the UPDATE.
COLUMN = {"decisionlog_events": "originator_version", "docket_chain": "originator_version",
          "docket_signatures": "key_id"}  # fmt: skip


@pytest.fixture
def writer(pg_url: str) -> Iterator[tuple[str, str]]:
    """(owner URL, writer URL) of a store set up with a fresh writer role."""
    role = "w_" + uuid.uuid4().hex[:10]
    lines = setup_postgres(pg_url, role)
    assert any("refuse UPDATE, DELETE and TRUNCATE" in line for line in lines), lines
    url = f"postgresql://{role}@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={schema_of(pg_url)}"
    try:
        yield pg_url, url
    finally:
        pg_execute(f'DROP OWNED BY "{role}"')
        pg_execute(f'DROP ROLE "{role}"')


def as_role(url: str, sql: str) -> None:
    import psycopg

    role = url.split("//", 1)[1].split("@", 1)[0]
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=role, autocommit=True
    ) as conn:
        conn.execute(f'SET search_path TO "{schema_of(url)}"')
        conn.execute(sql)  # type: ignore[arg-type]


def seed(url: str) -> int:
    log = open_signed(url)
    try:
        cases = [new_case(f"P{i}") for i in range(3)]
        cases[0].accept(**ANA)
        log.save(*cases)
        assert verify(log).ok
        return log.event_count()
    finally:
        log.close()


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("table", TABLES)
def test_the_writer_role_appends_and_reads_but_cannot_change_or_empty_the_log(
    writer: tuple[str, str], change: str, table: str
) -> None:
    import psycopg

    _, url = writer
    events = seed(url)
    assert events > 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role(url, change.format(t=table, column=COLUMN[table]))
    log = open_log(url)
    try:
        assert log.event_count() == events and verify(log).ok
    finally:
        log.close()


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("table", TABLES)
def test_triggers_refuse_the_owners_own_changes(
    writer: tuple[str, str], change: str, table: str
) -> None:
    import psycopg

    owner, url = writer
    seed(url)
    with pytest.raises(psycopg.Error, match="append-only"):
        pg_execute(change.format(t=table, column=COLUMN[table]), schema_of(owner))


def test_docket_refuses_to_run_as_the_owner_unless_told_to(writer: tuple[str, str]) -> None:
    owner, _ = writer
    without = owner.replace("allow_owner=1&", "")
    assert "allow_owner" not in without
    with pytest.raises(UnsafeConnection, match="allow_owner=1"):
        open_log(without)
    open_log(owner).close()  # told to: allowed


def test_a_writer_given_update_rights_or_a_store_without_triggers_is_refused(
    writer: tuple[str, str],
) -> None:
    owner, url = writer
    role = url.split("//", 1)[1].split("@", 1)[0]
    pg_execute(f'GRANT UPDATE ON decisionlog_events TO "{role}"', schema_of(owner))
    with pytest.raises(UnsafeConnection, match="may UPDATE on decisionlog_events"):
        open_log(url)
    pg_execute(f'REVOKE UPDATE ON decisionlog_events FROM "{role}"', schema_of(owner))
    pg_execute("DROP TRIGGER docket_append_only ON docket_chain", schema_of(owner))
    with pytest.raises(UnsafeConnection, match="triggers on docket_chain are missing"):
        open_log(url)
    setup_postgres(owner, role)  # puts them back
    open_log(url).close()



def _verify(url: str) -> tuple[bool, int | None, str]:
    log = open_log(url)
    try:
        report = verify(log)
        return report.ok, report.first_bad_position, report.reason
    finally:
        log.close()


def test_an_event_the_writer_inserts_below_position_1_is_named(writer: tuple[str, str]) -> None:
    # INSERT is the writer's right, the notification id included: an event at position 0 is
    # outside every walk from position 1, yet a read of its case by id finds it.
    _, url = writer
    seed(url)
    oid, topic, state = pg_execute(
        "SELECT originator_id, topic, encode(state, 'hex') FROM decisionlog_events "
        "WHERE topic LIKE '%Accepted' LIMIT 1", schema_of(url)
    )[0]  # fmt: skip
    as_role(url, "INSERT INTO decisionlog_events (notification_id, originator_id, "
            f"originator_version, topic, state) VALUES (0, '{oid}', 99, '{topic}', "
            f"'\\x{state}'::bytea)")  # fmt: skip
    ok, position, reason = _verify(url)
    assert (ok, position) == (False, 0) and "before the log's first position" in reason


def test_a_batch_signature_the_writer_inserts_past_the_end_is_named(
    writer: tuple[str, str],
) -> None:
    _, url = writer
    events = seed(url)
    as_role(url, f"INSERT INTO docket_signatures VALUES ({events + 5}, {events + 1}, 'k', "
            "'\\x00'::bytea)")  # fmt: skip
    ok, position, reason = _verify(url)
    assert (ok, position) == (False, events + 1) and "no event is stored at" in reason


def test_triggers_set_to_fire_only_for_replication_count_as_disabled(
    writer: tuple[str, str],
) -> None:
    # ENABLE REPLICA TRIGGER leaves the trigger in the catalogue, not disabled ('D'), yet it
    # no longer fires in an ordinary session: the owner's UPDATE then goes through.
    owner, url = writer
    seed(url)
    pg_execute("ALTER TABLE docket_chain ENABLE REPLICA TRIGGER docket_append_only",
               schema_of(owner))  # fmt: skip
    pg_execute("UPDATE docket_chain SET originator_version = originator_version", schema_of(owner))
    with pytest.raises(UnsafeConnection, match="triggers on docket_chain are missing"):
        open_log(url)


@pytest.mark.parametrize(
    "neutralise",
    [
        # The function every trigger runs, replaced by one that lets the change through.
        "CREATE OR REPLACE FUNCTION docket_refuse_change() RETURNS trigger LANGUAGE plpgsql "
        "AS $$BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END$$",
        # The trigger kept by name and enabled, with a condition that never holds.
        "CREATE OR REPLACE TRIGGER docket_append_only BEFORE UPDATE OR DELETE ON docket_chain "
        "FOR EACH ROW WHEN (false) EXECUTE FUNCTION docket_refuse_change()",
        # ... or firing on INSERT only.
        "CREATE OR REPLACE TRIGGER docket_append_only BEFORE INSERT ON docket_chain "
        "FOR EACH ROW EXECUTE FUNCTION docket_refuse_change()",
    ],
    ids=["function", "when-false", "insert-only"],
)
def test_triggers_that_no_longer_refuse_count_as_missing(
    writer: tuple[str, str], neutralise: str
) -> None:
    # Each leaves two enabled triggers of the expected names on every table, which is all
    # the guard counted; the owner's UPDATE of a link then went through and Docket opened
    # the store as append-only.
    owner, url = writer
    seed(url)
    pg_execute(neutralise, schema_of(owner))
    pg_execute("UPDATE docket_chain SET originator_version = originator_version", schema_of(owner))
    with pytest.raises(UnsafeConnection, match="triggers on .* are missing or disabled"):
        open_log(url)
