"""``q`` quits the console, and asks again when the policy form holds unsaved edits."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Button, Input

from tests.tui.conftest import SIZE, open_policy, settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp


async def test_q_quits_from_the_queue(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_q_over_unsaved_policy_edits_asks_before_quitting(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_policy(pilot)
        screen.query_one("#band-lo", Input).value = "0.1"
        screen.set_focus(None)  # keys go to the screen, not the input
        await pilot.press("q")
        await pilot.pause()
        assert not app._exit
        assert any("unsaved changes" in str(n.message) for n in app._notifications)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_a_read_only_user_is_told_why_preview_and_commit_are_disabled(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        for button_id in ("#preview", "#commit"):
            button = app.screen.query_one(button_id, Button)
            assert button.disabled
            assert button.tooltip == "Only the risk_owner role can change the policy."
