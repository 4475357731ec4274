"""The case rule of verify (events.case_rule): an insider holding a valid key writes, in their
own name and signed with their own key, a decision that contradicts its case. Each attack is
written the way such an insider would: the case read from the store, the event triggered on
it without the aggregate's command checks, saved through the store's append API (so signed
by the insider's enrolled key). Before the rule, verify passed every one of them (both
backends)."""

from __future__ import annotations

from typing import Any

import pytest

from events.app import DecisionLog
from events.chain import verify
from events.domain import Case
from events.domain.case_steps import recommendation_step, score_step
from events.store import open_log
from tests.events.helpers import DECISION, SYSTEM, key_of, new_case, open_signed

SYS: dict[str, Any] = dict(SYSTEM)

ANA: dict[str, Any] = {"actor": "ana", "role": "operator"}
BOB: dict[str, Any] = {"actor": "bob", "role": "operator"}
SAM: dict[str, Any] = {"actor": "sam", "role": "senior"}
#: A "how much" pack's declaration (a quantity pack records one like it on each case).
ORDERS: dict[str, Any] = {
    "kind": "quantity",
    "order_action": "order",
    "escalate_action": "escalate",
    "deciding_roles": ["operator", "senior"],
}


def written_by(url: str, person: str, case_id: Any, event: str, **fields: Any) -> None:
    """``person`` appends ``event`` to the case with their own enrolled key, skipping the
    aggregate's rules: what an insider holding the key and Docket's code can do."""
    log = open_log(url)
    log.signer = key_of(person)
    found: Any = log.repository.get(case_id)
    found.trigger_event(getattr(found, event), **fields)
    log.save(found)


def seeded(url: str) -> tuple[DecisionLog, list[Case]]:
    """Four credit cases recommended 'decline' (p_bad 0.3); S0 accepted, S1 escalated by ana."""
    log = open_signed(url)
    cases = [new_case(f"S{i}") for i in range(4)]
    cases[0].accept(**ANA)
    cases[1].escalate(reason_text="unsure", **ANA)
    log.save(*cases)
    assert verify(log).ok
    return log, cases


#: What the credit pack declares: a declined loan shows no repayment (the application passes
#: the installed packs' declarations to verify).
SILENT: dict[str, Any] = {"credit": ["decline"]}


def failed(log: DecisionLog, *words: str) -> str:
    """verify's reason, after checking it names the last event (the insider's)."""
    report = verify(log, silent_actions=SILENT)
    assert not report.ok, "verify passed a well-signed lie"
    assert report.first_bad_position == log.event_count(), report.reason
    for word in words:
        assert word in report.reason, report.reason
    return report.reason


def test_an_accept_naming_another_action_than_recommended_is_named(store_url: str) -> None:
    # eve (an operator) records that she accepted the recommendation on S2, naming 'approve':
    # the queue and the read models show an accepted approval, where the policy said decline.
    log, cases = seeded(store_url)
    written_by(store_url, "eve", cases[2].id, "Accepted", action="approve", quantity=None,
               actor="eve", role="operator")  # fmt: skip
    failed(log, "case credit/S2", "Accepted", "accepts 'approve'",
           "the case's recommended action is 'decline'")  # fmt: skip


@pytest.mark.parametrize("event", ["Overridden", "SignedOff"])
def test_a_decision_misstating_the_recommendation_is_named(store_url: str, event: str) -> None:
    # The override (or the senior's other action) says the policy recommended 'escalate', so
    # approving looks like a judgement call on an unsure case; the assessment said decline.
    log, cases = seeded(store_url)
    case, person = (cases[2], "eve") if event == "Overridden" else (cases[1], "sam")
    fields: dict[str, Any] = {"agreed": False} if event == "SignedOff" else {}
    written_by(store_url, person, case.id, event, action="approve", recommended="escalate",
               reason_code="other", reason_text="looked fine", quantity=None, actor=person,
               role="operator" if person == "eve" else "senior", **fields)  # fmt: skip
    failed(log, f"case credit/{case.case_ref}", event,
           "says the recommendation was 'escalate', but the case's assessment recommended "
           "'decline'")  # fmt: skip


def test_a_sign_off_agreeing_with_the_recommendation_but_taking_another_action_is_named(
    store_url: str,
) -> None:
    # sam signs off S1 'agreed' (so it counts as following the policy, not as a disagreement)
    # while approving what the policy declined.
    log, cases = seeded(store_url)
    written_by(store_url, "sam", cases[1].id, "SignedOff", action="approve",
               recommended="decline", agreed=True, reason_code="other", reason_text="fine",
               quantity=None, **SAM)  # fmt: skip
    failed(
        log,
        "case credit/S1",
        "SignedOff",
        "says the senior agreed with the recommendation ('decline') but took 'approve'",
    )


