"""Keys go where the person is typing: letters typed into the filter box or into a modal
just opened are text there, never a queue action on the selected case."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import SIZE, settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.screens.decide import EscalateModal, OverrideModal


async def type_fast(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a terminal delivers quick typing: all at once, none waiting for the one before
    to be handled (Pilot.press waits for the app to go idle after each key)."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


async def test_letters_typed_in_the_filter_box_are_text_not_queue_actions(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # every queue binding that is a letter, typed as a search straight after the slash
        await type_fast(pilot, "slash", "a", "o", "e", "u", "t", "s", "r", "p", "h")
        await settle(pilot)
        box = app.queue_screen.query_one("#filter", Input)
        assert box.value == "aoeutsrph"
        assert box.has_focus
        assert app.screen is app.queue_screen
        assert fake.decisions == []
        assert app.queue_screen.status_filter == "waiting"
        assert app.queue_screen.order_by == "opened_at"


async def test_keys_typed_right_after_opening_the_escalate_modal_go_into_it(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_fast(pilot, "e", "a", "o", "k")
        await settle(pilot)
        assert isinstance(app.screen, EscalateModal)
        assert app.screen.query_one("#escalate-text", Input).value == "aok"
        assert fake.decisions == []


async def test_keys_typed_right_after_opening_the_override_modal_go_into_it(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_fast(pilot, "o", "a", "e")
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        assert fake.decisions == []
