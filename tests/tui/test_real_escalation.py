"""Accepting a recommendation to escalate, in the console on the real service with models:
the log records an escalation, the operator is told so, and the cursor moves on."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import ServiceFactory
from tests.tui.conftest import SIZE, settle
from tui.app import DocketApp


async def test_accepting_an_escalate_recommendation_escalates_and_moves_on(
    open_service: ServiceFactory, credit_rows: Callable[[int], list[dict[str, object]]]
) -> None:
    service = open_service("ana", "operator")
    service.ingest("credit", credit_rows(40))
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.queue_screen
        index = next(i for i, r in enumerate(queue.rows) if r.recommendation == "escalate")
        target = queue.rows[index]
        queue.table.move_cursor(row=index, animate=False)
        await settle(pilot)

        await pilot.press("a")
        await settle(pilot)

        decision = service.case(target.case_id).decision
        assert decision is not None and decision.kind == "escalated"
        messages = [str(n.message) for n in app._notifications]
        assert any("escalated to a senior reviewer" in m for m in messages), messages
        escalated = next(r for r in queue.rows if r.case_id == target.case_id)
        assert "escalated" in escalated.flags  # still queued, for a senior
        assert queue.selected_row() is not None
        assert queue.selected_row().case_id != target.case_id  # type: ignore[union-attr]