def test_an_escalated_case_closed_by_an_operator_is_named(store_url: str) -> None:
    # ana escalated S1 to a senior; eve, an operator, closes it herself with her own key.
    log, cases = seeded(store_url)
    written_by(store_url, "eve", cases[1].id, "SignedOff", action="decline",
               recommended="decline", agreed=True, reason_code=None, reason_text="",
               quantity=None, actor="eve", role="operator")  # fmt: skip
    failed(
        log,
        "case credit/S1",
        "SignedOff",
        "closes an escalated case as 'operator' (eve): only its senior role (senior)",
    )


def test_a_decision_in_a_role_the_case_does_not_let_decide_is_named(store_url: str) -> None:
    # bob holds risk_owner too: he declines S2 as risk owner, a role credit never lets decide.
    log, cases = seeded(store_url)
    written_by(store_url, "bob", cases[2].id, "Accepted", action="decline", quantity=None,
               actor="bob", role="risk_owner")  # fmt: skip
    failed(log, "case credit/S2", "Accepted", "as 'risk_owner', a role this case does not let "
           "decide (it allows operator, senior)")  # fmt: skip


def test_a_decision_on_a_quarantined_record_is_named(store_url: str) -> None:
    # Rejected input is kept as a quarantined record; it never became a case. eve decides it
    # anyway: the decision would show in the quarantine's audit and in the decision counts.
    log, _ = seeded(store_url)
    record = Case.quarantine(domain="credit", case_ref="Q1", raw={"age": "forty"},
                             problems=[{"field": "age", "problem": "must be a number"}],
                             **SYS)  # fmt: skip
    log.save(record)
    assert verify(log).ok
    written_by(store_url, "eve", record.id, "Accepted", action="approve", quantity=None,
               actor="eve", role="operator")  # fmt: skip
    failed(log, "case credit/Q1", "Accepted", "decides a quarantined record")


def test_a_second_recommendation_written_to_agree_with_a_decision_is_named(
    store_url: str,
) -> None:
    # eve writes a new recommendation of 'approve' on S2 in the orchestrator's name (a
    # component without a key of its own is vouched for by its signer), then accepts it.
    log, cases = seeded(store_url)
    written_by(store_url, "eve", cases[2].id, "Recommended", action="approve", source="model",
               policy_id="credit", policy_version=1, expected_costs={"approve": 0.1,
               "decline": 0.9}, reasons=["mine"], ood_reasons=[], propensities={"approve": 1.0},
               explored=False, propensity_source="logged", quantity=None, quantiles={},
               baseline_quantity=None, **SYS)  # fmt: skip
    written_by(store_url, "eve", cases[2].id, "Accepted", action="approve", quantity=None,
               actor="eve", role="operator")  # fmt: skip
    failed(log, "case credit/S2", "Accepted", "follows a second recommendation ('approve')")


def test_an_accept_of_another_order_than_recommended_is_named(store_url: str) -> None:
    # A "how much" case: accepting means ordering the recommended quantity.
    log = open_signed(store_url)
    case = _order_case("O1", 40)
    log.save(case)
    written_by(store_url, "bob", case.id, "Accepted", action="order", quantity=400, **BOB)
    failed(log, "case stock/O1", "accepts 'order' (order 400)",
           "the case's recommended action is 'order' (order 40)")  # fmt: skip


def _order_case(ref: str, quantity: int) -> Case:
    """An opened "how much" case, assessed in one Assessed event as a bulk ingest records it,
    recommending an order of ``quantity``."""
    steps = [
        score_step(specialist="q", model_version="m1", model_sha256="ab" * 32, p_bad=0.1,
                   attributions={}, ood=False, ood_score=None, latency_ms=0.1, **SYS),
        recommendation_step(action="order", source="model", policy_id="stock", policy_version=1,
                            expected_costs={"order": 3.0, "escalate": 3.0}, reasons=["cost"],
                            quantity=quantity, **SYS),
    ]  # fmt: skip
    return Case.open(domain="stock", case_ref=ref, input={"week": 3}, decision=dict(ORDERS),
                     steps=steps, **SYS)  # fmt: skip


