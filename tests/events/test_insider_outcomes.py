"""Outcomes and times an insider writes around the service, each with their own valid key:
an outcome label the case's pack never declared, a "how much" case's realised quantity that is
no number (or is negative), an outcome observed before the decision it follows, and case events
stamped before the case was opened or before the decision they follow. The service refuses each
(:mod:`events.domain.case_outcomes`; it stamps every event when it records it); before these
checks, verify passed every one of them (both backends)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.app import DecisionLog
from events.chain import verify
from events.compression import read_state
from events.domain import Case
from events.store import open_log
from tests.events.helpers import key_of, new_case, open_signed
from tests.events.test_case_rule import ANA, BOB, SAM, _order_case, failed, seeded, written_by

BUREAU: dict[str, Any] = {"source": "outside:bureau", "value": None}
#: Well after any decision these tests make.
LATER = "2031-01-01T00:00:00+00:00"


def as_person(url: str, person: str) -> DecisionLog:
    """The store as ``person`` opens it, acting with their own key."""
    log = open_log(url)
    log.signer = key_of(person)
    return log


def _outcome(url: str, person: str, case_id: Any, **fields: Any) -> None:
    role = "senior" if person == "sam" else "operator"
    written_by(url, person, case_id, "OutcomeRecorded", actor=person, role=role, **fields)


def test_an_outcome_label_the_pack_does_not_declare_is_named(store_url: str) -> None:
    # eve records 'excellent' on S0 (credit's outcomes are good and bad), from an outside
    # source so that no other rule is in the way: quality and retraining would read it.
    log, cases = seeded(store_url)
    _outcome(store_url, "eve", cases[0].id, outcome="excellent", observed_at=LATER, **BUREAU)
    failed(log, "case credit/S0", "OutcomeRecorded", "'excellent'",
           "which the case's pack does not declare (its outcomes are good, bad)")  # fmt: skip


def test_a_label_outcome_carrying_a_number_is_named(store_url: str) -> None:
    # A number on a yes/no case's outcome passed as a quantity's realised value, which may be
    # recorded before the decision: eve labels the undecided S2 'bad' from no outside source.
    log, cases = seeded(store_url)
    _outcome(store_url, "eve", cases[2].id, outcome="bad", observed_at=LATER,
             source="manual", value=1.0)  # fmt: skip
    failed(log, "case credit/S2", "records the outcome 'bad' with the number 1.0",
           "a yes/no case's outcome is a label")  # fmt: skip


@pytest.mark.parametrize(
    ("outcome", "value", "words"),
    [
        ("plenty", None, "records None as the realised quantity"),
        ("nan", float("nan"), "must be a number"),
        ("-5", -5.0, "records -5 as the realised quantity: it must not be negative"),
        ("500", 5.0, "records the outcome '500' beside the realised quantity 5"),
    ],
)
def test_a_realised_quantity_the_service_refuses_is_named(
    store_url: str, outcome: str, value: float | None, words: str
) -> None:
    # bob records the realised demand of a "how much" case he decided: no number, NaN, a
    # negative one, or a text that says another number than the one monitoring reads.
    log = open_signed(store_url)
    order = _order_case("O1", 40)
    log.save(order)
    order.accept(**BOB)
    as_person(store_url, "bob").save(order)
    assert verify(log).ok
    _outcome(store_url, "bob", order.id, outcome=outcome, value=value, observed_at=LATER,
             source="manual")  # fmt: skip
    failed(log, "case stock/O1", "OutcomeRecorded", words)


def test_an_outcome_observed_before_its_decision_is_named(store_url: str) -> None:
    # S0 was accepted now; eve's bureau report says the loan went bad a year before it.
    log, cases = seeded(store_url)
    early = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    _outcome(store_url, "eve", cases[0].id, outcome="bad", observed_at=early, **BUREAU)
    failed(log, "case credit/S0", f"says it was observed at {early}",
           "before the case's Accepted event it follows",
           "an outcome cannot be observed before the decision")  # fmt: skip


def test_an_outcome_observed_at_no_time_is_named(store_url: str) -> None:
    log, cases = seeded(store_url)
    _outcome(store_url, "eve", cases[0].id, outcome="bad", observed_at="last spring", **BUREAU)
    failed(log, "case credit/S0", "'last spring', which is not an ISO-8601 time")


def test_an_outcome_from_no_source_is_named(store_url: str) -> None:
    # A0 was approved, so its repayment shows; an outcome from no source at all is neither
    # the bank's nor a bureau's.
    log = open_signed(store_url)
    case = new_case("A0", p_bad=0.1)
    case.accept(**ANA)
    log.save(case)
    _outcome(store_url, "eve", case.id, outcome="bad", observed_at=LATER, source="",
             value=None)  # fmt: skip
    failed(log, "case credit/A0", "names '' as its source")


def _between(first: str, then: str) -> datetime:
    """A time strictly between two events' times (ISO text), which the test spaced apart."""
    a, b = datetime.fromisoformat(first), datetime.fromisoformat(then)
    middle = a + (b - a) / 2
    assert a < middle < b
    return middle


