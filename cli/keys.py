"""``docket keys``: who may act. A person acts only with a key enrolled in the log.

* ``docket keys init``: the store's first key (you become its admin) and keys for Docket's
  components; one command for single-user local use.
* ``docket keys enrol-components``: an admin gives Docket's components keys of their own on
  a store set up before ``keys init`` did so.
* ``docket keys create FILE``: a new key pair for yourself; hand the public key to an admin.
* ``docket keys enrol PERSON --role R [--public-key HEX | --new FILE]``: an admin enrols a
  key with its roles (an event signed by the admin).
* ``docket keys list`` and ``docket keys revoke KEY_ID --reason TEXT``.
"""

from __future__ import annotations

from pathlib import Path

import click

from assistant import config
from cli.app import Context, cli, fail, pass_context


@cli.group()
def keys() -> None:
    """Keys: create, enrol with roles, list, revoke."""


@keys.command("init")
@click.option("--person", default=None, help="Your name in the log (default: your login).")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write your key (default: the data directory's default.key).",
)
@pass_context
def init(obj: Context, person: str | None, key_file: Path | None) -> None:
    """Make the store's first key: you become its admin and hold every role. Docket's
    components (orchestrator, explainer, monitor, read models) get keys of their own too."""
    from assistant.service import SigningKey

    path = key_file or obj.key_path or config.default_key_path()
    existing = SigningKey.load(path) if path.exists() else None
    service = obj.service
    key = service.init_keys(person or config.default_operator(), existing)
    if existing is None:
        key.save(path)
    me = service.identity
    click.echo(f"key {key.key_id} enrolled for {me.name} as admin (all roles); file: {path}")
    _components_enrolled(service.enrol_components(), service.component_key_dir())


@keys.command("enrol-components")
@pass_context
def enrol_components(obj: Context) -> None:
    """Give Docket's components keys of their own (admins only): from then on `docket verify`
    refuses any event in a component's name that its key did not co-sign."""
    service = obj.service
    enrolled = service.enrol_components()
    if not enrolled:
        click.echo(
            f"Docket's components already hold enrolled keys ({service.component_key_dir()})"
        )
    _components_enrolled(enrolled, service.component_key_dir())


def _components_enrolled(names: list[str], folder: Path) -> None:
    if names:
        click.echo(
            f"components enrolled in role system: {', '.join(names)}; key files (mode "
            f"0600): {folder}; every process recording for them needs a copy"
        )


@keys.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create(file: Path) -> None:
    """Make a new key pair in FILE (mode 0600) and print its public key for an admin."""
    from assistant.service import SigningKey

    if file.exists():
        fail(f"{file} already exists; choose another path")
    key = SigningKey.generate()
    key.save(file)
    click.echo(f"key {key.key_id} written to {file}")
    click.echo(f"public key (give this to an admin): {key.public_key.hex()}")


@keys.command("enrol")
@click.argument("person")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="A role a pack declares (`docket domains`), admin, or system for a component.",
)
@click.option("--public-key", default=None, help="The holder's public key (64 hex digits).")
@click.option(
    "--new",
    "new_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Make the key pair here instead, and hand the file to the person.",
)
@pass_context
def enrol(
    obj: Context, person: str, roles: tuple[str, ...], public_key: str | None, new_file: Path | None
) -> None:
    """Enrol PERSON's key with the given roles (admins only; an event signed by you)."""
    from assistant.service import parse_public_key

    if (public_key is None) == (new_file is None):
        fail("give either --public-key HEX (from `docket keys create`) or --new FILE")
    if new_file is not None and new_file.exists():
        fail(f"{new_file} already exists; choose another path")
    raw = parse_public_key(public_key) if public_key else None
    key_id, made = obj.service.enrol(person, list(roles), raw)
    if made is not None and new_file is not None:
        made.save(new_file)
        click.echo(f"key {key_id} for {person} ({', '.join(roles)}) written to {new_file}")
    else:
        click.echo(f"key {key_id} enrolled for {person} ({', '.join(roles)})")


@keys.command("list")
@pass_context
def list_keys(obj: Context) -> None:
    """Every enrolled key: id, holder, roles, who enrolled it, revoked or not."""
    found = obj.service.enrolled_keys()
    if not found:
        click.echo("no keys yet: `docket keys init` makes the first one")
    # Columns as wide as their longest entry (docket/orchestrator, an admin's many roles).
    people = max((len(k.person) for k in found), default=0)
    roles = max((len(",".join(k.roles)) for k in found), default=0)
    for k in found:
        state = f"revoked {k.revoked_at}" if k.revoked else "valid"
        click.echo(
            f"{k.key_id}  {k.person:<{people}}  {','.join(k.roles):<{roles}}  "
            f"enrolled at #{k.enrolled_at} by {k.enrolled_by}  {state}"
        )


@keys.command("revoke")
@click.argument("key_id")
@click.option("--reason", required=True, help="Why (lost, left the team ...).")
@pass_context
def revoke(obj: Context, key_id: str, reason: str) -> None:
    """Revoke KEY_ID (admins only): nothing it signs from now on counts."""
    view = obj.service.revoke_key(key_id, reason)
    click.echo(f"key {view.key_id} of {view.person} revoked at {view.revoked_at}")
