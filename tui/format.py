"""Small, pure formatting helpers shared by the screens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from assistant.views import BADGES, QueueRow


# The queue's columns (column key = the service's order_by name, label), shared by the
# console and ``docket cases`` so both print the same page the same way.
def queue_columns(probability: str) -> tuple[tuple[str, str], ...]:
    """The queue's columns, the score's headed with the pack's label (``p(malignancy)``)."""
    return (
        ("case_ref", "case"),
        ("status", "status"),
        ("opened_at", "age"),
        ("p_bad", probability),
        ("recommendation", "recommendation"),
        ("expected_cost", "exp. cost"),
        ("flags", "flags"),
    )


#: Columns whose shown value runs against the order they are sorted by: the "age" column
#: shows how long ago a case opened, so the oldest first (``opened_at`` ascending) lists
#: the ages from the largest down.
SHOWN_REVERSED = frozenset({"opened_at"})


def sort_arrow(order_by: str, descending: bool) -> str:
    """The arrow for a sorted column: ↑ when its values, as shown, grow down the page."""
    return "↓" if descending != (order_by in SHOWN_REVERSED) else "↑"


QueueCells = tuple[str, str, str, str, str, str, str]

#: Rows per queue page, in the console and in ``docket cases``.
QUEUE_PAGE_SIZE = 50


def badges(flags: Iterable[str]) -> str:
    """Flags as short text badges in a fixed order, e.g. ``OOD FALLBACK``."""
    present = set(flags)
    known = [badge for flag, badge in BADGES.items() if flag in present]
    unknown = sorted(f.upper() for f in present - BADGES.keys())
    return " ".join(known + unknown)


def age(since: datetime, now: datetime) -> str:
    """A compact age: ``45s``, ``12m``, ``3h``, ``5d``."""
    seconds = max(0, int((now - since) / timedelta(seconds=1)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def prob(p: float | None) -> str:
    return "—" if p is None else f"{p:.3f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def cost(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def when(at: datetime | None) -> str:
    return "—" if at is None else at.isoformat(timespec="seconds")


def value(v: Any) -> str:
    """One recorded value as a person reads it: numbers to six significant digits, a
    mapping as "key value" pairs and a list one item after another (a Python ``repr`` of
    a dict of 20 attributions with 17 digits each was what the audit screen showed; the
    exact values stay in ``docket audit --json``)."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, datetime):
        return when(v)
    if isinstance(v, dict):
        return ", ".join(f"{k} {value(x)}" for k, x in v.items()) or "—"
    if isinstance(v, list | tuple):
        return "; ".join(value(x) for x in v) or "—"
    return str(v)


def parse_when(text: str) -> datetime:
    """Parse an ISO-8601 time; naive times are rejected (Docket keeps tz-aware times only).

    Raises:
        ValueError: with a sentence saying what is wrong.
    """
    text = text.strip()
    if not text:
        raise ValueError("enter a time, e.g. 2024-05-01T12:00:00+00:00")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO-8601 time: {text!r}") from exc
    if parsed.tzinfo is None:
        raise ValueError("add a timezone offset, e.g. +00:00")
    return parsed


def queue_cells(row: QueueRow, now: datetime) -> QueueCells:
    """The text of one queue row, in ``QUEUE_COLUMNS`` order."""
    return (
        row.case_ref,
        row.status,
        age(row.opened_at, now),
        prob(row.p_bad),
        (f"{row.recommendation} {row.quantity}" if row.quantity is not None
         else row.recommendation or "—"),
        cost(row.expected_cost),
        badges(row.flags),
    )


def queue_place(offset: int, shown: int, total: int) -> str:
    """Where a page sits in the queue, e.g. ``51–100 of 200 · page 2/4``."""
    if not total:
        return "0 cases"
    pages = (total + QUEUE_PAGE_SIZE - 1) // QUEUE_PAGE_SIZE
    page = offset // QUEUE_PAGE_SIZE + 1
    return f"{offset + 1:,}–{offset + shown:,} of {total:,} · page {page}/{pages}"


#: An override is "far worse" when its expected cost is at least twice the recommended
#: action's and at least this much more per case (in the cost matrix's units).
FAR_WORSE_EXTRA = 0.1


def override_cost(
    costs: dict[str, float], recommended: str | None, chosen: str | None
) -> tuple[str, bool]:
    """What an override costs, in words, and whether it is far worse than the recommendation.

    E.g. ``("expected cost: approve 0.850 vs recommended decline 0.300 (+0.550, 2.8×)",
    True)``. Empty text when either cost is unknown.
    """
    if chosen is None or recommended is None or chosen not in costs or recommended not in costs:
        return "", False
    mine, theirs = costs[chosen], costs[recommended]
    extra = mine - theirs
    ratio = f", {mine / theirs:.1f}×" if theirs > 0 else ""
    text = (
        f"expected cost: {chosen} {mine:.3f} vs recommended {recommended} {theirs:.3f} "
        f"({extra:+.3f}{ratio if extra > 0 else ''})"
    )
    far_worse = extra >= FAR_WORSE_EXTRA and mine >= 2 * theirs
    return text, far_worse
