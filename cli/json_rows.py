"""JSON records from a file (JSON Lines, one array of objects, or one whole value): repeated
keys, deep nesting, huge integers, bad bytes and non-objects each become a marker naming
the line or item, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from cli.file_records import (
    MAX_DEPTH,
    MAX_EVIDENCE_CHARS,
    SURROGATE,
    LineMap,
    Row,
    marker,
    text_problem,
)


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
            problem = text_problem(item)
            if problem:
                return where or "line", problem
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
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


def json_lines(text: str | Iterable[str], lines_of: LineMap | None = None) -> Iterator[Row]:
    """One record per non-blank line; ``lines_of`` is told the line each starts on."""
    # Split on "\n" only: str.splitlines would also split on U+2028 and friends, which
    # JSON allows raw inside strings (a stream must be opened with newline="\n").
    lines = text.split("\n") if isinstance(text, str) else text
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\n").removesuffix("\r")
        if not line.strip():
            continue
        if lines_of is not None:
            lines_of.note(number)
        where = f"line {number}"
        problem = text_problem(line) if SURROGATE.search(line) or "\x00" in line else None
        if problem is None:
            problem = _json_problem(line)
        if problem is not None:
            yield marker(line, where, problem)
            continue
        yield _json_record(_parse_json(line), line, where)


def _whole_problem(text: str) -> str | None:
    """Why a whole-file JSON text cannot be read (bad bytes first, then JSON itself)."""
    problem = text_problem(text) if SURROGATE.search(text) or "\x00" in text else None
    return problem or _json_problem(text)


def json_whole(text: str) -> Row:
    problem = _whole_problem(text)
    if problem is not None:
        return marker(text, "file", problem)
    return _json_record(_parse_json(text), text, "file")


def json_array(text: str) -> Iterator[Row]:
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
