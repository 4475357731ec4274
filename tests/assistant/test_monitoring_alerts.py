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


_DATASETS: dict[int, tuple[Any, list[dict[str, Any]]]] = {}


def dataset(service: Any) -> list[dict[str, Any]]:
    """The credit data set, read once per service (each read validates all 1,000 rows)."""
    found = _DATASETS.get(id(service))
    if found is None or found[0] is not service:
        found = _DATASETS[id(service)] = (service, service.dataset("credit"))
    return found[1]


def application(service: Any, index: int, prefix: str, **change: Any) -> dict[str, Any]:
    label = service.label_field("credit")
    row = {k: v for k, v in dataset(service)[index].items() if k != label}
    row.update({name: fn(row[name]) for name, fn in change.items()})
    return {**row, "case_ref": f"{prefix}-{index:04d}"}


def test_a_feature_shift_alerts_early_and_the_open_alert_escalates_as_it_grows(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    service.ingest("credit", [application(service, i, "base") for i in range(900)])
    assert service.check_alerts("credit") == []  # 900 real applications: nothing to say

    bigger = [
        application(service, i, "a", credit_amount=lambda v: v * 1.25) for i in range(900, 1000)
    ]
    service.ingest("credit", bigger)  # 100 loans a quarter larger
    service.check_alerts("credit")
    [alert] = alert_rows(service, "feature_drift")
    assert alert["severity"] == "warning"
    assert alert["details"]["key"] == "feature_drift:credit_amount"
    assert alert["details"]["window"] == "last 100 cases"

    doubled = [
        application(service, i, "b", credit_amount=lambda v: v * 2) for i in range(100, 300)
    ]
    service.ingest("credit", doubled)
    service.check_alerts("credit")

    [alert] = alert_rows(service, "feature_drift")  # the same alert, upgraded
    assert alert["severity"] == "critical"
    assert alert["details"]["psi"] > 0.5
    events = [type(e).__name__ for e in service.log.events_of(alert["alert_id"])]
    assert events == ["Raised", "Escalated"]
    status = {a.message for a in service.status().alerts}
    assert any("credit_amount" in m and "last 100 cases" in m for m in status)


def test_undecided_out_of_distribution_cases_count_towards_the_ood_alert(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    service.ingest("credit", [application(service, i, "base") for i in range(300)])
    odd = [
        application(
            service, i, "odd", credit_amount=lambda v: v * 3, duration_in_month=lambda v: v * 2
        )
        for i in range(300, 400)
    ]
    service.ingest("credit", odd)
    assert not service.decision_rows("credit")  # nobody has decided anything

    service.check_alerts("credit")

    [alert] = alert_rows(service, "ood_rise")
    assert alert["details"]["recent"]["count"] >= 10
    assert "against the training data" in alert["details"]["message"]


def test_monitoring_reads_the_latest_window_not_the_whole_log(
    open_service: ServiceFactory, monkeypatch: Any
) -> None:
    service = open_service()
    service.ingest("credit", [application(service, i, "w") for i in range(300)])

    def whole_log(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("monitoring must not read every event of a kind")

    monkeypatch.setattr(type(service.log), "events_of_kind", whole_log)
    report = service.drift("credit", recent=120)
    service.check_alerts("credit", recent=120)

    assert report.n_current == 120


def test_outcomes_since_the_last_policy_change_are_judged_on_their_own(
    open_service: ServiceFactory,
) -> None:
    # 200 approvals under policy v1, then a policy change, then 40 approvals under v2 whose
    # outcomes (half bad) arrive interleaved with good outcomes of the older decisions.
    service = open_service()
    before = approve_cases(service, 200, prefix="pre")
    rita, rob = open_service("rita", "risk_owner"), open_service("rob", "risk_owner")
    costs = rita.policy("credit").costs
    costs["approve"]["bad"] = 5.5
    proposed = rita.change_policy("credit", {"costs": costs}, "recoveries fell")
    rob.approve_policy_change("credit", proposed.pending[0].number)
    after = approve_cases(service, 40, prefix="post")
    assert set(after).isdisjoint(before)
    for i, case_id in enumerate(after):
        service.record_outcome(case_id, "bad" if i % 2 else "good", datetime.now(UTC))
        for old in before[5 * i : 5 * i + 5]:
            service.record_outcome(old, "good", datetime.now(UTC))

    checked = service.outcome_check("credit", None)
    assert checked is not None and checked.n == 240 and checked.level == 0
    since = checked.since_change
    assert since is not None and since.n == 40 and since.observed_bad == 20
    service.check_alerts("credit")

    [alert] = alert_rows(service, "outcome_quality")
    assert alert["details"]["window"].startswith("last 500 outcomes and cases decided since "
                                                 "policy v2 (")
    [shown] = [a for a in service.status().alerts if a.kind == "outcome_quality"]
    assert "(last 500 outcomes and cases decided since policy v2 (" in shown.message
