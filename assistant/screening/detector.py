"""The learned instruction detector, served with onnxruntime (no scikit-learn here).

The model is a logistic regression over hashed character and word n-grams
(:mod:`guardrails.ngrams`), trained on the red-team *tuning* sources only and shipped in
this package as ``note_detector.onnx`` with its card (``note_detector.json``: threshold,
training sources, the cross-source figures measured when it was built, and the
ONNX file's sha256, checked on load). :func:`default_detector` loads it once.

Combined with the rules in :func:`guardrails.scan_note` (either flags the note): the rules
explain themselves, the model catches phrasings no rule names.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import onnxruntime as ort

from events.errors import ModelError
from guardrails.ngrams import DIMENSIONS, note_features

MODEL_FILE = "note_detector.onnx"
CARD_FILE = "note_detector.json"


class NoteDetector:
    """p(instruction-like) for a note; implements :class:`guardrails.NoteModel`."""

    def __init__(self, model: bytes, card: dict[str, Any]) -> None:
        if hashlib.sha256(model).hexdigest() != card.get("sha256"):
            raise ModelError("the note detector's ONNX file does not match its card's sha256")
        if int(card.get("dimensions", -1)) != DIMENSIONS:
            raise ModelError("the note detector was trained on another feature width")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one small matrix-vector product: threads only cost
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._output = card["output"]
        self.card = card
        self.threshold = float(card["threshold"])
        self.name = f"note-detector {card.get('version', '?')}"

    def probability(self, text: str) -> float:
        """The model's probability that ``text`` holds instruction-like text."""
        features = note_features(text)
        row = np.zeros((1, DIMENSIONS), dtype=np.float32)
        if features:
            row[0, list(features)] = list(features.values())
        [probabilities] = self._session.run([self._output], {self._input: row})
        return float(probabilities[0, 1])


@lru_cache(maxsize=1)
def default_detector() -> NoteDetector:
    """The detector shipped with Docket (loaded once per process)."""
    package = resources.files(__package__ or "assistant.screening")
    try:
        model = package.joinpath(MODEL_FILE).read_bytes()
        card = json.loads(package.joinpath(CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"the note detector is missing or unreadable ({exc})") from exc
    return NoteDetector(model, card)


def note_model() -> NoteDetector | None:
    """The shipped detector, or None when it cannot be loaded (the rules still screen)."""
    try:
        return default_detector()
    except ModelError:
        return None
