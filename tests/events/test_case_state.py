"""One fold of a case: the aggregate, the audit and the read-model row agree on its state.

The aggregate folds its events with :meth:`CaseState.apply` as it is rebuilt; the audit
folds the same events the same way; the read models fold the stored payloads the same way
(:func:`events.readmodels.case_state`) and build their rows from that state
(:mod:`events.case_rows`), so the ``cases`` row must say the same (status, score,
recommendation, flags, decision, outcome). Read models fed with the states of cases just
saved (``catch_up(saved=...)``) must equal a replay of the log. Checked on a realistic case
history and on random command sequences (hypothesis).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

from events import readmodels
from events.app import DecisionLog
from events.audit import audit_case
from events.case_rows import row_from_state
from events.domain import Case
from events.domain.case_state import CaseState
from events.errors import DocketError
from events.readmodels import ReadModels, case_state, check
from events.store import open_readmodels
from tests.events.helpers import SYSTEM, explanation, new_case, open_signed
from tests.events.test_contract import commands, run_command


def _agree(log: DecisionLog, views: ReadModels) -> int:
    """Assert every case's aggregate, audit and read-model row agree; return how many."""
    views.catch_up(log, batch=7)  # small batches: cases span batch boundaries
    rows = views.rows("SELECT * FROM cases")
    for row in rows:
        case = log.get(row["case_id"])
        assert isinstance(case, Case)
        state = case.state
        audited = audit_case(log, row["case_id"]).case
        assert audited == state  # the same fold, the same state
        # ... and the read models' fold of the stored payloads too (what catch-up folds).
        assert case_state(log, row["case_id"], state.version) == state
        assert tuple(row.values()) == row_from_state(row["case_id"], state)
        rec = state.recommendation
        final = state.final_decision
        last = state.last_decision
        assert row["status"] == state.status
        assert row["version"] == state.version == case.version
        assert row["p_bad"] == state.p_bad
        assert row["model_version"] == state.model_version
        assert bool(row["ood"]) == state.ood
        assert bool(row["fallback"]) == (state.fallback is not None)
        assert row["recommendation"] == (rec.action if rec else None)
        assert row["policy_version"] == (rec.policy_version if rec else None)
        assert row["quantity"] == (rec.quantity if rec else None)
        assert bool(row["guardrail"]) == any(e.flagged for e in state.explanations)
        assert bool(row["injection"]) == any(
            "injection" in str(f.get("kind", "")) for f in state.input_flags
        )
        assert bool(row["escalated"]) == any(d.kind == "escalated" for d in state.decisions)
        assert row["decided_action"] == (last.action if last else None)
        assert row["decision_kind"] == (last.kind if last else None)
        assert row["decided_by"] == (last.by if last else None)
        assert row["outcome"] == (state.outcome.outcome if state.outcome else None)
        # The aggregate's own reading of the state is the fold's.
        assert case.decided_action == (final.action if final else None)
        assert case.recommendation == row["recommendation"]
    return len(rows)


