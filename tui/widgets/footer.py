"""Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that rebuilds its keys only when they differ from the ones on show.

    Textual's Footer recomposes (new widgets for every key) each time its screen's
    bindings are refreshed: every time a screen is shown or focus moves. In the console
    that was every case opened and every return to the queue, and each rebuild left about
    6,500 objects in reference cycles (the old key widgets, their styles and render
    caches) that only a full garbage collection frees; those collections took 30-140 ms
    each and landed inside key presses (measured with ``benchmarks/bench_tui.py``).
    """

    _shown: tuple[Hashable, ...] | None = None

    def _keys(self) -> tuple[Hashable, ...]:
        return tuple(
            (key, binding.key_display, binding.description, binding.action, binding.show,
             enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )  # fmt: skip

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._shown is not None and screen is self.screen and self._keys() == self._shown:
            return  # the same keys as on show: nothing to rebuild
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
        yield from super().compose()
