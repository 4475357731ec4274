"""What every Docket screen shares: typed access to the running :class:`~tui.app.DocketApp`,
and key labels in the pack's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from tui.app import DocketApp


class DocketScreen(Screen[None]):
    """A full screen of the console."""

    # The footer's label for an action, in the pack's words (e.g. the escalation key reads
    # "Review" for a pack whose escalation action is ``review``); the class's BINDINGS keep a
    # generic label for the actions not named here.
    key_words: Mapping[str, str] = MappingProxyType({})

    #: Restyle the screen's widgets when it is shown again only if the app's CSS changed
    #: (a theme switched) while it was away. Textual restyles every widget on every resume;
    #: for the queue and the reused case screen, shown again at every case opened and
    #: every Escape back, that was about a fifth of the time a case took to appear, and it
    #: made the queue redraw every line it had drawn.
    RESTYLE_ONLY_ON_CSS_CHANGE: ClassVar[bool] = False

    #: Actions that open something to type into (a dialog, the filter box): the keys typed
    #: after the key of one of them go to what it opens (see :mod:`tui.typeahead`).
    TYPED_AHEAD_OF: ClassVar[frozenset[str]] = frozenset()

    def opens_for_typing(self, key: str) -> bool:
        """Whether ``key``, pressed now, runs one of :attr:`TYPED_AHEAD_OF` (as far as the
        bindings tell: the focused widget's own come first, and a text field's keys are text)."""
        for _, bindings in self._modal_binding_chain:
            found = bindings.key_to_bindings.get(key)
            if found:
                return any(binding.action in self.TYPED_AHEAD_OF for binding in found)
        return False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler, which restyles when ``refresh_styles`` is set.
        if not self.RESTYLE_ONLY_ON_CSS_CHANGE:
            return
        current = self.app._css_update_count
        if self._css_update_count == current:
            event.refresh_styles = False
        self._css_update_count = current

    @property
    def docket(self) -> DocketApp:
        """The app, typed: its service caller, identity and clock."""
        from tui.app import DocketApp  # imported late: the app imports the screens

        assert isinstance(self.app, DocketApp)
        return self.app

    def name_action(self, action: str, label: str) -> None:
        """Show ``label`` on the footer key of ``action`` from now on."""
        self.key_words = MappingProxyType({**self.key_words, action: label})
        self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        found = super().active_bindings
        if not self.key_words:
            return found
        return {
            key: active._replace(binding=replace(
                active.binding, description=self.key_words[active.binding.action]))
            if active.binding.action in self.key_words else active
            for key, active in found.items()
        }  # fmt: skip


R = TypeVar("R")


class DocketModal(ModalScreen[R]):
    """A dialog of the console: its keys on a footer below it, like every screen's, and
    the keys typed while it was on its way (see :mod:`tui.typeahead`) typed into it
    once it is up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        yield from self.dialog()
        yield KeysFooter()

    def dialog(self) -> ComposeResult:
        """The dialog's widgets (above the footer)."""
        raise NotImplementedError

    def on_mount(self) -> None:
        # Runs after the subclass's own on_mount, which focuses the dialog's first field:
        # the keys held for the dialog are posted after that focus, so they land in it.
        from tui.app import DocketApp  # imported late: the app imports the screens

        if isinstance(self.app, DocketApp):
            self.app.typeahead.release()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Escape (the way out) first on the footer, as on every screen's."""
        found = super().active_bindings
        return dict(sorted(found.items(), key=lambda item: item[0] != "escape"))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


#: The keys of a dialog with fields to fill in, for its footer.
FIELD_KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next field"),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False),
]


def action_label(action: str) -> str:
    """A pack's action name as a key label: ``review`` -> "Review", ``send_up`` -> "Send up"."""
    return action.replace("_", " ").capitalize()
