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
    if _plain_score(
        specialist=specialist, model_version=model_version, model_sha256=model_sha256,
        p_bad=p_bad, attributions=attributions, ood=ood, ood_score=ood_score,
        latency_ms=latency_ms, shadow=shadow,
    ):  # ScoreArgs's fields would be these values (its copy of the dict)
        return {
            "event": "Scored", "specialist": specialist, "model_version": model_version,
            "model_sha256": model_sha256, "p_bad": p_bad, "attributions": dict(attributions),
            "ood": ood, "ood_score": ood_score, "latency_ms": latency_ms, "shadow": shadow,
            "actor": actor, "role": role,
        }  # fmt: skip
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
    given = dict(propensities or {action: 1.0})
    fields = _recommended(action, source, policy_id, policy_version, expected_costs, reasons,
                          list(ood_reasons or []), given, explored)  # fmt: skip
    if fields is None:  # something RecommendArgs must judge (and name, if it is wrong)
        fields = fields_of(validate(
            RecommendArgs, action=action, source=source, policy_id=policy_id,
            policy_version=policy_version, expected_costs=expected_costs, reasons=reasons,
            ood_reasons=list(ood_reasons or []), propensities=given, explored=explored,
        ))  # fmt: skip
    chosen, chances = fields["action"], fields["propensities"]
    if chosen not in chances or chances[chosen] <= 0.0:
        raise InputRejected([FieldProblem(
            "propensities", f"the recommended action {chosen!r} needs a probability > 0"
        )])  # fmt: skip
    return {
        "event": "Recommended", **fields, "propensity_source": "logged",
        "quantity": quantity, "quantiles": plain_json(dict(quantiles or {}), "quantiles"),
        "baseline_quantity": baseline_quantity, "actor": actor, "role": role,
    }  # fmt: skip


# --- what the argument models accept as it is, checked without building them ---------------
#
# A bulk ingest builds three steps a case; pydantic took about 7 µs a step to check values
# the service made itself. These functions accept only exact types (``str``, ``bool``,
# ``int``, finite ``float``: no subclass, nothing pydantic would convert) within the models'
# limits, so what they pass is what the model would have returned; anything else goes to
# the model, which judges it and names what is wrong (``tests/events/test_case_steps_fast.py``
# compares both on valid and invalid values).


def _text(value: Any) -> bool:
    """A non-empty ``str`` (``Field(min_length=1)``)."""
    return type(value) is str and value != ""


def _finite(value: Any) -> bool:
    """A finite ``float`` (``allow_inf_nan=False``)."""
    return type(value) is float and value - value == 0.0


def _unit(value: Any) -> bool:
    """A ``float`` in [0, 1] (NaN is in no interval)."""
    return type(value) is float and 0.0 <= value <= 1.0


def _costs(value: Any) -> bool:
    """A ``dict[str, float]`` of finite floats (a loop: a score's attributions are about 20)."""
    if type(value) is not dict:
        return False
    for key, number in value.items():
        if type(key) is not str or type(number) is not float or number - number != 0.0:
            return False
    return True


def _texts(value: Any) -> bool:
    """A ``list[str]``."""
    return type(value) is list and all(type(v) is str for v in value)


def _plain_score(
    *, specialist: Any, model_version: Any, model_sha256: Any, p_bad: Any, attributions: Any,
    ood: Any, ood_score: Any, latency_ms: Any, shadow: Any,
) -> bool:
    """Whether ``ScoreArgs`` accepts these arguments as they are."""
    return (
        _text(specialist) and _text(model_version) and type(model_sha256) is str
        and _unit(p_bad) and (ood_score is None or _finite(ood_score))
        and _finite(latency_ms) and latency_ms >= 0.0 and type(ood) is bool
        and type(shadow) is bool and _costs(attributions)
    )  # fmt: skip


def _recommended(
    action: Any, source: Any, policy_id: Any, policy_version: Any, expected_costs: Any,
    reasons: Any, ood_reasons: list[Any], propensities: dict[Any, Any], explored: Any,
) -> dict[str, Any] | None:
    """``fields_of(RecommendArgs(...))`` for arguments it accepts as they are (its
    validators included); None for anything it must judge itself."""
    if not (
        _text(action) and source in ("model", "baseline") and type(source) is str
        and type(policy_id) is str and type(policy_version) is int and policy_version >= 0
        and _costs(expected_costs) and expected_costs and _texts(reasons)
        and _texts(ood_reasons) and type(explored) is bool and _costs(propensities)
        and propensities and all(0.0 <= p <= 1.0 for p in propensities.values())
        and abs(sum(propensities.values()) - 1.0) <= 1e-9
    ):  # fmt: skip
        return None
    return {
        "action": action, "source": source, "policy_id": policy_id,
        "policy_version": policy_version, "expected_costs": dict(expected_costs),
        "reasons": list(reasons), "ood_reasons": ood_reasons, "propensities": propensities,
        "explored": explored,
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
