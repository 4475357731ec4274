"""Monitoring a "how much" pack: input drift, whether the quantile forecasts still hold on
realised demand, override rates, alerts, and health (realised cost against seasonal naive).

Drift compares the latest cases' inputs with the pack's shipped history (the training rows),
as for a yes/no pack; there is no prediction drift (the score is a distribution, not one
number). Outcome quality is :mod:`assistant.monitoring.quantile_alerts`: coverage of each
predicted level on realised demand against the champion's own validation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.domains import get_quantity_pack
from assistant.monitoring.drift import DriftReport, feature_drift
from assistant.monitoring.drift_reference import DriftReference
from assistant.monitoring.drift_windows import windowed_drift
from assistant.monitoring.health import MonitoringThresholds, evaluate_alerts
from assistant.monitoring.quantile_alerts import (
    QuantileAlertSettings,
    QuantileCheck,
    check_quantiles,
)
from assistant.usecases import alerting, quantities
from assistant.usecases.context import Context
from assistant.usecases.drift import latest_cases
from assistant.usecases.monitoring import override_fields
from assistant.usecases.quality import decision_rows
from assistant.usecases.reading import alerts
from assistant.views import AlertView, HealthView
from events import audit as audit_fold
from events import queries


def _reference(domain: str) -> DriftReference:
    pack = get_quantity_pack(domain)
    return DriftReference.fit(pack.history.rows, list(pack.numeric), list(pack.categorical))


def drift(ctx: Context, domain: str, *, recent: int = 1000) -> DriftReport:
    """Feature drift of the latest ``recent`` cases against the shipped history."""
    cases = latest_cases(ctx, domain, recent)
    return feature_drift(_reference(domain), [c["input"] for c in cases])


def _forecasts(ctx: Context, domain: str, limit: int) -> tuple[list[dict[float, float]],
                                                                list[float]]:
    """The model's predicted quantiles and the realised demand of the latest ``limit`` cases
    with both, by observation time (oldest first). Baseline orders carry no forecast."""
    ctx.sync()
    found: list[tuple[str, dict[float, float], float]] = []
    for known in queries.known_cases(ctx.views, domain):
        if known.outcome is None:
            continue
        state = audit_fold.audit_case(ctx.log, known.case_id).state
        rec = state.get("recommendation") or {}
        outcome = state.get("outcome") or {}
        if not rec.get("quantiles") or outcome.get("value") is None:
            continue
        levels = {float(a): float(v) for a, v in rec["quantiles"].items()}
        found.append((str(outcome.get("observed_at", "")), levels, float(outcome["value"])))
    found.sort(key=lambda item: item[0])
    found = found[-limit:]
    return [f for _, f, _ in found], [d for _, _, d in found]


def outcome_check(
    ctx: Context, domain: str, settings: QuantileAlertSettings | None = None
) -> QuantileCheck | None:
    """The quantile forecasts against realised demand (None: no champion to judge)."""
    s = settings or QuantileAlertSettings()
    specialist = ctx.quantity_domain(domain).forecaster.specialist
    if specialist is None:
        return None
    forecasts, demand = _forecasts(ctx, domain, s.last_outcomes)
    return check_quantiles(forecasts, demand, specialist.card.get("validation") or {}, s)


def check_alerts(
    ctx: Context, domain: str, *, recent: int = 1000,
    thresholds: MonitoringThresholds | None = None,
    settings: QuantileAlertSettings | None = None,
) -> list[AlertView]:
    """Drift, overrides, policy review and forecast quality: raise, escalate, resolve."""
    t = thresholds or MonitoringThresholds()
    policy = ctx.policy(domain)
    cases = latest_cases(ctx, domain, recent)
    windows = (windowed_drift(_reference(domain), [c["input"] for c in cases],
                              windows=t.drift_alerts.windows) if cases else None)
    specs = evaluate_alerts(
        now=datetime.now(UTC), drift=windows, decisions=decision_rows(ctx, domain),
        policy_id=str(policy.id), policy_reviewed_at=policy.last_reviewed_at,
        policy_review_every_days=policy.review_every_days, thresholds=t,
    )  # fmt: skip
    checked = {"override_spike", "policy_review_overdue"}
    if windows is not None:
        checked |= {"dataset_drift", "feature_drift"}
    forecast = outcome_check(ctx, domain, settings)
    if forecast is not None and forecast.n >= forecast.min_outcomes:
        checked.add("outcome_quality")
        spec = forecast.alert(get_quantity_pack(domain).shape.unit)
        specs = [*specs, *([spec] if spec else [])]
    alerting.apply_specs(ctx, domain, specs, checked=checked)
    return alerts(ctx)


def health(ctx: Context, domain: str) -> HealthView:
    """Override rates, realised cost of what was ordered, the policy's orders and seasonal
    naive on the hours with known demand, the quantile forecasts' coverage, and alerts."""
    decisions = decision_rows(ctx, domain)
    found = quantities.quality(ctx, domain)
    names = {"decided": "what was ordered", "policy": "the policy's orders",
             "baseline": "seasonal naive"}
    realized: dict[str, tuple[float, float, float]] = {
        names[who]: (i.estimate, i.low, i.high) for who, i in found.cost.items()
    } if found.cases else {}
    basis = ""
    if found.cases:
        basis = (f"realised cost on {found.cases} decided case(s) with known demand; fill rate "
                 f"{found.fill_rate['decided']:.1%} (seasonal naive "
                 f"{found.fill_rate['baseline']:.1%}); policy minus naive "
                 f"{found.policy_minus_baseline}")
    forecast = outcome_check(ctx, domain)
    window = forecast.message(found.unit) if forecast is not None and forecast.n else ""
    return HealthView(
        domain=domain,
        model_version=ctx.deployed(domain).champion,
        decisions=len(decisions),
        **override_fields(decisions),
        outcomes_known=found.cases,
        realized_cost=realized,
        alerts=alerts(ctx),
        cost_basis=basis,
        calibration_window=window,
    )


__all__ = ["check_alerts", "drift", "health", "outcome_check"]
