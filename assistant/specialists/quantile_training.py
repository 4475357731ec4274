"""Train a pack's quantile specialist: time-ordered validation, ONNX export, parity, a card.

Validation never lets a later hour into training: the model is fitted on every hour before
the last ``validation_hours`` of the history and scored on those; then refitted on the whole
history for the artifact. The card records the validation period, the coverage of each level
and the pinball loss, next to the parity check on every training row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.domains.decision import QuantityShape
from assistant.policies.quantity import QuantityPolicy, recommend_quantity
from assistant.specialists.artifacts import CARD_SCHEMA, sha256_bytes, version_id, write_artifact
from assistant.specialists.base import Row
from assistant.specialists.card import code_version
from assistant.specialists.ood import MahalanobisOod
from assistant.specialists.quantile import (
    DEFAULT_SETTINGS,
    OUTPUT,
    PARITY_TOLERANCE,
    RELATIVE_PARITY_TOLERANCE,
    FloatArray,
    QuantileInputs,
    TreeSettings,
    check_parity,
    convert_levels,
    feature_matrix,
    fit_levels,
    predict_levels,
)

KIND = "gbq"
VALIDATION_HOURS = 28 * 24


class QuantilePack(QuantileInputs, Protocol):
    @property
    def shape(self) -> QuantityShape: ...

    @property
    def data_path(self) -> Path: ...


@dataclass(frozen=True)
class TrainedQuantiles:
    version: str
    path: Path
    card: dict[str, Any]


def pinball(y: FloatArray, q: FloatArray, levels: Sequence[float]) -> list[float]:
    """Mean pinball (quantile) loss of each level's column of ``q`` against ``y``."""
    out = []
    for j, a in enumerate(levels):
        err = y - q[:, j]
        out.append(float(np.mean(np.maximum(a * err, (a - 1.0) * err))))
    return out


def _prefixed(on_step: Callable[[str], None] | None, what: str) -> Callable[[str], None] | None:
    return None if on_step is None else (lambda text: on_step(f"{what}: {text}"))


def train_quantiles(
    pack: QuantilePack,
    rows: Sequence[Row],
    demand: Sequence[float],
    hour_index: Sequence[int],
    data_sha256: str,
    root: str | Path,
    *,
    seed: int = 0,
    settings: TreeSettings = DEFAULT_SETTINGS,
    validation_hours: int = VALIDATION_HOURS,
    on_step: Callable[[str], None] | None = None,
    provenance: dict[str, Any] | None = None,
) -> TrainedQuantiles:
    """Validate in time order, fit on all rows, convert, check parity, write the artifact;
    ``on_step`` hears of each fit as it starts.

    ``provenance`` (a retrain's: why, the recorded outcomes it added) goes on the card.
    Raises ModelError (from the parity check) if onnxruntime does not reproduce scikit-learn.
    """
    started = time.perf_counter()
    levels = pack.shape.quantiles
    policy = QuantityPolicy.from_shape(pack.name, pack.shape, "owner")
    lag: str | None = getattr(pack, "seasonal_field", None)
    x = feature_matrix(pack, rows)
    y = np.asarray(demand, dtype=np.float64)
    hours = np.asarray(hour_index)
    cut = int(hours.max()) + 1 - validation_hours
    # Orders for the first validation hours are placed lead_time hours ahead: train only on
    # hours that had ended by then.
    early, late = hours < cut - pack.shape.lead_time, hours >= cut
    validation: dict[str, Any] = {"hours": int(late.sum())}
    held_out: dict[str, Any] = {}
    if early.sum() and late.sum():
        held = np.sort(predict_levels(fit_levels(pack, x[early], y[early], levels, seed=seed,
                                                 settings=settings, on_step=_prefixed(
                                                     on_step, "validation")), x[late]), axis=1)
        orders = [recommend_quantity(levels, q, policy).quantity for q in held]
        baseline = [policy.round_up(float(r[lag])) for r, keep in zip(rows, late, strict=True)
                    if keep] if lag else orders
        demand_late = y[late]
        validation |= {
            "policy_cost": float(np.mean([policy.loss(q, d) for q, d in
                                          zip(orders, demand_late, strict=True)])),
            "baseline_cost": float(np.mean([policy.loss(q, d) for q, d in
                                            zip(baseline, demand_late, strict=True)])),
            "trained_on_hours_before": cut - pack.shape.lead_time,
            "coverage": {str(a): float(np.mean(y[late] <= held[:, j]))
                         for j, a in enumerate(levels)},
            "pinball": dict(zip(map(str, levels), pinball(y[late], held, levels), strict=True)),
        }
        # Kept with the artifact so the owner can replay changed economics on hours this
        # validation model never saw (``docket backtest --domain``), without retraining.
        held_out = {
            "data_sha256": data_sha256, "levels": list(levels),
            "quantiles": [[round(float(v), 4) for v in row] for row in held],
            "demand": [float(d) for d in demand_late],
            "seasonal": ([float(r[lag]) for r, keep in zip(rows, late, strict=True) if keep]
                         if lag else []),
        }
    pipelines = fit_levels(pack, x, y, levels, seed=seed, settings=settings,
                           on_step=_prefixed(on_step, "final model"))
    if on_step is not None:
        on_step("converting to ONNX, checking parity")
    n_cat, n_num = len(pack.categorical), len(pack.numeric)
    model = convert_levels(pipelines, n_cat, n_num)
    parity = check_parity(pipelines, model, x, n_cat)
    ood = MahalanobisOod.fit(rows, pack.categorical, pack.numeric)
    model_sha = sha256_bytes(model)
    version = version_id(pack.name, KIND, model_sha)
    card = {
        "schema": CARD_SCHEMA,
        "version": version,
        "domain": pack.name,
        "kind": KIND,
        "prediction": "quantiles",
        "model_sha256": model_sha,
        "trained_at": datetime.now(UTC).isoformat(),
        "training_seconds": round(time.perf_counter() - started, 2),
        "code_version": code_version(),
        "data": {"sha256": data_sha256, "rows": len(rows), "file": pack.data_path.name,
                 "target": pack.shape.target, "unit": pack.shape.unit},
        "inputs": {
            "categorical": list(pack.categorical),
            "numeric": list(pack.numeric),
            "onnx": {"cat": f"string [N, {n_cat}]", "num": f"float32 [N, {n_num}]"},
            "output": OUTPUT,
            "levels": list(levels),
        },
        "features": list(pack.categorical + pack.numeric),
        "estimator": (f"one-hot + passthrough numbers + GradientBoostingRegressor(loss=quantile) "
                      f"per level, {settings.to_dict()}, seed {seed}"),
        "validation": validation,
        # What registering compares: the realised cost per case of the policy's orders on the
        # held-out period, under the pack's declared economics (one time-ordered split).
        "metrics": {"cv_expected_cost": validation.get("policy_cost", 0.0),
                    "cv_folds": 1, "baseline_cost": validation.get("baseline_cost")},
        "parity": {"max_abs_diff": parity, "rows": len(rows), "tolerance": PARITY_TOLERANCE,
                   "relative_tolerance": RELATIVE_PARITY_TOLERANCE},
        "ood": {"training_flag_rate": float(np.mean([r.flag for r in ood.check_batch(rows)]))},
    }
    if provenance is not None:  # a retrain: why, and which recorded outcomes it added
        card["provenance"] = dict(provenance)
    path = write_artifact(root, version, model, card,
                          explain={"method": "none: quantile models carry no attributions"},
                          ood=ood.to_dict(), oof={"validation": validation,
                                                    "held_out": held_out})
    return TrainedQuantiles(version, path, card)
