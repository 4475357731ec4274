"""A trained model version: registered with its card, then promoted, shadowed, retired.

The card is a plain dict (written by training) and must carry at least a
``data_fingerprint`` (hash of the training data) and ``metrics``; the artifact
itself is a file addressed by version and content hash, outside the log.
Lifecycle roles: ``engineer``, ``risk_owner`` and ``system``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field

from events.domain.common import Args, check_identity, docket_id, plain_json, validate
from events.errors import ConflictError, FieldProblem, InputRejected

LIFECYCLE_ROLES: tuple[str, ...] = ("engineer", "risk_owner", "system")

ModelStatus = Literal["registered", "champion", "shadow", "retired"]


class _RegisterArgs(Args):
    domain: str = Field(min_length=1)
    version: str = Field(min_length=1)


class ModelVersion(Aggregate):
    """One model version of one domain."""

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        domain: str
        model_version: str
        card: dict[str, Any]
        status: ModelStatus

    class Registered(Aggregate.Created):
        class_version = 1
        domain: str
        version: str
        card: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            m = _as_model(aggregate)
            m.domain = self.domain
            m.model_version = self.version
            m.card = dict(self.card)
            m.status = "registered"

    class Promoted(Aggregate.Event):
        class_version = 1
        evidence: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_model(aggregate).status = "champion"

    class Demoted(Aggregate.Event):
        class_version = 1
        reason: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_model(aggregate).status = "registered"

    class ShadowStarted(Aggregate.Event):
        class_version = 1
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_model(aggregate).status = "shadow"

    class Retired(Aggregate.Event):
        class_version = 1
        reason: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_model(aggregate).status = "retired"

    @staticmethod
    def id_for(domain: str, version: str) -> UUID:
        return docket_id("model", domain, version)

    @classmethod
    def register(
        cls, *, domain: str, version: str, card: dict[str, Any], actor: str, role: str
    ) -> ModelVersion:
        check_identity(actor, role, LIFECYCLE_ROLES)
        a = validate(_RegisterArgs, domain=domain, version=version)
        plain = plain_json(dict(card), "card")
        problems = []
        if not isinstance(plain.get("data_fingerprint"), str) or not plain["data_fingerprint"]:
            problems.append(FieldProblem("card.data_fingerprint", "is required"))
        if not isinstance(plain.get("metrics"), dict):
            problems.append(FieldProblem("card.metrics", "is required (a dict)"))
        if problems:
            raise InputRejected(problems)
        return cls._create(
            cls.Registered,
            id=cls.id_for(a.domain, a.version),
            domain=a.domain,
            version=a.version,
            card=plain,
            actor=actor,
            role=role,
        )

    def _require_not_retired(self) -> None:
        if self.status == "retired":
            raise ConflictError(f"model {self.model_version} is retired")

    def promote(self, *, evidence: dict[str, Any], actor: str, role: str) -> None:
        """Make this version the domain's champion; ``evidence`` says why (eval results...)."""
        check_identity(actor, role, LIFECYCLE_ROLES)
        self._require_not_retired()
        plain = plain_json(dict(evidence), "evidence")
        if not plain:
            raise InputRejected([FieldProblem("evidence", "a promotion needs evidence")])
        self.trigger_event(self.Promoted, evidence=plain, actor=actor, role=role)

    def demote(self, *, reason: str, actor: str, role: str) -> None:
        check_identity(actor, role, LIFECYCLE_ROLES)
        self.trigger_event(self.Demoted, reason=reason, actor=actor, role=role)

    def start_shadow(self, *, actor: str, role: str) -> None:
        check_identity(actor, role, LIFECYCLE_ROLES)
        self._require_not_retired()
        self.trigger_event(self.ShadowStarted, actor=actor, role=role)

    def retire(self, *, reason: str, actor: str, role: str) -> None:
        check_identity(actor, role, LIFECYCLE_ROLES)
        self._require_not_retired()
        self.trigger_event(self.Retired, reason=reason, actor=actor, role=role)


def _as_model(aggregate: Aggregate) -> ModelVersion:
    assert isinstance(aggregate, ModelVersion)
    return aggregate
