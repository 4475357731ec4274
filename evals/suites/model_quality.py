"""Model quality: 10-fold cross-validated discrimination, calibration and expected cost.

Every model kind the domain trains is compared, on the same folds, with the baseline rules
and with declining everyone; the figures come from :meth:`DocketService.model_quality`.
Confidence intervals are Student-t intervals over the folds (when fold spreads are given).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.stats import mean_ci_from_sd
from evals.core import Better, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.core import Dataset as EvalDataset
from evals.errors import EvalError
from evals.registry import suite

FOLDS = 10
# metric key -> (short name, better, tolerance, description)
KNOWN: dict[str, tuple[str, Better, float, str]] = {
    "roc_auc": ("roc_auc", "higher", 0.02, "ROC AUC, out of fold"),
    "brier": ("brier", "lower", 0.01, "Brier score, out of fold"),
    "calibration_error": ("calibration_error", "lower", 0.02,
                          "expected calibration error (10 bins), out of fold"),
    "expected_cost": ("cv_expected_cost", "lower", 0.02,
                      "10-fold cross-validated expected cost per case (cost matrix)"),
}
SPREAD_SUFFIXES = ("_sd", "_std")


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def is_reference(name: str) -> bool:
    """The baseline rules and the "<action> everyone" row fit nothing: they are references
    (whatever the pack calls the refusing action)."""
    lowered = name.lower()
    return any(word in lowered for word in ("baseline", "rule", "everyone", "refuse"))


def _canonical(key: str) -> str | None:
    key = key.lower().removeprefix("cv_").removesuffix("_mean")
    return key if key in KNOWN else None


def _figure(raw: Any) -> tuple[float, float | None] | None:
    """(mean, sd) from a float or a {"mean", "sd"} mapping."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw), None
    if isinstance(raw, Mapping) and isinstance(raw.get("mean"), int | float):
        sd = raw.get("sd", raw.get("std"))
        return float(raw["mean"]), float(sd) if isinstance(sd, int | float) else None
    return None


def metrics_of(name: str, figures: Mapping[str, Any], folds: int) -> list[Metric]:
    out: list[Metric] = []
    for key, raw in figures.items():
        canonical = _canonical(key)
        parsed = _figure(raw)
        if canonical is None or parsed is None or not math.isfinite(parsed[0]):
            continue
        mean, sd = parsed
        if sd is None:
            spread = next((figures[key + s] for s in SPREAD_SUFFIXES if key + s in figures), None)
            sd = float(spread) if isinstance(spread, int | float) else None
        short, better, tolerance, description = KNOWN[canonical]
        out.append(Metric(
            f"{slug(name)}.{short}", mean,
            ci=mean_ci_from_sd(mean, sd, folds) if sd is not None else None, n=folds,
            better=better, tolerance=tolerance, description=f"{name}: {description}",
        ))
    return out


def _cost(metrics: Sequence[Metric], name: str) -> float | None:
    return next((m.value for m in metrics if m.name == f"{slug(name)}.cv_expected_cost"), None)


def score(solved: Sequence[Solved]) -> Scores:
    metrics: list[Metric] = []
    tables: list[Table] = []
    notes: list[str] = []
    for item in solved:
        quality: Mapping[str, Mapping[str, Any]] = item.output
        if not quality:
            raise EvalError("model_quality returned no models")
        folds = FOLDS
        for name, figures in quality.items():
            metrics += metrics_of(name, figures, int(figures.get("folds", folds) or folds))
        models = [n for n in quality if not is_reference(n)]
        references = [n for n in quality if is_reference(n)]
        costed = [(c, n) for n in models if (c := _cost(metrics, n)) is not None]
        if costed:
            best_cost, best = min(costed)
            notes.append(f"best model by cross-validated expected cost: {best} ({best_cost:.4f})")
            for ref in references:
                ref_cost = _cost(metrics, ref)
                if ref_cost is not None:
                    metrics.append(Metric(
                        f"best_model.saving_vs_{slug(ref)}", ref_cost - best_cost, n=folds,
                        better="higher", tolerance=0.02, min=0.0,
                        description=f"expected cost per case saved by the best model "
                                    f"against {ref} (must stay above 0)"))
        columns = ("model", *[KNOWN[k][0] for k in KNOWN])
        rows = []
        for name in quality:
            by_short = {m.name.split(".", 1)[1]: m.value for m in metrics
                        if m.name.startswith(slug(name) + ".")}
            rows.append((name, *[by_short.get(KNOWN[k][0]) for k in KNOWN]))
        tables.append(Table(f"{FOLDS}-fold cross-validated figures ({item.sample.id})",
                            tuple(columns), tuple(rows)))
    return Scores(metrics, tables, notes)


def dataset(ctx: EvalContext) -> EvalDataset:
    return EvalDataset("domain", (Sample(ctx.domain, ctx.domain),),
                       source=f"{ctx.domain} historical cases, {FOLDS} stratified folds")


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[Any]:
    return [ctx.service.model_quality(str(s.input), folds=FOLDS) for s in samples]


@suite("model_quality", summary="ROC AUC, Brier, calibration, 10-fold CV expected cost",
       fast=False)
def model_quality() -> Task:
    return Task("model_quality", __doc__ or "", dataset, solve, score)
