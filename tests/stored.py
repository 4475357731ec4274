"""Stored event states as a forger with raw SQL and Docket's source sees them.

States are compressed (:mod:`events.compression`); a forger inflates one, edits the
JSON and compresses it again with the same public code, so the tests that prove a
forgery is caught forge it that way.
"""

from __future__ import annotations

import json
from typing import Any

from events.compression import DocketCompressor, decompress, is_compressed


def plain(state: bytes | memoryview) -> bytes:
    """The JSON text of a stored state."""
    return decompress(bytes(state))


def as_dict(state: bytes | memoryview) -> dict[str, Any]:
    """The JSON object of a stored state."""
    value = json.loads(plain(state))
    assert isinstance(value, dict)
    return value


def forge(state: bytes | memoryview, *edits: tuple[bytes, bytes]) -> bytes:
    """The state with each ``(old, new)`` replaced in its JSON, stored as the original was."""
    text = plain(state)
    for old, new in edits:
        text = text.replace(old, new)
    return DocketCompressor().compress(text) if is_compressed(bytes(state)) else text
