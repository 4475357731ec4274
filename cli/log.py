"""The log itself: ``docket verify`` and ``docket replay``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from cli.app import Context, cli, fail, pass_context, say_long


@cli.command()
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also prove the log still holds this checkpoint's prefix unchanged, and check the "
    "read models against its seal (replaying only the cases near those changed since).",
)
@click.option(
    "--seal",
    "to_seal",
    is_flag=True,
    help="When everything holds, record a seal of the read models in the log (an admin or "
    "auditor, signed): the next verify replays only the cases near those changed since.",
)
@pass_context
def verify(obj: Context, checkpoint_file: Path | None, to_seal: bool) -> None:
    """Check every event's link and signature, then the read models' position and digest
    against the log; exit 1 naming the first bad position or the read-model difference.

    The read models are checked against the newest seal an admin or auditor recorded in the
    log (`--seal`) or the checkpoint's, replaying only what changed since, else against a
    replay of the whole log."""
    service = obj.service
    if to_seal:
        service.check_sealer()  # refused before any work
    say_long("checking", service.event_count(),
             "the chain and signatures about 10 s per million, the read models more unless "
             "a recent seal vouches for them")
    data = None if checkpoint_file is None else _read_checkpoint(checkpoint_file)
    # The read-model check runs in a child process while this one walks the chain (with a
    # checkpoint, once: its landmarks are compared on the way).
    views_report = service.start_read_model_check(data, to_seal=to_seal)
    if checkpoint_file is None:
        report = service.verify()
    else:
        result, walked = service.verify_against(data)
        if not result.ok:
            fail(f"CHECKPOINT FAILED ({checkpoint_file}, position {result.position}, signed by "
                 f"{result.signer}): {result.reason}")  # fmt: skip
        click.echo(
            f"ok: the first {result.position} positions match the checkpoint signed by "
            f"{result.signer}; {result.appended} event(s) appended since"
        )
        assert walked is not None  # the checkpoint held, so the log was walked
        report = walked
    if report.ok:
        click.echo(f"ok: {report.checked} events, hash chain and signatures intact")
        for note in report.notes:
            click.echo(f"note: {note}")
        if report.unsigned:
            click.echo(
                f"note: the first {report.unsigned} events predate signing (an upgraded store): "
                "chained and covered by the signatures after them, but signed by no one"
            )
        click.echo(
            f"head: {report.head} at position {report.end} "
            "(keep it outside the store: `docket checkpoint export FILE`)"
        )
    else:
        position = report.first_bad_position
        holder = obj.service.record_at(position) if position is not None else ""
        fail(
            f"TAMPERED at position {position}"
            + (f" ({holder})" if holder else "")
            + f": {report.reason}"
        )
    views = views_report()
    if checkpoint_file is None and (note := service.seal_note()):
        click.echo(f"note: {note}")
    if not views.ok:
        for line in views.differences[:20]:
            click.echo(f"  {line}", err=True)
        fail(views.sentence())
    click.echo(f"ok: {views.sentence()}")
    if to_seal:
        if views.seal is None:
            fail("not sealed: the read models matched only when compared row by row; "
                 "`docket replay` rebuilds them, then seal again")  # fmt: skip
        at = service.record_seal(views.seal)
        click.echo(f"sealed: the read models at position {views.seal.position} "
                   f"({views.seal.buckets} buckets of cases), recorded at position {at}; the "
                   "next `docket verify` replays only the cases near those changed after it")


def _read_checkpoint(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read checkpoint {path}: {exc.strerror}")
    except (ValueError, UnicodeDecodeError):
        fail(f"{path} is not a checkpoint (expected the JSON `docket checkpoint export` writes)")


@cli.group()
def checkpoint() -> None:
    """Signed checkpoints of the log, to keep outside the store."""


@checkpoint.command("export")
@click.argument("given", metavar="TARGET", type=click.Path())
@pass_context
def export(obj: Context, given: str) -> None:
    """Write a signed checkpoint to TARGET (a file, or a folder: one new file per run, for
    cron). Keep it away from the store: a ticket, an email, another machine."""
    target = Path(given)
    if given.endswith(("/", os.sep)) and not target.is_dir():  # meant as a folder
        fail(f"no folder {given}: create it first (`mkdir -p {given}`), or name a file")
    data = obj.service.export_checkpoint()
    if target.is_dir():
        stamp = str(data["at"]).replace(":", "").replace("-", "")
        target = target / f"docket-checkpoint-{data['position']:09d}-{stamp}.json"
    if target.exists():
        fail(f"{target} already exists; checkpoints are never overwritten")
    try:
        target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write checkpoint {target}: {exc.strerror}")
    click.echo(
        f"checkpoint of position {data['position']} (head {data['head'][:16]}…) signed by "
        f"{data['signer']['person']} written to {target}"
    )


@cli.command()
@click.option(
    "--check", is_flag=True, help="Rebuild into a scratch copy and compare; change nothing."
)
@pass_context
def replay(obj: Context, check: bool) -> None:
    """Rebuild every read model from the log."""
    cost = "a minute or two per million"
    if check:
        say_long("replaying", obj.service.event_count(), cost + " (compared, nothing changed)")
        differences = obj.service.replay_check()
        if differences:
            for line in differences[:50]:
                click.echo(f"  {line}", err=True)
            fail(f"read models differ from a fresh replay in {len(differences)} place(s)")
        click.echo("ok: read models match a fresh replay of the log")
    else:
        # The file is about to be rebuilt whole: opening the store must not first bring it up
        # to date (on read models far behind, a minute per million events thrown away).
        obj.catch_up_step = 1
        say_long("replaying", obj.service.event_count(), cost + " (into new read models)")
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
