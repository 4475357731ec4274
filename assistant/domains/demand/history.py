"""The pack's history: every hour of the shipped file in time order, with last week's demand.

The file is checked against its sha256 and each row against the input schema; the lag feature
(``bikers_same_hour_last_week``) is derived here, never stored, and hours whose week-earlier
hour is missing from the file are left out.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.domains.demand.schema import RentalHour
from events.errors import DocketError

HOURS_PER_WEEK = 168
TARGET = "bikers"
LAG = "bikers_same_hour_last_week"
DROPPED = ("casual", "registered")  # parts of the target: known only afterwards


@dataclass(frozen=True)
class History:
    """Validated hours in time order: inputs, realised demand and the hour's index."""

    rows: list[dict[str, Any]]
    demand: list[int]
    hour_index: list[int]  # hours since 1 January 00:00 (gaps where the file has none)
    sha256: str

    def __len__(self) -> int:
        return len(self.rows)


def load_history(path: Path, sha256: str) -> History:
    """Read and check the shipped file. Raises DocketError if it was altered or is invalid."""
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise DocketError(f"{path} has sha256 {digest}, expected {sha256}: "
                          "the shipped data was altered")
    raw_rows = list(csv.DictReader(content.decode("utf-8").splitlines()))
    by_hour: dict[int, int] = {}
    for raw in raw_rows:
        by_hour[(int(raw["day"]) - 1) * 24 + int(raw["hr"])] = int(raw[TARGET])
    rows, demand, index = [], [], []
    for number, raw in enumerate(raw_rows, start=2):
        hour = (int(raw["day"]) - 1) * 24 + int(raw["hr"])
        lagged = by_hour.get(hour - HOURS_PER_WEEK)
        if lagged is None:
            continue
        values = {k: v for k, v in raw.items() if k not in DROPPED and k != TARGET}
        values[LAG] = lagged
        try:
            row = RentalHour.model_validate(values).model_dump()
        except ValidationError as exc:
            raise DocketError(f"{path} line {number} is invalid: {exc}") from exc
        rows.append(row)
        demand.append(int(raw[TARGET]))
        index.append(hour)
    order = sorted(range(len(rows)), key=index.__getitem__)
    return History([rows[i] for i in order], [demand[i] for i in order],
                   [index[i] for i in order], digest)
