"""Operational health of the decision loop, and the alerts that combine it with drift.

Pure functions over plain rows, as a read model gives them. A *decision row* is a mapping with:

=====================  ==================================================================
``case_id``            str
``operator``           str, who made the first-stage decision
``decision_kind``      ``"accepted"`` | ``"overridden"`` | ``"escalated"``
``reason_code``        str or None (overrides)
``recommended_action`` the policy's recommendation
``decided_action``     what was decided; for escalations the senior's final action, or None
``baseline_action``    what the baseline rules would have done (quality report)
``outcome``            ``"good"`` | ``"bad"`` | None (not yet known)
``ood``                bool, the case was out of distribution
``decided_at``         tz-aware ``datetime`` or ISO-8601 string with offset
=====================  ==================================================================

Rates use the first-stage decision of each case: ``override rate = overridden / decided``.
A *rise* compares a recent window ``(now − window, now]`` with the trailing baseline window
before it, and fires only when both windows hold enough rows, the rate rose by at least
``min_increase`` (absolute), and a one-sided two-proportion z-test gives ``p < p_value``:
``z = (r₁ − r₀) / √(r̄(1 − r̄)(1/n₁ + 1/n₀))`` with ``r̄`` the pooled rate, ``p = ½ erfc(z/√2)``.
So small samples stay quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.monitoring.drift import DriftReport, FeatureDrift
from assistant.monitoring.drift_base import DriftSettings
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck
from assistant.monitoring.rates import (
    RateRise,
    RateRiseThresholds,
    Row,
    ood_share_rise,
    override_spike,
    override_spike_by_operator,
    parse_time,
    require_aware,
)

Severity = Literal["info", "warning", "critical"]


class MonitoringThresholds(BaseModel):
    """All monitoring thresholds in one configurable, JSON-loadable object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drift: DriftSettings = DriftSettings()
    feature_alert_min_psi: float = Field(
        default=0.1, ge=0, description="a drifted feature alerts only if its PSI is at least this"
    )
    prediction_alert_min_psi: float = Field(default=0.1, ge=0)
    override_spike: RateRiseThresholds = RateRiseThresholds()
    override_spike_by_operator: bool = True
    ood_rise: RateRiseThresholds = RateRiseThresholds(min_increase=0.05)
    policy_review_days: int = Field(
        default=180, ge=1, description="used when the policy does not state review_every_days"
    )
    outcomes: OutcomeAlertSettings = OutcomeAlertSettings()


@dataclass(frozen=True)
class AlertSpec:
    """One threshold crossing, ready to be recorded as an alert event.

    ``key`` identifies what crossed (``"feature_drift:age_in_years"``) so the caller can avoid
    re-raising an alert that is still open. ``details`` is JSON-serialisable.
    """

    kind: str
    severity: Severity
    key: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyReview:
    overdue: bool
    days_since: float | None  # None: never reviewed
    limit_days: int


# --------------------------------------------------------------------------------------------
# Combined alerts
# --------------------------------------------------------------------------------------------


def evaluate_alerts(
    *,
    now: datetime,
    drift: DriftReport | None = None,
    decisions: Sequence[Row] | None = None,
    cases: Sequence[Row] | None = None,
    policy_id: str | None = None,
    policy_reviewed_at: datetime | str | None = None,
    policy_review_every_days: int | None = None,
    thresholds: MonitoringThresholds | None = None,
    case_time_key: str = "decided_at",
    outcomes: OutcomeCheck | None = None,
    risk_word: str = "bad",
) -> list[AlertSpec]:
    """Every threshold crossed, in a stable order: drift, prediction, overrides, OOD, policy.

    * ``dataset_drift`` (critical): ``drift.dataset_drift``.
    * ``feature_drift:<name>``: drifted and ``PSI ≥ feature_alert_min_psi``; critical when the
      PSI band is significant, else warning.
    * ``prediction_drift`` likewise with ``prediction_alert_min_psi``.
    * ``override_spike`` (and ``override_spike:<operator>``), ``ood_rise``: :func:`rate_rise`.
    * ``policy_review_overdue:<policy_id>``: only checked when ``policy_id`` is given.
    * ``outcome_quality``: observed outcomes worse than the model's probabilities said
      (:mod:`assistant.monitoring.outcome_alerts`), at the check's severity.

    ``cases`` (rows with ``ood`` and ``case_time_key``) feed the OOD check; without them the
    decision rows are used.
    """
    t = thresholds or MonitoringThresholds()
    alerts: list[AlertSpec] = []
    if drift is not None:
        alerts.extend(_drift_alerts(drift, t))
    if decisions is not None:
        spike = override_spike(decisions, now=now, thresholds=t.override_spike)
        if spike.risen:
            alerts.append(_rise_alert("override_spike", "override_spike", "Override rate", spike))
        if t.override_spike_by_operator:
            for op, rise in override_spike_by_operator(
                decisions, now=now, thresholds=t.override_spike
            ).items():
                if rise.risen:
                    alerts.append(
                        _rise_alert(
                            "override_spike", f"override_spike:{op}", f"Override rate of {op}", rise
                        )
                    )
    ood_rows = cases if cases is not None else decisions
    if ood_rows is not None:
        time_key = case_time_key if cases is not None else "decided_at"
        ood = ood_share_rise(ood_rows, now=now, thresholds=t.ood_rise, time_key=time_key)
        if ood.risen:
            alerts.append(_rise_alert("ood_rise", "ood_rise", "Out-of-distribution share", ood))
    if outcomes is not None and outcomes.level > 0:
        alerts.append(
            AlertSpec(
                kind="outcome_quality",
                severity="critical" if outcomes.severity == "critical" else "warning",
                key="outcome_quality",
                message=outcomes.message(risk_word),
                details=outcomes.to_dict(),
            )
        )
    if policy_id is not None:
        limit = policy_review_every_days or t.policy_review_days
        review = policy_review_overdue(policy_reviewed_at, now=now, review_every_days=limit)
        if review.overdue:
            since = (
                "has never been reviewed"
                if review.days_since is None
                else f"was last reviewed {review.days_since:.0f} days ago"
            )
            alerts.append(
                AlertSpec(
                    kind="policy_review_overdue",
                    severity="warning",
                    key=f"policy_review_overdue:{policy_id}",
                    message=f"Policy {policy_id} {since} (limit {limit} days)",
                    details={
                        "policy_id": policy_id,
                        "days_since": review.days_since,
                        "limit_days": limit,
                    },
                )
            )
    return alerts


