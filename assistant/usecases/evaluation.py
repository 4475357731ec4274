"""For the evals: the pack's data set and fields, dry-run assessments (nothing recorded),
cross-validated metrics, and the one thing recorded here, that a suite ran."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from assistant.assessment import Assessment
from assistant.domains import get_pack, get_quantity_pack, is_quantity_pack
from assistant.evaluation.observation import partly_reveals
from assistant.policies import recommend
from assistant.usecases import exploration_ledger, intake
from assistant.usecases.context import Context
from assistant.views import AssessmentView, FairnessGroupsView, SimulationView
from events.domain import EvalRun


def fairness_groups(domain: str) -> list[FairnessGroupsView]:
    """The pack's declared fairness groups, read off each historical case."""
    pack = get_pack(domain)
    rows = pack.load_dataset().rows
    return [FairnessGroupsView(g.name, list(g.order), [g.group_of(row) for row in rows])
            for g in pack.fairness_groups]


def dataset(domain: str) -> list[dict[str, Any]]:
    """The domain's historical cases with their known outcome under the pack's label field."""
    pack = get_pack(domain)
    data = pack.load_dataset()
    return [
        {**row, pack.label_field: outcome}
        for row, outcome in zip(data.rows, data.outcomes, strict=True)
    ]


def assess(ctx: Context, domain: str, raws: Sequence[Mapping[str, Any]]) -> list[AssessmentView]:
    """Score and recommend without recording anything (dry run for evals and previews).

    Under a monthly exploration cap the cases are assessed against what is left of this
    month's budget by the log, spent in order on a copy (a preview spends nothing), so each
    view says whether its case would be explored, or that exploration is paused.
    """
    state = ctx.domain(domain)
    ledger = exploration_ledger.read(ctx, domain, state.spec, intake.utc_now())
    budget = replace(ledger.budget) if ledger is not None else None
    left = budget.remaining if budget is not None else None
    views = []
    for assessment in state.orchestrator.assess_batch(list(raws), budget=budget):
        view = replace(_assessment_view(assessment), budget_left=left)
        if left is not None and view.explored:  # what the batch's budget spent on it
            costs = view.expected_costs
            left -= costs[str(view.action)] - min(costs[a] for a in state.spec.decisive_actions)
        views.append(view)
    return views


def _assessment_view(assessment: Assessment) -> AssessmentView:
    if assessment.input is None:
        problems = [str(p) for p in assessment.problems]
        return AssessmentView(None, None, None, {}, False, "rejected", None, problems)
    _, rec, source = assessment.decided()
    return AssessmentView(
        p_bad=assessment.score.p_bad if assessment.score else None,
        action=rec.action,
        baseline_action=assessment.baseline_action,
        expected_costs=dict(rec.expected_costs),
        ood=bool(assessment.ood.flag) if assessment.ood else False,
        source=source,
        fallback_reason=assessment.fallback_reason,
        problems=[],
        propensities=dict(rec.propensities),
        explored=rec.explored,
        exploration=rec.exploration,
    )


def history_assessments(ctx: Context, domain: str) -> list[AssessmentView]:
    """The historical cases of :func:`dataset`, in order, as the policy would treat them,
    scored with the champion's out-of-fold probabilities (honest: no case is scored by a
    model that saw it). Raises ModelError when there is no champion."""
    state = ctx.domain(domain)
    rows, _, p_bad, ood = state.orchestrator.history()
    views: list[AssessmentView] = []
    for row, p, flagged in zip(rows, p_bad, ood, strict=True):
        rec = recommend(p, flagged, state.spec)
        action, _, _ = state.pack.baseline_rules(row)
        views.append(
            AssessmentView(
                p_bad=p,
                action=rec.action,
                baseline_action=action,
                expected_costs=dict(rec.expected_costs),
                ood=bool(flagged and flagged.flag),
                source="model",
                fallback_reason=None,
                problems=[],
            )
        )
    return views


