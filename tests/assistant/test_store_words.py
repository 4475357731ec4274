"""The shipped packs' store words are registered and frozen, and a store of ingested credit
cases keeps each case in about a quarter of its JSON while reading back the same facts."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable
from pathlib import Path

from events.compression import DICTIONARIES, decompress, dictionary_of
from tests.conftest import ServiceFactory

#: Every stored credit or demand case event names one of these: they must never change.
FROZEN = {"credit": 0xB8DDD88B, "demand": 0x520826E0}


def test_shipped_store_words_are_registered_and_unchanged() -> None:
    for pack, dict_id in FROZEN.items():
        assert zlib.adler32(DICTIONARIES[dict_id]) == dict_id, pack


def test_ingested_credit_cases_are_stored_in_a_quarter_of_their_json(
    open_service: ServiceFactory,
    credit_rows: Callable[[int], list[dict[str, object]]],
    tmp_path: Path,
) -> None:
    service = open_service("intake", "system")
    rows = credit_rows(30)
    report = service.ingest("credit", rows)
    assert len(report.opened) == 30
    con = sqlite3.connect(tmp_path / "store.sqlite")
    try:
        stored = con.execute(
            "SELECT topic, state FROM stored_events WHERE topic LIKE '%:Case.%'"
        ).fetchall()
    finally:
        con.close()
    opened = [bytes(s) for t, s in stored if t.endswith("Case.Assessed")]  # opened + assessed
    assert {dictionary_of(s) for s in opened} == {FROZEN["credit"]}
    packed = sum(len(bytes(s)) for _, s in stored)
    assert packed < 0.35 * sum(len(decompress(bytes(s))) for _, s in stored)
    # The same facts come back: the input as validated, in the audit (protected fields
    # are hidden from this role, nothing else differs).
    first = json.loads(decompress(opened[0]))
    audit = service.audit(report.opened[0])
    shown = audit.state_as_of["input"]
    assert shown["credit_amount"] == first["input"]["credit_amount"]
    hidden = {k for k, v in shown.items() if v == "(hidden: protected)"}
    assert hidden == {"personal_status_and_sex", "foreign_worker"}
    assert {k: v for k, v in first["input"].items() if k not in hidden} == {
        k: v for k, v in shown.items() if k not in hidden
    }
    assert audit.state_as_of["score"]["attributions"]
