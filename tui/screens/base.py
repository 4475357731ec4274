"""What every Docket screen shares: typed access to the running :class:`~tui.app.DocketApp`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from tui.app import DocketApp


class DocketScreen(Screen[None]):
    """A full screen of the console."""

    @property
    def docket(self) -> DocketApp:
        """The app, typed: its service caller, identity and clock."""
        from tui.app import DocketApp  # imported late: the app imports the screens

        assert isinstance(self.app, DocketApp)
        return self.app
