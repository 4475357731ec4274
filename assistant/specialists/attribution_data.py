"""What training writes to ``explain.json``: the data per-case attributions are computed
from at serving time (:mod:`assistant.specialists.attributions`, which needs no
scikit-learn): exact logit weights for logistic regression, a reference row for occlusion.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from assistant.domains.base import DomainPack
from assistant.specialists.pipelines import ObjectArray


def _shares(column: ObjectArray) -> dict[str, float]:
    """Share of each label in one categorical column (a label's count over all rows)."""
    labels, counts = np.unique(column.astype(str), return_counts=True)
    return {str(lab): int(n) / len(column) for lab, n in zip(labels, counts, strict=True)}


def _mode(column: ObjectArray) -> str:
    """The most frequent label; the smallest such label on ties."""
    labels, counts = np.unique(column.astype(str), return_counts=True)
    return str(labels[int(np.argmax(counts))])


def linear_explain(pipeline: Pipeline, pack: DomainPack, x: ObjectArray) -> dict[str, Any]:
    """A logistic regression's exact attributions: each category's weight centred on the
    training average, each number's weight, mean and scale, and the average case's logit."""
    pre = pipeline.named_steps["pre"]
    # A pack without categorical (or numeric) features has no such block.
    one_hot: OneHotEncoder | None = pre.named_transformers_.get("cat")
    scaler: StandardScaler | None = pre.named_transformers_.get("num")
    clf: LogisticRegression = pipeline.named_steps["clf"]
    coef = clf.coef_[0]
    base = float(clf.intercept_[0])
    categorical: list[dict[str, Any]] = []
    offset = 0
    for j, name in enumerate(pack.categorical):
        assert one_hot is not None  # there are categorical features
        labels = [str(c) for c in one_hot.categories_[j]]
        weights = coef[offset : offset + len(labels)]
        offset += len(labels)
        share = _shares(x[:, j])
        average = float(
            sum(share.get(lab, 0.0) * w for lab, w in zip(labels, weights, strict=True))
        )
        base += average
        categorical.append(
            {
                "feature": name,
                "weights": {
                    lab: float(w) - average for lab, w in zip(labels, weights, strict=True)
                },
                "unknown": -average,
            }
        )
    numeric = [
        {
            "feature": name,
            "mean": float(scaler.mean_[j]),
            "scale": float(scaler.scale_[j]),
            "weight": float(coef[offset + j]),
        }
        for j, name in enumerate(pack.numeric)
        if scaler is not None
    ]
    return {
        "method": "linear-logit",
        "categorical": categorical,
        "numeric": numeric,
        "base": base,
        "intercept": float(clf.intercept_[0]),
    }


def occlusion_explain(pack: DomainPack, x: ObjectArray) -> dict[str, Any]:
    """Any model's occlusion reference: the training mode of each category and median of
    each number."""
    n_cat = len(pack.categorical)
    reference: dict[str, Any] = {c: _mode(x[:, j]) for j, c in enumerate(pack.categorical)}
    reference.update(
        {
            n: float(np.median(np.asarray(x[:, n_cat + j], dtype=np.float64)))
            for j, n in enumerate(pack.numeric)
        }
    )
    return {
        "method": "occlusion",
        "categorical": list(pack.categorical),
        "numeric": list(pack.numeric),
        "reference": reference,
    }
