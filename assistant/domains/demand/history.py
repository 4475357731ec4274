"""The pack's history: every hour of the shipped file in time order, with last week's demand.

The file is checked against its sha256 and each row against the input schema (by the generic
:func:`assistant.domains.quantity.load_history`); :func:`read_hours` is this pack's reader:
the lag feature (``bikers_same_hour_last_week``) is derived here, never stored, and hours
whose week-earlier hour is missing from the file are left out.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domains.demand.schema import RentalHour
from assistant.domains.quantity import (
    History,
    HistoryRow,
    add_seasonal_value,
    csv_records,
)
from assistant.domains.quantity import load_history as load_pack_history

HOURS_PER_WEEK = 168
TARGET = "bikers"
LAG = "bikers_same_hour_last_week"
DROPPED = ("casual", "registered")  # parts of the target: known only afterwards


def read_hours(text: str) -> list[HistoryRow]:
    """The file's hours (index: hours since 1 January 00:00), each with last week's demand."""
    hours = [
        HistoryRow(line, {k: v for k, v in raw.items() if k not in DROPPED and k != TARGET},
                   int(raw[TARGET]), (int(raw["day"]) - 1) * 24 + int(raw["hr"]))
        for line, raw in csv_records(text)
    ]
    return add_seasonal_value(hours, HOURS_PER_WEEK, LAG)


def load_history(path: Path, sha256: str) -> History:
    """Read and check the shipped file. Raises DocketError if it was altered or is invalid."""
    return load_pack_history(path, sha256, RentalHour, read_hours)


__all__ = ["DROPPED", "HOURS_PER_WEEK", "LAG", "TARGET", "History", "load_history", "read_hours"]
