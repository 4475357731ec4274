"""Alert lifecycle: raise a new condition once, escalate it as it worsens, resolve it when it
recovers. Every step is an event, so ``docket audit`` of an alert shows its whole life.

An alert is identified by its domain and *key* (``feature_drift:age_in_years``,
``outcome_quality``, ``fallback``): while an alert with that key is open, the same condition
never raises a second one. A check run names the alert kinds it evaluated; an open alert of
those kinds whose condition no longer holds is resolved by the monitor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from assistant.monitoring.health import AlertSpec
from assistant.usecases.context import Context
from events import queries
from events.domain import Alert
from events.domain.records import SEVERITIES

#: Who records what the monitor notices.
MONITOR = {"actor": "docket/monitor", "role": "system"}


def open_by_key(ctx: Context, domain: str) -> dict[str, dict[str, Any]]:
    """The domain's open alerts by key (read-model rows with decoded details)."""
    ctx.sync()
    found: dict[str, dict[str, Any]] = {}
    for row in queries.open_alerts(ctx.views):
        details = row["details"]
        if details.get("domain", domain) == domain and details.get("key"):
            found.setdefault(str(details["key"]), row)
    return found


def apply_specs(
    ctx: Context,
    domain: str,
    specs: Iterable[AlertSpec],
    *,
    checked: Collection[str],
    who: dict[str, str] | None = None,
) -> None:
    """Raise new conditions, escalate worsened ones and resolve recovered ones.

    ``checked``: the alert kinds this run evaluated. Only open alerts of these kinds are
    resolved when their condition is absent from ``specs`` (a kind that was not checked, for
    lack of data, keeps its alerts open).
    """
    actor = who or MONITOR
    current = open_by_key(ctx, domain)
    seen: set[str] = set()
    fresh: list[Alert] = []
    for spec in specs:
        seen.add(spec.key)
        details = {**spec.details, "key": spec.key, "message": spec.message, "domain": domain}
        existing = current.get(spec.key)
        if existing is None:
            fresh.append(
                Alert.raise_(kind=spec.kind, severity=spec.severity, details=details, **actor)
            )
        elif _rank(spec.severity) > _rank(existing["severity"]):
            _escalate(ctx, existing["alert_id"], spec.severity, details, actor)
    if fresh:
        ctx.log.save(*fresh)
    for key, row in current.items():
        if key not in seen and row["kind"] in checked:
            resolve(ctx, row["alert_id"], "the condition recovered on the latest check", actor)
    ctx.sync()


def _escalate(
    ctx: Context, alert_id: str, severity: str, details: dict[str, Any], who: dict[str, str]
) -> None:
    def change(alert: Alert) -> None:
        alert.escalate(severity=severity, details=details, **who)

    ctx.log.update(alert_id, change)


def resolve(ctx: Context, alert_id: str, note: str, who: dict[str, str] | None = None) -> None:
    """Close one open alert with a note saying why (and who, by the acting identity)."""
    actor = who or MONITOR
    ctx.log.update(alert_id, lambda a: a.resolve(note=note, **actor))


def raise_now(ctx: Context, domain: str, spec: AlertSpec) -> None:
    """Open ``spec`` unless an alert with its key is open (used off the monitor's schedule,
    e.g. the moment the baseline rules start deciding)."""
    if spec.key in open_by_key(ctx, domain):
        return
    details = {**spec.details, "key": spec.key, "message": spec.message, "domain": domain}
    ctx.log.save(Alert.raise_(kind=spec.kind, severity=spec.severity, details=details, **MONITOR))


def resolve_key(ctx: Context, domain: str, key: str, note: str) -> bool:
    """Resolve the open alert with ``key``, if any; return whether one was resolved."""
    row = open_by_key(ctx, domain).get(key)
    if row is None:
        return False
    resolve(ctx, row["alert_id"], note)
    return True


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0
