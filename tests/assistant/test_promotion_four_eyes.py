"""Four eyes on model promotions: proposed by one person who manages the domain's models,
in force only once a second such person approves, and ``verify`` flags a promotion that
took effect any other way (even one correctly signed by its author's key)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.service import DocketService
from events.errors import ConflictError, NotAuthorised, NotFound
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]


def champion_and_shadow(service: DocketService) -> tuple[str, str]:
    models = {m.status: m.version for m in service.models("credit")}
    return models["champion"], models["shadow"]


def decided_by(service: DocketService, rows: list[dict[str, Any]]) -> str | None:
    """The model version that scores (and so decides) a new case."""
    [case_id] = service.ingest("credit", rows).opened
    return service.case(case_id).model_version


def test_a_promotion_waits_for_a_second_person_then_decides(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)

    proposed = erin.promote(shadow, "better calibration on recent outcomes")

    # Proposed only: the old champion still decides, and the proposal is on show.
    assert proposed.status == "shadow"
    assert decided_by(open_service(), credit_rows(1)) == champion
    [pending] = erin.pending_promotions("credit")
    assert (pending.version, pending.by, pending.replaces) == (shadow, "erin", champion)
    assert [p.version for p in erin.policy("credit").pending_promotions] == [shadow]

    approved = open_service("eli", "engineer").approve_promotion(shadow)

    assert approved.status == "champion"
    statuses = {m.version: m.status for m in erin.models("credit")}
    assert statuses[shadow] == "champion" and statuses[champion] == "registered"
    assert erin.pending_promotions("credit") == []
    assert decided_by(open_service(), credit_rows(1, start=1)) == shadow
    assert erin.verify().ok


def test_the_proposer_cannot_approve_their_own_promotion(open_service: ServiceFactory) -> None:
    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)
    erin.promote(shadow, "mine")

    with pytest.raises(NotAuthorised, match="four eyes: erin proposed promotion #1"):
        erin.approve_promotion(shadow)
    # ... not even holding another role that manages models (the same person).
    as_owner = open_service("erin", "risk_owner")
    with pytest.raises(NotAuthorised, match="four eyes"):
        as_owner.approve_promotion(shadow)
    assert champion_and_shadow(erin) == (champion, shadow)


def test_an_approver_without_a_manager_role_is_refused(open_service: ServiceFactory) -> None:
    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)
    erin.promote(shadow, "better")

    for name, role in (("ana", "operator"), ("sam", "senior"), ("aud", "auditor")):
        with pytest.raises(NotAuthorised):
            open_service(name, role).approve_promotion(shadow)
    assert champion_and_shadow(erin) == (champion, shadow)
    assert [p.version for p in erin.pending_promotions()] == [shadow]


def test_a_rejected_or_withdrawn_promotion_cannot_be_approved(
    open_service: ServiceFactory,
) -> None:
    erin = open_service("erin", "engineer")
    eli = open_service("eli", "engineer")
    champion, shadow = champion_and_shadow(erin)

    erin.promote(shadow, "better")
    with pytest.raises(NotAuthorised):  # an operator may not reject it either
        open_service("ana", "operator").reject_promotion(shadow, "no")
    eli.reject_promotion(shadow, "not enough recent outcomes")
    with pytest.raises(NotFound, match=f"no promotion of {shadow} is pending"):
        eli.approve_promotion(shadow)

    erin.promote(shadow, "again, with more outcomes")
    erin.reject_promotion(shadow, "withdrawn: wrong version")  # the proposer withdraws
    with pytest.raises(NotFound):
        eli.approve_promotion(shadow)
    assert champion_and_shadow(erin) == (champion, shadow)


def test_an_approval_after_the_champion_changed_is_refused(open_service: ServiceFactory) -> None:
    erin = open_service("erin", "engineer")
    eli = open_service("eli", "engineer")
    champion, shadow = champion_and_shadow(erin)
    erin.promote(shadow, "better than the champion")
    # Meanwhile the champion is retired (one person may take a model out of service; the
    # pack's baseline rules then decide): the proposal no longer says what it replaces.
    eli.log.update(eli.log.model_version("credit", champion).id,
                   lambda m: m.retire(reason="broken feature", actor="eli", role="engineer"))

    with pytest.raises(ConflictError, match=f"champion was {champion}; it is now none"):
        eli.approve_promotion(shadow)
    with pytest.raises(ConflictError, match="already pending"):
        erin.promote(shadow, "again")
    assert {m.version: m.status for m in erin.models("credit")}[shadow] == "shadow"


def test_the_champion_is_not_put_in_shadow_by_one_person(open_service: ServiceFactory) -> None:
    erin = open_service("erin", "engineer")
    champion, _ = champion_and_shadow(erin)
    with pytest.raises(NotAuthorised, match="promote another version"):
        erin.shadow(champion)
    assert champion_and_shadow(erin)[0] == champion


# --- the log decides: promotions written around the rules change nothing -------------------


def _write_directly(service: DocketService, version: str, *, self_approved: bool) -> None:
    """Record a promotion with the person's own (valid, enrolled) key, bypassing the rules:
    straight ``Promoted`` events, or a self-approval of one's own proposal."""
    log = service.log
    champion = service.models("credit")
    current = next(m.version for m in champion if m.status == "champion")
    model = log.model_version("credit", version)
    who = {"actor": service.identity.name, "role": service.identity.role}
    if self_approved:
        number = model.propose_promotion(reason="mine", base_champion=current, **who)
        model.trigger_event(model.PromotionDecided, proposal=number, approved=True,
                            proposed_by=who["actor"], note="", **who)  # fmt: skip
    model.trigger_event(model.Promoted, evidence={"reason": "forged"}, **who)
    old = log.model_version("credit", current)
    old.demote(reason="replaced", **who)
    log.save(model, old)


