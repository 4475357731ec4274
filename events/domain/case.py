"""The decision case: from input to outcome, every step an immutable event.

Life of a case::

    Opened ─┬─ Scored* ─ FellBackToBaseline? ─ Recommended ─ InputFlagged* ─ Explained*
            │     ─ Accepted | Overridden | Escalated ─ (another senior: SignedOff)
            │     ─ OutcomeRecorded
    InputQuarantined   (bad input: kept, never dropped; the case goes no further)

A bulk ingest stores ``Opened`` and the assessment's steps (scores, fallback, recommendation,
input flags) as ONE ``Assessed`` event; readers see the same steps
(:mod:`~events.domain.case_steps`).

Decision rule: an operator (or senior) decides once: accept, override (reason code
and text mandatory) or escalate. An escalated case is closed once more, finally, by
another person in the pack's senior role (credit's ``senior``): a sign-off
(``SignedOff``), agreeing with the recommendation or deciding another action. A sign-off
is the judgement the escalation asked for, not an override, so it never counts in
override rates. Anyone else acting on an escalated case is told who escalated it and
that it waits for a senior (:class:`~events.errors.AwaitingSenior`); any other second
decision raises :class:`~events.errors.AlreadyDecided` naming who decided and when.

The log knows no domain: which action hands a case to a senior, which outcome labels a
case may have and which roles decide are the pack's, recorded as plain data on the
``Opened`` event (``decision``, see :data:`DECISION_KEYS`) and read back from there.

Modules: :mod:`events.domain.case_rules` (argument checks), :mod:`events.domain.case_events`
(the events), :mod:`events.domain.case_reading` (the state and what is read from it), the
commands by concept (:mod:`~events.domain.case_assessing`, :mod:`~events.domain.case_deciding`,
:mod:`~events.domain.case_outcomes`), and this one: the aggregate, which names the events (so
their stored topics stay ``events.domain.case:Case.<Name>``) and opens or quarantines a case.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.domain import Aggregate

from events.domain import case_events
from events.domain.case_assessing import CaseAssessing
from events.domain.case_deciding import CaseDeciding
from events.domain.case_outcomes import CaseOutcomes
from events.domain.case_rules import (
    DECISION_KEYS,
    FLAGGING_VERDICTS,
    REASON_CODE,
    DecisionArgs,
    OpenArgs,
    canonical_sha256,
    explanation_flagged,
)
from events.domain.case_steps import STEP_EVENTS, Step, steps_of
from events.domain.common import check_identity, docket_id, plain_json, validate
from events.errors import FieldProblem, InputRejected


class Case(CaseAssessing, CaseDeciding, CaseOutcomes, Aggregate):
    """One decision case. Create with :meth:`open` or :meth:`quarantine`."""

    # --- events (defined in events.domain.case_events; topics stay Case.<Name> here) --

    # Named here so eventsourcing's metaclass redefines each as Case.<Name> in this module:
    # the stored topics (events.domain.case:Case.Opened ...) never change. mypy sees the
    # aliases declared on CaseReading, so Case.Opened is a type wherever it is used.
    if not TYPE_CHECKING:
        Opened = case_events.Opened
        Assessed = case_events.Assessed
        InputQuarantined = case_events.InputQuarantined
        Scored = case_events.Scored
        Forecast = case_events.Forecast
        FellBackToBaseline = case_events.FellBackToBaseline
        Recommended = case_events.Recommended
        InputFlagged = case_events.InputFlagged
        Explained = case_events.Explained
        Accepted = case_events.Accepted
        Overridden = case_events.Overridden
        Escalated = case_events.Escalated
        SignedOff = case_events.SignedOff
        OutcomeRecorded = case_events.OutcomeRecorded

    # --- time ------------------------------------------------------------------------

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        """Stamp a new event no earlier than the case's last one. verify names a case event
        timed before one it follows (:mod:`events.case_rule`); a writer whose clock is behind
        the one that wrote the last event (another host of a team's store, or a clock stepped
        back) must not produce that by itself."""
        if kwargs.get("timestamp") is None:
            kwargs["timestamp"] = max(event_class.create_timestamp(), self.modified_on)
        super().trigger_event(event_class, **kwargs)

    # --- ids -------------------------------------------------------------------------

    @staticmethod
    def id_for(domain: str, case_ref: str) -> UUID:
        """The case's id, derived from its natural key so re-ingesting is idempotent."""
        return docket_id("case", domain, case_ref)

    @staticmethod
    def quarantine_id_for(domain: str, raw: Any) -> UUID:
        """A quarantine record's id: the same bad input submitted twice is one record."""
        return docket_id("quarantine", domain, canonical_sha256(raw))

    # --- creation commands -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        domain: str,
        case_ref: str,
        input: dict[str, Any],  # noqa: A002 - the contract's name
        personal: dict[str, Any] | None = None,
        note: str | None = None,
        decision: dict[str, Any],
        actor: str,
        role: str,
        steps: Sequence[Step] = (),
    ) -> Case:
        """Open a case with input the domain pack has already validated.

        ``decision`` is the pack's declaration as plain data (see :data:`DECISION_KEYS`):
        the case reads its escalation action, outcome labels and deciding roles from it.
        ``steps``: its assessment, checked by the builders of
        :mod:`events.domain.case_steps`; with any, the case is recorded as one ``Assessed``
        event (opened and assessed), else as ``Opened``.
        """
        check_identity(actor, role)
        validate(OpenArgs, domain=domain, case_ref=case_ref)
        declared = plain_json(dict(decision), "decision")
        _check_decision(declared)
        extra: dict[str, Any] = {}
        if steps:
            for i, step in enumerate(steps):
                if step.get("event") not in STEP_EVENTS:
                    raise InputRejected([FieldProblem(f"steps[{i}]", "is no assessment step")])
            extra["steps"] = [dict(step) for step in steps]
        return cls._create(
            cls.Assessed if steps else cls.Opened,
            id=cls.id_for(domain, case_ref),
            domain=domain,
            case_ref=case_ref,
            input=plain_json(dict(input), "input"),
            personal=plain_json(dict(personal or {}), "personal"),
            note=note,
            decision=declared,
            actor=actor,
            role=role,
            **extra,
        )

    @classmethod
    def quarantine(
        cls,
        *,
        domain: str,
        case_ref: str | None,
        raw: Any,
        problems: list[FieldProblem] | list[dict[str, str]],
        actor: str,
        role: str,
    ) -> Case:
        """Keep rejected raw input, with the problems found, as its own record."""
        check_identity(actor, role)
        validate(OpenArgs, domain=domain, case_ref=case_ref or "-")
        # Raw input may hold anything (that is why it was rejected): store a
        # JSON-safe rendering rather than refusing to keep it.
        safe_raw = json.loads(json.dumps(raw, default=repr))
        listed = [
            {"field": p.field, "problem": p.problem}
            if isinstance(p, FieldProblem)
            else {"field": str(p["field"]), "problem": str(p["problem"])}
            for p in problems
        ]
        return cls._create(
            cls.InputQuarantined,
            id=cls.quarantine_id_for(domain, safe_raw),
            domain=domain,
            case_ref=case_ref,
            raw=safe_raw,
            problems=listed,
            actor=actor,
            role=role,
        )


