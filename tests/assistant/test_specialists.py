"""Specialists: training + parity refusal, artifacts and cards, onnxruntime serving,
attributions, the out-of-distribution check."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from assistant.specialists import OodResult, Score, Specialist
from assistant.specialists.artifacts import CARD_FILE, MODEL_FILE, list_artifacts
from assistant.specialists.ood import MahalanobisOod
from assistant.specialists.serving import OnnxSpecialist, logit
from events.errors import ModelError
from tests.assistant.decision_support import copy_artifact, dataset, pack, trained

if TYPE_CHECKING:
    from assistant.specialists.training import ModelKind

REPO = Path(__file__).resolve().parents[2]


def load(kind: str) -> OnnxSpecialist:
    return OnnxSpecialist.load(trained()[kind])


# --- training and the model card ------------------------------------------------------------


def test_training_writes_both_models_with_versioned_artifacts() -> None:
    paths = trained()
    assert set(paths) == {"logreg", "gbt"}
    for kind, path in paths.items():
        assert path.name.startswith(f"credit-{kind}-") and len(path.name.split("-")[-1]) == 8
        assert {p.name for p in path.iterdir()} == {
            "model.onnx", "card.json", "explain.json", "ood.json", "oof.json"}
    assert [a.version for a in list_artifacts(paths["gbt"].parent)] != []


def test_model_card_has_fingerprint_time_code_version_and_cv_metrics() -> None:
    card = load("logreg").card
    assert card["data"]["sha256"] == pack().data_sha256
    assert datetime.fromisoformat(card["trained_at"]).tzinfo is not None
    assert card["code_version"]
    assert card["version"].endswith(card["model_sha256"][:8])
    metrics = card["metrics"]
    assert metrics["cv_folds"] == 3 and metrics["decision_threshold"] == pytest.approx(1 / 6)
    for name in ("roc_auc", "brier", "expected_cost", "calibration_error"):
        assert set(metrics[name]) == {"mean", "sd"}
    assert 0.7 < metrics["roc_auc"]["mean"] < 0.9
    assert metrics["expected_cost"]["mean"] < 0.7  # better than declining everyone
    assert card["calibration"]["reliability_out_of_fold"]
    assert metrics["cv_expected_cost"] == metrics["expected_cost"]["mean"]
    assert card["parity"]["max_abs_diff"] <= 1e-5
    assert not set(card["features"]) & set(card["not_features"]["protected"])


def test_parity_check_refuses_an_unfaithful_conversion(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    from assistant.specialists import training

    real = training.convert_pipeline

    def broken(pipeline: Any, n_cat: int, n_num: int) -> bytes:
        clf = pipeline.named_steps["clf"]
        saved = clf.intercept_.copy()
        clf.intercept_ = saved + 1e-3  # the converted graph no longer matches the pipeline
        try:
            return real(pipeline, n_cat, n_num)
        finally:
            clf.intercept_ = saved

    monkeypatch.setattr(training, "convert_pipeline", broken)
    with pytest.raises(ModelError, match="refused: the ONNX model's p differs"):
        training.train(pack(), tmp_path, kinds=("logreg",), folds=2)
    assert not any(tmp_path.iterdir())


def test_conversion_is_deterministic() -> None:
    from assistant.specialists import training

    x, y = training.dataset_matrix(pack(), dataset())
    pipeline = training.build_pipeline("logreg", pack()).fit(x, y)
    first = training.convert_pipeline(pipeline, len(pack().categorical), len(pack().numeric))
    second = training.convert_pipeline(pipeline, len(pack().categorical), len(pack().numeric))
    assert first == second


def test_cost_table_lists_models_baseline_and_decline_all() -> None:
    from assistant.specialists.crossval import cost_table, format_cost_table

    rows = cost_table(pack(), kinds=("logreg",), folds=2)
    by_name = {r.name: r for r in rows}
    assert by_name["decline everyone"].expected_cost == pytest.approx(0.7)
    assert by_name["baseline rules"].expected_cost == pytest.approx(0.68, abs=0.01)
    assert by_name["logreg"].expected_cost < 0.7
    assert "2-fold" in format_cost_table(rows)[0]


# --- serving --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["logreg", "gbt"])
def test_serving_scores_like_the_training_pipeline(kind: ModelKind) -> None:
    from assistant.specialists import training

    specialist = load(kind)
    assert isinstance(specialist, Specialist)
    x, y = training.dataset_matrix(pack(), dataset())
    pipeline = training.build_pipeline(kind, pack()).fit(x, y)
    expected = pipeline.predict_proba(x[:50])[:, 1]
    scores = specialist.score_batch(dataset().rows[:50])
    assert np.abs(np.array([s.p_bad for s in scores]) - expected).max() <= 1e-5
    fast = specialist.predict_arrays(*specialist.encode(dataset().rows[:50]))
    assert np.allclose(fast, expected, atol=1e-5)
    assert specialist.score_batch([]) == []


def test_linear_attributions_sum_with_base_to_the_logit() -> None:
    specialist = load("logreg")
    for score in specialist.score_batch(dataset().rows[:200]):
        assert score.method == "linear-logit"
        assert set(score.attributions) == set(pack().features)
        total = score.base + sum(score.attributions.values())
        assert total == pytest.approx(logit(score.p_bad), abs=1e-4)


def test_linear_attributions_average_to_zero_over_training_rows() -> None:
    scores = load("logreg").score_batch(dataset().rows)
    for feature in pack().features:
        mean = np.mean([s.attributions[feature] for s in scores])
        assert abs(mean) < 1e-6, feature


def test_occlusion_attributions_are_zero_at_the_reference_and_signed() -> None:
    specialist = load("gbt")
    explain = json.loads((specialist.path / "explain.json").read_text())
    reference = {**dataset().rows[0], **explain["reference"]}
    score = specialist.score_batch([reference])[0]
    assert score.method == "occlusion"
    assert score.p_bad == pytest.approx(score.base, abs=1e-6)
    assert all(v == pytest.approx(0.0, abs=1e-6) for v in score.attributions.values())
    risky = {**reference, "status_of_existing_checking_account": "... < 0 DM",
             "duration_in_month": 60}
    pushed = specialist.score_batch([risky])[0]
    assert pushed.p_bad > score.p_bad
    assert pushed.attributions["status_of_existing_checking_account"] > 0
    assert pushed.attributions["duration_in_month"] > 0


def test_occlusion_attributions_are_the_definition_exactly_on_real_rows() -> None:
    # Occluded rows equal to their row are not run (their contribution is p - p = 0): the
    # matrix must still be, bit for bit, p minus the model run with each column set to its
    # reference, column by column.
    specialist = load("gbt")
    explainer = specialist._explainer
    assert explainer.method == "occlusion"
    cat, num = specialist.encode(dataset().rows[:300])
    p = specialist.predict_arrays(cat, num)
    got = explainer.contributions(cat, num, p, specialist.predict_arrays)
    expected = np.empty_like(got)
    n_cat = cat.shape[1]
    for j in range(n_cat + num.shape[1]):
        c, n = cat.copy(), num.copy()
        if j < n_cat:
            c[:, j] = explainer.reference_cat[j]
        else:
            n[:, j - n_cat] = explainer.reference_num[j - n_cat]
        expected[:, j] = p - specialist.predict_arrays(c, n)
    assert np.array_equal(got, expected)
    assert (got == 0.0).any() and (got != 0.0).any()


def test_missing_artifact_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        OnnxSpecialist.load(tmp_path / "credit-logreg-00000000")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / MODEL_FILE).write_bytes(b"not a model"), "does not match its model card"),
        (lambda d: (d / CARD_FILE).write_text("{", encoding="utf-8"), "unreadable"),
        (lambda d: (d / CARD_FILE).unlink(), "no model card"),
        (lambda d: (d / MODEL_FILE).unlink(), "cannot read"),
    ],
)
def test_corrupt_artifacts_are_refused(tmp_path: Path, damage: Any, message: str) -> None:
    path = copy_artifact("logreg", tmp_path)
    damage(path)
    with pytest.raises(ModelError, match=message):
        OnnxSpecialist.load(path)


def test_garbage_model_with_a_matching_card_is_refused(tmp_path: Path) -> None:
    import hashlib

    path = copy_artifact("logreg", tmp_path)
    garbage = b"\x08\x07garbage"
    (path / MODEL_FILE).write_bytes(garbage)
    card = json.loads((path / CARD_FILE).read_text())
    card["files"][MODEL_FILE] = hashlib.sha256(garbage).hexdigest()
    (path / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="cannot be loaded"):
        OnnxSpecialist.load(path)


def test_the_decision_path_never_imports_training_libraries() -> None:
    script = textwrap.dedent(f"""
        import sys
        from assistant.domains import get_pack
        from assistant.orchestrator import Orchestrator
        pack = get_pack("credit")
        orchestrator = Orchestrator.from_artifacts(
            pack, champion={str(trained()['logreg'])!r}, challengers=[{str(trained()['gbt'])!r}])
        assessment = orchestrator.assess(pack.load_dataset().rows[0])
        assert assessment.source == "model", assessment.fallback_reason
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("sklearn", "skl2onnx", "pandas", "litellm"))
        print(heavy)
        sys.exit(1 if heavy else 0)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- out-of-distribution check --------------------------------------------------------------


