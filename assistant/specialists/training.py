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
   ``oof.json`` (the out-of-fold probabilities, so backtests need no scikit-learn); the card
   is :mod:`assistant.specialists.card`, the attribution data
   :mod:`assistant.specialists.attribution_data`.

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

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.domains.base import Dataset, DomainPack
from assistant.specialists.artifacts import sha256_bytes, version_id, write_artifact
from assistant.specialists.attribution_data import linear_explain, occlusion_explain
from assistant.specialists.card import code_version, model_card
from assistant.specialists.crossval import CrossValidation, cross_validate
from assistant.specialists.ood import MahalanobisOod
from assistant.specialists.pipelines import (
    KINDS,
    PARITY_TOLERANCE,
    ModelKind,
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
            linear_explain(pipeline, pack, x) if kind == "logreg" else occlusion_explain(pack, x)
        )
        card = model_card(
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
