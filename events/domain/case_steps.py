"""The assessment's steps: checked once, recorded as separate events or as one ``Assessed``.

A case's assessment is a few steps taken together (scored by the champion and any shadow
challenger, or forecast; fell back to the baseline rules; recommended; input flagged). A
bulk ingest records a new case with all of them as ONE stored event, ``Case.Assessed``:
the ``Opened`` fields plus ``steps``, a list of ``{"event": <step's event name>, <that
event's fields, its actor and role included>}``. Stored apart, as before, each step cost an
event of its own (a row, a hash-chain link, an encoding and compression of its own): four
events a case instead of one.

Every reader sees the same logical events either way: :func:`steps_of` is the one place
that expands a stored ``Assessed`` into ``Opened`` followed by its steps, each with the
fields the separate event would have held. The case's fold
(:meth:`~events.domain.case_state.CaseState.opened`), the log's reading of a record's
events (:meth:`events.app.DecisionLog.events_of`, and so the audit, the quality reading of
scores and propensities, explaining) and verification of who recorded each step
(:mod:`events.chain`) all go through it.

The checks here are the commands' own (``Case.record_score`` ... call the same builders),
so a step in an ``Assessed`` event is exactly what the separate event would have held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events.domain.case_rules import ForecastArgs, RecommendArgs, ScoreArgs, check_quantity
from events.domain.common import check_identity, fields_of, plain_json, validate
from events.errors import FieldProblem, InputRejected

#: The stored topic of ``Case.Assessed`` (verification reads its steps' authors from the
#: stored state's head, or the state whole when it was stored before heads named them).
ASSESSED_TOPIC = "events.domain.case:Case.Assessed"

#: A step: ``{"event": <event name>, **fields}``.
Step = dict[str, Any]

#: The events an ``Assessed`` event may hold as steps (class versions as of Assessed v1:
#: a step's shape changing means a new Assessed version with an upcaster for its steps).
STEP_EVENTS = frozenset({"Scored", "Forecast", "FellBackToBaseline", "Recommended", "InputFlagged"})


def steps_of(name: str, payload: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The logical events ``(name, fields)`` the stored case event ``name`` stands for: an
    ``Assessed`` one is ``Opened`` (its own fields but ``steps``) and then each step; any
    other event is itself."""
    if name != "Assessed":
        return [(name, payload)]
    opened = {k: v for k, v in payload.items() if k != "steps"}
    expanded: list[tuple[str, Mapping[str, Any]]] = [("Opened", opened)]
    for step in payload["steps"]:
        expanded.append((step["event"], {k: v for k, v in step.items() if k != "event"}))
    return expanded


def authors(payload: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """Who recorded an event, ``(actor, role)``: its own, then (an ``Assessed`` event's)
    each step's, each pair once. Signing and verifying judge every one of them, as they
    judged each separate event."""
    seen = {(payload.get("actor"), payload.get("role")): None}
    steps = payload.get("steps")
    for step in steps if isinstance(steps, list) else ():
        if type(step) is dict or isinstance(step, Mapping):  # (a million a verify: dict first)
            seen.setdefault((step.get("actor"), step.get("role")), None)
    return list(seen)


# --- the steps, checked (the commands of case_assessing record the same ones) ---------------


def score_step(
    *,
    specialist: str,
    model_version: str,
    model_sha256: str,
    p_bad: float,
    attributions: dict[str, float],
    ood: bool,
    ood_score: float | None,
    latency_ms: float,
    shadow: bool = False,
    actor: str,
    role: str,
) -> Step:
    """A specialist's probability (``Scored``)."""
    check_identity(actor, role)
    a = validate(
        ScoreArgs, specialist=specialist, model_version=model_version,
        model_sha256=model_sha256, p_bad=p_bad, attributions=attributions, ood=ood,
        ood_score=ood_score, latency_ms=latency_ms, shadow=shadow,
    )  # fmt: skip
    return {"event": "Scored", **fields_of(a), "actor": actor, "role": role}


def forecast_step(
    *,
    specialist: str,
    model_version: str,
    model_sha256: str,
    levels: list[float],
    quantiles: list[float],
    ood: bool,
    ood_score: float | None,
    latency_ms: float,
    shadow: bool = False,
    actor: str,
    role: str,
) -> Step:
    """A quantile specialist's prediction for a "how much" case (``Forecast``)."""
    check_identity(actor, role)
    a = validate(
        ForecastArgs, specialist=specialist, model_version=model_version,
        model_sha256=model_sha256, levels=list(levels), quantiles=list(quantiles), ood=ood,
        ood_score=ood_score, latency_ms=latency_ms, shadow=shadow,
    )  # fmt: skip
    if len(a.levels) != len(a.quantiles):
        raise InputRejected([FieldProblem("quantiles", "needs one value per level")])
    return {"event": "Forecast", **a.model_dump(), "actor": actor, "role": role}


def fallback_step(*, reason: str, actor: str, role: str) -> Step:
    """The baseline rules decided instead of the model (``FellBackToBaseline``)."""
    check_identity(actor, role)
    if not reason.strip():
        raise InputRejected([FieldProblem("reason", "must say why the model was not used")])
    return {"event": "FellBackToBaseline", "reason": reason, "actor": actor, "role": role}


def recommendation_step(
    *,
    action: str,
    source: str,
    policy_id: str,
    policy_version: int,
    expected_costs: dict[str, float],
    reasons: list[str],
    ood_reasons: list[str] | None = None,
    quantity: int | None = None,
    quantiles: dict[str, float] | None = None,
    baseline_quantity: int | None = None,
    propensities: dict[str, float] | None = None,
    explored: bool = False,
    actor: str,
    role: str,
) -> Step:
    """The recommendation (``Recommended``); ``propensities`` default to the action being
    certain."""
    check_identity(actor, role)
    for name, value in (("quantity", quantity), ("baseline_quantity", baseline_quantity)):
        if value is not None:
            check_quantity(name, value)
    a = validate(
        RecommendArgs, action=action, source=source, policy_id=policy_id,
        policy_version=policy_version, expected_costs=expected_costs, reasons=reasons,
        ood_reasons=list(ood_reasons or []), propensities=dict(propensities or {action: 1.0}),
        explored=explored,
    )  # fmt: skip
    if a.action not in a.propensities or a.propensities[a.action] <= 0.0:
        raise InputRejected([FieldProblem(
            "propensities", f"the recommended action {a.action!r} needs a probability > 0"
        )])  # fmt: skip
    return {
        "event": "Recommended", **fields_of(a), "propensity_source": "logged",
        "quantity": quantity, "quantiles": plain_json(dict(quantiles or {}), "quantiles"),
        "baseline_quantity": baseline_quantity, "actor": actor, "role": role,
    }  # fmt: skip


def flags_step(*, flags: list[dict[str, Any]], actor: str, role: str) -> Step:
    """What screening the input found (``InputFlagged``): each flag names its ``kind``."""
    check_identity(actor, role)
    plain = plain_json(list(flags), "flags")
    for i, flag in enumerate(plain):
        if not isinstance(flag, dict) or not isinstance(flag.get("kind"), str):
            raise InputRejected([FieldProblem(f"flags[{i}]", "needs a 'kind'")])
    return {"event": "InputFlagged", "flags": plain, "actor": actor, "role": role}


__all__ = [
    "ASSESSED_TOPIC",
    "STEP_EVENTS",
    "Step",
    "fallback_step",
    "flags_step",
    "forecast_step",
    "recommendation_step",
    "score_step",
    "authors",
    "steps_of",
]
