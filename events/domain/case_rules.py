"""The rules a case's commands check at the boundary: reason codes, the pack's declaration
as recorded on a case, and one argument model per command (pydantic), so bad arguments
raise :class:`~events.errors.InputRejected` naming each field before any event exists.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from events.domain.common import Args, validate
from events.errors import FieldProblem, InputRejected

#: The form of an override's reason code (why an operator overrode the recommendation):
#: lower-case letters, digits and '_'. Which codes a case may use is its pack's word (the
#: application service checks it); the log checks only the form, so it stays pack-agnostic.
#: Overrides are signal: monitoring counts them by reason.
REASON_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


#: What ``Opened.decision`` holds (the pack's declaration, as plain data):
#: ``kind`` ("classification" or "quantity"), ``escalate_action`` (the action that hands
#: the case to a senior), ``deciding_roles`` (the operator's role, then the senior's) and,
#: for a yes/no decision, ``outcomes`` (the labels an outcome may have, matched exactly).
DECISION_KEYS: tuple[str, ...] = ("kind", "escalate_action", "deciding_roles")

#: What a version-1 ``Opened`` event meant: before packs declared their decision, the log
#: hard-coded these (the only pack then was credit). Used by the upcaster only.
V1_DECISION: dict[str, Any] = {
    "kind": "classification",
    "actions": ["approve", "decline", "escalate"],
    "escalate_action": "escalate",
    "outcomes": ["good", "bad"],
    "deciding_roles": ["operator", "senior"],
}

#: Guardrail verdict outcomes that mark an explanation as caught by a guardrail.
FLAGGING_VERDICTS: frozenset[str] = frozenset({"flagged", "blocked", "fallback"})


def explanation_flagged(fallback_reason: str | None, verdicts: list[Any]) -> bool:
    """Whether a guardrail caught an explanation: it fell back, or a rule flagged or blocked."""
    return bool(fallback_reason) or any(
        isinstance(v, dict) and v.get("outcome") in FLAGGING_VERDICTS for v in verdicts
    )


Status = Literal["open", "escalated", "decided", "quarantined"]


# --- boundary validation of command arguments ------------------------------------------


class OpenArgs(Args):
    domain: str = Field(min_length=1)
    case_ref: str = Field(min_length=1)


class DecisionArgs(Args):
    """The pack's declaration as recorded on a case (extra keys are the pack's own)."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)
    kind: str = Field(min_length=1)
    escalate_action: str = Field(min_length=1)
    deciding_roles: list[str] = Field(min_length=2, max_length=2)
    outcomes: list[str] | None = None

    @field_validator("outcomes")
    @classmethod
    def _distinct(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (not v or len(set(v)) != len(v) or not all(o for o in v)):
            raise ValueError("must be distinct, non-empty labels")
        return v


class ScoreArgs(Args):
    specialist: str = Field(min_length=1)
    model_version: str = Field(min_length=1)
    model_sha256: str
    p_bad: float = Field(ge=0.0, le=1.0)
    attributions: dict[str, float]
    ood: bool
    ood_score: float | None
    latency_ms: float = Field(ge=0.0)
    shadow: bool


class RecommendArgs(Args):
    action: str = Field(min_length=1)
    source: Literal["model", "baseline"]
    policy_id: str
    policy_version: int = Field(ge=0)
    expected_costs: dict[str, float]
    reasons: list[str]
    ood_reasons: list[str] = []
    propensities: dict[str, float]
    explored: bool

    @field_validator("propensities")
    @classmethod
    def _probabilities(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(not 0.0 <= p <= 1.0 for p in v.values()):
            raise ValueError("must give each possible action a probability in [0, 1]")
        if abs(sum(v.values()) - 1.0) > 1e-9:
            raise ValueError(f"must add up to 1, not {sum(v.values()):.6f}")
        return v

    @field_validator("expected_costs")
    @classmethod
    def _costs_name_the_action(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("must give the expected cost of each action")
        return v


def _aware_iso_time(v: str) -> str:
    try:
        parsed = datetime.fromisoformat(v)
    except ValueError as exc:
        raise ValueError("must be an ISO-8601 time") from exc
    if parsed.tzinfo is None:
        raise ValueError("must carry a timezone offset")
    return v


class ForecastArgs(Args):
    specialist: str = Field(min_length=1)
    model_version: str = Field(min_length=1)
    model_sha256: str
    levels: list[float] = Field(min_length=1)
    quantiles: list[float] = Field(min_length=1)
    ood: bool
    ood_score: float | None
    latency_ms: float = Field(ge=0.0)
    shadow: bool

    @field_validator("quantiles")
    @classmethod
    def _not_negative(cls, v: list[float]) -> list[float]:
        if any(q < 0 for q in v):
            raise ValueError("predicted demand must not be negative")
        return v


class QuantityArgs(Args):
    quantity: int = Field(ge=0, le=10**9)


class DemandArgs(Args):
    value: float = Field(ge=0.0)
    observed_at: str
    source: str = Field(min_length=1)

    @field_validator("observed_at")
    @classmethod
    def _aware_iso(cls, v: str) -> str:
        return _aware_iso_time(v)


class ExplainArgs(Args):
    explainer: str = Field(min_length=1)
    text: str
    fallback_reason: str | None


class OverrideArgs(Args):
    action: str = Field(min_length=1)
    reason_code: str
    reason_text: str

    @field_validator("reason_code")
    @classmethod
    def _known_code(cls, v: str) -> str:
        if not REASON_CODE.match(v):
            raise ValueError(f"{v[:40]!r} is not a reason code (lower-case letters, digits "
                             "and '_'; `docket reasons` lists the pack's codes)")
        return v

    @field_validator("reason_text")
    @classmethod
    def _has_text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("an override needs a reason in words")
        return v.strip()


class OutcomeArgs(Args):
    outcome: str = Field(min_length=1)
    observed_at: str
    source: str = Field(min_length=1)

    @field_validator("observed_at")
    @classmethod
    def _aware_iso(cls, v: str) -> str:
        return _aware_iso_time(v)


def canonical_sha256(value: Any) -> str:
    """Content hash of a JSON value, independent of key order."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def check_quantity(name: str, value: object) -> None:
    """A quantity is a whole number of units, never negative (one problem naming ``name``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputRejected([FieldProblem(name, f"must be a whole number, got {value!r}")])
    if value < 0:
        raise InputRejected([FieldProblem(name, f"must not be negative, got {value}")])
    validate(QuantityArgs, quantity=value)
