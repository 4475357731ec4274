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
import typing
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assistant.domains.base import Dataset, DomainPack
from assistant.policies import PolicySpec, decision_threshold
from assistant.specialists.artifacts import (
    CARD_SCHEMA,
    sha256_bytes,
    version_id,
    write_artifact,
)
from assistant.specialists.base import Row, encode_rows
from assistant.specialists.ood import MahalanobisOod
from events.errors import ModelError

ModelKind = Literal["logreg", "gbt"]
KINDS: tuple[ModelKind, ...] = ("logreg", "gbt")
PARITY_TOLERANCE = 1e-5
OUTPUT = "probabilities"
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


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


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold probabilities and per-fold metrics of one model kind."""

    kind: str
    folds: int
    seed: int
    p_bad: FloatArray  # out-of-fold, one per row
    fold_of: IntArray  # fold index of each row
    fold_metrics: list[dict[str, float]]

    def summary(self) -> dict[str, dict[str, float]]:
        names = self.fold_metrics[0].keys()
        return {
            name: {
                "mean": float(np.mean([m[name] for m in self.fold_metrics])),
                "sd": float(np.std([m[name] for m in self.fold_metrics], ddof=1)),
            }
            for name in names
        }


@dataclass(frozen=True)
class CostRow:
    """One line of the cross-validated expected-cost table."""

    name: str
    expected_cost: float  # mean over folds, per applicant
    sd: float  # standard deviation over folds
    folds: int


# --- data ----------------------------------------------------------------------------------


def feature_matrix(pack: DomainPack, rows: Sequence[Row]) -> ObjectArray:
    """scikit-learn's input: an object-dtype 2-D array, one row per case, the categorical
    columns (strings) first, then the numeric ones as float32 values (``pack.features`` order).

    The numbers are rounded to float32 here so scikit-learn and onnxruntime score the same
    values; :func:`split_matrix` gives the two grouped ONNX inputs back.
    """
    cat, num = encode_rows(rows, pack.categorical, pack.numeric)
    n_cat = cat.shape[1]
    x = np.empty((len(rows), n_cat + num.shape[1]), dtype=object)
    x[:, :n_cat] = cat
    x[:, n_cat:] = num
    return x


def split_matrix(x: ObjectArray, n_cat: int) -> tuple[ObjectArray, Float32Array]:
    """The ONNX inputs of a :func:`feature_matrix`: ``cat`` (object) and ``num`` (float32)."""
    return x[:, :n_cat], np.asarray(x[:, n_cat:], dtype=np.float32)


def risk_labels(pack: DomainPack, data: Dataset) -> IntArray:
    """y: 1 where the outcome is the policy's risk outcome, else 0."""
    risk = pack.default_policy.risk_outcome
    return np.array([o == risk for o in data.outcomes], dtype=np.int64)


def dataset_matrix(pack: DomainPack, data: Dataset) -> tuple[ObjectArray, IntArray]:
    """Model features as a :func:`feature_matrix` and y (1 = risk)."""
    return feature_matrix(pack, data.rows), risk_labels(pack, data)


def categories(pack: DomainPack) -> list[list[str]]:
    """Allowed labels of each categorical feature, from the schema's Literal types."""
    result = []
    for name in pack.categorical:
        annotation = pack.input_model.model_fields[name].annotation
        labels = [str(a) for a in typing.get_args(annotation)]
        if not labels:
            raise ModelError(f"{pack.name}.{name} is categorical but its schema lists no labels")
        result.append(labels)
    return result


# --- pipelines -----------------------------------------------------------------------------


def build_pipeline(kind: ModelKind, pack: DomainPack, seed: int = 0) -> Pipeline:
    n_cat, n_num = len(pack.categorical), len(pack.numeric)
    cat_idx, num_idx = list(range(n_cat)), list(range(n_cat, n_cat + n_num))
    one_hot = OneHotEncoder(categories=categories(pack), handle_unknown="ignore",
                            sparse_output=False)
    if kind == "logreg":
        pre = ColumnTransformer([("cat", one_hot, cat_idx), ("num", StandardScaler(), num_idx)])
        return Pipeline([("pre", pre), ("clf", LogisticRegression(C=1.0, max_iter=2000))])
    if kind == "gbt":
        pre = ColumnTransformer([("cat", one_hot, cat_idx), ("num", "passthrough", num_idx)])
        trees = GradientBoostingClassifier(n_estimators=200, learning_rate=0.05, max_depth=3,
                                           subsample=0.8, random_state=seed)
        calibrated = CalibratedClassifierCV(trees, method="sigmoid", cv=5, ensemble=False)
        return Pipeline([("pre", pre), ("clf", calibrated)])
    raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")


