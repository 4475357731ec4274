"""Audit one case: its full timeline and what was known as of a given time.

The case's events are read by originator id (one indexed range read, whatever
the size of the store) and folded in order by the one fold of a case
(:meth:`events.domain.case_state.CaseState.apply`, the aggregate's own). Folding stops
applying events after ``as_of``; decisions carry a snapshot of the state just before them, which is
exactly what the deciding person saw on screen: score, model and policy
versions, recommendation with expected costs, and the explanations and
guardrail verdicts recorded before the decision.

No global as-of index is needed: every case event records the model version and
policy version it used, so "which policy applied" is answered from the case itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from events.domain import Case
from events.domain.case_state import CaseState
from events.errors import FieldProblem, InputRejected, NotFound

if TYPE_CHECKING:
    from events.app import DecisionLog

# Payload fields kept out of timeline summaries (large, or personal data).
_NOT_SUMMARISED = frozenset({"actor", "role", "personal", "input", "raw", "text", "attributions",
                             "claims", "summary", "originator_topic"})  # fmt: skip


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a case: for the audit's JSON, and (with ``sentence``) for every screen."""

    at: datetime
    event: str
    actor: str
    role: str
    version: int
    summary: dict[str, Any]  # the event's fields, large and personal ones left out
    sentence: str = ""  # the same as people read it (the service words it with the pack's words)


@dataclass(frozen=True)
class CaseAudit:
    """A case as an auditor sees it.

    Attributes:
        case_id: The case's id.
        as_of: The time the state refers to (None: now).
        timeline: Every event up to ``as_of`` (all of them when ``as_of`` is None).
        state: The case as known at ``as_of``: input, score, model and policy
            versions, recommendation and expected costs, input flags, explanations
            with guardrail verdicts, decisions (each with what its decider saw),
            outcome if recorded by then.
        seen_at_decision: What the operator saw when first deciding (None if no
            decision by ``as_of``); for an escalated case, ``state["decisions"]``
            holds the senior reviewer's view too.
    """

    case_id: str
    as_of: datetime | None
    timeline: list[TimelineEntry]
    state: dict[str, Any]
    seen_at_decision: dict[str, Any] | None
    after_as_of: list[TimelineEntry] = field(default_factory=list)  # events after ``as_of``
    opened_at: datetime | None = None  # when the case (or quarantined record) was created
    case: CaseState | None = None  # the typed state ``state`` is the plain form of

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("case")
        d["as_of"] = self.as_of.isoformat() if self.as_of else None
        d["opened_at"] = self.opened_at.isoformat() if self.opened_at else None
        for key in ("timeline", "after_as_of"):
            for entry in d[key]:
                entry["at"] = entry["at"].isoformat()
        return d

    def to_json(self) -> str:
        """Stable, indented JSON (``docket audit --json``)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def audit_case(log: DecisionLog, case_id: UUID | str, as_of: datetime | None = None) -> CaseAudit:
    """Audit the case ``case_id`` as of ``as_of`` (timezone-aware; None = now).

    Raises:
        NotFound: no such case.
        InputRejected: ``as_of`` without a timezone.
    """
    if as_of is not None and as_of.tzinfo is None:
        raise InputRejected([FieldProblem("as_of", "must carry a timezone offset")])
    try:
        uid = case_id if isinstance(case_id, UUID) else UUID(str(case_id))
    except ValueError as exc:
        raise NotFound(f"{case_id!r} is not a case id") from exc
    events = log.events_of(uid)
    if not events:
        raise NotFound(f"no case with id {case_id}")
    if not isinstance(events[0], (Case.Opened, Case.InputQuarantined)):
        raise NotFound(f"{case_id} is not a case")

    timeline: list[TimelineEntry] = []
    after: list[TimelineEntry] = []
    state: CaseState | None = None
    for e in events:
        payload = _payload(e)
        name = type(e).__name__
        entry = TimelineEntry(
            at=e.timestamp,
            event=name,
            actor=payload.get("actor", ""),
            role=payload.get("role", ""),
            version=e.originator_version,
            summary={k: v for k, v in payload.items() if k not in _NOT_SUMMARISED},
        )
        if as_of is not None and e.timestamp > as_of:
            after.append(entry)
            continue
        timeline.append(entry)
        at, version = e.timestamp.isoformat(), e.originator_version
        state = (
            CaseState.opened(name, payload, at, version)
            if state is None
            else state.apply(name, payload, at, version)
        )

    plain = state.to_dict() if state is not None else {}
    seen = plain["decisions"][0]["seen"] if plain.get("decisions") else None
    return CaseAudit(str(uid), as_of, timeline, plain, seen, after, events[0].timestamp, state)


def _payload(event: Any) -> dict[str, Any]:
    skip = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in event.__dict__.items() if k not in skip}
