"""CSV records from a file: the delimiter picked from the header, fields beyond the csv
module's limit read (then refused by length), rows with too many or too few fields, blank
lines and unreadable records each reported on their line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from cli.file_records import LineMap, Row, marker, text_problem


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Lift the csv module's per-field limit (131,072) while reading one file.

    Long fields are then refused by :func:`text_problem` with a sentence, instead of
    ``_csv.Error`` cutting the file short.
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _delimiter(header_line: str) -> str:
    """``,`` unless the header line has more ``;`` or tabs (spreadsheets in many locales)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def csv_rows(lines: Iterable[str], first_line: str, field_limit: int,
             where: LineMap | None = None) -> Iterator[Row]:
    """The records of CSV ``lines`` (a text stream opened with ``newline=""``), read one
    at a time; ``first_line`` (the header's text) picks the delimiter. ``where`` is told
    the line each record starts on."""
    reader = csv.reader(lines, delimiter=_delimiter(first_line))
    with _field_limit(field_limit):
        records = _csv_records(reader)
        found = next(records, None)
        if found is None:
            return
        _, header = found
        problem = header if isinstance(header, str) else _header_problem(header)
        if problem:  # the header itself could not be parsed, or names no fields
            if where is not None:
                where.note(1)
            yield marker(first_line, "header line", problem + "; no row can be read")
            return
        names = [name.strip() for name in header]
        for line, record in records:
            for row in _csv_row(names, line, record):
                if where is not None:
                    where.note(line)
                yield row


def _csv_row(names: list[str], line: int, record: list[str] | str) -> Iterator[Row]:
    where = f"line {line}"
    if isinstance(record, str):
        yield marker("", where, record)
        return
    if not any(field.strip() for field in record):
        return  # a blank line, as spreadsheets leave at the end
    raw = ",".join(record)
    if len(record) != len(names):
        yield marker(raw, where, f"has {_fields(len(record))}; the header names {len(names)}")
        return
    # The row's text is checked once: a field's problem (a surrogate, a control character,
    # its length) is one of the whole line's, so only a line with one is checked field by
    # field, to name the first bad field as before.
    bad = None
    if text_problem(raw) is not None:
        bad = next(((n, p) for n, v in zip(names, record, strict=True)
                    if (p := text_problem(v))), None)  # fmt: skip
    if bad:
        yield marker(raw, f"{where}, {bad[0]}", bad[1])
        return
    yield dict(zip(names, record, strict=True))


def _fields(n: int) -> str:
    return "1 field" if n == 1 else f"{n:,} fields"


def _csv_records(reader: Any) -> Iterator[tuple[int, list[str] | str]]:
    """(first line number, fields) per record, or (line, why) where csv itself gave up."""
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, f"cannot be read as CSV ({exc})"
        else:
            yield line, record
        line = reader.line_num + 1


def _header_problem(header: list[str]) -> str | None:
    names = [name.strip() for name in header]
    for name in names:
        problem = text_problem(name)
        if problem:
            return f"a field name {problem}"
    if any(not name for name in names):
        return f"field {names.index('') + 1} has no name"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"the field {repeated[0]!r} is named twice"
    return None
