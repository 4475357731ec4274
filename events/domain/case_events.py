"""The decision case's events: past tense, versioned, plain payloads.

They are defined here, one concept per module, and named in :class:`events.domain.case.Case`'s
body; eventsourcing's aggregate metaclass redefines each there as ``Case.<Name>`` in module
``events.domain.case``, so the stored topics (``events.domain.case:Case.Opened`` ...) are
the ones every existing store holds.

Each event applies itself to the aggregate (``apply``) through the one fold of a case,
:meth:`events.domain.case_state.CaseState.apply`, with the event's own timestamp (needed for
"already decided ... at T").
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.domain import Aggregate

from events.domain.case_rules import V1_DECISION
from events.domain.case_state import CaseState

if TYPE_CHECKING:
    from events.domain.case import Case


class Opened(Aggregate.Created):
    """``decision`` (v2): the pack's declaration (see :data:`DECISION_KEYS`)."""

    class_version = 2
    plain_payload = True  # see events.encoding: its command checks every field
    domain: str
    case_ref: str
    input: dict[str, Any]
    personal: dict[str, Any]
    note: str | None
    decision: dict[str, Any]
    actor: str
    role: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["decision"] = json.loads(json.dumps(V1_DECISION))

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Assessed(Aggregate.Created):
    """A case opened with its whole assessment: ``Opened``'s fields (the opener's ``actor``
    and ``role``) and ``steps``, the assessment's events as plain dicts (``{"event":
    "Scored", ...}``, each with the actor and role that recorded it). One stored event
    instead of one per step; every reader expands it into the same logical events by
    :func:`events.domain.case_steps.steps_of`."""

    class_version = 1
    plain_payload = True  # see events.encoding: its command checks every field
    domain: str
    case_ref: str
    input: dict[str, Any]
    personal: dict[str, Any]
    note: str | None
    decision: dict[str, Any]
    actor: str
    role: str
    steps: list[dict[str, Any]]

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class InputQuarantined(Aggregate.Created):
    class_version = 1
    domain: str
    case_ref: str | None
    raw: Any
    problems: list[dict[str, str]]
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Scored(Aggregate.Event):
    class_version = 1
    plain_payload = True  # see events.encoding: its command checks every field
    specialist: str
    model_version: str
    model_sha256: str
    p_bad: float
    attributions: dict[str, float]
    ood: bool
    ood_score: float | None
    latency_ms: float
    shadow: bool
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Forecast(Aggregate.Event):
    """A quantity case's prediction: quantiles of demand at ``levels`` (e.g. 0.05 ... 0.95)."""

    class_version = 1
    specialist: str
    model_version: str
    model_sha256: str
    levels: list[float]
    quantiles: list[float]
    ood: bool
    ood_score: float | None
    latency_ms: float
    shadow: bool
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class FellBackToBaseline(Aggregate.Event):
    class_version = 1
    plain_payload = True  # see events.encoding: its command checks every field
    reason: str
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Recommended(Aggregate.Event):
    """``ood_reasons`` (v2): why the input is unlike the training data, kept apart
    from the policy's reasons so nobody has to pick them out of the text.

    ``propensities`` (v3): the probability the policy gave each action it might have
    recommended for this case, ``explored`` whether the action was drawn at random, and
    ``propensity_source``: ``"logged"`` when recorded with the recommendation,
    ``"assumed"`` for events recorded before propensities were (their policy was
    deterministic, so the recommended action had probability 1).

    ``quantity``, ``quantiles`` and ``baseline_quantity`` (v4): for a "how much"
    decision, the order the policy places (or would place, when it escalates), the
    predicted quantiles it read (level -> value) and the baseline rule's order; None and
    empty for a yes/no decision.
    """

    class_version = 4
    plain_payload = True  # see events.encoding: its command checks every field
    action: str
    source: str
    policy_id: str
    policy_version: int
    expected_costs: dict[str, float]
    reasons: list[str]
    ood_reasons: list[str]
    propensities: dict[str, float]
    explored: bool
    propensity_source: str
    quantity: int | None
    quantiles: dict[str, float]
    baseline_quantity: int | None
    actor: str
    role: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # Version 1 mixed the OOD reasons into ``reasons``, unmarked.
        state["ood_reasons"] = []

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        # Before v3 every policy was deterministic: the recommended action was certain.
        state["propensities"] = {state["action"]: 1.0}
        state["explored"] = False
        state["propensity_source"] = "assumed"

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        # Versions 1-3 only knew yes/no decisions.
        state["quantity"] = None
        state["quantiles"] = {}
        state["baseline_quantity"] = None

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class InputFlagged(Aggregate.Event):
    class_version = 1
    plain_payload = True  # see events.encoding: its command checks every field
    flags: list[dict[str, Any]]
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Explained(Aggregate.Event):
    class_version = 1
    explainer: str
    text: str
    summary: dict[str, Any]
    claims: list[Any]
    verdicts: list[dict[str, Any]]
    fallback_reason: str | None
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Accepted(Aggregate.Event):
    """``quantity`` (v2): the order accepted, for a "how much" decision."""

    class_version = 2
    action: str
    quantity: int | None
    actor: str
    role: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["quantity"] = None

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Overridden(Aggregate.Event):
    """``quantity`` (v2): the order placed instead, for a "how much" decision."""

    class_version = 2
    action: str
    recommended: str | None
    reason_code: str
    reason_text: str
    quantity: int | None
    actor: str
    role: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["quantity"] = None

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class Escalated(Aggregate.Event):
    """Sent to a senior reviewer.

    Upcasting example (not yet needed): if version 2 added ``urgency``, it
    would declare ``class_version = 2`` and::

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["urgency"] = "normal"
    """

    class_version = 1
    reason_text: str
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class SignedOff(Aggregate.Event):
    """A senior reviewer closed an escalated case: ``agreed`` with the recommendation
    (``action`` is the recommended one) or decided another ``action`` (with the reason
    given, if any). ``quantity``: the order, for a "how much" decision."""

    class_version = 1
    action: str
    recommended: str | None
    agreed: bool
    reason_code: str | None
    reason_text: str
    quantity: int | None
    actor: str
    role: str

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


class OutcomeRecorded(Aggregate.Event):
    """``value`` (v2): the realised number (e.g. demand) of a "how much" decision, whose
    ``outcome`` is that number as text."""

    class_version = 2
    outcome: str
    observed_at: str
    source: str
    value: float | None
    actor: str
    role: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["value"] = None

    def apply(self, aggregate: Aggregate) -> None:
        _fold(aggregate, self)


def _fold(aggregate: Aggregate, event: Aggregate.Event) -> None:
    """Apply ``event`` to the case by the one fold (:meth:`CaseState.apply`)."""
    # Only Case names these events (its metaclass redefines them as Case.<Name>).
    case = cast("Case", aggregate)
    name, at = type(event).__name__, event.timestamp.isoformat()
    if isinstance(event, Aggregate.Created):
        case.state = CaseState.opened(name, event.__dict__, at, event.originator_version)
    else:
        case.state = case.state.apply(name, event.__dict__, at, event.originator_version)
