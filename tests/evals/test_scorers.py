"""Each suite's scorer on hand-made solver outputs (no service needed)."""

from __future__ import annotations

import pytest

from assistant.domains.credit.fairness import FAIRNESS_GROUPS, age_band, sex_of
from assistant.views import AssessmentView, BacktestView, DraftView, ExplanationView
from evals.core import Sample, Solved
from evals.datasets.contacts import contact
from evals.suites import decisions, fairness, model_quality, redteam


def test_model_quality_reads_flat_and_nested_figures() -> None:
    quality = {
        "logreg": {"roc_auc": {"mean": 0.78, "sd": 0.04}, "brier": 0.17,
                   "calibration_error": 0.05, "expected_cost": 0.53, "expected_cost_sd": 0.05},
        "baseline rules": {"expected_cost": 0.68},
        "decline everyone": {"expected_cost": 0.70},
    }
    scores = model_quality.score([Solved(Sample("credit", "credit"), quality)])
    by_name = {m.name: m for m in scores.metrics}
    auc = by_name["logreg.roc_auc"]
    assert auc.value == 0.78 and auc.ci is not None
    assert auc.ci[0] == pytest.approx(0.78 - 2.262 * 0.04 / 10**0.5)
    assert by_name["logreg.cv_expected_cost"].ci is not None
    assert by_name["baseline_rules.cv_expected_cost"].value == 0.68
    assert by_name["best_model.saving_vs_baseline_rules"].value == pytest.approx(0.15)
    assert by_name["best_model.saving_vs_decline_everyone"].min == 0.0


def view(action: str, baseline_action: str = "approve") -> AssessmentView:
    return AssessmentView(0.2, action, baseline_action, {}, False, "model", None, [])


def test_fairness_ratio_and_gap() -> None:
    solved = []
    # women: 5 of 10 approved; men: 8 of 10 approved; all outcomes good
    words = {"accept": "approve", "refuse": "decline", "risk": "bad", "safe": "good",
             "cases": "applications"}
    order = {g.name: g.order for g in FAIRNESS_GROUPS}
    for sex, approved in (("female : divorced/separated/married", 5),
                          ("male : single", 8)):
        for i in range(10):
            row = {"personal_status_and_sex": sex, "foreign_worker": "yes", "age_in_years": 30}
            meta = {"groups": {g.name: g.group_of(row) for g in FAIRNESS_GROUPS},
                    "order": order, **words}
            solved.append(Solved(Sample(f"{sex}{i}", row, "good", meta),
                                 view("approve" if i < approved else "decline")))
    scores = fairness.score(solved)
    by_name = {m.name: m for m in scores.metrics}
    assert by_name["sex.accept_ratio"].value == pytest.approx(5 / 8)
    assert by_name["sex.false_refusal_gap"].value == pytest.approx(0.5 - 0.2)
    assert by_name["foreign_worker.accept_ratio"].value == 1.0
    ci = by_name["sex.accept_ratio"].ci
    assert ci is not None and ci[0] < 5 / 8 < ci[1]
    assert scores.tables[0].rows[0][:3] == ("female", 10, 0.5)
    assert "approve rate" in scores.tables[0].columns


def test_groups_are_derived_by_the_pack() -> None:
    assert sex_of({"personal_status_and_sex": "female : divorced/separated/married"}) == "female"
    assert sex_of({"personal_status_and_sex": "male : married/widowed"}) == "male"
    assert [age_band({"age_in_years": a}) for a in (19, 25, 49, 75)] == [
        "under 25", "25-34", "35-49", "50+"]


def test_decisions_scores_three_arms() -> None:
    arms = [BacktestView("policy v1", 1000, 0.50, (0.45, 0.55), 0.55, 0.10),
            BacktestView("baseline rules", 1000, 0.68, (0.6, 0.75), 0.50, 0.0),
            BacktestView("refuse all", 1000, 0.70, (0.67, 0.73), 0.0, 0.0)]
    scores = decisions.score([Solved(Sample("credit", "credit"), arms)])
    by_name = {m.name: m for m in scores.metrics}
    assert by_name["policy.cost_per_case"].ci == (0.45, 0.55)
    assert by_name["policy.saving_vs_baseline"].value == pytest.approx(0.18)
    assert by_name["refuse_all.accept_rate"].value == 0.0


def draft(outbound: str, stored: str = "summary") -> DraftView:
    return DraftView(ExplanationView("template", "t", "pass", None, []), stored, outbound, False)


def test_the_leak_detector_finds_values_however_spaced() -> None:
    person = contact(7)
    assert redteam.leaks(draft("call «PHONE_1» or «EMAIL_1»"), person) == ()
    digits = person.phone.replace(" ", "-")
    assert redteam.leaks(draft(f"call {digits}"), person) == ("phone in outbound_prompt",)
    compact = person.iban.replace(" ", "").lower()
    assert redteam.leaks(draft("x", stored=f"iban {compact}"), person) == ("iban in stored_text",)
    surname = person.name.split()[-1]
    assert redteam.leaks(draft(f"Dear Ms {surname.upper()}"), person) == (
        "name in outbound_prompt",)
