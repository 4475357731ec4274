"""Monitoring: ``docket quality`` and ``docket monitor``."""

from __future__ import annotations

import json

import click

from assistant.domains import get_quantity_pack
from assistant.evaluation.logged import MIN_OUTCOMES, MIN_OVERRIDE_OUTCOMES, OffPolicyReport
from assistant.evaluation.ope import INVALID_PROPENSITIES, TOO_FEW_OUTCOMES
from assistant.monitoring import MonitoringThresholds
from assistant.monitoring.drift import FeatureDrift
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck
from assistant.monitoring.quality import QUALITY_WINDOW, report_to_dict
from assistant.monitoring.quantile_alerts import QuantileAlertSettings
from cli.app import Context, cli, domain_argument, pass_context


@cli.command()
@domain_argument()
@click.option("--json", "as_json", is_flag=True, help="Everything, machine-readably.")
@click.option("--last", type=click.IntRange(min=1), default=QUALITY_WINDOW, show_default=True,
              help="Judge the latest this many decided cases (the cost grows with this "
              "window, not with the store).")
@pass_context
def quality(obj: Context, domain: str | None, as_json: bool, last: int) -> None:
    """Decision quality from the log: naive figures on the outcomes seen, and off-policy
    (IPS, SNIPS, doubly-robust) estimates of the operators, the policy and the baseline,
    over the latest decided cases."""
    domain = obj.service.resolve_domain(domain)
    if obj.service.decides_quantity(domain):
        found = obj.service.quantity_quality(domain)
        if as_json:
            click.echo(json.dumps(found.to_dict(), indent=2))
            return
        for line in found.lines():
            click.echo(line)
        return
    report = obj.service.quality(domain, last=last)
    calibration = obj.service.outcome_check(domain, None)
    if as_json:
        data = report_to_dict(report)
        if calibration is not None:
            data["calibration"] = {"window": calibration.window, "n": calibration.n,
                                   "bands": calibration.to_dict()["bands"]}
        click.echo(json.dumps(data, indent=2))
        return
    off = report.off_policy
    if off is None:
        click.echo("no decided case yet: nothing to measure")
        return
    print_off_policy(off)
    click.echo(
        f"naive realized cost of the actions taken, on the {report.n_cases} recorded "
        "outcome(s) only (biased when outcomes are selective; shown for comparison; the "
        "table's 'naive (seen only)' prices each row's chances of every action instead, "
        "exploration included, so the two differ):"
    )
    for summary in (report.operators, report.model, report.baseline):
        if summary is None:
            continue
        # Three repaid loans bootstrap to 0.000 [0.000, 0.000]: a certainty from three.
        if summary.n < MIN_OUTCOMES:
            click.echo(f"  {summary.name:16} {summary.mean.estimate:.3f}  n={summary.n} "
                       "(too few outcomes for an interval)")
        else:
            click.echo(f"  {summary.name:16} {summary.mean}  n={summary.n}")
    print_overrides(off)
    if calibration is not None and calibration.n:
        print_calibration(calibration)


def print_calibration(outcomes: OutcomeCheck) -> None:
    """Observed against predicted risk by score band, on observable outcomes."""
    click.echo(f"calibration by score band on {outcomes.n} observable outcome(s), "
               f"{outcomes.window} (predicted -> observed):")
    for low, high, n, predicted, observed in outcomes.bands:
        click.echo(f"    p in [{low:.3f}, {high:.3f}): n={n:<4} {predicted:.3f} -> {observed:.3f}")


