"""Training: specialists trained on the pack's data set (``train``), or on it plus the
outcomes recorded since (``retrain``), registered with their evidence; challengers from a
retrain run in shadow and are never promoted here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.domains import get_pack, get_quantity_pack, is_quantity_pack
from assistant.domains.base import Dataset
from assistant.evaluation.logged import MAX_TRAINING_WEIGHT, training_outcomes
from assistant.orchestrator import Orchestrator
from assistant.policies import backtest
from assistant.specialists.artifacts import read_card
from assistant.usecases.context import Context
from assistant.usecases.models import register_models
from assistant.usecases.quality import logged_cases
from events.domain.case import canonical_sha256
from events.errors import ModelError


def train(
    ctx: Context,
    domain: str,
    *,
    promote: bool | None = None,
    holdout: Sequence[int] = (),
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """Train, parity-check and register the domain's specialists; return report lines.

    ``holdout``: data-set rows the models must never see (their scores stay out of sample).
    ``on_step`` hears of each step (fold, fit, conversion) as it starts.
    """
    from assistant.specialists.training import train as train_models  # scikit-learn: slow

    ctx.require_model_manager("train models", domain)
    if is_quantity_pack(domain):
        from assistant.specialists.quantile_training import train_quantiles

        pack = get_quantity_pack(domain)
        h = pack.history
        found = train_quantiles(pack, h.rows, h.outcomes, h.period_index, h.sha256,
                                ctx.models_dir, validation_hours=pack.validation_periods,
                                on_step=on_step)
        lines = register_models(ctx, domain, [found.path], promote=promote)
    else:
        trained = train_models(get_pack(domain), ctx.models_dir, holdout=holdout,
                               on_step=on_step)
        if on_step is not None:
            on_step("registering the models in the log")
        lines = register_models(ctx, domain, [t.path for t in trained], promote=promote)
    return lines


def retrain(ctx: Context, domain: str, *, reason: str = "",
            on_step: Callable[[str], None] | None = None) -> tuple[list[str], list[str]]:
    """Train challengers on the data set plus the outcomes the log revealed; they run in
    shadow.

    Each logged outcome counts with its inverse-propensity weight (see
    :func:`assistant.evaluation.logged.training_outcomes`): the approved cases stand for
    every case decided, so the model does not learn only from the cases it let through.
    Cases with no outcome (declined ones) are never labelled: an operator's action is an
    opinion, not an outcome. Outcomes from outside sources are left out (their reporting
    rate is unknown), and so are cases whose input is already in the data set. The model
    cards say how much of the training weight came from the model's own decisions; the fold
    metrics are measured on the pack's data set only. Challengers are registered with their
    evidence and never promoted here (``docket models promote``).

    Returns:
        Report lines, and the challengers' versions (``docket retrain`` then runs the
        eval suites on them and on the champion).
    """
    from assistant.specialists.training import train as train_models  # scikit-learn: slow

    if is_quantity_pack(domain):
        from assistant.usecases import quantity_training

        return quantity_training.retrain(ctx, domain, reason=reason, on_step=on_step)
    ctx.require_model_manager("retrain models", domain)
    state = ctx.domain(domain)
    pack, spec = state.pack, state.spec
    base = pack.load_dataset()
    known = {canonical_sha256(row) for row in base.rows}
    cases, weights, outside = training_outcomes(logged_cases(ctx, domain), pack, spec)
    extra_rows: list[dict[str, Any]] = []
    extra_outcomes: list[str] = []
    extra_weights: list[float] = []
    already = 0
    for case, weight in zip(cases, weights, strict=True):
        values = {k: case.input[k] for k in base.rows[0]}
        if canonical_sha256(values) in known:
            already += 1
            continue
        assert case.outcome is not None
        extra_rows.append(values)
        extra_outcomes.append(case.outcome)
        extra_weights.append(weight)
    rows = [*base.rows, *extra_rows]
    outcomes = [*base.outcomes, *extra_outcomes]
    all_weights = [1.0] * len(base.rows) + extra_weights
    data = Dataset(rows, outcomes,
                   canonical_sha256({"rows": rows, "outcomes": outcomes, "w": all_weights}),
                   all_weights)
    own_share = sum(extra_weights) / sum(all_weights)
    provenance = {
        "reason": reason or "retrain on recorded outcomes",
        "base_data_sha256": base.sha256,
        "rows": len(rows),
        "outcomes": len(extra_rows),
        "already_in_data": already,
        "outside_source_left_out": outside,
        "weighting": "inverse propensity of the action that revealed each outcome, "
                     f"capped at {MAX_TRAINING_WEIGHT:g}",
        "weight_cap": MAX_TRAINING_WEIGHT,
        "capped": sum(1 for w in extra_weights if w >= MAX_TRAINING_WEIGHT),
        "weight_sum": sum(extra_weights),
        "max_weight": max(extra_weights, default=0.0),
        "own_decisions_share_of_weight": own_share,
        "requested_by": ctx.identity.name,
    }
    trained = train_models(pack, ctx.models_dir, data=data, provenance=provenance,
                           on_step=on_step)
    lines = [
        f"training data: {len(base.rows)} rows of {pack.name}'s data set + "
        f"{len(extra_rows)} recorded outcome(s) weighted by inverse propensity (total weight "
        f"{sum(extra_weights):.1f}, largest {max(extra_weights, default=0.0):.1f}, capped at "
        f"{MAX_TRAINING_WEIGHT:g}: "
        f"{sum(1 for w in extra_weights if w >= MAX_TRAINING_WEIGHT)} outcome(s) at the cap); "
        f"{own_share:.1%} of the training weight comes from the model's own decisions; "
        f"{already} already in the data set, {outside} outside-source outcome(s) left out"
    ]
    champion = ctx.deployed(domain).champion
    champion_evidence = _evidence(ctx, domain, ctx.artifact_dir(champion)) if champion else None
    challengers = {t.version: _evidence(ctx, domain, t.path) for t in trained}
    evidence = {
        version: {"challenger": found, "champion": champion_evidence, "champion_version": champion}
        for version, found in challengers.items()
    }
    lines += register_models(
        ctx, domain, [t.path for t in trained], promote=False, evidence=evidence
    )
    for version, found in challengers.items():
        lines.append(f"{version}: {_evidence_line(found)}")
    if champion_evidence is not None:
        lines.append(f"champion {champion}: {_evidence_line(champion_evidence)}")
    return lines, list(challengers)


def _evidence(ctx: Context, domain: str, artifact_dir: Path) -> dict[str, Any]:
    """A model's evidence: its cross-validated metrics and a policy backtest on the
    historical outcomes with its own out-of-fold scores (so models compare fairly)."""
    state = ctx.domain(domain)
    metrics = read_card(artifact_dir)["metrics"]
    keys = ("cv_expected_cost", "cv_roc_auc", "cv_brier", "cv_calibration_error", "cv_folds")
    found: dict[str, Any] = {key: metrics[key] for key in keys if key in metrics}
    orchestrator = Orchestrator.from_artifacts(
        state.pack, state.spec, champion=artifact_dir, challengers=[]
    )
    try:
        rows, outcomes, p_bad, ood = orchestrator.history()
    except ModelError as exc:
        found["backtest"] = f"not available: {exc}"
        return found
    report = backtest(rows, outcomes, p_bad, state.spec, state.pack.baseline, ood=ood)
    cost = report.policy.realised_cost
    found["backtest"] = {
        "policy_version": state.policy_version,
        "cost_per_case": cost.estimate,
        "cost_ci": [cost.low, cost.high],
        "approval_rate": report.policy.approval_rate.estimate,
        "escalation_rate": report.policy.escalation_rate.estimate,
        "n": report.n,
    }
    return found


def _evidence_line(found: Mapping[str, Any]) -> str:
    """One line of a model's evidence, for the terminal."""
    backtested = found.get("backtest")
    if isinstance(backtested, Mapping):
        low, high = backtested["cost_ci"]
        bt = f"backtest {backtested['cost_per_case']:.3f} [{low:.3f}, {high:.3f}] per case"
    else:
        bt = str(backtested)
    return (
        f"cv expected cost {found.get('cv_expected_cost', float('nan')):.3f}, "
        f"cv ROC AUC {found.get('cv_roc_auc', float('nan')):.3f}, {bt}"
    )
