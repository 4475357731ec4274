"""Getting started: ``docket demo``, ``docket sample``, ``docket tui`` and ``docket status``."""

from __future__ import annotations

import sys
from typing import Literal

import click

from assistant import config
from cli.app import Context, cli, fail, pass_context, progress, steps
from cli.demo import DEMO_PEOPLE, DOMAIN, enrol_demo_people, seed_demo


@cli.command()
@click.option("--cases", default=None, type=int,
              help="How many real cases to open (credit: 200 applications; a quantity pack: "
                   "its last 48 periods).")
@click.option("--domain", default=DOMAIN, show_default=True,
              help="Which pack to demonstrate: credit or any quantity pack (`docket domains`).")
@click.option("--no-tui", is_flag=True, help="Seed and print the summary without opening the TUI.")
@pass_context
def demo(obj: Context, cases: int | None, domain: str, no_tui: bool) -> None:
    """Seed the store with real cases and open the operator console."""
    from assistant.domains import is_quantity_pack
    from cli.quantity_demo import demo_people, seed_quantity_demo

    service = obj.service
    domain = service.resolve_domain(domain)  # an unknown pack: one sentence naming the packs
    quantity = is_quantity_pack(domain)
    if domain != DOMAIN and not quantity:
        fail(f"docket demo seeds credit or a quantity pack; {domain} is a yes/no pack, whose "
             f"demo would need its own history, exploration and people: open its shipped "
             f"cases with `docket sample {domain} cases > cases.csv` and `docket ingest "
             f"cases.csv` instead")
    people = demo_people(domain) if quantity else DEMO_PEOPLE
    for line in enrol_demo_people(service, service.data_dir / "keys" / "demo",
                                  obj.operator or config.default_operator(), people):
        click.echo(line)
    if quantity:
        click.echo(f"Preparing the {domain} demo (the first run trains its quantile model: "
                   "about a minute)…", err=True)
        summary = seed_quantity_demo(service, domain, cases=cases or 48,
                                     progress=progress("Opening demo cases"),
                                     on_step=steps("demo"))
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
    _run_tui(obj, domain)


@cli.command()
@click.argument("domain")
@click.argument("kind", type=click.Choice(["cases", "outcomes"]), default="cases")
@click.option("--last", default=48, show_default=True, type=click.IntRange(min=1),
              help="How many of the last cases (periods, rows) of the pack's shipped data.")
def sample(domain: str, kind: Literal["cases", "outcomes"], last: int) -> None:
    """Write the last cases of DOMAIN's shipped data as CSV on stdout: their input (KIND
    cases, for `docket ingest`) or what then happened (KIND outcomes, for `docket
    outcomes`), with the same case_ref. Inside the default model's training data: a
    walk-through, not a measurement."""
    from assistant.domains import available_packs, get_pack
    from assistant.domains.samples import write_sample

    if domain not in available_packs():
        get_pack(domain)  # NotFound, naming the installed packs
    write_sample(domain, kind, last, sys.stdout)


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
    if view.quarantined_outcome_rows:
        # Rejected outcome rows are kept as quarantined records too; they are not cases.
        cases += f" ({view.quarantined_outcome_rows} of them rejected outcome rows, not cases)"
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