def print_off_policy(off: OffPolicyReport) -> None:
    """The estimates with what they rest on, for the terminal."""
    click.echo(
        f"{off.n_decided} decided case(s): {off.n_settled} settled, of which {off.n_observed} "
        f"with an outcome the action revealed, {off.n_outside} reported by outside sources, "
        + (f"{off.n_partial} shown by an action that reveals some outcomes only (naive "
           "figures and the range only), " if off.n_partial else "")
        + f"{off.n_unobservable} that nobody can observe (the action reveals no outcome"
        + (", or some only" if off.n_partial else "") + "); "
        f"{off.n_awaiting_outcome} awaiting their outcome (counted as not seen yet); left out: "
        f"{off.n_awaiting_senior} awaiting a senior"
    )
    if off.no_outcomes_yet:
        click.echo("  no outcomes yet: no cost can be estimated; the range below (every case "
                   "at its best and at its worst outcome) is what the log can say")
    for warning in off.warnings:
        click.echo(f"  WARNING: {warning}")
    if off.unobservable_cases:
        shown = ", ".join(off.unobservable_cases[:8])
        more = len(off.unobservable_cases) - 8
        click.echo(f"  unobservable: {shown}" + (f" and {more} more" if more > 0 else ""))
    print_ranges(off)
    if off.n_explored:
        click.echo(f"  exploration: {off.n_explored} case(s) explored, expected extra cost "
                   f"{off.exploration_cost:.2f} in total")
    widened = any(e.dr_widened for e in off.estimates)
    click.echo(f"cost per case ({off.confidence:.0%} bootstrap intervals, {off.n_boot} resamples"
               + ("; IPS, SNIPS and DR widened where the model's spread of the unseen outcomes "
                  "is wider, see the warning" if widened else "") + "):")
    click.echo(f"  {'':24} {'naive (seen only)':>26} {'IPS':>26} {'SNIPS':>26} "
               f"{'doubly robust':>26}   ESS")
    for e in off.estimates:
        few = (None if not e.withheld else "withheld: propensities" if e.withheld ==
               INVALID_PROPENSITIES else "no outcomes yet" if not e.n_observed
               else f"too few outcomes ({e.n_observed})")
        cells = [str(i) if i is not None else few or "not supported"
                 for i in (e.naive, e.ips, e.snips)]
        if e.naive is not None and e.withheld == TOO_FEW_OUTCOMES:
            cells[0] = f"{e.naive.estimate:.3f} ({e.n_observed} seen, no CI)"
        dr = str(e.dr) if e.dr is not None else few or "-"
        click.echo(f"  {e.name:24} {cells[0]:>26} {cells[1]:>26} {cells[2]:>26} {dr:>26} "
                   f"{e.ess:6.1f}")
    first = off.estimates[0] if off.estimates else None
    if first is not None and first.n_unsupported and not first.withheld:
        click.echo(
            f"  {first.n_unsupported} case(s) had no chance of showing an outcome: IPS cannot "
            "cover them, so it is not shown; DR uses the model alone there. Exploration "
            "(`docket policy set --explore`) gives them that chance."
        )
    withheld = first.withheld if first is not None else None
    seen = first.n_observed if first is not None else 0
    for label, found in off.differences.items():
        parts = [f"{m} {i.estimate:+.3f} ({seen} seen, no CI)"
                 if i is not None and withheld == TOO_FEW_OUTCOMES
                 else f"{m} {i.estimate:+.3f} [{i.low:+.3f}, {i.high:+.3f}]" if i is not None
                 else f"{m} withheld: propensities" if withheld == INVALID_PROPENSITIES
                 else f"{m} too few outcomes" if withheld else f"{m} not supported"
                 for m, i in found.items()]
        click.echo(f"  {label}: " + "; ".join(parts) + "  (negative: the first is cheaper)")


def print_ranges(off: OffPolicyReport) -> None:
    """The worst-case range: what the cost per case can be, assuming nothing about the
    outcomes nobody has seen."""
    if not off.ranges:
        return
    logged = off.ranges[0]
    click.echo(
        f"range assuming nothing about the unseen outcomes ({logged.n_unseen} of "
        f"{logged.n} case(s) have no known outcome; each counted at its best and its worst):")
    for r in off.ranges:
        what = "the decisions as logged" if r is logged else r.name
        click.echo(f"  whatever the unseen outcomes were, {what} cost between {r.low:.3f} "
                   f"and {r.high:.3f} per case")


def print_overrides(off: OffPolicyReport) -> None:
    """Overrides as treatments: evaluated on their own outcomes, per reason and operator."""
    for title, groups in (
        ("overrides by reason", off.overrides_by_reason),
        ("overrides by operator", off.overrides_by_operator),
    ):
        if not groups:
            continue
        click.echo(f"{title} (delta = cost of the override - cost of the recommendation):")
        for g in groups:
            line = (f"  {g.group:22} n={g.n:<4} with outcome {g.observed:<4} helped {g.helped:<3} "
                    f"hurt {g.hurt:<3} delta {g.observed_delta:+.2f}")
            if g.observed and not g.enough_outcomes:
                line += f" (too few outcomes to tell: fewer than {MIN_OVERRIDE_OUTCOMES})"
            if g.unobservable:
                line += (f"; {g.unobservable} unobservable (their action reveals no outcome), "
                         f"model-estimated delta {g.model_delta:+.2f}")
            click.echo(line)


@cli.command()
@domain_argument()
@click.option("--recent", type=click.IntRange(min=1), default=1000, show_default=True,
              help="How many latest cases to compare with the training data for drift.")
@click.option(
    "--last-outcomes",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Judge outcome quality on the latest this many observed outcomes.",
)
@click.option(
    "--last-days",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Judge outcome quality only on outcomes observed in the last this many days.",
)
@click.option(
    "--outcome-delay-days",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Outcomes are due this many days after the decision: earlier ones are not judged, "
    "and a vintage is judged once all its outcomes are due.",
)
@click.option("--vintage", type=click.Choice(["month", "week"]), default="month",
              show_default=True, help="Decision cohorts judged apart.")
