"""``docket quality``'s off-policy figures on logs built to mislead them: outcomes still
pending, operators who override by score, tiny exploration, a handful of override outcomes,
retraining weights. The truth is known (outcomes drawn from the model's own, calibrated,
probability), so every figure is checked against it. The long version, on the German credit
data with a fitted model and many repeats, is ``scripts/selective_adversarial.py``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from assistant.domains import get_pack
from assistant.domains.base import DomainPack
from assistant.evaluation.logged import (
    MAX_TRAINING_WEIGHT,
    OPERATORS,
    LoggedCase,
    OffPolicyReport,
    off_policy_report,
    policy_name,
    training_outcomes,
)
from assistant.policies import PolicySpec, recommend
from assistant.usecases.monitoring import _effects
from tui.screens.health import effect

Operator = Callable[[float, str], str]


@pytest.fixture(scope="module")
def pack() -> DomainPack:
    return get_pack("credit")


def _spec(pack: DomainPack) -> PolicySpec:
    return pack.default_policy.with_changes({"escalate_band": [1.0, 0.0],
                                             "escalate_on_ood": False})


def _log(
    pack: DomainPack,
    *,
    n: int = 2000,
    rate: float = 0.2,
    operator: Operator = lambda p, rec: rec,
    pending: float = 0.0,
    seed: int = 0,
) -> tuple[list[LoggedCase], dict[str, float]]:
    """A log of ``n`` cases, and the truth of the operators and the policy (cost per case)."""
    rng = np.random.default_rng(seed)
    rows = pack.load_dataset().rows
    base = _spec(pack)
    explore = base.with_changes({"exploration": {"rate": rate, "max_regret": 5.0}})
    cases, ops, pol = [], [], []
    for j in range(n):
        p = float(rng.beta(1.2, 4.0))
        bad = rng.random() < p
        y = "bad" if bad else "good"
        rec = recommend(p, None, explore, case_key=f"t-{seed}-{j}")
        final = operator(p, rec.action)
        outcome = None
        if final == "approve" and rng.random() >= pending:
            outcome = y
        cases.append(LoggedCase(
            case_id=f"c{j}", case_ref=f"c{j}", operator="op", recommended=rec.action,
            decision_kind="accepted" if final == rec.action else "overridden",
            reason_code=None if final == rec.action else "gut", propensities=rec.propensities,
            explored=rec.explored, final_action=final, outcome=outcome,
            outcome_source=None if outcome is None else "bank", p_risk=p, ood=False,
            ood_reasons=(), input=rows[j % len(rows)], expected_costs=rec.expected_costs))
        ops.append(sum(q * base.costs[operator(p, a)][y] for a, q in rec.propensities.items()))
        pol.append(base.costs[recommend(p, None, base).action][y])
    return cases, {"operators": float(np.mean(ops)), "policy": float(np.mean(pol))}


def _report(pack: DomainPack, cases: list[LoggedCase]) -> OffPolicyReport:
    return off_policy_report(cases, pack, _spec(pack), policy_version=1, n_boot=200)


def test_outcomes_still_pending_do_not_bias_ips(pack: DomainPack) -> None:
    # Half the approved cases still wait for their outcome. Leaving them out kept every
    # decline and half the approvals: IPS came out about a third too low (0.39 against 0.60
    # on the credit data, covering the truth in 3 of 30 repeats).
    cases, truth = _log(pack, pending=0.5)
    off = _report(pack, cases)
    found = off.estimate_of(policy_name(1))
    assert found.ips is not None and found.dr is not None
    assert found.ips.estimate == pytest.approx(truth["policy"], rel=0.12)
    assert found.ips.low <= truth["policy"] <= found.ips.high
    assert found.n == len(cases)  # the waiting cases count, as not seen yet
    assert off.n_awaiting_outcome > 0 and 0.4 < off.outcome_arrival_rate < 0.6
    assert any("still awaited" in w for w in off.warnings)


def test_operators_who_override_by_score_get_their_own_propensities(pack: DomainPack) -> None:
    # Operators approve every recommended decline below p(bad) 0.3: one pooled override
    # share gave those cases too small a chance of an outcome, and the operators' DR missed
    # the truth every time (1.04 against 0.80).
    cases, truth = _log(pack, operator=lambda p, r: "approve" if r == "decline" and p < 0.3
                        else r)
    found = _report(pack, cases).estimate_of(OPERATORS)
    assert found.dr is not None
    assert found.dr.low <= truth["operators"] <= found.dr.high


def test_overrides_that_hide_outcomes_by_score_leave_ips_unsupported(pack: DomainPack) -> None:
    # Operators decline every recommended approval above p(bad) 0.10: those cases never had a
    # chance of an outcome. A pooled override share gave them one, and IPS was shown (a third
    # of the truth, never covering it).
    cases, _ = _log(pack, operator=lambda p, r: "decline" if r == "approve" and p > 0.10
                    else r)
    off = _report(pack, cases)
    found = off.estimate_of(policy_name(1))
    assert found.n_unsupported > 0
    assert found.ips is None and found.snips is None
    assert any("no chance of showing an outcome" in w for w in off.warnings)


def test_a_tiny_effective_sample_is_flagged(pack: DomainPack) -> None:
    # Exploration at 0.005: a few explored approvals weigh 200 each.
    cases, _ = _log(pack, rate=0.005, n=1000)
    off = _report(pack, cases)
    assert off.estimates[0].ess < 30
    assert any("effective sample size" in w for w in off.warnings)
    plenty = _report(pack, _log(pack, rate=0.3, n=1000)[0])
    assert not any("effective sample size" in w for w in plenty.warnings)


def test_override_helped_hurt_on_two_outcomes_is_too_few(pack: DomainPack) -> None:
    cases, _ = _log(pack, n=300, operator=lambda p, r: "approve" if r == "decline"
                    and 0.20 < p < 0.205 else r)
    groups = _report(pack, cases).overrides_by_reason
    assert groups and all(g.observed < 10 for g in groups)
    assert not any(g.enough_outcomes for g in groups)
    assert all(g.to_dict()["enough_outcomes"] is False for g in groups)


def test_retraining_weights_are_capped(pack: DomainPack) -> None:
    # Exploration at 0.01: an explored approval would count 100 times.
    cases, _ = _log(pack, rate=0.01, n=1500)
    _, weights, _ = training_outcomes(cases, pack, _spec(pack))
    assert max(weights) == MAX_TRAINING_WEIGHT
    assert min(weights) >= 1.0


def test_the_console_says_when_override_counts_rest_on_too_few_outcomes(
    pack: DomainPack,
) -> None:
    cases, _ = _log(pack, n=300, operator=lambda p, r: "approve" if r == "decline"
                    and 0.20 < p < 0.205 else r)
    found = _effects(_report(pack, cases).overrides_by_reason)
    assert found and all("too few to tell" in effect(e)[0] for e in found.values())
