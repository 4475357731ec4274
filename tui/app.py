"""The operator console: ``DocketApp(service)`` and the ``run(service)`` launcher.

The app owns the service handle, the clock and the two call lanes (quick calls and
long ones such as explanations and backtests), keeps the queue in step with the log
through a one-second sync timer, and runs the decision flow shared by the queue and
the case screen.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal, ParamSpec, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.events import Event, InputEvent, Key
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

from assistant.views import Accept, CaseDetail, Decision, Identity, Override, senior_reviewer
from events.errors import AlreadyDecided, AwaitingSenior, DocketError, InputRejected
from tui.commands import DocketCommands
from tui.idle_gc import IdleCollector
from tui.port import Clock, DocketPort, ServiceCaller, identity_in, system_clock
from tui.screens.audit import AuditScreen
from tui.screens.base import DocketScreen, action_label
from tui.screens.case import CaseScreen
from tui.screens.decide import DecisionTarget, EscalateModal, OverrideModal
from tui.screens.health import HealthScreen
from tui.screens.help import HelpScreen
from tui.screens.policy import PolicyScreen
from tui.screens.queue import QueueScreen
from tui.typeahead import TypeAhead

P = ParamSpec("P")
T = TypeVar("T")

# "send_up": hand the case to its senior reviewer (whatever the pack calls that action).
DecisionKind = Literal["accept", "override", "send_up"]

#: Events applied per sync while read models far behind the log catch up (about a second on
#: PostgreSQL on a busy machine), so a key press never waits long behind a step.
CATCH_UP_STEP = 2000

#: Seconds between checks for an idle moment to collect garbage in (see tui.idle_gc).
IDLE_GC_TICK = 0.1

# App-wide actions that make no sense on top of a modal dialog.
NOT_ON_MODALS = frozenset({"policy", "health", "help", "quit_console"})


def recorded(detail: CaseDetail | None, decision: Decision,
             senior: str = "a senior reviewer") -> str:
    """What the log now says, which can differ from the key pressed: accepting a
    recommendation to escalate is an escalation (to ``senior``, in the pack's word)."""
    made = detail.decision if detail is not None else None
    if made is None:
        return describe(decision)
    if made.kind == "escalated":
        return f"escalated to {senior}"
    q = detail.quantity if detail is not None else None
    what = f"{made.action} {q.decided} {q.unit}" if q and q.decided is not None else made.action
    if made.kind == "signed_off":
        return f"signed off: {made.action}"
    if made.kind == "overridden":
        return f"overridden → {what} ({made.reason_code})"
    return f"accepted: {what}"


def describe(decision: Decision) -> str:
    if isinstance(decision, Accept):
        return "accepted"
    if isinstance(decision, Override):
        return f"overridden → {decision.action} ({decision.reason_code})"
    return "escalated"


class DocketApp(App[None]):
    """Docket's operator console."""

    CSS_PATH = "docket.tcss"
    TITLE = "Docket"
    COMMANDS = App.COMMANDS | {DocketCommands}
    # See ``started``: keep full garbage collections short, and out of key presses.
    pace_gc: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "policy", "Policy"),
        Binding("h", "health", "Health"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
        Binding("ctrl+s", "save_screenshot", "SVG"),
        Binding("q", "quit_console", "Quit"),
    ]

    def __init__(
        self,
        service: DocketPort,
        clock: Clock | None = None,
        *,
        domain: str | None = None,
        sync_interval: float | None = 1.0,
        screenshot_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.clock: Clock = clock or system_clock
        # The policy and health screens show this pack (default: the one the store holds).
        self.domain = service.resolve_domain(domain)
        # Acts in this pack's operator role unless a role was named (``identity_in``).
        self.identity: Identity = identity_in(service, self.domain)
        self.sync_interval = sync_interval
        self.screenshot_dir = Path(screenshot_dir) if screenshot_dir is not None else Path.cwd()
        declared = service.domain(self.domain)
        self.queue_screen = QueueScreen(declared.words["probability"], declared.escalate_action,
                                        score=declared.kind != "quantity")
        self._quick = ServiceCaller()
        self._long = ServiceCaller()
        self._syncing = False
        self._catching_up = False  # read models far behind: sync again at once after a step
        behind = getattr(service, "behind", None)  # fakes of the port may lack it
        self._behind_at_start = int(behind()) if behind is not None else 0
        self._last_sync_error: str | None = None
        self._actions_cache: dict[str, list[str]] = {}
        self._reason_codes_cache: dict[str, dict[str, str]] = {}
        self._froze_gc = False
        self.idle_gc = IdleCollector()
        self._quit_confirmed = False  # q pressed once over unsaved policy edits
        self._case_screen: CaseScreen | None = None  # mounted on first use, then reused
        self._escalate_labels: dict[str, str] = {}  # by domain
        self._seniors: dict[str, str] = {}  # by domain: who an escalation goes to
        # Keys typed after one that opens a dialog or the filter box, held until it is up.
        self.typeahead = TypeAhead(self)
        self.sub_title = f"{self.identity.name} ({self.identity.role})"

    # --- calling the service ----------------------------------------------------------

    async def call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A quick service call (reads, decisions, sync), off the event loop."""
        return await self._quick(fn, *args, **kwargs)

    async def call_long(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """A long service call (explanations, backtests) on its own lane."""
        return await self._long(fn, *args, **kwargs)

    # --- lifecycle --------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(self.queue_screen)
        self.load_store_name()
        self.announce_catch_up()
        if self.sync_interval:
            self.set_interval(self.sync_interval, self.sync_tick)

    def on_unmount(self) -> None:
        self._quick.shutdown()
        self._long.shutdown()
        self.idle_gc.stop()
        if self._froze_gc:
            gc.unfreeze()
            self._froze_gc = False

    def started(self) -> None:
        """Called once the first queue page is on screen: set start-up objects aside.

        Python's full garbage collections walk every live object; with the service's
        models, the store and Textual all loaded that walk took 100–300 ms, and it
        happens when allocation trips it, i.e. in the middle of a key press.
        ``gc.freeze()`` moves everything alive now (long-lived by nature) out of those
        walks; ``on_unmount`` hands them back to the collector. What is created later is
        collected in full only when the console is idle (:mod:`tui.idle_gc`).
        """
        if self.pace_gc and not self._froze_gc:
            gc.freeze()
            self._froze_gc = True
            self.idle_gc.start()
            self.set_interval(IDLE_GC_TICK, self.idle_gc.tick)

    async def on_event(self, event: Event) -> None:
        if isinstance(event, InputEvent):  # a key or the mouse: not idle
            self.idle_gc.input_seen()
        if not isinstance(event, Key):
            await super().on_event(event)
            return
        if self.typeahead.takes(event):
            return  # for what is opening, not the screen behind it
        typed = not event.is_forwarded  # (forwarding it marks it forwarded)
        screen = self.screen
        if typed and isinstance(screen, DocketScreen) and screen.opens_for_typing(event.key):
            self.typeahead.expect(event)
        await super().on_event(event)  # typed: to the focused widget; back up: the bindings
        if not typed:
            self.typeahead.passed(event)

    @work(group="status", exit_on_error=False)
    async def load_store_name(self) -> None:
        try:
            status = await self.call(self.service.status)
        except (DocketError, NotImplementedError):
            return
        self.sub_title = f"{self.identity.name} ({self.identity.role}) · {status.store_url}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in NOT_ON_MODALS and isinstance(self.screen, ModalScreen))

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice as plain text: notices quote case references, people's names and
        error messages, which come from outside, so markup in them is shown, never applied
        (a reference ``[@click=app.quit]`` must not become a button)."""
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # --- following the log ------------------------------------------------------------

    def announce_catch_up(self) -> None:
        """Say so, once, when the read models were far behind the log at opening (the sync
        timer then brings them up to date step by step)."""
        if self._behind_at_start > CATCH_UP_STEP:
            self._catching_up = True
            self.notify(
                f"The read models are {self._behind_at_start:,} events behind the log, so they "
                "are catching up in the background and the queue fills in as they do.",
                title="Catching up",
                timeout=20,
            )

    def sync_tick(self) -> None:
        if not self._syncing:
            self.sync_now()

    @work(group="sync", exit_on_error=False)
    async def sync_now(self) -> int:
        """Apply new events to the read models; if any arrived, refresh what is on screen."""
        self._syncing = True
        try:
            applied = await self.call(self.service.sync)
        except DocketError as exc:
            if str(exc) != self._last_sync_error:
                self._last_sync_error = str(exc)
                self.notify(f"Cannot follow the log: {exc}", severity="error", timeout=10)
            return 0
        finally:
            self._syncing = False
        self._last_sync_error = None
        # Refresh even when this sync applied nothing: another process sharing the
        # read-model file may have applied the events already (sync() then returns 0).
        self.log_moved()
        if self._catching_up:
            if applied >= CATCH_UP_STEP:
                self.call_later(self.sync_tick)  # the next step now, not in a second
            else:
                self._catching_up = False
                self.notify("The read models are up to date with the log.", title="Caught up")
        return applied

    def log_moved(self) -> None:
        self.queue_screen.reload()
        if isinstance(self.screen, CaseScreen):
            self.screen.recheck()

    def escalate_label(self, domain: str) -> str:
        """The escalation key's label in ``domain``'s words (a pack's declaration does not
        change while the console runs, so it is asked once per domain)."""
        if domain not in self._escalate_labels:
            declared = self.service.domain(domain).escalate_action
            self._escalate_labels[domain] = action_label(declared)
        return self._escalate_labels[domain]

    def senior(self, domain: str) -> str:
        """Who an escalation in ``domain`` goes to, in its pack's word for the role ("a senior
        reviewer", "a consultant"): asked once per domain, like :meth:`escalate_label`."""
        if domain not in self._seniors:
            role = self.service.domain(domain).roles.get("senior", "senior")
            self._seniors[domain] = senior_reviewer(role)
        return self._seniors[domain]

    # --- navigation -------------------------------------------------------------------

    def open_case(
        self, case_id: str, case_ref: str = "", detail: CaseDetail | None = None
    ) -> None:
        """Show a case (``detail``, if the caller already fetched it) on the case screen.

        The screen is composed once and kept (installed), so later cases only replace
        its text. Opened from a screen above it (an audit, say), the screens above close.
        """
        screen = self._case_screen
        if screen is None:
            screen = self._case_screen = CaseScreen(case_id, case_ref, detail)
            self.install_screen(screen, "case")
            self.push_screen(screen)
            return
        if screen in self.screen_stack:
            while self.screen is not screen:
                self.pop_screen()
        else:
            self.push_screen(screen)
        # Shown once on top, so that work it starts after the paint waits for that paint.
        screen.show_case(case_id, case_ref, detail)

    def open_audit(self, case_id: str, case_ref: str = "", at: object = None) -> None:
        from datetime import datetime

        self.push_screen(AuditScreen(case_id, case_ref, at if isinstance(at, datetime) else None))

    def action_policy(self) -> None:
        if not isinstance(self.screen, PolicyScreen):
            self.push_screen(PolicyScreen(self.domain))

    def action_health(self) -> None:
        if not isinstance(self.screen, HealthScreen):
            self.push_screen(HealthScreen(self.domain))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_quit_console(self) -> None:
        """Quit; with unsaved policy edits, only when ``q`` is pressed a second time."""
        screen = self.screen
        if isinstance(screen, PolicyScreen) and not self._quit_confirmed and screen.unsaved():
            self._quit_confirmed = True
            self.notify(
                "The policy has unsaved changes. Press q again to quit without committing them.",
                title="Unsaved changes",
                severity="warning",
            )
            return
        self.exit()

    def action_save_screenshot(self) -> None:
        stamp = self.clock().strftime("%Y%m%dT%H%M%S")
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = self.save_screenshot(filename=f"docket-{stamp}.svg", path=str(self.screenshot_dir))
        self.notify(f"Screenshot saved to {path}", title="Screenshot")

    # --- deciding ---------------------------------------------------------------------

    async def actions_for(self, domain: str) -> list[str]:
        if domain not in self._actions_cache:
            policy = await self.call(self.service.policy, domain)
            self._actions_cache[domain] = list(policy.actions)
        return self._actions_cache[domain]

    async def reason_codes_for(self, domain: str) -> dict[str, str]:
        """The override reason codes ``domain``'s pack declares (asked once per domain)."""
        if domain not in self._reason_codes_cache:
            declared = await self.call(self.service.domain, domain)
            self._reason_codes_cache[domain] = declared.reason_codes
        return self._reason_codes_cache[domain]

    def start_decision(
        self, kind: DecisionKind, target: DecisionTarget, actions: list[str] | None = None
    ) -> None:
        """Ask for whatever the decision needs, record it, then move on to the next case.
        Keys typed meanwhile go to the decision's dialog (see :mod:`tui.typeahead`)."""
        self._decide(kind, target, actions, None if kind == "accept" else self.typeahead.hold())

    @work(group="decide", exit_on_error=False)
    async def _decide(
        self, kind: DecisionKind, target: DecisionTarget, actions: list[str] | None,
        hold: object,
    ) -> None:
        try:
            decision = await self._ask(kind, target, actions)
        finally:
            self.typeahead.drop(hold)  # nothing left to drop once the dialog took them
        if decision is None:
            return
        await self.submit_decision(target, decision)

    async def _ask(
        self, kind: DecisionKind, target: DecisionTarget, actions: list[str] | None
    ) -> Decision | None:
        """The decision of ``kind`` on ``target``, from its dialog (None: cancelled, or it
        could not be asked for)."""
        if kind == "accept":
            return Accept()
        if kind == "send_up":
            return await self.push_screen_wait(EscalateModal(target, self.senior(target.domain)))
        if target.quantity is None:
            # From the queue: a "how much" case is overridden with a quantity, which the
            # queue row does not carry; the case does.
            try:
                detail = await self.call(self.service.case, target.case_id)
            except DocketError as exc:
                self.notify(f"Cannot open the case: {exc}", severity="error")
                return None
            if detail.quantity is not None:
                target = target._replace(quantity=detail.quantity.quantity,
                                         unit=detail.quantity.unit,
                                         order_word=detail.quantity.order_word)
        if target.quantity is not None:
            actions = []
        elif actions is None:
            try:
                actions = await self.actions_for(target.domain)
            except DocketError as exc:
                self.notify(f"Cannot list the actions: {exc}", severity="error")
                return None
        try:
            codes = await self.reason_codes_for(target.domain)
        except DocketError as exc:
            self.notify(f"Cannot list the reason codes: {exc}", severity="error")
            return None
        return await self.push_screen_wait(OverrideModal(target, actions, codes))

    async def submit_decision(
        self, target: DecisionTarget, decision: Decision
    ) -> CaseDetail | None:
        detail: CaseDetail | None = None
        try:
            detail = await self.call(self.service.decide, target.case_id, decision)
        except AlreadyDecided as exc:
            self.notify(
                f"Case {target.case_ref} was already decided by {exc.decided_by} at "
                f"{exc.decided_at}. Moving on.",
                title="Already decided",
                severity="error",
                timeout=10,
            )
        except AwaitingSenior as exc:
            senior = senior_reviewer(exc.senior_role)
            self.notify(
                f"Case {target.case_ref} was escalated by {exc.escalated_by} at "
                f"{exc.escalated_at} and is waiting for {senior}.",
                title=f"Waiting for {senior}",
                severity="warning",
                timeout=10,
            )
            return None
        except InputRejected as exc:
            self.notify(f"Case {target.case_ref}: {exc}", title="Rejected", severity="error")
            return None
        except DocketError as exc:
            self.notify(
                f"Case {target.case_ref}: {exc}", title="Not recorded", severity="error", timeout=10
            )
        else:
            said = recorded(detail, decision, self.senior(target.domain))
            self.notify(f"Case {target.case_ref} {said}.",
                        title="Decision recorded")
        await self.move_on(target.case_id)
        return detail

    async def move_on(self, case_id: str) -> None:
        """Leave the decided case: back to the queue, refreshed, on the next case."""
        with contextlib.suppress(DocketError):
            await self.call(self.service.sync)
        if isinstance(self.screen, CaseScreen) and self.screen.case_id == case_id:
            self.pop_screen()
        self.queue_screen.advance_past = case_id
        self.queue_screen.reload()


def run(
    service: DocketPort,
    *,
    domain: str | None = None,
    clock: Clock | None = None,
    sync_interval: float | None = 1.0,
    screenshot_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Open the console on ``service`` (what ``docket tui`` and ``docket demo`` call)."""
    DocketApp(
        service, clock, domain=domain, sync_interval=sync_interval, screenshot_dir=screenshot_dir
    ).run()


__all__ = ["DocketApp", "run"]
