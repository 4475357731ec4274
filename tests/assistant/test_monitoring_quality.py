"""Decision-quality report: realized costs with bootstrap CIs, and where overrides helped."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.monitoring.quality import (
    action_cost,
    operator_cost,
    quality_report,
    report_to_dict,
)
from assistant.stats import bootstrap_means

# Approving a bad applicant costs 5, declining a good one costs 1.
COSTS = {"approve": {"good": 0.0, "bad": 5.0}, "decline": {"good": 1.0, "bad": 0.0}}


def decision(
    kind: str,
    recommended: str,
    decided: str | None,
    outcome: str | None,
    *,
    operator: str = "ana",
    reason: str | None = None,
    baseline: str | None = "approve",
) -> dict[str, object]:
    return {
        "operator": operator,
        "decision_kind": kind,
        "reason_code": reason,
        "recommended_action": recommended,
        "decided_action": decided,
        "baseline_action": baseline,
        "outcome": outcome,
    }


def constructed() -> list[dict[str, object]]:
    """ana's 'collateral' overrides approve good applicants the model declined (they help:
    each saves 1); ben's 'relationship' overrides approve bad applicants (each costs 5)."""
    rows = []
    for _ in range(30):
        rows.append(decision("accepted", "decline", "decline", "bad"))
        rows.append(decision("accepted", "approve", "approve", "good"))
    for _ in range(10):
        rows.append(decision("overridden", "decline", "approve", "good", reason="collateral"))
    for _ in range(5):
        rows.append(
            decision(
                "overridden", "decline", "approve", "bad", operator="ben", reason="relationship"
            )
        )
    rows.append(decision("accepted", "approve", "approve", None))  # no outcome yet: skipped
    return rows


def test_realized_costs_follow_the_cost_matrix() -> None:
    report = quality_report(constructed(), COSTS, seed=1)
    assert report.n_cases == 75 and report.n_skipped == 1
    assert report.operators is not None and report.model is not None
    assert report.operators.total == pytest.approx(25.0)  # ben's 5 approvals of bad applicants
    assert report.model.total == pytest.approx(10.0)  # the 10 good applicants it declined
    assert report.baseline is not None
    assert report.baseline.total == pytest.approx(30 * 5 + 5 * 5)  # approve-all baseline


def test_confidence_intervals_contain_the_point_estimates() -> None:
    report = quality_report(constructed(), COSTS, seed=2)
    intervals = [
        report.operators.mean if report.operators else None,
        report.model.mean if report.model else None,
        report.baseline.mean if report.baseline else None,
        report.operators_minus_model,
        report.model_minus_baseline,
        report.operators_minus_baseline,
    ]
    for i in intervals:
        assert i is not None
        assert i.low <= i.estimate <= i.high
    assert report.model_minus_baseline is not None
    assert report.model_minus_baseline.high < 0  # the model clearly beats approve-all


def test_overrides_helped_and_hurt_by_reason_and_operator() -> None:
    report = quality_report(constructed(), COSTS, seed=3)
    by_reason = {e.group: e for e in report.overrides_by_reason}
    assert by_reason["collateral"].helped == 10 and by_reason["collateral"].hurt == 0
    assert by_reason["collateral"].total_delta == pytest.approx(-10.0)
    assert by_reason["relationship"].hurt == 5
    assert by_reason["relationship"].total_delta == pytest.approx(25.0)
    assert by_reason["relationship"].mean_delta.estimate == pytest.approx(5.0)
    by_operator = {e.group: e for e in report.overrides_by_operator}
    assert by_operator["ana"].total_delta < 0 < by_operator["ben"].total_delta
    categories = {"collateral": "evidence", "relationship": "judgement"}
    grouped = quality_report(constructed(), COSTS, reason_categories=categories)
    assert {e.group for e in grouped.overrides_by_reason} == {"evidence", "judgement"}


def test_escalations_cost_the_final_decision_plus_review() -> None:
    decided = decision("escalated", "decline", "approve", "bad")
    assert operator_cost(decided, "bad", COSTS, review_cost=0.2) == pytest.approx(5.2)
    pending = decision("escalated", "decline", None, "bad")
    assert operator_cost(pending, "bad", COSTS, review_cost=0.2) == pytest.approx(0.2)
    # A policy that recommends "escalate" (not in the matrix) defers to the humans:
    deferred = decision("escalated", "escalate", "decline", "good")
    report = quality_report([deferred, deferred], COSTS, review_cost=0.5)
    assert report.model is not None and report.operators is not None
    assert report.model.total == pytest.approx(report.operators.total) == pytest.approx(3.0)


def test_unknown_actions_and_outcomes_are_skipped() -> None:
    rows = [
        decision("accepted", "approve", "shrug", "good"),
        decision("accepted", "approve", "approve", "maybe"),
    ]
    report = quality_report(rows, COSTS)
    assert report.n_cases == 0 and report.n_skipped == 2 and report.operators is None
    assert action_cost("approve", "maybe", COSTS) is None


def test_bootstrap_is_seeded_vectorised_and_paired() -> None:
    rng = np.random.default_rng(0)
    values = rng.exponential(size=(5000, 2))
    a = bootstrap_means(values, rng=np.random.default_rng(9), n_boot=500)
    b = bootstrap_means(values, rng=np.random.default_rng(9), n_boot=500)
    assert a == b
    for interval, column in zip(a, values.T, strict=True):
        assert interval.estimate == pytest.approx(column.mean())
        width = interval.high - interval.low  # ≈ 2 · 1.96 · σ/√n
        assert width == pytest.approx(2 * 1.96 * column.std() / np.sqrt(5000), rel=0.2)
    (single,) = bootstrap_means(np.array([3.0]))
    assert single.low == single.estimate == single.high == 3.0


def test_report_is_json_safe() -> None:
    import json

    json.dumps(report_to_dict(quality_report(constructed(), COSTS)))
    json.dumps(report_to_dict(quality_report([], COSTS)))