def convert_pipeline(pipeline: Pipeline, n_cat: int, n_num: int) -> bytes:
    """The whole fitted pipeline as ONNX: inputs ``cat`` (string) and ``num`` (float32).

    The graph gets a fixed name (skl2onnx would use a random one) so the same pipeline always
    gives the same bytes, hence the same content-addressed version.
    """
    initial_types = [("cat", StringTensorType([None, n_cat])),
                     ("num", FloatTensorType([None, n_num]))]
    classifier = pipeline.steps[-1][1]
    model = convert_sklearn(pipeline, initial_types=initial_types, name="docket_pipeline",
                            options={id(classifier): {"zipmap": False}})
    return bytes(model.SerializeToString())


def onnx_p_bad(model: bytes, cat: ObjectArray, num: Float32Array) -> FloatArray:
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    out = session.run([OUTPUT], {"cat": cat, "num": num})[0]
    return np.asarray(out[:, 1], dtype=np.float64)


def check_parity(pipeline: Pipeline, model: bytes, x: ObjectArray, n_cat: int,
                 tolerance: float = PARITY_TOLERANCE) -> float:
    """Max |ONNX p - scikit-learn p| over the rows of ``x``; ModelError above ``tolerance``."""
    expected = pipeline.predict_proba(x)[:, 1]
    cat, num = split_matrix(x, n_cat)
    try:
        got = onnx_p_bad(model, cat, num)
    except Exception as exc:
        raise ModelError(f"the converted model does not run in onnxruntime: {exc}") from exc
    diff = np.abs(got - expected)
    worst = int(np.argmax(diff))
    if not np.all(np.isfinite(got)) or diff[worst] > tolerance:
        raise ModelError(
            f"refused: the ONNX model's p differs from scikit-learn's by {diff[worst]:.3g} on "
            f"training row {worst} (tolerance {tolerance:g}); the conversion is not faithful"
        )
    return float(diff[worst])


# --- evaluation ----------------------------------------------------------------------------


def decision_costs(p_bad: FloatArray, y: IntArray, spec: PolicySpec) -> FloatArray:
    """Realised cost per case of deciding by minimum expected cost (no escalation)."""
    risk, safe = spec.risk_outcome, spec.safe_outcome
    actions = spec.decisive_actions
    expected = np.stack([p_bad * spec.costs[a][risk] + (1 - p_bad) * spec.costs[a][safe]
                         for a in actions])
    chosen = np.argmin(expected, axis=0)
    if_risk = np.array([spec.costs[a][risk] for a in actions])[chosen]
    if_safe = np.array([spec.costs[a][safe] for a in actions])[chosen]
    return np.asarray(np.where(y == 1, if_risk, if_safe), dtype=np.float64)


def calibration_error(p: FloatArray, y: IntArray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / len(p))


def reliability(p: FloatArray, y: IntArray, bins: int = 10) -> list[dict[str, float]]:
    which = np.minimum((p * bins).astype(int), bins - 1)
    return [
        {"bin_low": b / bins, "bin_high": (b + 1) / bins, "n": int(mask.sum()),
         "mean_p": float(p[mask].mean()), "observed_rate": float(y[mask].mean())}
        for b in range(bins)
        if (mask := which == b).any()
    ]


