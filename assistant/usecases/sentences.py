"""A case's events in words, for the history on a case screen and the audit timeline.

Each event's recorded fields become one short sentence ("recommended decline (model,
policy v1); expected cost 0.263"), so a person reads what happened instead of a
``key=value`` dump. An event this module does not know is listed field by field.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

Fields = Mapping[str, Any]


def short(value: Any, limit: int = 80) -> str:
    """A value in at most ``limit`` characters (floats to 4 significant digits)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(f: Fields) -> str:
    code, text = f.get("reason_code"), f.get("reason_text")
    if code and text:
        return f": {code}, “{short(text)}”"
    if text:
        return f": “{short(text)}”"
    return f": {code}" if code else ""


def _quantity(f: Fields) -> str:
    return f" {f['quantity']}" if f.get("quantity") is not None else ""


def _opened(f: Fields) -> str:
    return f"opened {f.get('case_ref', '')} ({f.get('domain', '')})"


def _quarantined(f: Fields) -> str:
    problems = f.get("problems") or []
    listed = "; ".join(f"{p.get('field')}: {p.get('problem')}" for p in problems[:3])
    return f"input quarantined ({listed})" if listed else "input quarantined"


def _scored(f: Fields, probability: str = "risk probability") -> str:
    who = "scored in shadow by" if f.get("shadow") else "scored by"
    text = f"{who} {f.get('model_version')}"
    if f.get("p_bad") is not None:
        text += f": {probability} {float(f['p_bad']):.3f}"
    return text + (", out of distribution" if f.get("ood") else "")


def _fell_back(f: Fields) -> str:
    return f"the baseline rules decided: {short(f.get('reason', ''))}"


def _recommended(f: Fields) -> str:
    action = f.get("action")
    source, version = f.get("source"), f.get("policy_version")
    text = f"recommended {action}{_quantity(f)} ({source}, policy v{version})"
    cost = (f.get("expected_costs") or {}).get(action)
    return text + (f"; expected cost {float(cost):.3f}" if cost is not None else "")


def _flagged(f: Fields) -> str:
    kinds = [str(flag.get("kind")) for flag in f.get("flags") or [] if isinstance(flag, dict)]
    return "input flagged: " + (", ".join(kinds) or "no detail")


def _explained(f: Fields) -> str:
    reason = f.get("fallback_reason")
    verdict = f"fell back to the template: {short(reason)}" if reason else "passed the guardrails"
    return f"explained by {f.get('explainer')}, {verdict}"


def _accepted(f: Fields) -> str:
    return f"accepted {f.get('action')}{_quantity(f)}"


def _recommended_one(f: Fields) -> str:
    """What a decision departed from: the recommended action, or, for a quantity case that
    kept the action and changed the number, the recommended quantity."""
    if f.get("quantity") is not None and f.get("recommended") == f.get("action"):
        return f"the recommended {f.get('action')} quantity"
    return str(f.get("recommended"))


def _overridden(f: Fields) -> str:
    return (f"overrode {_recommended_one(f)} with {f.get('action')}{_quantity(f)}"
            f"{_reason(f)}")


def _escalated(f: Fields, senior: str = "a senior reviewer") -> str:
    return f"escalated to {senior}" + _reason(f)


def _signed_off(f: Fields) -> str:
    agreed = ", agreeing with the recommendation" if f.get("agreed") else (
        f" instead of {_recommended_one(f)}")
    return f"signed off {f.get('action')}{_quantity(f)}{agreed}{_reason(f)}"


def _outcome(f: Fields) -> str:
    return (f"outcome {f.get('outcome')} observed {f.get('observed_at')} "
            f"(from {f.get('source')})")


SENTENCES: dict[str, Callable[[Fields], str]] = {
    "Opened": _opened,
    "InputQuarantined": _quarantined,
    "Scored": _scored,
    "FellBackToBaseline": _fell_back,
    "Recommended": _recommended,
    "InputFlagged": _flagged,
    "Explained": _explained,
    "Accepted": _accepted,
    "Overridden": _overridden,
    "Escalated": _escalated,
    "SignedOff": _signed_off,
    "OutcomeRecorded": _outcome,
}


def describe(event: str, fields: Fields, *, probability: str = "risk probability",
             senior: str = "a senior reviewer") -> str:
    """One sentence for the event ``event`` (its class name) with its recorded ``fields``;
    ``probability`` is the pack's label of the score ("p(malignancy)"), ``senior`` whom an
    escalation goes to in the pack's word for the role ("a consultant")."""
    sentence = SENTENCES.get(event)
    if event == "Scored":
        sentence = functools.partial(_scored, probability=probability)
    elif event == "Escalated":
        sentence = functools.partial(_escalated, senior=senior)
    if sentence is not None:
        try:
            return sentence(fields)
        except (TypeError, ValueError, AttributeError):
            pass  # an unexpected shape: list the fields rather than fail to show the case
    return ", ".join(f"{k}: {short(v, 60)}" for k, v in fields.items())
