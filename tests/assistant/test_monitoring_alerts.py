"""Alerts through the service, on real applications: outcome quality, escalation, resolution."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from assistant.monitoring import MonitoringThresholds
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings
from assistant.views import Accept, QueueQuery
from tests.conftest import ServiceFactory


def approve_cases(service: Any, count: int, prefix: str = "oq") -> list[str]:
    """Open real applications and accept ``count`` approvals; return their case ids."""
    label = service.label_field("credit")
    rows = [
        {**{k: v for k, v in row.items() if k != label}, "case_ref": f"{prefix}-{i:04d}"}
        for i, row in enumerate(service.dataset("credit"))
    ]
    service.ingest("credit", rows)
    page = service.queue(QueueQuery(limit=2000, order_by="case_ref"))
    approved = [r.case_id for r in page.rows if r.recommendation == "approve"][:count]
    for case_id in approved:
        service.decide(case_id, Accept())
    return approved


def alert_rows(service: Any, kind: str) -> list[dict[str, Any]]:
    service.sync()
    rows = service.views.rows("SELECT * FROM alerts WHERE kind = ?", [kind])
    return [{**r, "details": json.loads(r["details"])} for r in rows]


def test_two_hundred_outcomes_at_ninety_percent_bad_raise_an_outcome_alert(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    approved = approve_cases(service, 200)
    assert len(approved) == 200
    rng = random.Random(11)
    for case_id in approved:
        outcome = "bad" if rng.random() < 0.9 else "good"
        service.record_outcome(case_id, outcome, datetime.now(UTC))

    service.check_alerts("credit")

    [alert] = alert_rows(service, "outcome_quality")
    assert alert["severity"] == "critical"
    assert alert["details"]["n"] == 200
    assert alert["details"]["window"] == "last 500 outcomes"
    assert alert["details"]["observed_rate"] > 0.8 > 0.3 > alert["details"]["expected_rate"]
    assert any(a.kind == "outcome_quality" for a in service.status().alerts)
    service.check_alerts("credit")  # the same condition is not raised twice
    assert len(alert_rows(service, "outcome_quality")) == 1


def test_real_outcomes_of_approved_applications_raise_no_outcome_alert(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    label = service.label_field("credit")
    truth = {f"oq-{i:04d}": row[label] for i, row in enumerate(service.dataset("credit"))}
    approved = approve_cases(service, 200)
    for case_id in approved:
        ref = service.case(case_id).case_ref
        service.record_outcome(case_id, truth[ref], datetime.now(UTC))

    service.check_alerts("credit")

    assert alert_rows(service, "outcome_quality") == []


def test_an_outcome_alert_escalates_as_evidence_grows_and_resolves_when_outcomes_recover(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    approved = approve_cases(service, 90)
    thresholds = MonitoringThresholds(outcomes=OutcomeAlertSettings(last_outcomes=40))
    for case_id in approved[:10]:  # a handful of bad outcomes: a warning
        service.record_outcome(case_id, "bad", datetime.now(UTC))
    service.check_alerts("credit", thresholds=thresholds)
    [alert] = alert_rows(service, "outcome_quality")
    first = alert["severity"]

    for case_id in approved[10:45]:
        service.record_outcome(case_id, "bad", datetime.now(UTC))
    service.check_alerts("credit", thresholds=thresholds)
    [alert] = alert_rows(service, "outcome_quality")

    assert (first, alert["severity"]) == ("warning", "critical")
    events = [type(e).__name__ for e in service.log.events_of(alert["alert_id"])]
    assert events == ["Raised", "Escalated"]

    for case_id in approved[45:]:  # the next 45 are all good: the window recovers
        service.record_outcome(case_id, "good", datetime.now(UTC))
    service.check_alerts("credit", thresholds=thresholds)

    [alert] = alert_rows(service, "outcome_quality")
    assert alert["acknowledged"] == 1 and alert["acknowledged_by"] == "docket/monitor"
    events = [type(e).__name__ for e in service.log.events_of(alert["alert_id"])]
    assert events == ["Raised", "Escalated", "Resolved"]
    assert not any(a.kind == "outcome_quality" for a in service.status().alerts)
