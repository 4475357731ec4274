"""`docket quality` on a pack whose action shows some outcomes only.

A clinic that discharges a patient learns of a malignancy when she comes back, never that the
mass was benign: ``reveals={"discharge": {"Yes"}}``. Whether such a case shows an outcome
depends on the outcome itself, so no propensity can weigh it. Before, quality took the action
for one that shows everything: every benign discharged patient was an outcome "still
awaited", and every malignancy recorded after a discharge an outcome IPS and DR weighed as
if benign ones could have shown up too.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from assistant.domains.base import DomainPack
from assistant.evaluation.logged import (
    OPERATORS,
    LoggedCase,
    off_policy_report,
    policy_name,
    training_outcomes,
)
from assistant.policies import PolicySpec, recommend
from tests.assistant.test_quality_unseen_outcomes import _spec


def _clinic(n: int, seed: int) -> tuple[DomainPack, PolicySpec, list[LoggedCase], float]:
    """A log where biopsy shows the outcome, discharge shows a malignancy only (recorded by
    the clinic itself when the patient comes back), and the policy explores; with the
    operators' true cost per case."""
    from tests.packs.biopsy import make_clinic_pack

    pack = make_clinic_pack()
    spec = _spec(pack).with_changes({"exploration": {"rate": 0.2, "max_regret": 25.0}})
    rows = pack.load_dataset().rows
    rng = np.random.default_rng(seed)
    p = rng.beta(0.5, 3.0, n)
    cases, costs = [], []
    for j in range(n):
        rec = recommend(float(p[j]), None, spec, case_key=f"c-{seed}-{j}")
        truth = "Yes" if rng.random() < p[j] else "No"
        shown = rec.action == "biopsy" or truth == "Yes"
        costs.append(spec.costs[rec.action][truth])
        cases.append(LoggedCase(
            case_id=f"c{j}", case_ref=f"c{j}", operator="op", recommended=rec.action,
            decision_kind="accepted", reason_code=None, propensities=dict(rec.propensities),
            explored=rec.explored, final_action=rec.action,
            outcome=truth if shown else None, outcome_source="clinic" if shown else None,
            p_risk=float(p[j]), ood=False, ood_reasons=(), input=rows[j % len(rows)],
            expected_costs={}))
    return pack, spec, cases, float(np.mean(costs))


def test_an_action_that_shows_a_malignancy_only_is_named_and_its_cases_count_as_unseen() -> None:
    pack, spec, cases, truth = _clinic(600, 3)
    discharged = [c for c in cases if c.final_action == "discharge"]
    came_back = sum(c.outcome is not None for c in discharged)
    assert came_back and came_back < len(discharged)
    off = off_policy_report(cases, pack, spec, policy_version=1, n_boot=200)
    # A benign discharged patient is not an outcome "still awaited": none will ever come.
    assert off.n_awaiting_outcome == 0
    assert not any("still awaited" in w for w in off.warnings)
    [named] = [w for w in off.warnings if "'discharge' reveals only ['Yes']" in w]
    assert "depends on the outcome itself" in named
    assert f"its {len(discharged)} case(s) as unseen" in named
    assert f"leave out the {came_back} outcome(s)" in named
    # The malignancies the clinic saw come back are its own, not an outside source's.
    assert (off.n_partial, off.n_outside) == (came_back, 0)
    assert off.to_dict()["n_partial_reveal"] == came_back and not off.no_outcomes_yet
    # IPS and DR rest on the biopsies alone (the explored ones among them stand for the
    # discharged), and land near the cost the operators' decisions really had.
    biopsied = sum(c.final_action == "biopsy" for c in cases)
    assert off.n_observed == biopsied
    dr = off.estimate_of(OPERATORS).dr
    assert dr is not None and dr.low <= truth <= dr.high
    # The range counts every malignancy recorded after a discharge as it is.
    logged = off.range_of(OPERATORS)
    assert logged.low <= truth <= logged.high
    assert logged.n_unseen == len(discharged) - came_back
    # Retraining does not learn "every discharged patient was malignant".
    kept, _, left_out = training_outcomes(cases, pack, spec)
    assert all(c.final_action == "biopsy" for c in kept) and left_out == came_back
    # An override to discharge that came back malignant is not counted as one that hurt.
    overridden = [dataclasses.replace(c, decision_kind="overridden", reason_code="gut",
                                      recommended="biopsy")
                  if c.final_action == "discharge" else c for c in cases]
    groups = off_policy_report(overridden, pack, spec, policy_version=1,
                               n_boot=50).overrides_by_reason
    [gut] = [g for g in groups if g.group == "gut"]
    assert gut.hurt == 0 and gut.observed == 0 and gut.unobservable == len(discharged)
    assert policy_name(1) in {e.name for e in off.estimates}


def test_a_log_of_partial_reveals_only_does_not_say_no_outcome_will_arrive() -> None:
    """Every patient discharged: malignancies still come back, so "none will arrive" (what a
    log of declined loans rightly says) would be false; the estimates are still impossible."""
    pack, spec, cases, _ = _clinic(200, 5)
    discharged = [dataclasses.replace(
        c, final_action="discharge",
        decision_kind="accepted" if c.recommended == "discharge" else "overridden",
        reason_code=None if c.recommended == "discharge" else "gut",
        outcome=c.outcome if c.outcome == "Yes" else None,
        outcome_source="clinic" if c.outcome == "Yes" else None) for c in cases]
    assert any(c.outcome for c in discharged)
    off = off_policy_report(discharged, pack, spec, policy_version=1, n_boot=50)
    assert not any("none will arrive" in w for w in off.warnings)
    assert any("no decided case's final action reveals every outcome" in w
               for w in off.warnings)
    assert all(e.ips is None and e.dr is None for e in off.estimates)
