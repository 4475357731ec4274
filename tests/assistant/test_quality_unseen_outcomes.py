"""``docket quality`` under selective labels when the estimates' assumptions fail: the range
that assumes nothing about unseen outcomes, the warning about overrides nobody can judge on
outcomes, and estimates withheld when they would rest on a handful of outcomes.

The truth is known (outcomes drawn by the test), so every figure is checked against it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from rich.console import Console

from assistant.domains import get_pack
from assistant.domains.base import DomainPack
from assistant.evaluation.logged import (
    OPERATORS,
    LoggedCase,
    OffPolicyReport,
    off_policy_report,
    policy_name,
)
from assistant.policies import PolicySpec, recommend
from assistant.views import Accept, HealthView, QueueQuery
from tests.assistant.test_honest_quality import Rows, seed
from tests.conftest import ServiceFactory
from tui.screens.health import render_health

# (model's p, hidden flag, recommendation) -> final action
Operator = Callable[[float, bool, str], str]


@pytest.fixture(scope="module")
def pack() -> DomainPack:
    return get_pack("credit")


def _spec(pack: DomainPack) -> PolicySpec:
    return pack.default_policy.with_changes({"escalate_band": [1.0, 0.0],
                                             "escalate_on_ood": False})


def _log(
    pack: DomainPack,
    *,
    n: int = 1500,
    rate: float = 0.2,
    operator: Operator = lambda p, hidden, rec: rec,
    hidden_share: float = 0.0,
    late_bad: float = 0.0,
    seed: int = 0,
) -> tuple[list[LoggedCase], dict[str, float]]:
    """A log of ``n`` cases and the truth (cost per case) of the decisions as logged and of
    the policy. A ``hidden_share`` of the cases carry something the model cannot see: their
    true risk is 0.9 whatever the model says. ``late_bad``: share of bad outcomes of approved
    cases not arrived yet."""
    rng = np.random.default_rng(seed)
    rows = pack.load_dataset().rows
    base = _spec(pack)
    explore = base.with_changes({"exploration": {"rate": rate, "max_regret": 5.0}})
    cases, logged, pol = [], [], []
    for j in range(n):
        p = float(rng.beta(1.2, 4.0))
        hidden = bool(rng.random() < hidden_share)
        bad = rng.random() < (0.9 if hidden else p)
        y = "bad" if bad else "good"
        rec = recommend(p, None, explore, case_key=f"u-{seed}-{j}")
        final = operator(p, hidden, rec.action)
        outcome = None
        if final == "approve" and not (bad and rng.random() < late_bad):
            outcome = y
        cases.append(LoggedCase(
            case_id=f"c{j}", case_ref=f"c{j}", operator="op", recommended=rec.action,
            decision_kind="accepted" if final == rec.action else "overridden",
            reason_code=None if final == rec.action else "gut", propensities=rec.propensities,
            explored=rec.explored, final_action=final, outcome=outcome,
            outcome_source=None if outcome is None else "bank", p_risk=p, ood=False,
            ood_reasons=(), input=rows[j % len(rows)], expected_costs=rec.expected_costs))
        logged.append(base.costs[final][y])
        pol.append(base.costs[recommend(p, None, base).action][y])
    return cases, {"logged": float(np.mean(logged)), "policy": float(np.mean(pol))}


def _report(pack: DomainPack, cases: list[LoggedCase]) -> OffPolicyReport:
    return off_policy_report(cases, pack, _spec(pack), policy_version=1, n_boot=200)


def _declines_what_it_knows(p: float, hidden: bool, rec: str) -> str:
    """Operators decline every case they know to be risky, whatever the model said."""
    return "decline" if hidden else rec


def test_the_range_covers_the_truth_where_dr_is_fooled_by_confounded_overrides(
    pack: DomainPack,
) -> None:
    # A fifth of the applicants carry a risk the model cannot see (0.9 bad); operators see it
    # and decline them all. Their outcomes never come back, DR fills them in from the model
    # (about 0.2 bad) and puts the policy's cost far below the truth; the range assumes
    # nothing about them and holds the truth.
    cases, truth = _log(pack, operator=_declines_what_it_knows, hidden_share=0.2)
    off = _report(pack, cases)
    dr = off.estimate_of(policy_name(1)).dr
    assert dr is not None and not dr.low <= truth["policy"] <= dr.high
    policy = off.range_of(policy_name(1))
    assert policy.low <= truth["policy"] <= policy.high
    logged = off.range_of(OPERATORS)
    assert logged.low <= truth["logged"] <= logged.high
    assert logged.n == len(cases)
    assert logged.n_unseen == sum(c.outcome is None for c in cases)
    assert logged.low < logged.high


def test_the_range_covers_late_bad_outcomes_that_ips_and_dr_take_for_good(
    pack: DomainPack,
) -> None:
    # Most bad outcomes have not arrived yet; the good ones have. The estimates assume the
    # late outcomes are like the early ones and come out too low (IPS misses the truth).
    cases, truth = _log(pack, late_bad=0.8)
    off = _report(pack, cases)
    found = off.estimate_of(policy_name(1))
    assert found.ips is not None and found.ips.high < truth["policy"]
    assert found.dr is not None and found.dr.estimate < truth["policy"]
    span = off.range_of(policy_name(1))
    assert span.low <= truth["policy"] <= span.high
    assert off.range_of(OPERATORS).low <= truth["logged"] <= off.range_of(OPERATORS).high


def test_with_every_outcome_known_the_range_is_the_realised_cost(pack: DomainPack) -> None:
    cases, truth = _log(pack, n=300, operator=lambda p, h, rec: "approve")
    logged = _report(pack, cases).range_of(OPERATORS)
    assert logged.n_unseen == 0
    assert logged.low == pytest.approx(truth["logged"]) == pytest.approx(logged.high)


def test_the_range_is_in_the_json_and_on_the_health_screen(pack: DomainPack) -> None:
    cases, _ = _log(pack, n=400, operator=_declines_what_it_knows, hidden_share=0.2)
    off = _report(pack, cases)
    bounds = off.to_dict()["bounds"]
    logged = off.range_of(OPERATORS)
    assert (bounds["low"], bounds["high"], bounds["n_unseen"]) == (
        logged.low, logged.high, logged.n_unseen)
    assert "whatever the" in bounds["meaning"]
    assert [b["name"] for b in bounds["by_policy"]][:2] == [OPERATORS, policy_name(1)]

    view = HealthView(
        domain="credit", model_version="m1", decisions=400, override_rate=0.2,
        overrides_by_reason={}, override_rate_by_operator={}, outcomes_known=200,
        realized_cost={"operators": (0.5, 0.4, 0.6)}, alerts=[],
        cost_range={"operators": (logged.low, logged.high)},
        unseen_outcomes=logged.n_unseen)
    console = Console(width=200, record=True)
    console.print(render_health(view))
    shown = console.export_text()
    assert f"between {logged.low:.3f} and {logged.high:.3f}" in shown
    assert f"{logged.n_unseen:,} case(s) whose outcome is unseen" in shown


def test_a_warning_names_the_share_of_cases_overridden_to_an_action_that_shows_nothing(
    pack: DomainPack,
) -> None:
    cases, _ = _log(pack, n=500, operator=_declines_what_it_knows, hidden_share=0.2)
    off = _report(pack, cases)
    n = sum(c.decision_kind == "overridden" and c.final_action == "decline" for c in cases)
    assert n > 50
    share = n / len(cases)
    [warning] = [w for w in off.warnings if "overridden to 'decline'" in w]
    assert f"{share:.0%} of the decided cases ({n} of {len(cases)})" in warning
    assert "blind to them" in warning
    found = off.to_dict()["overridden_to_unseen"]
    assert found == {"n": n, "share": pytest.approx(share), "actions": ["decline"]}

    # Overrides that approve show their outcome: no such warning.
    approving, _ = _log(pack, n=500, operator=lambda p, h, rec: "approve" if p < 0.3 else rec)
    quiet = _report(pack, approving)
    assert quiet.n_overridden_unseen == 0
    assert not any("overridden to" in w for w in quiet.warnings)


def test_ips_snips_and_dr_are_withheld_below_ten_outcomes(pack: DomainPack) -> None:
    # Three approvals among 40 cases: a DR figure from three outcomes read like a
    # measurement. It is withheld, with the count; the range still stands.
    cases, _ = _log(pack, n=40, operator=lambda p, h, rec: "decline")
    for i in range(3):
        cases[i] = replace(cases[i], final_action="approve", decision_kind="overridden",
                           outcome="good", outcome_source="bank")
    off = _report(pack, cases)
    for e in off.estimates:
        assert e.n_observed == 3 and e.withheld == "too_few_outcomes"
        assert e.ips is None and e.snips is None and e.dr is None
        assert e.naive is not None  # labelled biased, still shown
        found = e.to_dict()
        for method in ("ips", "snips", "dr"):
            assert found[method] == {"status": "too_few_outcomes", "n_outcomes": 3,
                                     "needed": 10}
    assert all(d[m] is None for d in off.differences.values() for m in ("ips", "dr"))
    as_json = off.to_dict()["differences"]
    assert all(d["dr"]["status"] == "too_few_outcomes" for d in as_json.values())
    assert any("only 3 outcome(s)" in w and "withheld" in w for w in off.warnings)
    assert off.range_of(OPERATORS).n_unseen == 37

    # Ten outcomes: the figures are back.
    for i in range(3, 10):
        cases[i] = replace(cases[i], final_action="approve", decision_kind="overridden",
                           outcome="good", outcome_source="bank")
    enough = _report(pack, cases).estimate_of(policy_name(1))
    assert enough.withheld is None and enough.dr is not None


def test_the_health_screen_gets_the_range_from_the_log(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service, truth = seed(open_service, credit_rows, 40)
    page = service.queue(QueueQuery(statuses=("open",), limit=100))
    for row in page.rows:
        if row.recommendation == "escalate":
            continue
        service.decide(row.case_id, Accept())
        if service.reveals_outcome("credit", row.recommendation):
            service.record_outcome(row.case_id, truth[row.case_id], datetime.now(UTC))
    off = service.quality("credit").off_policy
    assert off is not None
    health = service.health("credit")
    logged = off.range_of(OPERATORS)
    assert health.cost_range["operators"] == (logged.low, logged.high)
    assert health.unseen_outcomes == logged.n_unseen > 0
    console = Console(width=220, record=True)
    console.print(render_health(health))
    assert "whatever the unseen outcomes were" in console.export_text()


def test_a_small_share_of_overrides_is_not_rounded_to_nothing() -> None:
    """'0% of the decided cases (1 of 264)' read as a contradiction in `docket quality`."""
    from assistant.evaluation.logged import _overridden_warning

    [one] = _overridden_warning(1, 264, ("decline",))
    assert one.startswith("0.4% of the decided cases (1 of 264)")
    [many] = _overridden_warning(39, 400, ("decline",))
    assert many.startswith("10% of the decided cases (39 of 400)")


def test_before_the_first_outcome_the_health_screen_shows_the_widest_range(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    """The health screen showed 'no outcomes yet' and nothing else: no range before the
    first outcome. The range is then true whatever the outcomes turn out to be."""
    service, _ = seed(open_service, credit_rows, 30)
    page = service.queue(QueueQuery(statuses=("open",), limit=100))
    for row in page.rows:
        if row.recommendation != "escalate":
            service.decide(row.case_id, Accept())
    health = service.health("credit")
    off = service.quality("credit").off_policy
    assert off is not None and off.no_outcomes_yet
    logged = off.range_of(OPERATORS)
    assert health.outcomes_known == 0 and health.realized_cost == {}
    assert health.cost_range["operators"] == (logged.low, logged.high)
    assert logged.low < logged.high and health.unseen_outcomes == logged.n == off.n_decided
    assert health.cost_basis.startswith("no outcomes yet over ")
    console = Console(width=220, record=True)
    console.print(render_health(health))
    text = console.export_text()
    assert "no outcomes yet" in text and f"between {logged.low:.3f} and {logged.high:.3f}" in text
    assert "No outcome is known yet" in text
    assert "resemble the seen ones" not in text  # there are none
