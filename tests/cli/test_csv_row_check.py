"""A CSV row's text is checked once as a whole line, then field by field only when the line
has a problem: the same rows come out, and a bad row names the same first bad field, as
checking every field (the reference here)."""

from __future__ import annotations

from typing import Any

from cli.csv_rows import _csv_row
from cli.file_records import MAX_FIELD_CHARS, marker, text_problem

NAMES = ["a", "b", "c"]


def _reference(names: list[str], line: int, record: list[str]) -> list[dict[str, Any]]:
    """The per-field check, as it was written before the whole-line check."""
    where = f"line {line}"
    raw = ",".join(record)
    bad = next(((n, p) for n, v in zip(names, record, strict=True)
                if (p := text_problem(v))), None)  # fmt: skip
    if bad:
        return [marker(raw, f"{where}, {bad[0]}", bad[1])]
    return [dict(zip(names, record, strict=True))]


RECORDS = [
    ["1", "two", "3.5"],
    ["x\x00y", "ok", "ok"],
    ["ok", "bell\x07", "tab\tand\nnewline"],
    ["ok", "ok", "\udc80 not utf-8"],
    ["ok", "\udcff", "\x1f"],  # the reader decodes with surrogateescape: \udc80-\udcff
    ["ok", "x" * (MAX_FIELD_CHARS + 1), "ok"],
    ["y" * (MAX_FIELD_CHARS // 2 + 1), "z" * (MAX_FIELD_CHARS // 2 + 1), "ok"],  # long line
    ["ok", "\x7f", "x" * (MAX_FIELD_CHARS + 5)],
    ["Grüße", "日本語", "emoji 🙂"],
]


def test_whole_line_check_gives_what_each_field_check_gave() -> None:
    for line, record in enumerate(RECORDS, start=2):
        assert list(_csv_row(NAMES, line, record)) == _reference(NAMES, line, record), record
