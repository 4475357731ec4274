"""A store written by an earlier release (``tests/fixtures/store-198211f.sqlite``, made before
the quantity events existed) still verifies, replays and reads after the event changes, and
takes new cases of either shape on top of its chain."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.service import DocketService
from assistant.views import Accept, Identity, QueueQuery
from tests.conftest import demand_rows

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store-198211f.sqlite"


@pytest.fixture
def old(tmp_path: Path) -> Iterator[DocketService]:
    store = tmp_path / "store.sqlite"
    shutil.copyfile(FIXTURE, store)  # never touch the fixture itself
    service = DocketService.open(str(store), identity=Identity("aud", "auditor"),
                                 data_dir=str(tmp_path / "data"))
    yield service
    service.close()


def cases_by_ref(service: DocketService) -> dict[str, str]:
    page = service.queue(QueueQuery(statuses=("open", "escalated", "decided"), limit=100))
    return {r.case_ref: r.case_id for r in page.rows}


def test_an_old_store_verifies_replays_and_reads(old: DocketService) -> None:
    report = old.verify()
    assert report.ok and report.checked == 25
    assert old.replay_check() == []
    refs = cases_by_ref(old)
    assert set(refs) == {f"old-{i}" for i in range(6)}
    accepted = old.case(refs["old-0"])
    assert accepted.decision is not None and accepted.decision.kind == "accepted"
    assert accepted.outcome == "good" and accepted.quantity is None  # upcast: no order
    assert accepted.recommendation is not None and accepted.expected_costs
    closed = old.case(refs["old-2"])
    assert closed.decision is not None and closed.decision.kind == "overridden"
    assert closed.decision.role == "senior"
    timeline = old.audit(refs["old-1"]).state_as_of
    assert timeline["recommendation"]["quantity"] is None
    assert timeline["decisions"][0]["quantity"] is None


def test_new_cases_of_either_shape_extend_an_old_chain(old: DocketService) -> None:
    old.identity = Identity("intake", "system")
    raw, _ = demand_rows(1)[0]
    demand_case = old.open_case("demand", raw)
    old.identity = Identity("ana", "operator")
    refs = cases_by_ref(old)
    old.decide(refs["old-3"], Accept())
    shown = old.case(demand_case)
    assert shown.quantity is not None and shown.quantity.quantity >= 10
    report = old.verify()
    assert report.ok and report.checked > 25
    assert old.replay_check() == []


def test_old_recommendations_read_as_certain_and_quality_still_measures_them(
    old: DocketService,
) -> None:
    refs = cases_by_ref(old)
    recommendation = old.audit(refs["old-0"]).state_as_of["recommendation"]
    assert recommendation["propensities"] == {recommendation["action"]: 1.0}
    assert recommendation["propensity_source"] == "assumed"
    assert recommendation["explored"] is False
    report = old.quality("credit")
    assert report.off_policy is not None
    assert report.off_policy.n_decided >= 3
