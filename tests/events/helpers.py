"""Small builders shared by the events tests."""

from __future__ import annotations

from typing import Any

from events.domain import Case

SYSTEM: dict[str, str] = {"actor": "docket/orchestrator", "role": "system"}

#: A yes/no decision as a pack records it on each case it opens (credit's declaration).
DECISION: dict[str, Any] = {
    "kind": "classification",
    "actions": ["approve", "decline", "escalate"],
    "escalate_action": "escalate",
    "outcomes": ["good", "bad"],
    "deciding_roles": ["operator", "senior"],
}

#: The roles that manage models in these tests (a pack's engineer and policy owner).
MANAGERS: tuple[str, ...] = ("engineer", "risk_owner")


def new_case(
    ref: str, *, p_bad: float = 0.3, domain: str = "credit", decision: dict[str, Any] | None = None
) -> Case:
    """An opened, scored and recommended case (3 events), not yet saved."""
    case = Case.open(
        domain=domain,
        decision=dict(decision or DECISION),
        case_ref=ref,
        input={"age": 40, "amount": 1200.5},
        personal={"name": "A. Person"},
        note="first loan",
        **SYSTEM,
    )
    case.record_score(
        specialist="logreg",
        model_version="m1",
        model_sha256="ab" * 32,
        p_bad=p_bad,
        attributions={"age": -0.1, "amount": 0.2},
        ood=False,
        ood_score=0.2,
        latency_ms=0.1,
        **SYSTEM,
    )
    action = "decline" if p_bad > 1 / 6 else "approve"
    case.recommend(
        action=action,
        source="model",
        policy_id="credit",
        policy_version=1,
        expected_costs={"approve": 5 * p_bad, "decline": 1 - p_bad},
        reasons=["expected cost"],
        **SYSTEM,
    )
    return case


def explanation(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "explainer": "template",
        "text": "Declined: long duration.",
        "summary": {"top": ["duration"]},
        "claims": [{"feature": "duration", "direction": "up"}],
        "verdicts": [{"rule": "pii", "outcome": "pass", "detail": ""}],
        "fallback_reason": None,
        "actor": "docket/explainer",
        "role": "system",
    }
    values.update(overrides)
    return values
