"""The small interfaces specialists implement, and the values they return.

Nothing here imports a machine-learning library: the orchestrator depends on these
protocols only, so a specialist (or the OOD check) can be swapped by configuration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Row = Mapping[str, Any]
AttributionMethod = Literal["linear-logit", "occlusion"]


@dataclass(frozen=True)
class Score:
    """One case's risk score with per-feature attributions.

    ``method`` says how to read ``attributions`` and ``base``:

    * ``linear-logit`` (exact, additive): contributions in logit space relative to an average
      training applicant; ``base + sum(attributions.values())`` is the model's logit, so
      ``p_bad = 1 / (1 + exp(-(base + sum)))``.
    * ``occlusion`` (cheap, not additive): ``p_bad`` minus the probability with that one
      feature set to its training reference value (mode / median); ``base`` is the
      probability of the all-reference applicant. Positive pushes towards 'bad'.
    """

    p_bad: float
    attributions: dict[str, float]
    base: float
    method: AttributionMethod = "linear-logit"


@dataclass(frozen=True)
class OodResult:
    """Whether a case is unlike the training data, how far, and why.

    ``score`` is the case's Mahalanobis distance on standardised numbers divided by the
    training 99th percentile (> 1: farther than 99% of training cases).
    """

    flag: bool
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


@runtime_checkable
class Specialist(Protocol):
    """A risk model: scores validated rows (feature name -> value)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    def score_batch(self, rows: Sequence[Row]) -> list[Score]: ...


@runtime_checkable
class OodDetector(Protocol):
    """Flags cases unlike the training data."""

    def check_batch(self, rows: Sequence[Row]) -> list[OodResult]: ...


def encode_rows(
    rows: Sequence[Row], categorical: Sequence[str], numeric: Sequence[str]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float32]]:
    """Rows as the two grouped model inputs: strings (object array) and float32 numbers."""
    cat = np.array([[row[c] for c in categorical] for row in rows], dtype=object)
    num = np.array([[row[c] for c in numeric] for row in rows], dtype=np.float32)
    return cat.reshape(len(rows), len(categorical)), num.reshape(len(rows), len(numeric))


def onnx_feeds(cat: npt.NDArray[np.object_], num: npt.NDArray[np.float32]) -> dict[str, Any]:
    """The ONNX graph's inputs: ``cat`` and ``num``, each only when the pack has such
    features (a graph cannot declare an empty input; a pack may have no categorical one)."""
    feeds: dict[str, Any] = {}
    if cat.shape[1]:
        feeds["cat"] = cat
    if num.shape[1]:
        feeds["num"] = num
    return feeds
