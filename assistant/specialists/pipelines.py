"""The specialists' scikit-learn pipelines: the feature matrix a pack's rows become,
the pipelines per model kind, and their conversion to ONNX with a parity check."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assistant.domains.base import Dataset, DomainPack
from assistant.specialists.base import Row, encode_rows, onnx_feeds
from events.errors import ModelError

ModelKind = Literal["logreg", "gbt"]
KINDS: tuple[ModelKind, ...] = ("logreg", "gbt")
PARITY_TOLERANCE = 1e-5
OUTPUT = "probabilities"
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


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
    one_hot = OneHotEncoder(
        categories=categories(pack), handle_unknown="ignore", sparse_output=False
    )
    # A group a pack does not have is left out (an empty one-hot block does not convert).
    groups: list[tuple[str, Any, list[int]]] = [("cat", one_hot, cat_idx)] if n_cat else []
    if kind == "logreg":
        scaled = [("num", StandardScaler(), num_idx)] if n_num else []
        pre = ColumnTransformer([*groups, *scaled])
        return Pipeline([("pre", pre), ("clf", LogisticRegression(C=1.0, max_iter=2000))])
    if kind == "gbt":
        passed = [("num", "passthrough", num_idx)] if n_num else []
        pre = ColumnTransformer([*groups, *passed])
        trees = GradientBoostingClassifier(
            n_estimators=200, learning_rate=0.05, max_depth=3, subsample=0.8, random_state=seed
        )
        calibrated = CalibratedClassifierCV(trees, method="sigmoid", cv=5, ensemble=False)
        return Pipeline([("pre", pre), ("clf", calibrated)])
    raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")


def convert_pipeline(pipeline: Pipeline, n_cat: int, n_num: int) -> bytes:
    """The whole fitted pipeline as ONNX: inputs ``cat`` (string) and ``num`` (float32).

    The graph gets a fixed name (skl2onnx would use a random one) so the same pipeline always
    gives the same bytes, hence the same content-addressed version.
    """
    initial_types: list[tuple[str, Any]] = []
    if n_cat:
        initial_types.append(("cat", StringTensorType([None, n_cat])))
    if n_num:
        initial_types.append(("num", FloatTensorType([None, n_num])))
    classifier = pipeline.steps[-1][1]
    model = convert_sklearn(
        pipeline,
        initial_types=initial_types,
        name="docket_pipeline",
        options={id(classifier): {"zipmap": False}},
    )
    return bytes(model.SerializeToString())


def onnx_p_bad(model: bytes, cat: ObjectArray, num: Float32Array) -> FloatArray:
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    out = session.run([OUTPUT], onnx_feeds(cat, num))[0]
    return np.asarray(out[:, 1], dtype=np.float64)


def check_parity(
    pipeline: Pipeline,
    model: bytes,
    x: ObjectArray,
    n_cat: int,
    tolerance: float = PARITY_TOLERANCE,
) -> float:
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
