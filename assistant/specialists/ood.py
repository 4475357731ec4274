"""Out-of-distribution check: where not to trust the score. numpy only, fitted at training time.

A case is flagged when any of these holds, each giving a reason an operator can read:

* a number lies outside the range seen in training;
* a category was never seen in training, or is rare (under 1% of training rows);
* the numbers together are unusual: Mahalanobis distance on standardised numbers above the
  99th percentile of the training rows' distances (catches odd combinations, e.g. a huge
  amount over a very short duration, that no single range check sees).

Fitted on the training rows and saved as ``ood.json`` next to the model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.specialists.base import OodResult, Row
from events.errors import ModelError

FloatArray = npt.NDArray[np.float64]

RARE_SHARE = 0.01
DISTANCE_QUANTILE = 0.99
RIDGE = 1e-3  # keeps the covariance invertible (coded ordinal numbers are nearly collinear)


@dataclass(frozen=True)
class NumericRange:
    low: float
    high: float


@dataclass(frozen=True, eq=False)
class MahalanobisOod:
    """The fitted check (implements :class:`~assistant.specialists.base.OodDetector`)."""

    numeric: tuple[str, ...]
    ranges: dict[str, NumericRange]
    counts: dict[str, dict[str, int]]  # categorical feature -> category -> training count
    n_train: int
    mean: FloatArray
    scale: FloatArray
    precision: FloatArray  # inverse covariance of the standardised numbers
    threshold: float  # training quantile of the distance

    # --- fitting --------------------------------------------------------------------------

    @classmethod
    def fit(cls, rows: Sequence[Row], categorical: Sequence[str],
            numeric: Sequence[str]) -> MahalanobisOod:
        x = np.array([[float(r[c]) for c in numeric] for r in rows], dtype=np.float64)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        z = (x - mean) / scale
        cov = np.cov(z, rowvar=False) + RIDGE * np.eye(len(numeric))
        precision = np.asarray(np.linalg.inv(cov), dtype=np.float64)
        distances = np.sqrt(np.einsum("ij,jk,ik->i", z, precision, z))
        return cls(
            numeric=tuple(numeric),
            ranges={c: NumericRange(float(x[:, i].min()), float(x[:, i].max()))
                    for i, c in enumerate(numeric)},
            counts={c: dict(Counter(str(r[c]) for r in rows)) for c in categorical},
            n_train=len(rows),
            mean=mean,
            scale=scale,
            precision=precision,
            threshold=float(np.quantile(distances, DISTANCE_QUANTILE)),
        )

    # --- checking -------------------------------------------------------------------------

    def check_batch(self, rows: Sequence[Row]) -> list[OodResult]:
        if not rows:
            return []
        x = np.array([[float(r[c]) for c in self.numeric] for r in rows], dtype=np.float64)
        z = (x - self.mean) / self.scale
        distances = np.sqrt(np.einsum("ij,jk,ik->i", z, self.precision, z))
        rare_below = RARE_SHARE * self.n_train
        results = []
        for i, row in enumerate(rows):
            reasons: list[str] = []
            for j, name in enumerate(self.numeric):
                bounds, value = self.ranges[name], x[i, j]
                if not bounds.low <= value <= bounds.high:
                    reasons.append(f"{name} {value:g} is outside the training range "
                                   f"[{bounds.low:g}, {bounds.high:g}]")
            for name, counts in self.counts.items():
                seen = counts.get(str(row[name]), 0)
                if seen == 0:
                    reasons.append(f"{name} {row[name]!r} never occurs in training")
                elif seen < rare_below:
                    reasons.append(f"{name} {row[name]!r} is rare in training "
                                   f"({seen} of {self.n_train})")
            score = float(distances[i] / self.threshold)
            if score > 1.0:
                reasons.append(f"unusual combination of numbers (distance {distances[i]:.2f} > "
                               f"{self.threshold:.2f}, the training {DISTANCE_QUANTILE:.0%} "
                               "quantile)")
            results.append(OodResult(bool(reasons), score, tuple(reasons)))
        return results

    # --- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "ranges+categories+mahalanobis",
            "numeric": list(self.numeric),
            "ranges": {k: [v.low, v.high] for k, v in self.ranges.items()},
            "counts": self.counts,
            "n_train": self.n_train,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "precision": self.precision.tolist(),
            "threshold": self.threshold,
            "rare_share": RARE_SHARE,
            "distance_quantile": DISTANCE_QUANTILE,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MahalanobisOod:
        return cls(
            numeric=tuple(data["numeric"]),
            ranges={k: NumericRange(float(low), float(high))
                    for k, (low, high) in data["ranges"].items()},
            counts={k: {c: int(n) for c, n in v.items()} for k, v in data["counts"].items()},
            n_train=int(data["n_train"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            precision=np.asarray(data["precision"], dtype=np.float64),
            threshold=float(data["threshold"]),
        )

    @classmethod
    def load(cls, path: str | Path) -> MahalanobisOod:
        """Read ``ood.json`` (a file or the artifact directory). Raises ModelError."""
        file = Path(path)
        if file.is_dir():
            file = file / "ood.json"
        try:
            return cls.from_dict(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot load the out-of-distribution check from {file}: "
                             f"{type(exc).__name__}: {exc}") from exc
