"""Decisions: the deployed policy backtested on historical outcomes.

:meth:`DocketService.backtest` replays the policy on every historical case (with honest,
out-of-fold scores) against the baseline rules and refusing everyone: realised cost per
case (with its bootstrap 95% interval), the share given the accepting action (credit's approve)
and the share escalated, named in the pack's own actions.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.stats import wilson
from assistant.views import BacktestView
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.errors import EvalError
from evals.registry import suite

ARMS = ("policy", "baseline", "refuse_all")  # the order backtest() returns them in


def dataset(ctx: EvalContext) -> Dataset:
    return Dataset("domain", (Sample(ctx.domain, ctx.domain),),
                   source=f"{ctx.domain} historical cases with known outcomes")


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[list[BacktestView]]:
    return [ctx.service.backtest(str(s.input)) for s in samples]


def arm_metrics(arm: str, view: BacktestView) -> list[Metric]:
    who = f"{arm} ({view.label})"
    return [
        Metric(f"{arm}.cost_per_case", view.cost_per_case, ci=view.cost_ci, n=view.n,
               better="lower", tolerance=0.02,
               description=f"{who}: realised cost per case on historical outcomes"),
        Metric(f"{arm}.accept_rate", view.approval_rate,
               ci=wilson(round(view.approval_rate * view.n), view.n), n=view.n,
               better="higher", tolerance=0.05,
               description=f"{who}: share given {view.accept_action}"),
        Metric(f"{arm}.escalation_rate", view.escalation_rate,
               ci=wilson(round(view.escalation_rate * view.n), view.n), n=view.n,
               better="lower", tolerance=0.05,
               description=f"{who}: share given {view.escalate_action}"),
    ]


def score(solved: Sequence[Solved]) -> Scores:
    metrics: list[Metric] = []
    tables: list[Table] = []
    for item in solved:
        views: list[BacktestView] = list(item.output)
        if len(views) != len(ARMS):
            raise EvalError(f"backtest returned {len(views)} arms, expected {len(ARMS)} "
                            "(policy, baseline, refuse-all)")
        arms = dict(zip(ARMS, views, strict=True))
        for arm, view in arms.items():
            metrics += arm_metrics(arm, view)
        policy = arms["policy"]
        for other in ("baseline", "refuse_all"):
            metrics.append(Metric(
                f"policy.saving_vs_{other}", arms[other].cost_per_case - policy.cost_per_case,
                n=policy.n, better="higher", tolerance=0.02, min=0.0,
                description=f"cost per case the policy saves against {arms[other].label} "
                            "(must stay above 0)"))
        tables.append(Table(
            "Backtest arms", ("arm", "n", "cost per case", "95% CI",
                              f"{policy.accept_action} rate", f"{policy.escalate_action} rate"),
            tuple((v.label, v.n, v.cost_per_case,
                   f"[{v.cost_ci[0]:.3f}, {v.cost_ci[1]:.3f}]", v.approval_rate,
                   v.escalation_rate) for v in views)))
    notes = ["savings have no interval: the backtest views carry per-arm intervals only, "
             "not the paired difference"]
    return Scores(metrics, tables, notes)


@suite("decisions", summary="policy backtest: cost, accept and escalation rates",
       fast=False)
def decisions() -> Task:
    return Task("decisions", __doc__ or "", dataset, solve, score, needs_model=True)
