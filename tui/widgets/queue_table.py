"""The queue's table, drawn line by line with Textual's line API.

Why not ``DataTable``: a page turn changes every visible cell, and ``DataTable`` renders
each cell through Rich (a ``Padding`` around a ``Text``, wrapped, cropped and styled:
about 250 cell renders per page at 120x40), which measured 40-70 ms of CPU per page on
this machine before anything was on screen. The queue only ever shows one page of short,
single-line text in fixed columns, so each row here is one pre-padded string drawn as a
single segment: a page turn costs the padding of 50 rows and a repaint of the visible
lines (well under a millisecond of rendering).

What it keeps from ``DataTable``'s row cursor: the look (header, zebra stripes, cursor
and hover rows from the same theme variables), the keys (up, down, page up/down,
home/end, enter), clicking a row to select it and a header to sort by it, horizontal and
vertical scrolling with the header fixed on top. Columns never shrink while the console
runs, so they do not jump about from page to page; one widens when a label or a cell
needs more room (measured from the text the table already holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PADDING = 1  # cells each side of a column's text, as DataTable's default cell_padding

# Row kinds, each drawn with its component style.
HEADER, EVEN, ODD, CURSOR, HOVER = "header", "even", "odd", "cursor", "hover"


class QueueTable(ScrollView, can_focus=True):
    """Rows of text in fixed, labelled columns, with a row cursor."""

    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .queue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .queue-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .queue-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .queue-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .queue-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .queue-table--odd-row {
        }
        & > .queue-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .queue-table--hover {
            background: $block-hover-background;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--even-row",
        "queue-table--odd-row",
        "queue-table--cursor",
        "queue-table--hover",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first_row", "First row", show=False),
        Binding("end", "last_row", "Last row", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)
    """The row under the cursor (0 when the table is empty)."""

    class TableMessage(Message):
        """A message from the table (``control`` is the table, for ``@on`` selectors)."""

        def __init__(self, table: QueueTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> QueueTable:
            return self.table

    class RowSelected(TableMessage):
        """Enter was pressed on a row, or the row was clicked."""

        def __init__(self, table: QueueTable, row: int) -> None:
            super().__init__(table)
            self.row = row

    class RowHighlighted(TableMessage):
        """The cursor moved to another row (or the rows under it changed)."""

        def __init__(self, table: QueueTable, row: int) -> None:
            super().__init__(table)
            self.row = row

    class HeaderSelected(TableMessage):
        """A column's label was clicked."""

        def __init__(self, table: QueueTable, column_key: str) -> None:
            super().__init__(table)
            self.column_key = column_key

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        id: str | None = None,  # noqa: A002 - Textual's name for it
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.column_keys: tuple[str, ...] = tuple(key for key, _ in columns)
        self.labels: list[str] = [label for _, label in columns]
        self.widths: list[int] = [cell_len(label) for label in self.labels]
        self.rows: list[tuple[str, ...]] = []
        self._hover: int | None = None
        self._lines: dict[tuple[int, str], Strip] = {}  # (row or -1, kind) -> unclipped strip
        self._styles: dict[str, Style] | None = None

    # --- content ---------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: Sequence[Sequence[str]]) -> None:
        """Show ``rows`` (one text per column each), keeping the cursor's row number."""
        self.rows = [tuple(row) for row in rows]
        self._widen(self.rows)
        self._lines.clear()
        self._resize()
        if self.cursor_row >= len(self.rows):
            self.cursor_row = max(0, len(self.rows) - 1)
        self.refresh()
        self.post_message(self.RowHighlighted(self, self.cursor_row))

    def set_labels(self, labels: Sequence[str]) -> None:
        """Change the columns' labels (e.g. to mark the sorted column)."""
        if list(labels) == self.labels:
            return
        self.labels = list(labels)
        self._widen([self.labels])
        self._lines.clear()
        self._resize()
        self.refresh()

    def get_row_at(self, row: int) -> tuple[str, ...]:
        return self.rows[row]

    def get_column(self, key: str) -> list[str]:
        """The texts of one column, top to bottom."""
        index = self.column_keys.index(key)
        return [row[index] for row in self.rows]

    def column_width(self, key: str) -> int:
        """The cells a column gives its text (padding not counted)."""
        return self.widths[self.column_keys.index(key)]

    def _widen(self, rows: Sequence[Sequence[str]]) -> None:
        for row in rows:
            for index, text in enumerate(row):
                if (needed := cell_len(text)) > self.widths[index]:
                    self.widths[index] = needed

    def _resize(self) -> None:
        width = sum(self.widths) + 2 * PADDING * len(self.widths)
        size = Size(width, len(self.rows) + 1)  # + the header line
        if size != self.virtual_size:
            self.virtual_size = size

    # --- cursor ----------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        """Put the cursor on ``row`` (clamped to the rows shown) and scroll it into view."""
        del animate  # the cursor jumps; kept for DataTable's call shape
        self.cursor_row = min(max(row, 0), max(len(self.rows) - 1, 0))
        self._scroll_cursor_into_view()

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.post_message(self.RowHighlighted(self, new))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(self.scrollable_content_region.height - 1, 1)  # the header stays put
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(self.scrollable_content_region.height - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(self.scrollable_content_region.height - 1, 1))

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=len(self.rows) - 1)

    def action_select_cursor(self) -> None:
        if self.rows:
            self.post_message(self.RowSelected(self, self.cursor_row))

    # --- mouse -----------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse (-1 for the header), or None past the last row."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        if offset.y == 0:
            return -1
        row = self.scroll_offset.y + offset.y - 1
        return row if 0 <= row < len(self.rows) else None

    def _column_at(self, event: events.MouseEvent) -> str | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        x = self.scroll_offset.x + offset.x
        for key, width in zip(self.column_keys, self.widths, strict=True):
            x -= width + 2 * PADDING
            if x < 0:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == -1:
            if (key := self._column_at(event)) is not None:
                self.post_message(self.HeaderSelected(self, key))
            return
        self.move_cursor(row=row)
        self.post_message(self.RowSelected(self, row))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        self._set_hover(row if row is not None and row >= 0 else None)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def _set_hover(self, row: int | None) -> None:
        if row != self._hover:
            for line in (self._hover, row):
                if line is not None:
                    self.refresh_line(line + 1)
            self._hover = row

    # --- drawing ---------------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Theme or focus changed: the styles (and so every drawn line) are stale."""
        super().notify_style_update()
        self._styles = None
        self._lines.clear()
        self.refresh()

    def _style(self, kind: str) -> Style:
        if self._styles is None:
            base = self.rich_style
            component = self.get_component_rich_style
            self._styles = {
                HEADER: base + component("queue-table--header"),
                EVEN: base + component("queue-table--even-row"),
                ODD: base + component("queue-table--odd-row"),
                CURSOR: base + component("queue-table--cursor"),
                HOVER: base + component("queue-table--hover"),
            }
        return self._styles[kind]

    def _line(self, row: int, kind: str) -> Strip:
        """The whole line of ``row`` (-1: the header), drawn as ``kind``, unclipped.

        One segment per cell (not one per line) so that an SVG screenshot places each
        column at its own x, as the terminal does.
        """
        key = (row, kind)
        strip = self._lines.get(key)
        if strip is None:
            style, pad = self._style(kind), " " * PADDING
            cells = self.labels if row < 0 else self.rows[row]
            segments = [
                Segment(pad + set_cell_size(text, width) + pad, style)
                for text, width in zip(cells, self.widths, strict=True)
            ]
            strip = Strip(segments, sum(self.widths) + 2 * PADDING * len(self.widths))
            self._lines[key] = strip
        return strip

    def _kind(self, row: int) -> str:
        if row == self.cursor_row:
            return CURSOR
        if row == self._hover:
            return HOVER
        return ODD if row % 2 else EVEN

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            row, kind = -1, HEADER
        else:
            row = scroll_y + y - 1
            if row >= len(self.rows):
                return Strip.blank(width, self.rich_style)
            kind = self._kind(row)
        return self._line(row, kind).crop_extend(scroll_x, scroll_x + width, self._style(kind))
