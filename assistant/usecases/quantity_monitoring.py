"""Monitoring a "how much" pack: input drift, whether the quantile forecasts still hold on
realised demand, override rates, alerts, and health (realised cost against seasonal naive).

Drift compares the latest cases' inputs with the pack's shipped history (the training rows),
as for a yes/no pack. Prediction drift compares the champion's median forecasts of the latest
cases with its own medians on that history (the same model by the same path, so an unshifted
store raises nothing); the medians are the champion's on the cases' recorded inputs (what it
served, for the cases it forecast; a case forecast by an earlier champion is read with
today's, so the comparison is of one model). Outcome quality is
:mod:`assistant.monitoring.quantile_alerts`: coverage of each predicted level on realised
demand against the validation of the model version that forecast each case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

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
from assistant.policies.quantity import share_text
from assistant.specialists.artifacts import read_card
from assistant.usecases import alerting, quantities
from assistant.usecases.context import Context
from assistant.usecases.drift import latest_cases
from assistant.usecases.monitoring import override_fields
from assistant.usecases.quality import decision_rows
from assistant.usecases.reading import alerts
from assistant.views import AlertView, HealthView
from events import audit as audit_fold
from events import queries
from events.errors import ModelError


def _reference(ctx: Context, domain: str) -> DriftReference:
    """The pack's history, with the champion's own medians on it (none without a champion:
    then no prediction drift)."""
    pack = get_quantity_pack(domain)
    try:
        medians: list[float] | None = \
            ctx.quantity_domain(domain).forecaster.served_reference_medians()
    except ModelError:
        medians = None
    return DriftReference.fit(pack.history.rows, list(pack.numeric), list(pack.categorical),
                              scores=medians)


def _served(ctx: Context, domain: str, reference: DriftReference,
            inputs: list[dict[str, Any]]) -> list[float] | None:
    """The champion's medians of ``inputs`` (None when the reference has none to compare)."""
    if reference.scores is None or not inputs:
        return None
    try:
        return ctx.quantity_domain(domain).forecaster.served_medians(inputs)
    except ModelError:
        return None


def drift(ctx: Context, domain: str, *, recent: int = 1000) -> DriftReport:
    """Feature and prediction drift of the latest ``recent`` cases against the history."""
    reference = _reference(ctx, domain)
    inputs = [c["input"] for c in latest_cases(ctx, domain, recent)]
    return feature_drift(reference, inputs, scores=_served(ctx, domain, reference, inputs))


def _forecasts(ctx: Context, domain: str, limit: int) -> tuple[list[dict[float, float]],
                                                                list[float], list[str]]:
    """The model's predicted quantiles, the realised demand and the model version that
    forecast, of the latest ``limit`` cases with all three, by observation time (oldest
    first). Baseline orders carry no forecast."""
    ctx.sync()
    found: list[tuple[str, dict[float, float], float, str]] = []
    for known in queries.known_cases(ctx.views, domain):
        if known.outcome is None:
            continue
        state = audit_fold.audit_case(ctx.log, known.case_id).state
        rec = state.get("recommendation") or {}
        outcome = state.get("outcome") or {}
        version = (state.get("forecast") or {}).get("model_version")
        if not rec.get("quantiles") or outcome.get("value") is None or not version:
            continue
        levels = {float(a): float(v) for a, v in rec["quantiles"].items()}
        found.append((str(outcome.get("observed_at", "")), levels, float(outcome["value"]),
                      str(version)))
    found.sort(key=lambda item: item[0])
    found = found[-limit:]
    return [f for _, f, _, _ in found], [d for _, _, d, _ in found], [v for *_, v in found]


def _validation(ctx: Context, version: str) -> dict[str, Any]:
    """The validation block of ``version``'s card (empty when its artifact is gone: its
    cases are then judged against the nominal levels)."""
    try:
        return dict(read_card(ctx.artifact_dir(version)).get("validation") or {})
    except ModelError:
        return {}


def outcome_check(
    ctx: Context, domain: str, settings: QuantileAlertSettings | None = None
) -> QuantileCheck | None:
    """The quantile forecasts against realised demand (None: no champion to judge)."""
    s = settings or QuantileAlertSettings()
    specialist = ctx.quantity_domain(domain).forecaster.specialist
    if specialist is None:
        return None
    forecasts, demand, versions = _forecasts(ctx, domain, s.last_outcomes)
    served = specialist.card.get("validation") or {}
    # Each case against the validation of the model that forecast it, not today's champion.
    yardstick = {v: served if v == specialist.version else _validation(ctx, v)
                 for v in set(versions)}
    pack = get_quantity_pack(domain)
    found = check_quantiles(forecasts, demand, served, s,
                            per_case=[yardstick[v] for v in versions])
    return replace(found, unit=pack.shape.unit, outcome=pack.quantity_words.outcome,
                   cases=pack.words.cases)


def check_alerts(
    ctx: Context, domain: str, *, recent: int = 1000,
    thresholds: MonitoringThresholds | None = None,
    settings: QuantileAlertSettings | None = None,
) -> list[AlertView]:
    """Drift, overrides, policy review and forecast quality: raise, escalate, resolve."""
    t = thresholds or MonitoringThresholds()
    policy = ctx.policy(domain)
    reference = _reference(ctx, domain)
    inputs = [c["input"] for c in latest_cases(ctx, domain, recent)]
    medians = _served(ctx, domain, reference, inputs)
    windows = (windowed_drift(reference, inputs, scores=medians,
                              windows=t.drift_alerts.windows) if inputs else None)
    specs = evaluate_alerts(
        now=datetime.now(UTC), drift=windows, decisions=decision_rows(ctx, domain),
        policy_id=str(policy.id), policy_reviewed_at=policy.last_reviewed_at,
        policy_review_every_days=policy.review_every_days, thresholds=t,
        prediction_label="median forecast",
    )  # fmt: skip
    checked = {"override_spike", "policy_review_overdue"}
    if windows is not None:
        checked |= {"dataset_drift", "feature_drift"}
        if medians is not None:
            checked.add("prediction_drift")
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
    pack = get_quantity_pack(domain)
    w = pack.quantity_words
    names = {"decided": f"what was {w.ordered}", "policy": f"the policy's {w.orders}",
             "baseline": "seasonal naive"}
    realized: dict[str, tuple[float, float, float]] = {
        names[who]: (i.estimate, i.low, i.high) for who, i in found.cost.items()
    } if found.cases else {}
    basis = ""
    if found.cases:
        basis = (f"realised cost on {found.cases} decided {pack.words.cases} with known "
                 f"{w.outcome}; "
                 f"fill rate {share_text(found.fill_rate['decided'])} (seasonal naive "
                 f"{share_text(found.fill_rate['baseline'])}); policy minus naive "
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
        calibration_title="Forecast coverage by quantile level",
    )


__all__ = ["check_alerts", "drift", "health", "outcome_check"]
