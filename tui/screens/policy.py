"""The policy: costs and escalation band, owned by one role.

The owner edits values, previews the change as a backtest on historical outcomes
(before → after, against the baseline), and commits it with a justification. Anyone
else sees the same screen read-only, with a line saying who owns it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Header, Input, Label, LoadingIndicator, Static

from assistant.views import BacktestView, Identity, PolicyPreview, PolicyView
from events.errors import DocketError
from tui.format import pct, when
from tui.screens.base import FIELD_KEYS, DocketModal, DocketScreen
from tui.widgets.footer import KeysFooter


def render_preview(preview: PolicyPreview, per_case: str = "per case") -> Table:
    """Before, after and baseline side by side; rows named in the pack's words (``per_case``:
    "per scan") and by its own actions ("discharge rate", "review rate")."""
    before, after, baseline = preview.before, preview.after, preview.baseline
    table = Table(
        title="Backtest on historical outcomes",
        title_justify="left",
        header_style="bold",
        pad_edge=False,
    )
    table.add_column("")
    table.add_column(f"before ({before.label})", justify="right")
    table.add_column(f"after ({after.label})", justify="right")
    table.add_column("change", justify="right")
    table.add_column(f"baseline ({baseline.label})", justify="right")

    def ci(b: BacktestView) -> str:
        return f"{b.cost_per_case:.3f} [{b.cost_ci[0]:.3f}, {b.cost_ci[1]:.3f}]"

    def delta(x: float, y: float, as_pct: bool) -> str:
        d = y - x
        return f"{d * 100:+.1f} pts" if as_pct else f"{d:+.3f}"

    table.add_row("cases", f"{before.n:,}", f"{after.n:,}", "", f"{baseline.n:,}")
    table.add_row(
        f"cost {per_case} (95% CI)",
        ci(before),
        ci(after),
        delta(before.cost_per_case, after.cost_per_case, False),
        ci(baseline),
    )
    table.add_row(
        f"{before.accept_action} rate",
        pct(before.approval_rate),
        pct(after.approval_rate),
        delta(before.approval_rate, after.approval_rate, True),
        pct(baseline.approval_rate),
    )
    table.add_row(
        f"{before.escalate_action} rate",
        pct(before.escalation_rate),
        pct(after.escalation_rate),
        delta(before.escalation_rate, after.escalation_rate, True),
        pct(baseline.escalation_rate),
    )
    return table


def render_pending(policy: PolicyView) -> Table:
    """Proposed changes waiting for a second person with the owner role (four eyes)."""
    table = Table(
        title=f"Pending: each takes effect when another {policy.owner_role} approves it",
        title_justify="left", box=None, header_style="bold", pad_edge=False,
    )  # fmt: skip
    table.add_column("#", justify="right")
    table.add_column("at", no_wrap=True)
    table.add_column("proposed by", no_wrap=True)
    table.add_column("changes")
    table.add_column("justification")
    for p in policy.pending:
        # Names and justifications are outside text: Text, never read as markup.
        table.add_row(
            str(p.number), when(p.at), Text(p.by), ", ".join(sorted(p.changes)),
            Text(p.justification),
        )
    return table


def render_pending_promotions(policy: PolicyView) -> Table:
    """Model promotions waiting for a second person who manages the domain's models."""
    table = Table(
        title="Pending model promotions: each takes effect when a second model manager "
              "approves it (`docket models approve VERSION`)",
        title_justify="left", box=None, header_style="bold", pad_edge=False,
    )  # fmt: skip
    table.add_column("model", no_wrap=True)
    table.add_column("at", no_wrap=True)
    table.add_column("proposed by", no_wrap=True)
    table.add_column("replaces", no_wrap=True)
    table.add_column("reason")
    for p in policy.pending_promotions:
        table.add_row(p.version, when(p.at), Text(p.by), p.replaces or "no champion",
                      Text(p.reason))
    return table


def render_exploration(policy: PolicyView) -> Text | None:
    """Exploration and this month's budget (spent by the log's ledger, left, or paused);
    None when exploration is off."""
    explore = policy.exploration
    if not explore.get("rate"):
        return None
    text = Text(
        f"Exploration: {explore['rate']:.0%} of cases whose runner-up action costs at most "
        f"{explore['max_regret']:g} more take it"
    )
    cap = explore.get("monthly_budget")
    spent, month = policy.exploration_spent, policy.exploration_month
    if cap is None:
        text.append(f" · no monthly cap; {spent:.2f} spent in {month}")
    elif spent >= cap:
        text.append(f" · budget {spent:.2f} of {cap:.2f} spent in {month}: PAUSED until next "
                    "month", style="bold yellow")  # fmt: skip
    else:
        text.append(f" · budget {spent:.2f} of {cap:.2f} spent in {month}, "
                    f"{cap - spent:.2f} left")  # fmt: skip
    return text


