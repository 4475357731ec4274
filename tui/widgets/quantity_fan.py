"""A "how much" case as text: the predicted quantiles of the outcome (demand, load) as a small
fan of bars with the decided quantity marked, and the expected cost of the quantities around it,
in the words of the case's pack (an order against demand, a contract against the load).

Pure rendering (rich renderables from a :class:`~assistant.views.QuantityView`), so the case
screen, snapshots and tests read the same thing.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from assistant.views import QuantityView

BAR = 32  # characters for the largest value shown
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, top: float, width: int = BAR) -> str:
    """A horizontal bar of ``value`` on a scale where ``top`` fills ``width`` characters."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(min(value / top, 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def render_fan(q: QuantityView) -> RenderableType:
    """The predicted outcome at each level, the decided quantity on the same scale."""
    title = Text(f"Predicted {q.outcome_word} ({q.unit})", style="bold")
    if not q.quantiles:
        return Group(title, Text(f"no prediction: the baseline rule {q.ordered_word}",
                                 style="dim"))
    top = max([*q.quantiles, float(q.quantity), float(q.demand or 0.0)])
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column("level", justify="right", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("bar", no_wrap=True)
    for level, value in zip(q.levels, q.quantiles, strict=True):
        table.add_row(f"{level:.0%}", f"{value:.0f}", Text(bar(value, top), style="cyan"))
    table.add_row(Text(q.order_word, style="bold"), Text(str(q.quantity), style="bold"),
                  Text(bar(q.quantity, top) + " ◀", style="bold yellow"))
    if q.demand is not None:
        table.add_row(q.outcome_word, f"{q.demand:.0f}",
                      Text(bar(q.demand, top), style="green"))
    note = Text(
        f"{q.order_word} = the {q.critical_fractile:.0%} level (short {q.underage_cost:g}, "
        f"left over {q.overage_cost:g} per unit), whole packs of {q.step}, "
        f"{q.minimum_order}-{q.capacity} {q.unit}",
        style="dim",
    )
    return Group(title, table, note)


def render_order_costs(q: QuantityView) -> RenderableType:
    """The expected cost of the quantities around the recommended one, and the baseline's."""
    table = Table(title=f"Expected cost per {q.order_word}", title_justify="left", box=None,
                  header_style="bold", pad_edge=False)
    table.add_column(q.order_word, justify="right")
    table.add_column("expected cost", justify="right")
    table.add_column("")
    for order, cost in q.curve:
        mine = order == q.quantity
        style = "bold" if mine else ""
        table.add_row(Text(f"{order} {q.unit}", style=style), Text(f"{cost:.2f}", style=style),
                      "◀ recommended" if mine else "")
    if not q.curve:
        table.add_row(Text(f"{q.quantity} {q.unit}", style="bold"),
                      Text(f"{q.expected_cost:.2f}", style="bold"),
                      "◀ baseline rule (historical cost)")
    lines: list[RenderableType] = [table]
    if q.baseline_quantity is not None:
        expected = (f", expected cost {q.baseline_expected_cost:.2f}"
                    if q.baseline_expected_cost is not None else "")
        lines.append(Text(f"{q.baseline_rule}: {q.order_word} {q.baseline_quantity} {q.unit}"
                          f"{expected}", style="dim"))
    if q.decided is not None:
        lines.append(Text(f"{q.ordered_word} {q.decided} {q.unit}", style="bold cyan"))
    if q.demand is not None and q.realised_cost is not None:
        base = (f" ({q.baseline_rule}: {q.baseline_realised_cost:.2f})"
                if q.baseline_realised_cost is not None else "")
        lines.append(Text(f"{q.outcome_word} was {q.demand:.0f}: realised cost "
                          f"{q.realised_cost:.2f}{base}", style="green"))
    return Group(*lines)
