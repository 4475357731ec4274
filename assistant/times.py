"""Times people type: one parser for every command and file column that takes a time.

Accepted forms (ISO 8601, the subset people write):

* a date: ``2026-12-03`` (midnight),
* a date and time: ``2026-12-03T14:05`` or ``2026-12-03 14:05``, optionally with seconds
  (``14:05:30``) and a fraction (``14:05:30.25``),
* either followed by a timezone: ``Z`` (UTC) or an offset such as ``+01:00`` / ``-0500``.

Without a timezone the time is read as UTC, and every command says so ("no timezone
given; UTC assumed"), so ``audit --as-of`` and an outcomes file's ``observed_at`` can
never read the same text as two different moments. Other spellings Python would take
(week dates, ``20261203``, an hour alone) are refused in one sentence that lists the
forms above, so a typo is not silently read as some other moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from events.errors import FieldProblem, InputRejected

#: The accepted forms, in words (error messages and ``--help`` use this).
TIME_FORMS = (
    "a date (2026-12-03) or a date and time (2026-12-03T14:05, 2026-12-03 14:05:30), "
    "optionally ending in Z or an offset like +01:00 (no timezone: UTC)"
)

_FORM = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class GivenTime:
    """A time as given: the moment (always timezone-aware) and whether a zone was given."""

    at: datetime
    zone_given: bool

    def described(self) -> str:
        """``2026-12-03 00:00 UTC (no timezone given; UTC assumed)`` or, with a zone given,
        ``2026-12-03 14:05 +01:00``."""
        seconds = ":%S" if self.at.second or self.at.microsecond else ""
        shown = self.at.strftime(f"%Y-%m-%d %H:%M{seconds}")
        if not self.zone_given:
            return f"{shown} UTC (no timezone given; UTC assumed)"
        offset = self.at.utcoffset()
        if not offset:
            return f"{shown} UTC"
        return f"{shown} {self.at.isoformat()[-6:]}"


def parse_time(value: object, field: str = "time") -> GivenTime:
    """Read ``value`` (text in one of the accepted forms, or an aware ``datetime``).

    Raises:
        InputRejected: one problem naming ``field``, what was given and the accepted forms.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return GivenTime(value.replace(tzinfo=UTC), zone_given=False)
        return GivenTime(value, zone_given=True)
    text = str(value).strip() if value is not None else ""
    if not _FORM.fullmatch(text):
        problem = FieldProblem(field, f"{text[:40]!r} is not a time: give {TIME_FORMS}")
        raise InputRejected([problem])
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:  # the right shape, an impossible date (2026-02-30, 25:00)
        problem = FieldProblem(field, f"{text!r} is not a real date/time ({exc})")
        raise InputRejected([problem]) from exc
    if at.tzinfo is None:
        return GivenTime(at.replace(tzinfo=UTC), zone_given=False)
    return GivenTime(at, zone_given=True)
