"""Override, escalation and out-of-distribution rates, and when a rate has risen.

Pure functions over decision rows (see :mod:`assistant.monitoring.health` for their
fields). A *rise* compares a recent window with the trailing baseline window by a
two-proportion z-test, so small samples stay quiet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Row = Mapping[str, object]


class RateRiseThresholds(BaseModel):
    """When a rate counts as having risen (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: float = Field(default=7.0, gt=0)
    baseline_days: float = Field(default=28.0, gt=0)
    min_recent: int = Field(default=30, ge=1)
    min_baseline: int = Field(default=50, ge=1)
    min_increase: float = Field(default=0.10, ge=0, le=1)
    p_value: float = Field(default=0.01, gt=0, lt=1)


@dataclass(frozen=True)
class Rate:
    count: int
    total: int

    @property
    def rate(self) -> float:
        return self.count / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "total": self.total, "rate": self.rate}


@dataclass(frozen=True)
class OverrideRates:
    """``overall``: overrides / decisions. ``by_reason[r]``: overrides with reason r / decisions
    (they sum to ``overall``). ``by_operator[o]``: o's overrides / o's decisions."""

    overall: Rate
    escalated: Rate
    by_reason: Mapping[str, Rate]
    by_operator: Mapping[str, Rate]


@dataclass(frozen=True)
class RateRise:
    name: str
    recent: Rate
    baseline: Rate
    increase: float
    p_value: float
    risen: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "recent": self.recent.to_dict(),
            "baseline": self.baseline.to_dict(),
            "increase": self.increase,
            "p_value": self.p_value,
            "risen": self.risen,
            "note": self.note,
        }


def override_rates(decisions: Iterable[Row]) -> OverrideRates:
    """Override and escalation rates overall, by reason code and by operator."""
    total = overridden = escalated = 0
    reasons: dict[str, int] = {}
    op_total: dict[str, int] = {}
    op_over: dict[str, int] = {}
    for row in decisions:
        kind = row.get("decision_kind")
        if kind not in ("accepted", "overridden", "escalated"):
            continue
        op = str(row.get("operator") or "unknown")
        total += 1
        op_total[op] = op_total.get(op, 0) + 1
        if kind == "escalated":
            escalated += 1
        elif kind == "overridden":
            overridden += 1
            op_over[op] = op_over.get(op, 0) + 1
            reason = str(row.get("reason_code") or "unspecified")
            reasons[reason] = reasons.get(reason, 0) + 1
    return OverrideRates(
        overall=Rate(overridden, total),
        escalated=Rate(escalated, total),
        by_reason={r: Rate(c, total) for r, c in sorted(reasons.items())},
        by_operator={o: Rate(op_over.get(o, 0), n) for o, n in sorted(op_total.items())},
    )


def override_spike(
    decisions: Iterable[Row], *, now: datetime, thresholds: RateRiseThresholds | None = None
) -> RateRise:
    """Has the override rate risen in the recent window against the trailing baseline?"""
    return rate_rise(
        (r for r in decisions if r.get("decision_kind") in ("accepted", "overridden", "escalated")),
        flag=lambda r: r.get("decision_kind") == "overridden",
        now=now,
        thresholds=thresholds or RateRiseThresholds(),
        name="override_rate",
    )


def override_spike_by_operator(
    decisions: Iterable[Row], *, now: datetime, thresholds: RateRiseThresholds | None = None
) -> dict[str, RateRise]:
    """:func:`override_spike` per operator (the minimum counts apply per operator)."""
    by_op: dict[str, list[Row]] = {}
    for row in decisions:
        by_op.setdefault(str(row.get("operator") or "unknown"), []).append(row)
    return {
        op: override_spike(rows, now=now, thresholds=thresholds)
        for op, rows in sorted(by_op.items())
    }


