"""The queue: open cases, one page at a time, sorted and filtered by the service.

Only one page (``PAGE_SIZE`` rows) is ever loaded, so a store with 100,000 open cases
opens as fast as one with ten. The app's sync timer calls :meth:`QueueScreen.reload`
when the log moved, so cases decided elsewhere disappear while the operator works.

The page is drawn by :class:`~tui.widgets.queue_table.QueueTable` (Textual's line API,
one pre-padded string per row) rather than ``DataTable``, whose per-cell Rich rendering
cost more per page turn than everything else together (see that module). The widget stays
mounted; a new page only replaces its rows. A reload that changed nothing (the sync
timer's usual case) costs no redraw at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from functools import partial
from typing import ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from assistant.views import (
    STALE_COME_FIRST,
    STALE_IS_SHOWN,
    STATUS_FILTERS,
    CaseDetail,
    QueuePage,
    QueueQuery,
    QueueRow,
    is_stale_word,
    split_filter,
)
from events.errors import DocketError
from tui.format import (
    QUEUE_PAGE_SIZE,
    QueueCells,
    queue_cells,
    queue_columns,
    queue_place,
    sort_arrow,
)
from tui.screens.base import DocketScreen, action_label
from tui.screens.decide import DecisionTarget
from tui.widgets.footer import KeysFooter
from tui.widgets.queue_table import QueueTable

PAGE_SIZE = QUEUE_PAGE_SIZE

# Flags and status cannot be sorted.
SORTABLE: tuple[str, ...] = tuple(
    key for key, _ in queue_columns("") if key not in ("flags", "status"))

Cells = QueueCells
row_cells = queue_cells


def show(widget: Static, text: str) -> None:
    """Set a Static's text only when it changed, and lay the screen out again only when its
    length changed: the queue's status line is as wide as its text, and from one page to
    the next (``5,101–5,150 of 1,000,000 · page 103/20,000``) it mostly keeps its length, so
    a page turn need not move (and repaint) the filter box beside it."""
    old = widget.content
    if old == text:
        return
    same_size = isinstance(old, str) and "[" not in old + text and cell_len(old) == cell_len(text)
    widget.update(text, layout=not same_size)


class QueueScreen(DocketScreen):
    """Cases awaiting a decision (open, or escalated to a senior reviewer); the status filter
    (``t``) also reaches decided cases, so an auditor can open and audit one."""

    RESTYLE_ONLY_ON_CSS_CHANGE = True
    TYPED_AHEAD_OF = frozenset({"override", "send_up", "filter"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_case", "Open", show=True, priority=False),
        Binding("a", "accept", "Accept"),
        Binding("o", "override", "Override"),
        Binding("e", "send_up", "Escalate"),
        Binding("u", "audit", "Audit"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("t", "next_status", "Status"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("right_square_bracket", "next_page", "Next page", key_display="]"),
        Binding("left_square_bracket", "prev_page", "Prev page", key_display="[", show=False),
        Binding("f5", "reload", "Refresh", show=False),
    ]

    #: Seconds the cursor rests on a row before its case is fetched, so that Enter shows
    #: it at once (None: fetch only on Enter). Short enough that a person reading the row
    #: has it before pressing Enter; long enough that holding an arrow key down does not
    #: fetch every row it passes.
    prefetch_delay: ClassVar[float | None] = 0.1
    #: Details kept from prefetching (the rows most recently rested on).
    PREFETCHED = 8
    #: Seconds Enter waits for a case not fetched ahead before the case screen comes up
    #: saying "Loading…" (an error also shows there).
    open_wait: ClassVar[float] = 0.25
    #: Seconds a filter's page may take before the status line says "searching…".
    searching_after: ClassVar[float] = 0.3

    def __init__(self, probability: str = "p(risk)", escalate_action: str = "", *,
                 score: bool = True) -> None:
        super().__init__(id="queue")
        if escalate_action:  # the key reads as the pack names its escalation action
            self.key_words = {"send_up": action_label(escalate_action)}
        # The score's column is headed with the pack's label (credit: p(bad)).
        # A quantity pack's cases have no probability: without ``score`` the column, "—"
        # throughout, is left out (and out of the sort cycle).
        every = queue_columns(probability)
        self._kept = [i for i, (key, _) in enumerate(every) if score or key != "p_bad"]
        self.columns = tuple(every[i] for i in self._kept)
        self.sortable = tuple(key for key in SORTABLE if key in dict(self.columns))
        self.search = ""
        self.flags: tuple[str, ...] = ()
        self.status_filter = "waiting"  # a key of STATUS_FILTERS
        self.order_by = "opened_at"
        self.descending = False
        self.page_offset = 0  # the place of the page's first row (for "51–100 of …")
        # The page is fetched by key, never by offset (see events.queue): a page after the
        # first starts at this case (or where it was, if it has left the queue since).
        self.page_anchor: str | None = None
        self.total = 0
        self.rows: list[QueueRow] = []
        self.loaded = False
        self.advance_past: str | None = None  # a case just decided from this screen
        self._shown: list[tuple[str, ...]] = []  # the text in the table now, row by row
        self._debounce: Timer | None = None
        self._told_stale = False  # the filter holds STALE, and the console said what to do
        self._searching: Timer | None = None  # says "searching…" if a filter is slow
        self._details: dict[str, CaseDetail] = {}  # fetched ahead of Enter, by case id
        self._prefetch_timer: Timer | None = None
        # A page turn on its way, and the ] (+1) and [ (-1) pressed meanwhile: applied one
        # after another as pages arrive (a held key turns one page a press, not one in all).
        self._turning = False
        self._turns_pending = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="queue-bar"):
            yield Input(
                placeholder="/ filter by case ref, recommendation, flag (INJ, OOD, ESC…)",
                id="filter",
            )
            yield Static("", id="queue-status")
        yield QueueTable(self.columns, id="queue-table")
        yield Static("", id="queue-empty")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    @property
    def table(self) -> QueueTable:
        return self.query_one("#queue-table", QueueTable)

    # --- loading ---------------------------------------------------------------------

    def current_query(
        self, *, after: str | None = None, before: str | None = None, offset: int | None = None
    ) -> QueueQuery:
        """The page the screen shows now (its search, sort and place), or the page ``after``
        or ``before`` a case (or the first) of the same queue, at the place ``offset``."""
        query = QueueQuery(
            search=self.search,
            statuses=STATUS_FILTERS[self.status_filter],
            flags=self.flags,
            order_by=self.order_by,
            descending=self.descending,
            offset=self.page_offset if self.page_anchor else 0,
            limit=PAGE_SIZE,
            starting_at=self.page_anchor,
        )
        if offset is None:
            return query
        return replace(query, starting_at=None, after=after, before=before, offset=offset)

    @work(exclusive=True, group="queue")
    async def reload(self, query: QueueQuery | None = None) -> None:
        """Fetch the current page (or ``query``'s) and show it (keeps the cursor's place)."""
        call, service = self.docket.call, self.docket.service
        query = query or self.current_query()
        page = await call(service.queue, query)
        if query.before is not None and len(page.rows) < PAGE_SIZE:
            query = self.current_query(offset=0)  # fewer before it than a page: the first
            page = await call(service.queue, query)
        elif not page.rows and page.total > 0 and query.offset > 0 and query.before is None:
            # The page emptied under us (cases decided elsewhere): show the last one.
            query = self.current_query(before=query.starting_at or query.after, offset=0)
            page = await call(service.queue, query)
            query = replace(query, offset=max(0, page.total - len(page.rows)))
        self.page_offset = query.offset
        self.page_anchor = page.rows[0].case_id if page.rows and query.offset > 0 else None
        self.show_page(page)

    def _cells(self, cells: Cells) -> tuple[str, ...]:
        """A row's text in the columns shown (all of them unless the score is left out)."""
        return cells if len(self._kept) == len(cells) else tuple(cells[i] for i in self._kept)

    def show_page(self, page: QueuePage) -> None:
        if not self.query("#queue-table"):
            return  # the console is closing: the page arrived after the table went away
        table = self.table
        previous_index = table.cursor_row if self.rows else 0
        previous = self.selected_row()
        self.rows = list(page.rows)
        self.total = page.total
        now = self.docket.clock()
        cells = [self._cells(row_cells(row, now)) for row in self.rows]
        if cells != self._shown:
            table.set_rows(cells)
            self._shown = cells
        if self.rows:
            ids = [r.case_id for r in self.rows]
            if previous is not None and previous.case_id in ids:
                index = ids.index(previous.case_id)
                if previous.case_id == self.advance_past:
                    # Just decided here but still queued (escalated): go on to the next.
                    index = min(index + 1, len(self.rows) - 1)
            else:
                index = min(previous_index, len(self.rows) - 1)
            table.move_cursor(row=index, animate=False)
        self.advance_past = None
        if self._searching is not None:
            self._searching.stop()
            self._searching = None
        self._update_status()
        self._next_turn()
        if not self.loaded:
            self.loaded = True
            self.call_after_refresh(self.docket.started)

    def _arrow(self) -> str:
        return sort_arrow(self.order_by, self.descending)

    def _update_status(self) -> None:
        direction = self._arrow()
        label = dict(self.columns)[self.order_by]
        place = queue_place(self.page_offset, len(self.rows), self.total)
        show(self.query_one("#queue-status", Static),
             f"{self.status_filter} · {place} · sort {label} {direction}")  # fmt: skip
        empty = self.query_one("#queue-empty", Static)
        empty.display = not self.total
        if self.total:
            show(empty, "")
        elif self.search or self.flags:
            show(empty, "No cases match this filter.")
        elif self.status_filter == "waiting":
            show(empty, "No open cases. The queue is clear. (t: show decided cases)")
        else:
            show(empty, f"No {self.status_filter} cases. (t: change the status filter)")
        self._mark_sorted_column()

    def _mark_sorted_column(self) -> None:
        arrow = " " + self._arrow()
        self.table.set_labels(
            [label + (arrow if key == self.order_by else "") for key, label in self.columns]
        )

    # --- selection ---------------------------------------------------------------------

    def selected_row(self) -> QueueRow | None:
        if not self.rows:
            return None
        index = self.table.cursor_row
        if 0 <= index < len(self.rows):
            return self.rows[index]
        return None

    def selected_target(self) -> DecisionTarget | None:
        row = self.selected_row()
        if row is None:
            return None
        return DecisionTarget(
            row.case_id,
            row.case_ref,
            row.domain,
            row.recommendation,
            expected_costs=tuple(row.expected_costs.items()),
        )

    def _require_target(self) -> DecisionTarget | None:
        target = self.selected_target()
        if target is None:
            self.notify("No case selected: the queue is empty.", severity="warning")
        return target

    # --- actions ---------------------------------------------------------------------------

    @on(QueueTable.RowSelected, "#queue-table")
    def _row_selected(self, event: QueueTable.RowSelected) -> None:
        event.stop()
        self.action_open_case()

    @on(QueueTable.HeaderSelected, "#queue-table")
    def _header_selected(self, event: QueueTable.HeaderSelected) -> None:
        key = event.column_key
        if key in self.sortable:
            self.sort_by(key, not self.descending if key == self.order_by else False)

    def action_open_case(self) -> None:
        if (target := self._require_target()) is not None:
            row = self.selected_row()
            detail = self.prefetched(row) if row is not None else None
            if detail is not None:
                self.docket.open_case(target.case_id, target.case_ref, detail)
            else:
                self.fetch_and_open(target.case_id, target.case_ref)

    @work(exclusive=True, group="open")
    async def fetch_and_open(self, case_id: str, case_ref: str) -> None:
        """Open a case not fetched ahead: the case screen comes up once the case is read,
        or says "Loading…" if that takes longer than :attr:`open_wait` (showing "Loading…"
        first cost a whole extra layout and paint of the case screen, for a read of a
        millisecond or two)."""
        fetch = asyncio.ensure_future(self.docket.call(self.docket.service.case, case_id))
        done, _ = await asyncio.wait({fetch}, timeout=self.open_wait)
        detail: CaseDetail | None = None
        if fetch in done and fetch.exception() is None:
            detail = fetch.result()
        elif fetch not in done:  # the case screen reads it again; this answer is dropped
            fetch.add_done_callback(lambda f: f.cancelled() or f.exception())
        if self.app.screen is self:  # nothing else came up meanwhile
            self.docket.open_case(case_id, case_ref, detail)

    # --- fetching the case under the cursor ahead of Enter ---------------------------------

    @on(QueueTable.RowHighlighted, "#queue-table")
    def _row_highlighted(self, event: QueueTable.RowHighlighted) -> None:
        if self._prefetch_timer is not None:
            self._prefetch_timer.stop()
        row = self.selected_row()
        if self.prefetch_delay is None or row is None or self.prefetched(row) is not None:
            return
        self._prefetch_timer = self.set_timer(
            self.prefetch_delay, partial(self.prefetch, row.case_id)
        )

    @work(exclusive=True, group="prefetch", exit_on_error=False)
    async def prefetch(self, case_id: str) -> None:
        """Fetch a case's detail into the small cache :meth:`prefetched` reads."""
        try:
            detail = await self.docket.call(self.docket.service.case, case_id)
        except DocketError:
            return  # Enter will fetch it again and show the error there
        self._details.pop(case_id, None)
        self._details[case_id] = detail
        while len(self._details) > self.PREFETCHED:
            del self._details[next(iter(self._details))]

    def prefetched(self, row: QueueRow) -> CaseDetail | None:
        """The fetched detail of ``row``'s case, if it is the version the queue shows (the
        case screen checks it against the log again once it is on screen)."""
        detail = self._details.get(row.case_id)
        return detail if detail is not None and detail.version == row.version else None

    def action_accept(self) -> None:
        if (target := self._require_target()) is not None:
            self.docket.start_decision("accept", target)

    def action_override(self) -> None:
        if (target := self._require_target()) is not None:
            self.docket.start_decision("override", target)

    def action_send_up(self) -> None:
        if (target := self._require_target()) is not None:
            self.docket.start_decision("send_up", target)

    def action_audit(self) -> None:
        if (target := self._require_target()) is not None:
            self.docket.open_audit(target.case_id, target.case_ref)

    def action_filter(self) -> None:
        # At once (``Input.focus`` would wait its turn behind the keys typed after ``/``): ``/``
        # then ``a`` typed quickly searches for "a", it does not accept the case.
        self.set_focus(self.query_one("#filter", Input))

    def action_sort(self) -> None:
        """Cycle the sort column."""
        keys = self.sortable
        index = keys.index(self.order_by) if self.order_by in keys else -1
        self.sort_by(keys[(index + 1) % len(keys)], self.descending)

    def action_next_status(self) -> None:
        """Cycle the status filter: waiting → open → escalated → decided → all."""
        names = list(STATUS_FILTERS)
        self.show_status(names[(names.index(self.status_filter) + 1) % len(names)])

    def show_status(self, name: str) -> None:
        """Show cases of the status filter ``name`` (a key of STATUS_FILTERS)."""
        self.status_filter, self.page_offset, self.page_anchor = name, 0, None
        self._turns_pending = 0
        self.reload()

    def action_reverse(self) -> None:
        self.sort_by(self.order_by, not self.descending)

    def sort_by(self, order_by: str, descending: bool) -> None:
        self.order_by, self.descending = order_by, descending
        self.page_offset, self.page_anchor, self._turns_pending = 0, None, 0
        self.reload()

    def _next_turn(self) -> None:
        """A page arrived: go on with a page turn pressed while it was on its way."""
        self._turning = False
        pending, self._turns_pending = self._turns_pending, 0
        if pending:
            self._turns_pending = pending - 1 if pending > 0 else pending + 1
            self.action_next_page() if pending > 0 else self.action_prev_page()
            if not self._turning:  # the first or last page: the rest have nowhere to go
                self._turns_pending = 0

    def action_next_page(self) -> None:
        if self._turning:
            self._turns_pending += 1
            return
        if self.rows and self.page_offset + len(self.rows) < self.total:
            self._turning = True
            self.table.move_cursor(row=0, animate=False)
            self.reload(
                self.current_query(after=self.rows[-1].case_id, offset=self.page_offset + PAGE_SIZE)
            )

    def action_prev_page(self) -> None:
        if self._turning:
            self._turns_pending -= 1
            return
        if self.page_offset > 0:
            self._turning = True
            self.table.move_cursor(row=0, animate=False)
            if self.page_offset <= PAGE_SIZE or not self.rows:
                self.reload(self.current_query(offset=0))
            else:
                self.reload(self.current_query(
                    before=self.rows[0].case_id, offset=self.page_offset - PAGE_SIZE
                ))  # fmt: skip

    def action_reload(self) -> None:
        self.reload()

    # --- filter ------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.3, lambda: self._apply_filter(event.value))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._apply_filter(event.value)
        self.table.focus()

    def _apply_filter(self, text: str) -> None:
        words = text.split()
        stale = any(is_stale_word(word) for word in words)
        if stale and not self._told_stale:
            # A badge shown, not a filter: say how to find those cases, once while it is typed.
            self.notify(f"STALE is not a filter: {STALE_IS_SHOWN}. To find them, clear the "
                        "filter and sort the waiting cases by age, oldest first (s, and r if "
                        f"need be, until the status line says sort age ↓): {STALE_COME_FIRST}.",
                        title="Not a filter", severity="warning", timeout=20)
        self._told_stale = stale
        search, flags = split_filter(" ".join(w for w in words if not is_stale_word(w)))
        if (search, flags) == (self.search, self.flags):
            return
        self.search, self.flags = search, flags
        self.page_offset, self.page_anchor, self._turns_pending = 0, None, 0
        self.reload()
        # A search reads the cases of its statuses one by one (no index holds text inside a
        # reference): a rare one takes seconds in a million cases. Until its page arrives the
        # status line says so, rather than showing the last filter's count.
        if self._searching is not None:
            self._searching.stop()
        self._searching = self.set_timer(self.searching_after, self._say_searching)

    def _say_searching(self) -> None:
        self._searching = None
        show(self.query_one("#queue-status", Static), f"{self.status_filter} · searching…")

    def key_escape(self) -> None:
        if self.query_one("#filter", Input).has_focus:
            self.table.focus()
