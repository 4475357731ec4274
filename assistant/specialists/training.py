"""Training: scikit-learn pipelines → ONNX, with a parity check, honest CV and a model card.

Off the decision path (imports scikit-learn and skl2onnx; never pandas, which would make
sqlite-utils import it at every CLI start). For each model kind:

1. build the whole pipeline (preprocessing included) over two grouped inputs, the
   categorical columns (strings) then the numeric ones (float32, so scikit-learn and
   onnxruntime see the same values). scikit-learn gets them as one object-dtype 2-D array
   (categorical columns first, then the numbers as float32 values), and the
   ``ColumnTransformer`` selects columns by integer index; ONNX gets the two groups;
2. cross-validate it (stratified 10-fold by default): everything that is fitted, including
   the calibration of the tree model, is fitted inside the training folds; decisions use the
   threshold derived from the policy's costs (1/6), never one tuned on the test folds;
3. fit on all rows, convert to ONNX (``zipmap`` off) and refuse it (:class:`ModelError`) if
   its probabilities differ from scikit-learn's by more than 1e-5 on any training row;
4. write ``model.onnx``, ``card.json``, ``explain.json`` (attribution data), ``ood.json`` and
   ``oof.json`` (the out-of-fold probabilities, so backtests need no scikit-learn).

Model choices (fixed in advance, not tuned on the data):

* ``logreg``: one-hot categories + standardised numbers, L2 logistic regression (C=1).
  Its log-loss fit is calibrated by construction (the card reports its calibration error);
  no recalibration keeps the exact logit attributions valid.
* ``gbt``: one-hot categories + numbers passed through unscaled (a scaler in front of trees
  crosses split thresholds after float32 rounding), ``GradientBoostingClassifier`` (200 trees
  of depth 3, learning rate 0.05, subsample 0.8), Platt-calibrated on 5 inner folds
  (``CalibratedClassifierCV(ensemble=False)``). ``HistGradientBoosting`` is avoided: its
  native categorical support converts to wrong ONNX probabilities, and its converter fails
  with the installed protobuf.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assistant.domains.base import Dataset, DomainPack
from assistant.policies import decision_threshold
from assistant.specialists.artifacts import (
    CARD_SCHEMA,
    sha256_bytes,
    version_id,
    write_artifact,
)
from assistant.specialists.crossval import (
    CrossValidation,
    calibration_error,
    cross_validate,
    reliability,
)
from assistant.specialists.ood import MahalanobisOod
from assistant.specialists.pipelines import (
    KINDS,
    OUTPUT,
    PARITY_TOLERANCE,
    ModelKind,
    ObjectArray,
    build_pipeline,
    check_parity,
    convert_pipeline,
    dataset_matrix,
    risk_labels,
)
from events.errors import ModelError


@dataclass(frozen=True)
class TrainedModel:
    """A registered-ready model version: its artifact directory and card."""

    version: str
    kind: ModelKind
    path: Path
    card: dict[str, Any]

    @property
    def metrics(self) -> dict[str, float]:
        """Headline cross-validated figures (what ``docket models`` prints)."""
        cv = self.card["metrics"]
        names = ("cv_expected_cost", "cv_roc_auc", "cv_brier", "cv_calibration_error")
        return {name: float(cv[name]) for name in names}


# --- training ------------------------------------------------------------------------------


def train(
    pack: DomainPack,
    out_dir: str | Path,
    *,
    kinds: Sequence[ModelKind] = KINDS,
    folds: int = 10,
    seed: int = 0,
    data: Dataset | None = None,
    provenance: dict[str, Any] | None = None,
    holdout: Sequence[int] = (),
    on_step: Callable[[str], None] | None = None,
) -> list[TrainedModel]:
    """Train, cross-validate, convert, parity-check and write each model kind;
    ``on_step`` hears of each step as it starts (every fold, every conversion).

    ``data`` defaults to the pack's shipped data set; retraining passes that data plus
    recorded outcomes, and ``provenance`` (why, on what) goes into each model card.

    ``holdout``: row indices the model must never see (the demo keeps its history out of
    training, so the scores it shows on those rows are out of sample). Their out-of-fold
    probabilities come from the final model, which never saw them either.

    Raises ModelError (nothing written for that kind) when a conversion is not faithful.
    """
    pack_data = pack.load_dataset()
    data = data or pack_data
    if data.rows[: len(pack_data.rows)] != pack_data.rows:
        raise ModelError(
            "training data must start with the pack's data set (recorded outcomes "
            "are appended after it)"
        )
    full = data
    held = sorted(set(holdout))
    if held:
        if any(not 0 <= i < len(data.rows) for i in held):
            raise ModelError(f"holdout rows must lie in 0..{len(data.rows) - 1}")
        keep = [i for i in range(len(data.rows)) if i not in set(held)]
        data = Dataset(
            [data.rows[i] for i in keep], [data.outcomes[i] for i in keep],
            f"{data.sha256}-holdout-{len(held)}-{hash_rows(held)}",
            [data.weights[i] for i in keep] if data.weights is not None else None,
        )
    x, y = dataset_matrix(pack, data)
    ood = MahalanobisOod.fit(data.rows, pack.categorical, pack.numeric)
    ood_flag_rate = float(np.mean([r.flag for r in ood.check_batch(data.rows)]))
    trained = []
    for kind in kinds:
        started = time.perf_counter()
        cv = cross_validate(pack, kind, folds=folds, seed=seed, data=data,
                            scored_rows=len(pack_data.rows) - len(held), on_step=on_step)
        if on_step is not None:
            on_step(f"{kind}: fitting on every row, converting to ONNX, checking parity")
        pipeline = build_pipeline(kind, pack, seed)
        fit_params = {} if data.weights is None else {"clf__sample_weight": data.weights}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            pipeline.fit(x, y, **fit_params)
        model = convert_pipeline(pipeline, len(pack.categorical), len(pack.numeric))
        parity = check_parity(pipeline, model, x, len(pack.categorical))
        model_sha = sha256_bytes(model)
        version = version_id(pack.name, kind, model_sha)
        explain = (
            _linear_explain(pipeline, pack, x) if kind == "logreg" else _occlusion_explain(pack, x)
        )
        card = _card(
            pack,
            data,
            kind,
            version,
            model_sha,
            cv,
            parity,
            explain["method"],
            ood_flag_rate,
            time.perf_counter() - started,
        )
        if provenance:
            card["provenance"] = dict(provenance)
        p_bad = [float(v) for v in cv.p_bad]
        if held:
            card["data"]["holdout_rows"] = len(held)
            x_held, _ = dataset_matrix(pack, Dataset([full.rows[i] for i in held],
                                                     [full.outcomes[i] for i in held], ""))
            scored = pipeline.predict_proba(x_held)[:, 1]
            by_row = dict(zip(keep, p_bad, strict=True)) | {
                i: float(v) for i, v in zip(held, scored, strict=True)}
            p_bad = [by_row[i] for i in range(len(full.rows))]
        # Retraining appends recorded outcomes after the pack's rows, so the first rows
        # stay the pack's data set: a backtest on it can use this model's honest scores.
        oof = {
            "data_sha256": full.sha256,
            "folds": folds,
            "seed": seed,
            "pack_data_sha256": pack_data.sha256,
            "pack_rows": len(pack_data.rows),
            "p_bad": p_bad,
        }
        path = write_artifact(out_dir, version, model, card, explain, ood.to_dict(), oof)
        trained.append(TrainedModel(version, kind, path, card))
    return trained


def hash_rows(indices: Sequence[int]) -> str:
    """A short content hash of a list of row indices."""
    return sha256_bytes(",".join(map(str, indices)).encode())[:12]


def best_model(models: Sequence[TrainedModel]) -> TrainedModel:
    """The model with the lowest cross-validated expected cost (the champion candidate)."""
    return min(models, key=lambda m: m.metrics["cv_expected_cost"])


def _shares(column: ObjectArray) -> dict[str, float]:
    """Share of each label in one categorical column (a label's count over all rows)."""
    labels, counts = np.unique(column.astype(str), return_counts=True)
    return {str(lab): int(n) / len(column) for lab, n in zip(labels, counts, strict=True)}


def _mode(column: ObjectArray) -> str:
    """The most frequent label; the smallest such label on ties."""
    labels, counts = np.unique(column.astype(str), return_counts=True)
    return str(labels[int(np.argmax(counts))])


def _linear_explain(pipeline: Pipeline, pack: DomainPack, x: ObjectArray) -> dict[str, Any]:
    pre = pipeline.named_steps["pre"]
    # A pack without categorical (or numeric) features has no such block.
    one_hot: OneHotEncoder | None = pre.named_transformers_.get("cat")
    scaler: StandardScaler | None = pre.named_transformers_.get("num")
    clf: LogisticRegression = pipeline.named_steps["clf"]
    coef = clf.coef_[0]
    base = float(clf.intercept_[0])
    categorical: list[dict[str, Any]] = []
    offset = 0
    for j, name in enumerate(pack.categorical):
        assert one_hot is not None  # there are categorical features
        labels = [str(c) for c in one_hot.categories_[j]]
        weights = coef[offset : offset + len(labels)]
        offset += len(labels)
        share = _shares(x[:, j])
        average = float(
            sum(share.get(lab, 0.0) * w for lab, w in zip(labels, weights, strict=True))
        )
        base += average
        categorical.append(
            {
                "feature": name,
                "weights": {
                    lab: float(w) - average for lab, w in zip(labels, weights, strict=True)
                },
                "unknown": -average,
            }
        )
    numeric = [
        {
            "feature": name,
            "mean": float(scaler.mean_[j]),
            "scale": float(scaler.scale_[j]),
            "weight": float(coef[offset + j]),
        }
        for j, name in enumerate(pack.numeric)
        if scaler is not None
    ]
    return {
        "method": "linear-logit",
        "categorical": categorical,
        "numeric": numeric,
        "base": base,
        "intercept": float(clf.intercept_[0]),
    }


def _occlusion_explain(pack: DomainPack, x: ObjectArray) -> dict[str, Any]:
    n_cat = len(pack.categorical)
    reference: dict[str, Any] = {c: _mode(x[:, j]) for j, c in enumerate(pack.categorical)}
    reference.update(
        {
            n: float(np.median(np.asarray(x[:, n_cat + j], dtype=np.float64)))
            for j, n in enumerate(pack.numeric)
        }
    )
    return {
        "method": "occlusion",
        "categorical": list(pack.categorical),
        "numeric": list(pack.numeric),
        "reference": reference,
    }


def _card(
    pack: DomainPack,
    data: Dataset,
    kind: ModelKind,
    version: str,
    model_sha: str,
    cv: CrossValidation,
    parity: float,
    attribution: str,
    ood_flag_rate: float,
    seconds: float,
) -> dict[str, Any]:
    spec = pack.default_policy
    y = risk_labels(pack, data)
    return {
        "schema": CARD_SCHEMA,
        "version": version,
        "domain": pack.name,
        "kind": kind,
        "model_sha256": model_sha,
        "trained_at": datetime.now(UTC).isoformat(),
        "training_seconds": round(seconds, 2),
        "code_version": code_version(),
        "data": {
            "sha256": data.sha256,
            "rows": len(data.rows),
            "file": pack.data_path.name,
            "label_field": pack.label_field,
            "risk_rate": float(y.mean()),
        },
        "inputs": {
            "categorical": list(pack.categorical),
            "numeric": list(pack.numeric),
            "onnx": {
                "cat": f"string [N, {len(pack.categorical)}]",
                "num": f"float32 [N, {len(pack.numeric)}]",
            },
            "output": OUTPUT,
            "risk_column": 1,
            "risk_outcome": spec.risk_outcome,
        },
        "features": list(pack.features),
        "not_features": {
            "protected": list(pack.protected),
            "personal": list(pack.personal_fields),
            "note": pack.note_field,
        },
        "estimator": _describe(kind),
        "metrics": {
            **{f"cv_{name}": value["mean"] for name, value in cv.summary().items()},
            "cv_folds": cv.folds,
            "cv_seed": cv.seed,
            "decision_threshold": decision_threshold(spec),
            "costs": spec.costs,
            **cv.summary(),
        },
        "calibration": {
            "method": (
                "none: logistic loss is calibrated by construction"
                if kind == "logreg"
                else "sigmoid (Platt) on 5 inner folds of the training data"
            ),
            "calibration_error_pooled": calibration_error(cv.p_bad, y),
            "reliability_out_of_fold": reliability(cv.p_bad, y),
        },
        "parity": {"max_abs_diff": parity, "rows": len(data.rows), "tolerance": PARITY_TOLERANCE},
        "attribution": attribution,
        "ood": {"training_flag_rate": ood_flag_rate},
    }


def _describe(kind: ModelKind) -> str:
    if kind == "logreg":
        return "one-hot + standard scaler + LogisticRegression(C=1.0)"
    return (
        "one-hot + passthrough numbers + GradientBoostingClassifier(200 trees, depth 3, "
        "lr 0.05, subsample 0.8), sigmoid-calibrated (5 inner folds)"
    )


def code_version() -> str:
    """Package version plus ``git describe`` when available; never raises."""
    try:
        package = importlib.metadata.version("docket")
    except importlib.metadata.PackageNotFoundError:
        package = "unknown"
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return f"{package}+{described}" if described else package


__all__ = [
    "KINDS",
    "PARITY_TOLERANCE",
    "CrossValidation",
    "ModelKind",
    "TrainedModel",
    "best_model",
    "build_pipeline",
    "check_parity",
    "code_version",
    "convert_pipeline",
    "cross_validate",
    "dataset_matrix",
    "risk_labels",
    "train",
]
