"""The console's fast paths: the line-drawn queue table (mouse, keys, scrolling), the case
screen mounted once and reused, the case fetched while the cursor rests, and the small
tables drawn straight to segments (same text as rich's Table)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from tests.tui.conftest import SIZE, plain, settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.screens.case import CaseScreen
from tui.screens.queue import QueueScreen
from tui.widgets.columns import Column, Columns


def text(renderable: RenderableType, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), color_system=None, record=True)
    console.print(renderable)
    return console.export_text().splitlines()


def test_columns_print_the_text_rich_tables_print() -> None:
    rows = [
        ["Status of existing checking account", "< 0 DM", "0.500"],
        ["Duration in months", "9", "12.250"],
        [Text("protected", style="dim"), Text("hidden", style="dim"), ""],
    ]
    table = Table(title="Inputs", title_justify="left", box=None, pad_edge=False,
                  header_style="bold")  # fmt: skip
    table.add_column("field")
    table.add_column("value", max_width=22)
    table.add_column("cost", justify="right")
    for row in rows:
        table.add_row(*row)
    mine = Columns(
        [Column("field"), Column("value", max_width=22), Column("cost", justify="right")],
        rows,
        title="Inputs",
    )
    assert [line.rstrip() for line in text(mine, 80)] == [
        line.rstrip() for line in text(table, 80)
    ]


def test_columns_fold_a_cell_too_wide_and_never_overflow_the_width() -> None:
    sentence = "decided by the senior reviewer after a long look at the whole file " * 2
    mine = Columns(
        [Column("at", overflow="none"), Column("what"), Column("tag", max_width=6,
                                                                overflow="ellipsis")],
        [["2024-05-01T09:21:00+00:00", sentence, "a-very-long-tag"]],
        title="History",
    )  # fmt: skip
    lines = text(mine, 60)
    assert all(len(line) <= 60 for line in lines)
    assert len(lines) > 3  # the sentence continued on further lines
    words = " ".join(line[27:].split("  ")[0] for line in lines[2:]).split()
    assert words == sentence.split()  # nothing lost, in order
    assert lines[2].endswith("  a-ver…")  # cut to its 6 cells


async def test_clicking_a_label_sorts_and_clicking_a_row_opens_it(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.queue_screen.table
        x = sum(table.column_width(k) + 2 for k in table.column_keys[:3]) + 1  # in p(bad)
        await pilot.click("#queue-table", offset=(x, 0))
        await settle(pilot)
        assert app.queue_screen.order_by == "p_bad"
        third = app.queue_screen.rows[2]
        await pilot.click("#queue-table", offset=(2, 3))  # the header is line 0
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == third.case_id


async def test_end_and_home_move_the_cursor_and_keep_it_in_view(
    make_app: Callable[..., DocketApp],
) -> None:
    app = make_app(FakeService(60))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.queue_screen.table
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1 == 49
        visible = table.scrollable_content_region.height - 1
        assert table.scroll_offset.y <= 49 < table.scroll_offset.y + visible
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert table.cursor_row == visible


async def test_one_case_screen_shows_each_case_with_nothing_left_from_the_last(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    QueueScreen.prefetch_delay, delay = None, QueueScreen.prefetch_delay  # cold opens
    try:
        app = make_app(fake)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            first = app.screen
            assert isinstance(first, CaseScreen)
            assert "Case C-000000" in plain(first.query_one("#case-summary"))
            await pilot.press("escape", "down", "down", "down", "enter")
            await settle(pilot)
            assert app.screen is first  # the same screen, not a new one
            summary = plain(first.query_one("#case-summary"))
            assert "Case C-000003" in summary and "C-000000" not in summary
            assert "OUT OF DISTRIBUTION" in plain(first.query_one("#case-warnings"))
            await pilot.press("escape", "up", "enter")  # C-000002 has no warning
            await settle(pilot)
            assert not first.query_one("#case-warnings").display
            assert "Case C-000002" in plain(first.query_one("#case-summary"))
    finally:
        QueueScreen.prefetch_delay = delay


async def test_the_case_under_a_resting_cursor_is_shown_at_once_then_read_again(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.queue_screen
        await pilot.press("down")
        await pilot.pause(3 * (QueueScreen.prefetch_delay or 0))
        await settle(pilot)
        row = queue.selected_row()
        assert row is not None
        detail = queue.prefetched(row)
        assert detail is not None and detail.case_id == row.case_id
        # A row of another version (the log moved) does not use it.
        assert queue.prefetched(replace(row, version=row.version + 1)) is None
        fetched = fake.calls.count("case")
        fake.decide_elsewhere(row.case_id, by="bob")  # not synced yet: the row still shows
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.case_id == row.case_id
        # Shown from what was fetched, then read again: the decision made meanwhile shows.
        assert fake.calls.count("case") == fetched + 1
        assert "approve by bob (operator)" in plain(screen.query_one("#case-summary"))


async def test_screens_shown_again_are_restyled_only_after_a_theme_change(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        case = app.screen
        assert isinstance(case, CaseScreen)
        restyled: list[str] = []
        for screen in (case, app.queue_screen):
            original = screen.update_node_styles

            def counting(animate: bool = True, name: str = screen.id or "", f=original) -> None:
                restyled.append(name)
                f(animate)

            screen.update_node_styles = counting  # type: ignore[method-assign]
        await pilot.press("escape", "down", "enter", "escape", "down", "enter")
        await settle(pilot)
        assert restyled == []  # shown again four times, nothing to restyle
        background = case.styles.background
        await pilot.press("escape")
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await settle(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert app.screen is case and "case" in restyled
        assert case.styles.background != background


def test_columns_render_once_per_width() -> None:
    table = Columns([Column("field"), Column("what")], [["Duration in months", "a " * 30]])
    renders: list[int] = []
    original = table._render

    def counting(console: Console, options: object) -> object:
        renders.append(1)
        return original(console, options)  # type: ignore[arg-type]

    table._render = counting  # type: ignore[method-assign, assignment]
    assert text(table, 40) == text(table, 40)  # Textual's two passes: height, then paint
    assert len(renders) == 1
    narrow = text(table, 30)
    assert len(renders) == 2 and narrow != text(table, 40)


async def test_a_case_not_fetched_ahead_comes_up_read_or_says_loading_when_slow(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    QueueScreen.prefetch_delay, delay = None, QueueScreen.prefetch_delay  # Enter at once
    loading: list[str] = []
    show_loading = CaseScreen._show_loading

    def noted(screen: CaseScreen) -> None:
        loading.append(screen.case_ref)
        show_loading(screen)

    CaseScreen._show_loading = noted  # type: ignore[method-assign]
    read = fake.case
    try:
        app = make_app(fake)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("enter", "escape", "down", "enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen) and screen.case_ref == "C-000001"
            assert "Case C-000001" in plain(screen.query_one("#case-summary"))
            assert loading == []  # each case came up already read, with no "Loading…" first

            def slow(case_id: str) -> object:
                time.sleep(3 * QueueScreen.open_wait)
                return read(case_id)

            fake.case = slow  # type: ignore[method-assign, assignment]
            await pilot.press("escape", "down", "enter")
            await settle(pilot)
            assert loading == ["C-000002"]
            assert "Case C-000002" in plain(app.screen.query_one("#case-summary"))
    finally:
        QueueScreen.prefetch_delay = delay
        CaseScreen._show_loading = show_loading  # type: ignore[method-assign]


async def test_a_page_turn_lays_the_screen_out_again_only_when_the_status_changes_length(
    make_app: Callable[..., DocketApp],
) -> None:
    app = make_app(FakeService(1000))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.queue_screen.query_one("#queue-status")
        layouts: list[bool] = []
        refresh = status.refresh

        def noted(*regions: object, layout: bool = False, **kwargs: bool) -> object:
            layouts.append(layout)
            return refresh(*regions, layout=layout, **kwargs)  # type: ignore[arg-type]

        status.refresh = noted  # type: ignore[method-assign, assignment]
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert "101–150 of 1,000 · page 3/20" in plain(status)  # longer than page 2's
        assert True in layouts
        layouts.clear()
        await pilot.press("right_square_bracket")  # 151–200: the same length
        await settle(pilot)
        assert "151–200 of 1,000 · page 4/20" in plain(status)
        assert layouts and True not in layouts  # repainted, not laid out


def held(fake: FakeService, until: threading.Event) -> Callable[..., object]:
    """``fake.queue``, answering only once ``until`` is set (at most 30 s)."""
    read = fake.queue

    def slow(*args: object, **kwargs: object) -> object:
        until.wait(30)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    return slow


def slowed(fake: FakeService, seconds: float) -> Callable[..., object]:
    """``fake.queue``, answering ``seconds`` late (the page is still on its way meanwhile)."""
    read = fake.queue

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(seconds)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    return slow


async def test_page_keys_pressed_while_a_page_is_on_its_way_each_turn_a_page(
    make_app: Callable[..., DocketApp],
) -> None:
    fake = FakeService(1000)
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.queue_screen.query_one("#queue-status")
        fake.queue = slowed(fake, 0.15)  # type: ignore[method-assign, assignment]
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert "151–200 of 1,000 · page 4/20" in plain(status)
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert "51–100 of 1,000 · page 2/20" in plain(status)
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(pilot)  # one page back was left: the rest had nowhere to go
        assert "1–50 of 1,000 · page 1/20" in plain(status)
        assert app.queue_screen._turns_pending == 0


async def test_a_slow_filter_says_searching_until_its_page_arrives(
    make_app: Callable[..., DocketApp],
) -> None:
    fake = FakeService(1000)
    read = fake.queue
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.queue_screen.query_one("#queue-status")
        # The page is held until the test lets it go (a sleep would race a loaded machine).
        arrived = threading.Event()
        fake.queue = held(fake, arrived)  # type: ignore[method-assign, assignment]
        await pilot.press("slash", *"C-00099", "enter")
        for _ in range(50):  # searching_after (0.3 s), however late the loop runs
            await pilot.pause(QueueScreen.searching_after / 3)
            if plain(status) == "waiting · searching…":
                break
        assert plain(status) == "waiting · searching…"  # not the last filter's count
        arrived.set()
        await settle(pilot)
        assert "1–10 of 10 · page 1/1" in plain(status)
        fake.queue = read  # type: ignore[method-assign]
        await pilot.press("slash", "backspace", "enter")  # a quick one never says it
        await settle(pilot)
        await pilot.pause(2 * QueueScreen.searching_after)
        assert "searching" not in plain(status)
