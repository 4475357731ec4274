"""Per-case attributions without scikit-learn: what pushed this case's risk up or down.

* :class:`LinearAttributions` (logistic regression): exact and additive, in logit space.
  A categorical feature contributes its category's coefficient minus the training-average
  coefficient of that feature; a number contributes ``coefficient * (x - mean) / scale``
  (its standardised value; zero at the training mean). ``base`` is the logit of an
  average training applicant, and ``base + sum(contributions)`` equals the model's logit.
* :class:`OcclusionAttributions` (any model, used for trees): for each feature, the model's
  probability minus its probability with that feature replaced by the training reference
  value (mode for categories, median for numbers), all scored in one onnxruntime batch.
  Cheap (one extra row per feature) and dependency-free, but *not* additive: interactions
  mean the contributions need not sum to anything. Sign: positive pushes towards 'bad'.

Both read what they need from ``explain.json``, written at training time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from assistant.specialists.base import AttributionMethod

ObjectArray = npt.NDArray[np.object_]
Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]
Predict = Callable[[ObjectArray, Float32Array], FloatArray]


@dataclass(frozen=True, eq=False)
class LinearAttributions:
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    category_weights: tuple[dict[str, float], ...]  # centred, per categorical feature
    unknown_weights: tuple[float, ...]  # centred weight of an unseen category (all-zero one-hot)
    mean: FloatArray
    scale: FloatArray
    weight: FloatArray
    base: float  # logit of the average training applicant

    method: ClassVar[AttributionMethod] = "linear-logit"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearAttributions:
        cats, nums = data["categorical"], data["numeric"]  # ordered lists of feature entries
        return cls(
            categorical=tuple(c["feature"] for c in cats),
            numeric=tuple(n["feature"] for n in nums),
            category_weights=tuple({k: float(v) for k, v in c["weights"].items()} for c in cats),
            unknown_weights=tuple(float(c["unknown"]) for c in cats),
            mean=np.array([n["mean"] for n in nums], dtype=np.float64),
            scale=np.array([n["scale"] for n in nums], dtype=np.float64),
            weight=np.array([n["weight"] for n in nums], dtype=np.float64),
            base=float(data["base"]),
        )

    def contributions(self, cat: ObjectArray, num: Float32Array) -> FloatArray:
        """Matrix [rows, categorical + numeric features] of logit contributions."""
        out = np.empty((cat.shape[0], len(self.categorical) + len(self.numeric)))
        for j, (weights, unknown) in enumerate(
            zip(self.category_weights, self.unknown_weights, strict=True)
        ):
            out[:, j] = [weights.get(v, unknown) for v in cat[:, j]]
        out[:, len(self.categorical):] = (
            (num.astype(np.float64) - self.mean) / self.scale * self.weight
        )
        return out


@dataclass(frozen=True, eq=False)
class OcclusionAttributions:
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    reference_cat: ObjectArray  # shape [n_cat]
    reference_num: Float32Array  # shape [n_num]

    method: ClassVar[AttributionMethod] = "occlusion"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OcclusionAttributions:
        ref = data["reference"]
        cats, nums = tuple(data["categorical"]), tuple(data["numeric"])
        return cls(
            categorical=cats,
            numeric=nums,
            reference_cat=np.array([ref[c] for c in cats], dtype=object),
            reference_num=np.array([ref[n] for n in nums], dtype=np.float32),
        )

    def base(self, predict: Predict) -> float:
        """Probability of the all-reference applicant."""
        return float(predict(self.reference_cat[None, :], self.reference_num[None, :])[0])

    def contributions(
        self, cat: ObjectArray, num: Float32Array, p: FloatArray, predict: Predict
    ) -> FloatArray:
        """Matrix [rows, features]: p minus p with one feature set to its reference.

        A feature already at its reference value changes nothing when set to it: its
        contribution is exactly 0 (p minus itself), so the model is run only on the
        occluded rows that differ from their row (about half of them on real credit
        rows: the reference is each column's typical value).
        """
        n_cat, n_feat = len(self.categorical), len(self.categorical) + len(self.numeric)
        differs = np.concatenate(
            [cat != self.reference_cat[None, :], num != self.reference_num[None, :]], axis=1
        )
        row, feature = np.nonzero(differs)  # row-major: the same order as the full grid
        cat_rep, num_rep = cat[row], num[row]
        is_cat = feature < n_cat
        at = np.arange(row.size)
        cat_rep[at[is_cat], feature[is_cat]] = self.reference_cat[feature[is_cat]]
        num_feature = feature[~is_cat] - n_cat
        num_rep[at[~is_cat], num_feature] = self.reference_num[num_feature]
        occluded = np.repeat(np.asarray(p, dtype=np.float64)[:, None], n_feat, axis=1)
        if row.size:
            occluded[row, feature] = predict(cat_rep, num_rep)
        return np.asarray(p[:, None] - occluded, dtype=np.float64)


def attribution_dicts(
    features: Sequence[str], matrix: FloatArray
) -> list[dict[str, float]]:
    """One {feature: contribution} dict per row (``tolist`` gives Python floats, the same
    values as ``float()`` of each cell, in half the time)."""
    return [dict(zip(features, row, strict=True)) for row in np.asarray(matrix).tolist()]
