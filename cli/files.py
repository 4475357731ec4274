"""Reading rows from files a person hands to ``docket ingest`` and ``docket outcomes``.

Those files come from spreadsheets, exports and other people's scripts, so the reader
assumes nothing about them and never raises on their content. It returns one item per
record it could find, in file order:

* a good record is a plain ``dict`` of field name to value;
* a record it could not read is a *marker* ``{"__unparseable__": evidence,
  "__field__": where, "__error__": why}``: the service quarantines it as an event with
  that problem (:func:`assistant.usecases.intake.unparseable`) and reports it on its row.

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
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

from events.errors import FieldProblem, InputRejected

MAX_FIELD_CHARS = 100_000
"""A value longer than this is not a case field: the row is refused (a note is far shorter)."""
MAX_DEPTH = 8
"""JSON rows are flat records; nesting deeper than this is refused before anything walks it."""
MAX_EVIDENCE_CHARS = 2_000
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
# Control characters other than tab, newline and carriage return: never in a text export.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

Row = dict[str, Any]


def read_rows(path: Path) -> list[Row]:
    """Every record in the CSV or JSON Lines file at ``path``, good ones and markers.

    Raises:
        InputRejected: only when the file cannot be opened at all (one sentence).
    """
    return list(iter_rows(path))


def iter_rows(path: Path) -> Iterator[Row]:
    """The records of :func:`read_rows`, read as the caller consumes them.

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
    return _closing(handle, _stream_rows(handle, size, path.suffix.lower() in JSON_SUFFIXES))


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
            return [_file_marker(len(data), hashlib.sha256(data).hexdigest(), data[:64],
                                 f"is not a text file ({encoding}); expected JSON saved as "
                                 "UTF-8")]  # fmt: skip
        return [_json_whole(text)]
    return list(_stream_rows(io.BytesIO(data), len(data), json_lines))


def _stream_rows(stream: BinaryIO, size: int, json_lines: bool) -> Iterator[Row]:
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
        yield from _csv_rows(lines, head_text.split("\n", 1)[0], size + 1)
        return
    lead = head_text.lstrip()
    if lead.startswith("[") or (not lead and len(head) == SNIFF_BYTES):  # one JSON value
        text = lines.read()
        stripped = text.lstrip()
        yield from (_json_array(stripped) if stripped.startswith("[") else _json_lines(text))
        return
    yield from _json_lines(lines)