def test_an_outcome_stamped_before_its_decision_is_named(store_url: str) -> None:
    # The outcome's own recording time put between S0's opening and its acceptance (its
    # observed time is later): the audit would show the outcome known before anyone decided.
    log = open_signed(store_url)
    case = new_case("S0")
    log.save(case)
    time.sleep(0.01)
    case.accept(**ANA)
    log.save(case)
    stamped = _between(case.state.opened_at, case.state.last_decision.at)  # type: ignore[union-attr]
    written_by(store_url, "eve", case.id, "OutcomeRecorded", outcome="bad", observed_at=LATER,
               timestamp=stamped, actor="eve", role="operator", **BUREAU)  # fmt: skip
    failed(log, "case credit/S0", "OutcomeRecorded", f"is timed {stamped.isoformat()}",
           "before the case's Accepted event it follows")  # fmt: skip


def test_a_decision_stamped_before_the_case_was_opened_is_named(store_url: str) -> None:
    # eve accepts S2's recommendation, dated a day before the case existed.
    log, cases = seeded(store_url)
    stamped = datetime.now(UTC) - timedelta(days=1)
    written_by(store_url, "eve", cases[2].id, "Accepted", action="decline", quantity=None,
               timestamp=stamped, actor="eve", role="operator")  # fmt: skip
    failed(log, "case credit/S2", "Accepted", f"is timed {stamped.isoformat()}",
           "before the case was opened")  # fmt: skip


def test_a_sign_off_stamped_before_the_escalation_it_closes_is_named(store_url: str) -> None:
    # S1 was escalated by ana; sam's sign-off is dated between the case's opening and its
    # escalation, as if he had decided before anyone asked him.
    log = open_signed(store_url)
    case = new_case("S1")
    log.save(case)
    time.sleep(0.01)
    case.escalate(reason_text="unsure", **ANA)
    log.save(case)
    stamped = _between(case.state.opened_at, case.state.last_decision.at)  # type: ignore[union-attr]
    written_by(store_url, "sam", case.id, "SignedOff", action="decline", recommended="decline",
               agreed=True, reason_code=None, reason_text="", quantity=None, timestamp=stamped,
               **SAM)  # fmt: skip
    failed(log, "case credit/S1", "SignedOff", f"is timed {stamped.isoformat()}",
           "before the case's Escalated event it follows")  # fmt: skip


def test_outcomes_the_service_records_verify_clean(store_url: str) -> None:
    # The same shapes recorded through the case's own commands: a label from its pack, an
    # outside report before the decision, a realised quantity before and after one.
    log, cases = seeded(store_url)
    cases[0].record_outcome(outcome="bad", observed_at=LATER, source="outside:bureau", **ANA)
    cases[2].record_outcome(outcome="good", observed_at="2001-01-01T00:00:00+00:00",
                            source="outside:bureau", **ANA)  # fmt: skip
    orders = [_order_case(f"O{i}", 40) for i in range(2)]
    log.save(*orders)
    orders[0].accept(**BOB)
    orders[0].record_demand(value=37, observed_at=LATER, source="bulk", **BOB)
    orders[1].record_demand(value=0.5, observed_at="2001-01-01T00:00:00+00:00", source="bulk",
                            **ANA)  # fmt: skip
    log.save(*orders[1:], cases[0], cases[2])
    as_person(store_url, "bob").save(orders[0])
    assert verify(log, silent_actions={"credit": ["decline"]}).ok


