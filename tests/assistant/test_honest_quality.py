"""Decision quality on what outcomes can show: selective labels, outside sources, overrides
as treatments, and off-policy estimates with what they rest on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistant.monitoring.quality import report_to_dict
from assistant.service import DocketService
from assistant.views import Accept, Override, QueueQuery
from events.errors import InputRejected
from tests.conftest import ServiceFactory
from tests.people import change_policy_now

Rows = Any


def seed(open_service: ServiceFactory, credit_rows: Rows, n: int = 120,
         explore: dict[str, float] | None = None) -> tuple[DocketService, dict[str, str]]:
    """``n`` real applications, the policy possibly exploring; returns the service and the
    true outcome of each case by id."""
    if explore:
        owner = open_service("olga", "risk_owner")
        change_policy_now(owner, "credit", {"exploration": explore},
                          "measure what declining costs")
    service = open_service("ana", "operator")
    rows = credit_rows(n)
    data = service.dataset("credit")
    label = service.label_field("credit")
    service.ingest("credit", rows)
    page = service.queue(QueueQuery(statuses=("open",), limit=1000, order_by="case_ref"))
    truth = {r.case_id: data[int(r.case_ref.split("-")[1])][label] for r in page.rows}
    return service, truth


def test_a_declined_case_shows_no_outcome_unless_an_outside_source_reports_it(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service, truth = seed(open_service, credit_rows, 40)
    page = service.queue(QueueQuery(statuses=("open",), limit=100))
    declined = next(r for r in page.rows if r.recommendation == "decline")
    service.decide(declined.case_id, Accept())
    now = datetime.now(UTC)

    with pytest.raises(InputRejected, match="shows no outcome.*outside:"):
        service.record_outcome(declined.case_id, truth[declined.case_id], now)
    service.record_outcome(declined.case_id, truth[declined.case_id], now,
                           source="outside:bureau")
    assert service.case(declined.case_id).outcome == truth[declined.case_id]

    approved = next(r for r in page.rows if r.recommendation == "approve")
    service.decide(approved.case_id, Accept())
    with pytest.raises(InputRejected, match="before the decision"):
        service.record_outcome(approved.case_id, "good", now - timedelta(days=30))
    report = service.quality("credit")
    assert report.off_policy is not None and report.off_policy.n_outside == 1


def test_bulk_outcomes_for_declined_cases_are_refused_or_recorded_as_outside(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service, truth = seed(open_service, credit_rows, 40)
    page = service.queue(QueueQuery(statuses=("open",), limit=100))
    declined = [r for r in page.rows if r.recommendation == "decline"][:2]
    for r in declined:
        service.decide(r.case_id, Accept())
    at = datetime.now(UTC).isoformat()
    lines = service.record_outcomes([
        {"case_ref": declined[0].case_ref, "outcome": "good", "observed_at": at},
        {"case_ref": declined[1].case_ref, "outcome": "good", "observed_at": at,
         "source": "outside:bureau"},
    ])
    assert lines[0].startswith("2 rows: 1 recorded, 1 unobservable"), lines
    assert "row 1: unobservable" in "\n".join(lines)
    assert service.case(declined[0].case_id).outcome is None
    assert service.case(declined[1].case_id).outcome == "good"


def test_quality_rests_on_observed_outcomes_and_estimates_the_rest_off_policy(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    # Exploration everywhere (a regret cap above any case's), so every case could show.
    service, truth = seed(open_service, credit_rows, 150,
                          explore={"rate": 0.2, "max_regret": 5.0})
    decider = open_service("bo", "operator")
    page = service.queue(QueueQuery(statuses=("open",), limit=1000, order_by="case_ref"))
    approved = declined = overridden = 0
    for i, row in enumerate(page.rows):
        if row.recommendation == "escalate":
            continue
        costs = service.case(row.case_id).expected_costs
        if row.recommendation == "approve" and costs["approve"] < costs["decline"] and i % 7 == 0:
            # bo declines some applicants the model finds cheaper to approve
            decider.decide(row.case_id, Override("decline", "model_disagreement", "gut"))
            overridden += 1
            declined += 1
            continue
        service.decide(row.case_id, Accept())
        if service.reveals_outcome("credit", row.recommendation):
            service.record_outcome(row.case_id, truth[row.case_id], datetime.now(UTC))
            approved += 1
        else:
            declined += 1

    report = service.quality("credit")
    off = report.off_policy
    assert off is not None
    assert (off.n_observed, off.n_unobservable) == (approved, declined)
    assert len(off.unobservable_cases) == declined
    assert report.n_cases == approved  # the naive part scores observed outcomes only
    names = [e.name for e in off.estimates]
    assert names[:3] == ["operators (as logged)", "policy v2", "baseline rules"]
    for e in off.estimates:
        assert e.n_observed == approved and e.supported
        assert e.ips is not None and e.dr is not None and e.naive is not None
        assert e.dr.low <= e.dr.estimate <= e.dr.high
        assert 0 < e.ess <= approved
    [bo] = [g for g in off.overrides_by_operator if g.group == "bo"]
    assert (bo.n, bo.observed, bo.unobservable) == (overridden, 0, overridden)
    assert bo.model_delta > 0  # declining what the model would approve costs, by its estimate

    as_json = report_to_dict(report)["off_policy"]
    assert as_json["n_unobservable"] == declined
    first = as_json["estimates"][0]
    assert {"naive", "ips", "snips", "dr", "effective_sample_size"} <= set(first)
    assert {"estimate", "low", "high"} <= set(first["dr"])
