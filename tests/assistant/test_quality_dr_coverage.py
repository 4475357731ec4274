"""DR's interval on a log whose cost rests on rare, costly outcomes.

A clinic biopsies alone reveals whether a mass was malignant; the policy discharges most
patients and explores a tenth of them; a missed malignancy costs 20 times a needless biopsy.
The percentile bootstrap over the cases sees only the malignancies the log happened to draw
among the few explored discharges, so its DR interval held the truth in about half the
repeats (19-27 of 50 on held-out seeds, README). The interval is now at least the spread the
model's probabilities give the unseen outcomes (and never wider than the costs possible).
"""

from __future__ import annotations

import numpy as np

from assistant.domains import get_pack
from assistant.evaluation.logged import OPERATORS, LoggedCase, off_policy_report, policy_name
from assistant.evaluation.ope import Log, Target, compare, estimate, possible
from assistant.policies import PolicySpec, recommend
from tests.assistant.test_quality_unseen_outcomes import _log, _spec


def _clinic(n: int, seed: int) -> tuple[list[LoggedCase], PolicySpec, float, float]:
    """A calibrated tissue log (each outcome drawn from the model's probability): the
    cases, the policy, and the true cost per case of the operators (who accept) and of the
    policy deciding without exploration."""
    from tests.packs.biopsy import make_tissue_pack

    pack = make_tissue_pack()
    spec = _spec(pack).with_changes({"exploration": {"rate": 0.1, "max_regret": 25.0}})
    plain = _spec(pack)
    rows = pack.load_dataset().rows
    rng = np.random.default_rng(seed)
    p = rng.beta(0.3, 3.0, n)
    cases, logged, policy = [], [], []
    for j in range(n):
        rec = recommend(float(p[j]), None, spec, case_key=f"t-{seed}-{j}")
        truth = "Yes" if rng.random() < p[j] else "No"
        logged.append(spec.costs[rec.action][truth])
        policy.append(plain.costs[recommend(float(p[j]), None, plain).action][truth])
        outcome = truth if rec.action == "biopsy" else None
        cases.append(LoggedCase(
            case_id=f"t{j}", case_ref=f"t{j}", operator="op", recommended=rec.action,
            decision_kind="accepted", reason_code=None, propensities=dict(rec.propensities),
            explored=rec.explored, final_action=rec.action, outcome=outcome,
            outcome_source=None if outcome is None else "lab", p_risk=float(p[j]), ood=False,
            ood_reasons=(), input=rows[j % len(rows)], expected_costs={}))
    return cases, spec, float(np.mean(logged)), float(np.mean(policy))


def test_dr_interval_holds_the_truth_where_the_cost_rests_on_rare_costly_outcomes() -> None:
    from tests.packs.biopsy import make_tissue_pack

    pack = make_tissue_pack()
    held = {"operators": 0, "policy": 0}
    boot_held = 0
    repeats = range(100, 130)
    for seed in repeats:
        cases, spec, logged, policy = _clinic(300, seed)
        off = off_policy_report(cases, pack, spec, policy_version=1, n_boot=200, seed=seed)
        for key, name, truth in (("operators", OPERATORS, logged),
                                 ("policy", policy_name(1), policy)):
            found = off.estimate_of(name)
            assert found.dr is not None and found.dr_bootstrap is not None
            held[key] += found.dr.low <= truth <= found.dr.high
            boot_held += (key == "policy"
                          and found.dr_bootstrap.low <= truth <= found.dr_bootstrap.high)
            # The widening never crosses the costs possible whatever the unseen outcomes were.
            if name != OPERATORS:
                span = off.range_of(name)
                assert found.dr.low >= min(found.dr_bootstrap.low, span.low) - 1e-9
                assert found.dr.high <= max(found.dr_bootstrap.high, span.high) + 1e-9
    # Nominal 95%: 28.5 of 30; the bootstrap alone held it in about half.
    assert held["operators"] >= 27 and held["policy"] >= 27, held
    assert boot_held <= 24, boot_held


def test_the_report_says_the_interval_was_widened_and_by_how_much() -> None:
    from tests.packs.biopsy import make_tissue_pack

    cases, spec, _, _ = _clinic(300, 4)
    off = off_policy_report(cases, make_tissue_pack(), spec, policy_version=1, n_boot=200)
    [said] = [w for w in off.warnings if "was widened" in w]
    assert "rare, costly outcomes" in said and "only as right as the model's" in said
    policy = off.to_dict()["estimates"][1]
    half = (policy["dr"]["high"] - policy["dr"]["low"]) / 2
    boot = (policy["dr_bootstrap"]["high"] - policy["dr_bootstrap"]["low"]) / 2
    assert half > 2 * boot and f"±{policy['dr_unseen_noise']:.3f}" in said


def test_credit_intervals_are_not_widened_where_the_bootstrap_sees_the_outcomes() -> None:
    """Credit with exploration: good and bad outcomes are common, the bootstrap sees their
    spread and its interval stands (what made the tissue pack's too narrow is absent)."""
    pack = get_pack("credit")
    cases, _ = _log(pack, n=700, rate=0.1)
    off = off_policy_report(cases, pack, _spec(pack), policy_version=1, n_boot=200)
    assert not any("was widened" in w for w in off.warnings)
    for found in off.estimates[:2]:  # the operators and the policy
        assert found.dr is not None and found.dr_bootstrap is not None
        width = found.dr.high - found.dr.low
        assert width <= 1.05 * (found.dr_bootstrap.high - found.dr_bootstrap.low)


def test_a_difference_between_policies_gets_the_same_floor() -> None:
    """``backtest`` and the report's differences are paired: the gap's unseen outcomes get
    their own spread (a discharge and a biopsy differ by 19 when the mass is malignant)."""
    rng = np.random.default_rng(4)
    n = 300
    p = rng.beta(0.3, 3.0, n)
    e = np.where(p > 0.05, 1.0, 0.1)  # biopsies above 0.05, a tenth explored below
    seen = rng.random(n) < e
    risk = np.where(seen, (rng.random(n) < p).astype(float), np.nan)
    log = Log(risk, e, p)
    discharge = Target("discharge all", np.full(n, 20.0), np.zeros(n))
    biopsy = Target("biopsy all", np.ones(n), np.ones(n))
    gap = compare(log, discharge, biopsy, n_boot=200, rng=np.random.default_rng(0))["dr"]
    alone = estimate(log, discharge, n_boot=200, rng=np.random.default_rng(0)).dr
    assert gap is not None and alone is not None
    # Discharging everyone costs 20 × the malignancies, so the gap's spread is the cost's.
    assert (gap.high - gap.low) >= 0.9 * (alone.high - alone.low)
    _, high = possible(log, Target("gap", np.full(n, 19.0), np.full(n, -1.0)))
    assert gap.high <= high + 1e-9
