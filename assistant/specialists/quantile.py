"""Quantile specialists: one gradient-boosted quantile regressor per predicted level, all in one
ONNX graph, refused unless onnxruntime reproduces scikit-learn on real rows.

Training only (imports scikit-learn and skl2onnx); serving is
:mod:`assistant.specialists.quantile_serving`. Each level ``a`` is a
``GradientBoostingRegressor(loss="quantile", alpha=a)`` behind a one-hot encoder for the
categorical features; numbers pass through untouched (a scaler in front of trees changes
splits under float32 rounding, see the field notes). HistGradientBoosting's quantile loss is
faster but skl2onnx 1.20 cannot convert it. The per-level graphs are merged into one model with
inputs ``cat`` (strings) and ``num`` (float32) and one output ``quantiles`` (rows x levels).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import onnx
from onnx import compose, helper
from pydantic import BaseModel
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from assistant.specialists.base import Row, encode_rows
from events.errors import ModelError

OUTPUT = "quantiles"
PARITY_TOLERANCE = 1e-3
"""Largest allowed |ONNX - scikit-learn| per predicted quantile, in the target's unit.

The ONNX tree ensemble adds leaf values in float32: on this data (demand up to ~650) the
measured gap is ~2e-4 units, so 1e-3 passes faithful conversions and refuses wrong ones
(a wrong split or a lost tree moves predictions by whole units)."""
RELATIVE_PARITY_TOLERANCE = 1e-6
"""Allowed gap per unit of the prediction's size, added to :data:`PARITY_TOLERANCE`.

float32 carries about seven significant digits, so its rounding grows with the predicted
value: a pack whose outcomes are tens of thousands (megawatts) shows gaps of ~5e-3 on a
faithful conversion. 1e-6 of the value (0.03 at 30,000; under 0.001 at demand's 650) passes
those and still refuses a wrong split, which moves predictions by whole units."""

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
ObjectArray = npt.NDArray[np.object_]


class QuantileInputs(Protocol):
    """What a quantile specialist needs from a pack."""

    @property
    def name(self) -> str: ...

    @property
    def input_model(self) -> type[BaseModel]: ...

    @property
    def categorical(self) -> tuple[str, ...]: ...

    @property
    def numeric(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class TreeSettings:
    """Boosting settings shared by every level (chosen on the validation period only)."""

    n_estimators: int = 100
    learning_rate: float = 0.1
    max_depth: int = 4
    subsample: float = 0.8
    min_samples_leaf: int = 10

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_SETTINGS = TreeSettings()


def feature_matrix(pack: QuantileInputs, rows: Sequence[Row]) -> ObjectArray:
    """scikit-learn's input: categorical strings first, then numbers rounded to float32 (so
    scikit-learn and onnxruntime see the same values)."""
    cat, num = encode_rows(rows, pack.categorical, pack.numeric)
    x = np.empty((len(rows), cat.shape[1] + num.shape[1]), dtype=object)
    x[:, : cat.shape[1]] = cat
    x[:, cat.shape[1]:] = num
    return x


def split_matrix(x: ObjectArray, n_cat: int) -> tuple[ObjectArray, Float32Array]:
    return x[:, :n_cat], np.asarray(x[:, n_cat:], dtype=np.float32)


def _categories(pack: QuantileInputs) -> list[list[str]]:
    result = []
    for name in pack.categorical:
        labels = [str(a) for a in typing.get_args(pack.input_model.model_fields[name].annotation)]
        if not labels:
            raise ModelError(f"{pack.name}.{name} is categorical but its schema lists no labels")
        result.append(labels)
    return result


def build_level(pack: QuantileInputs, level: float, seed: int, settings: TreeSettings) -> Pipeline:
    """The pipeline predicting the ``level`` quantile of the target."""
    n_cat, n_num = len(pack.categorical), len(pack.numeric)
    one_hot = OneHotEncoder(categories=_categories(pack), handle_unknown="ignore",
                            sparse_output=False)
    pre = ColumnTransformer([("cat", one_hot, list(range(n_cat))),
                             ("num", "passthrough", list(range(n_cat, n_cat + n_num)))])
    trees = GradientBoostingRegressor(
        loss="quantile", alpha=level, n_estimators=settings.n_estimators,
        learning_rate=settings.learning_rate, max_depth=settings.max_depth,
        subsample=settings.subsample, min_samples_leaf=settings.min_samples_leaf,
        random_state=seed,
    )
    return Pipeline([("pre", pre), ("reg", trees)])


def fit_levels(
    pack: QuantileInputs,
    x: ObjectArray,
    y: FloatArray,
    levels: Sequence[float],
    *,
    seed: int = 0,
    settings: TreeSettings = DEFAULT_SETTINGS,
    on_step: Callable[[str], None] | None = None,
) -> list[Pipeline]:
    """One fitted pipeline per level, all on the same rows (``on_step`` hears of each)."""
    fitted = []
    for a in levels:
        if on_step is not None:
            on_step(f"fitting the {a:g} quantile on {len(y)} rows")
        fitted.append(build_level(pack, a, seed, settings).fit(x, y))
    return fitted


def predict_levels(pipelines: Sequence[Pipeline], x: ObjectArray) -> FloatArray:
    """scikit-learn's predictions, rows x levels (not yet made monotone)."""
    return np.column_stack([p.predict(x) for p in pipelines]).astype(np.float64)