def test_a_realistic_history_reads_the_same_everywhere(tmp_path: Path) -> None:
    log = open_signed(str(tmp_path / "store.sqlite"))
    views = ReadModels(tmp_path / "views.sqlite")
    case = new_case("R1", p_bad=0.4)
    case.record_score(
        specialist="challenger", model_version="m2", model_sha256="cd" * 32, p_bad=0.9,
        attributions={}, ood=True, ood_score=3.0, latency_ms=0.2, shadow=True, **SYSTEM,
    )  # fmt: skip
    case.recommend(
        action="escalate", source="model", policy_id="credit", policy_version=2,
        expected_costs={"approve": 2.0, "decline": 0.6, "escalate": 0.5},
        reasons=["exploration case: drawn at random near the break-even"],
        ood_reasons=["amount is far above anything in the training data"],
        propensities={"escalate": 0.9, "decline": 0.1}, explored=True, **SYSTEM,
    )  # fmt: skip
    case.record_input_flags(flags=[{"kind": "injection", "detail": "ignore rules"}], **SYSTEM)
    case.record_explanation(**explanation(fallback_reason="claim check failed"))
    log.save(case)
    log.update(case.id, lambda c: c.accept(actor="ana", role="operator"))  # escalates
    log.update(case.id, lambda c: c.override(
        action="decline", reason_code="other", reason_text="thin file", actor="sam",
        role="senior",
    ))  # fmt: skip
    log.update(case.id, lambda c: c.record_outcome(
        outcome="bad", observed_at=datetime.now(UTC), source="ledger", **SYSTEM,
    ))  # fmt: skip
    assert _agree(log, views) == 1

    state = log.get(case.id).state
    assert isinstance(state, CaseState)
    assert state.ood_reasons == ["amount is far above anything in the training data"]
    assert state.recommendation is not None and state.recommendation.explored
    assert state.recommendation.exploration_reason is not None
    assert [d.kind for d in state.decisions] == ["escalated", "signed_off"]
    signed_off = state.decisions[-1]
    assert (signed_off.by, signed_off.action, signed_off.agreed) == ("sam", "decline", False)
    # The senior saw what the operator saw, and the shadow score was never acted on.
    assert signed_off.seen.recommendation == state.recommendation
    assert state.p_bad == 0.4 and len(state.shadow_scores) == 1
    assert state.explanations[0].flagged
    assert state.outcome is not None and state.outcome.outcome == "bad"
    # The audit's plain form is the same state, as JSON reads it.
    plain: dict[str, Any] = audit_case(log, case.id).state
    assert plain["recommendation"]["ood_reasons"] == state.ood_reasons
    assert plain["decisions"][1]["kind"] == "signed_off"
    views.close()


def test_each_fold_step_is_a_whole_state_with_only_its_fields(tmp_path: Path) -> None:
    # The fold copies the state and sets the changed fields (not dataclasses.replace, which
    # would refuse a misspelt field): every step must hold exactly the dataclass's fields,
    # equal to the state the constructor builds from them.
    from dataclasses import fields

    log = open_signed(str(tmp_path / "store.sqlite"))
    case = new_case("F1")
    case.record_fallback(reason="the champion is missing", **SYSTEM)
    case.record_input_flags(flags=[{"kind": "injection", "detail": "x"}], **SYSTEM)
    case.record_explanation(**explanation())
    log.save(case)
    log.update(case.id, lambda c: c.accept(actor="ana", role="operator"))
    log.update(case.id, lambda c: c.record_outcome(
        outcome="bad", observed_at=datetime.now(UTC), source="ledger", **SYSTEM,
    ))  # fmt: skip
    names = {f.name for f in fields(CaseState)}
    state: CaseState | None = None
    for event in log.events_of(case.id):
        name, at = type(event).__name__, event.timestamp.isoformat()
        p, version = event.__dict__, event.originator_version
        state = CaseState.opened(name, p, at, version) if state is None else state.apply(
            name, p, at, version)  # fmt: skip
        assert set(vars(state)) == names, name
        assert CaseState(**{n: getattr(state, n) for n in names}) == state
    assert state is not None and state.outcome is not None and state.fallback is not None


