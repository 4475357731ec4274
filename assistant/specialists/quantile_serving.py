"""Serving a quantile specialist with onnxruntime and numpy only (on the decision path: no
scikit-learn, skl2onnx or pandas)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from assistant.specialists.artifacts import (
    MODEL_FILE,
    OOD_FILE,
    OOF_FILE,
    read_card,
    read_verified,
)
from assistant.specialists.base import Row, encode_rows
from assistant.specialists.ood import MahalanobisOod
from events.errors import ModelError

FloatArray = npt.NDArray[np.float64]


class QuantileSpecialist:
    """Predicts quantiles of a numeric target for validated rows."""

    def __init__(self, card: dict[str, Any], session: ort.InferenceSession, path: Path) -> None:
        self.card = card
        self.path = path
        self._session = session
        self.categorical: tuple[str, ...] = tuple(card["inputs"]["categorical"])
        self.numeric: tuple[str, ...] = tuple(card["inputs"]["numeric"])
        self.levels: tuple[float, ...] = tuple(float(a) for a in card["inputs"]["levels"])
        self._output = str(card["inputs"]["output"])

    @classmethod
    def load(cls, artifact_dir: str | Path, *, threads: int = 1) -> QuantileSpecialist:
        """Load one version, every file checked against its card. Raises ModelError."""
        path = Path(artifact_dir)
        if not path.is_dir():
            raise ModelError(f"model artifact {path} does not exist: train a model first")
        card = read_card(path)
        if card.get("prediction") != "quantiles":
            raise ModelError(f"{card.get('version', path.name)} is not a quantile model")
        model = read_verified(path, MODEL_FILE, card)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"model {card.get('version')} cannot be loaded: "
                             f"{type(exc).__name__}") from exc
        return cls(card, session, path)

    def load_ood(self) -> MahalanobisOod:
        content = read_verified(self.path, OOD_FILE, self.card)
        try:
            return MahalanobisOod.from_dict(json.loads(content))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{self.path / OOD_FILE} is unreadable: {exc}") from exc

    def held_out(self) -> dict[str, Any]:
        """The validation model's predictions on the held-out later hours, with their demand
        and seasonal-naive input (saved at training time). Raises ModelError if absent."""
        content = read_verified(self.path, OOF_FILE, self.card)
        try:
            saved = json.loads(content)["held_out"]
            if not saved.get("quantiles"):
                raise KeyError("quantiles")
            return dict(saved)
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{self.version} kept no held-out predictions: retrain it") from exc

    @property
    def version(self) -> str:
        return str(self.card["version"])

    @property
    def sha256(self) -> str:
        return str(self.card["model_sha256"])

    def predict(self, rows: Sequence[Row]) -> FloatArray:
        """Quantiles (rows x levels), sorted along each row and never below zero.

        Levels are fitted separately and can cross; sorting each row is the rearrangement of
        Chernozhukov, Fernandez-Val and Galichon (2010), which brings crossing estimates no
        farther from the true quantile curve."""
        if not rows:
            return np.empty((0, len(self.levels)))
        try:
            cat, num = encode_rows(rows, self.categorical, self.numeric)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {self.version} cannot read the input: {exc!r}") from exc
        try:
            out = self._session.run([self._output], {"cat": cat, "num": num})[0]
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"model {self.version} failed to score: "
                             f"{type(exc).__name__}") from exc
        return np.maximum(np.sort(np.asarray(out, dtype=np.float64), axis=1), 0.0)
