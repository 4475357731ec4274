"""Off-policy estimators on synthetic logs whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.ope import Log, Target, compare, estimate

APPROVE = (5.0, 0.0)  # cost if bad, if good
DECLINE = (0.0, 1.0)


def synthetic(seed: int, n: int = 4000, explore: float = 0.1) -> tuple[Log, np.ndarray, np.ndarray]:
    """A calibrated risk score, outcomes, and a logging policy approving below 1/6 (with an
    exploration share of the other action everywhere); only approvals show outcomes."""
    rng = np.random.default_rng(seed)
    p = rng.beta(1.2, 3.0, n)
    bad = (rng.random(n) < p).astype(float)
    approve_best = p < 1 / 6
    e = np.where(approve_best, 1 - explore, explore)
    approved = rng.random(n) < e
    risk = np.where(approved, bad, np.nan)
    return Log(risk, e, p), bad, p


def threshold_policy(p: np.ndarray, cut: float, name: str) -> Target:
    approve = p < cut
    return Target(name, np.where(approve, APPROVE[0], DECLINE[0]),
                  np.where(approve, APPROVE[1], DECLINE[1]))


def true_cost(target: Target, bad: np.ndarray) -> float:
    return float(np.where(bad == 1, target.if_risk, target.if_safe).mean())


def test_ips_and_dr_cover_the_truth_where_the_naive_figure_misses_it() -> None:
    covered = {"ips": 0, "dr": 0, "naive": 0}
    naive_bias = []
    repeats = 30
    for seed in range(repeats):
        log, bad, p = synthetic(seed)
        target = threshold_policy(p, 0.05, "strict cut-off")
        truth = true_cost(target, bad)
        found = estimate(log, target, n_boot=300, rng=np.random.default_rng(seed))
        assert found.ips is not None and found.dr is not None and found.naive is not None
        covered["ips"] += found.ips.low <= truth <= found.ips.high
        covered["dr"] += found.dr.low <= truth <= found.dr.high
        covered["naive"] += found.naive.low <= truth <= found.naive.high
        naive_bias.append(found.naive.estimate - truth)
    assert covered["ips"] >= 0.8 * repeats and covered["dr"] >= 0.8 * repeats, covered
    # Only approved (mostly low-risk) cases show outcomes: the naive figure is off.
    assert covered["naive"] <= 0.2 * repeats, covered
    assert abs(np.mean(naive_bias)) > 0.02


def test_a_log_without_exploration_cannot_support_ips_and_says_so() -> None:
    log, bad, p = synthetic(1, explore=0.0)
    deterministic = Log(log.risk, np.where(p < 1 / 6, 1.0, 0.0), p)
    found = estimate(deterministic, threshold_policy(p, 0.3, "lenient"), n_boot=100)
    assert not found.supported
    assert found.ips is None and found.snips is None
    assert found.n_unsupported == int(np.sum(p >= 1 / 6))
    assert found.dr is not None  # the model fills the gap, and the report counts it


def test_effective_sample_size_shrinks_with_uneven_weights() -> None:
    log, _, p = synthetic(2)
    found = estimate(log, threshold_policy(p, 1 / 6, "current"), n_boot=50)
    assert 0 < found.ess < found.n_observed
    assert found.max_weight == pytest.approx(1 / 0.1)


def test_paired_difference_has_the_sign_of_the_truth() -> None:
    log, bad, p = synthetic(3, n=8000)
    good, poor = threshold_policy(p, 1 / 6, "break-even"), threshold_policy(p, 0.5, "lenient")
    found = compare(log, good, poor, n_boot=300)
    truth = true_cost(good, bad) - true_cost(poor, bad)
    assert truth < 0
    dr = found["dr"]
    assert dr is not None and dr.high < 0 and dr.low <= truth <= dr.high


def test_an_outcome_seen_with_zero_chance_is_refused() -> None:
    with pytest.raises(ValueError, match="reveal_prob 0"):
        Log(np.array([1.0]), np.array([0.0]), np.array([0.5]))