@pytest.mark.parametrize("self_approved", [False, True], ids=["no approval", "self-approved"])
def test_verify_flags_a_promotion_that_skipped_a_second_person(
    open_service: ServiceFactory, credit_rows: Rows, self_approved: bool
) -> None:
    erin = open_service("erin", "engineer")
    _, shadow = champion_and_shadow(erin)

    _write_directly(erin, shadow, self_approved=self_approved)

    # Correctly signed by erin, so the chain and signatures hold; the four-eyes rule does not.
    report = erin.verify()
    assert not report.ok and report.first_bad_position is not None
    assert f"erin (engineer) promoted {shadow}" in report.reason
    assert "second person" in report.reason
    # And it changed nothing that decides: not the shadow model (the demoted champion leaves
    # the pack's baseline rules deciding, which no one chose as a model).
    assert decided_by(open_service(), credit_rows(1)) != shadow
    assert {m.version: m.status for m in erin.models("credit")}[shadow] != "champion"


def test_verify_flags_an_approval_by_someone_without_the_role(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)
    erin.promote(shadow, "better")
    ana = open_service("ana", "operator")  # signs with her own key, as an operator
    model = ana.log.model_version("credit", shadow)
    who = {"actor": "ana", "role": "operator"}
    model.trigger_event(model.PromotionDecided, proposal=1, approved=True, proposed_by="erin",
                        note="", **who)  # fmt: skip
    model.trigger_event(model.Promoted, evidence={"reason": "forged"}, **who)
    ana.log.save(model)

    report = ana.verify()
    assert not report.ok and "without a pending proposal approved" in report.reason
    assert decided_by(open_service(), credit_rows(1)) == champion


def test_a_forged_read_model_champion_changes_nothing(
    open_service: ServiceFactory, credit_rows: Rows, tmp_path: Path
) -> None:
    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)
    erin.promote(shadow, "proposed, never approved")
    path = erin.views.path
    erin.close()
    con = sqlite3.connect(path)
    with con:  # someone with disk access "approves" by editing the read-model file
        con.execute("UPDATE models SET champion = 0, status = 'registered'")
        con.execute("UPDATE models SET champion = 1, status = 'champion' "
                    "WHERE model_version = ?", (shadow,))  # fmt: skip
    con.close()

    service = open_service()
    assert decided_by(service, credit_rows(1)) == champion
    assert champion_and_shadow(service) == (champion, shadow)
    assert [p.version for p in service.pending_promotions("credit")] == [shadow]


# --- the emergency stop: the deliberate exception to four eyes -------------------------------


def test_retiring_the_champion_is_one_persons_emergency_stop_named_by_verify_and_audit(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    from events.errors import InputRejected

    erin = open_service("erin", "engineer")
    champion, shadow = champion_and_shadow(erin)
    with pytest.raises(NotAuthorised):
        open_service("ana", "operator").retire_model(champion, "I do not like it")
    with pytest.raises(InputRejected, match="reason"):
        erin.retire_model(champion, "  ")

    retired = erin.retire_model(champion, "feature pipeline broken upstream")

    # One person, at once: the baseline rules decide the next case, which says why.
    assert retired.status == "retired"
    ana = open_service()
    [case_id] = ana.ingest("credit", credit_rows(1)).opened
    assert ana.case(case_id).model_version is None
    reasons = " ".join(ana.audit(case_id).state_as_of["recommendation"]["reasons"])
    assert f"erin (engineer) retired credit's champion {champion}" in reasons
    assert "feature pipeline broken upstream" in reasons
    # verify holds (the stop is allowed) and names it: who, which model, why.
    report = erin.verify()
    assert report.ok, report.reason
    [note] = report.notes
    assert note.startswith("emergency stop at position ")
    assert f"erin (engineer) retired credit's champion {champion}" in note
    assert "alone" in note and "feature pipeline broken upstream" in note
    # Back to a model only by four eyes: a proposal against no champion, a second approver.
    erin.promote(shadow, "the shadow model is sound")
    open_service("eli", "engineer").approve_promotion(shadow)
    assert decided_by(ana, credit_rows(1, start=1)) == shadow
    assert erin.verify().notes == report.notes  # the stop stays on record


def test_a_champion_demoted_by_one_person_outside_a_promotion_is_listed_as_a_stop(
    open_service: ServiceFactory
) -> None:
    erin = open_service("erin", "engineer")
    old, shadow = champion_and_shadow(erin)
    # An approved promotion demotes the old champion in its own transaction: no stop.
    erin.promote(shadow, "better")
    open_service("eli", "engineer").approve_promotion(shadow)
    assert erin.verify().notes == ()
    # Written with erin's own valid key, around the service: no approved promotion.
    erin.log.update(erin.log.model_version("credit", shadow).id,
                    lambda m: m.demote(reason="quietly", actor="erin", role="engineer"))
    report = erin.verify()
    assert report.ok, report.reason
    [note] = report.notes
    assert f"erin (engineer) demoted credit's champion {shadow}" in note and "quietly" in note
    assert old not in note
