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
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import onnxruntime as ort

from events.errors import ModelError
from guardrails.ngrams import DIMENSIONS, note_counts

MODEL_FILE = "note_detector.onnx"
#: Notes scored in one onnxruntime run (each row is DIMENSIONS floats: 1 MB a run; on
#: this machine 16 rows a run cost less a note than 8, 32 or 64).
CHUNK = 16
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
        """The model's probability that ``text`` holds instruction-like text: the same
        float whether ``text`` is scored alone or in a batch (:meth:`probabilities`)."""
        return self.probabilities([text])[0]

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """:meth:`probability` of each text, in runs of up to :data:`CHUNK` rows.

        onnxruntime multiplies a single row with another kernel than several (its
        probability moved by up to 1.2e-7 for a third of the red-team notes), so a lone
        text is scored as two copies of itself: a note gets the same bits alone, first or
        last in a file, or in a batch of any size."""
        scores: list[float] = []
        for start in range(0, len(texts), CHUNK):
            chunk = texts[start:start + CHUNK]
            [probabilities] = self._session.run([self._output], {self._input: rows(chunk)})
            scores.extend(probabilities[:len(chunk), 1].tolist())
        return scores


def rows(texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The model's input for ``texts``: one row each of :func:`guardrails.ngrams.note_features`
    as float32 (two copies of a lone text's row, see :meth:`NoteDetector.probabilities`).

    Each row is filled from :func:`guardrails.ngrams.note_counts` by one numpy division of
    the damped counts by their norm: the same float64 divisions ``note_features`` makes one
    by one (IEEE division is exact-rounded either way), without a dict and two lists of
    Python floats per note."""
    filled = np.zeros((max(len(texts), 2), DIMENSIONS), dtype=np.float32)
    for index, text in enumerate(texts):
        buckets, weights, norm = note_counts(text)
        if buckets:
            filled[index, buckets] = np.array(weights) / norm
    if len(texts) == 1:
        filled[1] = filled[0]
    return filled


class BatchScores:
    """A :class:`guardrails.NoteModel` that answers from one batch of notes scored
    together (:meth:`NoteDetector.probabilities`), and scores any other text alone: the
    same verdicts as the detector itself, with one onnxruntime run per :data:`CHUNK`
    notes instead of one per note."""

    def __init__(self, detector: NoteDetector, notes: Iterable[str | None]) -> None:
        self.threshold = detector.threshold
        self.name = detector.name
        self._detector = detector
        texts = [note for note in notes if note and note.strip()]
        self._scores = dict(zip(texts, detector.probabilities(texts), strict=True))

    def probability(self, text: str) -> float:
        score = self._scores.get(text)
        return self._detector.probability(text) if score is None else score


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
