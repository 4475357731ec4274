"""A domain's decision policy (costs, escalation band ...), owned by one role.

The policy's content is a plain dict (``spec``) whose meaning belongs to
``assistant.policies``; the log only guarantees who changed what, when and why:
only the policy's ``owner_role`` may change it, always with a justification, and
every change is an event with the keys changed and the full spec after it.

Four eyes: a change is first *proposed* by one person holding the owner role and takes
effect only when *approved* by a second, different person holding it
(``ChangeProposed`` → ``ProposalDecided`` + ``Changed``). A proposal made against an
older version cannot be approved (it might undo a change made since).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from events.domain.common import Args, check_identity, docket_id, plain_json, validate
from events.domain.proposals import (
    ProposalDecision,
    decision_fields,
    pending_entry,
    require_approver,
    require_pending,
)
from events.errors import ConflictError, FieldProblem, InputRejected, NotAuthorised


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
        pending: dict[str, dict[str, Any]]
        proposals: int
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
            p.pending, p.proposals = {}, 0
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

    class ChangeProposed(Aggregate.Event):
        class_version = 1
        proposal: int
        changes: dict[str, Any]
        justification: str
        base_version: int
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            p = _as_policy(aggregate)
            p.proposals = self.proposal
            p.pending[str(self.proposal)] = pending_entry(
                self.actor, self.timestamp, changes=dict(self.changes),
                justification=self.justification, base_version=self.base_version,
            )  # fmt: skip

    class ProposalDecided(ProposalDecision):
        """A proposal approved (a ``Changed`` follows) or rejected/withdrawn."""

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

    def _require_owner(self, role: str, what: str) -> None:
        if role != self.owner_role:
            raise NotAuthorised(
                f"only the policy owner ({self.owner_role}) may {what} the {self.domain} "
                f"policy, not role {role!r}"
            )

    def propose(self, *, changes: dict[str, Any], justification: str, actor: str, role: str) -> int:
        """Propose changing some keys of the spec; return the proposal's number.

        Only the owner role, with a justification. Nothing changes until a second
        person holding the owner role approves (:meth:`approve`).

        Raises:
            NotAuthorised: the acting role does not own this policy.
            InputRejected: no justification, or nothing changed.
        """
        check_identity(actor, role)
        self._require_owner(role, "change")
        if not justification.strip():
            raise InputRejected([FieldProblem("justification", "a policy change needs a reason")])
        plain = plain_json(dict(changes), "changes")
        if not plain:
            raise InputRejected([FieldProblem("changes", "nothing to change")])
        number = self.proposals + 1
        self.trigger_event(
            self.ChangeProposed,
            proposal=number,
            changes=plain,
            justification=justification.strip(),
            base_version=self.policy_version,
            actor=actor,
            role=role,
        )
        return number

    def _pending(self, proposal: int) -> dict[str, Any]:
        return require_pending(self.pending, proposal, f"the {self.domain} policy")

    def approve(self, *, proposal: int, actor: str, role: str) -> None:
        """Approve a pending proposal: it takes effect now (a new policy version).

        Raises:
            NotAuthorised: not the owner role, or the approver is the proposer.
            NotFound: no such pending proposal.
            ConflictError: the policy changed since the proposal was made.
        """
        check_identity(actor, role)
        self._require_owner(role, "approve changes to")
        found = self._pending(proposal)
        require_approver(found, f"change #{proposal}", actor, role, (self.owner_role,))
        if found["base_version"] != self.policy_version:
            raise ConflictError(
                f"proposal #{proposal} was made against v{found['base_version']} and the policy "
                f"is now v{self.policy_version}: reject it and propose again"
            )
        self.trigger_event(
            self.ProposalDecided,
            **decision_fields(proposal, found, approved=True, note="", actor=actor, role=role),
        )
        self.trigger_event(
            self.Changed,
            changes=found["changes"],
            spec={**self.spec, **found["changes"]},
            policy_version=self.policy_version + 1,
            justification=f"{found['justification']} (proposed by {found['by']})",
            actor=actor,
            role=role,
        )

    def reject(self, *, proposal: int, note: str, actor: str, role: str) -> None:
        """Reject a pending proposal (the owner role), or withdraw one's own."""
        check_identity(actor, role)
        found = self._pending(proposal)
        if found["by"] != actor:  # withdrawing one's own needs no role
            self._require_owner(role, "reject changes to")
        self.trigger_event(
            self.ProposalDecided,
            **decision_fields(proposal, found, approved=False, note=note, actor=actor, role=role),
        )

    def review(
        self, *, note: str = "", actor: str, role: str, auditor_role: str = "auditor"
    ) -> None:
        """Record that the owner (or the pack's auditor, ``auditor_role``) reviewed the
        policy without changing it.

        Raises:
            NotAuthorised: neither the owner role nor the auditor role.
        """
        if role not in (self.owner_role, auditor_role):
            raise NotAuthorised(
                f"only the policy owner ({self.owner_role}) or an auditor ({auditor_role}) may "
                f"record a review of the {self.domain} policy, not role {role!r}"
            )
        check_identity(actor, role, (self.owner_role, auditor_role))
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
