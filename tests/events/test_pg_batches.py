"""PostgreSQL appends: the chain head is read in the insert's own round trip and the links
go in one statement per batch (events.pg_recorder). What a user relies on must still hold
when several threads of one process and several processes write at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from events.chain import verify
from tests.events.conftest import pg_execute, schema_of
from tests.events.helpers import new_case, open_signed

pytestmark = pytest.mark.postgres


def test_threads_sharing_one_log_and_a_second_log_keep_one_signed_chain(pg_url: str) -> None:
    shared = open_signed(pg_url)  # one recorder, one pool, used by three threads at once
    other = open_signed(pg_url)  # another writer, as a second console would be
    schema = schema_of(pg_url)
    events_before = verify(shared).checked  # the test people's key enrolments
    batches_before = pg_execute("SELECT count(*) FROM docket_signatures", schema)[0][0]
    errors: list[BaseException] = []

    def write(log: object, prefix: str) -> None:
        try:
            for i in range(15):
                log.save(*[new_case(f"{prefix}-{i}-{k}") for k in range(4)])  # type: ignore[attr-defined]
        except BaseException as exc:  # reported below, never swallowed
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(shared, f"t{n}")) for n in range(3)]
    threads.append(threading.Thread(target=write, args=(other, "o")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    report = verify(shared)
    assert report.ok, report.reason
    assert report.checked == events_before + 4 * 15 * 4 * 3  # 4 writers, 15 batches of 4 cases
    batches = pg_execute("SELECT count(*) FROM docket_signatures", schema)[0][0]
    assert batches == batches_before + 4 * 15  # one signature per batch, none lost or merged


def test_a_batch_that_fails_leaves_no_link_or_signature(pg_url: str) -> None:
    log = open_signed(pg_url)
    case = new_case("dup")
    log.save(case)
    before = pg_execute("SELECT count(*) FROM docket_chain", schema_of(pg_url))[0][0]
    stale = log.case(case.id)
    again = log.case(case.id)
    stale.accept(actor="ana", role="operator")
    log.save(stale)
    again.accept(actor="ana", role="operator")
    with pytest.raises(Exception, match="another writer"):
        log.save(again, new_case("rides-along"))  # same transaction: both refused
    after = pg_execute("SELECT count(*) FROM docket_chain", schema_of(pg_url))[0][0]
    assert after == before + 1  # only the first decision's link
    assert verify(log).ok
    log.save(new_case("next"))  # the next batch chains on from the committed head
    assert verify(log).ok


def test_reads_by_topic_find_the_control_events_through_their_index(pg_url: str) -> None:
    from eventsourcing.postgres import PostgresApplicationRecorder

    from events.keyring import ENROLLED_TOPIC

    log = open_signed(pg_url)
    log.save(*[new_case(f"bulk-{i}") for i in range(40)])  # events no fold reads
    recorder = log.recorder
    mine = recorder.select_notifications(1, 100, stop=10**6, topics=[ENROLLED_TOPIC])
    library = PostgresApplicationRecorder.select_notifications(
        recorder, 1, 100, stop=10**6, topics=[ENROLLED_TOPIC]
    )
    assert [n.id for n in mine] == [n.id for n in library] and len(mine) == 4  # test people
    assert [n.state for n in mine] == [n.state for n in library]
    schema = schema_of(pg_url)
    plan = pg_execute(
        "EXPLAIN SELECT * FROM decisionlog_events WHERE notification_id >= 1 "
        f"AND topic = ANY(ARRAY['{ENROLLED_TOPIC}']) ORDER BY notification_id LIMIT 10",
        schema,
    )
    assert "decisionlog_events_control_idx" in " ".join(str(r[0]) for r in plan)


def test_a_conflict_reported_only_as_pipeline_aborted_still_says_another_writer(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """psycopg may lose a pipelined INSERT's unique violation to "pipeline aborted" when the
    pipeline closes (seen once in CI under load): the save must still read as a conflict,
    and a failure that is no conflict must stay what it is."""
    from eventsourcing.persistence import OperationalError
    from eventsourcing.postgres import PostgresApplicationRecorder

    log = open_signed(pg_url)
    case = new_case("race")
    log.save(case)
    stale, again = log.case(case.id), log.case(case.id)
    stale.accept(actor="ana", role="operator")
    log.save(stale)
    again.accept(actor="ana", role="operator")

    def aborted(self: Any, stored_events: Any, **kwargs: Any) -> Any:
        raise OperationalError("pipeline aborted")

    monkeypatch.setattr(PostgresApplicationRecorder, "insert_events", aborted)
    with pytest.raises(Exception, match="another writer"):
        log.save(again)
    with pytest.raises(OperationalError, match="pipeline aborted"):
        log.save(new_case("fresh"))  # no version taken: not a conflict
