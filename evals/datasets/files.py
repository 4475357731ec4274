"""Reading dataset files: JSON Lines, each line an object; a bad line is one sentence."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.errors import EvalError, MalformedDataset

DATASETS = Path(__file__).parent


def read_jsonl(path: Path, *, text_fields: Sequence[str] = ("text",)) -> list[dict[str, Any]]:
    """Objects of a JSON Lines file; each must carry one of ``text_fields`` as a string.

    Blank lines and lines starting with ``//`` are skipped. The found text field is
    copied to ``"text"``.

    Raises:
        EvalError: the file does not exist.
        MalformedDataset: a line is not JSON, not an object, or has no text (names the line).
    """
    if not path.is_file():
        raise EvalError(f"dataset {path} does not exist")
    rows: list[dict[str, Any]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise MalformedDataset(str(path), "byte " + str(exc.start), "not UTF-8 text") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedDataset(str(path), f"line {number}", f"not JSON ({exc.msg})") from exc
        if not isinstance(value, dict):
            raise MalformedDataset(str(path), f"line {number}", "not a JSON object")
        text = next((value[f] for f in text_fields if isinstance(value.get(f), str)), None)
        if text is None:
            raise MalformedDataset(str(path), f"line {number}",
                                   f"no text field ({' or '.join(text_fields)})")
        rows.append({**value, "text": text, "line": number})
    if not rows:
        raise MalformedDataset(str(path), "the whole file", "no records")
    return rows


__all__ = ["DATASETS", "read_jsonl"]