def render_history(policy: PolicyView) -> Table | Group:
    """The changes made, with any pending proposals (policy changes, model promotions)
    above them."""
    parts: list[Table | Text] = []
    if getattr(policy, "pending", None):
        parts += [render_pending(policy), Text("")]
    if getattr(policy, "pending_promotions", None):
        parts += [render_pending_promotions(policy), Text("")]
    if parts:
        return Group(*parts, _history_table(policy))
    return _history_table(policy)


def _history_table(policy: PolicyView) -> Table:
    table = Table(
        title="Changes", title_justify="left", box=None, header_style="bold", pad_edge=False
    )
    table.add_column("v", justify="right")
    table.add_column("at", no_wrap=True)
    table.add_column("by", no_wrap=True)
    table.add_column("justification")
    for change in policy.history:
        table.add_row(
            str(change.version),
            when(change.at),
            Text(f"{change.by} ({change.role})"),
            Text(change.justification),
        )
    return table


class JustifyModal(DocketModal[str | None]):
    """Ask why the policy changes; a justification is required."""

    BINDINGS: ClassVar[list[BindingType]] = FIELD_KEYS

    def __init__(self, summary: str) -> None:
        super().__init__(id="justify-modal")
        self.summary = summary

    def dialog(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Propose the policy change", classes="dialog-title")
            yield Label(self.summary, classes="dialog-help", markup=False)
            yield Input(placeholder="Justification (required)", id="justification")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Propose", variant="warning", id="confirm", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#justification", Input).focus()

    @on(Input.Changed, "#justification")
    def _validate(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = not event.value.strip()

    @on(Input.Submitted, "#justification")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#justification", Input).value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("A justification is required.", severity="warning")


class PolicyScreen(DocketScreen):
    """View the policy; the owner previews and commits changes."""

    TYPED_AHEAD_OF = frozenset({"commit"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "preview", "Preview"),
        Binding("ctrl+t", "commit", "Propose"),
    ]

    def __init__(self, domain: str) -> None:
        super().__init__(id="policy")
        self.domain = domain
        self.policy: PolicyView | None = None
        self.previewed_changes: dict[str, Any] | None = None
        self._cells: dict[str, tuple[str, str]] = {}  # input id → (action, outcome)
        # Who changes the policy from here: the console's identity, in the owner role when no
        # role was named and the key holds it (the service acts so: ``acting_in``).
        self.me: Identity | None = None

    @property
    def is_owner(self) -> bool:
        return (self.policy is not None and self.me is not None
                and self.me.role == self.policy.owner_role)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="policy-body"):
            yield Static(Text("Loading policy…", style="italic"), id="policy-head")
            yield Static("", id="policy-owner")
            yield Vertical(id="policy-form")
            with Horizontal(id="policy-buttons"):
                yield Button("Preview (ctrl+r)", id="preview", disabled=True)
                yield Button("Propose… (ctrl+t)", id="commit", variant="warning", disabled=True)
            yield Static("", id="policy-error")
            yield LoadingIndicator(id="policy-loading")
            yield Static("", id="policy-preview")
            yield Static("", id="policy-history")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#policy-loading").display = False
        self.load()

    @work(exclusive=True, group="policy")
    async def load(self) -> None:
        try:
            policy = await self.docket.call(self.docket.service.policy, self.domain)
            acting_in = getattr(self.docket.service, "acting_in", None)  # fakes may lack it
            self.me = (await self.docket.call(acting_in, (policy.owner_role,))
                       if callable(acting_in) else self.docket.identity)  # fmt: skip
        except DocketError as exc:
            self.query_one("#policy-head", Static).update(Text(str(exc), style="red"))
            return
        await self.show(policy)

    async def show(self, policy: PolicyView) -> None:
        self.policy = policy
        self.previewed_changes = None
        me = self.me or self.docket.identity
        head = Text()
        head.append(f"Policy {policy.domain} v{policy.version}", style="bold")
        head.append(
            f" · actions {', '.join(policy.actions)} · escalate on OOD "
            f"{'yes' if policy.escalate_on_ood else 'no'} · review every "
            f"{policy.review_every_days} days"
        )
        exploring = render_exploration(policy)
        if exploring is not None:
            head.append("\n")
            head.append_text(exploring)
        self.query_one("#policy-head", Static).update(head)
        owner = self.query_one("#policy-owner", Static)
        if self.is_owner:
            owner.update(
                Text(
                    # A change takes a second owner: "commit" read as if it took effect.
                    f"You ({me.name}, {me.role}) own this policy: edit, preview, then "
                    "propose the change with a justification; it takes effect when another "
                    f"{policy.owner_role} approves it.",
                    style="green",
                )
            )
        else:
            owner.update(
                Text(
                    f"Read-only: this policy is owned by the {policy.owner_role} role; "
                    f"you are {me.name} ({me.role}), so Preview and Propose are disabled.",
                    style="bold yellow",
                )
            )
        why = None if self.is_owner else f"Only the {policy.owner_role} role can change the policy."
        for button_id in ("#preview", "#commit"):
            self.query_one(button_id, Button).tooltip = why
        form = self.query_one("#policy-form", Vertical)
        await form.remove_children()
        if policy.quantity is not None:  # a "how much" policy: its economics, read-only here
            await self._show_quantity(policy, form)
            return
        outcomes = sorted({o for row in policy.costs.values() for o in row})
        grid = Grid(id="cost-grid")
        grid.styles.grid_size_columns = len(outcomes) + 1
        await form.mount(Label("Costs (action × outcome)", classes="section-title"))
        await form.mount(grid)
        await grid.mount(Label("action \\ outcome", classes="grid-head"))
        for outcome in outcomes:
            await grid.mount(Label(outcome, classes="grid-head"))
        self._cells = {}
        for i, action in enumerate(policy.actions):
            await grid.mount(Label(action))
            for j, outcome in enumerate(outcomes):
                cell_id = f"cost-{i}-{j}"
                self._cells[cell_id] = (action, outcome)
                current = policy.costs.get(action, {}).get(outcome)
                await grid.mount(
                    Input(
                        "" if current is None else f"{current:g}",
                        id=cell_id,
                        disabled=not self.is_owner,
                        classes="cost-cell",
                    )
                )
        lo, hi = policy.escalate_band
        band = Horizontal(id="band-row")
        await form.mount(band)
        await band.mount(Label(f"Escalate when {policy.words.probability} is between",
                               classes="band-label"))
        await band.mount(Input(f"{lo:g}", id="band-lo", disabled=not self.is_owner))
        await band.mount(Label("and"))
        await band.mount(Input(f"{hi:g}", id="band-hi", disabled=not self.is_owner))
        self.query_one("#preview", Button).disabled = not self.is_owner
        self.query_one("#commit", Button).disabled = True
        self.query_one("#policy-preview", Static).update("")
        self.query_one("#policy-history", Static).update(render_history(policy))
        if self.is_owner and self._cells:  # the owner came to edit: the first cost, ready
            self.set_focus(self.query_one(f"#{next(iter(self._cells))}", Input))

    async def _show_quantity(self, policy: PolicyView, form: Vertical) -> None:
        """A quantity policy's economics and limits, read-only: it has no cost matrix or
        probability band to edit, and its owner changes it with `docket policy set`."""
        q = policy.quantity or {}
        short, spare = float(q["underage_cost"]), float(q["overage_cost"])
        await form.mount(Static(Text(
            f"Per unit short {short:g}, per unit left over {spare:g}: the best quantity is "
            f"the {short / (short + spare):.2f} quantile of the prediction; whole packs of "
            f"{q['step']}, minimum {q['minimum_order']}, capacity {q['capacity']} {q['unit']}; "
            f"escalate when the {q['interval'][0]:g}-{q['interval'][1]:g} interval is over "
            f"{q['max_relative_width']:g} times the median.\n"), id="quantity-policy"))
        await form.mount(Static(Text(
            f"The console edits yes/no policies only: the owner changes these with `docket "
            f"policy --domain {policy.domain} set --shortage-cost COST --leftover-cost COST "
            "...`, which previews the change on the champion's held-out periods and waits "
            "for a second owner's approval.", style="italic")))
        why = "A quantity policy is changed with `docket policy set`."
        for button_id in ("#preview", "#commit"):
            button = self.query_one(button_id, Button)
            button.disabled, button.tooltip = True, why
        self.query_one("#policy-preview", Static).update("")
        self.query_one("#policy-history", Static).update(render_history(policy))

    # --- the change ------------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """The edited values that differ from the policy, in ``change_policy`` form.

        Raises:
            ValueError: a value is not a number, or the band is not 0 ≤ low ≤ high ≤ 1.
        """
        assert self.policy is not None
        if self.policy.quantity is not None:
            raise ValueError("a quantity policy is changed with `docket policy set`, not here")
        costs = {a: dict(row) for a, row in self.policy.costs.items()}
        for cell_id, (action, outcome) in self._cells.items():
            text = self.query_one(f"#{cell_id}", Input).value.strip()
            try:
                costs.setdefault(action, {})[outcome] = float(text)
            except ValueError as exc:
                raise ValueError(
                    f"cost of {action} when {outcome}: {text!r} is not a number"
                ) from exc
        try:
            lo = float(self.query_one("#band-lo", Input).value)
            hi = float(self.query_one("#band-hi", Input).value)
        except ValueError as exc:
            raise ValueError("the escalation band needs two numbers") from exc
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError("the escalation band must satisfy 0 ≤ low ≤ high ≤ 1")
        changed: dict[str, Any] = {}
        if costs != self.policy.costs:
            changed["costs"] = costs
        if (lo, hi) != tuple(self.policy.escalate_band):
            changed["escalate_band"] = (lo, hi)
        return changed

    def unsaved(self) -> bool:
        """Whether the form holds edits that were not committed (a half-typed value counts)."""
        if self.policy is None or not self.is_owner or self.policy.quantity is not None:
            return False
        try:
            return bool(self.changes())
        except ValueError:
            return True

    def _changes_or_error(self) -> dict[str, Any] | None:
        error = self.query_one("#policy-error", Static)
        try:
            changed = self.changes()
        except ValueError as exc:
            error.update(Text(str(exc), style="bold red"))
            return None
        if not changed:
            error.update(
                Text("Nothing changed yet: edit a cost or the band first.", style="yellow")
            )
            return None
        error.update("")
        return changed

    @on(Input.Changed)
    def _edited(self) -> None:
        # A commit must match what was previewed.
        if self.previewed_changes is not None:
            try:
                same = self.changes() == self.previewed_changes
            except ValueError:
                same = False
            self.query_one("#commit", Button).disabled = not same

    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        if not self.is_owner:
            self.notify("Only the policy owner can preview changes.", severity="warning")
            return
        changed = self._changes_or_error()
        if changed is not None:
            self.run_preview(changed)

    @work(exclusive=True, group="preview")
    async def run_preview(self, changed: dict[str, Any]) -> None:
        loading = self.query_one("#policy-loading", LoadingIndicator)
        out = self.query_one("#policy-preview", Static)
        loading.display = True
        out.update(Text("Backtesting on historical outcomes…", style="italic"))
        try:
            preview = await self.docket.call_long(
                self.docket.service.preview_policy, self.domain, changed
            )
        except DocketError as exc:
            out.update(Text(f"Preview failed: {exc}", style="red"))
            return
        finally:
            loading.display = False
        self.previewed_changes = changed
        out.update(render_preview(
            preview, self.policy.words.per_case if self.policy else "per case"))
        self.query_one("#commit", Button).disabled = False

    @on(Button.Pressed, "#commit")
    def action_commit(self) -> None:
        if not self.is_owner:
            self.notify("Only the policy owner can change it.", severity="warning")
            return
        if self.previewed_changes is None or self.query_one("#commit", Button).disabled:
            self.notify("Preview the change before proposing it.", severity="warning")
            return
        # The justification typed at once goes to its dialog, not into the cost cell.
        self.commit(self.previewed_changes, self.docket.typeahead.hold())

    @work(exclusive=True, group="commit")
    async def commit(self, changed: dict[str, Any], hold: object = None) -> None:
        keys = ", ".join(changed)
        try:
            justification = await self.app.push_screen_wait(
                JustifyModal(f"Proposing a change of {keys} to the {self.domain} policy: it "
                             "takes effect when another "
                             f"{self.policy.owner_role if self.policy else 'owner'} approves it."
                             " Why?")
            )
        finally:
            self.docket.typeahead.drop(hold)
        if not justification:
            return
        try:
            policy = await self.docket.call(
                self.docket.service.change_policy, self.domain, changed, justification
            )
        except DocketError as exc:
            self.notify(str(exc), title="Policy not changed", severity="error", timeout=10)
            return
        number = max((p.number for p in policy.pending), default=0)
        self.notify(
            f"Change #{number} proposed: it takes effect when another {policy.owner_role} "
            f"approves it (docket policy approve {number}).",
            title="Policy change proposed",
        )
        await self.show(policy)

    def action_back(self) -> None:
        self.dismiss(None)
