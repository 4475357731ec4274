"""Orders: a "how much" policy against seasonal naive on periods its model never trained on.

:meth:`DocketService.order_backtest` replays the deployed policy over the champion's held-out
periods (the last periods of the pack's shipped history, kept with the artifact; the
validation model that predicted them trained on earlier periods only) and the seasonal-naive
rule over the same periods: realised cost per case, fill rate, share of cases short and
leftovers; and how often the realised quantity fell at or below each predicted quantile
(coverage) with its pinball loss. Every text is in the pack's own words (its ``Words``,
``QuantityWords`` and unit). The pack's own baseline file (``evals/baselines/<domain>.json``)
decides which figures gate a change; a pack with none yet is told how to record one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.views import OrderArmView, OrderBacktestView
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.registry import suite


@dataclass(frozen=True)
class Speech:
    """How one pack names what the suite reports."""

    cases: str  # "settlement periods"
    unit: str  # "MW"
    outcome: str  # "load"
    order: str  # "contract"
    case: str = "period"  # "settlement period"

    @classmethod
    def of(cls, view: OrderBacktestView) -> Speech:
        return cls(view.cases_word, view.unit, view.outcome_word, view.order_word,
                   view.case_word)


def dataset(ctx: EvalContext) -> Dataset:
    cases = ctx.service.domain(ctx.domain).words.get("cases", "cases")
    return Dataset("domain", (Sample(ctx.domain, ctx.domain),),
                   source=f"{ctx.domain}: the champion's held-out {cases} with their known "
                          "outcome")


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[OrderBacktestView]:
    return [ctx.service.order_backtest(str(s.input)) for s in samples]


def arm_metrics(arm: str, view: OrderArmView, speech: Speech) -> list[Metric]:
    who, unit, outcome = f"{arm} ({view.label})", speech.unit, speech.outcome
    return [
        Metric(f"{arm}.cost_per_case", view.cost_per_case, n=view.n, better="lower",
               tolerance=0.05 * max(view.cost_per_case, 1.0),
               description=f"{who}: realised cost per {speech.case} on held-out {outcome}"),
        Metric(f"{arm}.fill_rate", view.fill_rate, n=view.n, better="higher", tolerance=0.02,
               description=f"{who}: {unit} of {outcome} met / {unit} of {outcome}"),
        Metric(f"{arm}.short_share", view.short_share, n=view.n, better="lower",
               tolerance=0.03,
               description=f"{who}: share of {speech.cases} short of {outcome}"),
    ]


def score(solved: Sequence[Solved]) -> Scores:
    metrics: list[Metric] = []
    tables: list[Table] = []
    cases = "periods"
    for item in solved:
        view: OrderBacktestView = item.output
        speech = Speech.of(view)
        cases = speech.cases
        metrics += arm_metrics("policy", view.policy, speech)
        metrics += arm_metrics("seasonal_naive", view.baseline, speech)
        metrics.append(Metric(
            "policy.saving_vs_seasonal_naive",
            view.baseline.cost_per_case - view.policy.cost_per_case, n=view.policy.n,
            better="higher", tolerance=0.05 * max(view.baseline.cost_per_case, 1.0), min=0.0,
            description=f"cost per {speech.case} the policy saves against seasonal naive "
                        "(must stay above 0)"))
        for level, share in view.coverage.items():
            metrics.append(Metric(
                f"coverage.q{level}", share, n=view.policy.n, better="higher"
                if float(level) >= 0.5 else "lower", tolerance=0.05,
                description=f"share of held-out {speech.outcome} at or below the {level} "
                            f"quantile (a calibrated forecast: {level})"))
        tables.append(Table(
            f"Held-out {speech.cases} of {view.model_version}",
            ("who", "n", f"cost/{speech.case}", "fill rate", "short", f"{view.unit} left over",
             "escalated"),
            tuple((a.label, a.n, round(a.cost_per_case, 3), round(a.fill_rate, 4),
                   round(a.short_share, 4), round(a.left_over, 2), round(a.escalation_rate, 4))
                  for a in (view.policy, view.baseline))))
        tables.append(Table(
            f"Quantile forecasts on held-out {speech.cases}", ("level", "coverage",
                                                               "pinball loss"),
            tuple((level, round(view.coverage[level], 4), round(view.pinball[level], 3))
                  for level in view.coverage)))
    return Scores(metrics, tables, [f"the policy and seasonal naive are replayed on the same "
                                    f"held-out {cases}; none was seen in training"])


@suite("orders", summary="a quantity policy vs seasonal naive on held-out periods", fast=False)
def orders() -> Task:
    return Task("orders", __doc__ or "", dataset, solve, score, needs_model=True,
                shapes=("quantity",))
