"""Policy: spec round-trips, cost-minimising recommendation, escalation rules, backtest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.domains.credit import DEFAULT_POLICY
from assistant.policies import (
    BacktestReport,
    BaselineDecision,
    PolicySpec,
    backtest,
    baseline_recommendation,
    decision_threshold,
    expected_costs,
    recommend,
)
from events.errors import InputRejected
from tests.assistant.decision_support import dataset, pack

NO_BAND = DEFAULT_POLICY.with_changes({"escalate_band": [1.0, 0.0]})


@dataclass(frozen=True)
class Ood:
    flag: bool
    reasons: tuple[str, ...] = ()


probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
costs = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)


# --- spec -----------------------------------------------------------------------------------


def test_spec_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(DEFAULT_POLICY.to_json(), encoding="utf-8")
    assert PolicySpec.from_file(path) == DEFAULT_POLICY


def test_cost_derived_threshold_is_one_sixth() -> None:
    assert decision_threshold(DEFAULT_POLICY) == pytest.approx(1 / 6)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"costs": {"approve": {"bad": -1}}}, "costs"),
        ({"costs": {"approve": {"bad": float("nan")}}}, "costs"),
        ({"escalate_band": [0.1, 1.5]}, "escalate_band"),
        ({"escalate_action": "refer"}, "escalate_action"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_invalid_policies_are_rejected_naming_the_problem(changes: dict[str, object],
                                                          field: str) -> None:
    with pytest.raises(InputRejected) as caught:
        DEFAULT_POLICY.with_changes(changes)
    assert field in str(caught.value)


def test_malformed_policy_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputRejected):
        PolicySpec.from_file(path)
    with pytest.raises(InputRejected, match="cannot read"):
        PolicySpec.from_file(tmp_path / "missing.json")


def test_partial_cost_changes_merge_into_the_matrix() -> None:
    changed = DEFAULT_POLICY.with_changes({"costs": {"approve": {"bad": 10}}})
    assert changed.costs["approve"] == {"good": 0.0, "bad": 10.0}
    assert changed.costs["decline"] == DEFAULT_POLICY.costs["decline"]
    assert decision_threshold(changed) == pytest.approx(1 / 11)


# --- recommendation -------------------------------------------------------------------------


@settings(max_examples=300)
@given(p=probabilities, approve_bad=costs, decline_good=costs, review=costs)
def test_recommendation_minimises_expected_cost(p: float, approve_bad: float,
                                                decline_good: float, review: float) -> None:
    spec = NO_BAND.with_changes({"costs": {
        "approve": {"bad": approve_bad}, "decline": {"good": decline_good},
        "escalate": {"good": review, "bad": review}}})
    rec = recommend(p, None, spec)
    assert set(rec.expected_costs) == set(spec.actions)
    decisive = {a: rec.expected_costs[a] for a in spec.decisive_actions}
    assert rec.action == rec.provisional_action
    assert rec.expected_costs[rec.action] == min(decisive.values())
    assert rec.expected_costs["approve"] == pytest.approx(p * approve_bad)
    assert rec.expected_costs["decline"] == pytest.approx((1 - p) * decline_good)
    assert rec.expected_costs["escalate"] == pytest.approx(review + min(decisive.values()))


@given(p=probabilities)
def test_decisions_flip_at_the_threshold(p: float) -> None:
    action = recommend(p, None, NO_BAND).action
    assert action == ("decline" if p > 1 / 6 else "approve")


@given(p=probabilities)
def test_band_escalates_exactly_inside_it(p: float) -> None:
    low, high = DEFAULT_POLICY.escalate_band
    rec = recommend(p, None, DEFAULT_POLICY)
    assert rec.escalated == (low <= p <= high)
    if rec.escalated:
        assert rec.action == "escalate" and "uncertainty band" in rec.reasons[-1]


def test_out_of_distribution_escalates_when_the_policy_says_so() -> None:
    ood = Ood(True, ("credit_amount 99999 is outside the training range",))
    rec = recommend(0.02, ood, DEFAULT_POLICY)
    assert rec.action == "escalate" and rec.provisional_action == "approve"
    assert "credit_amount 99999" in rec.reasons[-1]
    relaxed = DEFAULT_POLICY.with_changes({"escalate_on_ood": False})
    assert recommend(0.02, ood, relaxed).action == "approve"
    assert recommend(0.02, Ood(False), DEFAULT_POLICY).action == "approve"


@pytest.mark.parametrize("p", [float("nan"), float("inf"), -0.1, 1.5])
def test_a_non_probability_is_refused(p: float) -> None:
    with pytest.raises(ValueError, match="not a probability"):
        recommend(p, None, DEFAULT_POLICY)


def test_baseline_recommendation_uses_the_rule_rate_and_escalates_ood() -> None:
    decision = BaselineDecision("approve", "default-approve", ("no rule applies",), 0.16)
    rec = baseline_recommendation(decision, DEFAULT_POLICY)
    assert rec.action == "approve" and rec.expected_costs == expected_costs(0.16, DEFAULT_POLICY)
    assert "baseline rule default-approve" in rec.reasons[0]
    escalated = baseline_recommendation(decision, DEFAULT_POLICY, Ood(True, ("odd",)))
    assert escalated.action == "escalate" and escalated.provisional_action == "approve"


# --- backtest -------------------------------------------------------------------------------


def test_backtest_on_the_data_with_an_oracle_and_a_coin() -> None:
    data = dataset()
    oracle = [0.99 if o == "bad" else 0.01 for o in data.outcomes]
    report = backtest(data.rows, data.outcomes, oracle, DEFAULT_POLICY, pack().baseline,
                      n_boot=500)
    assert report.refuse_all.realised_cost.estimate == pytest.approx(0.7)
    assert report.refuse_all.label == "decline everyone"
    assert report.policy.realised_cost.estimate == 0.0
    assert report.policy.approval_rate.estimate == pytest.approx(0.7)
    assert report.baseline.realised_cost.estimate == pytest.approx(0.68)
    for arm in report.arms:
        ci = arm.realised_cost
        assert ci.low <= ci.estimate <= ci.high
        assert len(arm.per_case_cost) == 1000
    diff = report.policy_minus_baseline
    assert diff.high < 0 and diff.estimate == pytest.approx(-0.68)
    assert "baseline rules" in report.table()


def test_escalated_cases_pay_review_on_top_of_the_provisional_action() -> None:
    rows = [dict(dataset().rows[0])] * 2
    report = backtest(rows, ["bad", "good"], [0.15, 0.15], DEFAULT_POLICY, pack().baseline,
                      n_boot=50)
    # p=0.15 is inside the band: escalated; provisional approve → bad costs 5 + 0.1
    assert report.policy.escalation_rate.estimate == 1.0
    assert report.policy.per_case_cost == (5.1, 0.1)


def test_backtest_interval_narrows_with_more_cases() -> None:
    data = dataset()
    p = [0.3] * 1000
    small = backtest(data.rows[:100], data.outcomes[:100], p[:100], NO_BAND, pack().baseline,
                     n_boot=400)
    large = backtest(data.rows, data.outcomes, p, NO_BAND, pack().baseline, n_boot=400)
    def width(report: BacktestReport) -> float:
        return report.policy.realised_cost.high - report.policy.realised_cost.low

    assert width(large) < width(small)


def test_backtest_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same length"):
        backtest(dataset().rows[:2], ["good"], [0.1, 0.2], DEFAULT_POLICY, pack().baseline)
    with pytest.raises(ValueError, match="unknown outcomes"):
        backtest(dataset().rows[:1], ["meh"], [0.1], DEFAULT_POLICY, pack().baseline)
