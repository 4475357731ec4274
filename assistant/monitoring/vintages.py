"""Outcomes judged by vintage: the cases decided in one month (or week), once their outcomes
are due.

Outcomes arrive late, and not at random: a loan that goes bad shows it within months, a good
one only at the end of its term. So the outcomes seen so far for recent decisions are mostly
the bad ones, and judging them would alarm on every young vintage. The owner states the
outcome delay (``outcome_delay_days``: when a decision's outcome is due); a case counts in
the outcome tests only once its outcome is due, and a vintage (all cases decided in one
calendar month or ISO week, UTC) is judged only once every case in it is due: its end plus
the delay. Younger vintages are listed as maturing, with the date they will be judged.

Each mature vintage gets the same exact test as the window (observed risk outcomes against the
Poisson-binomial of the recorded probabilities), at the alert's levels divided by the number of
mature vintages judged (Bonferroni), so looking at many vintages does not add false alarms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np

VintageKind = Literal["month", "week"]


@dataclass(frozen=True)
class Vintage:
    """The observable outcomes of the cases decided in one period, and its verdict."""

    label: str  # "2026-11" or "2026-W45"
    start: datetime
    end: datetime
    due: datetime  # end + outcome delay: when every outcome of the vintage is due
    mature: bool
    n: int  # observable outcomes recorded
    observed_bad: int
    expected_bad: float
    p_value: float  # P(X >= observed) under the recorded probabilities; 1 when not judged
    level: int  # 0 none, 1 warning, 2 critical (only mature vintages are judged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vintage": self.label, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "due": self.due.isoformat(), "mature": self.mature, "n": self.n,
            "observed_bad": self.observed_bad, "expected_bad": self.expected_bad,
            "p_value": self.p_value, "level": self.level,
        }  # fmt: skip

    def sentence(self, risk: str = "risk outcome") -> str:
        if not self.mature:
            return (f"vintage {self.label}: {self.n} outcome(s) so far, maturing (judged from "
                    f"{self.due.date().isoformat()})")
        rate = self.observed_bad / self.n if self.n else 0.0
        expected = self.expected_bad / self.n if self.n else 0.0
        return (f"vintage {self.label}: {risk} rate {rate:.0%} ({self.observed_bad}/{self.n}) "
                f"against {expected:.0%} expected, p={self.p_value:.2g}")


def period(at: datetime, kind: VintageKind) -> tuple[str, datetime, datetime]:
    """The vintage ``at`` falls in: (label, start, end), in UTC."""
    utc = at.astimezone(UTC)
    if kind == "week":
        start = (utc - timedelta(days=utc.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0)
        year, week, _ = utc.isocalendar()
        return f"{year}-W{week:02d}", start, start + timedelta(days=7)
    start = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start.strftime("%Y-%m"), start, end


def judge_vintages(
    outcomes: Sequence[tuple[datetime, float, bool]],
    *,
    now: datetime,
    kind: VintageKind,
    delay_days: float,
    min_outcomes: int,
    warning_p: float,
    critical_p: float,
    upper_tail: Callable[[int, np.ndarray[Any, np.dtype[np.float64]]], float],
) -> tuple[Vintage, ...]:
    """Every vintage with observable outcomes, oldest first (``outcomes``: decided at,
    recorded probability of the risk outcome, whether the risk outcome happened;
    ``upper_tail(x, probs)``: ``P(X >= x)`` under the probabilities, the window's test)."""
    grouped: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    bounds: dict[str, tuple[datetime, datetime]] = {}
    for decided_at, p, happened in outcomes:
        label, start, end = period(decided_at, kind)
        grouped[label].append((p, happened))
        bounds[label] = (start, end)
    delay = timedelta(days=delay_days)
    mature = [label for label in grouped if bounds[label][1] + delay <= now]
    judged = sum(1 for label in mature if len(grouped[label]) >= min_outcomes)
    out = []
    for label in sorted(grouped):
        start, end = bounds[label]
        probs = np.array([p for p, _ in grouped[label]], dtype=np.float64)
        bad = int(sum(b for _, b in grouped[label]))
        is_mature = label in mature
        p_value, level = 1.0, 0
        if is_mature and probs.size >= min_outcomes:
            p_value = upper_tail(bad, probs)
            level = 2 if p_value < critical_p / judged else 1 if p_value < warning_p / judged else 0
        out.append(Vintage(label, start, end, end + delay, is_mature, int(probs.size), bad,
                           float(probs.sum()), p_value, level))
    return tuple(out)


__all__ = ["Vintage", "VintageKind", "judge_vintages", "period"]
