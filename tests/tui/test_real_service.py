"""The console on the REAL service: a temporary SQLite store seeded with credit cases.

These assert the events written (through ``service.case(id)``: decision and history),
with the operator's identity and role.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.domains import get_pack
from assistant.service import DocketService
from assistant.views import Identity
from tests.people import People
from tests.tui.conftest import SIZE, plain, settle
from tui.app import DocketApp
from tui.screens.case import CaseScreen
from tui.screens.decide import EscalateModal, OverrideModal
from tui.screens.policy import PolicyScreen
from tui.screens.queue import QueueScreen

N_CASES = 6


def credit_rows(n: int) -> list[dict[str, Any]]:
    """The first ``n`` applications of the credit data set the pack ships (no label)."""
    return [dict(row) for row in get_pack("credit").load_dataset().rows[:n]]


_PEOPLE: dict[Path, People] = {}


def open_service(store: Path, data_dir: Path, who: Identity) -> DocketService:
    """A service acting with a key enrolled for ``who`` (see tests.people)."""
    people = _PEOPLE.setdefault(store, People(str(store), data_dir))
    key = people.key(who.name, who.role)
    return DocketService.open(str(store), keys=[key], role=who.role, data_dir=str(data_dir))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    store, data_dir = tmp_path / "docket.db", tmp_path / "data"
    data_dir.mkdir()
    seeder = open_service(store, data_dir, Identity("docket/intake", "system"))
    report = seeder.ingest("credit", credit_rows(N_CASES))
    assert len(report.opened) == N_CASES, report
    seeder.close()
    yield store, data_dir
    people = _PEOPLE.pop(store, None)
    if people is not None:
        people.close()


@pytest.fixture
def real(store: tuple[Path, Path]) -> Iterator[Any]:
    service = open_service(*store, Identity("ana", "operator"))
    yield service
    service.close()


def make(service: Any, **options: Any) -> DocketApp:
    options.setdefault("sync_interval", None)
    return DocketApp(service, **options)


def notices(app: DocketApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_real_queue_and_case_detail(real: Any) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app.queue_screen.rows) == N_CASES
        assert "ana (operator)" in app.sub_title
        first = app.queue_screen.rows[0]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.case_id == first.case_id
        detail = screen.detail
        assert detail is not None and detail.recommendation is not None
        if detail.p_bad is None:  # a fresh store has no champion model: the baseline decides
            assert "FALLBACK" in plain(screen.query_one("#case-warnings"))
        assert "p(bad)" in plain(screen.query_one("#case-summary"))
        assert "explaining…" not in plain(screen.query_one("#case-explanation"))
        assert screen.explanation is not None and screen.explanation.text


async def test_real_accept_is_recorded_with_identity(real: Any) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = app.queue_screen.rows[:2]
        await pilot.press("a")
        await settle(pilot)
        decision = real.case(first.case_id).decision
        assert decision is not None
        assert (decision.kind, decision.by, decision.role) == ("accepted", "ana", "operator")
        assert any(
            e.actor == "ana" and e.role == "operator" for e in real.case(first.case_id).history
        )
        assert first.case_id not in [r.case_id for r in app.queue_screen.rows]
        assert app.queue_screen.selected_row().case_id == second.case_id  # type: ignore[union-attr]


async def test_real_override_with_reason(real: Any) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.queue_screen.rows[0]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        action = modal.query_one("#override-action")
        if action.value is action.NULL:  # type: ignore[attr-defined]
            action.value = modal.choices[0]  # type: ignore[attr-defined]
        modal.query_one("#override-code").value = "customer_relationship"  # type: ignore[attr-defined]
        modal.query_one("#override-text").focus()
        await pilot.press(*"long-standing customer", "enter")
        await settle(pilot)
        decision = real.case(first.case_id).decision
        assert decision is not None
        assert decision.kind == "overridden"
        assert decision.action != first.recommendation
        assert (decision.reason_code, decision.reason_text) == (
            "customer_relationship",
            "long-standing customer",
        )
        assert (decision.by, decision.role) == ("ana", "operator")
        assert isinstance(app.screen, QueueScreen)


async def test_real_escalate(real: Any) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.queue_screen.rows[0]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EscalateModal)
        await pilot.press(*"needs a senior", "enter")
        await settle(pilot)
        decision = real.case(first.case_id).decision
        assert decision is not None and decision.kind == "escalated"
        assert (decision.by, decision.role) == ("ana", "operator")


async def test_real_conflict_with_another_operator(real: Any, store: tuple[Path, Path]) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = app.queue_screen.rows[:2]
        bob = open_service(*store, Identity("bob", "operator"))
        try:
            from assistant.views import Accept

            bob.decide(first.case_id, Accept())
        finally:
            bob.close()
        # ana has not synced yet: the case is still on her screen; she accepts it too.
        await pilot.press("a")
        await settle(pilot)
        assert any("already decided by bob" in n for n in notices(app)), notices(app)
        decision = real.case(first.case_id).decision
        assert decision is not None and decision.by == "bob"
        assert first.case_id not in [r.case_id for r in app.queue_screen.rows]
        assert app.queue_screen.selected_row().case_id == second.case_id  # type: ignore[union-attr]


async def test_real_cases_decided_elsewhere_disappear(real: Any, store: tuple[Path, Path]) -> None:
    app = make(real, sync_interval=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = app.queue_screen.rows[0]
        bob = open_service(*store, Identity("bob", "operator"))
        try:
            from assistant.views import Accept

            bob.decide(first.case_id, Accept())
        finally:
            bob.close()
        for _ in range(100):
            await pilot.pause(0.05)
            if first.case_id not in [r.case_id for r in app.queue_screen.rows]:
                break
        assert first.case_id not in [r.case_id for r in app.queue_screen.rows]


async def test_real_policy_is_read_only_for_an_operator(real: Any) -> None:
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PolicyScreen)
        assert "Read-only" in plain(app.screen.query_one("#policy-owner"))


async def test_a_console_on_read_models_far_behind_says_so_and_catches_up(
    store: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store's first console (read models never built here): it opens at once, says so in
    # one sentence and brings them up to date a step per sync, never in one long freeze.
    import tui.app

    path, data_dir = store
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}.views.sqlite{suffix}").unlink(missing_ok=True)
    # Small steps: a case is one event as ingested (Assessed), the store holds few.
    monkeypatch.setattr(tui.app, "CATCH_UP_STEP", 2)
    key = _PEOPLE[path].key("ana", "operator")
    service = DocketService.open(str(path), keys=[key], role="operator",
                                 data_dir=str(data_dir), catch_up_step=2)  # fmt: skip
    try:
        assert service.behind() > 2  # opening applied a few steps, far from everything
        app = make(service, domain="credit", sync_interval=0.05)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(400):
                await pilot.pause(0.05)
                if "The read models are up to date with the log." in notices(app):
                    break
            behind = [n for n in notices(app) if "events behind the log" in n]
            assert len(behind) == 1, notices(app)
            await settle(pilot)
            assert service.behind() == 0
            assert len(app.queue_screen.rows) == N_CASES
    finally:
        service.close()


async def test_an_owner_of_two_packs_opening_the_console_on_one_acts_as_its_owner(
    store: tuple[Path, Path],
) -> None:
    # olga owns the demand policy (operations_owner) and the credit one (risk_owner) and
    # decides no cases: the console opened on credit must not call her demand's owner.
    path, data_dir = store
    admin = _PEOPLE[path].admin()
    _, key = admin.enrol("olga", ["operations_owner", "risk_owner"])
    assert key is not None
    service = DocketService.open(str(path), keys=[key], data_dir=str(data_dir))
    try:
        app = make(service, domain="credit")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.sub_title.startswith("olga (risk_owner)"), app.sub_title
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, PolicyScreen)
            said = plain(app.screen.query_one("#policy-owner"))
            assert "You (olga, risk_owner) own this policy" in said, said
    finally:
        service.close()


async def test_real_health_before_the_first_outcome_shows_the_range(real: Any) -> None:
    """Cases decided, no outcome yet: the console's health screen gives each cost as 'no
    outcomes yet' beside the range that holds whatever the outcomes turn out to be."""
    from assistant.views import Accept, QueueQuery
    from tui.screens.health import HealthScreen

    for row in real.queue(QueueQuery(statuses=("open",), limit=100)).rows:
        if row.recommendation != "escalate":
            real.decide(row.case_id, Accept())
    app = make(real)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        shown = plain(app.screen.query_one("#health-body"))
        assert "(95% CI): no outcomes yet over 6 decided case(s)" in shown, shown
        assert "whatever the unseen outcomes were" in shown
        assert "between 0.000 and" in shown and "No outcome is known yet" in shown
