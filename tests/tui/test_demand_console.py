"""The console on a demand store (the REAL service, a real quantile model): the case shows the
predicted quantiles and the order with its expected cost; an override is a quantity, and an
impossible one is refused in one sentence with nothing recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select

from assistant.service import DocketService
from tests.conftest import demand_rows, register_demand_model
from tests.people import People
from tests.tui.conftest import SIZE, plain, settle
from tui.app import DocketApp
from tui.screens.case import CaseScreen
from tui.screens.decide import OverrideModal
from tui.screens.queue import QueueScreen


@pytest.fixture
def real(tmp_path: Path) -> Iterator[DocketService]:
    store, data = str(tmp_path / "docket.db"), tmp_path / "data"
    people = People(store, data)
    service = DocketService.open(store, keys=[people.key("ana", "operator")], data_dir=str(data))
    register_demand_model(service)
    # night and rush hours of one later day: orders that differ, none escalated for width
    report = service.ingest("demand", [raw for raw, _ in demand_rows(24)])
    assert len(report.opened) == 24
    yield service
    service.close()
    people.close()


def first_ordered(app: DocketApp) -> Any:
    return next(r for r in app.queue_screen.rows if r.recommendation == "order")


async def open_case(pilot: Any, app: DocketApp, case_id: str) -> CaseScreen:
    rows = app.queue_screen.rows
    for _ in range([r.case_id for r in rows].index(case_id)):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CaseScreen) and screen.case_id == case_id
    return screen


async def override_with(pilot: Any, app: DocketApp, quantity: str) -> OverrideModal:
    await pilot.press("o")
    await settle(pilot)
    modal = app.screen
    assert isinstance(modal, OverrideModal)
    assert not modal.query("#override-action")  # a quantity, not a list of actions
    modal.query_one("#override-code", Select).value = "missing_information"
    modal.query_one("#override-text", Input).value = "a baseball game at Nationals Park"
    modal.query_one("#override-quantity", Input).value = quantity
    await settle(pilot)
    return modal


async def test_case_shows_the_quantiles_and_the_order_with_its_expected_cost(
    real: DocketService,
) -> None:
    app = DocketApp(real, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = first_ordered(app)
        screen = await open_case(pilot, app, row.case_id)
        detail = screen.detail
        assert detail is not None and detail.quantity is not None
        q = detail.quantity
        summary = plain(screen.query_one("#case-summary"))
        assert f"order {q.quantity} bikes" in summary
        assert f"expected cost {q.expected_cost:.2f}" in summary
        assert "p(bad)" not in summary
        fan = plain(screen.query_one("#case-attr-title"))
        assert "Predicted demand (bikes)" in fan
        for level, value in zip(q.levels, q.quantiles, strict=True):
            assert f"{level:.0%}" in fan and f"{value:.0f}" in fan
        assert "█" in fan and "◀" in fan
        costs = plain(screen.query_one("#case-costs"))
        assert "◀ recommended" in costs and "seasonal naive (same hour last week): order" in costs


async def test_an_override_is_a_quantity_and_a_negative_one_is_refused(
    real: DocketService,
) -> None:
    app = DocketApp(real, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = first_ordered(app)
        screen = await open_case(pilot, app, row.case_id)
        assert screen.detail is not None and screen.detail.quantity is not None
        wanted = screen.detail.quantity.quantity + 25

        await override_with(pilot, app, "-5")
        await pilot.click("#confirm")
        await settle(pilot)
        refused = [str(n.message) for n in app._notifications]
        assert any("quantity: must not be negative, got -5" in m for m in refused), refused
        assert real.case(row.case_id).decision is None

        assert isinstance(app.screen, CaseScreen)  # still on the case, nothing lost
        await override_with(pilot, app, str(wanted))
        await pilot.click("#confirm")
        await settle(pilot)
        done = real.case(row.case_id)
        assert done.decision is not None and done.decision.kind == "overridden"
        assert done.quantity is not None and done.quantity.decided == wanted
        assert (done.decision.by, done.decision.role) == ("ana", "operator")
        assert isinstance(app.screen, QueueScreen)


async def test_the_queue_shows_orders_and_overrides_from_it_ask_for_a_quantity(
    real: DocketService,
) -> None:
    app = DocketApp(real, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = app.queue_screen.rows
        assert all(r.quantity is not None for r in rows)
        row = first_ordered(app)
        for _ in range([r.case_id for r in rows].index(row.case_id)):
            await pilot.press("down")
        await override_with(pilot, app, str(row.quantity + 10))  # type: ignore[operator]
        await pilot.click("#confirm")
        await settle(pilot)
        done = real.case(row.case_id)
        assert done.quantity is not None and done.quantity.decided == row.quantity + 10  # type: ignore[operator]
        assert isinstance(app.screen, QueueScreen)


async def test_a_quantity_override_is_complete_from_the_keyboard(real: DocketService) -> None:
    # Enter in the quantity did nothing; now it moves on, and the dialog says what is missing.
    app = DocketApp(real, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row = first_ordered(app)
        await open_case(pilot, app, row.case_id)
        await pilot.press("o")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        assert plain(modal.query_one("#override-quantity-label")).startswith("▶ Quantity (bikes)")
        assert plain(modal.query_one("#override-needed")).startswith(
            "Still needed: a quantity (a whole number), a reason code, a reason")
        await pilot.press("1", "5", "enter")  # whole packs of 5
        await pilot.pause()
        assert modal.focused is modal.query_one("#override-code", Select)
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert modal.focused is modal.query_one("#override-text", Input)
        await pilot.press(*"a game at the park", "enter")
        await settle(pilot)
        detail = real.case(row.case_id)
        assert detail.quantity is not None and detail.quantity.decided == 15
