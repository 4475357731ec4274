"""The domain's historical cases, and a deterministic held-out split of them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

HELD_OUT_SHARE = 0.2
SPLIT_SALT = "docket-evals-heldout-v1"


def content_key(row: Mapping[str, Any]) -> str:
    """A stable name for a row, from its content (independent of file order)."""
    text = json.dumps(dict(row), sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def in_held_out(row: Mapping[str, Any], share: float = HELD_OUT_SHARE) -> bool:
    digest = hashlib.sha256(f"{SPLIT_SALT}:{content_key(row)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def held_out(rows: Sequence[Mapping[str, Any]], share: float = HELD_OUT_SHARE
             ) -> list[tuple[int, Mapping[str, Any]]]:
    """(index, row) of the rows in the held-out split: about ``share`` of them, always the same."""
    return [(i, row) for i, row in enumerate(rows) if in_held_out(row, share)]


def features_only(row: Mapping[str, Any], label_field: str) -> dict[str, Any]:
    """The case input: the row without its known outcome."""
    return {k: v for k, v in row.items() if k != label_field}


__all__ = ["HELD_OUT_SHARE", "content_key", "features_only", "held_out", "in_held_out"]
