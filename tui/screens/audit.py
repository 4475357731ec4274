"""Audit: what the deciding operator saw at a chosen time, then what happened after.

The time defaults to the decision time. The top half is the record as it stood
(score, policy version, explanation and guardrail verdicts shown); the bottom half is
everything the log recorded after that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Input, Label, Static

from assistant.views import AuditView, TimelineEntry
from events.errors import DocketError
from tui.format import parse_when, value, when
from tui.screens.base import DocketScreen
from tui.widgets.footer import KeysFooter


def render_mapping(title: str, data: dict[str, Any]) -> RenderableType:
    table = Table(title=title, title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("value")
    if not data:
        table.add_row("—", Text("nothing recorded", style="dim"))
    for key, item in data.items():
        table.add_row(key.replace("_", " "), render_value(item))
    return table


def render_value(item: Any) -> RenderableType:
    if isinstance(item, dict):
        # A key with nothing recorded (a yes/no case's quantity and quantiles) is left out:
        # an auditor read a column of dashes for fields of another decision shape.
        # `docket audit --json` keeps every key.
        shown = {k: v for k, v in item.items() if v is not None}
        return Text("\n".join(f"{k}: {value(v)}" for k, v in shown.items()) or "—")
    if isinstance(item, list | tuple):
        if not item:
            return Text("—", style="dim")
        lines = []
        for entry in item:
            if isinstance(entry, dict):
                lines.append(" · ".join(f"{k}: {value(v)}" for k, v in entry.items()))
            else:
                lines.append(value(entry))
        return Text("\n".join(lines))
    return Text(value(item))


def render_timeline(title: str, entries: list[TimelineEntry]) -> RenderableType:
    if not entries:
        return Group(
            Text(title, style="bold"), Text("Nothing happened after this time.", style="dim")
        )
    table = Table(title=title, title_justify="left", box=None, header_style="bold", pad_edge=False)
    table.add_column("at", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("by", no_wrap=True)
    table.add_column("what")
    for e in entries:
        # Names and sentences quote outside text: Text, never read as markup.
        table.add_row(when(e.at), e.event, Text(f"{e.actor} ({e.role})"), Text(e.sentence))
    return table


class AuditScreen(DocketScreen):
    """Replay one case as of a time."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, case_id: str, case_ref: str = "", at: datetime | None = None) -> None:
        super().__init__(id="audit")
        self.case_id = case_id
        self.case_ref = case_ref or case_id
        self.at = at
        self.view: AuditView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(f"Audit of case {self.case_ref}", classes="screen-title", markup=False)
        with Horizontal(id="audit-bar"):
            yield Label("As of (ISO time):")
            yield Input(placeholder="2024-05-01T12:00:00+00:00", id="audit-at")
            yield Button("Show", id="audit-show")
        with VerticalScroll(id="audit-body"):
            yield Static(Text("Loading…", style="italic"), id="audit-seen")
            yield Static("", id="audit-state")
            yield Static("", id="audit-after")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.prepare()

    @work(exclusive=True, group="audit")
    async def prepare(self) -> None:
        """Default the time to the decision time (or now, if undecided), then show."""
        if self.at is None:
            try:
                detail = await self.docket.call(self.docket.service.case, self.case_id)
                self.case_ref = detail.case_ref
                self.at = detail.decision.at if detail.decision else None
            except DocketError as exc:
                self.query_one("#audit-seen", Static).update(Text(str(exc), style="red"))
                return
        at = self.at or self.docket.clock()
        self.query_one("#audit-at", Input).value = at.isoformat(timespec="seconds")
        await self._load(at)

    @on(Input.Submitted, "#audit-at")
    @on(Button.Pressed, "#audit-show")
    def action_show(self) -> None:
        try:
            at = parse_when(self.query_one("#audit-at", Input).value)
        except ValueError as exc:
            self.notify(str(exc), title="Time", severity="error")
            return
        self.at = at
        self.load(at)

    @work(exclusive=True, group="audit")
    async def load(self, at: datetime) -> None:
        await self._load(at)

    async def _load(self, at: datetime) -> None:
        try:
            view = await self.docket.call(self.docket.service.audit, self.case_id, at)
        except DocketError as exc:
            self.query_one("#audit-seen", Static).update(Text(str(exc), style="red"))
            return
        self.view = view
        self.query_one("#audit-seen", Static).update(
            render_mapping(
                f"What the deciding operator saw (as of {when(view.as_of or at)})",
                view.seen_at_decision,
            )
        )
        self.query_one("#audit-state", Static).update(
            render_mapping("The case's state at that time", view.state_as_of)
        )
        self.query_one("#audit-after", Static).update(
            render_timeline("Then what happened", view.after)
        )

    def action_back(self) -> None:
        self.dismiss(None)
