"""Keys typed ahead of what a key opens.

An operator who knows the console types ``e``, a reason and Enter in one breath. The
escalation dialog those keys are meant for comes up a moment after ``e`` (the override
dialog first reads the case's actions from the service), and until it is up the keys would
reach the queue behind it: ``a`` would accept the selected case, Enter would open it.
:class:`TypeAhead` holds them from the moment the key that opens something is typed until
that thing is up, then sends them on, in the order typed.

The keys typed *before* that key are not held: they reach the screen first, so ``↓ e``
escalates the case the cursor moved to.
"""

from __future__ import annotations

from functools import partial

from textual.app import App
from textual.events import Key

#: Seconds a hold waits for its key's action to take it (the focused widget may take the key
#: itself, and nothing opens); then the keys held go on as typed.
UNCLAIMED_WAIT = 1.0


class TypeAhead:
    """The keys typed after a key that opens something to type into, held until it is up."""

    def __init__(self, app: App[None]) -> None:
        self._app = app
        self._held: list[Key] | None = None
        self._opener: Key | None = None  # the key the hold waits on, until its action ran
        self._taken = False  # its action said it opens something (``hold``)

    def takes(self, event: Key) -> bool:
        """Hold ``event``, a key the app sees, if a hold is on and it was typed after the key
        the hold waits on. A key on its way back up from the focused widget (to the bindings)
        was typed before it: it goes on, so that ``↓ e`` moves first."""
        if self._held is None or event.is_forwarded:
            return False
        self._held.append(event)
        return True

    def expect(self, event: Key) -> None:
        """``event``, just typed, runs an action that opens something to type into: hold the
        keys typed after it until its action has run (and what it opens is up)."""
        if self._held is not None:
            return
        self._held, self._opener, self._taken = [], event, False
        self._app.set_timer(UNCLAIMED_WAIT, partial(self._untaken, self._held))

    def passed(self, event: Key) -> None:
        """``event`` went through the bindings: if the hold waited on it and its action opened
        nothing (no case selected, say), the keys held go on to the screen as typed."""
        if event is self._opener:
            self._opener = None
            if not self._taken:
                self.release()

    def hold(self) -> object:
        """An action opens something that comes up later (a dialog): the keys typed from the
        key that ran it are held until it is up and calls :meth:`release`, or dropped with
        :meth:`drop`. Returns the hold."""
        if self._held is None:
            self._held = []
        self._taken = True
        return self._held

    def release(self) -> None:
        """What the keys were held for is up and focused: they go to it, in the order typed."""
        held, self._held, self._opener, self._taken = self._held, None, None, False
        for key in held or ():
            again = Key(key.key, key.character)
            # From the app, as a typed key is: a key whose sender is the dialog (the caller
            # here) stops bubbling at it, so Enter would never reach the field's binding.
            again.set_sender(self._app)
            self._app.post_message(again)

    def drop(self, hold: object) -> None:
        """What ``hold`` was for did not come up (the service refused, say): the keys typed
        for it are dropped, not applied to the screen behind it."""
        if self._held is hold and hold is not None:
            self._held, self._opener, self._taken = None, None, False

    def _untaken(self, hold: list[Key]) -> None:
        if self._held is hold and not self._taken:
            self.release()