def test_an_assessed_event_folds_to_the_state_its_steps_give_one_by_one() -> None:
    # An Assessed event is folded into one state (its steps' changes gathered in one dict)
    # and its score and recommendation records are made without their __init__: the result
    # must be the state the steps give applied one by one, each record equal to the one
    # its constructor makes from the same fields, with every field set.
    from dataclasses import fields

    from events.domain.case_state import RecommendationState, ScoreState
    from events.domain.case_steps import (
        fallback_step,
        flags_step,
        recommendation_step,
        score_step,
        steps_of,
    )  # fmt: skip

    def score(specialist: str, p_bad: float, *, shadow: bool) -> dict[str, Any]:
        return score_step(
            specialist=specialist, model_version=f"{specialist}-1", model_sha256="ab" * 32,
            p_bad=p_bad, attributions={"age": -0.1, "amount": 0.2}, ood=shadow,
            ood_score=0.4, latency_ms=0.1, shadow=shadow, **SYSTEM,
        )  # fmt: skip

    steps = [
        score("gbt", 0.7, shadow=False), score("logreg", 0.6, shadow=True),
        score("mlp", 0.5, shadow=True), fallback_step(reason="an explored case", **SYSTEM),
        flags_step(flags=[{"kind": "injection", "detail": "x"}], **SYSTEM),
        flags_step(flags=[{"kind": "personal_data", "detail": "y"}], **SYSTEM),
        recommendation_step(
            action="decline", source="model", policy_id="credit", policy_version=2,
            expected_costs={"approve": 3.5, "decline": 0.3}, reasons=["expected cost"],
            ood_reasons=["age unusual"], propensities={"decline": 0.9, "approve": 0.1},
            explored=True, **SYSTEM,
        ),
    ]  # fmt: skip
    payload = {
        "domain": "credit", "case_ref": "A1", "input": {"age": 40}, "personal": {},
        "note": None, "decision": {"kind": "classification"}, "actor": "ana",
        "role": "operator", "steps": steps,
    }  # fmt: skip
    at = "2026-12-04T10:00:00+00:00"
    folded = CaseState.opened("Assessed", payload, at, 1)

    one_by_one: CaseState | None = None
    for name, p in steps_of("Assessed", payload):
        one_by_one = (CaseState.opened(name, p, at, 1) if one_by_one is None
                      else one_by_one.apply(name, p, at, 1))  # fmt: skip
    assert folded == one_by_one
    assert set(vars(folded)) == {f.name for f in fields(CaseState)}
    assert len(folded.shadow_scores) == 2 and len(folded.input_flags) == 2
    records = [folded.score, *folded.shadow_scores, folded.recommendation]
    for record in records:
        assert isinstance(record, ScoreState | RecommendationState)
        names = {f.name for f in fields(record)}
        assert set(vars(record)) == names
        assert type(record)(**{n: getattr(record, n) for n in names}) == record


def test_random_histories_read_the_same_everywhere(tmp_path: Path) -> None:
    log = open_signed(str(tmp_path / "store.sqlite"))
    counter = iter(range(10**6))

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(commands)
    def prop(cmds: list[tuple[str, int, float]]) -> None:
        prefix = f"h{next(counter)}"
        views = ReadModels(tmp_path / f"{prefix}.sqlite")
        try:
            for kind, i, p in cmds:
                if kind == "catch_up":
                    views.catch_up(log, batch=7)
                    continue
                with contextlib.suppress(DocketError):  # invalid here: nothing recorded
                    run_command(log, prefix, kind, i, p)
            _agree(log, views)
        finally:
            views.close()

    prop()


def test_read_models_fed_from_saved_cases_equal_a_replay(tmp_path: Path) -> None:
    """Catch-up given the aggregates just saved (all, some, or stale ones: a case changed
    again after the aggregate passed) writes exactly what a replay of the log writes."""
    log = open_signed(str(tmp_path / "store.sqlite"))
    counter = iter(range(10**6))

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(commands)
    def prop(cmds: list[tuple[str, int, float]]) -> None:
        prefix = f"f{next(counter)}"
        views = ReadModels(tmp_path / f"{prefix}.sqlite")
        saved: list[Case] = []
        try:
            for kind, i, p in cmds:
                if kind == "catch_up":
                    views.catch_up(log, batch=7, saved=saved)
                    saved.clear()
                    continue
                with contextlib.suppress(DocketError):
                    case = run_command(log, prefix, kind, i, p)
                    if case is not None and p > 0.25:  # some saved cases are not passed
                        saved.append(case)
            views.catch_up(log, batch=7, saved=saved)
            assert check(log, views) == []
            _agree(log, views)
        finally:
            views.close()

    prop()


