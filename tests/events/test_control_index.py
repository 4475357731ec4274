"""The key ring and deployments read their few events through a partial index, so opening a
store does not read every case event (3 s at 400k events without it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventsourcing.sqlite import SQLiteApplicationRecorder

from events.keyring import ENROLLED_TOPIC, REVOKED_TOPIC
from events.recorders import CONTROL_TOPICS, ChainedSQLiteRecorder
from events.store import open_log
from tests.events.helpers import new_case, open_signed

INDEX = "stored_events_control_idx"


def indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        conn.close()


def test_key_events_are_read_through_the_control_index_on_old_and_new_stores(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    log = open_signed(str(path))
    log.save(*[new_case(f"C{i}") for i in range(30)])
    recorder = log.recorder
    assert isinstance(recorder, ChainedSQLiteRecorder)
    topics = [ENROLLED_TOPIC, REVOKED_TOPIC]
    ours = recorder.select_notifications(1, 1000, topics=topics)
    library = SQLiteApplicationRecorder.select_notifications(recorder, 1, 1000, topics=topics)
    assert [(n.id, n.topic, n.state) for n in ours] == [
        (n.id, n.topic, n.state) for n in library
    ] and len(ours) >= 3  # the test people's enrolments
    plan = " ".join(
        str(r[3]) for r in sqlite3.connect(path).execute(
            "EXPLAIN QUERY PLAN SELECT rowid FROM stored_events WHERE rowid >= 1 AND topic IN "
            f"({', '.join(repr(t) for t in CONTROL_TOPICS)}) AND topic IN (?, ?)",
            topics,
        )
    )  # fmt: skip
    assert INDEX in plan
    del log

    conn = sqlite3.connect(path)  # a store made before the index existed
    conn.execute(f"DROP INDEX {INDEX}")
    conn.commit()
    conn.close()
    assert INDEX not in indexes(path)
    reopened = open_log(str(path))
    assert INDEX in indexes(path)
    assert len(reopened.recorder.select_notifications(1, 1000, topics=topics)) == len(ours)

