"""The red-team notes: prompt injections and benign notes (``evals/datasets/redteam/``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from evals.datasets.files import DATASETS, read_jsonl
from evals.errors import MalformedDataset

REDTEAM = DATASETS / "redteam"
INJECTIONS = REDTEAM / "injections.jsonl"
BENIGN = REDTEAM / "benign.jsonl"
SOURCES = REDTEAM / "sources"
#: Which source tunes the detector and which is held out (never tuned on, only reported).
ROLES_FILE = SOURCES / "SOURCES.json"
#: Roles of a source: tuned on; held out (written for Docket); public (written by others).
ROLES = ("tuning", "heldout", "public")


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    split: str  # e.g. "dev" / "heldout" when the file says; "all" otherwise
    category: str
    source: str = "v1"
    injection: bool | None = None  # None when the file's name says (v1 files)


def source_roles() -> dict[str, str]:
    """Source name -> "tuning", "heldout" (ours, never tuned on) or "public" (written by
    others, never tuned on)."""
    try:
        roles = json.loads(ROLES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MalformedDataset(str(ROLES_FILE), "the whole file", "not a JSON object") from exc
    if not isinstance(roles, dict) or set(roles.values()) - set(ROLES):
        raise MalformedDataset(str(ROLES_FILE), "the whole file",
                               "roles must be 'tuning', 'heldout' or 'public'")
    return {str(k): str(v) for k, v in roles.items()}


def load_sources() -> list[Note]:
    """Every per-source red-team text, its split being its source's role."""
    roles = source_roles()
    notes: list[Note] = []
    for path in sorted(SOURCES.glob("*.jsonl")):
        for row in read_jsonl(path):
            source = str(row.get("source") or path.stem)
            if source not in roles:
                raise MalformedDataset(str(path), f"line {row['line']}",
                                       f"source {source!r} has no role in {ROLES_FILE.name}")
            notes.append(Note(id=str(row["id"]), text=row["text"], split=roles[source],
                              category=str(row.get("category") or ""), source=source,
                              injection=row.get("label") == "injection"))
    return notes


def load_notes(path: Path) -> list[Note]:
    rows = read_jsonl(path, text_fields=("text", "note"))
    stem = path.stem
    return [
        Note(
            id=str(row.get("id") or f"{stem}-{row['line']}"),
            text=row["text"],
            split=str(row.get("split") or "all"),
            category=str(row.get("category") or row.get("technique") or row.get("kind") or ""),
        )
        for row in rows
    ]


__all__ = ["BENIGN", "INJECTIONS", "SOURCES", "Note", "load_notes", "load_sources",
           "source_roles"]