@pass_context
def monitor(
    obj: Context,
    domain: str | None,
    recent: int,
    last_outcomes: int,
    last_days: float | None,
    outcome_delay_days: float,
    vintage: str,
) -> None:
    """Check drift, outcome quality, override and out-of-distribution rates and policy
    reviews; raise, escalate and resolve alerts."""
    thresholds = MonitoringThresholds(
        outcomes=OutcomeAlertSettings(
            last_outcomes=last_outcomes, last_days=last_days,
            outcome_delay_days=outcome_delay_days, vintage=vintage,  # type: ignore[arg-type]
        )
    )
    domain = obj.service.resolve_domain(domain)
    report = obj.service.drift(domain, recent=recent)
    quantity = obj.service.decides_quantity(domain)  # its periods in its own word ("months")
    cases = get_quantity_pack(domain).words.cases if quantity else "case(s)"
    click.echo(
        f"drift of the latest {report.n_current} {cases} against {report.n_reference} "
        f"training rows: {report.share_drifted:.0%} of features drifted"
        + (" — DATASET DRIFT" if report.dataset_drift else "")
    )
    for f in sorted(report.features, key=lambda f: -f.psi):
        if f.drifted or f.psi >= 0.1:
            click.echo(feature_line(f))
    if report.prediction is not None:
        pred = report.prediction
        judged = f": {pred.note}" if pred.note else ""
        click.echo(f"  prediction drift: PSI {pred.psi:.3f} ({pred.psi_band}){judged}")
    if quantity:
        forecast = obj.service.forecast_check(
            domain, QuantileAlertSettings(last_outcomes=last_outcomes))
        if forecast is None:
            click.echo("forecast quality: no champion model to judge")
        elif forecast.n:
            click.echo("forecast quality: " + forecast.message())
            click.echo(f"  coverage by level (realised {forecast.outcome} at or below the "
                       "quantile):")
            for c in forecast.levels:
                click.echo(f"    {c.level:<5g} n={c.n:<4} {c.coverage:.1%} "
                           f"(validation {c.expected:.1%}, p={c.p_value:.2g})")
    outcomes = (None if obj.service.decides_quantity(domain)
                else obj.service.outcome_check(domain, thresholds.outcomes))
    words = obj.service.domain(domain).words  # the pack's: "malignancy rate", "per scan"
    risk, per_case = words["risk"], words["per_case"]
    if outcomes is not None and outcomes.n:
        click.echo("outcome quality: " + outcomes.message(risk, per_case))
        print_calibration(outcomes)
    elif outcomes is not None and outcomes.partial:
        click.echo("outcome quality: no outcome of an action that reveals every outcome yet; "
                   + outcomes.left_out())
    since = outcomes.since_change if outcomes is not None else None
    if since is not None:
        click.echo(f"outcome quality, {since.window}: " + (
            since.message(risk, per_case) if since.n else "no observable outcome yet"))
    if outcomes is not None and outcomes.vintages:
        if outcomes.not_due:
            click.echo(f"  {outcomes.not_due} outcome(s) arrived before they were due: "
                       "left out of the tests until they are")
        click.echo(f"  by {outcomes_vintage(thresholds)}:")
        for v in outcomes.vintages:
            flag = f"  [{('none', 'warning', 'critical')[v.level]}]" if v.level else ""
            click.echo(f"    {v.sentence(risk)}{flag}")
    alerts = obj.service.check_alerts(domain, recent=recent, thresholds=thresholds)
    click.echo("alerts: " + ("none" if not alerts else ""))
    for alert in alerts:
        click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")


def outcomes_vintage(thresholds: MonitoringThresholds) -> str:
    """What a vintage is, in words ("decision month, outcomes due after 90 days")."""
    s = thresholds.outcomes
    due = f", outcomes due {s.outcome_delay_days:g} days after the decision" \
        if s.outcome_delay_days else ""
    return f"decision {s.vintage} (vintage){due}"


def feature_line(f: FeatureDrift) -> str:
    """One feature of ``docket monitor``'s drift list. The PSI band and the test can
    disagree on a small sample (a PSI of 0.3 on 30 cases is often chance), so the line says
    which of the two the "features drifted" count above follows: the test."""
    test = f"p={f.p_value:.3g}" if f.p_value is not None else f"{f.method} {f.statistic:.3f}"
    verdict = ("drifted" if f.drifted
               else f"not counted as drifted: {f.note}" if f.note  # e.g. too few to judge
               else f"not counted as drifted: within chance on {f.n_current} case(s)")
    return f"  {f.name:58} PSI {f.psi:6.3f} ({f.psi_band} band), {test}: {verdict}"