def convert_levels(pipelines: Sequence[Pipeline], n_cat: int, n_num: int) -> bytes:
    """All levels as one ONNX model: inputs ``cat``/``num``, output ``quantiles`` (n x k).

    Each level is converted whole (encoder included), its names prefixed, and the graphs
    joined by one Concat; the graph name is fixed so the same fit gives the same bytes.
    """
    initial_types = [("cat", StringTensorType([None, n_cat])),
                     ("num", FloatTensorType([None, n_num]))]
    graphs = []
    opsets: dict[str, int] = {}
    for i, pipeline in enumerate(pipelines):
        model = convert_sklearn(pipeline, initial_types=initial_types, name=f"level{i}")
        graphs.append(compose.add_prefix_graph(model.graph, f"l{i}_", rename_inputs=False))
        for op in model.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    outputs = [g.output[0].name for g in graphs]
    concat = helper.make_node("Concat", outputs, [OUTPUT], axis=1, name="levels")
    graph = helper.make_graph(
        [node for g in graphs for node in g.node] + [concat],
        "docket_quantiles",
        list(graphs[0].input),
        [helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, [None, len(graphs)])],
        initializer=[init for g in graphs for init in g.initializer],
    )
    merged = helper.make_model(
        graph, opset_imports=[helper.make_opsetid(d, v) for d, v in sorted(opsets.items())],
        producer_name="docket",
    )
    merged.ir_version = min(merged.ir_version, 10)
    onnx.checker.check_model(merged)
    return bytes(merged.SerializeToString())


def onnx_levels(model: bytes, cat: ObjectArray, num: Float32Array) -> FloatArray:
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return np.asarray(session.run([OUTPUT], {"cat": cat, "num": num})[0], dtype=np.float64)


def check_parity(
    pipelines: Sequence[Pipeline],
    model: bytes,
    x: ObjectArray,
    n_cat: int,
    tolerance: float = PARITY_TOLERANCE,
) -> float:
    """Max |ONNX - scikit-learn| over rows and levels; ModelError where a gap exceeds
    ``tolerance`` plus :data:`RELATIVE_PARITY_TOLERANCE` of the prediction's size."""
    expected = predict_levels(pipelines, x)
    cat, num = split_matrix(x, n_cat)
    try:
        got = onnx_levels(model, cat, num)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"the converted model does not run in onnxruntime: {exc}") from exc
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        raise ModelError(f"refused: the ONNX model returns {got.shape} values, "
                         f"expected {expected.shape} finite ones")
    diff = np.abs(got - expected)
    allowed = tolerance + RELATIVE_PARITY_TOLERANCE * np.abs(expected)
    row, level = np.unravel_index(int(np.argmax(diff / allowed)), diff.shape)
    if diff[row, level] > allowed[row, level]:
        raise ModelError(
            f"refused: the ONNX model's quantile {level} differs from scikit-learn's by "
            f"{diff[row, level]:.3g} on row {row} (tolerance {allowed[row, level]:.3g}: "
            f"{tolerance:g} + {RELATIVE_PARITY_TOLERANCE:g} of the value); the conversion "
            "is not faithful"
        )
    return float(diff.max())
