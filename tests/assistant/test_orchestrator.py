"""Orchestrator: the pure pipeline, shadow challengers and fallback to the baseline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.assessment import Assessment
from assistant.orchestrator import Orchestrator
from assistant.specialists import OodResult, Row, Score
from assistant.specialists.artifacts import MODEL_FILE
from assistant.specialists.serving import OnnxSpecialist
from events.errors import ModelError
from tests.assistant.decision_support import copy_artifact, dataset, pack, trained


class Fake:
    """A specialist whose behaviour a test chooses."""

    def __init__(self, p: float = 0.05, fail_on: str | None = None,
                 always_fail: bool = False) -> None:
        self.p, self.fail_on, self.always_fail = p, fail_on, always_fail

    name, version, sha256 = "fake", "credit-fake-00000000", "0" * 64

    def score_batch(self, rows: Sequence[Row]) -> list[Score]:
        if self.always_fail:
            raise RuntimeError("onnxruntime exploded")
        if self.fail_on and any(r["purpose"] == self.fail_on for r in rows):
            raise ValueError(f"cannot score purpose {self.fail_on}")
        return [Score(self.p, {}, 0.0) for _ in rows]


class FlagAll:
    def check_batch(self, rows: Sequence[Row]) -> list[OodResult]:
        return [OodResult(True, 2.0, ("looks odd",)) for _ in rows]


class BrokenOod:
    def check_batch(self, rows: Sequence[Row]) -> list[OodResult]:
        raise MemoryError("no memory")


def real() -> Orchestrator:
    return Orchestrator.from_artifacts(pack(), champion=trained()["logreg"],
                                       challengers=[trained()["gbt"]])


def assert_baseline(assessment: Assessment, reason: str) -> None:
    assert assessment.source == "baseline"
    assert assessment.fallback_reason is not None and reason in assessment.fallback_reason
    assert assessment.recommendation is not None
    assert assessment.recommendation.reasons[0].startswith("fallback to baseline rules")
    assert set(assessment.recommendation.expected_costs) == set(pack().actions)


# --- the normal path ------------------------------------------------------------------------


def test_a_valid_case_gets_a_model_recommendation_with_everything_recorded() -> None:
    assessment = real().assess({**dataset().rows[1], "email": "a@b.example"})
    assert assessment.ok and assessment.source == "model" and assessment.fallback_reason is None
    assert assessment.input is not None and assessment.input.personal == {
        "email": "a@b.example"}
    champion = assessment.champion
    assert champion is not None and champion.score is not None and not champion.shadow
    assert champion.model_version.startswith("credit-logreg-")
    assert len(champion.model_sha256) == 64
    assert assessment.score is champion.score
    assert assessment.scores == (champion, *assessment.challengers)
    assert assessment.baseline_action in ("approve", "decline")
    assert set(champion.score.attributions) == set(pack().features)
    [shadow] = assessment.challengers
    assert shadow.shadow and shadow.score is not None
    assert shadow.model_version.startswith("credit-gbt")
    assert assessment.ood is not None
    rec = assessment.recommendation
    assert rec is not None and rec.p_bad == champion.score.p_bad
    assert set(rec.expected_costs) == {"approve", "decline", "escalate"}
    assert {"validate", "score", "ood", "policy", "total"} <= set(assessment.latency_ms)


def test_invalid_input_gets_problems_and_no_recommendation() -> None:
    assessment = real().assess({**dataset().rows[0], "purpose": "yacht", "age_in_years": "old"})
    assert not assessment.ok and assessment.recommendation is None
    assert {p.field for p in assessment.problems} == {"purpose", "age_in_years"}


def test_batch_matches_single_case_assessment() -> None:
    orchestrator = real()
    rows = dataset().rows[:40]
    batch = orchestrator.assess_batch([*rows, {"bad": 1}])
    assert not batch[-1].ok
    for row, got in zip(rows, batch, strict=False):
        one = orchestrator.assess(row)
        assert got.recommendation is not None and one.recommendation is not None
        assert got.recommendation == one.recommendation
        # Bit for bit, champion and challenger, score and attributions: a case ingested
        # alone (or scored by itself) is stored as the same case in a batch would be.
        stored = [score for _, score in got.scored_runs]
        assert len(stored) == 2 and stored == [score for _, score in one.scored_runs]


def test_out_of_distribution_case_is_escalated() -> None:
    far = {**dataset().rows[0], "credit_amount": 250_000.0}
    assessment = real().assess(far)
    assert assessment.ood is not None and assessment.ood.flag
    assert assessment.recommendation is not None
    assert assessment.recommendation.action == "escalate"


def test_policy_can_be_given_per_call() -> None:
    always_decline = pack().default_policy.with_changes(
        {"costs": {"decline": {"good": 0.0}}, "escalate_band": [1.0, 0.0]})
    assessment = real().assess(dataset().rows[2], policy=always_decline)
    assert assessment.recommendation is not None
    assert assessment.recommendation.action == "decline"


# --- fallback -------------------------------------------------------------------------------


def test_no_champion_means_the_baseline_decides() -> None:
    assert_baseline(Orchestrator(pack(), None).assess(dataset().rows[0]), "no champion")


def test_missing_artifact_falls_back_with_the_load_error(tmp_path: Path) -> None:
    orchestrator = Orchestrator.from_artifacts(pack(), champion=tmp_path / "gone")
    assert_baseline(orchestrator.assess(dataset().rows[0]), "does not exist")


def test_corrupt_artifact_falls_back(tmp_path: Path) -> None:
    path = copy_artifact("logreg", tmp_path)
    (path / MODEL_FILE).write_bytes(b"\x00" * 100)
    orchestrator = Orchestrator.from_artifacts(pack(), champion=path,
                                               challengers=[tmp_path / "missing-challenger"])
    assert orchestrator.challengers == ()
    assert_baseline(orchestrator.assess(dataset().rows[0]), "corrupt")


def test_a_specialist_raising_at_run_time_falls_back() -> None:
    orchestrator = Orchestrator(pack(), Fake(always_fail=True))
    assert_baseline(orchestrator.assess(dataset().rows[0]), "RuntimeError: onnxruntime exploded")


@pytest.mark.parametrize("p", [float("nan"), 1.5, -0.2])
def test_a_non_probability_falls_back(p: float) -> None:
    assert_baseline(Orchestrator(pack(), Fake(p)).assess(dataset().rows[0]), "not a probability")


def test_only_the_failing_case_of_a_batch_falls_back() -> None:
    rows = [{**dataset().rows[0], "purpose": purpose} for purpose in ("business", "repairs")]
    first, second = Orchestrator(pack(), Fake(fail_on="repairs")).assess_batch(rows)
    assert first.source == "model"
    assert_baseline(second, "cannot score purpose repairs")


def test_a_failing_ood_check_hands_the_case_to_the_baseline() -> None:
    orchestrator = Orchestrator(pack(), Fake(), BrokenOod())
    assert_baseline(orchestrator.assess(dataset().rows[0]), "out-of-distribution check failed")


def test_ood_escalation_applies_in_fallback_too() -> None:
    assessment = Orchestrator(pack(), None, FlagAll()).assess(dataset().rows[0])
    assert assessment.source == "baseline" and assessment.recommendation is not None
    assert assessment.recommendation.action == "escalate"


def test_a_failing_challenger_never_affects_the_case() -> None:
    orchestrator = Orchestrator(pack(), Fake(0.01), None, [Fake(always_fail=True)])
    assessment = orchestrator.assess(dataset().rows[0])
    assert assessment.source == "model" and assessment.recommendation is not None
    assert assessment.recommendation.action == "approve"
    [shadow] = assessment.challengers
    assert shadow.score is None and shadow.error is not None and "exploded" in shadow.error


def test_a_real_model_that_breaks_after_loading_falls_back(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    orchestrator = real()
    specialist = orchestrator.specialist
    assert isinstance(specialist, OnnxSpecialist)

    def explode(*_: Any) -> Any:
        raise RuntimeError("session lost")

    monkeypatch.setattr(specialist._session, "run", explode)
    assert_baseline(orchestrator.assess(dataset().rows[0]), "failed to score")


json_values = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(dataset().rows[0])), json_values)
def test_any_single_field_garbage_never_leaves_a_case_undecided(field: str, value: Any) -> None:
    assessment = Orchestrator(pack(), Fake()).assess({**dataset().rows[0], field: value})
    assert assessment.ok == (assessment.recommendation is not None)
    assert assessment.ok or assessment.problems


def test_history_gives_honest_out_of_fold_scores_for_a_backtest() -> None:
    from assistant.policies import backtest

    rows, outcomes, p_bad, ood = real().history()
    assert len(rows) == len(outcomes) == len(p_bad) == len(ood) == 1000
    report = backtest(rows, outcomes, p_bad, pack().default_policy, pack().baseline, ood=ood,
                      n_boot=200)
    assert report.policy.realised_cost.estimate < report.refuse_all.realised_cost.estimate


def test_history_without_a_champion_is_a_clear_error() -> None:
    with pytest.raises(ModelError, match="no champion"):
        Orchestrator(pack(), None).history()
