"""Health: overrides by reason and operator, realized cost against the baseline, alerts."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Header, Static

from assistant.views import HealthView, OverrideEffect
from events.errors import DocketError
from tui.format import pct, when
from tui.screens.base import DocketScreen
from tui.widgets.footer import KeysFooter


def effect(found: OverrideEffect | None) -> tuple[str, str, str]:
    """Helped/hurt on the outcomes seen, their cost difference against the recommendation,
    and the overrides nobody can judge on outcomes (with the model's estimate)."""
    if found is None:
        return "—", "—", "—"
    unseen = (f"{found.unobservable} (model est. {found.model_delta:+.2f})"
              if found.unobservable else "0")
    seen = f"{found.helped} / {found.hurt} of {found.observed}"
    if found.observed and not found.enough_outcomes:
        seen += " (too few to tell)"
    return seen, f"{found.observed_delta:+.2f}", unseen


def render_calibration(h: HealthView) -> list[RenderableType]:
    """Observed against predicted risk by score band, on observable outcomes only."""
    title = Text(h.calibration_title, style="bold underline")
    if not h.calibration:  # a "how much" pack: its forecasts' coverage, in one sentence
        return [title, Text(h.calibration_window or "no observable outcomes yet", style="dim")]
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("score band")
    table.add_column("outcomes", justify="right")
    table.add_column("predicted", justify="right")
    table.add_column("observed", justify="right")
    for b in h.calibration:
        table.add_row(f"{b.low:.3f}–{b.high:.3f}", f"{b.n:,}", pct(b.predicted), pct(b.observed))
    return [title, Text(h.calibration_window, style="dim"), table]


def render_health(h: HealthView, per_case: str = "per case") -> RenderableType:
    head = Text()
    head.append(f"Domain {h.domain}", style="bold")
    head.append(
        f" · model in use {h.model_version or '—'} · {h.decisions:,} decisions · "
        f"override rate {pct(h.override_rate)} · {h.outcomes_known:,} outcomes known"
    )

    reasons = Table(
        box=None,
        header_style="bold",
        pad_edge=False,
    )
    reasons.add_column("reason")
    reasons.add_column("overrides", justify="right")
    reasons.add_column("helped / hurt of seen", justify="right")
    reasons.add_column("cost Δ (seen)", justify="right")
    reasons.add_column("unobservable", justify="right")
    for code, n in sorted(h.overrides_by_reason.items(), key=lambda kv: -kv[1]):
        reasons.add_row(Text(code), f"{n:,}", *effect(h.override_effect_by_reason.get(code)))
    if not h.overrides_by_reason:
        reasons.add_row(Text("no overrides yet", style="dim"), "")

    operators = Table(
        box=None,
        header_style="bold",
        pad_edge=False,
    )
    operators.add_column("operator")
    operators.add_column("override rate", justify="right")
    operators.add_column("helped / hurt of seen", justify="right")
    operators.add_column("cost Δ (seen)", justify="right")
    operators.add_column("unobservable", justify="right")
    for who, rate in sorted(h.override_rate_by_operator.items()):
        # An operator's name is outside text: Text, never read as markup.
        operators.add_row(Text(who), pct(rate), *effect(h.override_effect_by_operator.get(who)))
    if not h.override_rate_by_operator:
        operators.add_row(Text("no decisions yet", style="dim"), "")

    costs = Table(
        box=None,
        header_style="bold",
        pad_edge=False,
    )
    costs.add_column("who decided")
    costs.add_column(f"cost {per_case}", justify="right")
    costs.add_column("CI", justify="right")
    if h.cost_range:
        costs.add_column("whatever the unseen outcomes were", justify="right")
    for who, (c, lo, hi) in h.realized_cost.items():
        cells = [f"{c:.3f}", f"[{lo:.3f}, {hi:.3f}]"]
        if h.cost_range:
            span = h.cost_range.get(who)
            cells.append(f"between {span[0]:.3f} and {span[1]:.3f}" if span else "—")
        costs.add_row(Text(who), *cells)
    # Before the first outcome (or with too few) the range is the one true statement.
    for who, (low, high) in h.cost_range.items():
        if who not in h.realized_cost:
            costs.add_row(Text(who), Text("no outcomes yet" if not h.outcomes_known
                                          else "too few outcomes", style="dim"), "—",
                          f"between {low:.3f} and {high:.3f}")
    if not h.realized_cost and not h.cost_range:
        costs.add_row(Text("no outcomes yet", style="dim"), "", "")
    unseen_note: list[RenderableType] = []
    if h.cost_range and not h.outcomes_known:
        unseen_note.append(Text(
            f"No outcome is known yet: the range counts each of the {h.unseen_outcomes:,} "
            "case(s) at its best and its worst outcome. Whatever those outcomes turn out to "
            "be, the cost lies in it; no estimate exists until outcomes arrive.", style="dim"))
    elif h.cost_range:
        unseen_note.append(Text(
            f"The range assumes nothing about the {h.unseen_outcomes:,} case(s) whose outcome "
            "is unseen: each counted at its best and its worst outcome. Whatever those "
            "outcomes were, the cost lies in it; the estimates assume they resemble the "
            "seen ones.", style="dim"))

    alerts: list[RenderableType] = [Text("Alerts", style="bold")]
    for a in h.alerts:
        alerts.append(
            Text(
                f"[{a.severity.upper()}] {a.kind}: {a.message} ({when(a.raised_at)})",
                style="bold red" if a.severity in {"critical", "high"} else "yellow",
            )
        )
    if not h.alerts:
        alerts.append(Text("none", style="dim"))

    def titled(title: str) -> Text:
        return Text(title, style="bold underline")

    return Group(
        head,
        Text(""),
        titled("Overrides by reason (judged on the outcomes their own action revealed)"),
        reasons,
        Text(""),
        titled("Override rate by operator"),
        operators,
        Text(""),
        titled(f"Realized cost {per_case} (95% CI), where outcomes are known"
               if not h.cost_basis else f"Cost {per_case} (95% CI): {h.cost_basis}"),
        costs,
        *unseen_note,
        Text(""),
        *render_calibration(h),
        Text(""),
        *alerts,
    )


class HealthScreen(DocketScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Refresh"),
    ]

    def __init__(self, domain: str) -> None:
        super().__init__(id="health")
        self.domain = domain
        self.view: HealthView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(Text("Loading health…", style="italic"), id="health-body")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="health")
    async def load(self) -> None:
        body = self.query_one("#health-body", Static)
        try:
            self.view = await self.docket.call_long(self.docket.service.health, self.domain)
        except DocketError as exc:
            body.update(Text(str(exc), style="red"))
            return
        # Headed in the pack's words ("cost per scan").
        body.update(render_health(
            self.view, self.docket.service.domain(self.domain).words["per_case"]))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)
