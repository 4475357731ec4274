"""The aggregates' rules, without a store: validation, authorisation, decision stages."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from events.domain import Alert, Case, EvalRun, ModelVersion, Policy
from events.errors import (
    AlreadyDecided,
    AwaitingSenior,
    ConflictError,
    InputRejected,
    NotAuthorised,
)
from tests.events.helpers import DECISION, MANAGERS, SYSTEM, explanation, new_case

ANA = {"actor": "ana", "role": "operator"}
BOB = {"actor": "bob", "role": "operator"}
SAM = {"actor": "sam", "role": "senior"}


def test_ids_are_deterministic() -> None:
    assert Case.id_for("credit", "A1") == new_case("A1").id
    assert Case.id_for("credit", "A1") != Case.id_for("credit", "A2")
    assert Policy.id_for("credit") != Policy.id_for("housing")
    assert ModelVersion.id_for("credit", "1") == ModelVersion.id_for("credit", "1")


def test_operator_decides_once() -> None:
    case = new_case("A1")
    case.accept(**ANA)
    assert case.status == "decided"
    with pytest.raises(AlreadyDecided, match=r"already decided by ana at \d{4}-"):
        case.override(action="approve", reason_code="other", reason_text="x", **BOB)
    with pytest.raises(AlreadyDecided):
        case.accept(**SAM)  # a decided case is final even for a senior


def test_escalated_case_is_decided_finally_by_a_senior_only() -> None:
    case = new_case("A1")
    case.escalate(reason_text="unsure", **ANA)
    assert case.status == "escalated"
    with pytest.raises(AwaitingSenior, match="escalated by ana at .* waiting for a senior"):
        case.accept(**BOB)
    with pytest.raises(AwaitingSenior):
        case.escalate(reason_text="again", **SAM)
    case.override(action="approve", reason_code="customer_relationship", reason_text="known", **SAM)
    assert case.status == "decided"
    # The senior's decision is a sign-off, not an override.
    assert type(case.pending_events[-1]).__name__ == "SignedOff"
    assert case.pending_events[-1].agreed is False  # type: ignore[attr-defined]
    with pytest.raises(AlreadyDecided, match="already decided by sam"):
        case.accept(**SAM)


def test_an_escalated_case_waits_for_the_packs_own_senior_role_by_name() -> None:
    """A pack whose escalations go to its ``duty_manager`` (or ``endocrinologist``) says so,
    not "a senior reviewer"."""
    for senior, said in (("duty_manager", "a duty manager"),
                         ("endocrinologist", "an endocrinologist")):
        case = new_case("A1", decision={**DECISION, "deciding_roles": ["operator", senior]})
        case.escalate(reason_text="unsure", **ANA)
        with pytest.raises(AwaitingSenior, match=f"escalated by ana at .* waiting for {said}$"):
            case.accept(**BOB)


def test_only_deciding_roles_decide() -> None:
    with pytest.raises(NotAuthorised):
        new_case("A1").accept(actor="eve", role="auditor")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        # The log checks a code's form only: which codes exist is the pack's word.
        ({"reason_code": "Because!", "reason_text": "x"}, "reason_code"),
        ({"reason_code": "", "reason_text": "x"}, "reason_code"),
        ({"reason_code": "other", "reason_text": "  "}, "reason_text"),
        ({"reason_code": "other", "reason_text": "x", "action": "decline"}, "action"),
        ({"reason_code": "other", "reason_text": "x", "action": "lend"}, "action"),
    ],
)
def test_override_needs_valid_reason_and_action(kwargs: dict[str, str], field: str) -> None:
    case = new_case("A1")  # recommendation: decline
    args = {"action": "approve", **kwargs}
    with pytest.raises(InputRejected) as err:
        case.override(**args, **ANA)
    assert [p.field for p in err.value.problems] == [field]
    assert case.status == "open"  # nothing happened


@pytest.mark.parametrize("p_bad", [math.nan, math.inf, -0.1, 1.5])
def test_scores_must_be_finite_probabilities(p_bad: float) -> None:
    case = Case.open(domain="credit", case_ref="A1", decision=DECISION, input={}, **SYSTEM)
    with pytest.raises(InputRejected, match="p_bad"):
        case.record_score(
            specialist="s",
            model_version="m",
            model_sha256="",
            p_bad=p_bad,
            attributions={},
            ood=False,
            ood_score=None,
            latency_ms=1,
            **SYSTEM,
        )


def test_payloads_must_be_plain_json() -> None:
    with pytest.raises(InputRejected, match="input.when"):
        Case.open(
            domain="credit",
            case_ref="A1",
            decision=DECISION,
            input={"when": datetime.now(UTC)},
            **SYSTEM,
        )
    with pytest.raises(InputRejected, match="finite"):
        Case.open(
            domain="credit",
            case_ref="A1",
            decision=DECISION,
            input={"x": [1.0, math.nan]},
            **SYSTEM,
        )


def test_every_event_names_its_actor() -> None:
    with pytest.raises(InputRejected, match="actor"):
        Case.open(
            domain="credit", case_ref="A1", decision=DECISION, input={}, actor=" ", role="system"
        )
    with pytest.raises(InputRejected, match="role"):
        Case.open(
            domain="credit", case_ref="A1", decision=DECISION, input={}, actor="x", role="Boss!"
        )


def test_outcome_values_and_once_only() -> None:
    case = new_case("A1")
    with pytest.raises(InputRejected, match="outcome"):
        case.record_outcome(outcome="meh", observed_at=datetime.now(UTC), source="ledger", **SYSTEM)
    with pytest.raises(InputRejected, match="observed_at"):
        case.record_outcome(outcome="bad", observed_at="2024-01-01T00:00:00", source="l", **SYSTEM)
    case.record_outcome(outcome="bad", observed_at=datetime.now(UTC), source="ledger", **SYSTEM)
    with pytest.raises(ConflictError):
        case.record_outcome(outcome="good", observed_at=datetime.now(UTC), source="l", **SYSTEM)


def test_quarantine_keeps_raw_input_and_goes_no_further() -> None:
    raw = {"age": "old", "amount": None, "odd": {1, 2}}
    q = Case.quarantine(
        domain="credit",
        case_ref=None,
        raw=raw,
        problems=[{"field": "age", "problem": "not a number"}],
        **SYSTEM,
    )
    assert q.status == "quarantined"
    assert q.id == Case.quarantine_id_for("credit", q.pending_events[0].raw)  # type: ignore[attr-defined]
    with pytest.raises(ConflictError):
        q.accept(**ANA)


def test_policy_changes_only_by_owner_with_justification() -> None:
    policy = Policy.create(
        domain="credit", spec={"threshold": 0.17}, owner_role="risk_owner", **SYSTEM
    )
    with pytest.raises(NotAuthorised, match="risk_owner"):
        policy.propose(changes={"threshold": 0.2}, justification="why not", **ANA)
    with pytest.raises(InputRejected, match="justification"):
        policy.propose(
            changes={"threshold": 0.2}, justification=" ", actor="rita", role="risk_owner"
        )
    number = policy.propose(
        changes={"threshold": 0.2}, justification="loss data Q3", actor="rita", role="risk_owner"
    )
    assert (policy.policy_version, policy.spec) == (1, {"threshold": 0.17})  # not yet
    policy.approve(proposal=number, actor="rob", role="risk_owner")
    assert policy.policy_version == 2
    assert policy.spec == {"threshold": 0.2}


def test_a_policy_change_needs_two_people() -> None:
    policy = Policy.create(domain="credit", spec={"t": 0.17}, owner_role="risk_owner", **SYSTEM)
    rita, rob = ({"actor": n, "role": "risk_owner"} for n in ("rita", "rob"))
    number = policy.propose(changes={"t": 0.3}, justification="losses", **rita)
    with pytest.raises(NotAuthorised, match="four eyes: rita proposed change #1"):
        policy.approve(proposal=number, **rita)
    with pytest.raises(NotAuthorised, match="only the policy owner"):
        policy.approve(proposal=number, **ANA)
    stale = policy.propose(changes={"t": 0.1}, justification="other idea", **rob)
    policy.approve(proposal=number, **rob)
    assert policy.spec == {"t": 0.3} and policy.pending.keys() == {str(stale)}
    with pytest.raises(ConflictError, match="propose again"):
        policy.approve(proposal=stale, **rita)  # it would silently undo rita's change
    policy.reject(proposal=stale, note="superseded", **rob)  # withdrawn by its proposer
    assert policy.pending == {} and policy.policy_version == 2


def test_model_version_needs_card_fingerprint_and_metrics() -> None:
    with pytest.raises(InputRejected) as err:
        ModelVersion.register(
            managers=MANAGERS, domain="credit", version="1", card={}, actor="e", role="engineer"
        )
    assert {p.field for p in err.value.problems} == {"card.data_fingerprint", "card.metrics"}
    m = ModelVersion.register(
        managers=MANAGERS,
        domain="credit",
        version="1",
        card={"data_fingerprint": "f", "metrics": {"auc": 0.8}},
        actor="e",
        role="engineer",
    )
    m.promote(evidence={"suite": "gate", "passed": True}, actor="e", role="engineer")
    assert m.status == "champion"
    m.retire(reason="old", actor="e", role="engineer")
    with pytest.raises(ConflictError):
        m.promote(evidence={"x": 1}, actor="e", role="engineer")
    with pytest.raises(NotAuthorised):
        ModelVersion.register(managers=MANAGERS, domain="credit", version="2", card={}, **ANA)


def test_eval_runs_and_alerts() -> None:
    run = EvalRun.record(
        suite="gate", results={"auc": 0.8}, passed=True, model_versions=["1"], **SYSTEM
    )
    assert run.passed
    alert = Alert.raise_(kind="drift", severity="warning", details={"psi": 0.3}, **SYSTEM)
    alert.acknowledge(note="looking", actor="e", role="engineer")
    assert alert.acknowledged
    with pytest.raises(InputRejected, match="severity"):
        Alert.raise_(kind="drift", severity="panic", details={}, **SYSTEM)


def test_explanation_is_recorded_with_verdicts() -> None:
    case = new_case("A1")
    case.record_explanation(**explanation())
    case.record_input_flags(flags=[{"kind": "injection", "detail": "ignore previous"}], **SYSTEM)
    with pytest.raises(InputRejected, match="flags"):
        case.record_input_flags(flags=[{"detail": "no kind"}], **SYSTEM)


# A decision declared by another pack: escalation is "review", outcomes are "No"/"Yes",
# cases are decided by a "clerk" and, once sent up, by a "supervisor".
OTHER = {
    "kind": "classification",
    "actions": ["keep", "cancel", "review"],
    "escalate_action": "review",
    "outcomes": ["No", "Yes"],
    "deciding_roles": ["clerk", "supervisor"],
}
CLERK = {"actor": "cleo", "role": "clerk"}
SUPERVISOR = {"actor": "sue", "role": "supervisor"}


def other_case(recommendation: str) -> Case:
    case = Case.open(domain="churn", case_ref="C1", input={}, decision=OTHER, **SYSTEM)
    case.recommend(action=recommendation, source="model", policy_id="churn", policy_version=1,
                   expected_costs={"keep": 0.4, "cancel": 0.5, "review": 0.45},
                   reasons=["expected cost"], **SYSTEM)  # fmt: skip
    return case


def test_accepting_the_packs_escalation_sends_the_case_to_its_senior() -> None:
    case = other_case("review")
    case.accept(**CLERK)
    assert case.status == "escalated"  # not closed as "accepted"
    with pytest.raises(AwaitingSenior):
        case.accept(**CLERK)
    with pytest.raises(NotAuthorised):
        case.override(action="keep", reason_code="other", reason_text="x", **SAM)  # credit's
    case.override(action="keep", reason_code="other", reason_text="loyal", **SUPERVISOR)
    assert case.status == "decided"


def test_the_packs_escalation_action_is_escalation_not_an_override() -> None:
    case = other_case("keep")
    with pytest.raises(InputRejected, match="senior reviewer"):
        case.override(action="review", reason_code="other", reason_text="x", **CLERK)
    with pytest.raises(NotAuthorised):
        case.accept(**ANA)  # credit's operator role decides nothing here


def test_outcomes_are_the_packs_labels_as_declared() -> None:
    case = other_case("keep")
    case.accept(**CLERK)
    for wrong in ("bad", "yes"):
        with pytest.raises(InputRejected, match="must be one of No, Yes"):
            case.record_outcome(outcome=wrong, observed_at=datetime.now(UTC), source="l",
                                **SYSTEM)  # fmt: skip
    case.record_outcome(outcome="Yes", observed_at=datetime.now(UTC), source="crm", **SYSTEM)
    assert case.outcome == "Yes"


def test_a_case_needs_a_declared_decision() -> None:
    with pytest.raises(InputRejected, match="escalate_action"):
        Case.open(
            domain="x",
            case_ref="A1",
            input={},
            decision={"kind": "classification", "deciding_roles": ["a", "b"]},
            **SYSTEM,
        )


def test_whoever_escalated_cannot_close_the_case_as_senior() -> None:
    case = new_case("A1")
    case.escalate(reason_text="unsure", actor="sam", role="senior")
    with pytest.raises(NotAuthorised, match="sam escalated this case"):
        case.override(action="approve", reason_code="other", reason_text="x", **SAM)
    assert case.status == "escalated"
    sue = {"actor": "sue", "role": "senior"}
    case.override(action="approve", reason_code="other", reason_text="x", **sue)
    assert case.status == "decided"


def test_validated_command_fields_are_what_model_dump_gives() -> None:
    # Case commands put fields_of(args) in their events instead of model_dump().
    from events.domain.case_rules import RecommendArgs, ScoreArgs
    from events.domain.common import fields_of

    attributions = {"age": 1, "amount": -0.5}
    score = ScoreArgs(specialist="gbt", model_version="m", model_sha256="x", p_bad=0,
                      attributions=attributions, ood=False, ood_score=None, latency_ms=1,
                      shadow=False)  # fmt: skip
    recommend = RecommendArgs(action="approve", source="model", policy_id="p", policy_version=1,
                              expected_costs={"approve": 1}, reasons=["r"], ood_reasons=[],
                              propensities={"approve": 1}, explored=False)  # fmt: skip
    for args in (score, recommend):
        got = fields_of(args)
        assert got == args.model_dump()
        assert [type(v) for v in got.values()] == [type(v) for v in args.model_dump().values()]
    assert fields_of(score)["attributions"] is not attributions  # the event's own copy
    assert type(fields_of(score)["p_bad"]) is float
