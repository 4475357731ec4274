"""Fixtures for the console tests: a fake service, an app on it, and a way to wait."""

from __future__ import annotations

import asyncio
import inspect
import io
from collections.abc import Callable

import pytest
from rich.console import Console
from textual import events
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from assistant.views import Identity
from tests.tui.fakes import FakeService, frozen_clock
from tui.app import DocketApp
from tui.screens.policy import PolicyScreen

SIZE = (120, 40)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests on a fresh event loop (no async plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
    return True


WAITING_ON_A_MODAL = {"decide", "commit"}


async def settle(pilot: Pilot[None], rounds: int = 300) -> None:
    """Wait until no worker is busy (except a decision waiting on its open modal)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        busy = [
            w
            for w in app.workers
            if w.is_running
            and not (w.group in WAITING_ON_A_MODAL and isinstance(app.screen, ModalScreen))
        ]
        if not busy:
            await pilot.pause()
            return
        await pilot.pause(0.01)
    # A test that goes on with work still running would assert on a half-drawn screen.
    names = ", ".join(f"{w.name or w.group} ({w.state.name})" for w in busy)
    raise AssertionError(f"the console did not settle after {rounds} rounds: still running {names}")


async def type_fast(pilot: Pilot[None], *keys: str) -> None:
    """Keys as a terminal delivers quick typing: all at once, none waiting for the one before
    to be handled (Pilot.press waits for the app to go idle after each key)."""
    app = pilot.app
    assert app._driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


async def open_policy(pilot: Pilot[None]) -> PolicyScreen:
    """Open the policy screen from the queue (``p``) and wait until it is drawn."""
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PolicyScreen)
    return screen


def plain(widget: Static) -> str:
    """The text a Static shows, however it was given (str, Content or a Rich renderable)."""
    content = widget.content
    if isinstance(content, str):
        return content
    if isinstance(content, Content):
        return content.plain
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(content)
    return console.export_text()


def no_blink(app: DocketApp) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


@pytest.fixture
def fake() -> FakeService:
    return FakeService(12)


@pytest.fixture
def make_app() -> Callable[..., DocketApp]:
    def make(service: object, **options: object) -> DocketApp:
        options.setdefault("sync_interval", None)
        return DocketApp(service, frozen_clock, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def owner() -> FakeService:
    return FakeService(12, identity=Identity("rita", "risk_owner"))
