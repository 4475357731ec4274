"""The log itself: ``docket verify`` and ``docket replay``."""

from __future__ import annotations

import os

import click

from cli.app import Context, cli, fail, pass_context


@cli.command()
@pass_context
def verify(obj: Context) -> None:
    """Walk the hash chain, then check the read models' position and digest against the log;
    exit 1 naming the first bad position or the read-model difference."""
    report = obj.service.verify()
    if report.ok:
        click.echo(f"ok: {report.checked} events, hash chain intact")
    else:
        position = report.first_bad_position
        holder = obj.service.record_at(position) if position is not None else ""
        fail(
            f"TAMPERED at position {position}"
            + (f" ({holder})" if holder else "")
            + f": {report.reason}"
        )
    views = obj.service.verify_read_models()
    if not views.ok:
        for line in views.differences[:20]:
            click.echo(f"  {line}", err=True)
        fail(views.sentence())
    click.echo(f"ok: {views.sentence()}")


@cli.command()
@click.option(
    "--check", is_flag=True, help="Rebuild into a scratch copy and compare; change nothing."
)
@pass_context
def replay(obj: Context, check: bool) -> None:
    """Rebuild every read model from the log."""
    if check:
        differences = obj.service.replay_check()
        if differences:
            for line in differences[:50]:
                click.echo(f"  {line}", err=True)
            fail(f"read models differ from a fresh replay in {len(differences)} place(s)")
        click.echo("ok: read models match a fresh replay of the log")
    else:
        applied = obj.service.replay()
        click.echo(f"replayed {applied} events into the read models")


@cli.command("setup-postgres")
@click.argument("writer")
@click.option("--password-env", metavar="VAR",
              help="Set WRITER's password from environment variable VAR.")
@pass_context
def setup_postgres(obj: Context, writer: str, password_env: str | None) -> None:
    """As the owner of a PostgreSQL store: create its tables, triggers refusing UPDATE,
    DELETE and TRUNCATE, and the WRITER role (INSERT and SELECT only) to run Docket as."""
    from assistant.service import DocketService

    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        fail(f"environment variable {password_env} is empty or not set")
    for line in DocketService.setup_postgres(obj.store, writer, password=password):
        click.echo(line)
    click.echo(f"run Docket as {writer}: --store postgresql://{writer}@HOST:PORT/DB")
