"""What the console tells an analyst, on the real service with real models: what an
override costs, a recommendation gone stale after a policy change, and protected
characteristics withheld from operators."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Select, Static

from assistant.views import CaseDetail
from tests.conftest import ServiceFactory
from tests.people import change_policy_now
from tests.tui.conftest import SIZE, plain, settle
from tui.app import DocketApp
from tui.format import override_cost
from tui.screens.case import CaseScreen
from tui.screens.decide import OverrideModal

Rows = Callable[..., list[dict[str, object]]]


def test_override_cost_in_words_and_when_it_is_far_worse() -> None:
    costs = {"approve": 3.685, "decline": 0.263, "escalate": 0.363}
    text, far = override_cost(costs, "decline", "approve")
    assert text == "expected cost: approve 3.685 vs recommended decline 0.263 (+3.422, 14.0×)"
    assert far
    assert override_cost(costs, "decline", "escalate") == (
        "expected cost: escalate 0.363 vs recommended decline 0.263 (+0.100, 1.4×)", False)
    assert override_cost(costs, "decline", None) == ("", False)


async def test_the_override_dialog_warns_when_the_chosen_action_is_far_worse(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service("ana", "operator")
    service.ingest("credit", credit_rows(20))
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.queue_screen
        index = next(
            i for i, r in enumerate(queue.rows)
            if r.recommendation == "decline" and (r.p_bad or 0) > 0.5
        )
        row = queue.rows[index]
        queue.table.move_cursor(row=index, animate=False)
        await pilot.press("o")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, OverrideModal)
        modal.query_one("#override-action", Select).value = "approve"
        await settle(pilot)
        box = modal.query_one("#override-cost", Static)
        text = plain(box)
        assert f"approve {row.expected_costs['approve']:.3f}" in text
        assert f"recommended decline {row.expected_costs['decline']:.3f}" in text
        assert "far worse" in text and box.has_class("far-worse")


async def test_a_stale_recommendation_and_hidden_protected_fields_show_on_the_case(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service("ana", "operator")
    [case_id] = service.ingest("credit", credit_rows(1)).opened
    rita = open_service("rita", "risk_owner")
    costs = rita.policy("credit").costs
    costs["approve"]["bad"] = 6.0
    change_policy_now(rita, "credit", {"costs": costs}, "losses on bad loans rose")
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "STALE" in str(app.queue_screen.table.get_row_at(0)[-1])
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        warnings = plain(screen.query_one("#case-warnings", Static))
        assert "STALE: recommended under policy v1; the policy is now v2" in warnings
        fields = plain(screen.query_one("#case-fields", Static))
        assert "2 protected characteristic(s)" in fields and "hidden" in fields
        assert "foreign" not in fields.lower()
    assert service.case(case_id).stale


async def test_an_exploration_case_says_so_and_why_and_an_ordinary_one_does_not(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    owner = open_service("olga", "risk_owner")
    change_policy_now(owner, "credit", {"exploration": {"rate": 0.4, "max_regret": 2.0}},
                      "measure what declining costs")
    service = open_service("ana", "operator")
    opened = service.ingest("credit", credit_rows(40)).opened
    details = [service.case(case_id) for case_id in opened]
    explored = next(d for d in details if d.explored)
    ordinary = next(d for d in details if not d.explored)
    assert explored.exploration_reason and "instead of" in explored.exploration_reason
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for detail, shown in ((explored, True), (ordinary, False)):
            warnings = await _on_case_screen(app, pilot, detail, "#case-warnings")
            assert ("EXPLORATION CASE" in warnings) is shown
            if shown:
                assert f"{explored.recommendation} is not the model's choice" in warnings
                assert "drawn at random" in warnings


async def test_a_case_recommended_above_its_cheapest_action_says_why(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    # The default policy escalates a case whose p(bad) lies in its uncertainty band around
    # the break-even, although approving or declining costs less in expectation: the case
    # screen gives the policy's reason under the costs; a case decided on its cheapest
    # action shows none.
    service = open_service("ana", "operator")
    opened = service.ingest("credit", credit_rows(60)).opened
    details = [service.case(case_id) for case_id in opened]

    def dearer(d: CaseDetail) -> bool:
        costs = d.expected_costs
        return d.recommendation in costs and costs[d.recommendation] > min(costs.values())

    banded = next(d for d in details if dearer(d))
    cheapest = next(d for d in details if not dearer(d))
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for detail, shown in ((banded, True), (cheapest, False)):
            costs = await _on_case_screen(app, pilot, detail, "#case-costs")
            assert (f"why {detail.recommendation}:" in costs) is shown
            if shown:
                assert "uncertainty band" in costs


async def test_the_reason_given_is_the_one_that_moved_the_case_not_an_exploration_not_drawn(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    # With exploration on (the demo's owner explores within a regret of 5), a case in the
    # uncertainty band also records that it was eligible for exploration but not drawn,
    # after the band: the screen must give the band, not that note (it changed nothing);
    # an explored case gives its exploration.
    owner = open_service("olga", "risk_owner")
    change_policy_now(owner, "credit", {"exploration": {"rate": 0.1, "max_regret": 5.0}},
                      "measure the runner-up")  # fmt: skip
    service = open_service("ana", "operator")
    details = [service.case(c) for c in service.ingest("credit", credit_rows(120)).opened]
    banded = next(d for d in details if d.recommendation == "escalate"
                  and any("not drawn" in r for r in d.policy_reasons))  # fmt: skip
    explored = next(d for d in details if d.explored)
    app = DocketApp(service, sync_interval=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        costs = await _on_case_screen(app, pilot, banded, "#case-costs")
        assert "why escalate:" in costs and "uncertainty band" in costs
        assert "not drawn" not in costs
        costs = await _on_case_screen(app, pilot, explored, "#case-costs")
        assert f"why {explored.recommendation}: exploration case" in costs


async def _on_case_screen(app: DocketApp, pilot: Pilot[None], detail: CaseDetail, part: str) -> str:
    """The text of ``part`` (a widget id) of ``detail``'s case screen, opened over the queue
    and closed again."""
    app.push_screen(CaseScreen(detail.case_id, detail.case_ref))
    await settle(pilot)
    text = plain(app.screen.query_one(part, Static))
    app.pop_screen()
    await settle(pilot)
    return text
