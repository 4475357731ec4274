"""A domain's decision policy (costs, escalation band ...), owned by one role.

The policy's content is a plain dict (``spec``) whose meaning belongs to
``assistant.policies``; the log only guarantees who changed what, when and why:
only the policy's ``owner_role`` may change it, always with a justification, and
every change is an event with the keys changed and the full spec after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from events.domain.common import Args, check_identity, docket_id, plain_json, validate
from events.errors import FieldProblem, InputRejected, NotAuthorised


class _CreateArgs(Args):
    domain: str = Field(min_length=1)
    owner_role: str = Field(min_length=1)
    review_every_days: int = Field(ge=1)


class Policy(Aggregate):
    """The policy of one domain. ``policy_version`` counts content versions from 1."""

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        domain: str
        spec: dict[str, Any]
        owner_role: str
        review_every_days: int
        policy_version: int
        last_reviewed_at: str
        signed_off: bool  # the owner authored or signed off the current version

    class Created(Aggregate.Created):
        class_version = 1
        domain: str
        spec: dict[str, Any]
        owner_role: str
        review_every_days: int
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            p = _as_policy(aggregate)
            p.domain = self.domain
            p.spec = dict(self.spec)
            p.owner_role = self.owner_role
            p.review_every_days = self.review_every_days
            p.policy_version = 1
            p.last_reviewed_at = self.timestamp.isoformat()
            # Installed by the system (from the pack's default): unsigned until the owner signs.
            p.signed_off = self.role == self.owner_role

    class Changed(Aggregate.Event):
        class_version = 1
        changes: dict[str, Any]
        spec: dict[str, Any]
        policy_version: int
        justification: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            p = _as_policy(aggregate)
            p.spec = dict(self.spec)
            p.policy_version = self.policy_version
            p.signed_off = True  # only the owner changes a policy
            p.last_reviewed_at = self.timestamp.isoformat()  # a change is a review

    class Reviewed(Aggregate.Event):
        class_version = 1
        note: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_policy(aggregate).last_reviewed_at = self.timestamp.isoformat()

    class SignedOff(Aggregate.Event):
        """The owner accepts the current version as theirs (the system installed it)."""

        class_version = 1
        policy_version: int
        note: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            p = _as_policy(aggregate)
            p.signed_off = True
            p.last_reviewed_at = self.timestamp.isoformat()

    @staticmethod
    def id_for(domain: str) -> UUID:
        return docket_id("policy", domain)

    @classmethod
    def create(
        cls,
        *,
        domain: str,
        spec: dict[str, Any],
        owner_role: str,
        review_every_days: int = 90,
        actor: str,
        role: str,
    ) -> Policy:
        """Install a domain's first policy (by its owner, or by ``system`` when seeding)."""
        check_identity(actor, role, (owner_role, "system"))
        a = validate(
            _CreateArgs, domain=domain, owner_role=owner_role, review_every_days=review_every_days
        )
        return cls._create(
            cls.Created,
            id=cls.id_for(domain),
            domain=a.domain,
            spec=plain_json(dict(spec), "spec"),
            owner_role=a.owner_role,
            review_every_days=a.review_every_days,
            actor=actor,
            role=role,
        )

    def change(self, *, changes: dict[str, Any], justification: str, actor: str, role: str) -> None:
        """Change some keys of the spec. Only the owner role, with a justification.

        Raises:
            NotAuthorised: the acting role does not own this policy.
            InputRejected: no justification, or nothing changed.
        """
        check_identity(actor, role)
        if role != self.owner_role:
            raise NotAuthorised(
                f"only the policy owner ({self.owner_role}) may change the {self.domain} "
                f"policy, not role {role!r}"
            )
        if not justification.strip():
            raise InputRejected([FieldProblem("justification", "a policy change needs a reason")])
        plain = plain_json(dict(changes), "changes")
        if not plain:
            raise InputRejected([FieldProblem("changes", "nothing to change")])
        self.trigger_event(
            self.Changed,
            changes=plain,
            spec={**self.spec, **plain},
            policy_version=self.policy_version + 1,
            justification=justification.strip(),
            actor=actor,
            role=role,
        )

    def review(self, *, note: str = "", actor: str, role: str) -> None:
        """Record that the owner (or an auditor) reviewed the policy without changing it.

        Raises:
            NotAuthorised: neither the owner role nor an auditor.
        """
        if role not in (self.owner_role, "auditor"):
            raise NotAuthorised(
                f"only the policy owner ({self.owner_role}) or an auditor may record a review "
                f"of the {self.domain} policy, not role {role!r}"
            )
        check_identity(actor, role, (self.owner_role, "auditor"))
        self.trigger_event(self.Reviewed, note=note.strip(), actor=actor, role=role)

    def sign_off(self, *, note: str = "", actor: str, role: str) -> None:
        """The owner signs off the current version.

        Raises:
            NotAuthorised: not the owner role.
            InputRejected: the current version is already signed off.
        """
        if role != self.owner_role:
            raise NotAuthorised(
                f"only the policy owner ({self.owner_role}) may sign off the {self.domain} "
                f"policy, not role {role!r}"
            )
        check_identity(actor, role)
        if self.signed_off:
            raise InputRejected(
                [FieldProblem("policy", f"v{self.policy_version} is already signed off")]
            )
        self.trigger_event(
            self.SignedOff,
            policy_version=self.policy_version,
            note=note.strip(),
            actor=actor,
            role=role,
        )


def _as_policy(aggregate: Aggregate) -> Policy:
    assert isinstance(aggregate, Policy)
    return aggregate
