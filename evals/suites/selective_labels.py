"""Selective labels: a closed loop on the pack's data set, where every outcome is known.

Months of applications flow through the policy; only the cases whose action reveals an
outcome show it (the pack's declaration, ``ClassificationShape.reveals``: credit's approve,
a pack that declares nothing: every action; an action that reveals some outcomes only shows
those, counted in the naive figure alone); the model retrains on the original data plus
the revealed outcomes weighted by inverse propensity. From the log alone, the naive, IPS and
doubly-robust estimators estimate the deterministic policy's cost per case, and the
simulator compares them with the truth it knows. With exploration (10% of cases take the
runner-up action, any case eligible) the DR interval must cover the truth in at least 90% of
repeats; without exploration IPS cannot cover the cases the policy always sends to an action
that shows nothing, and the report says so.

The seeds (1000 to 1029) were never used while building the simulator or the estimators
(those used seeds 0 to 9).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.views import SimulationView
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.registry import suite

SEEDS = tuple(range(1000, 1030))
EXPLORATION = {"rate": 0.1, "max_regret": 5.0}


def dataset(ctx: EvalContext) -> Dataset:
    return Dataset(
        "simulated loop",
        (Sample("exploring", {"exploration": EXPLORATION}),
         Sample("deterministic", {"exploration": None})),
        source=f"{ctx.domain} data set, {len(SEEDS)} repeats (seeds {SEEDS[0]}-{SEEDS[-1]})",
    )


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[SimulationView]:
    out = []
    for i, sample in enumerate(samples):
        ctx.step(f"simulating ({sample.id})", i, len(samples))
        out.append(ctx.service.simulate_selective_labels(
            ctx.domain, SEEDS, sample.input["exploration"]))
    return out


def _fmt(value: float | None) -> str:
    return "not supported" if value is None else f"{value:.3f}"


def _revealing_note(actions: Sequence[str],
                    partial: Sequence[tuple[str, Sequence[str]]] = ()) -> str:
    """Which actions show an outcome in the loop, as the pack declares."""
    if not actions:
        return ""
    some = "".join(
        f"; {a!r} shows {' or '.join(map(repr, shown))} only, whose outcomes count in the "
        "naive figure alone (whether one shows depends on the outcome itself)"
        for a, shown in partial)
    return ("the log shows the outcome of the cases decided " + " or ".join(
        repr(a) for a in actions) + " (the actions the pack declares reveal every outcome)"
        + some)


def score(solved: Sequence[Solved]) -> Scores:
    metrics: list[Metric] = []
    tables: list[Table] = []
    summary = []
    strict_rows: list[tuple[object, ...]] = []
    notes: list[str] = []
    for item in solved:
        view: SimulationView = item.output
        tag = item.sample.id
        n = view.repeats
        if view.exploring:
            metrics.append(Metric(
                "exploring.dr_coverage", view.dr_coverage, n=n, better="higher",
                tolerance=0.05, min=0.9,
                description="share of repeats whose DR 95% interval covers the true cost"))
            metrics.append(Metric(
                "exploring.ips_coverage", view.ips_coverage, n=n, better="higher",
                tolerance=0.1, min=0.8, enforce=False,
                description="share of repeats whose IPS 95% interval covers the true cost"))
            metrics.append(Metric(
                "exploring.dr_abs_bias", abs(view.dr_bias), n=n, better="lower",
                tolerance=0.03, max=0.1,
                description="|mean DR estimate - truth| over repeats (cost per case)"))
        cut, s_truth, s_naive, s_dr, s_cover = view.strict
        if view.exploring:
            metrics.append(Metric(
                "exploring.strict_dr_coverage", s_cover, n=n, better="higher", tolerance=0.05,
                min=0.9, description=f"candidate cut-off {cut}: share of repeats whose DR "
                "interval covers its true cost"))
        metrics.append(Metric(
            f"{tag}.strict_naive_bias", s_naive - s_truth, n=n, better="lower", tolerance=1.0,
            enforce=False, description=f"candidate cut-off {cut}: mean naive - truth "
            "(selective labels flatter the policy that declines more)"))
        strict_rows.append((tag, cut, f"{s_truth:.3f}", f"{s_naive:.3f}", f"{s_dr:.3f}",
                            f"{s_cover:.0%}"))
        metrics.append(Metric(
            f"{tag}.naive_bias", view.naive_bias, n=n, better="lower", tolerance=1.0,
            enforce=False,
            description="mean naive estimate - truth: shown, not gated (it is the problem)"))
        ips = [r[3] for r in view.rows]
        ips_mean = (sum(v for v in ips if v is not None) / len(ips)
                    if ips and all(v is not None for v in ips) else None)
        summary.append((
            tag, n, f"{view.mean_observed_share:.0%}", f"{view.truth:.3f}",
            f"{view.truth + view.naive_bias:.3f}", _fmt(ips_mean),
            f"{view.truth + view.dr_bias:.3f}", f"{view.dr_coverage:.0%}",
            f"{view.ips_coverage:.0%}" if ips_mean is not None else "not supported",
        ))
        for attribute, rounds in view.approval_by_round.items():
            order = list(rounds[0][1]) if rounds else []
            tables.append(Table(
                f"Approval rate ({view.accepting!r}) by {attribute} across retraining rounds "
                f"({tag})",
                ("round", *order),
                tuple((r, *(f"{rates[g]:.1%}" for g in order)) for r, rates in rounds)))
        if view.groups_note and view.groups_note not in notes:
            notes.append(view.groups_note)
        shown = _revealing_note(view.revealing, view.partial)
        if shown and shown not in notes:
            notes.append(shown)
    tables.insert(0, Table(
        "Cost per case of the deterministic policy: estimates from the log vs the truth "
        "(means over repeats)",
        ("loop", "repeats", "outcomes seen", "truth", "naive", "IPS", "DR",
         "DR covers truth", "IPS covers truth"),
        tuple(summary)))
    tables.insert(1, Table(
        "A stricter candidate cut-off judged on the same log (means over repeats)",
        ("loop", "approve below p", "truth", "naive", "DR", "DR covers truth"),
        tuple(strict_rows)))
    return Scores(metrics, tables, [
        "truth: the policy's cost on the same cases with every outcome known; naive: mean "
        "cost over the cases whose outcome the log shows",
        *notes,
    ])


@suite("selective_labels", summary="closed loop with selective labels: naive vs IPS vs DR "
       "against the truth", fast=False)
def selective_labels() -> Task:
    return Task("selective_labels", __doc__ or "", dataset, solve, score)
