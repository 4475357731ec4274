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

from assistant.monitoring.drift import DriftReport
from assistant.monitoring.drift_base import DriftSettings
from assistant.monitoring.drift_windows import (
    DriftAlertSettings,
    FeatureEvidence,
    Window,
    evidence,
)
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
    drift_alerts: DriftAlertSettings = DriftAlertSettings()
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
    drift: DriftReport | Sequence[Window] | None = None,
    decisions: Sequence[Row] | None = None,
    cases: Sequence[Row] | None = None,
    policy_id: str | None = None,
    policy_reviewed_at: datetime | str | None = None,
    policy_review_every_days: int | None = None,
    thresholds: MonitoringThresholds | None = None,
    case_time_key: str = "decided_at",
    outcomes: OutcomeCheck | None = None,
    risk_word: str = "risk outcome",
    per_case: str = "per case",
    ood_vs_reference: RateRise | None = None,
    prediction_label: str = "model scores",
) -> list[AlertSpec]:
    """Every threshold crossed, in a stable order: drift, prediction, overrides, OOD, policy.

    * ``drift``: one report, or the windows of :func:`~assistant.monitoring.drift_windows.
      windowed_drift`; judged by :func:`~assistant.monitoring.drift_windows.evidence`:
    * ``dataset_drift`` (critical): at least half the features significant in one window.
    * ``feature_drift:<name>``: the feature's test is significant (family-wise false-alarm
      rate over features and windows) in some window; critical when the PSI of a
      significant window is in the significant band, else warning.
    * ``prediction_drift`` likewise for the model's predictions (``prediction_label`` names
      them: "p(default)", "median forecast").
    * ``override_spike`` (and ``override_spike:<operator>``), ``ood_rise``: :func:`rate_rise`.
    * ``policy_review_overdue:<policy_id>``: only checked when ``policy_id`` is given.
    * ``outcome_quality``: observed outcomes worse than the model's probabilities said
      (:mod:`assistant.monitoring.outcome_alerts`), at the check's severity.

    ``cases`` (rows with ``ood`` and ``case_time_key``: every scored case, decided or not)
    feed the OOD check; without them the decision rows are used. ``ood_vs_reference``
    (:func:`~assistant.monitoring.rates.ood_share_above_reference`) alerts on the same key.
    """
    t = thresholds or MonitoringThresholds()
    alerts: list[AlertSpec] = []
    if drift is not None:
        alerts.extend(_drift_alerts(drift, t, prediction_label))
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
    if ood_vs_reference is not None and ood_vs_reference.risen and not any(
        a.key == "ood_rise" for a in alerts
    ):
        alerts.append(
            _rise_alert(
                "ood_rise",
                "ood_rise",
                f"Out-of-distribution share of the latest {ood_vs_reference.recent.total}"
                " cases (against the training data's)",
                ood_vs_reference,
            )
        )
    if outcomes is not None and outcomes.level > 0:
        alerts.append(
            AlertSpec(
                kind="outcome_quality",
                severity="critical" if outcomes.severity == "critical" else "warning",
                key="outcome_quality",
                message=outcomes.message(risk_word, per_case),
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


def _drift_alerts(
    drift: DriftReport | Sequence[Window], t: MonitoringThresholds, prediction_label: str
) -> list[AlertSpec]:
    windows = [Window(f"all {drift.n_current} cases", drift)] if isinstance(
        drift, DriftReport
    ) else list(drift)
    found, alpha = evidence(windows, t.drift_alerts)
    alerts: list[AlertSpec] = []
    # Dataset drift: in one window, at least half the features drift at the per-feature level
    # (p < 0.05 each); by chance that needs ten of twenty 5 % events at once.
    for w in windows:
        report = w.report
        hits = [f for f in report.features if f.drifted]
        share = len(hits) / len(report.features) if report.features else 0.0
        if report.dataset_drift:
            alerts.append(
                AlertSpec(
                    kind="dataset_drift",
                    severity="critical",
                    key="dataset_drift",
                    message=(
                        f"Dataset drift {over(w.label)}: {len(hits)} of"
                        f" {len(report.features)} features drifted ({share:.0%})"
                    ),
                    details={
                        "window": w.label,
                        "share_drifted": share,
                        "drifted_features": [f.name for f in hits],
                        "n_current": report.n_current,
                        "n_reference": report.n_reference,
                    },
                )
            )
            break
    for e in found:
        if e.significant:
            kind = "prediction_drift" if e.name == "p_bad" else "feature_drift"
            key = "prediction_drift" if e.name == "p_bad" else f"feature_drift:{e.name}"
            alerts.append(_feature_alert(kind, key, e, alpha, prediction_label))
    return alerts


def over(window: str) -> str:
    """``over the last 100 cases``, ``over all 40 cases`` (not "over the all 40 cases")."""
    return f"over {window}" if window.startswith("all ") else f"over the {window}"


def _feature_alert(
    kind: str, key: str, e: FeatureEvidence, alpha: float, prediction_label: str
) -> AlertSpec:
    f = e.drift
    test = (
        f"{f.method} p={f.p_value:.2g}"
        if f.p_value is not None
        else f"{f.method} {f.statistic:.3f}"
    )
    what = f"Predictions ({prediction_label})" if f.kind == "prediction" else f"Feature {f.name}"
    return AlertSpec(
        kind=kind,
        severity="critical" if e.critical else "warning",
        key=key,
        message=(
            f"{what} drifted {over(e.window)}: PSI {f.psi:.2f}"
            f" ({e.by_window[e.window]['excess_psi']:.2f} beyond chance), {test}"
        ),
        details={
            "feature": f.name,
            "window": e.window,
            "psi": f.psi,
            "psi_band": f.psi_band,
            "excess_psi": e.by_window[e.window]["excess_psi"],
            "method": f.method,
            "statistic": f.statistic,
            "p_value": f.p_value,
            "alpha": alpha,
            "n_current": f.n_current,
            "unseen": dict(f.unseen),
            "windows": e.by_window,
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
