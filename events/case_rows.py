"""A case's read-model rows, built from its one typed state (:class:`CaseState`).

The read models do not read case event payloads: the projection folds each case event with
:meth:`CaseState.apply` (the only interpreter of a case event, the aggregate's and the
audit's own) and writes what the state says. :func:`row_from_state` is the ``cases`` row
(the case as it stands); :func:`event_rows` are the rows one event adds to the per-event
tables (``decisions``, ``overrides``, ``outcomes``, ``explanations``, ``quarantine``), read
from the state just after that event. Both backends (SQLite and PostgreSQL) write these
same tuples.

The tables' columns are declared here, beside the code that fills them; their order is the
insert order (:func:`events.readmodels.upsert` names them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

from events.domain.case_state import CaseState, DecisionState

_T = str
_I = int
_F = float

#: The case tables: table -> (columns with types, primary key).
CASE_TABLES: dict[str, tuple[dict[str, type], str]] = {
    "cases": (
        {
            "case_id": _T, "domain": _T, "case_ref": _T, "status": _T, "opened_at": _T,
            "p_bad": _F, "model_version": _T, "recommendation": _T, "rec_source": _T,
            "expected_cost": _F, "expected_costs": _T, "ood": _I, "fallback": _I,
            "guardrail": _I, "injection": _I, "escalated": _I, "decided_action": _T,
            "decision_kind": _T, "decided_by": _T, "decided_role": _T, "decided_at": _T,
            "outcome": _T, "outcome_at": _T, "policy_version": _I, "version": _I,
            "last_event_at": _T, "quantity": _I, "explored": _I, "explore_regret": _F,
            "recommended_at": _T,
        },
        "case_id",
    ),
    "decisions": (
        {
            "position": _I, "case_id": _T, "domain": _T, "kind": _T, "action": _T,
            "recommended": _T, "reason_code": _T, "reason_text": _T, "operator": _T,
            "role": _T, "at": _T, "p_bad": _F, "model_version": _T, "policy_version": _I,
        },
        "position",
    ),
    "overrides": (
        {
            "position": _I, "case_id": _T, "domain": _T, "recommended": _T, "action": _T,
            "reason_code": _T, "reason_text": _T, "operator": _T, "role": _T, "at": _T,
        },
        "position",
    ),
    "outcomes": (
        {
            "position": _I, "case_id": _T, "domain": _T, "outcome": _T, "observed_at": _T,
            "source": _T, "recorded_by": _T, "at": _T,
        },
        "position",
    ),
    "quarantine": (
        {
            "case_id": _T, "domain": _T, "case_ref": _T, "raw": _T, "problems": _T,
            "actor": _T, "role": _T, "at": _T,
        },
        "case_id",
    ),
    "explanations": (
        {
            "position": _I, "case_id": _T, "explainer": _T, "text": _T, "summary": _T,
            "verdicts": _T, "fallback_reason": _T, "flagged": _I, "actor": _T, "at": _T,
        },
        "position",
    ),
}  # fmt: skip

#: Where each case table keeps the case a row belongs to (0: its key is the case id).
CASE_ID_COLUMN: dict[str, int] = {
    table: list(columns).index("case_id") for table, (columns, _) in CASE_TABLES.items()
}

#: The ``cases`` table's columns, in insert order (the order of :func:`row_from_state`).
CASE_COLUMNS: tuple[str, ...] = tuple(CASE_TABLES["cases"][0])

#: Case events that add a row to a per-event table (the others only change the case row).
EVENT_ROW_EVENTS = frozenset(
    {"InputQuarantined", "Explained", "Accepted", "Overridden", "Escalated", "SignedOff",
     "OutcomeRecorded"}
)  # fmt: skip

Row = tuple[Any, ...]


#: One encoder for every row (``json.dumps`` with options builds a new one per call).
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)


def _c_encoder() -> Callable[[Any, int], list[str]] | None:
    """The C encoder ``_ENCODER.encode`` makes on each call, made once: the very object
    ``json.JSONEncoder.iterencode`` builds (same arguments: ASCII only, these separators,
    keys sorted, NaN allowed), so the same text, without building it and a float formatter
    for every value (a third of a replay's ``cases`` row). Without the circular-reference
    check (``markers``): these values are decoded JSON, which holds no cycle. None where
    the C encoder is missing or takes other arguments (another Python): then ``encode``."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover
        return None
    try:
        made: Callable[[Any, int], list[str]] = make(
            None, _ENCODER.default, json.encoder.encode_basestring_ascii, None, ":", ",",
            True, False, True,
        )  # fmt: skip
    except TypeError:  # pragma: no cover
        return None
    return made


_C_ENCODE = _c_encoder()


def dumps(value: Any) -> str:
    """JSON text as the read models store it (compact, keys sorted, ASCII only)."""
    if _C_ENCODE is None:  # pragma: no cover
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


#: Keys whose JSON spelling is themselves in quotes, to ``json`` and to orjson alike
#: (printable ASCII, no quote nor backslash): an action's name (see :func:`_costs_text`).
_PLAIN_KEYS: set[str] = set()


def _plain_keys(value: dict[Any, Any]) -> bool:
    """Whether every key of ``value`` is a :data:`_PLAIN_KEYS` one (learning new ones)."""
    for key in value:
        if key not in _PLAIN_KEYS:
            if type(key) is not str or len(_PLAIN_KEYS) > 10_000:
                return False
            if not (key.isascii() and key.isprintable()) or '"' in key or "\\" in key:
                return False
            _PLAIN_KEYS.add(key)
    return True


def _costs_text(costs: dict[str, Any]) -> str:
    """:func:`dumps` of a recommendation's expected costs (action -> float), to the byte,
    made by orjson when its text is provably ``json``'s: plain keys (sorted alike: ASCII),
    and every value a float that both spell as Python's ``repr`` does (shortest round trip,
    no exponent: zero, or 1e-4 <= |v| < 1e16; outside it ``json`` writes ``1e-05`` and
    ``1e+16``, orjson ``0.00001`` and ``1e16``; NaN and infinities are ``json``'s alone).
    Any other value goes to :func:`dumps`. Checked against ``json.dumps`` in
    tests/events/test_readmodels.py. (Float spelling took a third of a ``cases`` row.)"""
    if type(costs) is dict and _plain_keys(costs):
        for v in costs.values():
            if type(v) is not float or not (1e-4 <= abs(v) < 1e16 or v == 0.0):
                return dumps(costs)
        return orjson.dumps(costs, option=orjson.OPT_SORT_KEYS).decode()
    return dumps(costs)


def row_from_state(case_id: str, state: CaseState) -> Row:
    """The ``cases`` row of the case ``case_id`` in ``state`` (columns: :data:`CASE_COLUMNS`)."""
    # Written flat, with the empty cases first: it runs for every case a catch-up touches.
    action = source = cost = policy_version = quantity = regret = recommended_at = None
    costs_json, explored = "{}", 0
    rec = state.recommendation
    if rec is not None:
        costs = rec.expected_costs
        action, source, cost = rec.action, rec.source, costs.get(rec.action)
        costs_json = _costs_text(costs)
        policy_version, quantity, recommended_at = rec.policy_version, rec.quantity, rec.at
        explored = int(bool(rec.explored))
        if rec.explored and costs:
            # What exploring this case cost in expectation (its action against the
            # cheapest), so the month's exploration spending is one indexed sum.
            regret = float(costs[rec.action] - min(costs.values()))
    decided: tuple[Any, ...] = (None, None, None, None, None)
    escalated = 0
    if state.decisions:
        last = state.decisions[-1]
        decided = (last.action, last.kind, last.by, last.role, last.at)
        escalated = int(any(d.kind == "escalated" for d in state.decisions))
    outcome = state.outcome
    run = state.score or state.forecast  # the champion's run the case is decided on
    return (
        case_id, state.domain, state.case_ref, state.status, state.opened_at,
        state.score.p_bad if state.score else None, run.model_version if run else None,
        action, source, cost, costs_json, int(run.ood) if run else 0,
        int(state.fallback is not None),
        int(any(e.flagged for e in state.explanations)) if state.explanations else 0,
        _injection(state.input_flags) if state.input_flags else 0,
        escalated, *decided,
        outcome.outcome if outcome else None, outcome.observed_at if outcome else None,
        policy_version, state.version, state.updated_at,
        quantity,  # a "how much" case's order (None for yes/no)
        explored, regret, recommended_at,
    )  # fmt: skip


def _injection(flags: tuple[dict[str, Any], ...]) -> int:
    return int(any("injection" in str(f.get("kind", "")) for f in flags))


def event_rows(case_id: str, position: int, name: str, state: CaseState) -> list[tuple[str, Row]]:
    """The per-event rows (table, row) that case event ``name`` at ``position`` adds, read
    from ``state``, the case just after that event."""
    if name not in EVENT_ROW_EVENTS:
        return []
    if name == "InputQuarantined":
        # No reference is NULL here (the cases row says ""), as the record was written.
        return [("quarantine", (
            case_id, state.domain, state.case_ref or None, dumps(state.input),
            dumps(state.problems), state.opened_by, state.opened_role, state.opened_at,
        ))]  # fmt: skip
    if name == "Explained":
        e = state.explanations[-1]
        return [("explanations", (
            position, case_id, e.explainer, e.text, dumps(e.summary), dumps(e.verdicts),
            e.fallback_reason, int(e.flagged), e.by, e.at,
        ))]  # fmt: skip
    if name == "OutcomeRecorded":
        o = state.outcome
        assert o is not None  # the fold just recorded it
        return [("outcomes", (
            position, case_id, state.domain, o.outcome, o.observed_at, o.source,
            o.recorded_by, o.at,
        ))]  # fmt: skip
    decision = state.decisions[-1]
    return _decision_rows(case_id, position, state.domain, decision)


def _decision_rows(
    case_id: str, position: int, domain: str, d: DecisionState
) -> list[tuple[str, Row]]:
    """A decision's row, with what it was made on (the state its decider saw)."""
    seen = d.seen
    recommended = seen.recommendation.action if seen.recommendation else None
    run = seen.score or seen.forecast
    rows: list[tuple[str, Row]] = [("decisions", (
        position, case_id, domain, d.kind, d.action, recommended, d.reason_code,
        d.reason_text, d.by, d.role, d.at, seen.score.p_bad if seen.score else None,
        run.model_version if run else None,
        seen.recommendation.policy_version if seen.recommendation else None,
    ))]  # fmt: skip
    if d.kind == "overridden":
        rows.append(("overrides", (
            position, case_id, domain, recommended, d.action, d.reason_code, d.reason_text,
            d.by, d.role, d.at,
        )))  # fmt: skip
    return rows


__all__ = [
    "CASE_COLUMNS",
    "CASE_TABLES",
    "EVENT_ROW_EVENTS",
    "dumps",
    "event_rows",
    "row_from_state",
]
