"""Outcome-quality checks (pure): observed against expected risk outcomes on observed outcomes."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from assistant.monitoring.outcome_alerts import (
    OutcomeAlertSettings,
    check_outcomes,
    poisson_binomial_sf,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
REVEALS = {"approve": frozenset({"good", "bad"}), "decline": frozenset()}
COSTS = {"approve": {"good": 0.0, "bad": 5.0}, "decline": {"good": 1.0, "bad": 0.0}}


def rows(
    probs: list[float], bad: list[bool], action: str = "approve", start: int = 0
) -> list[dict[str, object]]:
    return [
        {
            "p_bad": p,
            "action": action,
            "outcome": "bad" if b else "good",
            "observed_at": NOW - timedelta(hours=len(probs) - i + start),
        }
        for i, (p, b) in enumerate(zip(probs, bad, strict=True))
    ]


def test_the_exact_tail_matches_the_binomial_when_every_probability_is_equal() -> None:
    p, n = 0.2, 40
    for x in (0, 5, 8, 15, 40):
        expected = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x, n + 1))
        assert math.isclose(poisson_binomial_sf(x, np.full(n, p)), expected, rel_tol=1e-9)


def test_two_hundred_outcomes_at_ninety_percent_bad_are_critical() -> None:
    rng = np.random.default_rng(3)
    probs = list(rng.uniform(0.02, 0.25, 200))
    bad = list(rng.random(200) < 0.9)

    check = check_outcomes(
        rows(probs, bad), now=NOW, risk_outcome="bad", reveals=REVEALS, costs=COSTS
    )

    assert check.n == 200
    assert check.severity == "critical"
    assert check.observed_rate > 0.8 and check.expected_rate < 0.2
    assert check.realised_cost is not None and check.expected_cost is not None
    assert check.realised_cost > 3 * check.expected_cost
    assert "last 500 outcomes" in check.message()


def test_a_calibrated_stream_stays_quiet() -> None:
    fired = 0
    for seed in range(40):
        rng = np.random.default_rng(1000 + seed)
        probs = rng.uniform(0.02, 0.4, 500)
        bad = rng.random(500) < probs
        check = check_outcomes(
            rows(list(probs), list(bad)), now=NOW, risk_outcome="bad", reveals=REVEALS
        )
        fired += check.level > 0
    assert fired <= 2  # a few percent at most; README states the measured rate


def test_evidence_grows_with_the_outcomes_warning_then_critical() -> None:
    rng = np.random.default_rng(5)
    probs = list(rng.uniform(0.05, 0.2, 300))
    bad = list(rng.random(300) < 0.45)  # about three times worse than predicted
    levels = [
        check_outcomes(
            rows(probs[:n], bad[:n]), now=NOW, risk_outcome="bad", reveals=REVEALS
        ).level
        for n in (5, 40, 300)
    ]
    assert levels[0] == 0  # five outcomes are not evidence
    assert levels == sorted(levels) and levels[-1] == 2


def test_outcomes_the_action_does_not_reveal_are_left_out_and_counted() -> None:
    probs = [0.1] * 50
    declined = rows(probs, [True] * 50, action="decline")
    approved = rows(probs, [False] * 50, action="approve", start=100)

    check = check_outcomes(declined + approved, now=NOW, risk_outcome="bad", reveals=REVEALS)

    assert check.n == 50 and check.unobservable == 50
    assert check.observed_bad == 0 and check.level == 0


def test_the_window_is_the_latest_outcomes_and_recovery_brings_the_cusum_down() -> None:
    bad_then_good = rows([0.1] * 100, [True] * 50 + [False] * 50)
    settings = OutcomeAlertSettings(last_outcomes=50)

    check = check_outcomes(bad_then_good, now=NOW, risk_outcome="bad", settings=settings)

    assert check.n == 50 and check.observed_bad == 0
    assert check.cusum == 0.0 and check.level == 0


def test_a_days_window_ignores_older_outcomes() -> None:
    old = rows([0.1] * 60, [True] * 60, start=24 * 30)  # a month ago, all bad
    recent = rows([0.1] * 60, [False] * 60)
    settings = OutcomeAlertSettings(last_outcomes=None, last_days=7)

    check = check_outcomes(old + recent, now=NOW, risk_outcome="bad", settings=settings)

    assert check.n == 60 and check.level == 0 and check.window == "last 7 days"


def test_the_since_change_window_judges_only_cases_decided_after_the_change() -> None:
    # Outcomes of older decisions keep arriving, interleaved with those of the cases decided
    # under the new policy (half of which go bad against 10 % predicted).
    change = NOW - timedelta(days=10)
    mixed: list[dict[str, object]] = []
    for i in range(40):
        mixed.append({"p_bad": 0.1, "action": "approve", "outcome": "bad" if i % 2 else "good",
                      "decided_at": change + timedelta(hours=i + 1),
                      "observed_at": NOW - timedelta(hours=300 - 6 * i)})
        mixed.extend({"p_bad": 0.1, "action": "approve", "outcome": "good",
                      "decided_at": change - timedelta(days=5),  # the same month
                      "observed_at": NOW - timedelta(hours=300 - 6 * i - j - 1)}
                     for j in range(5))
    settings = OutcomeAlertSettings()
    since = settings.model_copy(update={"decided_since": change, "since_label": "policy v2"})

    diluted = check_outcomes(mixed, now=NOW, risk_outcome="bad", settings=settings)
    after = check_outcomes(mixed, now=NOW, risk_outcome="bad", settings=since)

    assert diluted.n == 240 and diluted.level == 0
    assert after.n == 40 and after.observed_bad == 20 and after.severity == "critical"
    assert after.window == "last 500 outcomes and cases decided since policy v2"
    assert "(last 500 outcomes and cases decided since policy v2)" in after.message("bad")
    from dataclasses import replace

    assert replace(diluted, since_change=after).worst is after


def test_calibration_by_score_band_shows_where_outcomes_depart_from_the_scores() -> None:
    probs = [0.02] * 100 + [0.3] * 100
    bad = [i % 50 == 0 for i in range(100)] + [i % 2 == 0 for i in range(100)]

    check = check_outcomes(rows(probs, bad), now=NOW, risk_outcome="bad")

    by_band = {
        (round(lo, 3), n): (round(pred, 6), round(obs, 6)) for lo, _, n, pred, obs in check.bands
    }
    assert by_band[(0.0, 100)] == (0.02, 0.02)  # calibrated where scores are low
    assert by_band[(0.25, 100)] == (0.3, 0.5)  # worse than predicted higher up


def test_a_label_shift_is_critical_within_the_outcomes_readme_states() -> None:
    """README: after 100 ordinary outcomes, 90 % bad is critical after about 19 outcomes."""
    for seed in range(10):
        rng = np.random.default_rng(seed)
        probs = list(rng.uniform(0.02, 0.2, 130))
        bad = list(rng.random(100) < np.array(probs[:100])) + list(rng.random(30) < 0.9)
        levels = [
            check_outcomes(rows(probs[:n], bad[:n]), now=NOW, risk_outcome="bad").level
            for n in (100, 130)
        ]
        assert levels == [0, 2], seed


def cohort(month_start: datetime, probs: list[float], bad: list[bool],
           arrives_after: timedelta) -> list[dict[str, object]]:
    """Cases decided across one month, each outcome observed ``arrives_after`` its decision."""
    out = []
    for i, (p, b) in enumerate(zip(probs, bad, strict=True)):
        decided = month_start + timedelta(hours=6 * i)
        out.append({"p_bad": p, "action": "approve", "outcome": "bad" if b else "good",
                    "decided_at": decided, "observed_at": decided + arrives_after})
    return out


def test_early_outcomes_of_a_young_vintage_do_not_alarm_before_they_are_due() -> None:
    # Bad loans show themselves first: two months in, only the defaults have arrived.
    rng = np.random.default_rng(11)
    probs = list(rng.uniform(0.05, 0.25, 100))
    bad = list(rng.random(100) < np.array(probs))
    early_bad = [r for r in cohort(datetime(2026, 10, 1, tzinfo=UTC), probs, bad,
                                   timedelta(days=20)) if r["outcome"] == "bad"]
    now = datetime(2026, 11, 25, tzinfo=UTC)
    naive = check_outcomes(early_bad, now=now, risk_outcome="bad", reveals=REVEALS)
    delayed = check_outcomes(
        early_bad, now=now, risk_outcome="bad", reveals=REVEALS,
        settings=OutcomeAlertSettings(outcome_delay_days=180, min_outcomes=5),
    )
    assert naive.severity != "none"  # judging the early outcomes alone: a false alarm
    assert delayed.severity == "none" and delayed.n == 0
    assert delayed.not_due == len(early_bad)
    [vintage] = delayed.vintages
    assert vintage.label == "2026-10" and not vintage.mature
    assert vintage.due == datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=180)
    assert "maturing (judged from 2027-04-30)" in vintage.sentence()


def test_a_mature_vintage_that_went_bad_alarms_and_a_calibrated_one_does_not() -> None:
    rng = np.random.default_rng(12)
    probs = list(rng.uniform(0.05, 0.25, 120))
    calibrated = list(rng.random(120) < np.array(probs))
    worse = list(rng.random(120) < 0.45)  # the same scores, far more defaults
    settings = OutcomeAlertSettings(outcome_delay_days=30, last_outcomes=None)
    now = datetime(2026, 12, 20, tzinfo=UTC)
    rows_ok = cohort(datetime(2026, 9, 1, tzinfo=UTC), probs, calibrated, timedelta(days=25))
    rows_bad = cohort(datetime(2026, 10, 1, tzinfo=UTC), probs, worse, timedelta(days=25))
    # November's cases are not all due until 31 December: maturing, not judged.
    rows_young = cohort(datetime(2026, 11, 1, tzinfo=UTC), probs, worse, timedelta(days=5))

    quiet = check_outcomes(rows_ok, now=now, risk_outcome="bad", reveals=REVEALS,
                           settings=settings)
    alarmed = check_outcomes(rows_ok + rows_bad + rows_young, now=now, risk_outcome="bad",
                             reveals=REVEALS, settings=settings)

    assert quiet.severity == "none"
    by_label = {v.label: v for v in alarmed.vintages}
    assert by_label["2026-09"].level == 0 and by_label["2026-10"].level == 2
    assert not by_label["2026-11"].mature and by_label["2026-11"].level == 0
    assert alarmed.severity == "critical"
    assert "worst vintage 2026-10" in alarmed.message()
    assert alarmed.to_dict()["vintages"][1]["vintage"] == "2026-10"


def test_an_action_that_shows_a_malignancy_only_is_left_out_and_named() -> None:
    """A clinic's discharge shows a malignancy when the patient comes back, never a benign
    mass: every outcome recorded after it is a malignancy. Before, the check counted them
    as a sample of the discharged cases' outcomes, so a calibrated model raised a critical
    alert; now they are left out and the message says how many and after which action."""
    reveals = {"discharge": frozenset({"Yes"}), "biopsy": frozenset({"No", "Yes"}),
               "review": frozenset({"No", "Yes"})}
    rng = np.random.default_rng(11)
    biopsied_p = rng.uniform(0.2, 0.6, 150)
    biopsied = rows(list(biopsied_p), list(rng.random(150) < biopsied_p), action="biopsy")
    discharged_p = rng.uniform(0.01, 0.05, 1000)
    came_back = [p for p in discharged_p if rng.random() < p]
    assert 10 < len(came_back) < 100
    returned = rows(came_back, [True] * len(came_back), action="discharge", start=200)
    for r in biopsied + returned:
        r["outcome"] = "Yes" if r["outcome"] == "bad" else "No"
    check = check_outcomes(biopsied + returned, now=NOW, risk_outcome="Yes", reveals=reveals,
                           outcomes=("No", "Yes"))
    assert check.n == 150 and check.partial == len(came_back)
    assert check.partial_actions == ("discharge",)
    assert check.severity == "none", check.message()
    assert (f"{len(came_back)} outcome(s) recorded after 'discharge' left out: it reveals "
            "some outcomes only") in check.message("malignancy")
    assert check.to_dict()["partial"] == len(came_back)
    # Without the outcome labels given, those the pack's reveals name are read.
    assert check_outcomes(biopsied + returned, now=NOW, risk_outcome="Yes",
                          reveals=reveals).partial == len(came_back)
