"""One case in full: inputs, score, attributions, costs, explanation and history.

The case loads in a worker; the explanation is requested separately (it may call a
model) and shows "explaining…" until it arrives, so the operator can read the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Header, Static

from assistant.views import CaseDetail, ExplanationView, TimelineEntry
from events.errors import DocketError
from tui.format import cost, prob, value, when
from tui.screens.base import DocketScreen
from tui.screens.decide import DecisionTarget
from tui.widgets.attribution_bars import AttributionBars
from tui.widgets.columns import Column, Columns
from tui.widgets.footer import KeysFooter
from tui.widgets.quantity_fan import render_fan, render_order_costs


def render_summary(detail: CaseDetail) -> RenderableType:
    line = Text()
    line.append(f"Case {detail.case_ref}", style="bold")
    line.append(f"  {detail.domain} · status {detail.status} · opened {when(detail.opened_at)}")
    score = Text()
    q = detail.quantity
    if q is None:
        score.append(f"{detail.words.probability} ", style="dim")
        score.append(prob(detail.p_bad), style="bold")
        score.append("  (calibrated)", style="dim")
    score.append("   recommendation " if q is None else "recommendation ", style="dim")
    score.append(detail.recommendation or "—", style="bold")
    if q is not None:
        held = " (held back for a person)" if detail.recommendation != "order" else ""
        score.append(f" {q.quantity} {q.unit}{held}", style="bold")
        score.append(f", expected cost {q.expected_cost:.2f}", style="dim")
    if detail.recommendation_source:
        score.append(f" from {detail.recommendation_source}", style="dim")
    score.append(f"   model {detail.model_version or '—'}", style="dim")
    score.append(
        f" · policy v{detail.policy_version if detail.policy_version is not None else '—'}",
        style="dim",
    )
    parts: list[RenderableType] = [line, score]
    parts.extend(render_note(detail))
    if detail.decision is not None:
        d = detail.decision
        what = d.kind + (f" → {d.action}" if d.action else "")
        reason = (
            f" [{d.reason_code}] {d.reason_text}"
            if d.reason_code
            else (f" {d.reason_text}" if d.reason_text else "")
        )
        parts.append(
            Text(
                f"Decision: {what} by {d.by} ({d.role}) at {when(d.at)}{reason}", style="bold cyan"
            )
        )
    if detail.outcome:
        parts.append(Text(f"Outcome: {detail.outcome}"))
    return Group(*parts)


def render_note(detail: CaseDetail) -> list[RenderableType]:
    """The applicant's note as data (never as markup), with why it was flagged if it was.

    A flagged note is shown, not hidden: the flag says it contains instruction-like text
    and that the explainer did not receive it; the operator reads it and judges.
    """
    parts: list[RenderableType] = []
    for reason in detail.input_flag_reasons or [", ".join(detail.input_flags)] * bool(
        detail.input_flags
    ):
        parts.append(Text(f"⚑ note flagged: {reason}", style="yellow"))
    if detail.note:
        title = f"{detail.words.note[:1].upper()}{detail.words.note[1:]} (as written, shown as data"
        title += ", not sent to the explainer):" if detail.input_flags else "):"
        parts.append(Text(title, style="dim"))
        # Text(...) is never parsed as markup; the service already removed controls.
        parts.append(Text("  " + detail.note.replace("\n", "\n  "), style="italic"))
    return parts


def render_warnings(detail: CaseDetail) -> RenderableType | None:
    lines: list[Text] = []
    if detail.stale:
        lines.append(
            Text(
                f"⚠ STALE: recommended under policy v{detail.policy_version}; the policy is now "
                f"v{detail.current_policy_version}. The recommendation and expected costs "
                "shown are the old policy's.",
                style="bold",
            )
        )
    if detail.explored:
        # The operator must not read a randomised action as the model's judgement.
        why = detail.exploration_reason or "drawn at random by the policy's exploration"
        lines.append(
            Text(
                f"⚂ EXPLORATION CASE: {detail.recommendation} is not the model's choice. "
                f"{why[:1].upper()}{why[1:]}. The policy owner set this randomised share so "
                "decisions can be measured; decide as you judge, your decision is logged.",
                style="bold magenta",
            )
        )
    if detail.ood:
        reasons = "; ".join(detail.ood_reasons) or "no reason given"
        lines.append(
            Text(
                f"⚠ OUT OF DISTRIBUTION: unlike the training data ({reasons}). "
                "Treat the score with caution.",
                style="bold",
            )
        )
    if detail.fallback_reason:
        lines.append(
            Text(
                f"⚠ FALLBACK: the baseline rule decided because {detail.fallback_reason}.",
                style="bold",
            )
        )
    return Group(*lines) if lines else None


def render_fields(detail: CaseDetail) -> RenderableType:
    rows: list[list[str | Text]] = [
        [f.description or f.name, value(f.value)] for f in detail.fields
    ]
    if detail.hidden_fields:
        rows.append([
            Text(f"{len(detail.hidden_fields)} protected characteristic(s)", style="dim"),
            Text("hidden (auditors and the policy owner see them)", style="dim"),
        ])  # fmt: skip
    # A label folds onto a second line rather than being cut short.
    return Columns([Column("field"), Column("value", max_width=22)], rows, title="Inputs")


def render_costs(detail: CaseDetail) -> RenderableType:
    rows: list[list[str | Text]] = []
    for action, c in sorted(detail.expected_costs.items(), key=lambda kv: kv[1]):
        marker = "◀ recommended" if action == detail.recommendation else ""
        style = "bold" if marker else ""
        rows.append([Text(action, style=style), Text(cost(c), style=style), marker])
    columns = [Column("action"), Column("expected cost", justify="right"), Column("")]
    table = Columns(columns, rows, title="Expected cost per action")
    costs = detail.expected_costs
    chosen = detail.recommendation
    why = "; ".join(detail.why_recommended)
    if chosen in costs and costs[chosen] > min(costs.values()) and why:
        # A dearer action than the cheapest was recommended: say why (the policy's own
        # reason, e.g. the uncertainty band around the break-even), not leave it a puzzle.
        return Group(table, Text(f"why {chosen}: {why}", style="italic"))
    return table


def render_quantity_reasons(reasons: Sequence[str]) -> RenderableType:
    """Why a quantity case's quantity: the reasons the policy recorded (explanations are
    for yes/no decisions, so the console never asks the explainer for one)."""
    return Group(Text("Why this quantity", style="bold"),
                 Text("; ".join(reasons) or "no reasons recorded", style="italic"))


def render_explanation(
    explanation: ExplanationView | None, error: str | None = None
) -> RenderableType:
    title = Text("Explanation", style="bold")
    if error is not None:
        return Group(title, Text(f"Could not explain: {error}", style="red"))
    if explanation is None:
        return Group(title, Text("explaining…", style="italic dim"))
    status = Text("guardrails: ")
    if explanation.status == "pass":
        status.append("PASS", style="bold green")
    else:
        status.append(explanation.status.upper(), style="bold yellow")
    status.append(f" · explainer {explanation.explainer}", style="dim")
    parts: list[RenderableType] = [title, status]
    if explanation.fallback_reason:
        parts.append(Text(f"fallback because: {explanation.fallback_reason}", style="yellow"))
    parts.append(Text(explanation.text))
    for v in explanation.verdicts:
        # A redaction is the guardrail doing its job: information, not a warning.
        mark = {"pass": "✓", "redacted": "i"}.get(v.outcome, "!")
        parts.append(
            Text(
                f"  {mark} {v.rule}: {v.outcome}" + (f" — {v.detail}" if v.detail else ""),
                style="dim" if v.outcome in ("pass", "redacted") else "yellow",
            )
        )
    return Group(*parts)


def render_history(history: list[TimelineEntry]) -> RenderableType:
    columns = [Column("at", overflow="none"), Column("event", overflow="none"),
               Column("by", overflow="none"), Column("what")]  # fmt: skip
    rows = [
        [when(entry.at), entry.event, f"{entry.actor} ({entry.role})", entry.sentence]
        for entry in history
    ]
    return Columns(columns, rows, title="History")


class CaseScreen(DocketScreen):
    """The detail of one case, with the decision keys.

    The app mounts one case screen and shows every case on it (:meth:`show_case`):
    composing a screen and styling its widgets cost more than drawing the case, so
    opening a case only replaces the text of widgets that are already there. A detail
    the queue fetched while the cursor rested on the row is shown at once; otherwise
    the screen says "Loading…" until the service answers.
    """

    RESTYLE_ONLY_ON_CSS_CHANGE = True
    TYPED_AHEAD_OF = frozenset({"override", "send_up"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a", "accept", "Accept"),
        Binding("o", "override", "Override"),
        Binding("e", "send_up", "Escalate"),
        Binding("u", "audit", "Audit"),
    ]

    def __init__(self, case_id: str, case_ref: str = "", detail: CaseDetail | None = None) -> None:
        super().__init__(id="case")
        self.case_id = case_id
        self.case_ref = case_ref or case_id
        self.detail: CaseDetail | None = None
        self.explanation: ExplanationView | None = None
        self._prefetched = detail

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="case-body"):
            yield Static("", id="case-summary")
            yield Static("", id="case-warnings")
            with Horizontal(id="case-columns"):
                yield Static("", id="case-fields")
                with Vertical(id="case-right"):
                    yield Static(Text("Attributions", style="bold"), id="case-attr-title")
                    yield AttributionBars(id="case-attributions")
                    yield Static("", id="case-costs")
            yield Static(render_explanation(None), id="case-explanation")
            yield Static("", id="case-history")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._start(self._prefetched)

    def show_case(self, case_id: str, case_ref: str = "", detail: CaseDetail | None = None) -> None:
        """Show another case on this (mounted) screen: ``detail`` if the caller has it
        (shown now, then checked against the log), else "Loading…" until it arrives."""
        self.case_id, self.case_ref = case_id, case_ref or case_id
        self.detail, self.explanation = None, None
        if self.is_mounted:
            self.query_one("#case-body", VerticalScroll).scroll_home(animate=False)
            self._start(detail)
        else:
            self._prefetched = detail

    def _start(self, detail: CaseDetail | None) -> None:
        self._prefetched = None
        if detail is None or detail.case_id != self.case_id:
            self._show_loading()
            self.load()
            return
        self._show_detail(detail)
        self.call_after_refresh(self._recheck_if_current, detail.case_id)

    # Work started when a case is shown waits for the frame that shows it: a service call
    # (the explainer above all) running meanwhile holds the GIL half of the time and
    # doubles the time the case takes to appear.

    def _recheck_if_current(self, case_id: str) -> None:
        """The log may have moved since the case was fetched: read it again."""
        if case_id == self.case_id:
            self.recheck()

    def _explain_if_current(self, case_id: str) -> None:
        if case_id == self.case_id and self.explanation is None:
            self.explain()

    def _show_loading(self) -> None:
        self.query_one("#case-summary", Static).update(
            Text(f"Loading case {self.case_ref}…", style="italic")
        )
        for part in ("#case-warnings", "#case-columns", "#case-explanation", "#case-history"):
            self.query_one(part).display = False

    @work(exclusive=True, group="case")
    async def load(self) -> None:
        case_id = self.case_id
        try:
            detail = await self.docket.call(self.docket.service.case, case_id)
        except DocketError as exc:
            if case_id == self.case_id:
                self.query_one("#case-summary", Static).update(Text(str(exc), style="red"))
            return
        if case_id == self.case_id:  # still the case on screen
            self._show_detail(detail)

    def _show_detail(self, detail: CaseDetail) -> None:
        self.show(detail)
        for part in ("#case-columns", "#case-explanation", "#case-history"):
            self.query_one(part).display = True
        box = self.query_one("#case-explanation", Static)
        if detail.quantity is not None:  # no explainer for a quantity: the policy's reasons
            box.update(render_quantity_reasons(detail.policy_reasons))
        elif detail.explanation is not None:  # already recorded: no need to ask again
            self.explanation = detail.explanation
            box.update(render_explanation(detail.explanation))
        else:
            box.update(render_explanation(None))
            self.call_after_refresh(self._explain_if_current, detail.case_id)

    def show(self, detail: CaseDetail) -> None:
        self.detail = detail
        # The escalation key reads as the case's pack names its escalation action.
        label = self.docket.escalate_label(detail.domain)
        if self.key_words.get("send_up") != label:  # a new label re-lays the footer out
            self.name_action("send_up", label)
        # Opened by reference ("go to case"): from now on address it by its id.
        self.case_id, self.case_ref = detail.case_id, detail.case_ref
        self.query_one("#case-summary", Static).update(render_summary(detail))
        warnings = render_warnings(detail)
        box = self.query_one("#case-warnings", Static)
        box.display = warnings is not None
        box.update(warnings if warnings is not None else "")
        self.query_one("#case-fields", Static).update(render_fields(detail))
        title = (
            f"Attributions ({detail.attribution_method})"
            if detail.attribution_method
            else ("Attributions")
        )
        bars = self.query_one("#case-attributions", AttributionBars)
        if detail.quantity is not None:  # a "how much" case: the distribution, not a score
            self.query_one("#case-attr-title", Static).update(render_fan(detail.quantity))
            bars.display = False
            self.query_one("#case-costs", Static).update(render_order_costs(detail.quantity))
        else:
            self.query_one("#case-attr-title", Static).update(Text(title, style="bold"))
            bars.display = True
            bars.show(detail.attributions)
            self.query_one("#case-costs", Static).update(render_costs(detail))
        self.query_one("#case-history", Static).update(render_history(detail.history))

    @work(exclusive=True, group="explain")
    async def explain(self) -> None:
        case_id = self.case_id
        box = self.query_one("#case-explanation", Static)
        try:
            explanation = await self.docket.call_long(self.docket.service.explain, case_id)
        except DocketError as exc:
            if case_id == self.case_id:
                box.update(render_explanation(None, error=str(exc)))
            return
        if case_id == self.case_id:  # the screen may show another case by now
            self.explanation = explanation
            box.update(render_explanation(explanation))

    @work(exclusive=True, group="case")
    async def recheck(self) -> None:
        """The log moved: show the case as it is now, and say so if someone else decided it."""
        before, case_id = self.detail, self.case_id
        try:
            detail = await self.docket.call(self.docket.service.case, case_id)
        except DocketError:
            return
        if case_id != self.case_id or detail == before:
            return  # another case by now, or nothing changed: keep the screen as it is
        if before is None:
            self._show_detail(detail)
            return
        self.show(detail)
        if detail.explanation is not None and self.explanation is None:
            self.explanation = detail.explanation
            self.query_one("#case-explanation", Static).update(
                render_explanation(detail.explanation)
            )
        d = detail.decision
        newly_decided = d is not None and before.decision is None
        if d is not None and newly_decided and d.by != self.docket.identity.name:
            self.notify(
                f"Case {detail.case_ref} was just {d.kind} by {d.by} ({d.role}) at {when(d.at)}.",
                title="Decided elsewhere",
                severity="warning",
                timeout=10,
            )

    # --- actions -----------------------------------------------------------------------

    def selected_target(self) -> DecisionTarget | None:
        d = self.detail
        if d is None:
            return None
        q = d.quantity
        return DecisionTarget(d.case_id, d.case_ref, d.domain, d.recommendation,
                              q.quantity if q else None, q.unit if q else "",
                              expected_costs=tuple(d.expected_costs.items()),
                              order_word=q.order_word if q else "order")

    def _target(self) -> DecisionTarget | None:
        target = self.selected_target()
        if target is None:
            self.notify("The case is still loading.", severity="warning")
        return target

    def action_back(self) -> None:
        self.dismiss(None)

    def action_accept(self) -> None:
        if (target := self._target()) is not None:
            self.docket.start_decision("accept", target)

    def action_override(self) -> None:
        if (target := self._target()) is not None:
            self.docket.start_decision("override", target, actions=self._actions())

    def action_send_up(self) -> None:
        if (target := self._target()) is not None:
            self.docket.start_decision("send_up", target)

    def action_audit(self) -> None:
        default = self.detail.decision.at if self.detail and self.detail.decision else None
        self.docket.open_audit(self.case_id, self.case_ref, default)

    def _actions(self) -> list[str] | None:
        return (
            list(self.detail.expected_costs) if self.detail and self.detail.expected_costs else None
        )