def test_ood_flags_few_training_cases() -> None:
    ood = load("logreg").load_ood()
    results = ood.check_batch(dataset().rows)
    rate = np.mean([r.flag for r in results])
    assert 0.0 < rate < 0.05
    assert all(isinstance(r, OodResult) and math.isfinite(r.score) for r in results)


def test_ood_names_what_is_unusual() -> None:
    ood = load("logreg").load_ood()
    far = {**dataset().rows[0], "credit_amount": 250_000.0, "duration_in_month": 4}
    result = ood.check_batch([far])[0]
    assert result.flag and result.score > 1
    assert any("credit_amount" in r and "training range" in r for r in result.reasons)
    assert any("unusual combination" in r for r in result.reasons)
    rare = {**dataset().rows[0], "purpose": "retraining"}
    assert any("rare" in r for r in ood.check_batch([rare])[0].reasons)


def test_ood_survives_a_json_round_trip(tmp_path: Path) -> None:
    fitted = MahalanobisOod.fit(dataset().rows, pack().categorical, pack().numeric)
    path = tmp_path / "ood.json"
    path.write_text(json.dumps(fitted.to_dict()))
    loaded = MahalanobisOod.load(path)
    rows = dataset().rows[:100]
    assert loaded.check_batch(rows) == fitted.check_batch(rows)
    with pytest.raises(ModelError):
        MahalanobisOod.load(tmp_path / "nothing.json")


def test_score_is_a_plain_value() -> None:
    score = Score(0.2, {"a": 0.1}, -1.0)
    assert score.method == "linear-logit"


def test_attribution_dicts_hold_python_floats_equal_to_each_cell() -> None:
    from assistant.specialists.attributions import attribution_dicts

    for dtype in (np.float64, np.float32):
        matrix = np.array([[0.1, -2.5e-7, 0.0], [1e300 if dtype is np.float64 else 3e38, 1, -0.0]],
                          dtype=dtype)  # fmt: skip
        rows = attribution_dicts(("a", "b", "c"), matrix)
        assert rows == [{k: float(v) for k, v in zip("abc", r, strict=True)} for r in matrix]
        assert all(type(v) is float for row in rows for v in row.values())
    with pytest.raises(ValueError):
        attribution_dicts(("a", "b"), np.zeros((1, 3)))
