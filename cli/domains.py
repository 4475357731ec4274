"""``docket domains``: the installed packs and the decision each declares."""

from __future__ import annotations

import click

from cli.app import Context, cli, pass_context


@cli.command()
@pass_context
def domains(obj: Context) -> None:
    """List the installed domain packs: decision shape, actions, outcomes, roles."""
    from assistant import config
    from assistant.service import DocketService

    missing = config.missing_store(obj.store)
    # Listing the packs reads no store: on a path where none exists yet, nothing is created.
    views = DocketService.installed_domains() if missing else obj.service.domains()
    for view in views:
        roles = ", ".join(f"{duty} {role}" for duty, role in view.roles.items())
        where = f"no store at {missing} yet" if missing else f"{view.cases} case(s) in this store"
        click.echo(f"{view.name}  ({where})")
        click.echo(f"  {view.description}")
        click.echo(f"  decision: {view.shape}")
        click.echo(f"  roles: {roles}")
