"""Monitoring: ``docket quality`` and ``docket monitor``."""

from __future__ import annotations

import click

from assistant.monitoring import MonitoringThresholds
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings
from cli.app import Context, cli, pass_context


@cli.command()
@click.argument("domain", required=False)
@pass_context
def quality(obj: Context, domain: str | None) -> None:
    """Decision quality on cases with outcomes: operators vs model vs baseline rules."""
    domain = obj.service.resolve_domain(domain)
    if obj.service.decides_quantity(domain):
        for line in obj.service.quantity_quality(domain).lines():
            click.echo(line)
        return
    report = obj.service.quality(domain)
    if not report.n_cases:
        click.echo("no decided case has an outcome yet: record some with `docket outcomes FILE`")
        return
    click.echo(
        f"realized cost per case on {report.n_cases} decided case(s) with outcomes "
        f"({report.confidence:.0%} bootstrap intervals):"
    )
    for summary in (report.operators, report.model, report.baseline):
        if summary is not None:
            m = summary.mean
            click.echo(
                f"  {summary.name:16} {m.estimate:.3f} [{m.low:.3f}, {m.high:.3f}]  n={summary.n}"
            )
    for label, interval in (
        ("operators - model", report.operators_minus_model),
        ("model - baseline", report.model_minus_baseline),
    ):
        if interval is not None:
            click.echo(
                f"  {label:16} {interval.estimate:+.3f} [{interval.low:+.3f}, "
                f"{interval.high:+.3f}]  (negative: the first is cheaper)"
            )
    for title, effects in (
        ("overrides by reason", report.overrides_by_reason),
        ("overrides by operator", report.overrides_by_operator),
    ):
        if effects:
            click.echo(f"{title} (delta = cost of override - cost of recommendation):")
            for e in effects:
                click.echo(
                    f"  {e.group:22} n={e.n:<4} helped {e.helped:<3} hurt {e.hurt:<3} "
                    f"total delta {e.total_delta:+.2f}"
                )


@cli.command()
@click.argument("domain", required=False)
@click.option("--recent", default=1000, show_default=True, help="How many latest cases to compare.")
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
@pass_context
def monitor(
    obj: Context, domain: str | None, recent: int, last_outcomes: int, last_days: float | None
) -> None:
    """Check drift, outcome quality, override and out-of-distribution rates and policy
    reviews; raise, escalate and resolve alerts."""
    thresholds = MonitoringThresholds(
        outcomes=OutcomeAlertSettings(last_outcomes=last_outcomes, last_days=last_days)
    )
    domain = obj.service.resolve_domain(domain)
    report = obj.service.drift(domain, recent=recent)
    click.echo(
        f"drift of the latest {report.n_current} case(s) against {report.n_reference} "
        f"training rows: {report.share_drifted:.0%} of features drifted"
        + (" — DATASET DRIFT" if report.dataset_drift else "")
    )
    for f in sorted(report.features, key=lambda f: -f.psi):
        if f.drifted or f.psi >= 0.1:
            p = f"p={f.p_value:.3g}" if f.p_value is not None else f"{f.method} {f.statistic:.3f}"
            click.echo(f"  {f.name:58} PSI {f.psi:6.3f} ({f.psi_band}), {p}")
    if report.prediction is not None:
        click.echo(
            f"  prediction drift: PSI {report.prediction.psi:.3f} ({report.prediction.psi_band})"
        )
    outcomes = obj.service.outcome_check(domain, thresholds.outcomes)
    if outcomes is not None and outcomes.n:
        click.echo("outcome quality: " + outcomes.message())
    alerts = obj.service.check_alerts(domain, recent=recent, thresholds=thresholds)
    click.echo("alerts: " + ("none" if not alerts else ""))
    for alert in alerts:
        click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")
