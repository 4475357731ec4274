"""``docket domains``: the installed packs and the decision each declares."""

from __future__ import annotations

import click

from cli.app import Context, cli, pass_context


@cli.command()
@pass_context
def domains(obj: Context) -> None:
    """List the installed domain packs: decision shape, actions, outcomes, roles."""
    for view in obj.service.domains():
        roles = ", ".join(f"{duty} {role}" for duty, role in view.roles.items())
        click.echo(f"{view.name}  ({view.cases} case(s) in this store)")
        click.echo(f"  {view.description}")
        click.echo(f"  decision: {view.shape}")
        click.echo(f"  roles: {roles}")
