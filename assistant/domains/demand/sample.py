"""Write real hours of the shipped data as files the ``docket`` command reads.

    python -m assistant.domains.demand.sample hours 168 > week.csv        # case input
    python -m assistant.domains.demand.sample outcomes 168 > demand.csv   # what happened

Both take the last N hours of 2011 (the default model is trained on the whole year, so these
hours are in its training data: a walk-through, not an evaluation; ``docket figures demand``
is the held-out measurement). Cases are named ``dDDDhHH`` (day of the year, hour). The same
files for any pack, with references ``<pack>-<period>``: ``docket sample DOMAIN cases|outcomes``
(:mod:`assistant.domains.samples`).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from assistant.domains.samples import write_sample


def case_ref(row: dict[str, Any]) -> str:
    return f"d{int(row['day']):03d}h{int(row['hr']):02d}"


def write(kind: str, hours: int, out: TextIO) -> None:
    if kind not in ("hours", "outcomes"):
        raise SystemExit("usage: python -m assistant.domains.demand.sample hours|outcomes N")
    write_sample("demand", "cases" if kind == "hours" else "outcomes", hours, out,
                 reference=lambda _, row: case_ref(row))


if __name__ == "__main__":
    args = sys.argv[1:]
    write(args[0] if args else "", int(args[1]) if len(args) > 1 else 168, sys.stdout)
