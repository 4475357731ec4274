"""Write real hours of the shipped data as files the ``docket`` command reads.

    python -m assistant.domains.demand.sample hours 168 > week.csv        # case input
    python -m assistant.domains.demand.sample outcomes 168 > demand.csv   # what happened

Both take the last N hours of 2011 (the default model is trained on the whole year, so these
hours are in its training data: a walk-through, not an evaluation; ``docket figures demand``
is the held-out measurement). Cases are named ``dDDDhHH`` (day of the year, hour).
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from assistant.domains.demand import make_pack


def case_ref(row: dict[str, Any]) -> str:
    return f"d{int(row['day']):03d}h{int(row['hr']):02d}"


def write(kind: str, hours: int, out: TextIO) -> None:
    h = make_pack().history
    rows, demand = h.rows[-hours:], h.demand[-hours:]
    if kind == "hours":
        writer = csv.DictWriter(out, fieldnames=["case_ref", *rows[0]])
        writer.writeheader()
        writer.writerows({"case_ref": case_ref(r), **r} for r in rows)
    elif kind == "outcomes":
        observed = datetime.now(UTC).isoformat(timespec="seconds")
        writer = csv.DictWriter(out, fieldnames=["case_ref", "outcome", "observed_at"])
        writer.writeheader()
        writer.writerows({"case_ref": case_ref(r), "outcome": d, "observed_at": observed}
                         for r, d in zip(rows, demand, strict=True))
    else:
        raise SystemExit("usage: python -m assistant.domains.demand.sample hours|outcomes N")


if __name__ == "__main__":
    args = sys.argv[1:]
    write(args[0] if args else "", int(args[1]) if len(args) > 1 else 168, sys.stdout)
