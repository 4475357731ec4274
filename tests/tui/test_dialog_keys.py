"""Every dialog shows its keys on a footer, like every screen; the policy's owner lands on
the first cost, ready to type."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Footer, Input

from tests.tui.conftest import SIZE, open_policy, settle, type_fast
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.screens.decide import EscalateModal, OverrideModal
from tui.screens.help import HelpScreen
from tui.screens.policy import JustifyModal


def footer_keys(app: DocketApp) -> dict[str, str]:
    """The keys the footer of the screen on top shows, as key -> label."""
    footers = list(app.screen.query(Footer))
    assert len(footers) == 1, "the dialog has no footer of its own"
    return {
        binding.key: binding.description
        for _, binding, enabled, _ in app.screen.active_bindings.values()
        if binding.show and enabled
    }


@pytest.mark.parametrize(("keys", "dialog", "shown"), [
    (("o",), OverrideModal, {"escape": "Cancel", "tab": "Next field"}),
    (("e",), EscalateModal, {"escape": "Cancel", "tab": "Next field"}),
    (("question_mark",), HelpScreen, {"escape": "Close"}),
])
async def test_a_dialog_shows_its_keys_on_a_footer(
    keys: tuple[str, ...], dialog: type, shown: dict[str, str],
    fake: FakeService, make_app: Callable[..., DocketApp],
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        assert isinstance(app.screen, dialog)
        on_footer = footer_keys(app)
        assert shown.items() <= on_footer.items()
        # The queue's keys behind the dialog are not offered on it.
        assert not {"Accept", "Override", "Escalate", "Policy", "Quit"} & set(on_footer.values())
        footer = app.screen.query_one(Footer)
        assert footer.region.height > 0 and footer.region.y == SIZE[1] - 1  # at the bottom


async def test_the_justification_dialog_shows_its_keys_and_takes_what_is_typed_at_once(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        (await open_policy(pilot)).query_one("#cost-0-0", Input).value = "6"
        await pilot.press("ctrl+r")
        await settle(pilot)
        # The justification typed straight on goes into its dialog, not the cost cell.
        await type_fast(pilot, "ctrl+t", "w", "h", "y")
        await settle(pilot)
        assert isinstance(app.screen, JustifyModal)
        assert {"escape": "Cancel", "tab": "Next field"}.items() <= footer_keys(app).items()
        assert app.screen.query_one("#justification", Input).value == "why"
        assert app.screen_stack[-2].query_one("#cost-0-0", Input).value == "6"


async def test_the_policy_owner_lands_on_the_first_cost_and_can_type_it(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_policy(pilot)
        first = screen.query_one("#cost-0-0", Input)
        assert screen.focused is first
        await pilot.press("end", "backspace", "7")
        await settle(pilot)
        assert first.value == "7"
        assert screen.changes() == {"costs": {**owner.costs, "approve": {"good": 0.0, "bad": 7.0}}}

