"""Stored states are compressed, read back unchanged, and a hostile state is refused in one
sentence (never a memory blow-up or a traceback from zlib)."""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from pathlib import Path

import pytest
import zstandard

from events.audit import audit_case
from events.chain import verify
from events.compression import (
    DICTIONARY,
    DICTIONARY_ID,
    HEADED,
    HEADED_ZSTD,
    MAX_STATE,
    DocketCompressor,
    UnreadableState,
    _split,
    decompress,
    deflate,
    head_of,
    read_state,
    register_words,
)
from events.errors import DocketError
from events.readmodels import rebuild
from tests.events.helpers import new_case, open_signed
from tests.events.test_contract import drop_triggers, raw_sql, seed_decided


def test_the_dictionary_never_changes() -> None:
    # Every compressed state names this dictionary: editing it makes old stores unreadable.
    # A new dictionary goes beside it in DICTIONARIES, under its own id.
    assert DICTIONARY_ID == 0xC64A960F == zlib.adler32(DICTIONARY)


def test_events_are_stored_compressed_and_read_back_as_written(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    cases = seed_decided(log, 20)
    rows = raw_sql(url, "SELECT state FROM {events}")
    stored = sum(len(bytes(r[0])) for r in rows)
    text = sum(len(decompress(bytes(r[0]))) for r in rows)
    assert stored < 0.7 * text  # what the store gains
    assert all(bytes(r[0])[:1] != b"{" for r in rows)
    again = log.case(cases[1].id)
    assert (again.p_bad, again.recommendation, again.status) == (0.3, "decline", "decided")
    audit = audit_case(log, cases[1].id)
    assert audit.state["input"] == {"age": 40, "amount": 1200.5}
    assert audit.state["score"]["attributions"] == {"age": -0.1, "amount": 0.2}
    assert verify(log).ok
    views = rebuild(log, tmp_path / "views.sqlite")
    try:
        assert views.rows("SELECT count(*) AS n FROM cases")[0]["n"] == 20
    finally:
        views.close()


def test_plain_json_written_before_compression_reads_as_it_is() -> None:
    text = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"}}'
    assert decompress(text) == text
    assert decompress(DocketCompressor().compress(text)) == text


def test_a_state_inflating_beyond_the_limit_is_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * (MAX_STATE + 10), 9)
    assert len(bomb) < MAX_STATE // 500
    with pytest.raises(UnreadableState, match="inflates beyond"):
        decompress(bomb)


def test_a_cut_damaged_or_unknown_state_is_one_sentence() -> None:
    good = DocketCompressor().compress(json.dumps({"note": "ana"}).encode())
    assert good[:1] not in (bytes([HEADED]), bytes([HEADED_ZSTD]))  # no actor or role: zlib
    with pytest.raises(UnreadableState, match="cut short"):
        decompress(good[:-6])
    with pytest.raises(UnreadableState, match="damaged"):
        decompress(good[:6] + bytes(len(good) - 6))
    other = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, b"another dict")
    unknown = other.compress(b'{"a":1}') + other.flush()
    with pytest.raises(UnreadableState, match="does not know"):
        decompress(unknown)


def test_a_bomb_put_in_the_store_is_named_not_inflated(tmp_path: Path) -> None:
    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    log.save(new_case("A"), new_case("B"))
    drop_triggers(url)
    bomb = zlib.compress(b"{" + b" " * (MAX_STATE + 10), 9)
    opened = log.event_count() - 5  # case A's first event (3 per case)
    raw_sql(url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {opened}", (bomb,))
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, opened)
    with pytest.raises(DocketError, match="inflates beyond"):  # one sentence, no traceback
        rebuild(log, tmp_path / "views.sqlite")


def test_a_packs_words_shrink_its_events_and_stay_readable() -> None:
    fields = [f"{hashlib.sha256(bytes([i])).hexdigest()[:12]}_amount" for i in range(12)]
    state = json.dumps({"input": dict.fromkeys(fields, 1), "shadow": False}).encode()
    before = len(DocketCompressor().compress(state))
    dict_id = register_words(f'"{fields[0]}"'.encode(),
                             ("".join(f'"{f}":' for f in fields)).encode())  # fmt: skip
    packed = DocketCompressor().compress(state)
    assert len(packed) < 0.7 * before
    assert int.from_bytes(packed[2:6], "big") == dict_id  # the stream names its dictionary
    assert decompress(packed) == state
    assert decompress(DocketCompressor().compress(b'{"other":1}')) == b'{"other":1}'


