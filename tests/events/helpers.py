"""Small builders shared by the events tests."""

from __future__ import annotations

import contextlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from events.app import DecisionLog
from events.domain import Case, Key
from events.errors import ConflictError
from events.signing import SigningKey
from events.store import open_log

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


# --- keys: every saved batch is signed by an enrolled key ------------------------------------

#: Deterministic test keys (so worker processes hold the same ones), by person.
_SEEDS = {"ana": 1, "bob": 2, "sam": 3, "eve": 4}
#: ana is the store's first admin and holds every role; bob is a second risk owner.
_ROLES = {
    "ana": ["operator", "senior", "risk_owner", "auditor", "engineer", "admin", "system"],
    "bob": ["operator", "senior", "risk_owner"],
    "sam": ["senior"],
    "eve": ["operator"],
}


def key_of(person: str = "ana") -> SigningKey:
    """The fixed test key of ``person``."""
    return SigningKey(Ed25519PrivateKey.from_private_bytes(bytes([_SEEDS[person]]) * 32))


def enrol_test_people(log: DecisionLog) -> None:
    """Enrol the test people's keys (ana first, self-signed, then the others by ana)."""
    signer = log.signer
    log.signer = key_of("ana")
    try:
        for person in _SEEDS:
            key = key_of(person)
            if log.exists(Key.id_for(key.key_id)):
                continue
            record = Key.enrol(person=person, public_key=key.public_key, roles=_ROLES[person],
                               actor="ana", role="admin")  # fmt: skip
            with contextlib.suppress(ConflictError):  # another process enrolled it just now
                log.save(record)
    finally:
        log.signer = signer


def open_signed(url: str, person: str = "ana") -> DecisionLog:
    """Open the log at ``url`` acting with ``person``'s enrolled test key."""
    log = open_log(url)
    enrol_test_people(log)
    log.signer = key_of(person)
    return log
