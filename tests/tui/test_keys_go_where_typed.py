"""Keys go where the person is typing: letters typed into the filter box or into a dialog
just opened, even before it is up, are text there, never a queue action on the selected
case; keys typed before the one that opens it still act first."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input

from assistant.views import Escalate
from tests.tui.conftest import SIZE, settle, type_fast
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.screens.decide import EscalateModal, OverrideModal


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
    """The override dialog comes up only once the case's actions are read: ``a`` and ``e``
    typed meanwhile go to it (its action list), not to the queue (accept, escalate)."""
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_fast(pilot, "o", "a", "e")
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        assert fake.decisions == []


async def test_a_reason_and_enter_typed_straight_after_e_record_the_escalation(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    """Enter typed in the same breath as ``e`` confirms the dialog; it does not open the
    queue's case behind it."""
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.queue_screen.rows[0]
        await type_fast(pilot, "e", "w", "h", "y", "enter")
        await settle(pilot)
        assert [(case_id, decision) for case_id, decision, _ in fake.decisions] == [
            (first.case_id, Escalate(reason_text="why"))]
        assert app.screen is app.queue_screen
        assert app._case_screen is None  # the case was never opened


async def test_a_search_and_enter_typed_straight_after_the_slash_apply_the_filter(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_fast(pilot, "slash", "O", "O", "D", "enter")
        await settle(pilot)
        assert app.screen is app.queue_screen  # no case opened
        assert app.queue_screen.flags == ("ood",)
        assert all("ood" in row.flags for row in app.queue_screen.rows)


async def test_keys_typed_before_e_are_applied_before_it(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    """``down e`` typed in one breath escalates the case the cursor moved to, not the one it
    was on: the escalation key waits its turn behind the keys typed before it."""
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        second = app.queue_screen.rows[1]
        await type_fast(pilot, "down", "e", "enter")
        await settle(pilot)
        assert [case_id for case_id, _, _ in fake.decisions] == [second.case_id]
