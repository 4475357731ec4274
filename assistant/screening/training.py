"""Training the note detector (scikit-learn, skl2onnx) and measuring it across sources.

Protocol (see ``evals/datasets/redteam/PROVENANCE.md``): every labelled text carries the
*source* it came from. The model and its threshold are fitted on the tuning sources only:

1. the threshold is chosen on out-of-fold probabilities from leave-one-source-out over
   the tuning sources (each source scored by a model that never saw it), as the
   ``1 - max_false_flags`` quantile of the benign texts' probabilities (so, on sources it
   did not see, about that share of ordinary notes would be flagged);
2. the shipped model is fitted on all tuning texts, each (source, label) group weighted
   alike (:func:`source_weights`);
3. figures are measured on the held-out sources only, repeated over bootstrap resamples
   of the tuning texts (each resample refits the model and re-chooses its threshold), and
   reported as mean ± sd, for the model alone and for the model combined with the rules.

Nothing here is on the intake path; :mod:`.detector` serves the exported model.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from scipy.sparse import csr_matrix
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

from events.errors import ModelError
from guardrails.ngrams import DIMENSIONS, note_features

OUTPUT = "probabilities"
PARITY_TOLERANCE = 1e-5
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Labelled:
    text: str
    injection: bool
    source: str
    category: str = ""


def features(texts: Sequence[str]) -> csr_matrix:
    """The hashed n-gram matrix of ``texts`` (rows of unit length)."""
    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    for text in texts:
        row = note_features(text)
        indices.extend(row)
        data.extend(row.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(texts), DIMENSIONS), dtype=np.float32)


def source_weights(rows: Sequence[Labelled]) -> FloatArray:
    """Sample weights giving every (source, label) group the same total weight within its
    class, and both classes the same total: a big source (hundreds of one set's variants)
    does not drown a small one. Chosen on leave-one-source-out over the tuning sources
    only (mean out-of-source recall 73.0 % against 69.9 % for plain balanced classes, at
    the same false-flag quantile)."""
    label = np.array([r.injection for r in rows])
    sizes = Counter((r.source, r.injection) for r in rows)
    weights = np.array([1.0 / sizes[(r.source, r.injection)] for r in rows])
    for cls in (True, False):
        if label[label == cls].size:
            weights[label == cls] *= len(rows) / 2 / weights[label == cls].sum()
    return weights


def fit(rows: Sequence[Labelled], *, c: float = 4.0) -> LogisticRegression:
    """A logistic regression on ``rows`` weighted by :func:`source_weights`."""
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(features([r.text for r in rows]), np.array([r.injection for r in rows]),
              sample_weight=source_weights(rows))
    return model


def out_of_source(rows: Sequence[Labelled], *, c: float = 4.0) -> FloatArray:
    """p(injection) for every row from a model that never saw the row's source."""
    probabilities = np.zeros(len(rows))
    for source in sorted({r.source for r in rows}):
        inside = [r for r in rows if r.source != source]
        outside = [i for i, r in enumerate(rows) if r.source == source]
        model = fit(inside, c=c)
        chosen = features([rows[i].text for i in outside])
        probabilities[outside] = model.predict_proba(chosen)[:, 1]
    return probabilities


def choose_threshold(
    rows: Sequence[Labelled], probabilities: FloatArray, *, max_false_flags: float
) -> float:
    """The ``1 - max_false_flags`` quantile of the benign rows' out-of-source probabilities."""
    benign = np.array([p for r, p in zip(rows, probabilities, strict=True) if not r.injection])
    return float(max(0.5, np.quantile(benign, 1.0 - max_false_flags)))


def export(model: LogisticRegression, rows: Sequence[Labelled]) -> bytes:
    """The model as ONNX; refused if its probabilities differ from scikit-learn's."""
    onnx_model = convert_sklearn(
        model, "note_detector", [("features", FloatTensorType([None, DIMENSIONS]))],
        options={id(model): {"zipmap": False}}, final_types=None,
    )
    payload: bytes = onnx_model.SerializeToString()
    session = ort.InferenceSession(payload, providers=["CPUExecutionProvider"])
    dense = features([r.text for r in rows]).toarray().astype(np.float32)
    [onnx_p] = session.run([OUTPUT], {session.get_inputs()[0].name: dense})
    gap = float(np.max(np.abs(onnx_p[:, 1] - model.predict_proba(dense)[:, 1])))
    if gap > PARITY_TOLERANCE:
        raise ModelError(f"ONNX probabilities differ from scikit-learn's by {gap:.2e}")
    return payload


@dataclass(frozen=True)
class SourceFigure:
    """Figures on one held-out source: mean ± sd over resamples."""

    source: str
    kind: str  # "recall" (injection source) or "false_flags" (benign texts)
    n: int
    model: tuple[float, float]
    combined: tuple[float, float]
    rules: float


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    return (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def cross_source_report(
    tuning: Sequence[Labelled],
    heldout: Sequence[Labelled],
    rules: Callable[[str], bool],
    *,
    repeats: int = 5,
    max_false_flags: float = 0.01,
    seed: int = 7,
) -> dict[str, Any]:
    """Held-out figures of the model alone, the rules alone and both, mean ± sd over
    ``repeats`` bootstrap resamples of the tuning texts. The held-out texts are only scored."""
    rng = np.random.default_rng(seed)
    rule_flags = [rules(r.text) for r in heldout]
    groups = _groups(heldout)
    per_repeat: dict[tuple[str, str], list[tuple[float, float]]] = {k: [] for k in groups}
    thresholds = []
    for _ in range(repeats):
        sample = [tuning[i] for i in rng.integers(0, len(tuning), len(tuning))]
        threshold = choose_threshold(sample, out_of_source(sample),
                                     max_false_flags=max_false_flags)
        thresholds.append(threshold)
        model = fit(sample)
        p = model.predict_proba(features([r.text for r in heldout]))[:, 1]
        for key, members in groups.items():
            alone = statistics.fmean(float(p[i] >= threshold) for i in members)
            both = statistics.fmean(float(p[i] >= threshold or rule_flags[i]) for i in members)
            per_repeat[key].append((alone, both))
    figures = [
        SourceFigure(source, kind, len(groups[(source, kind)]),
                     _mean_sd([a for a, _ in values]), _mean_sd([b for _, b in values]),
                     statistics.fmean(float(rule_flags[i]) for i in groups[(source, kind)]))
        for (source, kind), values in sorted(per_repeat.items())
    ]
    return {
        "repeats": repeats,
        "threshold": _mean_sd(thresholds),
        "figures": [f.__dict__ for f in figures],
        "pooled": _pooled(groups, per_repeat, rule_flags),
    }


def _groups(rows: Sequence[Labelled]) -> dict[tuple[str, str], list[int]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r.source, "recall" if r.injection else "false_flags"), []).append(i)
    return groups


def _pooled(
    groups: dict[tuple[str, str], list[int]],
    per_repeat: dict[tuple[str, str], list[tuple[float, float]]],
    rule_flags: Sequence[bool],
) -> dict[str, Any]:
    """All held-out injections together and all held-out benign texts together."""
    pooled: dict[str, Any] = {}
    for kind in ("recall", "false_flags"):
        keys = [k for k in groups if k[1] == kind]
        n = sum(len(groups[k]) for k in keys)
        if not n:
            continue
        repeats = len(next(iter(per_repeat.values())))
        model_runs = [sum(per_repeat[k][r][0] * len(groups[k]) for k in keys) / n
                      for r in range(repeats)]
        both_runs = [sum(per_repeat[k][r][1] * len(groups[k]) for k in keys) / n
                     for r in range(repeats)]
        members = [i for k in keys for i in groups[k]]
        pooled[kind] = {"n": n, "model": _mean_sd(model_runs), "combined": _mean_sd(both_runs),
                        "rules": statistics.fmean(float(rule_flags[i]) for i in members)}
    return pooled


def build(
    tuning: Sequence[Labelled], *, max_false_flags: float = 0.01, version: str = "2"
) -> tuple[bytes, dict[str, Any]]:
    """The shipped model (fitted on every tuning text) and its card."""
    threshold = choose_threshold(tuning, out_of_source(tuning), max_false_flags=max_false_flags)
    model = fit(tuning)
    payload = export(model, tuning)
    card = {
        "version": version,
        "kind": "logistic regression over hashed character 3-5-grams and word 1-2-grams",
        "dimensions": DIMENSIONS,
        "output": OUTPUT,
        "threshold": round(threshold, 6),
        "threshold_rule": f"{1 - max_false_flags:.0%} quantile of benign out-of-source "
                          "probabilities on the tuning sources (leave-one-source-out)",
        "weighting": "each (source, label) group weighted alike, classes balanced",
        "tuning_sources": sorted({r.source for r in tuning}),
        "tuning_texts": {"injection": sum(r.injection for r in tuning),
                         "benign": sum(not r.injection for r in tuning)},
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    return payload, card
