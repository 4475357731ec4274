"""A second quantity pack, written from README's "Adding a domain" (a quantity pack), runs with
no core change: registered from outside, listed, trained, ingested, decided, its outcomes
recorded and its quality, backtest and monitoring read, all in its own words.

Its unit (MW), period (settlement period), actions (contract / refer), owner role
(``trading_manager``), outcome (``load_mw``) and fields share no name with the demand pack.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import assistant.domains as domains
from assistant.domains import (
    available_packs,
    get_pack,
    get_quantity_pack,
    is_quantity_pack,
    pack_roles,
    register_pack,
)
from assistant.domains.decision import ShapeError
from assistant.service import DocketService
from assistant.views import Accept, Escalate, Identity, Override
from events.errors import DocketError, InputRejected, NotAuthorised, NotFound
from tests.packs.conftest import gridload_rows, register_gridload_model
from tests.packs.gridload import SHAPE, make_pack
from tests.people import People


@pytest.fixture
def service(tmp_path: Path) -> Iterator[DocketService]:
    people = People(str(tmp_path / "store.sqlite"), tmp_path / "data")
    s = DocketService.open(str(tmp_path / "store.sqlite"), keys=[people.key("tia", "dispatcher")],
                           role="dispatcher", data_dir=tmp_path / "data")
    register_gridload_model(s)
    yield s
    s.close()
    people.close()


def test_it_is_registered_and_listed_as_a_quantity_pack(service: DocketService) -> None:
    assert "gridload" in available_packs() and is_quantity_pack("gridload")
    assert get_quantity_pack("gridload").shape.unit == "MW"
    roles = pack_roles("gridload")
    assert (roles.owner, roles.operator, roles.senior) == (
        "trading_manager", "dispatcher", "duty_manager")
    with pytest.raises(NotFound, match="decides a quantity"):
        get_pack("gridload")  # the yes/no path refuses it in one sentence
    views = {v.name: v for v in service.domains()}
    view = views["gridload"]
    assert view.kind == "quantity" and view.actions == ["contract", "refer"]
    assert view.escalate_action == "refer" and view.roles["owner"] == "trading_manager"
    assert view.roles["operator"] == "dispatcher" and view.roles["senior"] == "duty_manager"
    assert "MW per settlement period in steps of 100" in view.shape
    assert {"credit", "demand"} <= set(views)  # the built-in packs are still there


def test_history_is_the_shipped_file_in_time_order_with_last_weeks_load() -> None:
    h = make_pack().history
    assert len(h) == 4032 - 336  # the first week has no week-earlier load
    assert h.period_index == sorted(h.period_index)
    by_period = dict(zip(h.period_index, h.outcomes, strict=True))
    assert all(row["mw_same_period_last_week"] == by_period[i - 336]
               for i, row in zip(h.period_index, h.rows, strict=True) if i - 336 in by_period)
    assert "load_mw" not in h.rows[0]  # the outcome never leaks into the input


def test_altered_data_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "taylor_2000.csv"
    copy.write_bytes(make_pack().data_path.read_bytes().replace(b"22262", b"22263", 1))
    altered = dataclasses.replace(make_pack(), data_path=copy)
    with pytest.raises(DocketError, match="altered"):
        _ = altered.history


def test_a_lead_time_of_a_season_or_more_is_refused_naming_the_field() -> None:
    week = dataclasses.replace(SHAPE, lead_time=336)  # last week's load is not known yet
    with pytest.raises(ShapeError, match="lead_time") as caught:
        make_pack(week)
    assert "mw_same_period_last_week" in str(caught.value)
    assert "season_length" in str(caught.value)
    make_pack(dataclasses.replace(SHAPE, lead_time=335))  # one period less is allowed
    # Registered so, the pack is refused when it is first used, with the same sentence.
    register_pack("late", lambda: make_pack(week))
    try:
        with pytest.raises(ShapeError, match="lead_time: 336 settlement period"):
            is_quantity_pack("late")
    finally:
        domains._registered.pop("late", None)


def test_each_period_gets_a_contract_in_whole_blocks(service: DocketService) -> None:
    rows = gridload_rows(48)
    report = service.ingest("gridload", [raw for raw, _ in rows])
    assert len(report.opened) == 48 and not report.rejected
    shown = [service.case(case_id) for case_id in report.opened]
    for case in shown:
        q = case.quantity
        assert q is not None and case.model_version and case.model_version.startswith("gridload-")
        assert q.unit == "MW" and q.quantity % 100 == 0 and 0 <= q.quantity <= 45_000
        assert case.recommendation in ("contract", "refer")
    by_period = {c.case_ref: c.quantity.quantity for c in shown if c.quantity}
    night, evening = rows[7][0]["case_ref"], rows[38][0]["case_ref"]  # 03:30 and 19:00
    assert by_period[str(night)] < by_period[str(evening)]


def test_accept_override_outcomes_quality_and_backtest(service: DocketService) -> None:
    rows = gridload_rows(24)
    opened = service.ingest("gridload", [raw for raw, _ in rows]).opened
    cases = [service.case(case_id) for case_id in opened]
    contracted = [c for c in cases if c.recommendation == "contract"]
    assert len(contracted) >= 3
    with pytest.raises(InputRejected, match="multiple of the pack size 100 MW"):
        service.decide(contracted[0].case_id, Override("contract", "other", "x", 30_050))
    with pytest.raises(InputRejected, match="needs the number of MW"):
        service.decide(contracted[0].case_id, Override("contract", "other", "x", None))
    for i, case in enumerate(contracted):
        assert case.quantity is not None
        if i % 3 == 0:
            wanted = case.quantity.quantity + 500
            done = service.decide(case.case_id, Override(
                "contract", "missing_information", "a heat wave is forecast", wanted))
            assert done.quantity is not None and done.quantity.decided == wanted
        else:
            service.decide(case.case_id, Accept())
    observed = datetime.now(UTC).isoformat()
    loads = {str(raw["case_ref"]): load for raw, load in rows}
    lines = service.record_outcomes(
        [{"case_ref": c.case_ref, "outcome": loads[str(c.case_ref)], "observed_at": observed}
         for c in contracted] + [{"case_ref": contracted[0].case_ref, "outcome": "lots",
                                  "observed_at": observed}], domain="gridload")
    assert lines[0].startswith(f"{len(contracted) + 1} rows: {len(contracted)} recorded")
    assert any("must be a number of MW" in line for line in lines)

    report = service.quantity_quality("gridload")
    assert report.cases == len(contracted) and report.unit == "MW"
    first = service.case(contracted[0].case_id).quantity
    assert first is not None and first.demand == loads[str(contracted[0].case_ref)]
    assert first.realised_cost is not None and first.realised_cost >= 0

    preview = service.quantity_backtest("gridload", {"underage_cost": 6.0})
    assert "held-out settlement periods" in preview[0]
    assert "realised cost per settlement period" in preview[0]
    assert any("changed policy" in line for line in preview)
    health = service.health("gridload")
    assert health.outcomes_known == len(contracted)


def test_its_own_roles_decide_and_escalation_goes_to_its_own_senior(
    service: DocketService,
) -> None:
    people = People.of(service.store_url, service.data_dir)
    for name, role in (("sam", "senior"), ("dana", "duty_manager"), ("ana", "operator")):
        service.add_key(people.key(name, role))
    case_id = service.ingest("gridload", [raw for raw, _ in gridload_rows(1)]).opened[0]
    acting = service.identity
    service.identity = Identity("ana", "operator")  # another pack's deciding role
    with pytest.raises(NotAuthorised):
        service.decide(case_id, Accept())
    service.identity = acting
    sent = service.decide(case_id, Escalate("an interconnector trips"))
    assert sent.status == "escalated"
    service.identity = Identity("sam", "senior")
    with pytest.raises(NotAuthorised):
        service.decide(case_id, Override("contract", "other", "x", 30_000))
    service.identity = Identity("dana", "duty_manager")
    done = service.decide(case_id, Override("contract", "other", "cover the trip", 30_000))
    assert done.quantity is not None and done.quantity.decided == 30_000



async def test_the_console_shows_a_period_in_the_packs_own_words(
    service: DocketService,
) -> None:
    """The case screen's fan, its cost table and the override dialog say "load" and "contract"
    (the pack's ``QuantityWords``) and name the pack's own baseline rule: an operator of the
    grid never reads the demand pack's "order" or "demand"."""
    from textual.widgets import Label

    from tests.packs.test_gridload_cli import DEMAND
    from tests.tui.conftest import SIZE, plain, settle
    from tests.tui.test_demand_console import open_case
    from tui.app import DocketApp
    from tui.screens.decide import OverrideModal

    rows = gridload_rows(8)
    opened = service.ingest("gridload", [raw for raw, _ in rows]).opened
    case = next(c for c in map(service.case, opened) if c.recommendation == "contract")
    assert case.quantity is not None
    load = {str(raw["case_ref"]): value for raw, value in rows}
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_case(pilot, app, case.case_id)
        fan = plain(screen.query_one("#case-attr-title"))
        costs = plain(screen.query_one("#case-costs"))
        assert "Predicted load (MW)" in fan and "contract" in fan
        assert "Expected cost per contract" in costs
        assert "seasonal naive (same settlement period a week earlier): contract" in costs
        await pilot.press("o")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        help_text = " ".join(str(w.render()) for w in modal.query(Label))
        assert "Type the quantity to contract instead" in help_text
        shown = "\n".join((fan, costs, help_text))
        assert not DEMAND.search(shown), DEMAND.findall(shown)

    service.decide(case.case_id, Override("contract", "other", "interconnector outage",
                                          case.quantity.quantity + 200))
    service.record_outcomes([{"case_ref": case.case_ref, "outcome": load[str(case.case_ref)],
                              "observed_at": datetime.now(UTC).isoformat()}], domain="gridload")
    from rich.console import Console

    from tui.widgets.quantity_fan import render_fan, render_order_costs

    q = service.case(case.case_id).quantity
    assert q is not None and q.decided == case.quantity.quantity + 200
    console = Console(width=160, record=True, color_system=None)
    console.print(render_fan(q))
    console.print(render_order_costs(q))
    shown = console.export_text()
    assert f"contracted {q.decided} MW" in shown
    assert f"load was {load[str(case.case_ref)]:.0f}: realised cost" in shown
    assert not DEMAND.search(shown), DEMAND.findall(shown)


def test_a_period_scored_alone_gets_the_quantiles_it_gets_in_a_batch() -> None:
    """Bit for bit, as for demand (megawatts, so float32 rounding is larger)."""
    import numpy as np

    from assistant.specialists.quantile_serving import QuantileSpecialist
    from tests.packs.conftest import trained_gridload_artifact

    served = QuantileSpecialist.load(trained_gridload_artifact())
    rows = [raw for raw, _ in gridload_rows(96)]
    values = [make_pack().validate_case(r) for r in rows]
    cases = [v.values for v in values if not isinstance(v, list)]
    batch = served.predict(cases)
    alone = np.vstack([served.predict([row]) for row in cases])
    assert alone.tobytes() == batch.tobytes(), np.abs(alone - batch).max()