def test_saved_cases_are_not_decoded_again(
    store_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """The point of ``saved``: the events of cases this process just saved are not inflated,
    decoded or folded again (only those others wrote are). On both backends."""
    log = open_signed(store_url)
    views = open_readmodels(store_url, tmp_path)
    mine = [new_case(f"S{i}") for i in range(3)]
    log.save(*mine)
    log.save(new_case("OTHER"))  # another writer's case, 3 more events
    decoded: list[bytes] = []
    real = readmodels.read_state
    monkeypatch.setattr(
        readmodels, "read_state", lambda raw, **kw: decoded.append(raw) or real(raw, **kw)
    )
    try:
        assert views.catch_up(log, saved=mine) == log.event_count()
        assert len(decoded) == 3  # OTHER's events (the keys' events are not projected)
        assert check(log, views) == []
    finally:
        views.close()


def test_events_before_a_saved_state_keep_their_own_rows(store_url: str, tmp_path: Path) -> None:
    """A case decided, then given an outcome, before the read models catch up: the state
    saved last covers both events, but the decision's row needs the state after the
    decision (folded from the log), not the last one. On both backends."""
    log = open_signed(store_url)
    views = open_readmodels(store_url, tmp_path)
    case = new_case("D1", p_bad=0.05)
    log.save(case)
    views.catch_up(log)
    accepted = log.update(case.id, lambda c: c.accept(actor="ana", role="operator"))
    done = log.update(case.id, lambda c: c.record_outcome(
        outcome="good", observed_at=datetime.now(UTC), source="ledger", **SYSTEM,
    ))  # fmt: skip
    try:
        views.catch_up(log, saved=[accepted, done])
        assert check(log, views) == []
        assert [r["kind"] for r in views.rows("SELECT kind FROM decisions")] == ["accepted"]
        assert views.rows("SELECT outcome FROM outcomes") == [{"outcome": "good"}]
    finally:
        views.close()


def test_a_case_with_unsaved_events_is_not_taken_as_saved(store_url: str, tmp_path: Path) -> None:
    log = open_signed(store_url)
    views = open_readmodels(store_url, tmp_path)
    case = new_case("U1")
    log.save(case)
    case.accept(actor="ana", role="operator")  # recorded on the aggregate, never saved
    views.catch_up(log, saved=[case])
    try:
        assert views.rows("SELECT status, version FROM cases") == [{"status": "open", "version": 3}]
        assert check(log, views) == []
    finally:
        views.close()


def test_states_carried_between_batches_are_bounded(tmp_path: Path, monkeypatch: Any) -> None:
    """A catch-up carries at most CARRIED_STATES case states from batch to batch; a case
    dropped from them is folded again from the log, and the rows stay those of a replay."""
    log = open_signed(str(tmp_path / "store.sqlite"))
    cases = [new_case(f"B{i}") for i in range(4)]
    log.save(*cases)
    for case in cases:
        log.update(case.id, lambda c: c.accept(actor="ana", role="operator"))
    loads: list[str] = []
    real = readmodels.case_state

    def counted(log: DecisionLog, case_id: str, version: int) -> CaseState:
        loads.append(case_id)
        return real(log, case_id, version)

    monkeypatch.setattr(readmodels, "case_state", counted)
    for carried, expected in ((100, 0), (1, 3)):
        monkeypatch.setattr(readmodels, "CARRIED_STATES", carried)
        loads.clear()
        views = ReadModels(tmp_path / f"views{carried}.sqlite")
        try:
            views.catch_up(log, batch=4)  # the keys' events, then the cases, then decisions
            assert check(log, views) == []
        finally:
            views.close()
        assert len(loads) == expected, (carried, loads)
