"""The queue: paints a page, pages, sorts, filters, follows the log."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from textual.widgets import Static

from tests.tui.conftest import SIZE, plain, settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.screens.queue import PAGE_SIZE, QueueScreen


def cells(app: DocketApp, column: str) -> list[str]:
    return app.queue_screen.table.get_column(column)


async def test_queue_paints_first_page_with_badges(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        refs = cells(app, "case_ref")
        assert refs[0] == "C-000000"
        assert len(refs) == 12  # escalated ones are in the queue too
        flags = dict(zip(refs, cells(app, "flags"), strict=True))
        assert flags["C-000003"] == "OOD"
        assert flags["C-000005"] == "FALLBACK"
        assert flags["C-000004"] == "GUARD"
        assert flags["C-000008"] == "INJ"
        assert flags["C-000009"] == "ESC"
        assert cells(app, "opened_at")[0] == "1d"  # frozen clock: opened 24 h before "now"
        assert "ana (operator)" in app.sub_title
        assert "sqlite:///fake/docket.db" in app.sub_title
        status = app.queue_screen.query_one("#queue-status", Static)
        assert "1–12 of 12" in plain(status)


async def test_queue_pages_without_loading_everything(make_app: Callable[..., DocketApp]) -> None:
    fake = FakeService(130)
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(cells(app, "case_ref")) == PAGE_SIZE
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cells(app, "case_ref")[0] == f"C-{PAGE_SIZE:06d}"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert cells(app, "case_ref")[0] == f"C-{2 * PAGE_SIZE:06d}"
        assert len(cells(app, "case_ref")) == 130 - 2 * PAGE_SIZE
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert cells(app, "case_ref")[0] == f"C-{PAGE_SIZE:06d}"
        assert max(fake.queue_limits) == PAGE_SIZE


async def test_a_page_holds_its_cases_when_cases_before_it_are_decided_elsewhere(
    make_app: Callable[..., DocketApp],
) -> None:
    """Pages are fetched from a case, never by offset: deciding cases on page 1 elsewhere
    does not shift page 2 under the operator, and a page whose first case was decided
    starts at the next one."""
    fake = FakeService(130)
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        page_two = cells(app, "case_ref")
        for case_id in fake.case_ids()[:5]:
            fake.decide_elsewhere(case_id)
        app.queue_screen.reload()
        await settle(pilot)
        assert cells(app, "case_ref") == page_two  # an offset would have moved it by 5
        fake.decide_elsewhere(app.queue_screen.rows[0].case_id)
        app.queue_screen.reload()
        await settle(pilot)
        assert cells(app, "case_ref")[0] == page_two[1]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert cells(app, "case_ref")[0] == "C-000005"  # the first case still waiting
        # Every page after the first was asked for from a case, none by walking an offset.
        assert all(q.offset == 0 or q.after or q.before or q.starting_at
                   for q in fake.queue_queries)


async def test_queue_page_turn_rewrites_rows_and_fits_wider_text(
    make_app: Callable[..., DocketApp],
) -> None:
    """Rows are rewritten in place on a page turn; text wider than page 1's still fits."""
    fake = FakeService(130)
    wide = fake._cases[PAGE_SIZE]  # first case of page 2
    wide.case_ref = "C-A-MUCH-LONGER-REFERENCE"
    wide.flags |= {"ood", "fallback", "guardrail", "injection"}
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.queue_screen.table
        assert table.labels[table.column_keys.index("opened_at")] == "age ↓"  # oldest first
        assert table.column_width("opened_at") >= cell_len("age ↓")  # the arrow is not cut off
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert cells(app, "case_ref")[:2] == ["C-A-MUCH-LONGER-REFERENCE", f"C-{PAGE_SIZE + 1:06d}"]
        assert cells(app, "flags")[0] == "OOD FALLBACK GUARD INJ"
        for key, text in (("case_ref", wide.case_ref), ("flags", "OOD FALLBACK GUARD INJ")):
            assert table.column_width(key) >= cell_len(text), key
        await pilot.press("right_square_bracket")  # the short last page: rows removed
        await settle(pilot)
        assert len(cells(app, "case_ref")) == table.row_count == 130 - 2 * PAGE_SIZE
        await pilot.press("left_square_bracket", "left_square_bracket")  # rows added back
        await settle(pilot)
        assert cells(app, "case_ref") == [f"C-{i:06d}" for i in range(PAGE_SIZE)]
        assert [r.case_ref for r in app.queue_screen.rows] == cells(app, "case_ref")


async def test_the_sort_arrow_points_the_way_the_shown_values_run(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    """↑ when the sorted column's values grow down the page, ↓ when they shrink: the queue
    opens oldest first, so the ages shown run from the largest down (↓)."""
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.queue_screen
        table, status = screen.table, screen.query_one("#queue-status", Static)
        for key in ("", "r"):  # as opened, then reversed
            if key:
                await pilot.press(key)
                await settle(pilot)
            rows = screen.rows
            ages_shrink = rows[0].opened_at < rows[-1].opened_at  # the oldest at the top
            arrow = "↓" if ages_shrink else "↑"
            assert table.labels[table.column_keys.index("opened_at")] == f"age {arrow}"
            assert plain(status).endswith(f"sort age {arrow}")
        await pilot.press("s")  # on to the score, still reversed: the largest first
        await settle(pilot)
        scores = [row.p_bad or 0.0 for row in screen.rows]
        assert scores == sorted(scores, reverse=True)
        assert table.labels[table.column_keys.index("p_bad")].endswith("↓")


async def test_queue_sorts_by_key_and_reverses(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")  # opened_at → p_bad
        await settle(pilot)
        assert app.queue_screen.order_by == "p_bad"
        scores = [float(v) for v in cells(app, "p_bad")]
        assert scores == sorted(scores)
        await pilot.press("r")
        await settle(pilot)
        scores = [float(v) for v in cells(app, "p_bad")]
        assert scores == sorted(scores, reverse=True)
        await pilot.press("s")  # → recommendation
        await settle(pilot)
        assert app.queue_screen.order_by == "recommendation"


async def test_filter_with_slash_asks_the_service(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"ood", "enter")
        await settle(pilot)
        # "ood" is a flag badge: it filters by the flag, not by text.
        assert (app.queue_screen.search, app.queue_screen.flags) == ("", ("ood",))
        assert cells(app, "case_ref") == ["C-000003", "C-000010"]
        assert app.queue_screen.table.has_focus
        await pilot.press("slash", "ctrl+a", "backspace", *"nothing-like-this", "enter")
        await settle(pilot)
        assert cells(app, "case_ref") == []
        empty = app.queue_screen.query_one("#queue-empty", Static)
        assert "No cases match" in plain(empty)


async def test_cases_decided_elsewhere_disappear_live(make_app: Callable[..., DocketApp]) -> None:
    fake = FakeService(12)
    app = make_app(fake, sync_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # cursor on C-000002
        fake.decide_elsewhere("case-000001", by="bob")
        for _ in range(100):
            await pilot.pause(0.02)
            if "C-000001" not in cells(app, "case_ref"):
                break
        assert "C-000001" not in cells(app, "case_ref")
        # The cursor stays on the case the operator was looking at.
        row = app.queue_screen.selected_row()
        assert row is not None and row.case_ref == "C-000002"
        assert "sync" in fake.calls


async def test_empty_queue_says_so(make_app: Callable[..., DocketApp]) -> None:
    app = make_app(FakeService(0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.queue_screen.query_one("#queue-empty", Static)
        assert "queue is clear" in plain(empty)
        await pilot.press("a")  # nothing selected: a warning, not a crash
        await settle(pilot)
