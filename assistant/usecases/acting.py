"""Who is acting, and with which key: the identity a use case records under.

A role named on the command line or set in code grants nothing: the acting identity must be
backed by a private key this process holds whose enrolment in the log (the key ring) names
that person and role. Docket's own components record under their own names (role
``system``) and co-sign with their own keys once enrolled. :class:`Acting` is the part of
:class:`assistant.usecases.context.Context` that answers these questions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TypedDict

from assistant.usecases.checks import check_identity
from assistant.views import Identity
from events.app import DecisionLog
from events.chain import NO_KEY
from events.errors import NotAuthorised
from events.keyring import KeyRecord, KeyRing
from events.signing import SigningKey

#: The component identity the service uses for what it records on its own.
SYSTEM = Identity("docket/orchestrator", "system")

#: The component that keeps the read models in step with the log.
READ_MODELS = Identity("docket/readmodels", "system")


class Who(TypedDict):
    """The ``actor`` and ``role`` arguments every recorded command takes."""

    actor: str
    role: str


#: The service's own components, as command arguments.
SYSTEM_WHO = Who(actor=SYSTEM.name, role=SYSTEM.role)

#: Docket's components that record events inside a person's transaction (scoring a case
#: the person opens, explaining it, alerting, rebuilding read models). Once one is enrolled
#: with a key of its own, ``verify`` accepts its events only when its key co-signed them.
COMPONENTS: tuple[str, ...] = (
    SYSTEM.name, "docket/explainer", "docket/monitor", READ_MODELS.name,
)


class Acting:
    """The acting identity and the keys behind it (mixed into the use cases' context)."""

    # Set by the context (a dataclass): the log, who acts, the keys this process holds,
    # the key ring as the log says, and the lock shared with the console's worker threads.
    log: DecisionLog
    identity: Identity
    wallet: list[SigningKey]
    ring: KeyRing
    lock: threading.RLock
    # Whether the acting role was named (``--role``, or an identity set in code). When it was
    # not, a person whose key holds several packs' roles acts in each pack's own role.
    role_named: bool

    def keyring(self) -> KeyRing:
        """The key ring, brought up to date with the log."""
        with self.lock:
            return self.ring.refresh(self.log)

    def holder(self, key: SigningKey) -> KeyRecord | None:
        """The enrolment of ``key`` if it is valid now (enrolled, not revoked)."""
        ring = self.keyring()
        return ring.valid(key.key_id, ring.position + 1)

    def act(self, identity: Identity) -> None:
        """Act as ``identity`` from now on, signing with the held key that backs it.

        Without such a key, reading still works and recording is refused by :attr:`who`.
        """
        with self.lock:
            self.identity = identity
            self.log.signer = self.backing_key(identity)
            self.log.component_keys = self.component_keys()
            self.log.enrolled_components = frozenset(
                name for name in self.ring.people() if name in COMPONENTS
            )

    @contextmanager
    def in_pack_role(self, roles: Sequence[str]) -> Iterator[None]:
        """For the block, act in the first of ``roles`` (what the pack at hand calls the
        duty, e.g. its operator then its senior) that the acting person's key holds.

        Only when no role was named and the acting role is none of ``roles``: an admin made
        by ``docket keys init`` holds every installed pack's roles, and its default (first)
        role is some pack's, not necessarily this one's. A named role is kept as it is.
        """
        acting = self.identity
        self.settle_in_pack_role(roles)
        try:
            yield
        finally:
            if self.identity != acting:
                self.act(acting)

    def settle_in_pack_role(self, roles: Sequence[str]) -> Identity:
        """From now on, act in the first of ``roles`` the acting person's key holds, under
        the same conditions as :meth:`in_pack_role` (the console opened on one pack acts in
        its operator role); the identity acted as from now on."""
        found = self.pack_identity(roles)
        if found != self.identity:
            self.act(found)
        return self.identity

    def pack_identity(self, roles: Sequence[str]) -> Identity:
        """Who :meth:`in_pack_role` acts as for ``roles`` (the acting identity unless no role
        was named, it is none of them and the key holds one), without acting so."""
        acting = self.identity
        if not self.role_named and acting.role not in roles:
            key = self.backing_key(acting)
            record = self.holder(key) if key is not None else None
            held = [r for r in roles if record is not None and r in record.roles]
            if held:
                return Identity(acting.name, held[0])
        return acting

    def component_keys(self) -> dict[str, SigningKey]:
        """The held keys enrolled for a component (a ``docket/`` name in role ``system``),
        by component name: they co-sign the batches holding their components' events."""
        found: dict[str, SigningKey] = {}
        for key in self.wallet:
            record = self.holder(key)
            if record and record.person.startswith("docket/") and SYSTEM.role in record.roles:
                found.setdefault(record.person, key)
        return found

    def backing_key(self, identity: Identity) -> SigningKey | None:
        for key in self.wallet:
            record = self.holder(key)
            if record and record.person == identity.name and identity.role in record.roles:
                return key
        return None

    def authorise(self) -> None:
        """Refuse to record anything unless a valid held key backs the acting identity.

        A role named on the command line or set in code grants nothing: the key's
        enrolment in the log says who it belongs to and which roles it holds.

        Raises:
            NotAuthorised: one sentence naming what is missing.
        """
        me = self.identity
        key = self.log.signer
        if isinstance(key, SigningKey):
            record = self.holder(key)
            if record and record.person == me.name and me.role in record.roles:
                return
        # Say precisely why: revoked, another person's key, a role not held, or no key.
        for held in self.wallet:
            found = self.ring.keys.get(held.key_id)
            if found is None or found.person != me.name:
                continue
            if found.revoked_at is not None:
                raise NotAuthorised(
                    f"{me.name}'s key {found.key_id} was revoked at {found.revoked_time}; "
                    "ask an admin for a new one"
                )
            raise NotAuthorised(
                f"{me.name}'s key does not hold role {me.role!r} "
                f"(it holds {', '.join(found.roles)}); a role must be granted by an admin"
            )
        if self.wallet:
            people = {r.person for k in self.wallet if (r := self.ring.keys.get(k.key_id))}
            if not people:
                raise NotAuthorised(
                    f"key {self.wallet[0].key_id} is not enrolled in this store; "
                    "an admin enrols it with `docket keys enrol`"
                )
            raise NotAuthorised(
                f"you hold the key of {', '.join(sorted(people))}, not of {me.name}"
            )
        raise NotAuthorised(NO_KEY)

    @property
    def who(self) -> Who:
        """The acting person, as every command's ``actor`` and ``role`` arguments.

        Every use case that records something asks for this, so the acting name is
        checked here, once for all of them (see :func:`check_identity`).
        """
        check_identity(self.identity)
        self.authorise()
        return Who(actor=self.identity.name, role=self.identity.role)
