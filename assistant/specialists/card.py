"""The model card: what a trained model version says about itself (``card.json``).

Registered in the log with the version (its ``data_fingerprint`` and ``metrics`` are
required there), shown by ``docket models`` and read back by audits.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.domains.base import Dataset, DomainPack
from assistant.policies import decision_threshold
from assistant.specialists.artifacts import CARD_SCHEMA
from assistant.specialists.crossval import CrossValidation, calibration_error, reliability
from assistant.specialists.pipelines import OUTPUT, PARITY_TOLERANCE, ModelKind, risk_labels


def model_card(
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
    """The model card written beside the ONNX file: data, inputs, estimator, cross-validated
    metrics, calibration, conversion parity, attribution method and OOD rate."""
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
        "estimator": describe(kind),
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


def describe(kind: ModelKind) -> str:
    """The estimator in one line (fixed choices, see :mod:`assistant.specialists.training`)."""
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
