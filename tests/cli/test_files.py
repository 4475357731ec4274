"""The file reader behind ``docket ingest`` and ``docket outcomes`` on hostile files.

Each hostile shape seen in the field (Excel's BOM, a Latin-1 row, a 1 MB field, deep JSON,
binary garbage, NUL bytes) is read without an exception: good records come back as dicts,
each unreadable one as a marker naming where and why, and the rest of the file still goes
in. Hypothesis then throws arbitrary bytes and arbitrary CSV/JSON Lines content at it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.files import MAX_EVIDENCE_CHARS, MAX_FIELD_CHARS, iter_rows, rows_from_bytes

GOOD = "case_ref,purpose,note\ngc-1,car,fine\ngc-2,radio/television,ok\n"


def markers(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in rows if "__unparseable__" in r]


def good(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in rows if "__unparseable__" not in r]


def test_excel_utf8_bom_does_not_rename_the_first_field() -> None:
    rows = rows_from_bytes(b"\xef\xbb\xbf" + GOOD.encode(), json_lines=False)
    assert [r["case_ref"] for r in rows] == ["gc-1", "gc-2"]


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    rows = rows_from_bytes((GOOD + "gc-3,car,Müller\n").encode("utf-16"), json_lines=False)
    assert [r["note"] for r in rows] == ["fine", "ok", "Müller"]


def test_a_latin1_row_is_refused_asking_for_utf8_and_the_other_rows_are_read() -> None:
    data = GOOD.encode() + "gc-3,car,Müller\n".encode("latin-1") + b"gc-4,car,fine\n"
    rows = rows_from_bytes(data, json_lines=False)
    assert [r["case_ref"] for r in good(rows)] == ["gc-1", "gc-2", "gc-4"]
    [bad] = markers(rows)
    assert bad["__field__"] == "line 4, note"
    assert "UTF-8" in str(bad["__error__"]) and "0xFC" in str(bad["__error__"])
    assert "\\xfc" in str(bad["__unparseable__"])  # the raw bytes are kept, readable


def test_a_field_over_the_csv_modules_limit_is_refused_and_the_next_row_is_read() -> None:
    before = csv.field_size_limit()
    huge = "x" * 1_048_576
    data = (GOOD + f'gc-3,car,"{huge}"\ngc-4,car,after\n').encode()
    rows = rows_from_bytes(data, json_lines=False)
    assert [r["case_ref"] for r in good(rows)] == ["gc-1", "gc-2", "gc-4"]
    [bad] = markers(rows)
    assert bad["__field__"] == "line 4, note" and "1,048,576 characters" in str(bad["__error__"])
    assert len(str(bad["__unparseable__"])) < MAX_EVIDENCE_CHARS + 200  # bounded evidence
    assert csv.field_size_limit() == before  # the process-wide limit is put back


def test_nul_bytes_and_control_characters_refuse_only_their_row() -> None:
    data = GOOD.encode() + b"gc-3,car,a\x00b\ngc-4,car,\x1b[31mred\n"
    rows = rows_from_bytes(data, json_lines=False)
    assert [r["case_ref"] for r in good(rows)] == ["gc-1", "gc-2"]
    assert ["NUL" in str(m["__error__"]) for m in markers(rows)] == [True, False]
    assert all("\x00" not in str(m["__unparseable__"]) for m in markers(rows))


def test_binary_garbage_is_one_marker_for_the_file() -> None:
    data = random.Random(15).randbytes(200_000)
    [bad] = rows_from_bytes(data, json_lines=False)
    assert bad["__field__"] == "file"
    assert "not a text file" in str(bad["__error__"]) and "UTF-8" in str(bad["__error__"])


def test_semicolon_csv_and_ragged_rows() -> None:
    data = b"case_ref;purpose\ngc-1;car\ngc-2;car;extra\ngc-3\n"
    rows = rows_from_bytes(data, json_lines=False)
    assert good(rows) == [{"case_ref": "gc-1", "purpose": "car"}]
    assert [m["__error__"] for m in markers(rows)] == [
        "has 3 fields; the header names 2", "has 1 field; the header names 2"]


def test_an_unreadable_header_line_says_no_row_can_be_read() -> None:
    [bad] = rows_from_bytes(b"case_ref,,purpose\ngc-1,x,car\n", json_lines=False)
    assert bad["__field__"] == "header line" and "no name" in str(bad["__error__"])
    [bad] = rows_from_bytes(b"case_ref,case_ref\ngc-1,gc-2\n", json_lines=False)
    assert "named twice" in str(bad["__error__"])


def test_hostile_json_lines_each_get_their_own_reason() -> None:
    lines = [
        json.dumps({"case_ref": "gc-1"}),
        "[" * 100_000,  # RecursionError inside json
        json.dumps({"case_ref": "gc-2", "deep": [[[[[[[[[[1]]]]]]]]]]}),
        '{"case_ref": "gc-3", "case_ref": "gc-4"}',
        '{"case_ref": "\\ud800"}',
        '{"n": ' + "9" * 5000 + "}",
        "[1, 2]",
        '{"case_ref": "gc-5", "note": "\\u0000"}',
        json.dumps({"case_ref": "gc-6", "note": "ok\u2028still one line"}),
    ]
    rows = rows_from_bytes("\n".join(lines).encode(), json_lines=True)
    assert [r["case_ref"] for r in good(rows)] == ["gc-1", "gc-6"]
    reasons = [str(m["__error__"]) for m in markers(rows)]
    assert len(reasons) == 7
    for reason, words in zip(reasons, ["nested too deeply", "nested more than", "repeats the key",
                                       "surrogate", "not valid JSON", "not a JSON object",
                                       "NUL"], strict=True):
        assert words in reason, reason


def test_a_json_file_holding_one_array_of_objects() -> None:
    data = json.dumps([{"case_ref": "gc-1"}, "oops", {"case_ref": "gc-2"}], indent=2).encode()
    rows = rows_from_bytes(data, json_lines=True)
    assert [r.get("case_ref") for r in good(rows)] == ["gc-1", "gc-2"]
    assert [m["__field__"] for m in markers(rows)] == ["item 2"]


# --- fuzz ----------------------------------------------------------------------------------------


def storable(rows: list[dict[str, object]]) -> None:
    """What the service needs of every item: a dict of str keys whose JSON is UTF-8 text."""
    for row in rows:
        assert isinstance(row, dict)
        assert all(isinstance(k, str) for k in row)
        json.dumps(row, ensure_ascii=False).encode("utf-8")  # no lone surrogates anywhere
        if "__unparseable__" in row:
            assert isinstance(row["__error__"], str) and row["__error__"]
            assert len(str(row["__unparseable__"])) <= MAX_EVIDENCE_CHARS + 200
        else:
            assert all(len(v) <= MAX_FIELD_CHARS for v in row.values() if isinstance(v, str))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=4096), json_lines=st.booleans())
def test_arbitrary_bytes_never_raise_and_every_item_is_storable(
    data: bytes, json_lines: bool
) -> None:
    storable(rows_from_bytes(data, json_lines=json_lines))


HOSTILE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(["\x00", "\ufeff", "\u202e", '"', ",",
                                                              ";", "\r", "\n", "\\", "{", "["]),
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(
    header=st.lists(HOSTILE_TEXT, min_size=1, max_size=5),
    records=st.lists(st.lists(HOSTILE_TEXT, min_size=0, max_size=6), max_size=8),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf"]),
    tail=st.binary(max_size=30),
)
def test_any_csv_content_is_read_without_raising(
    header: list[str], records: list[list[str]], prefix: bytes, tail: bytes
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *records])
    rows = rows_from_bytes(prefix + buffer.getvalue().encode() + tail, json_lines=False)
    storable(rows)


def test_a_well_formed_csv_loses_no_record() -> None:
    # Every non-blank record comes back, good or as a marker: nothing is silently dropped.
    rng = random.Random(7)
    header = ["case_ref", "note"]
    body = [[f"gc-{i}", rng.choice(["ok", "a\nb", "x" * 200_000, "é", "\x00", ""])]
            for i in range(200)]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    rows = rows_from_bytes(buffer.getvalue().encode(), json_lines=False)
    assert len(rows) == 200
    assert [r["case_ref"] for r in good(rows)] == [
        ref for ref, note in body if note not in ("\x00",) and len(note) <= MAX_FIELD_CHARS]


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
            lambda children: st.lists(children, max_size=3)
            | st.dictionaries(HOSTILE_TEXT, children, max_size=3),
            max_leaves=20,
        ),
        max_size=6,
    ),
    garbage=st.lists(st.binary(max_size=20), max_size=3),
)
def test_any_json_lines_content_is_read_without_raising(
    values: list[object], garbage: list[bytes]
) -> None:
    lines = [json.dumps(v).encode() for v in values] + garbage
    storable(rows_from_bytes(b"\n".join(lines), json_lines=True))


# --- streaming ------------------------------------------------------------------------------------


def test_a_large_file_is_read_a_record_at_a_time(tmp_path: Path) -> None:
    # 40,000 rows (about 4 MB): reading them all through the iterator holds one record at a
    # time, not the file (a list of the same file's rows would hold every row).
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_ref", "purpose", "note"])
        writer.writerows([f"gc-{i}", "car", "a note of some length " * 4] for i in range(40_000))
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 40_000
    assert peak < path.stat().st_size / 10, f"peak {peak:,} bytes for {path.stat().st_size:,}"


def test_a_file_read_as_it_goes_gives_what_the_whole_bytes_give(tmp_path: Path) -> None:
    data = (b"\xef\xbb\xbf" + GOOD.encode() + "gc-3,car,Müller\n".encode("latin-1")
            + b"gc-4,car,\"two\nlines\"\r\ngc-5,car,end")
    for suffix, json_lines in ((".csv", False), (".jsonl", True)):
        path = tmp_path / f"f{suffix}"
        body = data if not json_lines else b'{"a": 1}\n\n{"b": "\xe2\x80\xa8"}\r\n[1]\nnot json\n'
        path.write_bytes(body)
        assert list(iter_rows(path)) == rows_from_bytes(body, json_lines=json_lines)
