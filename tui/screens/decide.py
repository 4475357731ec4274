"""Decision modals: override (action + reason code + reason text) and escalate.

Accepting needs no modal. Overriding cannot be confirmed until a reason code and a
reason text are given; every override is counted by reason on the health screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from assistant.views import Escalate, Override
from tui.format import override_cost
from tui.screens.base import FIELD_KEYS, DocketModal


class DecisionTarget(NamedTuple):
    """The case a decision is about, as the screens know it."""

    case_id: str
    case_ref: str
    domain: str
    recommendation: str | None
    quantity: int | None = None  # a "how much" case: the recommended order
    unit: str = ""
    # The expected cost of each action, as recommended (empty: not known here).
    expected_costs: tuple[tuple[str, float], ...] = ()
    order_word: str = "order"  # a quantity pack's word for the decided quantity


#: What each field of the override dialog is for, above it.
FIELD_WORDS = {
    "override-action": "Action: what to record instead (Enter opens the list, ↑↓ and Enter pick)",
    "override-code": "Reason code: why, in the pack's terms (Enter opens the list)",
    "override-text": "Reason: why, in your words (required; Enter here records the override)",
}
#: The keys of the override dialog, always shown in it.
KEYS = "Tab / shift+Tab: move · Enter: open a list, pick, record · Esc: cancel"


class OverrideModal(DocketModal[Override | None]):
    """Choose another action and say why. Confirm stays disabled until code and text are set."""

    BINDINGS: ClassVar[list[BindingType]] = FIELD_KEYS

    def __init__(self, target: DecisionTarget, actions: Sequence[str],
                 reason_codes: Mapping[str, str]) -> None:
        """``reason_codes``: the case's pack's override reason codes (code -> label)."""
        super().__init__(id="override-modal")
        self.target = target
        self.choices = [a for a in actions if a != target.recommendation]
        self.reason_codes = dict(reason_codes)

    def dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # A reference is outside text: shown as written, never read as markup.
            yield Label(f"Override case {self.target.case_ref}", classes="dialog-title",
                        markup=False)
            if self.target.quantity is not None:  # a "how much" case: another quantity
                yield Label(
                    f"Recommended: {self.target.recommendation} {self.target.quantity} "
                    f"{self.target.unit}. Type the quantity to {self.target.order_word} instead "
                    "and give the reason; it is recorded with your name.",
                    classes="dialog-help", markup=False,
                )
                yield self._label("override-quantity")
                yield Input(placeholder=f"Quantity ({self.target.unit})", type="integer",
                            id="override-quantity")
            else:
                yield Label(
                    f"Recommended: {self.target.recommendation or '—'}. Choose another action "
                    "and give the reason; it is recorded with your name.",
                    classes="dialog-help",
                )
                only = self.choices[0] if len(self.choices) == 1 else Select.NULL
                yield self._label("override-action")
                yield Select(
                    [(a, a) for a in self.choices],
                    prompt="Action",
                    value=only,
                    id="override-action",
                )
                yield Static("", id="override-cost")
            yield self._label("override-code")
            yield Select(
                # A pack's labels are its author's words: shown as written, never as markup.
                [(Text(f"{label} ({code})"), code) for code, label in self.reason_codes.items()],
                prompt="Reason code",
                id="override-code",
            )
            yield self._label("override-text")
            yield Input(placeholder="Reason (required)", id="override-text")
            yield Static("", id="override-needed")
            yield Static(KEYS, id="override-keys")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Confirm override", variant="warning", id="confirm", disabled=True)
                yield Button("Cancel", id="cancel")

    def _label(self, field: str) -> Label:
        return Label(self._words(field), id=f"{field}-label", classes="field-label",
                     markup=False)

    def _words(self, field: str) -> str:
        if field == "override-quantity":
            return f"Quantity ({self.target.unit}) to {self.target.order_word} instead"
        return FIELD_WORDS[field]

    def on_mount(self) -> None:
        self.query_one(self._fields()[0]).focus()
        self._show_cost()
        self._show_needed()

    def _fields(self) -> tuple[str, ...]:
        first = "#override-quantity" if self.target.quantity is not None else "#override-action"
        return (first, "#override-code", "#override-text")

    def on_descendant_focus(self) -> None:
        """Mark the focused field's label (``▶``): a terminal without colour shows it too."""
        for field in self._fields():
            widget = self.query_one(field)
            focused = self.focused is not None and (
                self.focused is widget or widget in self.focused.ancestors)
            label = self.query_one(f"{field}-label", Label)
            label.update(("▶ " if focused else "") + self._words(field.lstrip("#")))
            label.set_class(focused, "focused")

    def missing(self) -> list[tuple[str, str]]:
        """What the override still needs, in the order the fields come: (field, words)."""
        needed = []
        if self.target.quantity is not None:
            typed = self.query_one("#override-quantity", Input).value.strip()
            if not typed.lstrip("-").isdigit():
                needed.append(("#override-quantity", "a quantity (a whole number)"))
        elif not isinstance(self.query_one("#override-action", Select).value, str):
            needed.append(("#override-action", "an action"))
        if not isinstance(self.query_one("#override-code", Select).value, str):
            needed.append(("#override-code", "a reason code"))
        typed_reason = self.query_one("#override-text", Input).value
        if not typed_reason.strip():
            needed.append(("#override-text", "a reason (in words; spaces alone are not one)"
                           if typed_reason else "a reason"))
        return needed

    def chosen(self) -> Override | None:
        if self.missing():
            return None
        code = self.query_one("#override-code", Select).value
        text = self.query_one("#override-text", Input).value.strip()
        assert isinstance(code, str)
        if self.target.quantity is not None:
            # The service checks the quantity (never negative, whole packs, within capacity)
            # and refuses it in one sentence naming the field.
            quantity = int(self.query_one("#override-quantity", Input).value.strip())
            return Override(action="order", reason_code=code, reason_text=text,
                            quantity=quantity)
        action = self.query_one("#override-action", Select).value
        assert isinstance(action, str)
        return Override(action=action, reason_code=code, reason_text=text)

    @on(Select.Changed)
    @on(Input.Changed)
    def _validate(self, event: Select.Changed | Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = self.chosen() is None
        self._show_cost()
        self._show_needed(warn=self.query_one("#override-needed").has_class("warn"))
        if isinstance(event, Select.Changed) and isinstance(event.value, str) \
                and self.focused is event.select:
            self.focus_next()  # picked from the list: on to the next field

    def _show_needed(self, warn: bool = False) -> None:
        """What is still missing, always in view (not a toast in the corner)."""
        needed = self.missing()
        box = self.query_one("#override-needed", Static)
        box.set_class(warn and bool(needed), "warn")
        box.update("Still needed: " + ", ".join(words for _, words in needed) + "." if needed else
                   "Ready: Enter in the reason, or Confirm override, records it.")

    def _show_cost(self) -> None:
        """The chosen action's expected cost next to the recommended one's, with a clear
        warning when the override is far worse."""
        if self.target.quantity is not None:
            return  # a "how much" case: no action costs to compare here
        action = self.query_one("#override-action", Select).value
        text, far_worse = override_cost(
            dict(self.target.expected_costs),
            self.target.recommendation,
            action if isinstance(action, str) else None,
        )
        box = self.query_one("#override-cost", Static)
        box.set_class(far_worse, "far-worse")
        if far_worse:
            text = f"⚠ {text}: far worse than the recommendation. Say why in the reason."
        box.update(Text(text))

    @on(Input.Submitted, "#override-quantity")
    def _quantity_submitted(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#override-text")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        decision = self.chosen()
        if decision is None:
            # Say what is missing where the eye is, and go to the first such field.
            self._show_needed(warn=True)
            self.query_one(self.missing()[0][0]).focus()
            return
        self.dismiss(decision)


class EscalateModal(DocketModal[Escalate | None]):
    """Send the case to its senior reviewer (``senior``, in the pack's word for the role:
    "a consultant"), with an optional reason."""

    BINDINGS: ClassVar[list[BindingType]] = FIELD_KEYS

    def __init__(self, target: DecisionTarget, senior: str = "a senior reviewer") -> None:
        super().__init__(id="escalate-modal")
        self.target = target
        self.senior = senior

    def dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Escalate case {self.target.case_ref}", classes="dialog-title",
                        markup=False)
            yield Label(f"{self.senior[:1].upper()}{self.senior[1:]} will decide. "
                        "Reason (optional):", classes="dialog-help", markup=False)
            yield Input(placeholder="Why escalate? (optional)", id="escalate-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Escalate", variant="primary", id="confirm")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#escalate-text", Input).focus()

    @on(Input.Submitted, "#escalate-text")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(Escalate(reason_text=self.query_one("#escalate-text", Input).value.strip()))
