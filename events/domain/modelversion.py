"""A trained model version: registered with its card, then promoted, shadowed, retired.

The card is a plain dict (written by training) and must carry at least a
``data_fingerprint`` (hash of the training data) and ``metrics``; the artifact
itself is a file addressed by version and content hash, outside the log.
Who may register, promote, shadow and retire versions is the pack's declaration (its
model managers, e.g. the engineer and the policy owner), handed to :meth:`register` as
data and recorded on the version; Docket's own components (role ``system``) may too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate
from pydantic import Field, field_validator

from events.domain.common import (
    ROLE_NAME,
    SYSTEM_ROLE,
    Args,
    check_identity,
    docket_id,
    plain_json,
    validate,
)
from events.errors import ConflictError, FieldProblem, InputRejected

#: Who managed models before packs declared it (version-1 events); the upcaster's only use.
_V1_MANAGERS: tuple[str, ...] = ("engineer", "risk_owner")

ModelStatus = Literal["registered", "champion", "shadow", "retired"]


class _RegisterArgs(Args):
    domain: str = Field(min_length=1)
    version: str = Field(min_length=1)
    managers: list[str] = Field(min_length=1)

    @field_validator("managers")
    @classmethod
    def _role_names(cls, v: list[str]) -> list[str]:
        bad = [r for r in v if not ROLE_NAME.match(r)]
        if bad:
            raise ValueError(f"must be role names, got {', '.join(map(repr, bad))}")
        return v


class ModelVersion(Aggregate):
    """One model version of one domain."""

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        domain: str
        model_version: str
        card: dict[str, Any]
        status: ModelStatus
        managers: tuple[str, ...]

    class Registered(Aggregate.Created):
        """``managers`` (v2): the pack's roles that may manage this version."""

        class_version = 2
        domain: str
        version: str
        card: dict[str, Any]
        managers: list[str]
        actor: str
        role: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["managers"] = list(_V1_MANAGERS)

        def apply(self, aggregate: Aggregate) -> None:
            m = _as_model(aggregate)
            m.domain = self.domain
            m.model_version = self.version
            m.card = dict(self.card)
            m.status = "registered"
            m.managers = tuple(self.managers)

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
        cls,
        *,
        domain: str,
        version: str,
        card: dict[str, Any],
        managers: Sequence[str],
        actor: str,
        role: str,
    ) -> ModelVersion:
        """Register a version; ``managers`` are the pack's roles that may manage it."""
        a = validate(_RegisterArgs, domain=domain, version=version, managers=list(managers))
        check_identity(actor, role, (*a.managers, SYSTEM_ROLE))
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
            managers=a.managers,
            actor=actor,
            role=role,
        )

    def _check_manager(self, actor: str, role: str) -> None:
        check_identity(actor, role, (*self.managers, SYSTEM_ROLE))

    def _require_not_retired(self) -> None:
        if self.status == "retired":
            raise ConflictError(f"model {self.model_version} is retired")

    def promote(self, *, evidence: dict[str, Any], actor: str, role: str) -> None:
        """Make this version the domain's champion; ``evidence`` says why (eval results...)."""
        self._check_manager(actor, role)
        self._require_not_retired()
        plain = plain_json(dict(evidence), "evidence")
        if not plain:
            raise InputRejected([FieldProblem("evidence", "a promotion needs evidence")])
        self.trigger_event(self.Promoted, evidence=plain, actor=actor, role=role)

    def demote(self, *, reason: str, actor: str, role: str) -> None:
        self._check_manager(actor, role)
        self.trigger_event(self.Demoted, reason=reason, actor=actor, role=role)

    def start_shadow(self, *, actor: str, role: str) -> None:
        self._check_manager(actor, role)
        self._require_not_retired()
        self.trigger_event(self.ShadowStarted, actor=actor, role=role)

    def retire(self, *, reason: str, actor: str, role: str) -> None:
        self._check_manager(actor, role)
        self._require_not_retired()
        self.trigger_event(self.Retired, reason=reason, actor=actor, role=role)


def _as_model(aggregate: Aggregate) -> ModelVersion:
    assert isinstance(aggregate, ModelVersion)
    return aggregate
