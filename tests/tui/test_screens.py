"""Audit, policy (owner and read-only), health, help, command palette, screenshot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Button, Input, Static

from assistant.views import Identity, PromotionProposalView
from tests.tui.conftest import SIZE, open_policy, plain, settle
from tests.tui.fakes import NOW, FakeService
from tui.app import DocketApp
from tui.commands import DocketCommands
from tui.screens.audit import AuditScreen, render_mapping
from tui.screens.health import HealthScreen
from tui.screens.help import HelpScreen
from tui.screens.policy import JustifyModal, PolicyScreen
from tui.screens.queue import QueueScreen


def text_of(app: DocketApp, selector: str) -> str:
    return plain(app.screen.query_one(selector, Static))


def notices(app: DocketApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_audit_shows_what_was_seen_then_what_happened(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        # Undecided case: the time defaults to now (the frozen clock).
        assert app.screen.query_one("#audit-at", Input).value == NOW.isoformat()
        seen = text_of(app, "#audit-seen")
        assert "What the deciding operator saw" in seen
        assert "policy version" in seen and "explanation" in seen and "verdicts" in seen
        assert "OutcomeRecorded" in text_of(app, "#audit-after")
        field = app.screen.query_one("#audit-at", Input)
        field.focus()
        field.value = ""
        await pilot.press(*"2024-05-01T09:00:00+00:00", "enter")
        await settle(pilot)
        assert fake.audits[-1] == (
            "case-000000",
            datetime.fromisoformat("2024-05-01T09:00:00+00:00"),
        )
        assert "Scored" in text_of(app, "#audit-after")  # events after 09:00:00
        field.value = "yesterday"
        await pilot.press("enter")
        await settle(pilot)
        assert any("not an ISO-8601 time" in n for n in notices(app))
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_audit_defaults_to_the_decision_time(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    fake.decide_elsewhere("case-000002", by="bob")  # decided at NOW - 1 min
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_audit("case-000002", "C-000002")
        await settle(pilot)
        assert app.screen.query_one("#audit-at", Input).value == "2024-05-02T08:59:00+00:00"


async def test_policy_owner_previews_then_commits_with_justification(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_policy(pilot)
        assert "You (rita, risk_owner) own this policy" in text_of(app, "#policy-owner")
        # A change takes a second owner: the screen never says "commit" as if it took effect.
        assert "takes effect when another risk_owner approves it" in text_of(app,
                                                                               "#policy-owner")
        commit = screen.query_one("#commit", Button)
        assert str(commit.label).startswith("Propose")
        assert commit.disabled  # nothing previewed yet
        # approve × bad is row 0 (approve), column 0 (bad: outcomes sorted).
        cell = screen.query_one("#cost-0-0", Input)
        assert cell.value == "5"
        cell.value = "6"
        screen.query_one("#band-hi", Input).value = "0.3"
        await pilot.press("ctrl+r")
        await settle(pilot)
        expected = {
            "costs": {"approve": {"good": 0.0, "bad": 6.0}, "decline": {"good": 1.0, "bad": 0.0}},
            "escalate_band": (0.15, 0.3),
        }
        assert owner.previews == [expected]
        preview = text_of(app, "#policy-preview")
        assert "cost per application" in preview and "approve rate" in preview
        assert "escalate rate" in preview and "baseline" in preview
        assert not commit.disabled
        await pilot.click("#commit")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, JustifyModal)
        assert str(modal.query_one("#confirm", Button).label) == "Propose"
        assert modal.query_one("#confirm", Button).disabled  # justification required
        await pilot.press(*"losses on approvals rose")
        await pilot.pause()
        assert not modal.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await settle(pilot)
        assert owner.policy_changes == [
            (expected, "losses on approvals rose", Identity("rita", "risk_owner"))
        ]
        assert isinstance(app.screen, PolicyScreen)
        # Four eyes: proposed, shown as pending, not yet in effect.
        assert "v1" in text_of(app, "#policy-head")
        pending = text_of(app, "#policy-history")
        assert "Pending: each takes effect when another risk_owner approves it" in pending
        assert "losses on approvals rose" in pending and "rita" in pending


async def test_policy_screen_shows_pending_model_promotions(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    owner.pending_promotions = [PromotionProposalView(
        "credit", "credit-logreg-abc123", 1, NOW, "erin", "better calibrated on recent outcomes",
        "credit-gbt-def456")]  # fmt: skip
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        history = text_of(app, "#policy-history")
    assert "Pending model promotions" in history and "second model manager" in history
    assert "credit-logreg-abc123" in history and "erin" in history
    assert "credit-gbt-def456" in history


async def test_policy_screen_shows_the_months_exploration_budget_spent_and_left(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    owner.exploration = {"rate": 0.1, "max_regret": 5.0, "salt": "docket",
                         "monthly_budget": 1.5}  # fmt: skip
    owner.exploration_spent = 0.4
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        head = text_of(app, "#policy-head")
        owner.exploration_spent = 1.5
        await app.screen.load().wait()  # type: ignore[attr-defined]
        await settle(pilot)
        spent = text_of(app, "#policy-head")
    assert "Exploration: 10% of cases" in head
    assert "budget 0.40 of 1.50 spent in 2024-05, 1.10 left" in head
    assert "budget 1.50 of 1.50 spent in 2024-05: PAUSED until next month" in spent


async def test_policy_edit_after_preview_needs_a_new_preview(
    owner: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(owner)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#band-lo", Input).value = "0.1"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not screen.query_one("#commit", Button).disabled
        screen.query_one("#band-lo", Input).value = "0.12"
        await pilot.pause()
        assert screen.query_one("#commit", Button).disabled
        screen.query_one("#band-lo", Input).value = "0.9"  # above the high end
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "0 ≤ low ≤ high ≤ 1" in text_of(app, "#policy-error")
        assert len(owner.previews) == 1


async def test_policy_is_read_only_for_other_roles(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PolicyScreen)
        owner_line = text_of(app, "#policy-owner")
        assert "Read-only: this policy is owned by the risk_owner role" in owner_line
        assert "you are ana (operator)" in owner_line
        assert all(i.disabled for i in screen.query(Input))
        assert screen.query_one("#preview", Button).disabled
        assert screen.query_one("#commit", Button).disabled
        await pilot.press("ctrl+r", "ctrl+t")
        await settle(pilot)
        assert fake.previews == [] and fake.policy_changes == []


async def test_health_screen(fake: FakeService, make_app: Callable[..., DocketApp]) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        body = text_of(app, "#health-body")
        assert "model in use credit-lr-v2" in body
        assert "override rate 12.5%" in body
        assert "missing_information" in body and "bob" in body and "18.0%" in body
        assert "[0.660, 0.740]" in body  # baseline CI
        assert "credit_amount PSI 0.27" in body
        assert "3 (model est. +1.50)" in body  # overrides nobody can judge on outcomes
        assert "Calibration by score band" in body and "10.9%" in body
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_help_lists_the_bindings(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = text_of(app, "#help-body")
        for expected in (
            "Decide: accept",
            "override",
            "escalate",
            "Queue: filter",
            "ctrl+s",
            "Policy: preview",
            "ctrl+p",
        ):
            assert expected in body
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_command_palette_runs_actions(
    fake: FakeService, make_app: Callable[..., DocketApp]
) -> None:
    app = make_app(fake)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = [name for name, _, _ in DocketCommands(app.screen).commands()]
        for expected in (
            "Decide: accept the recommendation",
            "Decide: override the recommendation…",
            "Decide: escalate to a senior reviewer…",
            "Audit: what the deciding operator saw…",
            "Queue: filter",
            "Policy: view or change the policy",
            "Health: overrides, realized cost, alerts",
            "Help: list the keys",
            "Save an SVG screenshot",
            "Queue: sort by p(bad)",
        ):
            assert expected in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"health overrides")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"decide accept")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert [d[0] for d in fake.decisions] == ["case-000000"]


async def test_ctrl_s_saves_an_svg_screenshot(
    fake: FakeService, make_app: Callable[..., DocketApp], tmp_path: Path
) -> None:
    app = make_app(fake, screenshot_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        files = list(tmp_path.glob("*.svg"))
        assert [f.name for f in files] == ["docket-20240502T090000.svg"]
        assert "<svg" in files[0].read_text(encoding="utf-8")
        assert any(str(files[0]) in n for n in notices(app))


def test_the_audit_shows_recorded_mappings_as_pairs_not_python_reprs() -> None:
    # What the real log records for a score and a recommendation (nested mappings, floats
    # with 17 digits): an auditor read "{'purpose': 0.012125484645366669, ...}" before.
    seen = {
        "score": {"p_bad": 0.095861, "attributions": {"purpose": 0.012125484645366669,
                                                      "duration_in_month": -0.028884269297}},
        "recommendation": {"expected_costs": {"approve": 0.47930512577295303,
                                              "decline": 0.9041389748454094},
                           "reasons": ["approve is cheapest", "not drawn"]},
    }
    console = Console(width=200, record=True)
    console.print(render_mapping("seen", seen))
    shown = console.export_text()
    assert "{" not in shown and "[" not in shown
    assert "purpose 0.0121255, duration_in_month -0.0288843" in shown
    assert "approve 0.479305, decline 0.904139" in shown
    assert "approve is cheapest; not drawn" in shown


def test_the_audit_leaves_out_what_a_case_of_this_shape_never_records() -> None:
    # A yes/no case's score and recommendation carry a quantity pack's keys empty: the audit
    # screen listed "levels: —", "quantiles: —", "quantity: —", "baseline_quantity: —".
    seen = {
        "score": {"p_bad": 0.0616, "levels": None, "quantiles": None, "ood": False},
        "recommendation": {"action": "approve", "quantity": None, "baseline_quantity": None},
        "fallback": None,
    }
    console = Console(width=200, record=True)
    console.print(render_mapping("seen", seen))
    shown = console.export_text()
    assert "p_bad: 0.0616" in shown and "ood: False" in shown and "action: approve" in shown
    for empty in ("levels", "quantiles", "quantity", "baseline_quantity"):
        assert f"{empty}:" not in shown, shown
    assert "fallback" in shown  # a section with nothing recorded still says so
