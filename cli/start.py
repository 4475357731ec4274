"""Getting started: ``docket demo``, ``docket tui`` and ``docket status``."""

from __future__ import annotations

import sys

import click

from assistant import config
from cli.app import Context, cli, fail, pass_context, progress, steps
from cli.demand_demo import seed_demand_demo
from cli.demo import enrol_demo_people, seed_demo


@cli.command()
@click.option("--cases", default=None, type=int,
              help="How many real cases to open (credit: 200 applications; demand: 48 hours).")
@click.option("--domain", type=click.Choice(["credit", "demand"]), default="credit",
              show_default=True, help="Which pack to demonstrate.")
@click.option("--no-tui", is_flag=True, help="Seed and print the summary without opening the TUI.")
@pass_context
def demo(obj: Context, cases: int | None, domain: str, no_tui: bool) -> None:
    """Seed the store with real cases and open the operator console."""
    service = obj.service
    for line in enrol_demo_people(
        service, service.data_dir / "keys" / "demo", obj.operator or config.default_operator()
    ):
        click.echo(line)
    if domain == "demand":
        click.echo("Preparing the demand demo (the first run trains the quantile model: about "
                   "a minute)…", err=True)
        summary = seed_demand_demo(service, cases=cases or 48,
                                   progress=progress("Opening demo hours"), on_step=steps("demo"))
    else:
        click.echo(
            "Preparing the demo store (the first run trains the credit models: about 35 s)…",
            err=True,
        )
        summary = seed_demo(service, cases=200 if cases is None else cases,
                            progress=progress("Opening demo cases"), on_step=steps("demo"))
    for line in summary:
        click.echo(line)
    if no_tui:
        return
    _run_tui(obj)


@cli.command()
@click.option("--domain", default=None,
              help="The pack whose policy and health the console shows "
                   "(default: the one this store holds).")
@pass_context
def tui(obj: Context, domain: str | None) -> None:
    """Open the operator console on the store."""
    from tui.app import CATCH_UP_STEP

    # Read models far behind the log (a store's first console) catch up in steps while the
    # console runs, never in one long freeze before it opens.
    obj.catch_up_step = CATCH_UP_STEP
    _run_tui(obj, obj.service.resolve_domain(domain))


def _run_tui(obj: Context, domain: str | None = None) -> None:
    if not sys.stdout.isatty():
        fail("the console needs a terminal; use --no-tui or run it in a terminal")
    from tui.app import run

    run(obj.service, domain=domain)


@cli.command()
@pass_context
def status(obj: Context) -> None:
    """Where the store is, what it holds, which model decides, and open alerts."""
    view = obj.service.status()
    click.echo(f"store:       {view.store_url}")
    click.echo(f"read models: {view.readmodel_path}")
    click.echo(f"events:      {view.events}")
    cases = ", ".join(f"{k} {v}" for k, v in sorted(view.cases_by_status.items())) or "none"
    click.echo(f"cases:       {cases}")
    click.echo(f"champion:    {view.champion or 'none (baseline rules decide)'}")
    click.echo(f"sealed:      {view.sealed or 'never (`docket verify --seal` as an auditor)'}")
    for notice in view.notices:
        click.echo(f"policy:      {notice}")
    if view.alerts:
        click.echo("alerts:")
        for alert in view.alerts:
            click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")
            if alert.runbook:
                click.echo(f"      what to do: {alert.runbook}")
    else:
        click.echo("alerts:      none")
