"""The demand pack through the service, as an operator and an analyst would use it: hours
come in, each gets a forecast and an order; operators accept or order another quantity with a
reason; realised demand comes back; quality is reported in cost units against the baseline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.service import DocketService
from assistant.views import Accept, CaseDetail, Escalate, Override, QueueQuery
from events.domain import Case
from events.errors import InputRejected, ModelError
from events.readmodels import ReadModels
from tests.conftest import ServiceFactory, demand_rows, register_demand_model
from tests.people import People


@pytest.fixture
def service(open_service: ServiceFactory) -> DocketService:
    s = open_service(models=False)
    register_demand_model(s)
    s.add_key(People.of(s.store_url, s.data_dir).key("sam", "senior"))  # closes escalations
    return s


def ingest(service: DocketService, n: int, start: int | None = None) -> dict[str, str]:
    rows = demand_rows(n) if start is None else demand_rows(n, start)
    report = service.ingest("demand", [raw for raw, _ in rows])
    assert not report.rejected
    page = service.queue(QueueQuery(statuses=("open", "escalated"), limit=1000))
    return {r.case_ref: r.case_id for r in page.rows if r.domain == "demand"}


def close_escalated(service: DocketService, case: CaseDetail) -> None:
    """An hour the policy escalated: sent up, then the senior orders the recommended number."""
    assert case.quantity is not None
    service.decide(case.case_id, Escalate("check"))
    service.identity = service.identity.__class__("sam", "senior")
    service.decide(case.case_id, Override("order", "other", "senior's call",
                                          case.quantity.quantity))
    service.identity = service.identity.__class__("ana", "operator")


def test_each_hour_gets_quantiles_and_the_cheapest_whole_pack_order(
    service: DocketService,
) -> None:
    refs = ingest(service, 40)
    assert len(refs) == 40
    shown = [service.case(cid) for cid in refs.values()]
    for case in shown:
        q = case.quantity
        assert q is not None and case.model_version is not None
        assert list(q.quantiles) == sorted(q.quantiles) and len(q.levels) == 5
        assert q.quantity % 5 == 0 and 10 <= q.quantity <= 800
        curve = dict(q.curve)
        assert min(curve, key=lambda k: curve[k]) == q.quantity  # the order is the cheapest
        assert q.expected_cost == pytest.approx(curve[q.quantity])
        assert case.recommendation in ("order", "escalate")
    # a quiet night hour gets a smaller order than a busy commuting hour
    by_hour = {c.fields[[f.name for f in c.fields].index("hr")].value: c.quantity.quantity
               for c in shown if c.quantity}
    assert by_hour[3] < by_hour[17]


def test_accept_then_override_with_another_quantity_and_a_reason(
    service: DocketService,
) -> None:
    refs = ingest(service, 6)
    ids = iter(refs.values())
    first = service.case(next(ids))
    if first.recommendation == "escalate":
        first = service.case(next(ids))
    done = service.decide(first.case_id, Accept())
    assert done.quantity is not None and done.quantity.decided == first.quantity.quantity  # type: ignore[union-attr]

    other = service.case(next(ids))
    assert other.quantity is not None
    wanted = other.quantity.quantity + 20
    done = service.decide(other.case_id, Override("order", "missing_information",
                                                  "a concert ends nearby at nine", wanted))
    assert done.quantity is not None and done.quantity.decided == wanted
    assert done.decision is not None and done.decision.kind == "overridden"


@pytest.mark.parametrize(("quantity", "words"), [
    (-5, "quantity: must not be negative"),
    (47, "quantity: must be a multiple of the pack size 5"),
    (5000, "quantity: must be between the minimum order 10 and the capacity 800"),
    (None, "quantity: an override of an order needs the number of bikes"),
])
def test_an_impossible_override_is_refused_in_one_sentence_naming_the_quantity(
    service: DocketService, quantity: int | None, words: str
) -> None:
    case_id = next(iter(ingest(service, 1).values()))
    with pytest.raises(InputRejected) as caught:
        service.decide(case_id, Override("order", "other", "the van is late", quantity))
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert service.case(case_id).decision is None  # nothing recorded


def test_realised_demand_comes_back_and_quality_is_in_cost_units(
    service: DocketService,
) -> None:
    rows = demand_rows(30)
    refs = ingest(service, 30)
    overridden = 0
    for i, (raw, _) in enumerate(rows):
        case = service.case(refs[str(raw["case_ref"])])
        assert case.quantity is not None
        if case.recommendation == "escalate":
            close_escalated(service, case)
        elif i % 3 == 0:
            service.decide(case.case_id, Override("order", "other", "gut feeling",
                                                  max(10, case.quantity.quantity - 30)))
            overridden += 1
        else:
            service.decide(case.case_id, Accept())
    observed = datetime.now(UTC).isoformat()  # demand is known after the order was placed
    outcome_rows: list[dict[str, Any]] = [
        {"case_ref": raw["case_ref"], "outcome": str(demand), "observed_at": observed}
        for raw, demand in rows
    ]
    outcome_rows.append({"case_ref": rows[0][0]["case_ref"], "outcome": "-3",
                         "observed_at": observed})
    outcome_rows.append({"case_ref": "d999h99", "outcome": "12", "observed_at": observed})
    lines = service.record_outcomes(outcome_rows, domain="demand")
    assert lines[0].startswith("32 rows: 30 recorded")
    assert any("must be a number of bikes" in line for line in lines)
    assert any("unknown" in line for line in lines)

    first = service.case(refs[str(rows[0][0]["case_ref"])])
    assert first.quantity is not None and first.quantity.demand == rows[0][1]
    q = first.quantity
    assert q.decided is not None and q.realised_cost == pytest.approx(
        4.0 * max(rows[0][1] - q.decided, 0) + 1.0 * max(q.decided - rows[0][1], 0))

    report = service.quantity_quality("demand")
    assert report.cases == 30
    cu, co = 4.0, 1.0
    baseline = [cu * max(d - b, 0) + co * max(b - d, 0) for (raw, d) in rows
                for b in [max(10, -(-int(raw["bikers_same_hour_last_week"]) // 5) * 5)]]
    assert report.cost["baseline"].estimate == pytest.approx(sum(baseline) / 30)
    # Operators' overrides only: a senior closing an escalated case signs it off.
    assert report.overrides == overridden >= 5
    assert 0 < report.fill_rate["policy"] <= 1
    text = "\n".join(report.lines())
    assert "baseline rule (seasonal naive)" in text and "fill rate" in text

    again = service.record_outcomes(outcome_rows[:1], domain="demand")
    assert "duplicate" in again[0]


def test_without_a_model_the_seasonal_naive_rule_orders_and_says_why(
    open_service: ServiceFactory,
) -> None:
    service = open_service(models=False)
    raw, _ = demand_rows(1)[0]
    case = service.case(service.open_case("demand", raw))
    assert case.recommendation_source == "baseline" and case.quantity is not None
    lag = int(raw["bikers_same_hour_last_week"])  # type: ignore[call-overload]
    assert case.quantity.quantity == max(10, -(-lag // 5) * 5)
    assert case.fallback_reason and "no champion" in case.fallback_reason
    assert case.quantity.quantiles == ()


def test_bad_rows_are_quarantined_with_each_field_named(service: DocketService) -> None:
    raw, _ = demand_rows(1)[0]
    bad = {**raw, "hr": 25, "case_ref": "bad-1"}
    report = service.ingest("demand", [bad, {**raw, "weathersit": "sunny"}])
    assert report.opened == [] and len(report.rejected) == 2
    assert "hr" in report.rejected[0][1] and "weathersit" in report.rejected[1][1]


def test_old_events_still_read_after_the_quantity_fields_were_added() -> None:
    """Recommended v3 / Accepted, Overridden, OutcomeRecorded v1 states upcast with the new
    fields empty, as the mapper and the read models do when replaying an old store."""
    state: dict[str, Any] = {"action": "approve", "ood_reasons": []}
    Case.Recommended.upcast_v3_v4(state)
    assert state["quantity"] is None and state["quantiles"] == {}
    for event in (Case.Accepted, Case.Overridden, Case.OutcomeRecorded):
        old: dict[str, Any] = {}
        event.upcast_v1_v2(old)
        assert None in old.values()


def test_a_demand_case_replays_and_verifies(service: DocketService) -> None:
    refs = ingest(service, 3)
    case_id = next(iter(refs.values()))
    if service.case(case_id).recommendation != "escalate":
        service.decide(case_id, Accept())
        service.record_outcome(case_id, "37", datetime.now(UTC))
    assert service.verify().ok
    assert service.replay_check() == []


def test_the_owner_previews_changed_economics_on_held_out_hours(service: DocketService) -> None:
    lines = service.quantity_backtest("demand", {"underage_cost": 12.0})
    assert "held-out hours" in lines[0]
    current, changed, naive = lines[1:]
    assert "policy v1" in current and "changed policy" in changed and "seasonal naive" in naive

    def number(line: str, before: str) -> float:
        return float(line.split(before)[0].split()[-1].rstrip("%"))

    # dearer shortages: the changed policy orders more, so it meets more demand and leaves more
    assert number(changed, "short in") > number(current, "short in")  # fill rate column
    assert number(changed, "bikes left over") > number(current, "bikes left over")
    with pytest.raises(InputRejected, match="capacity"):
        service.quantity_backtest("demand", {"capacity": 3})


def test_a_preview_without_a_model_says_why(open_service: ServiceFactory) -> None:
    service = open_service(models=False)
    with pytest.raises(ModelError, match="no champion model for demand"):
        service.quantity_backtest("demand")


def test_the_queue_shows_each_hours_order(service: DocketService) -> None:
    refs = ingest(service, 5)
    page = service.queue(QueueQuery(statuses=("open", "escalated"), limit=100))
    for row in page.rows:
        case = service.case(refs[row.case_ref])
        assert case.quantity is not None and row.quantity == case.quantity.quantity


def test_read_models_made_before_the_order_column_gain_it(service: DocketService,
                                                         tmp_path: Path) -> None:
    ingest(service, 2)
    path = tmp_path / "old.views.sqlite"
    old = ReadModels(path)
    old.conn.execute("ALTER TABLE cases DROP COLUMN quantity")  # as an earlier release made it
    old.close()
    views = ReadModels(path)
    try:
        assert views.catch_up(service.log) > 0
        rows = views.rows("SELECT quantity FROM cases WHERE domain = 'demand'")
        assert len(rows) == 2 and all(r["quantity"] >= 10 for r in rows)
    finally:
        views.close()


def test_hostile_hours_and_demand_are_refused_field_by_field(service: DocketService) -> None:
    raw, _ = demand_rows(1)[0]
    bad_rows: list[Any] = [
        {**raw, "temp": float("nan"), "case_ref": "nan-temp"},
        {**raw, "bikers_same_hour_last_week": True, "case_ref": "bool-lag"},
        {**raw, "case_ref": "evil\u202eref"},
        ["not", "an", "object"],
    ]
    report = service.ingest("demand", bad_rows)
    assert report.opened == [] and [n for n, _ in report.rejected] == [1, 2, 3, 4]
    fields = [{p.field for p in report.problems[n]} for n in (1, 2, 3, 4)]
    assert fields == [{"temp"}, {"bikers_same_hour_last_week"}, {"case_ref"}, {"input"}]

    refs = ingest(service, 6)
    ref, case_id = next((r, c) for r, c in refs.items()
                        if service.case(c).recommendation == "order")
    service.decide(case_id, Accept())
    observed = datetime.now(UTC).isoformat()
    lines = service.record_outcomes(
        [{"case_ref": ref, "outcome": v, "observed_at": observed}
         for v in ("NaN", "inf", "1e309", True, "12 bikes")], domain="demand")
    assert lines[0].startswith("5 rows: 0 recorded")
    assert sum("must be a number of bikes" in line for line in lines) == 5
    assert service.case(case_id).outcome is None
