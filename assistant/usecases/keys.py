"""People's keys: the first admin, enrolment with roles, the list, revocation.

Roles come from the log only (:mod:`events.domain.keys`): enrolling a key is an event
signed by an ``admin``; the acting identity must be backed by a held key enrolled
with that role (:meth:`~assistant.usecases.context.Context.authorise`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.domains import known_roles
from assistant.usecases.checks import check_identity
from assistant.usecases.context import COMPONENTS, SYSTEM, Context, Who
from assistant.views import Identity, KeyView
from events.domain import KEY_ADMIN, Key
from events.errors import FieldProblem, InputRejected, NotAuthorised, NotFound
from events.signing import SigningKey, key_id_of


def first_admin_roles() -> tuple[str, ...]:
    """What ``docket keys init`` grants the first person: every role an installed pack
    declares, and ``admin``."""
    return (*known_roles(), KEY_ADMIN)


def init(
    ctx: Context,
    person: str,
    roles: tuple[str, ...] | None = None,
    *,
    key: SigningKey | None = None,
) -> SigningKey:
    """Make the store's first key, for ``person`` as admin, and act as them.

    Raises:
        NotAuthorised: the store already has keys (ask its admin to enrol you).
    """
    roles = roles or first_admin_roles()
    with ctx.lock:
        if ctx.keyring().keys:
            raise NotAuthorised(
                "this store already has keys; ask one of its admins to enrol yours "
                "(`docket keys enrol`)"
            )
        if KEY_ADMIN not in roles:
            raise InputRejected([FieldProblem("roles", "the first key must hold the admin role")])
        check_identity(Identity(person, KEY_ADMIN))
        key = key or SigningKey.generate()
        record = Key.enrol(
            person=person, public_key=key.public_key, roles=list(roles), actor=person,
            role=KEY_ADMIN,
        )  # fmt: skip
        ctx.log.signer = key  # the genesis enrolment signs itself
        try:
            ctx.log.save(record)
        finally:
            ctx.log.signer = None
        ctx.wallet.append(key)
        ctx.act(Identity(person, roles[0]))
        return key


@contextmanager
def _as_admin(ctx: Context) -> Iterator[Who]:
    """Act as the current person in their ``admin`` role for the block."""
    acting = ctx.identity
    ctx.act(Identity(acting.name, KEY_ADMIN))
    try:
        yield ctx.who
    finally:
        ctx.act(acting)


def enrol(
    ctx: Context, person: str, roles: list[str], public_key: bytes | None = None
) -> tuple[str, SigningKey | None]:
    """Enrol a key for ``person`` with ``roles``, acting as an admin.

    With no ``public_key`` a new key pair is made and returned with its id (for the
    caller to hand over); otherwise only the id is returned.

    Raises:
        NotAuthorised: the acting person holds no admin key, or the key is enrolled.
        InputRejected: a name that is not plain, or unknown roles.
    """
    grantable = (*known_roles(), KEY_ADMIN, SYSTEM.role)
    unknown = [role for role in roles if role not in grantable]
    if unknown:  # a typo would enrol a key that can do nothing
        raise InputRejected([FieldProblem(
            "role", f"{', '.join(map(repr, unknown))} is not a role any installed pack "
                    f"declares (`docket domains`); roles: {', '.join(grantable)}")])
    with ctx.lock:
        check_identity(Identity(person, "system" if "system" in roles else "operator"))
        made = None if public_key is not None else SigningKey.generate()
        raw = made.public_key if made is not None else public_key
        assert raw is not None
        with _as_admin(ctx) as who:
            if ctx.log.exists(Key.id_for(key_id_of(raw))):
                raise NotAuthorised(f"key {key_id_of(raw)} is already enrolled")
            record = Key.enrol(person=person, public_key=raw, roles=roles, **who)
            ctx.log.save(record)
        return record.key_id, made


def revoke(ctx: Context, key_id: str, reason: str) -> KeyView:
    """Revoke a key, acting as an admin: nothing it signs from now on counts.

    Raises:
        NotFound: no such key. NotAuthorised: not an admin, or already revoked.
    """
    with ctx.lock:
        if key_id not in ctx.keyring().keys:
            raise NotFound(f"no key {key_id} is enrolled (see `docket keys list`)")
        with _as_admin(ctx) as who:
            ctx.log.update(Key.id_for(key_id), lambda k: k.revoke(reason=reason, **who))
        return next(k for k in list_keys(ctx) if k.key_id == key_id)


def list_keys(ctx: Context) -> list[KeyView]:
    """Every enrolled key, oldest first, with its holder, roles and state."""
    ring = ctx.keyring()
    return [
        KeyView(
            key_id=r.key_id,
            person=r.person,
            roles=r.roles,
            enrolled_at=r.enrolled_at,
            enrolled_by=r.enrolled_by,
            revoked=r.revoked_at is not None,
            revoked_at=r.revoked_time,
        )
        for r in sorted(ring.keys.values(), key=lambda r: r.enrolled_at)
    ]


def enrol_components(ctx: Context, folder: Path) -> list[str]:
    """Give each of Docket's components (:data:`COMPONENTS`) its own key, acting as an
    admin: the key file in ``folder`` (made when missing, mode 0600) is enrolled in role
    ``system`` unless it already is, and held by this process. Returns the names enrolled now.

    Raises:
        NotAuthorised: the acting person holds no admin key (nothing is written).

    From then on ``verify`` accepts a component's events only when its key co-signed them,
    so a person can no longer record something in a component's name; every process that
    records for a component must hold its key (the service loads ``folder`` on open).
    """
    enrolled: list[str] = []
    with ctx.lock:
        with _as_admin(ctx):  # refused before any key file is written
            pass
        for name in COMPONENTS:
            path = folder / f"{name.replace('/', '_')}.key"
            key = SigningKey.load(path) if path.exists() else None
            if key is None:
                key = SigningKey.generate()
                key.save(path)
            if key.key_id not in ctx.keyring().keys:
                enrol(ctx, name, [SYSTEM.role], key.public_key)
                enrolled.append(name)
            add_key(ctx, key)
    return enrolled


def load_component_keys(folder: Path) -> list[SigningKey]:
    """The component key files in ``folder`` (none when it does not exist)."""
    return [SigningKey.load(path) for path in sorted(folder.glob("*.key"))] if folder.is_dir() \
        else []


def add_key(ctx: Context, key: SigningKey) -> None:
    """Hold ``key`` in this process; act as its holder if the current identity has none."""
    with ctx.lock:
        if all(k.key_id != key.key_id for k in ctx.wallet):
            ctx.wallet.append(key)
        ctx.act(ctx.identity)
