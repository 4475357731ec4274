"""Monitoring: drift, operational health, decision quality and outcome reconciliation.

The pure computational core. Nothing here touches the store or does I/O: the service passes
rows in (from read models) and records what comes out (alerts, outcomes) as events.

- :mod:`.drift`: feature and prediction drift against the training reference.
- :mod:`.health`: override rates and spikes, OOD-share rise, policy review age, alerts.
- :mod:`.quality`: realized cost of operators, model and baseline with bootstrap CIs.
- :mod:`.outcomes`: classify a bulk outcomes file into an :class:`OutcomePlan`.
"""

from assistant.monitoring.drift import DriftReport, FeatureDrift, feature_drift, prediction_drift
from assistant.monitoring.drift_base import DriftSettings
from assistant.monitoring.drift_reference import DriftReference
from assistant.monitoring.drift_stats import population_stability_index
from assistant.monitoring.health import (
    AlertSpec,
    MonitoringThresholds,
    evaluate_alerts,
    policy_review_overdue,
)
from assistant.monitoring.outcomes import KnownCase, OutcomeItem, OutcomePlan, plan_outcomes
from assistant.monitoring.quality import QualityReport, quality_report
from assistant.monitoring.rates import (
    OverrideRates,
    RateRise,
    RateRiseThresholds,
    ood_share_rise,
    override_rates,
    override_spike,
)

__all__ = [
    "AlertSpec",
    "DriftReference",
    "DriftReport",
    "DriftSettings",
    "FeatureDrift",
    "KnownCase",
    "MonitoringThresholds",
    "OutcomeItem",
    "OutcomePlan",
    "OverrideRates",
    "QualityReport",
    "RateRise",
    "RateRiseThresholds",
    "evaluate_alerts",
    "feature_drift",
    "ood_share_rise",
    "override_rates",
    "override_spike",
    "plan_outcomes",
    "policy_review_overdue",
    "population_stability_index",
    "prediction_drift",
    "quality_report",
]
