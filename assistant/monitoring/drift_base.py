"""What the drift modules share: column types, bin names and the drift thresholds,
and turning rows or columns into numpy arrays."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

Column = Sequence[object] | NDArray[Any]
Rows = Sequence[Mapping[str, object]]
Columns = Mapping[str, Column]
Table = Rows | Columns
"""Rows as a read model gives them, or columns (name → sequence/array) for speed."""

MISSING = "<missing>"
UNSEEN = "<unseen>"
FORMAT_VERSION = 1

Kind = Literal["numeric", "categorical", "prediction"]
Method = Literal["ks", "chi2", "wasserstein", "jensen_shannon"]
Band = Literal["stable", "moderate", "significant"]


class DriftSettings(BaseModel):
    """Thresholds of the drift verdicts (defaults: Evidently's and the PSI conventions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p_value: float = Field(default=0.05, gt=0, lt=1, description="test drifts when p < this")
    distance: float = Field(default=0.1, gt=0, description="distance drifts when >= this")
    large_reference: int | None = Field(
        default=None,
        ge=1,
        description=(
            "references with more rows use distances, not tests (None: tests at any size; "
            "their p-values hold at any reference size, the distances' fixed threshold does not)"
        ),
    )
    min_expected: float = Field(
        default=5.0,
        ge=0,
        description="categories expected fewer times than this are pooled for the chi-squared test",
    )
    dataset_share: float = Field(
        default=0.5, gt=0, le=1, description="dataset drifts at this share"
    )
    psi_moderate: float = Field(default=0.1, ge=0)
    psi_significant: float = Field(default=0.25, ge=0)
    epsilon: float = Field(default=1e-4, gt=0, lt=0.1, description="floor of bin shares in PSI")
    min_current: int = Field(
        default=30, ge=1, description="fewer current values: reported, never drifted"
    )


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------


def as_float(values: Column) -> FloatArray:
    """Values as float64; ``None``, unparsable and non-finite values become NaN (= missing)."""
    try:
        x = np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError):
        x = np.fromiter((_to_float(v) for v in values), dtype=np.float64, count=len(values))
    x[~np.isfinite(x)] = np.nan
    return x


def category_key(value: object) -> str:
    """The category a raw value counts as: strings as-is, ``None``/NaN → :data:`MISSING`."""
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def category_codes(values: Column, index: Mapping[str, int], unseen: int) -> IntArray:
    """Bin of each value (``unseen`` for categories not in ``index``).

    Each *distinct* value is resolved once, then one C-level dict lookup per value. Values equal
    under Python's ``==`` (``1``, ``1.0``, ``True``) count as one category.
    """
    items = values.tolist() if isinstance(values, np.ndarray) else values
    try:
        lookup = {v: index.get(category_key(v), unseen) for v in set(items)}
        return np.fromiter(map(lookup.__getitem__, items), dtype=np.intp, count=len(items))
    except TypeError:  # unhashable values: resolve one by one
        keys = (index.get(category_key(v), unseen) for v in items)
        return np.fromiter(keys, dtype=np.intp, count=len(items))


def _to_float(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return math.nan


def numeric_counts(x: FloatArray, edges: FloatArray) -> IntArray:
    nbins = edges.size + 1
    missing = np.isnan(x)
    codes = np.searchsorted(edges, x, side="left")
    codes[missing] = nbins
    return np.bincount(codes, minlength=nbins + 1)


def safe_scale(*arrays: FloatArray) -> float:
    """A power of two to divide by (exactly) so sums and differences cannot overflow."""
    top = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    return 1.0 if top < 1e150 else math.ldexp(1.0, math.frexp(top)[1] - 1)


def shares(counts: FloatArray) -> FloatArray:
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def smoothed(counts: FloatArray, epsilon: float) -> FloatArray:
    shares: FloatArray = np.maximum(counts / counts.sum(), epsilon)
    smoothed: FloatArray = shares / shares.sum()
    return smoothed


def n_rows(table: Table) -> int:
    if isinstance(table, Mapping):
        return max((len(c) for c in table.values()), default=0)
    return len(table)


def columns_of(table: Table, names: Sequence[str]) -> dict[str, Column]:
    """The named columns; from rows in one transposing pass (missing keys → ``None``)."""
    n = n_rows(table)
    if isinstance(table, Mapping):
        return {name: table.get(name, [None] * n) for name in names}
    if not names:
        return {}
    try:
        picked = map(itemgetter(*names), table)
        transposed = list(zip(*picked, strict=True)) if len(names) > 1 else [list(picked)]
    except (KeyError, IndexError, TypeError):  # a row lacks a key: slow path
        transposed = [[row.get(name) for row in table] for name in names]
    if not transposed:
        transposed = [[] for _ in names]
    return dict(zip(names, transposed, strict=True))