def ood_share_rise(
    rows: Iterable[Row],
    *,
    now: datetime,
    thresholds: RateRiseThresholds | None = None,
    time_key: str = "decided_at",
) -> RateRise:
    """Has the share of out-of-distribution cases (``ood`` truthy) risen?"""
    return rate_rise(
        rows,
        flag=lambda r: bool(r.get("ood")),
        now=now,
        thresholds=thresholds or RateRiseThresholds(min_increase=0.05),
        name="ood_share",
        time_key=time_key,
    )


def ood_share_above_reference(
    flags: Sequence[bool],
    reference: Rate,
    *,
    windows: Sequence[int] = (100, 200),
    thresholds: RateRiseThresholds | None = None,
) -> RateRise:
    """Is the out-of-distribution share of the latest cases above the reference's own?

    ``flags`` are every scored case's OOD flag, oldest first, decided or not. Each window
    (the latest 100, 200 and all) is compared with the share the check flags on the reference
    data by the one-sided two-proportion test; the strongest window counts, at ``p_value``
    divided by the number of windows. Works from the first day: no trailing baseline needed.
    """
    t = thresholds or RateRiseThresholds(min_increase=0.05)
    sizes = [n for n in sorted(set(windows)) if n < len(flags)] + [len(flags)]
    best: RateRise | None = None
    for size in sizes:
        latest = flags[-size:] if size else []
        recent = Rate(sum(1 for f in latest if f), len(latest))
        p = two_proportion_p_value(recent.count, recent.total, reference.count, reference.total)
        increase = recent.rate - reference.rate
        note = "" if recent.total >= t.min_recent else (
            f"too few cases to judge ({recent.total} < {t.min_recent})"
        )
        risen = not note and increase >= t.min_increase and p < t.p_value / len(sizes)
        rise = RateRise(f"ood_share_latest_{size}", recent, reference, increase, p, risen, note)
        if best is None or (rise.risen, -rise.p_value) > (best.risen, -best.p_value):
            best = rise
    assert best is not None
    return best


def rate_rise(
    rows: Iterable[Row],
    *,
    flag: Callable[[Row], bool],
    now: datetime,
    thresholds: RateRiseThresholds,
    name: str,
    time_key: str = "decided_at",
) -> RateRise:
    """Share of rows with ``flag`` in ``(now − window, now]`` vs the baseline window before it.

    Rows without a timestamp, or later than ``now``, are ignored.
    """
    require_aware(now, "now")
    t = thresholds
    recent_start = now - timedelta(days=t.window_days)
    baseline_start = recent_start - timedelta(days=t.baseline_days)
    rc = rn = bc = bn = 0
    for row in rows:
        at = parse_time(row.get(time_key))
        if at is None or at > now or at <= baseline_start:
            continue
        hit = flag(row)
        if at > recent_start:
            rn += 1
            rc += hit
        else:
            bn += 1
            bc += hit
    recent, baseline = Rate(rc, rn), Rate(bc, bn)
    increase = recent.rate - baseline.rate
    p = two_proportion_p_value(rc, rn, bc, bn)
    note = ""
    if rn < t.min_recent or bn < t.min_baseline:
        note = (
            f"too few rows to judge (recent {rn} < {t.min_recent} or"
            f" baseline {bn} < {t.min_baseline})"
        )
    risen = not note and increase >= t.min_increase and p < t.p_value
    return RateRise(name, recent, baseline, increase, p, risen, note)


def two_proportion_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """One-sided p-value that rate ``x1/n1`` exceeds ``x0/n0`` (pooled z-test); 1 if undefined."""
    if n1 == 0 or n0 == 0:
        return 1.0
    pooled = (x1 + x0) / (n1 + n0)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0))
    if se == 0.0:
        return 1.0
    z = (x1 / n1 - x0 / n0) / se
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def parse_time(value: object) -> datetime | None:
    """A tz-aware datetime from a datetime or ISO-8601 string; None if absent.

    Raises ``ValueError`` for naive or unparsable times (Docket stores only aware times).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        at = value
    elif isinstance(value, str):
        at = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    require_aware(at, "timestamp")
    return at


def require_aware(at: datetime, what: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {at.isoformat()}")
