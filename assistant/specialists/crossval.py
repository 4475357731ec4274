"""Cross-validated evidence for a model kind: decision costs under the policy,
calibration, ROC AUC and Brier score on out-of-fold probabilities, and the cost table
against the baseline rules and refuse-all."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from assistant.domains.base import Dataset, DomainPack
from assistant.policies import PolicySpec
from assistant.specialists.pipelines import (
    KINDS,
    FloatArray,
    IntArray,
    ModelKind,
    build_pipeline,
    dataset_matrix,
    risk_labels,
)


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold probabilities and per-fold metrics of one model kind."""

    kind: str
    folds: int
    seed: int
    p_bad: FloatArray  # out-of-fold, one per row
    fold_of: IntArray  # fold index of each row
    fold_metrics: list[dict[str, float]]

    def summary(self) -> dict[str, dict[str, float]]:
        names = self.fold_metrics[0].keys()
        return {
            name: {
                "mean": float(np.mean([m[name] for m in self.fold_metrics])),
                "sd": float(np.std([m[name] for m in self.fold_metrics], ddof=1)),
            }
            for name in names
        }


@dataclass(frozen=True)
class CostRow:
    """One line of the cross-validated expected-cost table."""

    name: str
    expected_cost: float  # mean over folds (or over repeats), per applicant
    sd: float  # standard deviation over folds (or over repeats)
    folds: int
    repeats: int = 1
    seed: int = 0


# --- evaluation ----------------------------------------------------------------------------


def decision_costs(p_bad: FloatArray, y: IntArray, spec: PolicySpec) -> FloatArray:
    """Realised cost per case of deciding by minimum expected cost (no escalation)."""
    risk, safe = spec.risk_outcome, spec.safe_outcome
    actions = spec.decisive_actions
    expected = np.stack(
        [p_bad * spec.costs[a][risk] + (1 - p_bad) * spec.costs[a][safe] for a in actions]
    )
    chosen = np.argmin(expected, axis=0)
    if_risk = np.array([spec.costs[a][risk] for a in actions])[chosen]
    if_safe = np.array([spec.costs[a][safe] for a in actions])[chosen]
    return np.asarray(np.where(y == 1, if_risk, if_safe), dtype=np.float64)


def calibration_error(p: FloatArray, y: IntArray, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(p[mask].mean() - y[mask].mean())
    return float(total / len(p))


def reliability(p: FloatArray, y: IntArray, bins: int = 10) -> list[dict[str, float]]:
    which = np.minimum((p * bins).astype(int), bins - 1)
    return [
        {
            "bin_low": b / bins,
            "bin_high": (b + 1) / bins,
            "n": int(mask.sum()),
            "mean_p": float(p[mask].mean()),
            "observed_rate": float(y[mask].mean()),
        }
        for b in range(bins)
        if (mask := which == b).any()
    ]


def fold_assignment(y: IntArray, folds: int, seed: int) -> IntArray:
    fold_of = np.empty(len(y), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y)):
        fold_of[test] = k
    return fold_of


def cross_validate(
    pack: DomainPack,
    kind: ModelKind,
    *,
    folds: int = 10,
    seed: int = 0,
    data: Dataset | None = None,
    scored_rows: int | None = None,
    on_step: Callable[[str], None] | None = None,
) -> CrossValidation:
    """Stratified k-fold: fit everything on the training folds, score the held-out fold.

    Rows carry their ``data.weights`` into every fit. ``scored_rows``: only the first that
    many rows count in the fold metrics (retraining passes the pack's own rows, so logged
    outcomes, a selected sample, train the model but never judge it). ``on_step`` hears of
    each fold as it starts (a fit takes up to a few seconds: the CLI shows progress).
    """
    data = data or pack.load_dataset()
    x, y = dataset_matrix(pack, data)
    w = np.asarray(data.weights, dtype=np.float64) if data.weights is not None else None
    judged = np.arange(len(y)) < (scored_rows if scored_rows is not None else len(y))
    spec = pack.default_policy
    fold_of = fold_assignment(y, folds, seed)
    p = np.zeros(len(y))
    metrics = []
    for k in range(folds):
        if on_step is not None:
            on_step(f"{kind}: cross-validation fold {k + 1} of {folds}")
        train_rows, test_rows = fold_of != k, fold_of == k
        model = clone(build_pipeline(kind, pack, seed))
        fit_params = {} if w is None else {"clf__sample_weight": w[train_rows]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            model.fit(x[train_rows], y[train_rows], **fit_params)
        p[test_rows] = model.predict_proba(x[test_rows])[:, 1]
        scored = test_rows & judged
        metrics.append(_metrics(p[scored], y[scored], spec))
    return CrossValidation(kind, folds, seed, p, fold_of, metrics)


def _metrics(p: FloatArray, y: IntArray, spec: PolicySpec) -> dict[str, float]:
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "expected_cost": float(decision_costs(p, y, spec).mean()),
        "calibration_error": calibration_error(p, y),
    }


