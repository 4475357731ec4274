"""Fairness: approval and error rates across the protected groups in the data.

Groups: sex (derived from ``personal_status_and_sex``), ``foreign_worker``, and age band.
For each attribute the suite reports every group's approval rate (share recommended
``approve``), false-decline rate (good applicants declined) and missed-bad rate (bad
applicants approved), the ratio of the lowest to the highest approval rate (the
four-fifths rule asks for at least 0.8) and the largest gap in false-decline rate, with
seeded bootstrap 95% intervals. Escalated cases count as not approved. The figures are
reported as they are; the baseline file decides which of them gate a change (the
four-fifths limits are seeded as warnings: the policy owner decides which to enforce).

The historical cases are scored with the champion's out-of-fold probabilities (saved at
training time), so error rates are honest rather than in-sample.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.views import AssessmentView
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.datasets.credit import features_only
from evals.errors import SuiteSkipped
from evals.registry import suite
from evals.stats import bootstrap, wilson

FOUR_FIFTHS = 0.8
RISK_OUTCOME = "bad"
AGE_BANDS = ((0, 25, "under 25"), (25, 35, "25-34"), (35, 50, "35-49"), (50, 200, "50+"))


def sex_of(status: Any) -> str:
    text = str(status).strip().lower()
    return "female" if text.startswith("female") else "male" if text.startswith("male") else "?"


def age_band(age: Any) -> str:
    try:
        years = int(age)
    except (TypeError, ValueError):
        return "?"
    return next((label for low, high, label in AGE_BANDS if low <= years < high), "?")


#: attribute -> how to read its group from a historical row
GROUPINGS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "sex": lambda row: sex_of(row.get("personal_status_and_sex")),
    "foreign_worker": lambda row: str(row.get("foreign_worker", "?")),
    "age_band": lambda row: age_band(row.get("age_in_years")),
}


def dataset(ctx: EvalContext) -> Dataset:
    if not ctx.service.protected_fields(ctx.domain):
        raise SuiteSkipped(f"{ctx.domain} declares no protected groups: there is no group "
                           "to compare")
    label = ctx.service.label_field(ctx.domain)
    rows = ctx.service.dataset(ctx.domain)
    samples = tuple(
        Sample(f"{ctx.domain}-{i}", features_only(row, label), target=str(row[label]),
               metadata={attr: group(row) for attr, group in GROUPINGS.items()})
        for i, row in enumerate(rows)
    )
    protected = ", ".join(ctx.service.protected_fields(ctx.domain))
    return Dataset("history", samples, source=f"{ctx.domain} historical cases "
                                              f"({len(samples)}; protected: {protected})")


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


def attribute_scores(attribute: str, groups: npt.NDArray[np.str_], approved: npt.NDArray[
        np.bool_], declined: npt.NDArray[np.bool_], bad: npt.NDArray[np.bool_],
        baseline_approved: npt.NDArray[np.bool_]) -> tuple[list[Metric], Table]:
    order = [label for _, _, label in AGE_BANDS]
    names = sorted((g for g in set(groups.tolist()) if g != "?"),
                   key=lambda g: (order.index(g) if g in order else len(order), g))
    rows = []
    for g in names:
        m = groups == g
        n, good_n, bad_n = int(m.sum()), int((m & ~bad).sum()), int((m & bad).sum())
        rows.append((g, n, _rate(m, approved), _ci_text(wilson(int((m & approved).sum()), n)),
                     _rate(m & ~bad, declined), _rate(m & bad, approved),
                     _rate(m, baseline_approved), good_n, bad_n))

    def ratio(index: npt.NDArray[np.int64]) -> float:
        g, a = groups[index], approved[index]
        rates = [a[g == name].mean() for name in names if (g == name).any()]
        return float(min(rates) / max(rates)) if len(rates) == len(names) and max(rates) else (
            float("nan"))

    def decline_gap(index: npt.NDArray[np.int64]) -> float:
        g, d, b = groups[index], declined[index], bad[index]
        rates = [d[(g == name) & ~b].mean() for name in names if ((g == name) & ~b).any()]
        return float(max(rates) - min(rates)) if len(rates) == len(names) else float("nan")

    everyone = np.arange(len(groups))
    n = len(groups)
    metrics = [
        Metric(f"{attribute}.approval_ratio", ratio(everyone), ci=bootstrap(ratio, n), n=n,
               better="higher", tolerance=0.05, min=FOUR_FIFTHS, enforce=False,
               description=f"lowest / highest approval rate across {attribute} groups "
                           "(four-fifths rule: >= 0.8)"),
        Metric(f"{attribute}.false_decline_gap", decline_gap(everyone),
               ci=bootstrap(decline_gap, n), n=n, better="lower", tolerance=0.05,
               description=f"largest difference in the share of good applicants declined "
                           f"between {attribute} groups"),
    ]
    table = Table(
        f"By {attribute}",
        ("group", "n", "approval rate", "95% CI", "false-decline rate (good declined)",
         "missed-bad rate (bad approved)", "baseline rules approval rate", "good", "bad"),
        tuple(rows))
    return metrics, table


def _ci_text(ci: tuple[float, float] | None) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "n/a"


def score(solved: Sequence[Solved]) -> Scores:
    views: list[AssessmentView] = [s.output for s in solved]
    approved = np.array([v.action == "approve" for v in views])
    declined = np.array([v.action == "decline" for v in views])
    baseline_approved = np.array([v.baseline_action == "approve" for v in views])
    bad = np.array([s.sample.target == RISK_OUTCOME for s in solved])
    metrics = [Metric("overall.approval_rate", float(approved.mean()),
                      ci=wilson(int(approved.sum()), len(views)), n=len(views),
                      better="higher", tolerance=0.05,
                      description="share of historical applicants the system would approve")]
    tables = []
    for attribute in GROUPINGS:
        groups = np.array([str(s.sample.metadata[attribute]) for s in solved])
        more, table = attribute_scores(attribute, groups, approved, declined, bad,
                                       baseline_approved)
        metrics += more
        tables.append(table)
    rejected = sum(v.source == "rejected" for v in views)
    notes = ["error rates use the champion's out-of-fold scores: no case is scored by a "
             "model that saw it"]
    if rejected:
        notes.append(f"{rejected} historical cases were rejected by validation")
    return Scores(metrics, tables, notes)


@suite("fairness", summary="approval and error rates by sex, foreign worker, age band",
       fast=False)
def fairness() -> Task:
    return Task("fairness", __doc__ or "", dataset, solve, score, needs_model=True)