def test_a_state_orjson_refuses_is_still_read() -> None:
    # json.dumps writes NaN (a quarantined input may hold one); replay must still read it.
    state = read_state(DocketCompressor().compress(b'{"raw":{"amount":NaN},"n":1}'))
    assert state["n"] == 1 and math.isnan(state["raw"]["amount"])


def test_who_acted_is_read_without_inflating_and_is_what_every_reader_sees() -> None:
    text = b'{"case_ref":"A-1","actor":"ana","role":"operator","class_version":2}'
    packed = DocketCompressor().compress(text)
    assert packed[:1] == bytes([HEADED_ZSTD]) and b"ana" in packed  # the head is not inflated
    assert head_of(packed) == {"actor": "ana", "role": "operator"}
    assert json.loads(decompress(packed)) == json.loads(text) == read_state(packed)
    # A body naming another actor (never written so: forged with a key) reads as its head
    # says, so what verify checks is what replay and the audit see.
    head = bytes([HEADED, 0b11, 3]) + b"ana" + bytes([8]) + b"operator"
    forged = head + zlib.compress(b'{"actor":"bob","role":"manager","d":{"role":"x"}}')
    assert read_state(forged) == {"actor": "ana", "role": "operator", "d": {"role": "x"}}
    assert json.loads(decompress(forged)) == read_state(forged)


def test_a_damaged_head_is_one_sentence() -> None:
    packed = DocketCompressor().compress(b'{"actor":"ana","role":"operator"}')
    assert packed[:7] == bytes([HEADED_ZSTD, 0b11, 3]) + b"ana" + bytes([8])
    with pytest.raises(UnreadableState, match="cut short"):
        head_of(packed[:8])
    with pytest.raises(UnreadableState, match="not UTF-8"):
        head_of(packed[:3] + b"\xff" + packed[4:])
    with pytest.raises(UnreadableState, match="other fields"):
        read_state(packed[:1] + b"\x0b" + packed[2:])  # bit 3 (bit 2: the steps' authors)
    with pytest.raises(UnreadableState, match="damaged|cut short"):
        decompress(packed[:-6] + bytes(6))


def test_a_hostile_zstd_body_is_one_sentence() -> None:
    packed = DocketCompressor().compress(b'{"actor":"ana","role":"operator","note":"x"}')
    assert packed[:1] == bytes([HEADED_ZSTD])
    head = packed[: 1 + 1 + 1 + 3 + 1 + 8]
    # A frame declaring more than MAX_STATE bytes is refused before anything is inflated.
    bomb = zstandard.ZstdCompressor(level=19).compress(b"{" + b" " * (MAX_STATE + 10))
    assert len(bomb) < MAX_STATE // 500
    with pytest.raises(UnreadableState, match="inflates beyond"):
        read_state(head + DICTIONARY_ID.to_bytes(4, "big") + bomb)
    with pytest.raises(UnreadableState, match="cut short"):
        read_state(packed[:-3])
    with pytest.raises(UnreadableState, match="damaged"):
        decompress(packed[:-5] + bytes(5))  # the checksum catches what parses
    with pytest.raises(UnreadableState, match="does not know"):
        read_state(head + bytes(4) + packed[len(head) + 4 :])


def test_every_layout_of_a_state_reads_the_same() -> None:
    text = b'{"case_ref":"A-1","input":{"age":40},"actor":"ana","role":"operator"}'
    zstd_headed = DocketCompressor().compress(text)
    _, body = _split(zstd_headed)
    zlib_headed = bytes([HEADED]) + zstd_headed[1 : len(zstd_headed) - len(body)]
    zlib_headed += zlib.compress(b'{"case_ref":"A-1","input":{"age":40}}')
    for layout in (text, deflate(text), zlib_headed, zstd_headed):
        assert read_state(layout) == json.loads(text)
        assert json.loads(decompress(layout)) == json.loads(text)

