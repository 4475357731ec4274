"""The drift reference: the training rows summarised once (bins, counts, sorted values),
saved with the model artifact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.monitoring.drift_base import (
    FORMAT_VERSION,
    MISSING,
    UNSEEN,
    Column,
    Table,
    as_float,
    category_key,
    columns_of,
    n_rows,
    numeric_counts,
    safe_scale,
)

# --------------------------------------------------------------------------------------------
# The reference (fitted once, saved with the model artifact)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumericReference:
    """Bins and a sample of one numeric feature.

    ``edges`` are strictly increasing interior cut points; value ``x`` falls in bin
    ``searchsorted(edges, x, side="left")``, i.e. ``x ≤ e_1``, ``e_1 < x ≤ e_2``, …, ``x > e_k``,
    and missing/non-finite values in the last bin. ``counts`` has ``len(edges) + 2`` entries.
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    sample: tuple[float, ...]
    n_values: int
    std: float

    @classmethod
    def fit(cls, values: Column, bins: int = 10, sketch_size: int = 1000) -> NumericReference:
        x = as_float(values)
        finite = np.sort(x[~np.isnan(x)])
        scale = safe_scale(finite)  # 1.0 unless values near the float limit
        if finite.size:
            cuts = np.quantile(finite / scale, np.linspace(0.0, 1.0, bins + 1)[1:-1]) * scale
            edges = np.unique(cuts)
        else:
            edges = np.empty(0)
        if finite.size > sketch_size:
            sample = np.quantile(finite / scale, np.linspace(0.0, 1.0, sketch_size)) * scale
        else:
            sample = finite
        counts = numeric_counts(x, edges)
        std = float(np.std(finite / scale)) * scale if finite.size else 0.0
        return cls(
            edges=tuple(float(e) for e in edges),
            counts=tuple(int(c) for c in counts),
            sample=tuple(float(s) for s in sample),
            n_values=int(finite.size),
            std=std,
        )

    def labels(self) -> tuple[str, ...]:
        e = self.edges
        if not e:
            return ("all values", "missing")
        middle = [f"({lo:g}, {hi:g}]" for lo, hi in zip(e, e[1:], strict=False)]
        return (f"<= {e[0]:g}", *middle, f"> {e[-1]:g}", "missing")

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": list(self.edges),
            "counts": list(self.counts),
            "sample": list(self.sample),
            "n_values": self.n_values,
            "std": self.std,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NumericReference:
        edges = tuple(float(e) for e in data["edges"])
        counts = tuple(int(c) for c in data["counts"])
        increasing = all(a < b for a, b in zip(edges, edges[1:], strict=False))
        if len(counts) != len(edges) + 2 or not increasing:
            raise ValueError("numeric reference: edges must increase and counts fit the bins")
        return cls(
            edges=edges,
            counts=counts,
            sample=tuple(float(s) for s in data["sample"]),
            n_values=int(data["n_values"]),
            std=float(data["std"]),
        )


@dataclass(frozen=True)
class CategoricalReference:
    """Counts of each category; slots are ``categories`` then :data:`UNSEEN` (0 in training).

    :data:`MISSING` (``None``/NaN) is always one of ``categories``, possibly with count 0.
    """

    categories: tuple[str, ...]
    counts: tuple[int, ...]

    @classmethod
    def fit(cls, values: Column) -> CategoricalReference:
        tally = Counter(category_key(v) for v in values)
        tally.setdefault(MISSING, 0)
        categories = tuple(sorted(tally))
        return cls(categories, tuple(tally[c] for c in categories) + (0,))

    def labels(self) -> tuple[str, ...]:
        return (*self.categories, UNSEEN)

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.categories)}

    def to_dict(self) -> dict[str, Any]:
        return {"categories": list(self.categories), "counts": list(self.counts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CategoricalReference:
        categories = tuple(str(c) for c in data["categories"])
        counts = tuple(int(c) for c in data["counts"])
        if len(counts) != len(categories) + 1 or MISSING not in categories:
            raise ValueError("categorical reference: counts must cover categories + unseen")
        return cls(categories, counts)


@dataclass(frozen=True)
class DriftReference:
    """What the training data looked like, per feature (and optionally its ``p_bad`` scores)."""

    n_rows: int
    numeric: Mapping[str, NumericReference]
    categorical: Mapping[str, CategoricalReference]
    scores: NumericReference | None = None

    @classmethod
    def fit(
        cls,
        rows: Table,
        numeric: Sequence[str],
        categorical: Sequence[str],
        *,
        scores: Column | None = None,
        bins: int = 10,
        sketch_size: int = 1000,
    ) -> DriftReference:
        """Summarise training ``rows`` (or columns); ``scores``: the model's ``p_bad`` on them."""
        if bins < 1:
            raise ValueError("bins must be >= 1")
        cols = columns_of(rows, [*numeric, *categorical])
        return cls(
            n_rows=n_rows(rows),
            numeric={name: NumericReference.fit(cols[name], bins, sketch_size) for name in numeric},
            categorical={name: CategoricalReference.fit(cols[name]) for name in categorical},
            scores=None if scores is None else NumericReference.fit(scores, bins, sketch_size),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable form (floats, ints, strings, lists, dicts)."""
        return {
            "format": FORMAT_VERSION,
            "n_rows": self.n_rows,
            "numeric": {k: v.to_dict() for k, v in self.numeric.items()},
            "categorical": {k: v.to_dict() for k, v in self.categorical.items()},
            "scores": None if self.scores is None else self.scores.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReference:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported drift reference format: {data.get('format')!r}")
        scores = data.get("scores")
        return cls(
            n_rows=int(data["n_rows"]),
            numeric={k: NumericReference.from_dict(v) for k, v in data["numeric"].items()},
            categorical={
                k: CategoricalReference.from_dict(v) for k, v in data["categorical"].items()
            },
            scores=None if scores is None else NumericReference.from_dict(scores),
        )