def _drift_alerts(report: DriftReport, t: MonitoringThresholds) -> list[AlertSpec]:
    alerts: list[AlertSpec] = []
    if report.dataset_drift:
        alerts.append(
            AlertSpec(
                kind="dataset_drift",
                severity="critical",
                key="dataset_drift",
                message=(
                    f"Dataset drift: {len(report.drifted_features)} of {len(report.features)}"
                    f" features drifted ({report.share_drifted:.0%})"
                ),
                details={
                    "share_drifted": report.share_drifted,
                    "drifted_features": list(report.drifted_features),
                    "n_current": report.n_current,
                    "n_reference": report.n_reference,
                },
            )
        )
    for f in report.features:
        if f.drifted and f.psi >= t.feature_alert_min_psi:
            alerts.append(_feature_alert("feature_drift", f"feature_drift:{f.name}", f))
    p = report.prediction
    if p is not None and p.drifted and p.psi >= t.prediction_alert_min_psi:
        alerts.append(_feature_alert("prediction_drift", "prediction_drift", p))
    return alerts


def _feature_alert(kind: str, key: str, f: FeatureDrift) -> AlertSpec:
    test = (
        f"{f.method} p={f.p_value:.2g}"
        if f.p_value is not None
        else f"{f.method} {f.statistic:.3f}"
    )
    what = "Scores (p_bad)" if f.kind == "prediction" else f"Feature {f.name}"
    return AlertSpec(
        kind=kind,
        severity="critical" if f.psi_band == "significant" else "warning",
        key=key,
        message=f"{what} drifted: PSI {f.psi:.2f} ({f.psi_band}), {test}",
        details={
            "feature": f.name,
            "psi": f.psi,
            "psi_band": f.psi_band,
            "method": f.method,
            "statistic": f.statistic,
            "p_value": f.p_value,
            "n_current": f.n_current,
            "unseen": dict(f.unseen),
        },
    )


def _rise_alert(kind: str, key: str, what: str, rise: RateRise) -> AlertSpec:
    return AlertSpec(
        kind=kind,
        severity="warning",
        key=key,
        message=(
            f"{what} rose to {rise.recent.rate:.0%} ({rise.recent.count}/{rise.recent.total})"
            f" from {rise.baseline.rate:.0%} ({rise.baseline.count}/{rise.baseline.total}),"
            f" p={rise.p_value:.2g}"
        ),
        details=rise.to_dict(),
    )


# --------------------------------------------------------------------------------------------
# Rates and rises
# --------------------------------------------------------------------------------------------
def policy_review_overdue(
    last_reviewed_at: datetime | str | None, *, now: datetime, review_every_days: int
) -> PolicyReview:
    """Overdue when never reviewed, or reviewed more than ``review_every_days`` days ago."""
    require_aware(now, "now")
    at = parse_time(last_reviewed_at)
    if at is None:
        return PolicyReview(True, None, review_every_days)
    days = (now - at).total_seconds() / 86_400.0
    return PolicyReview(days > review_every_days, days, review_every_days)
