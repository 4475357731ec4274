"""A false pack declaration on a case (events.case_rule.declaration_problem): each case records
its pack's declaration when it opens (kind, actions, escalation action, outcome labels,
deciding roles), and the case rule judges the case's decisions and outcomes by it. An insider
holding a valid key who opens a case with another declaration makes a label or a role the
pack forbids look allowed. The log alone cannot tell; the application hands verify the
installed packs' declarations (here the tests pass credit's, as the assistant does), and the
case's creation event is named. Before the check, verify passed every one (both backends)."""

from __future__ import annotations

from typing import Any

from events.app import DecisionLog
from events.chain import VerifyReport, verify
from events.domain import Case
from events.domain.case_steps import recommendation_step
from tests.events.helpers import DECISION, SYSTEM, explanation, new_case, open_signed
from tests.events.test_case_rule import ANA, ORDERS, SILENT, seeded, written_by

#: What the installed packs declare (the assistant passes every installed pack's).
INSTALLED: dict[str, Any] = {"credit": dict(DECISION)}
LATER = "2031-01-01T00:00:00+00:00"


def _opened_with(url: str, ref: str, **changes: Any) -> tuple[DecisionLog, Case, int]:
    """An honest credit case decided, then eve (an operator, with her own key) opens credit
    case ``ref`` whose declaration differs from credit's by ``changes``; returns the log, the
    case and its first position."""
    honest = new_case(f"{ref}-before")
    honest.accept(**ANA)
    open_signed(url).save(honest)
    log = open_signed(url, "eve")
    case = new_case(ref, decision={**DECISION, **changes})
    log.save(case)
    return log, case, log.event_count() - 2  # opened, scored, recommended


def _named(log: DecisionLog, position: int, *words: str) -> VerifyReport:
    report = verify(log, silent_actions=SILENT, declarations=INSTALLED)
    assert not report.ok, "verify passed a false declaration"
    assert report.first_bad_position == position, report.reason
    for word in words:
        assert word in report.reason, report.reason
    return report


def test_an_outcome_label_made_legal_by_a_false_declaration_is_named(store_url: str) -> None:
    # eve declares 'excellent' an outcome of credit case F0, then records it from a bureau:
    # quality and retraining would read a label the pack never declared.
    log, case, opened = _opened_with(store_url, "F0", outcomes=["good", "bad", "excellent"])
    written_by(store_url, "eve", case.id, "OutcomeRecorded", outcome="excellent", value=None,
               source="outside:bureau", observed_at=LATER, actor="eve",
               role="operator")  # fmt: skip
    assert verify(log, silent_actions=SILENT).ok  # the log alone cannot tell
    _named(log, opened, "case credit/F0", "its Opened event records a declaration",
           "not its pack's ('credit', as installed)", "its 'outcomes' is ['good', 'bad', "
           "'excellent'], where the pack declares ['good', 'bad']")  # fmt: skip


def test_an_escalated_case_closed_by_an_operator_under_swapped_roles_is_named(
    store_url: str,
) -> None:
    # F1 declares its deciding roles the other way round, so its "senior" role is the
    # operator's: ana escalates it, and eve, an operator, closes it herself.
    log, case, opened = _opened_with(store_url, "F1", deciding_roles=["senior", "operator"])
    case.escalate(reason_text="unsure", **ANA)
    open_signed(store_url, "ana").save(case)
    written_by(store_url, "eve", case.id, "SignedOff", action="decline", recommended="decline",
               agreed=True, reason_code=None, reason_text="", quantity=None, actor="eve",
               role="operator")  # fmt: skip
    assert verify(log, silent_actions=SILENT).ok  # the log alone cannot tell
    _named(log, opened, "case credit/F1",
           "its deciding roles ['senior', 'operator'] end with 'operator', where the pack's "
           "senior role is 'senior'")  # fmt: skip


def test_a_role_added_to_the_declaration_is_named(store_url: str) -> None:
    # ana, who holds the engineer role, lets engineers decide F2 and accepts it as one.
    log, case, opened = _opened_with(store_url, "F2", deciding_roles=["engineer", "senior"])
    written_by(store_url, "ana", case.id, "Accepted", action="decline", quantity=None,
               actor="ana", role="engineer")  # fmt: skip
    assert verify(log, silent_actions=SILENT).ok  # the log alone cannot tell
    _named(log, opened, "case credit/F2", "its 'deciding_roles' is ['engineer', 'senior']")


def test_labels_declared_on_a_how_much_case_are_named(store_url: str) -> None:
    # A "how much" case's outcome is a number; one declaring labels takes a label instead.
    honest = Case.open(domain="stock", case_ref="O8", input={"day": 0}, decision=dict(ORDERS),
                       **SYSTEM)
    open_signed(store_url).save(honest)
    written_by(store_url, "ana", honest.id, "OutcomeRecorded", outcome="3", value=3.0,
               source="outside:shop", observed_at=LATER, **ANA)  # as the service records it
    log = open_signed(store_url, "eve")
    order = Case.open(domain="stock", case_ref="O9", input={"day": 1},
                      decision={**ORDERS, "outcomes": ["plenty", "few"]},
                      actor="eve", role="operator")  # fmt: skip
    log.save(order)
    opened = log.event_count()
    written_by(store_url, "eve", order.id, "OutcomeRecorded", outcome="plenty", value=None,
               source="outside:shop", observed_at=LATER, actor="eve",
               role="operator")  # fmt: skip
    assert verify(log, silent_actions=SILENT).ok  # the log alone cannot tell
    report = verify(log, declarations={"stock": ORDERS})
    assert not report.ok and report.first_bad_position == opened, report.reason
    assert "it records 'outcomes' (['plenty', 'few']), which the pack does not declare" in (
        report.reason
    )


