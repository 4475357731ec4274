"""Fairness: accept and error rates across the protected groups the pack declares.

The pack declares its fairness groups (credit: sex, derived from ``personal_status_and_sex``;
``foreign_worker``; age band). For each attribute the suite reports every group's accept rate
(share given the pack's accepting action: the cheapest when the outcome is the safe one,
credit's ``approve``), false-refusal rate (cases whose outcome was safe given the refusing
action) and missed-risk rate (cases whose outcome was the risk outcome that were accepted),
the ratio of the lowest to the highest accept rate (the four-fifths rule asks for at least
0.8) and the largest gap in false-refusal rate, with seeded bootstrap 95% intervals.
Escalated cases count as not accepted. The figures are reported as they are; the pack's
baseline file decides which of them gate a change (the four-fifths limits are seeded as
warnings: the policy owner decides which to enforce). A pack that declares no groups skips
the suite, saying so.

The historical cases are scored with the champion's out-of-fold probabilities (saved at
training time), so error rates are honest rather than in-sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.stats import bootstrap, wilson
from assistant.views import AssessmentView
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.datasets.credit import features_only
from evals.errors import SuiteSkipped
from evals.registry import suite

FOUR_FIFTHS = 0.8


def _decision_words(ctx: EvalContext) -> dict[str, Any]:
    """The pack's accepting and refusing actions and its outcomes (from the policy's costs:
    accepting is cheapest when the outcome is safe, refusing when it is the risk)."""
    domain = ctx.service.domain(ctx.domain)
    costs = ctx.service.policy(ctx.domain).costs
    risk = domain.risk_outcome or ""
    safe = next(o for o in domain.outcomes if o != risk)
    decisive = [a for a in domain.actions if a != domain.escalate_action]
    return {"accept": min(decisive, key=lambda a: costs[a][safe]),
            "refuse": min(decisive, key=lambda a: costs[a][risk]),
            "risk": risk, "safe": safe, "cases": domain.words["cases"]}


def dataset(ctx: EvalContext) -> Dataset:
    groupings = ctx.service.fairness_groups(ctx.domain)
    if not groupings:
        raise SuiteSkipped(f"{ctx.domain} declares no protected groups (its pack lists no "
                           "fairness groups): there is no group to compare")
    label = ctx.service.label_field(ctx.domain)
    rows = ctx.service.dataset(ctx.domain)
    words = _decision_words(ctx)
    order = {g.attribute: g.order for g in groupings}
    samples = tuple(
        Sample(f"{ctx.domain}-{i}", features_only(row, label), target=str(row[label]),
               metadata={"groups": {g.attribute: g.groups[i] for g in groupings},
                         "order": order, **words})
        for i, row in enumerate(rows)
    )
    declared = ", ".join(g.attribute for g in groupings)
    return Dataset("history", samples, source=f"{ctx.domain} historical cases "
                                              f"({len(samples)}; groups: {declared})")


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[AssessmentView]:
    # Out-of-fold scores: each historical case scored by a model that never saw it.
    views = ctx.service.history_assessments(ctx.domain)
    if len(views) != len(samples):
        raise ValueError(f"{len(views)} historical assessments for {len(samples)} samples")
    ctx.step("assessed", len(views), len(samples))
    return views


FloatArray = npt.NDArray[np.float64]


def _rate(mask: npt.NDArray[np.bool_], hit: npt.NDArray[np.bool_]) -> float:
    n = int(mask.sum())
    return float(hit[mask].mean()) if n else float("nan")


def attribute_scores(attribute: str, groups: npt.NDArray[np.str_], accepted: npt.NDArray[
        np.bool_], refused: npt.NDArray[np.bool_], risk: npt.NDArray[np.bool_],
        baseline_accepted: npt.NDArray[np.bool_], *, order: Sequence[str] = (),
        words: dict[str, str] | None = None) -> tuple[list[Metric], Table]:
    """Per group of ``attribute``: accept rate, false-refusal and missed-risk rates; the
    accept-rate ratio and the false-refusal gap across groups (``words``: the pack's actions,
    outcomes and cases, for the descriptions)."""
    w = {"accept": "accept", "refuse": "refuse", "risk": "risk", "safe": "safe",
         "cases": "cases", **(words or {})}
    names = sorted((g for g in set(groups.tolist()) if g != "?"),
                   key=lambda g: (order.index(g) if g in order else len(order), g))
    rows = []
    for g in names:
        m = groups == g
        n, safe_n, risk_n = int(m.sum()), int((m & ~risk).sum()), int((m & risk).sum())
        rows.append((g, n, _rate(m, accepted), _ci_text(wilson(int((m & accepted).sum()), n)),
                     _rate(m & ~risk, refused), _rate(m & risk, accepted),
                     _rate(m, baseline_accepted), safe_n, risk_n))

    def ratio(index: npt.NDArray[np.int64]) -> float:
        g, a = groups[index], accepted[index]
        rates = [a[g == name].mean() for name in names if (g == name).any()]
        return float(min(rates) / max(rates)) if len(rates) == len(names) and max(rates) else (
            float("nan"))

    def refusal_gap(index: npt.NDArray[np.int64]) -> float:
        g, d, b = groups[index], refused[index], risk[index]
        rates = [d[(g == name) & ~b].mean() for name in names if ((g == name) & ~b).any()]
        return float(max(rates) - min(rates)) if len(rates) == len(names) else float("nan")

    everyone = np.arange(len(groups))
    n = len(groups)
    metrics = [
        Metric(f"{attribute}.accept_ratio", ratio(everyone), ci=bootstrap(ratio, n), n=n,
               better="higher", tolerance=0.05, min=FOUR_FIFTHS, enforce=False,
               description=f"lowest / highest {w['accept']} rate across {attribute} groups "
                           "(four-fifths rule: >= 0.8)"),
        Metric(f"{attribute}.false_refusal_gap", refusal_gap(everyone),
               ci=bootstrap(refusal_gap, n), n=n, better="lower", tolerance=0.05,
               description=f"largest difference in the share of {w['safe']} {w['cases']} given "
                           f"{w['refuse']} between {attribute} groups"),
    ]
    table = Table(
        f"By {attribute}",
        ("group", "n", f"{w['accept']} rate", "95% CI",
         f"false-{w['refuse']} rate ({w['safe']} given {w['refuse']})",
         f"missed-{w['risk']} rate ({w['risk']} given {w['accept']})",
         f"baseline rules {w['accept']} rate", w["safe"], w["risk"]),
        tuple(rows))
    return metrics, table


def _ci_text(ci: tuple[float, float] | None) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "n/a"


def score(solved: Sequence[Solved]) -> Scores:
    if not solved:
        return Scores([], [], ["no historical cases to compare"])
    meta = solved[0].sample.metadata
    words = {k: str(meta[k]) for k in ("accept", "refuse", "risk", "safe", "cases")}
    views: list[AssessmentView] = [s.output for s in solved]
    accepted = np.array([v.action == words["accept"] for v in views])
    refused = np.array([v.action == words["refuse"] for v in views])
    baseline_accepted = np.array([v.baseline_action == words["accept"] for v in views])
    risk = np.array([s.sample.target == words["risk"] for s in solved])
    metrics = [Metric("overall.accept_rate", float(accepted.mean()),
                      ci=wilson(int(accepted.sum()), len(views)), n=len(views),
                      better="higher", tolerance=0.05,
                      description=f"share of historical {words['cases']} the system would "
                                  f"give {words['accept']}")]
    tables = []
    for attribute, order in dict(meta["order"]).items():
        groups = np.array([str(s.sample.metadata["groups"][attribute]) for s in solved])
        more, table = attribute_scores(attribute, groups, accepted, refused, risk,
                                       baseline_accepted, order=order, words=words)
        metrics += more
        tables.append(table)
    rejected = sum(v.source == "rejected" for v in views)
    notes = ["error rates use the champion's out-of-fold scores: no case is scored by a "
             "model that saw it"]
    if rejected:
        notes.append(f"{rejected} historical cases were rejected by validation")
    return Scores(metrics, tables, notes)


@suite("fairness", summary="accept and error rates across the pack's protected groups",
       fast=False)
def fairness() -> Task:
    return Task("fairness", __doc__ or "", dataset, solve, score, needs_model=True)
