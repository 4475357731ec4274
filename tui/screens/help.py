"""Help: every key binding, per screen, read from the screens themselves."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.commands import action_words, bindings_of, key_label
from tui.screens.base import DocketModal


def section(title: str, bindings: list[Binding], app: object = None) -> Table:
    table = Table(title=title, title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True, min_width=10)
    table.add_column("action")
    for b in bindings:
        table.add_row(key_label(b), action_words(b, app))
    return table


def render_help(current: Screen[object] | None) -> RenderableType:
    from tui.app import DocketApp
    from tui.screens.audit import AuditScreen
    from tui.screens.case import CaseScreen
    from tui.screens.health import HealthScreen
    from tui.screens.policy import PolicyScreen
    from tui.screens.queue import QueueScreen

    screens: list[tuple[str, type[Screen[None]]]] = [
        ("Queue", QueueScreen),
        ("Case", CaseScreen),
        ("Audit", AuditScreen),
        ("Policy", PolicyScreen),
        ("Health", HealthScreen),
    ]
    if current is not None:
        screens.sort(key=lambda s: not isinstance(current, s[1]))
    parts: list[RenderableType] = [Text("Docket keys", style="bold underline"), Text("")]
    app = current.app if current is not None else None
    for title, cls in screens:
        bindings = [b for b in cls.BINDINGS if isinstance(b, Binding)]
        parts += [section(title, bindings, app), Text("")]
    everywhere = [b for b in DocketApp.BINDINGS if isinstance(b, Binding)]
    everywhere.append(Binding("ctrl+p", "command_palette", "Command palette: every action"))
    everywhere.append(Binding("ctrl+q", "quit", "Quit at once"))
    parts.append(section("Everywhere", everywhere))
    parts.append(Text(""))
    parts.append(
        Text(
            "In the queue, Enter opens a case; after a decision the queue moves to the "
            "next case. Overrides need a reason code and a reason text.",
            style="dim",
        )
    )
    return Group(*parts)


class HelpScreen(DocketModal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1,q", "close", "Close"),
    ]

    def __init__(self, current: Screen[object] | None = None) -> None:
        super().__init__(id="help")
        self.current = current

    def dialog(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(render_help(self.current), id="help-body")

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["HelpScreen", "bindings_of"]