def model_quality(domain: str, *, folds: int = 10) -> dict[str, dict[str, float]]:
    """Cross-validated metrics per model kind, the baseline rules and refuse-all."""
    from assistant.specialists.crossval import cross_validated_metrics  # scikit-learn: slow

    return cross_validated_metrics(get_pack(domain), folds=folds)


def cross_validated_costs(
    domain: str, *, seed: int = 0, repeats: int = 1, on_step: Callable[[str], None] | None = None
) -> list[str]:
    """The 10-fold cross-validated expected-cost table (models, baseline, decline-all); for
    a quantity pack, the time-ordered monthly backtest against seasonal naive. ``on_step``
    hears of each fold (or month) as it starts."""
    from assistant.specialists.crossval import cost_table, format_cost_table  # scikit-learn

    if is_quantity_pack(domain):
        from assistant.specialists.quantile_backtest import backtest

        pack = get_quantity_pack(domain)
        h = pack.history
        return backtest(pack, h.rows, h.outcomes, h.period_index, pack.default_policy,
                        lag_field=pack.seasonal_field, folds=pack.backtest_folds,
                        words=pack.words, fold_word=pack.fold_word, on_step=on_step).lines()

    classifying = get_pack(domain)
    return format_cost_table(cost_table(classifying, seed=seed, repeats=repeats,
                                        on_step=on_step), classifying.words.per_case)


def record_eval_run(
    ctx: Context,
    suite: str,
    results: Mapping[str, Any],
    passed: bool,
    *,
    model_versions: Sequence[str] | None = None,
) -> str:
    """Record that ``suite`` ran, with its results, against ``model_versions``
    (default: the deployed champion and shadow models)."""
    ctx.sync()
    deployed = (
        list(model_versions)
        if model_versions is not None
        else ctx.models().everywhere()
    )
    run = EvalRun.record(
        suite=suite, results=dict(results), passed=passed, model_versions=deployed, **ctx.who
    )
    ctx.log.save(run)
    return str(run.id)


def simulate_selective_labels(
    domain: str, seeds: Sequence[int], exploration: Mapping[str, float] | None
) -> SimulationView:
    """The closed-loop simulator (see :mod:`assistant.evaluation.simulate`) on the pack's
    data set: outcomes only where the action reveals them, IPS-weighted retraining."""
    from assistant.evaluation.simulate import (  # scikit-learn: slow
        STRICT_CUTOFF,
        revealing_actions,
        simulate,
    )

    pack = get_pack(domain)
    result = simulate(pack, list(seeds), exploration=dict(exploration) if exploration else None)
    spec = pack.default_policy
    rows = [
        (r.seed, r.truth, r.naive, r.ips[0] if r.ips else None, *r.dr, r.n_observed, r.n)
        for r in result.repeats
    ]
    return SimulationView(
        exploring=result.exploring,
        exploration=dict(exploration or {}),
        repeats=len(result.repeats),
        truth=result.truth,
        naive_bias=result.naive_bias,
        dr_bias=result.dr_bias,
        dr_coverage=result.dr_coverage,
        ips_coverage=result.ips_coverage,
        mean_observed_share=float(sum(r.n_observed / r.n for r in result.repeats)
                                  / max(len(result.repeats), 1)),
        rows=rows,
        approval_by_round=result.approval_by_round(),
        strict=(STRICT_CUTOFF, *result.strict_summary()),
        groups_note="" if result.groups else (
            f"{domain} declares no fairness groups (its pack lists none), so the accept "
            "rate by group is not followed"),
        revealing=tuple(a for a in spec.decisive_actions if a in revealing_actions(pack)),
        accepting=spec.best_action_for(spec.safe_outcome),
        partial=tuple((a, partly_reveals(pack, a)) for a in spec.decisive_actions
                      if partly_reveals(pack, a)),
    )
