"""Command palette entries for every action the console offers.

The entries come from the key bindings of the screen the palette was opened on and of
the app, so a new binding appears in the palette (and in the help screen) by itself.
The queue adds one entry per sortable column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from assistant.views import STATUS_FILTERS

# Plain-language names for the palette; the binding's own description is the fallback.
LABELS: dict[str, str] = {
    "open_case": "Case: open the selected case",
    "accept": "Decide: accept the recommendation",
    "override": "Decide: override the recommendation…",
    "send_up": "Decide: escalate to a senior reviewer…",  # in the pack's word: action_words
    "audit": "Audit: what the deciding operator saw…",
    "filter": "Queue: filter",
    "sort": "Queue: sort by the next column",
    "reverse": "Queue: reverse the sort order",
    "next_page": "Queue: next page",
    "prev_page": "Queue: previous page",
    "reload": "Queue: refresh now",
    "next_status": "Queue: next status filter (waiting, open, escalated, decided, all)",
    "back": "Back",
    "policy": "Policy: view or change the policy",
    "health": "Health: overrides, realized cost, alerts",
    "help": "Help: list the keys",
    "save_screenshot": "Save an SVG screenshot",
    "quit_console": "Quit (asks again if the policy has unsaved changes)",
    "preview": "Policy: preview the change (backtest)",
    "commit": "Policy: commit the change…",
    "show": "Audit: show the case as of the chosen time",
}


def action_words(binding: Binding, app: object) -> str:
    """What ``binding`` does, in plain words; the escalation names whom it goes to as the
    console's pack does ("escalate to a consultant")."""
    words = LABELS.get(binding.action, binding.description or binding.action)
    from tui.app import DocketApp  # imported late: the app imports this module

    if binding.action == "send_up" and isinstance(app, DocketApp):
        words = words.replace("a senior reviewer", app.senior(app.domain))
    return words


def bindings_of(node: DOMNode) -> Iterator[Binding]:
    for item in type(node).BINDINGS:
        if isinstance(item, Binding):
            yield item


def key_label(binding: Binding) -> str:
    return binding.key_display or binding.key.split(",")[0]


class DocketCommands(Provider):
    """Every console action, by name."""

    def commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from tui.screens.queue import SORTABLE, QueueScreen

        found: list[tuple[str, str, Callable[[], Any]]] = []
        seen: set[str] = set()
        screen, app = self.screen, self.app
        for node in (screen, app):
            for binding in bindings_of(node):
                if binding.action in seen or binding.action in {"cancel"}:
                    continue
                seen.add(binding.action)
                name = action_words(binding, app)
                found.append(
                    (name, f"key: {key_label(binding)}", partial(node.run_action, binding.action))
                )
        if isinstance(screen, QueueScreen):
            for name, statuses in STATUS_FILTERS.items():
                found.append(
                    (
                        f"Queue: show {name} cases",
                        "status: " + ", ".join(statuses),
                        partial(screen.show_status, name),
                    )
                )
            labels = dict(screen.columns)
            for key in SORTABLE:
                found.append(
                    (
                        f"Queue: sort by {labels[key]}",
                        "ascending; again to reverse",
                        partial(screen.sort_by, key, False),
                    )
                )
        return found

    def go_to_case(self, reference: str) -> None:
        from tui.app import DocketApp

        if isinstance(self.app, DocketApp):
            self.app.open_case(reference, reference)

    async def discover(self) -> Hits:
        yield DiscoveryHit(
            "Go to case…",
            partial(self.app.notify, "Type the case reference here, e.g. german-credit-0003."),
            help="type the case reference, e.g. german-credit-0003",
        )
        for name, help_text, command in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        reference = query.strip()
        if reference and " " not in reference:
            # Any single word may be a case reference (or id): offer to open it; the case
            # screen says so in one sentence if there is no such case.
            yield Hit(
                1.0,
                f"Go to case {reference}",
                partial(self.go_to_case, reference),
                help="open the case with this reference or id",
            )
        for name, help_text, command in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