def test_true_declarations_verify_clean_and_a_missing_pack_is_said(store_url: str) -> None:
    # The shapes the service writes: decided, escalated and given outcomes, plus one case of
    # a pack not installed where verify runs (its declaration cannot be compared: said).
    log, cases = seeded(store_url)
    cases[2].record_outcome(outcome="good", observed_at=LATER, source="outside:bureau", **ANA)
    other = new_case("G0", domain="gadgets")
    other.accept(**ANA)
    log.save(cases[2], other)
    report = verify(log, silent_actions=SILENT, declarations=INSTALLED)
    assert report.ok, report.reason
    assert report.notes == (
        "the pack declaration of 1 decided case(s) of pack 'gadgets' was not compared with "
        "the pack, which is not installed here: install it to check them",
    )
    assert verify(log, silent_actions=SILENT).notes == ()  # nothing compared, nothing said



def test_a_recommendation_a_person_recorded_is_named(store_url: str) -> None:
    # eve makes up an application (the orchestrator holds a key of its own, so she opens it
    # in her own name), records its "recommendation" herself, 'approve', and accepts it: an
    # acceptance needs no reason, and the audit would show a case decided as recommended.
    log = open_signed(store_url, "eve")
    case = Case.open(domain="credit", case_ref="M0", input={"age": 30}, decision=dict(DECISION),
                     actor="eve", role="operator")  # fmt: skip
    case.recommend(action="approve", source="model", policy_id="credit", policy_version=1,
                   expected_costs={"approve": 0.1, "decline": 0.9}, reasons=["cost"],
                   actor="eve", role="operator")  # fmt: skip
    case.accept(actor="eve", role="operator")
    log.save(case)
    report = verify(log, silent_actions=SILENT)
    assert not report.ok and report.first_bad_position == log.event_count() - 1, report.reason
    assert report.reason == ("eve recorded this Recommended event as 'operator': only "
                             "Docket's components (role 'system') record one")  # fmt: skip


def test_an_assessment_whose_recommendation_a_person_recorded_is_named(store_url: str) -> None:
    # The same in one Assessed event, as a bulk ingest records a case: its recommendation
    # step names eve as its author (in the event's head, which the walk reads uninflated).
    log = open_signed(store_url, "eve")
    step = recommendation_step(action="approve", source="model", policy_id="credit",
                               policy_version=1, expected_costs={"approve": 0.1, "decline": 0.9},
                               reasons=["cost"], actor="eve", role="operator")  # fmt: skip
    case = Case.open(domain="credit", case_ref="M1", input={"age": 30}, decision=dict(DECISION),
                     steps=[step], actor="eve", role="operator")  # fmt: skip
    log.save(case)
    report = verify(log, silent_actions=SILENT)
    assert not report.ok and report.first_bad_position == log.event_count(), report.reason
    assert report.reason == ("eve recorded a step of the case's assessment as 'operator': only "
                             "Docket's components (role 'system') record its steps")  # fmt: skip


def test_an_explanation_a_person_recorded_is_named(store_url: str) -> None:
    # eve writes S0's explanation herself, its guardrail verdicts all passing: the next
    # operator reads it as the explainer's.
    log, cases = seeded(store_url)
    written_by(store_url, "eve", cases[2].id, "Explained", **explanation(actor="eve",
               role="operator", text="Approve: a safe applicant."))  # fmt: skip
    report = verify(log, silent_actions=SILENT)
    assert not report.ok and report.first_bad_position == log.event_count(), report.reason
    assert "eve recorded this Explained event as 'operator'" in report.reason


def test_a_pack_that_changed_its_declaration_is_no_lie_and_is_said(store_url: str) -> None:
    # Credit's first release let 'unknown' be an outcome; a later one dropped it. The cases
    # opened before the change still record the old declaration, every case opened after it
    # the new one: verify takes the old ones for the earlier release and says so (it named
    # every old case a lie before).
    old = {**DECISION, "outcomes": ["good", "bad", "unknown"]}
    log = open_signed(store_url)
    cases = [new_case(f"V{i}", decision=old if i < 2 else DECISION) for i in range(4)]
    for case in cases:
        case.accept(**ANA)
    log.save(*cases)
    report = verify(log, silent_actions=SILENT, declarations=INSTALLED)
    assert report.ok, report.reason
    assert len(report.notes) == 1 and report.notes[0].startswith(
        "2 decided case(s) of pack 'credit' were opened under a declaration the installed "
        "pack no longer makes (the first: case credit/V0"), report.notes
    assert "taken for an earlier version of the pack" in report.notes[0]


def test_the_old_declaration_written_after_the_change_is_named(store_url: str) -> None:
    # The same store, then eve opens a case with the old, wider declaration after every
    # case already records the new one, and records the dropped label on it.
    old = {**DECISION, "outcomes": ["good", "bad", "unknown"]}
    log = open_signed(store_url)
    cases = [new_case(f"W{i}", decision=old if i < 2 else DECISION) for i in range(4)]
    for case in cases:
        case.accept(**ANA)
    log.save(*cases)
    _, forged, opened = _opened_with(store_url, "W9", outcomes=["good", "bad", "unknown"])
    written_by(store_url, "eve", forged.id, "OutcomeRecorded", outcome="unknown", value=None,
               source="outside:bureau", observed_at=LATER, actor="eve",
               role="operator")  # fmt: skip
    report = _named(log, opened, "case credit/W9", "while case(s) of the pack opened before it")
    assert "'outcomes' is ['good', 'bad', 'unknown']" in report.reason
