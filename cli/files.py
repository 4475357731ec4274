"""Reading rows from files a person hands to ``docket ingest`` and ``docket outcomes``.

Those files come from spreadsheets, exports and other people's scripts, so the reader
assumes nothing about them and never raises on their content. It returns one item per
record it could find, in file order:

* a good record is a plain ``dict`` of field name to value;
* a record it could not read is a *marker* ``{"__unparseable__": evidence,
  "__field__": where, "__error__": why}``: the service quarantines it as an event with
  that problem (:func:`assistant.usecases.case_records.unparseable`) and reports it on its row.

What it copes with: a UTF-8 byte-order mark (Excel's "CSV UTF-8"), UTF-16/32 files with a
byte-order mark (Excel's "Unicode text"), lines that are not UTF-8 (the row is refused and
told to save the file as UTF-8; the other rows still go in), NUL bytes and other binary
data (a whole binary file is one marker, not thousands), fields longer than the csv
module's 131,072-character limit (read, then refused above :data:`MAX_FIELD_CHARS`),
``;`` or tab as the CSV delimiter, rows with more or fewer fields than the header,
JSON that is nested too deep, has a huge integer, a lone surrogate or a key twice,
and a ``.json`` file holding one array of objects instead of JSON Lines.

Evidence kept in a marker is capped at :data:`MAX_EVIDENCE_CHARS` characters, with the
length and SHA-256 of the full text, so a hostile file cannot bloat the log; the file
itself is the full copy.

This module finds the text (byte-order marks, encodings, binary data) and streams it;
:mod:`cli.csv_rows` and :mod:`cli.json_rows` read its records, :mod:`cli.file_records` says
what a record and a marker are.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from cli import csv_rows, json_rows
from cli.file_records import (
    CONTROL,
    MAX_DEPTH,
    MAX_EVIDENCE_CHARS,
    MAX_FIELD_CHARS,
    SURROGATE,
    LineMap,
    Row,
    file_marker,
    marker,
)
from events.errors import FieldProblem, InputRejected

BINARY_SNIFF_BYTES = 8_192
#: Bytes read ahead to sniff a file: enough for :data:`BINARY_SNIFF_BYTES` characters.
SNIFF_BYTES = 4 * BINARY_SNIFF_BYTES
JSON_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})

_BOMS = (  # UTF-32 first: its little-endian mark starts with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def iter_rows(path: Path, lines: LineMap | None = None) -> Iterator[Row]:
    """Every record in the CSV or JSON Lines file at ``path``, good ones and markers, read
    as the caller consumes them; ``lines`` is told the line each record starts on (a CSV or
    JSON Lines file; not a JSON array).

    A UTF-8 file (the usual export) is never held whole in memory: ``docket ingest``
    of a million rows keeps one batch at a time. UTF-16/32 files and a ``.json`` file
    holding one array are decoded whole (the first is rare, the second is one value).

    Raises:
        InputRejected: only when the file cannot be opened at all (one sentence).
    """
    try:
        handle = path.open("rb")
        size = os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise InputRejected([FieldProblem("file", f"cannot read {path}: {_reason(exc)}")]) \
            from exc
    return _closing(handle, _stream_rows(handle, size, path.suffix.lower() in JSON_SUFFIXES,
                                         lines))


def _closing(handle: BinaryIO, rows: Iterator[Row]) -> Iterator[Row]:
    with handle:
        yield from rows


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """One JSON object from the file at ``path`` (e.g. a policy to backtest).

    Raises:
        InputRejected: one sentence naming the file and what is wrong with it.
    """
    [item] = rows_from_bytes(_read(path), json_lines=True, whole=True)
    if "__unparseable__" in item:
        where = "" if item["__field__"] in ("file", "line 1") else f" ({item['__field__']})"
        raise InputRejected([FieldProblem(what, f"{path}{where} {item['__error__']}")])
    return item


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputRejected([FieldProblem("file", f"cannot read {path}: {_reason(exc)}")]) \
            from exc


def rows_from_bytes(data: bytes, *, json_lines: bool, whole: bool = False) -> list[Row]:
    """The records in ``data`` (see the module docstring); never raises on content.

    ``whole``: the data is one JSON value (exactly one item comes back).
    """
    if whole:
        text, encoding = _decode(data)
        if text is None:
            return [file_marker(len(data), hashlib.sha256(data).hexdigest(), data[:64],
                                 f"is not a text file ({encoding}); expected JSON saved as "
                                 "UTF-8")]  # fmt: skip
        return [json_rows.json_whole(text)]
    return list(_stream_rows(io.BytesIO(data), len(data), json_lines))


def _stream_rows(stream: BinaryIO, size: int, json_lines: bool,
                 lines_of: LineMap | None = None) -> Iterator[Row]:
    """The records of a seekable byte stream of ``size`` bytes, read line by line."""
    head = stream.read(SNIFF_BYTES)
    skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    lines: IO[str]
    if any(head[skip:].startswith(bom) for bom, _ in _BOMS):  # UTF-16/32: decoded whole
        raw = head + stream.read()
        text, why = _decode(raw)
        if text is None:
            yield _binary_file(size, hashlib.sha256(raw), head, why)
            return
        lines, head_text = io.StringIO(text, newline=""), text
    else:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        head_text = decoder.decode(head[skip:], final=len(head) < SNIFF_BYTES)
        binary = _binary(head_text[:BINARY_SNIFF_BYTES])
        if binary:
            digest = hashlib.sha256(head)
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
            yield _binary_file(size, digest, head, binary)
            return
        stream.seek(skip)
        # newline="\n" splits JSON Lines on "\n" only (U+2028 and a lone "\r" may sit
        # inside JSON strings); CSV keeps the csv module's own newline handling.
        lines = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape",
                                 newline="\n" if json_lines else "")  # fmt: skip
    if not json_lines:
        yield from csv_rows.csv_rows(lines, head_text.split("\n", 1)[0], size + 1, lines_of)
        return
    lead = head_text.lstrip()
    if lead.startswith("[") or (not lead and len(head) == SNIFF_BYTES):  # one JSON value
        text = lines.read()
        stripped = text.lstrip()
        yield from (
            json_rows.json_array(stripped) if stripped.startswith("[")
            else json_rows.json_lines(text, lines_of)
        )
        return
    yield from json_rows.json_lines(lines, lines_of)


def _binary_file(size: int, digest: Any, head: bytes, why: str) -> Row:
    return file_marker(size, digest.hexdigest(), head[:64], f"is not a text file ({why}); "
                        "expected CSV or JSON Lines saved as UTF-8")  # fmt: skip


# --- decoding ------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str | None, str]:
    """The whole ``data`` as text (undecodable bytes kept as surrogate escapes) and its
    encoding; ``None`` (and why) when it is binary."""
    if data.startswith(codecs.BOM_UTF8):  # Excel's "CSV UTF-8"; may still hold bad rows
        data = data[len(codecs.BOM_UTF8) :]
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                name = encoding.upper()
                return None, f"it starts with a {name} byte-order mark but is not {name}"
            return (text[1:] if text.startswith("\ufeff") else text), encoding
    text = data.decode("utf-8", errors="surrogateescape")
    why = _binary(text[:BINARY_SNIFF_BYTES])
    return (None, why) if why else (text, "utf-8")


def _binary(head: str) -> str | None:
    """Why a file starting with ``head`` is binary data, or None when it is text.

    A text export with a stray bad byte is read row by row (those rows are refused);
    a file where a tenth of the start is not text is binary, and one marker says so.
    """
    odd = len(SURROGATE.findall(head)) + len(CONTROL.findall(head))
    if head and odd * 10 > len(head):
        return (f"it looks like binary data: {odd:,} of its first {len(head):,} "
                "characters are NUL, control or non-UTF-8 bytes")  # fmt: skip
    return None


# Limits and the marker shape are cli.file_records'; callers may read them from here.
__all__ = [
    "BINARY_SNIFF_BYTES",
    "JSON_SUFFIXES",
    "LineMap",
    "MAX_DEPTH",
    "MAX_EVIDENCE_CHARS",
    "MAX_FIELD_CHARS",
    "SNIFF_BYTES",
    "Row",
    "iter_rows",
    "marker",
    "read_json_object",
    "rows_from_bytes",
]
