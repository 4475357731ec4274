"""Signed contribution bars: which inputs pushed the risk up or down, and by how much.

Each row prints the feature, its value, the signed contribution and a bar growing
right (raises risk, ``+``) or left (lowers risk, ``−``) from a centre axis. The sign and
the number are printed, so the meaning never rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from assistant.views import AttributionView
from tui.format import value
from tui.widgets.columns import Column, Columns

HALF_WIDTH = 10  # cells on each side of the axis


def bar(contribution: float, largest: float, half_width: int = HALF_WIDTH) -> Text:
    """One bar of ``2 * half_width + 1`` cells: left half for negative, right for positive."""
    cells = 0 if largest <= 0 else round(abs(contribution) / largest * half_width)
    if contribution != 0:
        cells = max(cells, 1)
    text = Text()
    if contribution < 0:
        text.append(" " * (half_width - cells))
        text.append("◀" + "█" * (cells - 1), style="green")
        text.append("│")
        text.append(" " * half_width)
    else:
        text.append(" " * half_width)
        text.append("│")
        text.append("█" * max(cells - 1, 0) + ("▶" if cells else ""), style="red")
        text.append(" " * (half_width - cells))
    return text


def render_attributions(
    attributions: Sequence[AttributionView], limit: int = 12, half_width: int = HALF_WIDTH
) -> Columns | Text:
    """A table of signed bars, largest push first."""
    if not attributions:
        return Text("No attributions recorded.", style="dim")
    ranked = sorted(attributions, key=lambda a: abs(a.contribution), reverse=True)[:limit]
    largest = max(abs(a.contribution) for a in ranked)
    rows: list[list[str | Text]] = []
    for item in ranked:
        sign = "+" if item.contribution >= 0 else "−"
        rows.append([
            item.feature,
            value(item.value),
            f"{sign}{abs(item.contribution):.3f}",
            bar(item.contribution, largest, half_width),
        ])  # fmt: skip
    hidden = len(attributions) - len(ranked)
    if hidden > 0:
        rows.append([Text(f"… {hidden} smaller", style="dim"), "", "", ""])
    columns = [
        Column("feature", max_width=20, overflow="ellipsis"),
        Column("value", max_width=14, overflow="ellipsis"),
        Column("push", justify="right", overflow="none"),
        Column("− lowers risk │ raises risk +", overflow="none"),
    ]
    return Columns(columns, rows)


class AttributionBars(Static):
    """Shows a case's attributions as signed bars sorted by size."""

    DEFAULT_CSS = """
    AttributionBars { height: auto; }
    """

    def __init__(
        self,
        attributions: Sequence[AttributionView] = (),
        *,
        limit: int = 12,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._limit = limit
        self.attributions: list[AttributionView] = list(attributions)

    def on_mount(self) -> None:
        self.update(render_attributions(self.attributions, self._limit))

    def show(self, attributions: Sequence[AttributionView]) -> None:
        self.attributions = list(attributions)
        self.update(render_attributions(self.attributions, self._limit))
