"""Monitoring: ``docket quality`` and ``docket monitor``."""

from __future__ import annotations

import click

from cli.app import Context, cli, pass_context


@cli.command()
@click.argument("domain", required=False)
@pass_context
def quality(obj: Context, domain: str | None) -> None:
    """Decision quality on cases with outcomes: operators vs model vs baseline rules."""
    report = obj.service.quality(obj.service.resolve_domain(domain))
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
@pass_context
def monitor(obj: Context, domain: str | None, recent: int) -> None:
    """Check drift, override and out-of-distribution rates and policy reviews; raise alerts."""
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
    alerts = obj.service.check_alerts(domain, recent=recent)
    click.echo("alerts: " + ("none" if not alerts else ""))
    for alert in alerts:
        click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")
