"""The figures a benchmark measured, by name, for ``--json FILE``.

Each benchmark prints its figures for a person to read; it also records each one here under a
stable name (``append_events_per_s``, ``decision_p99_ms``, ...), and ``--json FILE`` writes
them all at the end. ``benchmarks/speed_table.py`` runs the benchmarks and reads those files
instead of parsing printed text, so a reworded line cannot silently change the table, while a
renamed or missing figure stops it (it looks each name up and fails on a missing one).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

#: What this process measured so far, in the order it was measured.
FIGURES: dict[str, float] = {}


def record(name: str, value: float) -> float:
    """Keep ``value`` under ``name`` (a unit-bearing name: ``_ms``, ``_s``, ``_per_s``, ...)
    and return it, so a figure can be recorded where it is computed."""
    FIGURES[name] = float(value)
    return value


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", type=Path, default=None, metavar="FILE",
        help="also write every figure measured, by name, to this JSON file",
    )  # fmt: skip


def write_json(path: Path | None) -> None:
    """Write the figures recorded so far to ``path`` (nothing when no path was asked for)."""
    if path is not None:
        path.write_text(json.dumps(FIGURES, indent=2) + "\n", encoding="utf-8")
