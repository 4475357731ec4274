"""Whom an escalation goes to, in the console's pack's own word for that role: a pack whose
senior reviewer is its ``underwriter`` says "an underwriter", never "a senior"."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

from rich.console import Console
from textual.widgets import Label

from assistant.views import DomainView
from tests.tui.conftest import SIZE, settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.commands import DocketCommands
from tui.screens.decide import EscalateModal
from tui.screens.help import HelpScreen, render_help


class UnderwriterService(FakeService):
    """The fake's credit cases, in a pack whose senior reviewers are its underwriters."""

    def domain(self, name: str | None = None) -> DomainView:
        declared = super().domain(name)
        return dataclasses.replace(declared, roles={**declared.roles, "senior": "underwriter"})


async def test_the_escalation_names_the_packs_senior_role(
    make_app: Callable[..., DocketApp],
) -> None:
    app = make_app(UnderwriterService(12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        palette = [name for name, _, _ in DocketCommands(app.screen).commands()]
        assert "Decide: escalate to an underwriter…" in palette
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EscalateModal)
        said = " ".join(str(label.content) for label in app.screen.query(Label))
        assert "An underwriter will decide." in said
        assert "senior" not in said.lower()
        await pilot.press("enter")
        await settle(pilot)
        told = [str(n.message) for n in app._notifications]
        assert any("escalated to an underwriter" in m for m in told), told
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
        console.print(render_help(app.screen.current))
        assert "escalate to an underwriter" in console.export_text()
