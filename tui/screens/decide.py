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
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from assistant.views import Escalate, Override
from tui.format import override_cost


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


class OverrideModal(ModalScreen[Override | None]):
    """Choose another action and say why. Confirm stays disabled until code and text are set."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, target: DecisionTarget, actions: Sequence[str],
                 reason_codes: Mapping[str, str]) -> None:
        """``reason_codes``: the case's pack's override reason codes (code -> label)."""
        super().__init__(id="override-modal")
        self.target = target
        self.choices = [a for a in actions if a != target.recommendation]
        self.reason_codes = dict(reason_codes)

    def compose(self) -> ComposeResult:
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
                yield Input(placeholder=f"Quantity ({self.target.unit})", type="integer",
                            id="override-quantity")
            else:
                yield Label(
                    f"Recommended: {self.target.recommendation or '—'}. Choose another action "
                    "and give the reason; it is recorded with your name.",
                    classes="dialog-help",
                )
                only = self.choices[0] if len(self.choices) == 1 else Select.NULL
                yield Select(
                    [(a, a) for a in self.choices],
                    prompt="Action",
                    value=only,
                    id="override-action",
                )
                yield Static("", id="override-cost")
            yield Select(
                # A pack's labels are its author's words: shown as written, never as markup.
                [(Text(f"{label} ({code})"), code) for code, label in self.reason_codes.items()],
                prompt="Reason code",
                id="override-code",
            )
            yield Input(placeholder="Reason (required)", id="override-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Confirm override", variant="warning", id="confirm", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        first = "#override-quantity" if self.target.quantity is not None else "#override-action"
        self.query_one(first).focus()
        self._show_cost()

    def chosen(self) -> Override | None:
        code = self.query_one("#override-code", Select).value
        text = self.query_one("#override-text", Input).value.strip()
        if self.target.quantity is not None:
            typed = self.query_one("#override-quantity", Input).value.strip()
            try:
                quantity = int(typed)
            except ValueError:
                return None
            if not isinstance(code, str) or not text:
                return None
            # The service checks the quantity (never negative, whole packs, within capacity)
            # and refuses it in one sentence naming the field.
            return Override(action="order", reason_code=code, reason_text=text,
                            quantity=quantity)
        action = self.query_one("#override-action", Select).value
        if not isinstance(action, str) or not isinstance(code, str) or not text:
            return None
        return Override(action=action, reason_code=code, reason_text=text)

    @on(Select.Changed)
    @on(Input.Changed)
    def _validate(self) -> None:
        self.query_one("#confirm", Button).disabled = self.chosen() is None
        self._show_cost()

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

    @on(Input.Submitted, "#override-text")
    def _submitted(self) -> None:
        self._confirm()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        decision = self.chosen()
        if decision is None:
            self.notify(
                "Choose an action and a reason code, and write a reason.", severity="warning"
            )
            return
        self.dismiss(decision)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class EscalateModal(ModalScreen[Escalate | None]):
    """Send the case to a senior reviewer, with an optional reason."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, target: DecisionTarget) -> None:
        super().__init__(id="escalate-modal")
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Escalate case {self.target.case_ref}", classes="dialog-title",
                        markup=False)
            yield Label("A senior reviewer will decide. Reason (optional):", classes="dialog-help")
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

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
