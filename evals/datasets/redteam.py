"""The red-team notes: prompt injections and benign notes (``evals/datasets/redteam/``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evals.datasets.files import DATASETS, read_jsonl

REDTEAM = DATASETS / "redteam"
INJECTIONS = REDTEAM / "injections.jsonl"
BENIGN = REDTEAM / "benign.jsonl"


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    split: str  # e.g. "dev" / "heldout" when the file says; "all" otherwise
    category: str


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


__all__ = ["BENIGN", "INJECTIONS", "Note", "load_notes"]
