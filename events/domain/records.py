"""Evaluation runs and monitoring alerts: facts the log keeps next to decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

from eventsourcing.domain import Aggregate
from pydantic import Field

from events.domain.common import Args, check_identity, plain_json, validate
from events.errors import FieldProblem, InputRejected

SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")


class _EvalArgs(Args):
    suite: str = Field(min_length=1)
    passed: bool
    model_versions: list[str]


class _AlertArgs(Args):
    kind: str = Field(min_length=1)
    severity: str


class EvalRun(Aggregate):
    """One run of an evaluation suite (ids are random: every run is new)."""

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        suite: str
        passed: bool

    class Recorded(Aggregate.Created):
        class_version = 1
        suite: str
        results: dict[str, Any]
        passed: bool
        model_versions: list[str]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, EvalRun)
            aggregate.suite = self.suite
            aggregate.passed = self.passed

    @classmethod
    def record(
        cls,
        *,
        suite: str,
        results: dict[str, Any],
        passed: bool,
        model_versions: list[str],
        actor: str,
        role: str,
    ) -> EvalRun:
        check_identity(actor, role)
        a = validate(_EvalArgs, suite=suite, passed=passed, model_versions=model_versions)
        return cls._create(
            cls.Recorded,
            id=uuid4(),
            suite=a.suite,
            results=plain_json(dict(results), "results"),
            passed=a.passed,
            model_versions=list(a.model_versions),
            actor=actor,
            role=role,
        )


class Alert(Aggregate):
    """A monitoring alert (drift, override spike ...) until someone acknowledges it.

    An open alert is *escalated* (an event) when its measure worsens past the next severity,
    and *resolved* (an event naming who or what closed it) when the condition recovers, so one
    condition is one alert however long it lasts.
    """

    if TYPE_CHECKING:  # state set by the events' apply(); not dataclass fields
        kind: str
        severity: str
        acknowledged: bool

    class Raised(Aggregate.Created):
        class_version = 1
        kind: str
        severity: str
        details: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Alert)
            aggregate.kind = self.kind
            aggregate.severity = self.severity
            aggregate.acknowledged = False

    class Acknowledged(Aggregate.Event):
        class_version = 1
        note: str
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Alert)
            aggregate.acknowledged = True

    class Escalated(Aggregate.Event):
        class_version = 1
        severity: str
        details: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Alert)
            aggregate.severity = self.severity

    class Resolved(Aggregate.Event):
        class_version = 1
        note: str
        details: dict[str, Any]
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Alert)
            aggregate.acknowledged = True

    @classmethod
    def raise_(
        cls, *, kind: str, severity: str, details: dict[str, Any], actor: str, role: str
    ) -> Alert:
        check_identity(actor, role)
        a = validate(_AlertArgs, kind=kind, severity=severity)
        if a.severity not in SEVERITIES:
            raise InputRejected(
                [FieldProblem("severity", f"must be one of {', '.join(SEVERITIES)}")]
            )
        return cls._create(
            cls.Raised,
            id=uuid4(),
            kind=a.kind,
            severity=a.severity,
            details=plain_json(dict(details), "details"),
            actor=actor,
            role=role,
        )

    def acknowledge(self, *, note: str = "", actor: str, role: str) -> None:
        check_identity(actor, role)
        self.trigger_event(self.Acknowledged, note=note, actor=actor, role=role)

    def escalate(self, *, severity: str, details: dict[str, Any], actor: str, role: str) -> None:
        """Raise the severity of an open alert whose measure worsened.

        Raises:
            InputRejected: not a higher severity, or the alert is closed.
        """
        check_identity(actor, role)
        if severity not in SEVERITIES or SEVERITIES.index(severity) <= SEVERITIES.index(
            self.severity
        ):
            raise InputRejected(
                [FieldProblem("severity", f"must be above {self.severity!r} to escalate")]
            )
        if self.acknowledged:
            raise InputRejected([FieldProblem("alert", "a closed alert cannot be escalated")])
        self.trigger_event(
            self.Escalated,
            severity=severity,
            details=plain_json(dict(details), "details"),
            actor=actor,
            role=role,
        )

    def resolve(
        self, *, note: str, details: dict[str, Any] | None = None, actor: str, role: str
    ) -> None:
        """Close the alert because its condition recovered (``note`` says how)."""
        check_identity(actor, role)
        if self.acknowledged:
            raise InputRejected([FieldProblem("alert", "the alert is already closed")])
        self.trigger_event(
            self.Resolved,
            note=note,
            details=plain_json(dict(details or {}), "details"),
            actor=actor,
            role=role,
        )


class ReadModelSeal(Aggregate):
    """A signed statement, by whoever verified them, of what the read models held at a
    position: one digest per bucket of cases (:mod:`events.readmodel_seal`). The next
    ``docket verify`` checks the read models against the newest seal the log holds and
    replays only the cases near those changed since. Each seal is its own record (ids are
    random), found by its topic; it says nothing about the log itself, which the chain walk
    checks in full every time."""

    if TYPE_CHECKING:
        position: int

    class Sealed(Aggregate.Created):
        class_version = 1
        position: int
        buckets: int
        digests: str  # base64 of buckets x 16 bytes
        actor: str
        role: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ReadModelSeal)
            aggregate.position = self.position

    @classmethod
    def record(
        cls, *, position: int, buckets: int, digests: str, actor: str, role: str
    ) -> ReadModelSeal:
        check_identity(actor, role)
        if position < 1 or buckets < 1 or not digests:
            raise InputRejected([FieldProblem("seal", "an empty seal cannot be recorded")])
        return cls._create(
            cls.Sealed, id=uuid4(), position=position, buckets=buckets, digests=digests,
            actor=actor, role=role,
        )  # fmt: skip
