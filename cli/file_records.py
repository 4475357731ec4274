"""What one record read from a file is, and what text can be a field's value.

A good record is a plain ``dict`` of field name to value; a record that could not be read is
a *marker* (:func:`marker`) that the service quarantines with its problem. Evidence in a
marker is bounded (:data:`MAX_EVIDENCE_CHARS`), so a hostile file cannot bloat the log.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from typing import Any

MAX_FIELD_CHARS = 100_000
"""A value longer than this is not a case field: the row is refused (a note is far shorter)."""
MAX_DEPTH = 8
"""JSON rows are flat records; nesting deeper than this is refused before anything walks it."""
MAX_EVIDENCE_CHARS = 2_000
# Control characters other than tab, newline and carriage return: never in a text export.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")

Row = dict[str, Any]


class LineMap:
    """The line of the file each record read starts on, by record number (1-based, as the
    service numbers the rows it reports), so a bad row is reported at its line.

    Kept as the records where the gap between record and line changes (the header, a blank
    line, a quoted field over several lines), not one number per record: a file of a million
    rows costs a few entries.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._gaps: list[int] = []
        self._count = 0

    def note(self, line: int) -> None:
        """The next record starts on ``line``."""
        self._count += 1
        gap = line - self._count
        if not self._gaps or self._gaps[-1] != gap:
            self._starts.append(self._count)
            self._gaps.append(gap)

    def line(self, record: int) -> int | None:
        """The line ``record`` starts on (None: no such record was read by lines)."""
        if not 1 <= record <= self._count:
            return None
        return record + self._gaps[bisect_right(self._starts, record) - 1]

    def place(self, record: int) -> str:
        """Where ``record`` is, as a person finds it in the file: ``line N`` (header and
        blank lines counted), or ``row N`` where records are not lines (a JSON array)."""
        line = self.line(record)
        return f"line {line}" if line is not None else f"row {record}"


def text_problem(text: str) -> str | None:
    """Why a piece of decoded text cannot be a value, or None."""
    escaped = SURROGATE.search(text)
    if escaped:
        char = escaped.group()
        if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte the UTF-8 decoder could not read
            return (f"is not UTF-8 text (byte 0x{ord(char) - 0xDC00:02X} at character "
                    f"{escaped.start() + 1}): save the file as UTF-8")  # fmt: skip
        return "holds an unpaired surrogate, which is not text"
    control = CONTROL.search(text)
    if control:
        name = "a NUL byte" if control.group() == "\x00" else "a control character"
        return f"holds {name} (U+{ord(control.group()):04X}) at character {control.start() + 1}"
    if len(text) > MAX_FIELD_CHARS:
        return f"is {len(text):,} characters long; the limit is {MAX_FIELD_CHARS:,}"
    return None


def _evidence(text: str) -> str:
    """``text`` as safe, bounded evidence: bad bytes and controls as ``\\xNN``, long text cut."""
    safe = text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")
    safe = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", safe)
    if len(safe) <= MAX_EVIDENCE_CHARS:
        return safe
    digest = hashlib.sha256(safe.encode("utf-8")).hexdigest()
    return f"{safe[:MAX_EVIDENCE_CHARS]}… ({len(safe):,} characters, sha256 {digest})"


def marker(evidence: str, where: str, why: str) -> Row:
    """A record that could not be read: quarantined with ``where: why`` by the service."""
    return {"__unparseable__": _evidence(evidence), "__field__": where, "__error__": why}


def file_marker(size: int, digest: str, head: bytes, why: str) -> Row:
    return marker(f"{size:,} bytes, sha256 {digest}, first bytes {head.hex(' ')}", "file", why)