def logical_events(event: Any) -> list[Any]:
    """The logical events a stored case event stands for (:func:`steps_of`): an
    ``Assessed`` event becomes ``Case.Opened`` and one event per step, each with the
    Assessed event's id, version and time; any other event is itself. Built as the
    library's mapper builds a stored event (no ``__init__``), so they read as the separate
    events would."""
    if not isinstance(event, Case.Assessed):
        return [event]
    fields = dict(event.__dict__)
    common = {k: fields.pop(k) for k in ("originator_id", "originator_version", "timestamp")}
    found = []
    for name, step in steps_of("Assessed", fields):
        logical = object.__new__(getattr(Case, name))
        logical.__dict__.update(common, **step)
        found.append(logical)
    return found


def _check_decision(declared: dict[str, Any]) -> None:
    """Check a pack's declaration (plain JSON), each distinct one once: a bulk ingest opens
    every case of a pack with the same declaration."""
    try:
        key = orjson.dumps(declared)
    except TypeError:  # an integer beyond 64 bits: checked as it is
        validate(DecisionArgs, **declared)
    else:
        _check_declared(key)


@lru_cache(maxsize=64)
def _check_declared(declared: bytes) -> None:
    """lru_cache keeps results only: a declaration that fails raises every time."""
    validate(DecisionArgs, **orjson.loads(declared))


__all__ = [
    "DECISION_KEYS",
    "FLAGGING_VERDICTS",
    "REASON_CODE",
    "Case",
    "canonical_sha256",
    "explanation_flagged",
    "logical_events",
]
