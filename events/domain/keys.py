"""People's keys: who holds which public key, with which roles, from when until when.

A key is enrolled by an event signed by someone holding ``admin`` (the very first key
of a store enrols itself: that is ``docket keys init``), and revoked the same way.
The log is the only place roles come from: a role named on the command line grants
nothing unless the acting key was enrolled with it (see :mod:`events.keyring`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.domain.common import ROLE_NAME, check_identity, docket_id
from events.errors import FieldProblem, InputRejected, NotAuthorised
from events.signing import key_id_of

#: Who may enrol and revoke keys.
KEY_ADMIN = "admin"


class Key(Aggregate):
    """One enrolled public key. ``person`` is the name its holder acts under."""

    if TYPE_CHECKING:
        key_id: str
        person: str
        public_key: str
        roles: list[str]
        revoked: bool

    class Enrolled(Aggregate.Created):
        class_version = 1
        key_id: str
        person: str
        public_key: str  # hex
        roles: list[str]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            k = _as_key(aggregate)
            k.key_id, k.person, k.public_key = self.key_id, self.person, self.public_key
            k.roles = list(self.roles)
            k.revoked = False

    class Revoked(Aggregate.Event):
        class_version = 1
        key_id: str
        reason: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_key(aggregate).revoked = True

    @staticmethod
    def id_for(key_id: str) -> UUID:
        return docket_id("key", key_id)

    @classmethod
    def enrol(
        cls, *, person: str, public_key: bytes, roles: list[str], actor: str, role: str
    ) -> Key:
        """Enrol ``public_key`` for ``person`` with ``roles``, by an ``admin``.

        Raises:
            NotAuthorised: the acting role is not ``admin``.
            InputRejected: no person, no role, or an unknown role.
        """
        check_identity(actor, role, (KEY_ADMIN,))
        problems = []
        if not person.strip():
            problems.append(FieldProblem("person", "must name the key's holder"))
        if not roles:
            problems.append(FieldProblem("roles", "a key needs at least one role"))
        malformed = [r for r in roles if not isinstance(r, str) or not ROLE_NAME.match(r)]
        if malformed:
            problems.append(FieldProblem(
                "roles", f"{str(malformed[0])[:40]!r} is not a role name (lower-case letters, "
                         "digits and '_')"))  # fmt: skip
        if len(public_key) != 32:
            problems.append(FieldProblem("public_key", "must be a 32-byte Ed25519 public key"))
        if problems:
            raise InputRejected(problems)
        key_id = key_id_of(public_key)
        return cls._create(
            cls.Enrolled,
            id=cls.id_for(key_id),
            key_id=key_id,
            person=person.strip(),
            public_key=public_key.hex(),
            roles=list(dict.fromkeys(roles)),
            actor=actor,
            role=role,
        )

    def revoke(self, *, reason: str, actor: str, role: str) -> None:
        """Revoke the key: nothing it signs after this event counts."""
        check_identity(actor, role, (KEY_ADMIN,))
        if self.revoked:
            raise NotAuthorised(f"key {self.key_id} is already revoked")
        if not reason.strip():
            raise InputRejected([FieldProblem("reason", "a revocation needs a reason")])
        self.trigger_event(
            self.Revoked, key_id=self.key_id, reason=reason.strip(), actor=actor, role=role
        )


def _as_key(aggregate: Aggregate) -> Key:
    assert isinstance(aggregate, Key)
    return aggregate
