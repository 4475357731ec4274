"""Getting started: ``docket demo``, ``docket tui`` and ``docket status``."""

from __future__ import annotations

import sys

import click

from cli.app import Context, cli, fail, pass_context, progress
from cli.demo import seed_demo


@cli.command()
@click.option("--cases", default=200, show_default=True, help="How many real applications to open.")
@click.option("--no-tui", is_flag=True, help="Seed and print the summary without opening the TUI.")
@pass_context
def demo(obj: Context, cases: int, no_tui: bool) -> None:
    """Seed the store with real credit cases and open the operator console."""
    service = obj.service
    click.echo(
        "Preparing the demo store (the first run trains the credit models: about 20 s)…", err=True
    )
    summary = seed_demo(service, cases=cases, progress=progress("Opening demo cases"))
    for line in summary:
        click.echo(line)
    if no_tui:
        return
    _run_tui(obj)


@cli.command()
@pass_context
def tui(obj: Context) -> None:
    """Open the operator console on the store."""
    _run_tui(obj)


def _run_tui(obj: Context) -> None:
    if not sys.stdout.isatty():
        fail("the console needs a terminal; use --no-tui or run it in a terminal")
    from tui.app import run

    run(obj.service)


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