def cross_validated_metrics(
    pack: DomainPack,
    kinds: Sequence[ModelKind] = KINDS,
    *,
    folds: int = 10,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Per model kind, the baseline rules and "refuse everyone": mean and sd over folds.

    Keys per entry: ``expected_cost``, ``expected_cost_sd`` (all); ``roc_auc``, ``brier``,
    ``calibration_error`` (models only). All entries use the same folds. The baseline rules
    and "refuse everyone" fit nothing; their fold figures are their costs on each fold.
    """
    data = pack.load_dataset()
    y = risk_labels(pack, data)
    spec = pack.default_policy
    fold_of = fold_assignment(y, folds, seed)
    table: dict[str, dict[str, float]] = {}
    for kind in kinds:
        summary = cross_validate(pack, kind, folds=folds, seed=seed, data=data,
                                 on_step=on_step).summary()
        table[kind] = {name: value["mean"] for name, value in summary.items()}
        table[kind]["expected_cost_sd"] = summary["expected_cost"]["sd"]
    risk, safe = spec.risk_outcome, spec.safe_outcome
    baseline_cost = np.array(
        [
            spec.costs[pack.baseline(row).action][risk if yi else safe]
            for row, yi in zip(data.rows, y, strict=True)
        ]
    )
    refuse = spec.best_action_for(risk)
    refuse_cost = np.where(y == 1, spec.costs[refuse][risk], spec.costs[refuse][safe])
    for name, per_case in (("baseline rules", baseline_cost), (f"{refuse} everyone", refuse_cost)):
        by_fold = [float(per_case[fold_of == k].mean()) for k in range(folds)]
        table[name] = {
            "expected_cost": float(np.mean(by_fold)),
            "expected_cost_sd": float(np.std(by_fold, ddof=1)),
        }
    return table


def cost_table(
    pack: DomainPack,
    kinds: Sequence[ModelKind] = KINDS,
    *,
    folds: int = 10,
    seed: int = 0,
    repeats: int = 1,
    on_step: Callable[[str], None] | None = None,
) -> list[CostRow]:
    """Cross-validated expected cost per applicant: each model, the baseline, decline-all.

    With ``repeats`` > 1 the whole k-fold is repeated with fold seeds ``seed``,
    ``seed + 1``, ...; each row is then the mean of the repeats' costs ± their sd (how much
    the figure moves with the folds). With one repeat the sd is over folds.
    """
    count = max(1, repeats)

    def step(r: int) -> Callable[[str], None] | None:
        if on_step is None or count == 1:
            return on_step
        return lambda text: on_step(f"repeat {r + 1} of {count}, {text}")

    runs = [cross_validated_metrics(pack, kinds, folds=folds, seed=seed + r, on_step=step(r))
            for r in range(count)]
    if len(runs) == 1:
        return [CostRow(name, m["expected_cost"], m["expected_cost_sd"], folds, seed=seed)
                for name, m in runs[0].items()]
    return [
        CostRow(name, float(np.mean([run[name]["expected_cost"] for run in runs])),
                float(np.std([run[name]["expected_cost"] for run in runs], ddof=1)), folds,
                repeats=len(runs), seed=seed)
        for name in runs[0]
    ]


def format_cost_table(rows: Sequence[CostRow], per_case: str = "per case") -> list[str]:
    """The table as text; ``per_case`` is the pack's wording ("per application")."""
    first = rows[0] if rows else None
    folds = first.folds if first else 0
    if first is not None and first.repeats > 1:
        lines = [f"{folds}-fold cross-validated expected cost {per_case}, repeated "
                 f"{first.repeats} times (fold seeds {first.seed}-{first.seed + first.repeats - 1}"
                 "): mean ± sd over repeats"]
    else:
        seed = first.seed if first else 0
        lines = [f"{folds}-fold cross-validated expected cost {per_case} (fold seed {seed}; "
                 "mean ± sd over folds)"]
    lines += [f"  {r.name:18} {r.expected_cost:.3f} ± {r.sd:.3f}" for r in rows]
    return lines
