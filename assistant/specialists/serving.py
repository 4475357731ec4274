"""Serving: score cases with onnxruntime and numpy only.

This module is on the decision path and must never import scikit-learn, skl2onnx or pandas
(a test checks ``sys.modules`` in a fresh interpreter). Everything it needs was written into
the artifact directory at training time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from assistant.specialists.artifacts import (
    EXPLAIN_FILE,
    MODEL_FILE,
    OOD_FILE,
    OOF_FILE,
    read_card,
    read_verified,
)
from assistant.specialists.attributions import (
    LinearAttributions,
    OcclusionAttributions,
    attribution_dicts,
)
from assistant.specialists.base import AttributionMethod, Row, Score, encode_rows, onnx_feeds
from assistant.specialists.ood import MahalanobisOod
from events.errors import ModelError

ObjectArray = npt.NDArray[np.object_]
Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]


class OnnxSpecialist:
    """A trained model version served by onnxruntime (implements ``Specialist``)."""

    def __init__(
        self,
        card: dict[str, Any],
        session: ort.InferenceSession,
        explainer: LinearAttributions | OcclusionAttributions,
        path: Path,
    ) -> None:
        self.card = card
        self.path = path
        self._session = session
        self._explainer = explainer
        self.categorical: tuple[str, ...] = tuple(card["inputs"]["categorical"])
        self.numeric: tuple[str, ...] = tuple(card["inputs"]["numeric"])
        self.features = self.categorical + self.numeric
        self._output = card["inputs"]["output"]
        self._p_column = int(card["inputs"]["risk_column"])
        self._base = (
            explainer.base
            if isinstance(explainer, LinearAttributions)
            else explainer.base(self.predict_arrays)
        )

    # --- loading --------------------------------------------------------------------------

    @classmethod
    def load(cls, artifact_dir: str | Path, *, threads: int = 1) -> OnnxSpecialist:
        """Load one model version; raises ModelError with one clear sentence on any problem.

        ``threads`` is onnxruntime's intra-op thread count (1 is best for single cases).
        """
        path = Path(artifact_dir)
        if not path.is_dir():
            raise ModelError(f"model artifact {path} does not exist: train or register a model")
        card = read_card(path)
        model = read_verified(path, MODEL_FILE, card)
        explain = read_verified(path, EXPLAIN_FILE, card)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            data = json.loads(explain)
            explainer: LinearAttributions | OcclusionAttributions = (
                LinearAttributions.from_dict(data)
                if data["method"] == "linear-logit"
                else OcclusionAttributions.from_dict(data)
            )
            return cls(card, session, explainer, path)
        except ModelError:
            raise
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"model {card.get('version', path.name)} cannot be loaded: "
                             f"{type(exc).__name__}: {_first_line(exc)}") from exc

    def load_ood(self) -> MahalanobisOod:
        """The out-of-distribution check trained with this model (verified against the card)."""
        content = read_verified(self.path, OOD_FILE, self.card)
        try:
            return MahalanobisOod.from_dict(json.loads(content))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{self.path / OOD_FILE} is unreadable: {exc}") from exc

    def out_of_fold(self, data_sha256: str) -> list[float]:
        """Cross-validated p(bad) of every training row, saved at training time.

        Raises ModelError if missing or computed on different data than ``data_sha256``.
        """
        content = read_verified(self.path, OOF_FILE, self.card)
        saved = json.loads(content)
        if saved.get("data_sha256") == data_sha256:
            return [float(p) for p in saved["p_bad"]]
        if saved.get("pack_data_sha256") == data_sha256:  # retrained: pack rows come first
            return [float(p) for p in saved["p_bad"][: int(saved["pack_rows"])]]
        raise ModelError(f"{self.version}'s out-of-fold probabilities are for other data")

    # --- identity -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self.card["kind"])

    @property
    def version(self) -> str:
        return str(self.card["version"])

    @property
    def sha256(self) -> str:
        return str(self.card["model_sha256"])

    @property
    def attribution_method(self) -> AttributionMethod:
        return self._explainer.method

    # --- scoring --------------------------------------------------------------------------

    def encode(self, rows: Sequence[Row]) -> tuple[ObjectArray, Float32Array]:
        """Validated rows as the model's two grouped inputs."""
        return encode_rows(rows, self.categorical, self.numeric)

    def predict_arrays(self, cat: ObjectArray, num: Float32Array) -> FloatArray:
        """Fast path: p(bad) for already-encoded inputs (no attributions).

        A lone row is run as two copies of itself: onnxruntime multiplies one row by another
        kernel than several (float32; the logistic model's probability moved in the last
        bit for about a third of the credit rows), so a case scored alone (one decision, or
        the last row of a file) gets the bits it gets in any batch of an ingest
        (``tests/assistant/test_orchestrator.py``)."""
        alone = cat.shape[0] == 1
        if alone:
            cat, num = np.concatenate([cat, cat]), np.concatenate([num, num])
        try:
            out = self._session.run([self._output], onnx_feeds(cat, num))[0]
        except Exception as exc:
            raise ModelError(f"model {self.version} failed to score: "
                             f"{type(exc).__name__}: {_first_line(exc)}") from exc
        return np.asarray(out[:1 if alone else None, self._p_column], dtype=np.float64)

    def score_batch(self, rows: Sequence[Row]) -> list[Score]:
        """p(bad) and attributions for each validated row."""
        if not rows:
            return []
        try:
            cat, num = self.encode(rows)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {self.version} cannot read the input: {exc!r}") from exc
        p = self.predict_arrays(cat, num)
        if isinstance(self._explainer, LinearAttributions):
            matrix = self._explainer.contributions(cat, num)
        else:
            matrix = self._explainer.contributions(cat, num, p, self.predict_arrays)
        method = self._explainer.method
        return [
            Score(float(pi), attrs, self._base, method)
            for pi, attrs in zip(p, attribution_dicts(self.features, matrix), strict=True)
        ]


def logit(p: float) -> float:
    """log(p / (1 - p)); what linear attributions plus base add up to."""
    return math.log(p / (1.0 - p))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""
