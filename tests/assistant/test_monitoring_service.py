"""Monitoring through the service: real, deliberately shifted applications raise the right
alerts as events; an unshifted sample stays quiet; outcomes feed the quality report."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from assistant.views import Accept, Override, QueueQuery
from tests.conftest import ServiceFactory
from tests.people import change_policy_now


def applications(service: Any, keep: Any, prefix: str) -> list[dict[str, Any]]:
    label = service.label_field("credit")
    rows = service.dataset("credit")
    return [
        {**{k: v for k, v in row.items() if k != label}, "case_ref": f"{prefix}-{i:04d}"}
        for i, row in enumerate(rows)
        if keep(row)
    ]


def drift_alert_features(service: Any) -> set[str]:
    alerts = service.check_alerts("credit")
    rows = service.views.rows("SELECT kind, details FROM alerts")
    assert len(rows) >= len([a for a in alerts if a.kind == "feature_drift"])
    import json

    return {
        json.loads(r["details"])["key"].split(":", 1)[1]
        for r in rows
        if r["kind"] == "feature_drift"
    }


def test_older_applicants_raise_an_age_drift_alert_once(open_service: ServiceFactory) -> None:
    service = open_service()
    service.ingest("credit", applications(service, lambda r: r["age_in_years"] > 50, "old"))

    features = drift_alert_features(service)

    assert "age_in_years" in features
    assert "duration_in_month" not in features  # not what changed
    status_kinds = {a.kind for a in service.status().alerts}
    assert "feature_drift" in status_kinds
    before = len(service.views.rows("SELECT * FROM alerts"))
    service.check_alerts("credit")  # still open: not raised again
    assert len(service.views.rows("SELECT * FROM alerts")) == before


def test_longer_loans_raise_a_duration_drift_alert(open_service: ServiceFactory) -> None:
    service = open_service()
    service.ingest("credit", applications(service, lambda r: r["duration_in_month"] > 24, "long"))

    features = drift_alert_features(service)

    assert {"duration_in_month", "credit_amount"} <= features
    assert "age_in_years" not in features


def test_an_unshifted_sample_raises_no_feature_drift(open_service: ServiceFactory) -> None:
    service = open_service()
    picked = set(random.Random(7).sample(range(1000), 400))
    rows = applications(service, lambda r: True, "same")
    service.ingest("credit", [row for i, row in enumerate(rows) if i in picked])

    assert drift_alert_features(service) == set()


def test_outcomes_feed_the_decision_quality_report(open_service: ServiceFactory) -> None:
    service = open_service()
    label = service.label_field("credit")
    truth = [row[label] for row in service.dataset("credit")[:40]]
    service.ingest("credit", applications(service, lambda r: True, "q")[:40])
    page = service.queue(QueueQuery(limit=100, order_by="case_ref"))
    decided = observed = 0
    for row in page.rows:
        if row.recommendation == "escalate":
            continue
        if decided % 5 == 0:  # some overrides, so their effect can be measured
            other = "approve" if row.recommendation == "decline" else "decline"
            service.decide(row.case_id, Override(other, "model_disagreement", "test override"))
        else:
            service.decide(row.case_id, Accept())
        outcome = truth[int(row.case_ref.split("-")[1])]
        final = other if decided % 5 == 0 else row.recommendation
        if service.reveals_outcome("credit", final):  # a declined loan shows no outcome
            service.record_outcome(row.case_id, outcome, datetime.now(UTC))
            observed += 1
        decided += 1

    report = service.quality("credit")
    health = service.health("credit")
    latest = service.quality("credit", last=10)  # the window: the latest decided cases only
    assert latest.off_policy is not None and latest.off_policy.n_decided == 10
    assert latest.n_cases <= 10

    assert report.n_cases == observed
    assert report.off_policy is not None
    assert report.off_policy.n_decided == decided
    assert report.off_policy.n_observed == observed
    assert report.off_policy.n_unobservable == decided - observed
    assert report.operators is not None and report.model is not None
    assert report.model.mean.low <= report.model.mean.estimate <= report.model.mean.high
    overrides = {g.group: g for g in report.off_policy.overrides_by_reason}
    assert overrides["model_disagreement"].n == len(range(0, decided, 5))
    assert health.outcomes_known == observed
    assert health.override_rate is not None and 0 < health.override_rate < 1
    assert set(health.realized_cost) == {"operators", "model", "baseline rules"}
    # The health screen judges overrides as `quality` does: a decline-override shows no
    # outcome, so it is counted as unobservable, never as helped or hurt.
    effect = health.override_effect_by_reason["model_disagreement"]
    group = overrides["model_disagreement"]
    assert (effect.helped, effect.hurt, effect.unobservable) == (
        group.helped, group.hurt, group.unobservable)
    assert effect.unobservable > 0 and effect.observed + effect.unobservable == effect.n
    # Calibration on the observable outcomes, band by band.
    assert sum(b.n for b in health.calibration) == observed
    assert all(b.low <= b.predicted <= b.high for b in health.calibration)


def test_retraining_learns_from_recorded_outcomes_and_registers_a_challenger_with_evidence(
    open_service: ServiceFactory,
) -> None:
    service = open_service("eve", "engineer")
    rows = applications(service, lambda r: True, "rt")[:30]
    for row in rows:  # new applications: change them so they are not rows of the data set
        row["credit_amount"] = float(row["credit_amount"]) + 1.0
    service.ingest("credit", rows)
    worker = open_service("ana", "operator", models=False)
    for row in worker.queue(QueueQuery(limit=100)).rows:
        if row.recommendation != "escalate":
            worker.decide(row.case_id, Accept())
            if worker.reveals_outcome("credit", row.recommendation):
                worker.record_outcome(row.case_id, "bad", datetime.now(UTC))
    champion = next(m.version for m in service.models("credit") if m.status == "champion")

    lines, versions = service.retrain("credit", reason="test: outcomes came back")

    assert any("recorded outcome(s)" in line and "+ 0 recorded" not in line for line in lines)
    challengers = [m for m in service.models("credit") if m.card.get("provenance")]
    assert challengers, lines
    assert {m.version for m in challengers} == set(versions)
    for model in challengers:
        assert model.status == "shadow"  # never promoted by retraining itself
        assert model.card["provenance"]["reason"] == "test: outcomes came back"
        provenance = model.card["provenance"]
        assert provenance["outcomes"] > 0
        # each revealed outcome stands for at least itself; none is a label made up
        assert provenance["weight_sum"] >= provenance["outcomes"]
        assert 0 < provenance["own_decisions_share_of_weight"] < 0.5
        assert "weak_labels" not in provenance
        evidence = model.card["evidence"]
        assert evidence["champion_version"] == champion
        assert evidence["challenger"]["backtest"]["n"] == 1000
    assert next(m.version for m in service.models("credit") if m.status == "champion") == champion


def test_drift_is_also_judged_since_the_last_policy_change(open_service: ServiceFactory) -> None:
    service = open_service()
    picked = set(random.Random(8).sample(range(1000), 300))
    ordinary = applications(service, lambda r: True, "before")
    service.ingest("credit", [row for i, row in enumerate(ordinary) if i in picked])
    owner = open_service("olga", "risk_owner")
    change_policy_now(owner, "credit", {"escalate_band": [0.12, 0.22]}, "narrower band")
    young = applications(service, lambda r: r["age_in_years"] <= 25, "after")[:60]
    service.ingest("credit", young)

    service.check_alerts("credit")

    rows = service.views.rows("SELECT kind, details FROM alerts WHERE kind = 'feature_drift'")
    details = [json.loads(r["details"]) for r in rows]
    age = next(d for d in details if d["feature"] == "age_in_years")
    since = [w for w in age["windows"] if w.startswith("since policy v2")]
    assert since == [f"since policy v2 ({datetime.now(UTC).date().isoformat()}): 60 cases"]
    assert age["windows"][since[0]]["p_value"] < age["alpha"]  # the shift, seen since then
