"""Small tables drawn straight to segments: the case screen's inputs, attributions, costs
and history.

They look as ``rich.table.Table(box=None, pad_edge=False)`` draws them (an italic title,
a bold header, two spaces between columns), but cost a fraction: ``Table`` measures and
renders every cell through the console (about half a millisecond per row on this
machine), and Textual draws a widget twice (once to learn its height, once to paint), so
the case screen's four tables took 60-70 % of the time to open a case. Here a cell is
one line of text padded to its column; only a cell wider than its column (rare: a long
label, a long history sentence) goes through Rich's wrapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

GAP = 2  # cells between columns (Table's padding of one on each side)

Cell = str | Text


@dataclass(frozen=True)
class Column:
    """One column: its header and what a cell wider than the column does."""

    header: str
    justify: Literal["left", "right"] = "left"
    max_width: int | None = None
    #: "fold": the cell continues on further lines (words kept whole where they fit);
    #: "ellipsis": the cell is cut with "…"; "none": the column never shrinks.
    overflow: Literal["fold", "ellipsis", "none"] = "fold"


class Columns:
    """A Rich renderable: rows of cells in aligned columns under a title and a header."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Cell]],
        *,
        title: str | None = None,
        title_style: str = "italic",
        header_style: str = "bold",
    ) -> None:
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.title = title
        self.title_style = Style.parse(title_style)
        self.header_style = Style.parse(header_style)
        # Textual renders a widget's content twice at one width (for its height, then to
        # paint it): the second time reuses the first's segments.
        self._rendered: tuple[int, list[Segment]] | None = None

    def _natural(self) -> list[int]:
        widths = [cell_len(c.header) for c in self.columns]
        for row in self.rows:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], cell_len(cell.plain if isinstance(cell, Text)
                                                            else cell))  # fmt: skip
        return [
            min(w, c.max_width) if c.max_width is not None else w
            for w, c in zip(widths, self.columns, strict=True)
        ]

    def _fit(self, available: int) -> list[int]:
        """Natural widths, the widest shrinkable column narrowed until the row fits."""
        widths = self._natural()
        excess = sum(widths) + GAP * (len(widths) - 1) - available
        shrinkable = [i for i, c in enumerate(self.columns) if c.overflow != "none"]
        while excess > 0 and shrinkable:
            widest = max(shrinkable, key=lambda i: widths[i])
            if widths[widest] <= 1:
                break
            widths[widest] -= 1
            excess -= 1
        return widths

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        natural = sum(self._natural()) + GAP * (len(self.columns) - 1)
        return Measurement(min(natural, options.max_width), min(natural, options.max_width))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self._rendered is None or self._rendered[0] != options.max_width:
            self._rendered = (options.max_width, list(self._render(console, options)))
        return self._rendered[1]

    def _render(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        widths = self._fit(options.max_width)
        if self.title:
            yield Segment(set_cell_size(self.title, min(cell_len(self.title),
                                                        options.max_width)), self.title_style)
            yield Segment.line()  # fmt: skip
        header: list[Cell] = [Text(c.header, style=self.header_style) for c in self.columns]
        for row in [header, *self.rows]:
            yield from self._row(console, row, widths)

    def _row(self, console: Console, row: Sequence[Cell], widths: list[int]) -> Iterator[Segment]:
        cells = [
            self._lines(console, cell, column, width)
            for cell, column, width in zip(row, self.columns, widths, strict=True)
        ]
        last = len(cells) - 1
        for line in range(max(len(lines) for lines in cells)):
            for index, (lines, width) in enumerate(zip(cells, widths, strict=True)):
                if line < len(lines):
                    yield from lines[line]
                elif index < last:
                    yield Segment(" " * width)
                if index < last:
                    yield Segment(" " * GAP)
            yield Segment.line()

    @staticmethod
    def _lines(console: Console, cell: Cell, column: Column, width: int) -> list[list[Segment]]:
        """The cell as lines of segments, each exactly ``width`` cells wide."""
        text = cell if isinstance(cell, Text) else None
        plain = cell.plain if isinstance(cell, Text) else cell
        size = cell_len(plain)
        if size <= width:  # the usual case: one line, padded
            pad = " " * (width - size)
            if text is None:
                return [[Segment(pad + plain if column.justify == "right" else plain + pad)]]
            segments = render_text(console, text)
            return [[Segment(pad), *segments] if column.justify == "right"
                    else [*segments, Segment(pad)]]  # fmt: skip
        wrapped = Text(plain) if text is None else text.copy()
        if column.overflow == "ellipsis":
            wrapped.truncate(width, overflow="ellipsis", pad=True)
            return [render_text(console, wrapped)]
        lines = wrapped.wrap(console, width, justify=column.justify, overflow="fold")
        out = []
        for line in lines:
            line.truncate(width, pad=True)
            out.append(render_text(console, line))
        return out


def render_text(console: Console, text: Text) -> list[Segment]:
    """One line of ``text`` as segments, its base style included (``Text.render`` leaves the
    base style to the caller)."""
    base = console.get_style(text.style, default=Style.null()) if text.style else None
    return list(Segment.apply_style(text.render(console), style=base))
