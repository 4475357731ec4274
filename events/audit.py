"""Audit one case: its full timeline and what was known as of a given time.

The case's events are read by originator id (one indexed range read, whatever
the size of the store) and folded in order. Folding stops applying events after
``as_of``; decisions carry a snapshot of the state just before them, which is
exactly what the deciding person saw on screen: score, model and policy
versions, recommendation with expected costs, and the explanations and
guardrail verdicts recorded before the decision.

No global as-of index is needed: every case event records the model version and
policy version it used, so "which policy applied" is answered from the case itself.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from events.domain import Case
from events.domain.case import explanation_flagged
from events.errors import FieldProblem, InputRejected, NotFound

if TYPE_CHECKING:
    from events.app import DecisionLog

_DECISIONS = ("Accepted", "Overridden", "Escalated", "SignedOff")
_KINDS = {"Accepted": "accepted", "Overridden": "overridden", "Escalated": "escalated",
          "SignedOff": "signed_off"}  # fmt: skip
# Payload fields kept out of timeline summaries (large, or personal data).
_NOT_SUMMARISED = frozenset({"actor", "role", "personal", "input", "raw", "text", "attributions",
                             "claims", "summary", "originator_topic"})  # fmt: skip


@dataclass(frozen=True)
class TimelineEntry:
    """One event of the case."""

    at: datetime
    event: str
    actor: str
    role: str
    version: int
    summary: dict[str, Any]


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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
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
    state: dict[str, Any] = {}
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
        _fold(state, name, payload, e.timestamp.isoformat(), e.originator_version)

    decisions = state.get("decisions", [])
    seen = decisions[0]["seen"] if decisions else None
    return CaseAudit(str(uid), as_of, timeline, state, seen, after, events[0].timestamp)


def _payload(event: Any) -> dict[str, Any]:
    skip = {"originator_id", "originator_version", "timestamp"}
    return {k: v for k, v in event.__dict__.items() if k not in skip}


def _fold(state: dict[str, Any], name: str, p: dict[str, Any], at: str, version: int) -> None:
    """Apply one event to the audit state (plain dicts, easy to print and compare)."""
    state["version"] = version
    if name in ("Opened", "InputQuarantined"):
        state.update(
            domain=p["domain"], case_ref=p["case_ref"], opened_at=at,
            status="open" if name == "Opened" else "quarantined",
            input=p.get("input", p.get("raw")), note=p.get("note"),
            personal_fields=sorted(p.get("personal", {})), problems=p.get("problems"),
            score=None, forecast=None, shadow_scores=[], fallback=None, recommendation=None,
            input_flags=[], explanations=[], decisions=[], outcome=None,
        )  # fmt: skip
    elif name == "Scored":
        score = {k: p[k] for k in ("specialist", "model_version", "model_sha256", "p_bad",
                                   "attributions", "ood", "ood_score", "latency_ms")}  # fmt: skip
        score["at"] = at
        if p["shadow"]:
            state["shadow_scores"].append(score)
        else:
            state["score"] = score
    elif name == "Forecast":
        forecast = {
            k: p[k]
            for k in (
                "specialist",
                "model_version",
                "model_sha256",
                "levels",
                "quantiles",
                "ood",
                "ood_score",
                "latency_ms",
            )
        }
        forecast["at"] = at
        if p["shadow"]:
            state["shadow_scores"].append(forecast)
        else:
            state["forecast"] = forecast
    elif name == "FellBackToBaseline":
        state["fallback"] = {"reason": p["reason"], "at": at}
    elif name == "Recommended":
        state["recommendation"] = {
            k: p[k] for k in ("action", "source", "policy_id", "policy_version",
                              "expected_costs", "reasons", "ood_reasons", "propensities",
                              "explored", "propensity_source", "quantity", "quantiles",
                              "baseline_quantity")
        } | {"at": at}  # fmt: skip
    elif name == "InputFlagged":
        state["input_flags"].extend(p["flags"])
    elif name == "Explained":
        state["explanations"].append({
            "explainer": p["explainer"], "text": p["text"], "summary": p["summary"],
            "claims": p["claims"], "verdicts": p["verdicts"],
            "fallback_reason": p["fallback_reason"], "at": at,
            "flagged": explanation_flagged(p["fallback_reason"], p["verdicts"]),
        })  # fmt: skip
    elif name in _DECISIONS:
        seen = {
            k: copy.deepcopy(state[k])
            for k in (
                "score",
                "forecast",
                "fallback",
                "recommendation",
                "input_flags",
                "explanations",
            )
        }
        state["decisions"].append({
            "kind": _KINDS[name],
            "action": p.get("action"), "reason_code": p.get("reason_code"),
            "reason_text": p.get("reason_text"), "quantity": p.get("quantity"),
            "agreed": p.get("agreed"),
            "by": p["actor"], "role": p["role"],
            "at": at, "seen": seen,
        })  # fmt: skip
        state["status"] = "escalated" if name == "Escalated" else "decided"
    elif name == "OutcomeRecorded":
        state["outcome"] = {
            "outcome": p["outcome"],
            "value": p.get("value"),
            "observed_at": p["observed_at"],
            "source": p["source"],
            "recorded_by": p["actor"],
            "at": at,
        }
