"""A trained model version: registered with its card, then promoted, shadowed, retired.

The card is a plain dict (written by training) and must carry at least a
``data_fingerprint`` (hash of the training data) and ``metrics``; the artifact
itself is a file addressed by version and content hash, outside the log.
Who may register, promote, shadow and retire versions is the pack's declaration (its
model managers, e.g. the engineer and the policy owner), handed to :meth:`register` as
data and recorded on the version; Docket's own components (role ``system``) may too.

Four eyes (:mod:`events.domain.proposals`, the mechanism policy changes use): a
promotion is proposed by one manager (``PromotionProposed``) and takes effect when a
second person holding a manager role approves it (``PromotionDecided`` + ``Promoted``).
Only a domain's very first champion is installed directly (:meth:`promote`; before it
the pack's baseline rules decide), which :mod:`events.deployment` enforces on the log.
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
from events.domain.proposals import (
    ProposalDecision,
    decision_fields,
    pending_entry,
    require_approver,
    require_pending,
    require_rejecter,
)
from events.errors import ConflictError, FieldProblem, InputRejected, NotAuthorised

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
        pending: dict[str, dict[str, Any]]  # promotion proposals by number
        proposals: int

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
            m.pending, m.proposals = {}, 0

    class Promoted(Aggregate.Event):
        class_version = 1
        evidence: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            _as_model(aggregate).status = "champion"

    class PromotionProposed(Aggregate.Event):
        """Someone proposes this version as champion; ``base_champion``: the champion it
        would replace ("" for none), so an approval after the champion changed is refused."""

        class_version = 1
        proposal: int
        reason: str
        base_champion: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            m = _as_model(aggregate)
            m.proposals = self.proposal
            m.pending[str(self.proposal)] = pending_entry(
                self.actor, self.timestamp, reason=self.reason, base_champion=self.base_champion
            )

    class PromotionDecided(ProposalDecision):
        """A promotion proposal approved (a ``Promoted`` follows) or rejected/withdrawn."""

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
        """Make this version the domain's champion; ``evidence`` says why (eval results...).

        Directly only for a domain's first champion; any later promotion is proposed and
        approved (:meth:`propose_promotion`, :meth:`approve_promotion`).
        """
        self._check_manager(actor, role)
        self._require_not_retired()
        plain = plain_json(dict(evidence), "evidence")
        if not plain:
            raise InputRejected([FieldProblem("evidence", "a promotion needs evidence")])
        self.trigger_event(self.Promoted, evidence=plain, actor=actor, role=role)

    def propose_promotion(
        self, *, reason: str, base_champion: str | None, actor: str, role: str
    ) -> int:
        """Propose this version as champion instead of ``base_champion``; return the
        proposal's number. Nothing changes until a second manager approves it.

        Raises:
            NotAuthorised: not a manager. ConflictError: retired, already champion, or a
                proposal is already pending. InputRejected: no reason.
        """
        self._check_manager(actor, role)
        self._require_not_retired()
        if self.status == "champion":
            raise ConflictError(f"model {self.model_version} is already the champion")
        if self.pending:
            waiting, found = next(iter(self.pending.items()))
            raise ConflictError(
                f"promotion #{waiting} of {self.model_version} by {found['by']} is already "
                "pending: approve, reject or withdraw it first"
            )
        if not reason.strip():
            raise InputRejected([FieldProblem("reason", "a promotion needs a reason")])
        number = self.proposals + 1
        self.trigger_event(
            self.PromotionProposed, proposal=number, reason=reason.strip(),
            base_champion=base_champion or "", actor=actor, role=role,
        )  # fmt: skip
        return number

    def _noun(self, proposal: int) -> str:
        return f"promotion #{proposal} of {self.model_version}"

    def approve_promotion(
        self, *, proposal: int, champion: str | None, actor: str, role: str
    ) -> None:
        """Approve another person's pending promotion: this version becomes champion now
        (the caller demotes ``champion``, the current one, in the same transaction).

        Raises:
            NotAuthorised: the proposer, or not a manager (``system`` never approves).
            NotFound: no such pending proposal (approved, rejected or withdrawn already).
            ConflictError: the champion changed since the proposal, or retired since.
        """
        check_identity(actor, role)
        found = require_pending(self.pending, proposal, f"model {self.model_version}")
        require_approver(found, self._noun(proposal), actor, role, self.managers)
        self._require_not_retired()
        if found["base_champion"] != (champion or ""):
            raise ConflictError(
                f"{self._noun(proposal)} was made when the champion was "
                f"{found['base_champion'] or 'none'}; it is now {champion or 'none'}: reject it "
                "and propose again"
            )
        self.trigger_event(
            self.PromotionDecided,
            **decision_fields(proposal, found, approved=True, note="", actor=actor, role=role),
        )
        evidence = {"reason": found["reason"], "proposal": proposal, "proposed_by": found["by"],
                    "card_metrics": plain_json(self.card.get("metrics", {}), "metrics")}
        self.trigger_event(self.Promoted, evidence=evidence, actor=actor, role=role)

    def reject_promotion(self, *, proposal: int, note: str, actor: str, role: str) -> None:
        """Reject a pending promotion (a manager), or withdraw one's own.

        Raises:
            NotAuthorised: neither the proposer nor a manager. NotFound: not pending.
        """
        check_identity(actor, role)
        found = require_pending(self.pending, proposal, f"model {self.model_version}")
        require_rejecter(found, self._noun(proposal), actor, role, self.managers)
        self.trigger_event(
            self.PromotionDecided,
            **decision_fields(proposal, found, approved=False, note=note, actor=actor, role=role),
        )

    def demote(self, *, reason: str, actor: str, role: str) -> None:
        self._check_manager(actor, role)
        self.trigger_event(self.Demoted, reason=reason, actor=actor, role=role)

    def start_shadow(self, *, actor: str, role: str) -> None:
        self._check_manager(actor, role)
        self._require_not_retired()
        if self.status == "champion":  # the champion changes only by an approved promotion
            raise NotAuthorised(
                f"model {self.model_version} is the champion: promote another version to "
                "replace it (`docket models promote`)"
            )
        self.trigger_event(self.ShadowStarted, actor=actor, role=role)

    def retire(self, *, reason: str, actor: str, role: str) -> None:
        """Take this version out of service for good. One manager may do it alone, even to
        the champion (an emergency stop: the pack's baseline rules then decide); the event
        names who and why, and ``docket verify`` lists every such stop.

        Raises:
            NotAuthorised: not a manager. ConflictError: retired already.
            InputRejected: no reason.
        """
        self._check_manager(actor, role)
        self._require_not_retired()
        if not reason.strip():
            raise InputRejected([FieldProblem("reason", "retiring a model needs a reason")])
        self.trigger_event(self.Retired, reason=reason, actor=actor, role=role)


def _as_model(aggregate: Aggregate) -> ModelVersion:
    assert isinstance(aggregate, ModelVersion)
    return aggregate