def fold_assignment(y: IntArray, folds: int, seed: int) -> IntArray:
    fold_of = np.empty(len(y), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold_of[test] = k
    return fold_of


def cross_validate(pack: DomainPack, kind: ModelKind, *, folds: int = 10, seed: int = 0,
                   data: Dataset | None = None) -> CrossValidation:
    """Stratified k-fold: fit everything on the training folds, score the held-out fold."""
    x, y = dataset_matrix(pack, data or pack.load_dataset())
    spec = pack.default_policy
    fold_of = fold_assignment(y, folds, seed)
    p = np.zeros(len(y))
    metrics = []
    for k in range(folds):
        train_rows, test_rows = fold_of != k, fold_of == k
        model = clone(build_pipeline(kind, pack, seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            model.fit(x[train_rows], y[train_rows])
        p[test_rows] = model.predict_proba(x[test_rows])[:, 1]
        metrics.append(_metrics(p[test_rows], y[test_rows], spec))
    return CrossValidation(kind, folds, seed, p, fold_of, metrics)


def _metrics(p: FloatArray, y: IntArray, spec: PolicySpec) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "expected_cost": float(decision_costs(p, y, spec).mean()),
        "calibration_error": calibration_error(p, y),
    }


def cross_validated_metrics(pack: DomainPack, kinds: Sequence[ModelKind] = KINDS, *,
                            folds: int = 10, seed: int = 0) -> dict[str, dict[str, float]]:
    """Per model kind, the baseline rules and "refuse everyone": mean and sd over folds.

    Keys per entry: ``expected_cost``, ``expected_cost_sd`` (all); ``roc_auc``, ``brier``,
    ``calibration_error`` (models only). All entries use the same folds. The baseline rules
    and "refuse everyone" fit nothing; their fold figures are their costs on each fold.
    """
    data = pack.load_dataset()
    y = risk_labels(pack, data)
    spec = pack.default_policy
    fold_of = fold_assignment(y, folds, seed)
    table: dict[str, dict[str, float]] = {}
    for kind in kinds:
        summary = cross_validate(pack, kind, folds=folds, seed=seed, data=data).summary()
        table[kind] = {name: value["mean"] for name, value in summary.items()}
        table[kind]["expected_cost_sd"] = summary["expected_cost"]["sd"]
    risk, safe = spec.risk_outcome, spec.safe_outcome
    baseline_cost = np.array([
        spec.costs[pack.baseline(row).action][risk if yi else safe]
        for row, yi in zip(data.rows, y, strict=True)
    ])
    refuse = spec.best_action_for(risk)
    refuse_cost = np.where(y == 1, spec.costs[refuse][risk], spec.costs[refuse][safe])
    for name, per_case in (("baseline rules", baseline_cost), (f"{refuse} everyone", refuse_cost)):
        by_fold = [float(per_case[fold_of == k].mean()) for k in range(folds)]
        table[name] = {"expected_cost": float(np.mean(by_fold)),
                       "expected_cost_sd": float(np.std(by_fold, ddof=1))}
    return table


def cost_table(pack: DomainPack, kinds: Sequence[ModelKind] = KINDS, *, folds: int = 10,
               seed: int = 0) -> list[CostRow]:
    """Cross-validated expected cost per applicant: each model, the baseline, decline-all.

    With 1,000 cases the figures move by about ±0.02 with the fold seed; the sd over folds
    is printed so nobody reads the third decimal as signal.
    """
    metrics = cross_validated_metrics(pack, kinds, folds=folds, seed=seed)
    return [CostRow(name, m["expected_cost"], m["expected_cost_sd"], folds)
            for name, m in metrics.items()]


def format_cost_table(rows: Sequence[CostRow]) -> list[str]:
    folds = rows[0].folds if rows else 0
    lines = [f"{folds}-fold cross-validated expected cost per applicant (mean ± sd over folds)"]
    lines += [f"  {r.name:18} {r.expected_cost:.3f} ± {r.sd:.3f}" for r in rows]
    return lines


# --- training ------------------------------------------------------------------------------


def train(pack: DomainPack, out_dir: str | Path, *, kinds: Sequence[ModelKind] = KINDS,
          folds: int = 10, seed: int = 0, data: Dataset | None = None,
          provenance: dict[str, Any] | None = None) -> list[TrainedModel]:
    """Train, cross-validate, convert, parity-check and write each model kind.

    ``data`` defaults to the pack's shipped data set; retraining passes that data plus
    recorded outcomes, and ``provenance`` (why, on what) goes into each model card.

    Raises ModelError (nothing written for that kind) when a conversion is not faithful.
    """
    pack_data = pack.load_dataset()
    data = data or pack_data
    if data.rows[: len(pack_data.rows)] != pack_data.rows:
        raise ModelError("training data must start with the pack's data set (recorded outcomes "
                         "are appended after it)")
    x, y = dataset_matrix(pack, data)
    ood = MahalanobisOod.fit(data.rows, pack.categorical, pack.numeric)
    ood_flag_rate = float(np.mean([r.flag for r in ood.check_batch(data.rows)]))
    trained = []
    for kind in kinds:
        started = time.perf_counter()
        cv = cross_validate(pack, kind, folds=folds, seed=seed, data=data)
        pipeline = build_pipeline(kind, pack, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            pipeline.fit(x, y)
        model = convert_pipeline(pipeline, len(pack.categorical), len(pack.numeric))
        parity = check_parity(pipeline, model, x, len(pack.categorical))
        model_sha = sha256_bytes(model)
        version = version_id(pack.name, kind, model_sha)
        explain = (_linear_explain(pipeline, pack, x) if kind == "logreg"
                   else _occlusion_explain(pack, x))
        card = _card(pack, data, kind, version, model_sha, cv, parity, explain["method"],
                     ood_flag_rate, time.perf_counter() - started)
        if provenance:
            card["provenance"] = dict(provenance)
        # Retraining appends recorded outcomes after the pack's rows, so the first rows
        # stay the pack's data set: a backtest on it can use this model's honest scores.
        oof = {"data_sha256": data.sha256, "folds": folds, "seed": seed,
               "pack_data_sha256": pack_data.sha256, "pack_rows": len(pack_data.rows),
               "p_bad": [float(v) for v in cv.p_bad]}
        path = write_artifact(out_dir, version, model, card, explain, ood.to_dict(), oof)
        trained.append(TrainedModel(version, kind, path, card))
    return trained




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
    one_hot: OneHotEncoder = pre.named_transformers_["cat"]
    scaler: StandardScaler = pre.named_transformers_["num"]
    clf: LogisticRegression = pipeline.named_steps["clf"]
    coef = clf.coef_[0]
    base = float(clf.intercept_[0])
    categorical: list[dict[str, Any]] = []
    offset = 0
    for j, name in enumerate(pack.categorical):
        labels = [str(c) for c in one_hot.categories_[j]]
        weights = coef[offset: offset + len(labels)]
        offset += len(labels)
        share = _shares(x[:, j])
        average = float(sum(share.get(lab, 0.0) * w
                            for lab, w in zip(labels, weights, strict=True)))
        base += average
        categorical.append({
            "feature": name,
            "weights": {lab: float(w) - average for lab, w in zip(labels, weights, strict=True)},
            "unknown": -average,
        })
    numeric = [
        {"feature": name, "mean": float(scaler.mean_[j]), "scale": float(scaler.scale_[j]),
         "weight": float(coef[offset + j])}
        for j, name in enumerate(pack.numeric)
    ]
    return {"method": "linear-logit", "categorical": categorical, "numeric": numeric,
            "base": base, "intercept": float(clf.intercept_[0])}


def _occlusion_explain(pack: DomainPack, x: ObjectArray) -> dict[str, Any]:
    n_cat = len(pack.categorical)
    reference: dict[str, Any] = {c: _mode(x[:, j]) for j, c in enumerate(pack.categorical)}
    reference.update({n: float(np.median(np.asarray(x[:, n_cat + j], dtype=np.float64)))
                      for j, n in enumerate(pack.numeric)})
    return {"method": "occlusion", "categorical": list(pack.categorical),
            "numeric": list(pack.numeric), "reference": reference}


def _card(pack: DomainPack, data: Dataset, kind: ModelKind, version: str, model_sha: str,
          cv: CrossValidation, parity: float, attribution: str, ood_flag_rate: float,
          seconds: float) -> dict[str, Any]:
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
            "onnx": {"cat": f"string [N, {len(pack.categorical)}]",
                     "num": f"float32 [N, {len(pack.numeric)}]"},
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
            "method": ("none: logistic loss is calibrated by construction" if kind == "logreg"
                       else "sigmoid (Platt) on 5 inner folds of the training data"),
            "calibration_error_pooled": calibration_error(cv.p_bad, y),
            "reliability_out_of_fold": reliability(cv.p_bad, y),
        },
        "parity": {"max_abs_diff": parity, "rows": len(data.rows),
                   "tolerance": PARITY_TOLERANCE},
        "attribution": attribution,
        "ood": {"training_flag_rate": ood_flag_rate},
    }


def _describe(kind: ModelKind) -> str:
    if kind == "logreg":
        return "one-hot + standard scaler + LogisticRegression(C=1.0)"
    return ("one-hot + passthrough numbers + GradientBoostingClassifier(200 trees, depth 3, "
            "lr 0.05, subsample 0.8), sigmoid-calibrated (5 inner folds)")


def code_version() -> str:
    """Package version plus ``git describe`` when available; never raises."""
    try:
        package = importlib.metadata.version("docket")
    except importlib.metadata.PackageNotFoundError:
        package = "unknown"
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return f"{package}+{described}" if described else package


__all__ = [
    "KINDS",
    "PARITY_TOLERANCE",
    "CostRow",
    "CrossValidation",
    "ModelKind",
    "TrainedModel",
    "best_model",
    "build_pipeline",
    "check_parity",
    "code_version",
    "convert_pipeline",
    "cost_table",
    "cross_validate",
    "cross_validated_metrics",
    "dataset_matrix",
    "feature_matrix",
    "format_cost_table",
    "risk_labels",
    "split_matrix",
    "train",
]

