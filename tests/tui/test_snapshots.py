"""SVG snapshots of the main screens on the fake service (120×40, frozen clock, no blink).

Update after an intended visual change with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from assistant.views import Identity
from tests.tui.conftest import SIZE, no_blink, settle
from tests.tui.fakes import FakeService, frozen_clock
from tui.app import DocketApp

Snap = Callable[..., bool]


def app_on(service: FakeService) -> DocketApp:
    return DocketApp(service, frozen_clock, sync_interval=None)


def steps(
    *keys: str, then: Callable[[Pilot[Any]], Awaitable[None]] | None = None
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot)
        no_blink(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()

    return run_before


def test_snapshot_queue(snap_compare: Snap) -> None:
    assert snap_compare(app_on(FakeService(40)), terminal_size=SIZE, run_before=steps())


def test_snapshot_case_detail(snap_compare: Snap) -> None:
    assert snap_compare(
        app_on(FakeService(12)),
        terminal_size=SIZE,
        run_before=steps("down", "down", "down", "enter"),
    )


def test_snapshot_override_modal(snap_compare: Snap) -> None:
    async def fill(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#override-code").value = "missing_information"  # type: ignore[attr-defined]
        pilot.app.screen.query_one("#override-text", Input).value = "salary slip shows more"

    assert snap_compare(
        app_on(FakeService(12)), terminal_size=SIZE, run_before=steps("enter", "o", then=fill)
    )


def test_snapshot_policy_preview(snap_compare: Snap) -> None:
    async def edit_and_preview(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one("#cost-0-0", Input).value = "6"
        await pilot.press("ctrl+r")

    service = FakeService(12, identity=Identity("rita", "risk_owner"))
    assert snap_compare(
        app_on(service), terminal_size=SIZE, run_before=steps("p", then=edit_and_preview)
    )


def test_snapshot_health(snap_compare: Snap) -> None:
    assert snap_compare(app_on(FakeService(12)), terminal_size=SIZE, run_before=steps("h"))
