"""States written with zstd bodies (``0x02`` heads) mean exactly what the zlib layout did:
on a real store (ingested credit rows, decisions, an outcome), the same events rewritten in
the older layout replay into byte-identical read models, and the new store verifies."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from assistant.views import Accept, Override
from events.chain import verify
from events.compression import (
    HEADED,
    HEADED_ZSTD,
    _split,
    deflate,
    read_state,
    unsqueeze,
)
from events.readmodel_check import digest
from events.readmodels import rebuild
from events.store import open_log
from tests.conftest import ServiceFactory
from tests.events.test_contract import drop_triggers


def as_zlib_layout(raw: bytes) -> bytes:
    """A ``0x02`` state rewritten as Docket wrote it before: ``0x01``, the same head, and
    its body's JSON as a zlib stream with the same dictionary."""
    assert raw[:1] == bytes([HEADED_ZSTD])
    _, body = _split(raw)
    head = raw[1 : len(raw) - len(body)]
    return bytes([HEADED]) + head + deflate(unsqueeze(body))


def test_the_zstd_layout_replays_byte_identical_to_the_zlib_layout(
    open_service: ServiceFactory,
    credit_rows: Callable[[int], list[dict[str, object]]],
    tmp_path: Path,
) -> None:
    service = open_service("intake", "system")
    report = service.ingest("credit", credit_rows(40))
    assert len(report.opened) == 40
    ana = open_service("ana", "operator")
    ana.decide(report.opened[0], Accept())
    recommended = ana.case(report.opened[1]).recommendation
    other = "decline" if recommended != "decline" else "approve"
    ana.decide(report.opened[1], Override(other, "model_disagreement", "thin file"))
    store = tmp_path / "store.sqlite"
    old = tmp_path / "old.sqlite"
    source, copy = sqlite3.connect(store), sqlite3.connect(old)
    try:
        source.backup(copy)  # the store with its write-ahead log
    finally:
        source.close()
        copy.close()
    drop_triggers(str(old))
    con = sqlite3.connect(old)
    try:
        rows = con.execute("SELECT rowid, state FROM stored_events").fetchall()
        new = [(i, bytes(s)) for i, s in rows if bytes(s)[:1] == bytes([HEADED_ZSTD])]
        assert len(new) >= 42  # every case event Docket wrote here has a zstd body
        for _, raw in new:
            assert read_state(as_zlib_layout(raw)) == read_state(raw)
        con.executemany(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            [(as_zlib_layout(raw), i) for i, raw in new],
        )
        con.commit()
    finally:
        con.close()
    log, old_log = open_log(str(store)), open_log(str(old))
    assert verify(log).ok
    views = rebuild(log, tmp_path / "new-views.sqlite")
    old_views = rebuild(old_log, tmp_path / "old-views.sqlite")
    try:
        assert views.rows("SELECT count(*) AS n FROM decisions")[0]["n"] == 2
        assert digest(views) == digest(old_views)
    finally:
        views.close()
        old_views.close()
