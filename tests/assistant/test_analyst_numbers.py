"""Numbers an analyst can trust: stale recommendations after a policy change are marked,
protected characteristics are shown only to those who audit, and a policy preview prices
before and after with the same cost matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assistant.views import Accept, QueueQuery
from tests.conftest import ServiceFactory
from tests.people import change_policy_now

Rows = Callable[..., list[dict[str, Any]]]
PROTECTED = {"personal_status_and_sex", "foreign_worker"}


def test_open_cases_recommended_under_an_older_policy_are_marked_stale(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana = open_service("ana", "operator")
    old, decided = ana.ingest("credit", credit_rows(2)).opened
    ana.decide(decided, Accept())
    rita = open_service("rita", "risk_owner")
    costs = rita.policy("credit").costs
    costs["approve"]["bad"] = 6.0
    change_policy_now(rita, "credit", {"costs": costs}, "losses on bad loans rose")
    [new] = ana.ingest("credit", credit_rows(1, start=2)).opened

    stale, fresh, done = ana.case(old), ana.case(new), ana.case(decided)
    rows = {r.case_id: r for r in ana.queue(QueueQuery(statuses=("open", "decided"))).rows}

    assert (stale.policy_version, stale.current_policy_version, stale.stale) == (1, 2, True)
    assert (fresh.policy_version, fresh.stale) == (2, False)
    assert not done.stale  # decided under v1: that was the policy then
    assert "stale" in rows[old].flags
    assert "stale" not in rows[new].flags | rows[decided].flags


@pytest.mark.parametrize(
    ("role", "sees"), [("operator", False), ("senior", False), ("auditor", True),
                       ("risk_owner", True)],
)
def test_protected_characteristics_are_shown_only_to_auditors_and_the_owner(
    open_service: ServiceFactory, credit_rows: Rows, role: str, sees: bool
) -> None:
    [case_id] = open_service().ingest("credit", credit_rows(1)).opened
    viewer = open_service("vic", role)

    detail = viewer.case(case_id)
    audit = viewer.audit(case_id)

    shown = {f.name for f in detail.fields}
    assert (shown >= PROTECTED) is sees
    assert not (PROTECTED & shown) or sees
    assert set(detail.hidden_fields) == (set() if sees else PROTECTED)
    for name in PROTECTED:
        value = audit.state_as_of["input"][name]
        assert (value == "(hidden: protected)") is not sees
        assert (audit.raw["state"]["input"][name] == "(hidden: protected)") is not sees
        assert audit.case_as_of is not None  # the typed state hides them the same way
        assert (audit.case_as_of.input[name] == "(hidden: protected)") is not sees
    assert "duration_in_month" in shown  # features are always shown


def test_a_pure_change_of_scale_in_costs_changes_nothing_in_the_preview(
    open_service: ServiceFactory,
) -> None:
    rita = open_service("rita", "risk_owner")
    costs = rita.policy("credit").costs
    doubled = {a: {o: 2 * c for o, c in row.items()} for a, row in costs.items()}
    current = rita.backtest("credit")[0]

    preview = rita.preview_policy("credit", {"costs": doubled})

    # Doubling every cost decides exactly as before; priced with the same (new) matrix,
    # before and after agree, and both cost twice what the current policy costs today.
    assert preview.before.cost_per_case == pytest.approx(preview.after.cost_per_case)
    assert preview.after.cost_per_case == pytest.approx(2 * current.cost_per_case)
    assert preview.before.approval_rate == pytest.approx(preview.after.approval_rate)
    assert preview.baseline.cost_per_case == pytest.approx(
        2 * rita.backtest("credit")[1].cost_per_case
    )


def test_a_real_change_is_priced_with_the_new_costs_on_both_sides(
    open_service: ServiceFactory,
) -> None:
    rita = open_service("rita", "risk_owner")
    costs = rita.policy("credit").costs
    costs["approve"]["bad"] = 10.0  # approving a bad applicant now hurts twice as much

    preview = rita.preview_policy("credit", {"costs": costs})

    # Under the new costs the changed policy (which approves less) is no worse than the
    # old one; priced with their own matrices they would not be comparable at all.
    assert preview.after.approval_rate < preview.before.approval_rate
    assert preview.after.cost_per_case <= preview.before.cost_per_case + 1e-9