def test_a_recommendation_written_after_the_decision_is_named(store_url: str) -> None:
    # ana accepted S0's 'decline'; eve, holding the orchestrator's role, then records the
    # case's recommendation as 'approve': the queue and audit would show ana accepting a
    # decline against an approval, or an approval she never saw.
    log, cases = seeded(store_url)
    written_by(store_url, "ana", cases[0].id, "Recommended", action="approve", source="model",
               policy_id="credit", policy_version=1, expected_costs={"approve": 0.1,
               "decline": 0.9}, reasons=["cost"], ood_reasons=[], propensities={"approve": 1.0},
               explored=False, propensity_source="logged", quantity=None, quantiles={},
               baseline_quantity=None, actor="docket/orchestrator", role="system")  # fmt: skip
    failed(log, "case credit/S0", "its Recommended event follows the case's decision")


def test_a_case_opened_again_later_in_its_life_is_named(store_url: str) -> None:
    # A second Opened event, later in the case (version 5), with other input and a
    # declaration of its own: the library will not fold it (reading the case fails), while the
    # read models' fold starts the case afresh from it.
    log, cases = seeded(store_url)
    again = Case.Opened(originator_id=cases[0].id, originator_version=5,
                        timestamp=Case.Opened.create_timestamp(),
                        originator_topic="events.domain.case:Case", domain="credit",
                        case_ref="S0", input={"age": 18}, personal={}, note=None,
                        decision={"kind": "classification", "escalate_action": "escalate",
                                  "deciding_roles": ["operator", "senior"]},
                        actor="docket/orchestrator", role="system")  # fmt: skip
    as_person(store_url, "ana").save(again)
    failed(log, "case credit/S0", "its Opened event at version 5 opens the case again")


def test_an_outcome_written_as_version_1_is_still_held_to_its_decisions_time(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Outcomes of version 1 on cases opened as version 1 are exempt (the first release that
    # signed wrote them without comparing times): eve writes hers as version 1, backdated,
    # on S0, a case opened by a later release.
    log, cases = seeded(store_url)
    monkeypatch.setattr(Case.OutcomeRecorded, "class_version", 1)
    early = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    _outcome(store_url, "eve", cases[0].id, outcome="bad", observed_at=early, **BUREAU)
    monkeypatch.undo()
    raw = log.chained_recorder.select_rows(log.event_count(), 1)[0][4]
    assert "class_version" not in read_state(raw)  # stored as version 1
    failed(log, "case credit/S0", f"says it was observed at {early}")


def test_a_writer_whose_clock_is_behind_leaves_a_store_that_verifies_clean(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The console on another host, its clock an hour behind the one that opened S0, accepts
    # and then records an outside report: the case's events are stamped no earlier than the
    # opening, so the time-order check is no false alarm.
    log = open_signed(store_url)
    case = new_case("S0")
    log.save(case)
    behind = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr(Case.Accepted, "create_timestamp", staticmethod(lambda: behind))
    monkeypatch.setattr(Case.OutcomeRecorded, "create_timestamp", staticmethod(lambda: behind))
    case.accept(**ANA)
    case.record_outcome(outcome="bad", observed_at=LATER, source="outside:bureau", **ANA)
    log.save(case)
    stamps = [e.timestamp for e in log.events.get(case.id)]
    assert stamps == sorted(stamps)
    assert verify(log, silent_actions={"credit": ["decline"]}).ok



@pytest.mark.parametrize(("label", "noted"), [("good", True), ("bad", False)])
def test_an_outcome_an_action_revealing_some_only_cannot_show_is_noted(
    store_url: str, label: str, noted: bool
) -> None:
    # As if credit's decline showed a default (the applicant defaults elsewhere) and never a
    # repayment: ana records an outcome on her declined S0 from no outside source. Verify
    # passed 'good' silently; the service refuses it now, but earlier releases recorded such
    # outcomes, so it is noted rather than named as a lie ('bad' is what decline shows).
    log, cases = seeded(store_url)
    cases[0].record_outcome(outcome=label, observed_at=LATER, source="manual", **ANA)
    log.save(cases[0])
    report = verify(log, hidden_outcomes={"credit": {"decline": ["good"]}})
    assert report.ok, report.reason
    found = [n for n in report.notes if "cannot show" in n]
    assert bool(found) == noted, report.notes
    if noted:
        assert found[0].startswith(
            "1 outcome(s) name what their case's final action cannot show, from no outside "
            "source (the first: case credit/S0: 'good' after 'decline')"), found
    assert not [n for n in verify(log).notes if "cannot show" in n]  # the packs' word only