def _binary_file(size: int, digest: Any, head: bytes, why: str) -> Row:
    return _file_marker(size, digest.hexdigest(), head[:64], f"is not a text file ({why}); "
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
    odd = len(_SURROGATE.findall(head)) + len(_CONTROL.findall(head))
    if head and odd * 10 > len(head):
        return (f"it looks like binary data: {odd:,} of its first {len(head):,} "
                "characters are NUL, control or non-UTF-8 bytes")  # fmt: skip
    return None


def _text_problem(text: str) -> str | None:
    """Why a piece of decoded text cannot be a value, or None."""
    escaped = _SURROGATE.search(text)
    if escaped:
        char = escaped.group()
        if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte the UTF-8 decoder could not read
            return (f"is not UTF-8 text (byte 0x{ord(char) - 0xDC00:02X} at character "
                    f"{escaped.start() + 1}): save the file as UTF-8")  # fmt: skip
        return "holds an unpaired surrogate, which is not text"
    control = _CONTROL.search(text)
    if control:
        name = "a NUL byte" if control.group() == "\x00" else "a control character"
        return f"holds {name} (U+{ord(control.group()):04X}) at character {control.start() + 1}"
    if len(text) > MAX_FIELD_CHARS:
        return f"is {len(text):,} characters long; the limit is {MAX_FIELD_CHARS:,}"
    return None


# --- markers -------------------------------------------------------------------------------------


def _evidence(text: str) -> str:
    """``text`` as safe, bounded evidence: bad bytes and controls as ``\\xNN``, long text cut."""
    safe = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    safe = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", safe)
    if len(safe) <= MAX_EVIDENCE_CHARS:
        return safe
    digest = hashlib.sha256(safe.encode("utf-8")).hexdigest()
    return f"{safe[:MAX_EVIDENCE_CHARS]}… ({len(safe):,} characters, sha256 {digest})"


def marker(evidence: str, where: str, why: str) -> Row:
    """A record that could not be read: quarantined with ``where: why`` by the service."""
    return {"__unparseable__": _evidence(evidence), "__field__": where, "__error__": why}


def _file_marker(size: int, digest: str, head: bytes, why: str) -> Row:
    return marker(f"{size:,} bytes, sha256 {digest}, first bytes {head.hex(' ')}", "file", why)


# --- JSON ----------------------------------------------------------------------------------------


class _Refused(ValueError):
    """A JSON value Docket refuses although the json module would read it."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"repeats the key {key!r}")
        result[key] = value
    return result


def _parse_json(text: str) -> Any:
    """``json.loads`` that refuses repeated keys (the json module keeps the last silently).

    NaN and Infinity are read (Python's json writes them): the domain pack then refuses
    them naming the field.
    """
    return json.loads(text, object_pairs_hook=_object)


def _json_problem(text: str) -> str | None:
    try:
        _parse_json(text)
    except _Refused as exc:
        return str(exc)
    except RecursionError:
        return "is nested too deeply to read"
    except json.JSONDecodeError as exc:
        return f"is not valid JSON ({exc.msg} at column {exc.colno})"
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        return f"is not valid JSON ({exc})"
    return None


def _value_problem(value: Any) -> tuple[str, str] | None:
    """The first (field, problem) in a parsed JSON record, walked without recursion."""
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        where, item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where or "line", f"is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                return where or "line", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _text_problem(key)
                if problem:
                    return "field name", problem
                stack.append((f"{where}.{key}" if where else key, child, depth + 1))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child, depth + 1) for i, child in enumerate(item))
    return None


def _json_record(value: Any, evidence: str, where: str) -> Row:
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", bool: "true/false"}.get(type(value), "a value")
        if value is None:
            kind = "null"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            kind = "a number"
        return marker(evidence, where, f"is {kind}, not a JSON object of fields")
    problem = _value_problem(value)
    if problem:
        field, why = problem
        return marker(evidence, f"{where}, {field}" if field != "line" else where, why)
    return value


def _json_lines(text: str | Iterable[str]) -> Iterator[Row]:
    # Split on "\n" only: str.splitlines would also split on U+2028 and friends, which
    # JSON allows raw inside strings (a stream must be opened with newline="\n").
    lines = text.split("\n") if isinstance(text, str) else text
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\n").removesuffix("\r")
        if not line.strip():
            continue
        where = f"line {number}"
        problem = _text_problem(line) if _SURROGATE.search(line) or "\x00" in line else None
        if problem is None:
            problem = _json_problem(line)
        if problem is not None:
            yield marker(line, where, problem)
            continue
        yield _json_record(_parse_json(line), line, where)


def _whole_problem(text: str) -> str | None:
    """Why a whole-file JSON text cannot be read (bad bytes first, then JSON itself)."""
    problem = _text_problem(text) if _SURROGATE.search(text) or "\x00" in text else None
    return problem or _json_problem(text)


def _json_whole(text: str) -> Row:
    problem = _whole_problem(text)
    if problem is not None:
        return marker(text, "file", problem)
    return _json_record(_parse_json(text), text, "file")


def _json_array(text: str) -> Iterator[Row]:
    problem = _whole_problem(text)
    if problem is not None:
        yield marker(text, "file", problem)
        return
    value = _parse_json(text)
    if not isinstance(value, list):  # only "[..." reaches here, so this is a list
        yield marker(text, "file", "is not a JSON array of objects")
        return
    for number, item in enumerate(value, start=1):
        yield _json_record(item, json.dumps(item)[: MAX_EVIDENCE_CHARS * 2], f"item {number}")


# --- CSV -----------------------------------------------------------------------------------------


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Lift the csv module's per-field limit (131,072) while reading one file.

    Long fields are then refused by :func:`_text_problem` with a sentence, instead of
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


def _csv_rows(lines: Iterable[str], first_line: str, field_limit: int) -> Iterator[Row]:
    """The records of CSV ``lines`` (a text stream opened with ``newline=""``), read one
    at a time; ``first_line`` (the header's text) picks the delimiter."""
    reader = csv.reader(lines, delimiter=_delimiter(first_line))
    with _field_limit(field_limit):
        records = _csv_records(reader)
        found = next(records, None)
        if found is None:
            return
        _, header = found
        if isinstance(header, str):  # the header itself could not be parsed
            yield marker(first_line, "header line", header + "; no row can be read")
            return
        problem = _header_problem(header)
        if problem:
            yield marker(first_line, "header line", problem + "; no row can be read")
            return
        names = [name.strip() for name in header]
        for line, record in records:
            yield from _csv_row(names, line, record)


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
    bad = next(((n, p) for n, v in zip(names, record, strict=True)
                if (p := _text_problem(v))), None)  # fmt: skip
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
        problem = _text_problem(name)
        if problem:
            return f"a field name {problem}"
    if any(not name for name in names):
        return f"field {names.index('') + 1} has no name"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"the field {repeated[0]!r} is named twice"
    return None
