"""The groups credit's fairness checks compare: sex, foreign worker and age band.

Sex is read from ``personal_status_and_sex`` ("female : ..." / "male : ..."); the age bands
are the usual lending ones, with under-25s apart (they default more often here, and age is a
model feature, so their approval rate is the one to watch).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.domains.base import FairnessGroup

AGE_BANDS = ((0, 25, "under 25"), (25, 35, "25-34"), (35, 50, "35-49"), (50, 200, "50+"))


def sex_of(row: Mapping[str, Any]) -> str:
    text = str(row.get("personal_status_and_sex", "")).strip().lower()
    return "female" if text.startswith("female") else "male" if text.startswith("male") else "?"


def foreign_worker(row: Mapping[str, Any]) -> str:
    return str(row.get("foreign_worker", "?"))


def age_band(row: Mapping[str, Any]) -> str:
    try:
        years = int(row.get("age_in_years"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "?"
    return next((label for low, high, label in AGE_BANDS if low <= years < high), "?")


FAIRNESS_GROUPS = (
    FairnessGroup("sex", sex_of),
    FairnessGroup("foreign_worker", foreign_worker),
    FairnessGroup("age_band", age_band, order=tuple(label for _, _, label in AGE_BANDS)),
)