def test_a_busy_store_decided_every_way_verifies_clean(store_url: str) -> None:
    # Every legitimate way to decide, by several people, over both the separate events and
    # the Assessed event of a bulk ingest, with outcomes and quarantined records: no alarm.
    log = open_signed(store_url)
    people = {name: open_log(store_url) for name in ("ana", "bob", "sam", "eve")}
    for name, person_log in people.items():
        person_log.signer = key_of(name)
    cases = [new_case(f"B{i}", p_bad=0.05 if i % 3 == 0 else 0.4) for i in range(24)]
    log.save(*cases)
    for i, case in enumerate(cases):
        who: dict[str, Any] = {"actor": "eve" if i % 2 else "bob", "role": "operator"}
        kind = i % 4
        if kind == 0:
            case.accept(**who)
        elif kind == 1:
            other = "approve" if case.recommendation == "decline" else "decline"
            case.override(action=other, reason_code="other", reason_text="knows more", **who)
        else:
            case.escalate(reason_text="unsure", **who)
        people[who["actor"]].save(case)
        if kind == 2:
            case.accept(**SAM)  # the senior agrees
            people["sam"].save(case)
        elif kind == 3:
            other = "approve" if case.recommendation == "decline" else "decline"
            case.override(action=other, reason_code="other", reason_text="no", **SAM)
            people["sam"].save(case)
        if i % 5 == 0:
            case.record_outcome(outcome="good", observed_at="2031-01-01T00:00:00+00:00",
                                source="ledger", **who)  # fmt: skip
            people[who["actor"]].save(case)
    # An escalation recommended: accepting it escalates; a senior then decides.
    unsure = Case.open(domain="credit", case_ref="B-unsure", input={"age": 30},
                       decision=dict(DECISION), **SYS)  # fmt: skip
    unsure.recommend(action="escalate", source="model", policy_id="credit", policy_version=1,
                     expected_costs={"approve": 1.0, "decline": 1.0, "escalate": 0.9},
                     reasons=["in the band"], **SYS)  # fmt: skip
    log.save(unsure)
    unsure.accept(**ANA)
    log.save(unsure)
    unsure.override(action="approve", reason_code="other", reason_text="fine", **SAM)
    people["sam"].save(unsure)
    # "How much" cases, opened assessed in one event as a bulk ingest records them.
    orders = [_order_case(f"O{i}", 10 + i) for i in range(4)]
    log.save(*orders)
    orders[0].accept(**BOB)
    orders[1].override(action="order", quantity=99, reason_code="other", reason_text="promo",
                       **BOB)  # fmt: skip
    orders[2].escalate(reason_text="odd week", **BOB)
    people["bob"].save(*orders[:3])
    orders[2].accept(**SAM)  # the senior orders the recommended 12
    orders[3].escalate(reason_text="odd week", **BOB)
    people["bob"].save(orders[3])
    orders[3].override(action="order", quantity=30, reason_code="other", reason_text="more",
                       **SAM)  # fmt: skip
    people["sam"].save(orders[2], orders[3])
    missing = [{"field": "age", "problem": "missing"}]
    log.save(Case.quarantine(domain="credit", case_ref="Q9", raw={"age": None},
                             problems=missing, **SYS))  # fmt: skip
    report = verify(log, page=7)  # small pages: decisions and their cases in other pages
    assert report.ok, report.reason
    assert report.checked == log.event_count()


def test_a_decision_whose_case_cannot_be_read_is_named_not_passed(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A case compressed with a pack's words this Docket does not know (the pack is not
    # installed): its decision cannot be checked, so verify says so instead of passing it.
    from events import case_rule
    from events.compression import UnreadableState

    log, _ = seeded(store_url)

    def unreadable(raw: bytes, *, step_authors: bool = True) -> Any:
        if raw[:1] != b"{" and len(raw) > 200:  # the cases' opening events, not decisions
            raise UnreadableState("the event was compressed with dictionary 0badc0de")
        return original(raw, step_authors=step_authors)

    original = case_rule.read_state
    monkeypatch.setattr(case_rule, "read_state", unreadable)
    report = verify(log)
    assert not report.ok
    assert "case " in report.reason and "cannot be checked against the case" in report.reason
    assert "0badc0de" in report.reason


def outcome(source: str, person: str = "eve") -> dict[str, Any]:
    return {"outcome": "good", "observed_at": "2031-01-01T00:00:00+00:00", "source": source,
            "value": None, "actor": person, "role": "operator"}


def test_an_outcome_after_a_decision_that_reveals_none_is_named(store_url: str) -> None:
    # S0 was declined (ana accepted the recommended decline): nobody can see whether the
    # applicant would have repaid. eve records 'good' anyway, from the bank's own books, so
    # the declined applicant looks like a good payer to quality and retraining.
    log, cases = seeded(store_url)
    cases[2].accept(**ANA)  # declined too; a bureau later reports its outcome
    log.save(cases[2])
    written_by(store_url, "eve", cases[2].id, "OutcomeRecorded", **outcome("outside:bureau"))
    assert verify(log, silent_actions=SILENT).ok  # an outside source may report one
    written_by(store_url, "eve", cases[0].id, "OutcomeRecorded", **outcome("bank"))
    failed(log, "case credit/S0", "OutcomeRecorded", "follows the decision 'decline', which "
           "reveals no outcome", "only an outside source ('outside:NAME')")  # fmt: skip


def test_an_outcome_on_a_quarantined_record_is_named(store_url: str) -> None:
    # An outside source may report an undecided case's outcome, but a quarantined record is
    # no case: the outcome would count in quality figures and the quarantine's audit.
    log, _ = seeded(store_url)
    record = Case.quarantine(domain="credit", case_ref="Q1", raw={"age": "forty"},
                             problems=[{"field": "age", "problem": "must be a number"}],
                             **SYS)  # fmt: skip
    log.save(record)
    written_by(store_url, "eve", record.id, "OutcomeRecorded", **outcome("outside:bureau"))
    failed(log, "case credit/Q1", "OutcomeRecorded", "outcome on a quarantined record")
