"""An insider with write access to the store but no admin key: the attacks on the log that
the triggers and the chain tests elsewhere do not already cover (both backends unless
marked). Each test shows what the attack did before verify named it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from events.app import DecisionLog
from events.chain import verify
from events.domain import Case, Key, Policy
from events.encoding import DocketMapper
from events.store import open_log
from tests.events.helpers import key_of, new_case, open_signed
from tests.events.test_contract import drop_triggers, raw_sql, rechain
from tests.stored import forge, plain

ANA = {"actor": "ana", "role": "operator"}


def seeded(url: str) -> tuple[DecisionLog, list[Case]]:
    log = open_signed(url)
    cases = [new_case(f"S{i}") for i in range(4)]
    cases[0].accept(**ANA)
    log.save(*cases[:2])
    log.save(*cases[2:])
    assert verify(log).ok
    return log, cases


def _accepted(log: DecisionLog) -> int:
    return next(
        n.id for n in log.recorder.select_notifications(1, 1000) if n.topic.endswith("Accepted")
    )


def _state(url: str, position: int) -> bytes:
    return bytes(raw_sql(url, f"SELECT state FROM {{events}} WHERE {{id}} = {position}")[0][0])


def test_moving_where_signing_began_does_not_unsign_the_log(store_url: str) -> None:
    # A decision rewritten and re-chained, then the store told its signing began after its
    # last event (as an upgraded store's meta row says): every event would be "unsigned".
    log, _ = seeded(store_url)
    decided = _accepted(log)
    drop_triggers(store_url)
    state = _state(store_url, decided)
    forged = forge(state, (b'"action":"decline"', b'"action":"approve"'))
    assert plain(forged) != plain(state)
    raw_sql(store_url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {decided}", (forged,))
    rechain(log, store_url)
    raw_sql(store_url, f"INSERT INTO docket_meta VALUES ('signed_from', '{log.event_count() + 1}')")
    report = verify(log)
    assert not report.ok and report.first_bad_position == 1  # ana's enrolment, the first event
    assert "before the position signing is said to begin" in report.reason


def test_an_event_stored_before_the_first_position_is_named(store_url: str) -> None:
    # Position 0 (or below) is outside every walk from position 1, yet reading a case by its
    # id finds the event there: a decision nobody signed showed in the case's audit.
    log, cases = seeded(store_url)
    state = _state(store_url, _accepted(log))
    oid = cases[1].id.hex if not store_url.startswith("postgresql") else str(cases[1].id)
    raw_sql(
        store_url,
        "INSERT INTO {events} ({id}, originator_id, originator_version, topic, state) "
        f"VALUES (-1, '{oid}', {cases[1].version + 1}, "
        "'events.domain.case:Case.Accepted', ?)",
        (state,),
    )
    assert len(log.events_of(cases[1].id)) == cases[1].version + 1  # the case reads it
    report = verify(log)
    assert not report.ok and report.first_bad_position == -1
    assert "before the log's first position" in report.reason


@pytest.mark.parametrize("spelling", ["hyphens", "blob"])
def test_an_originator_id_respelled_in_a_sqlite_store_is_caught(
    tmp_path: Path, spelling: str
) -> None:
    # SQLite stores a case id as 32 hex digits; the same id with hyphens, or the same digits
    # as a BLOB, was hashed the same, but reading the case by its id no longer finds the
    # event: a decision vanished from the case while verify passed.
    url = str(tmp_path / "docket.sqlite")
    log, cases = seeded(url)
    decided = _accepted(log)
    drop_triggers(url)
    respelled = str(cases[0].id) if spelling == "hyphens" else cases[0].id.hex.encode()
    raw_sql(url, f"UPDATE {{events}} SET originator_id = ? WHERE {{id}} = {decided}",
            (respelled,))  # fmt: skip
    assert len(log.events_of(cases[0].id)) == cases[0].version - 1
    report = verify(log)
    assert not report.ok and report.first_bad_position == decided
    assert "altered" in report.reason


def test_cutting_the_events_and_links_but_not_their_signatures_is_named(store_url: str) -> None:
    # Only a cut of all three tables is beyond the store alone (README); the batch signatures
    # left behind say the log went further.
    log, _ = seeded(store_url)
    log.save(new_case("T1"))
    last = log.event_count()
    batches = "SELECT max(last_id) FROM docket_signatures WHERE last_id < "
    cut = int(raw_sql(store_url, f"{batches}{last}")[0][0])
    drop_triggers(store_url)
    raw_sql(store_url, f"DELETE FROM {{events}} WHERE {{id}} > {cut}")
    raw_sql(store_url, f"DELETE FROM {{chain}} WHERE notification_id > {cut}")
    report = verify(log)
    assert not report.ok and report.first_bad_position == cut + 1
    assert f"covers positions {cut + 1}-{last} but no event is stored at {last}" in report.reason


@pytest.mark.parametrize(
    "edit",
    ["topic = 'events.domain.case:Case.Overridden'", "originator_version = 99"],
)
def test_an_events_topic_or_version_edited_breaks_the_chain(store_url: str, edit: str) -> None:
    log, _ = seeded(store_url)
    decided = _accepted(log)
    drop_triggers(store_url)
    raw_sql(store_url, f"UPDATE {{events}} SET {edit} WHERE {{id}} = {decided}")
    report = verify(log)
    assert not report.ok and report.first_bad_position == decided
    assert "altered" in report.reason


def test_a_key_ring_change_signed_in_a_role_held_but_not_admin_fails(store_url: str) -> None:
    # bob holds operator, senior and risk_owner: he revokes ana's key naming himself in a role
    # he holds (so authorship holds), signed with his own key.
    log, _ = seeded(store_url)
    bob = open_log(store_url)
    bob.signer = key_of("bob")
    ana = Key.id_for(key_of("ana").key_id)
    record = bob.repository.get(ana)
    record.trigger_event(record.Revoked, key_id=key_of("ana").key_id, reason="gone",
                         actor="bob", role="risk_owner")  # fmt: skip
    bob.save(record)
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "bob changed the key ring without the admin role" in report.reason


def _around_the_service(url: str, person: str, case: Case, event: str, **fields: object) -> None:
    """``person`` records ``event`` on ``case`` with their own enrolled key, skipping the
    aggregate's rules (what an insider holding the key and Docket's code can do)."""
    _written_around(url, person, case.id, (event, fields))


def _written_around(url: str, person: str, aggregate_id: Any, *events: tuple[str, Any]) -> None:
    """``person`` records ``events`` (name, fields) on one aggregate in one batch, with their
    own enrolled key, skipping the aggregate's rules."""
    log = open_log(url)
    log.signer = key_of(person)
    found = log.repository.get(aggregate_id)
    for event, fields in events:
        found.trigger_event(getattr(found, event), **fields)
    log.save(found)


def test_a_second_decision_recorded_around_the_service_is_named(store_url: str) -> None:
    # ana decided S0; eve (an operator, her own key, her own name) records another decision
    # on it: the queue showed eve's, the audit ana's, and verify passed.
    log, cases = seeded(store_url)
    _around_the_service(store_url, "eve", cases[0], "Overridden", action="approve",
                        recommended="decline", reason_code="other", reason_text="x",
                        quantity=None, actor="eve", role="operator")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "already decided" in report.reason


def test_signing_off_ones_own_escalation_around_the_service_is_named(store_url: str) -> None:
    log, cases = seeded(store_url)
    cases[1].escalate(reason_text="unsure", **ANA)
    log.save(cases[1])
    assert verify(log).ok
    _around_the_service(store_url, "ana", cases[1], "SignedOff", action="approve",
                        recommended="decline", agreed=False, reason_code="other",
                        reason_text="x", quantity=None, actor="ana", role="senior")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "ana escalated this case" in report.reason


def test_the_decision_rule_knows_the_case_events_by_their_topics() -> None:
    from eventsourcing.utils import get_topic

    from events import chain

    final = {get_topic(e) for e in (Case.Accepted, Case.Overridden, Case.SignedOff)}
    assert (final, get_topic(Case.Escalated)) == (chain._FINAL, chain._ESCALATED)
    assert get_topic(Case.OutcomeRecorded) == chain._OUTCOME


def _policy(log: DecisionLog) -> Policy:
    policy = Policy.create(domain="credit", spec={"t": 0.2}, owner_role="risk_owner",
                           actor="ana", role="risk_owner")  # fmt: skip
    log.save(policy)
    return policy


def test_a_policy_changed_alone_around_the_service_is_named(store_url: str) -> None:
    # bob holds the owner role and writes the change itself with his own key: no proposal,
    # no second owner. The policy in force changed (it is read from the log); verify passed.
    log, _ = seeded(store_url)
    policy = _policy(log)
    log.update(policy.id, lambda p: p.propose(changes={"t": 0.3}, justification="why",
                                              actor="ana", role="risk_owner"))  # fmt: skip
    bob = open_log(store_url)
    bob.signer = key_of("bob")
    bob.update(policy.id, lambda p: p.approve(proposal=1, actor="bob", role="risk_owner"))
    assert verify(log).ok  # the four-eyes way
    changed = {"changes": {"t": 0.9}, "spec": {"t": 0.9}, "policy_version": 3,
               "justification": "mine", "actor": "bob", "role": "risk_owner"}  # fmt: skip
    found = bob.repository.get(policy.id)
    found.trigger_event(found.Changed, **changed)
    bob.save(found)
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "bob (risk_owner) changed the credit policy without" in report.reason


def test_a_policy_change_approved_by_its_proposer_around_the_service_is_named(
    store_url: str,
) -> None:
    log, _ = seeded(store_url)
    policy = _policy(log)
    bob = open_log(store_url)
    bob.signer = key_of("bob")
    bob.update(policy.id, lambda p: p.propose(changes={"t": 0.3}, justification="why",
                                              actor="bob", role="risk_owner"))  # fmt: skip
    found = bob.repository.get(policy.id)
    found.trigger_event(found.ProposalDecided, proposal=1, approved=True, proposed_by="ana",
                        note="", actor="bob", role="risk_owner")  # fmt: skip
    found.trigger_event(found.Changed, changes={"t": 0.3}, spec={"t": 0.3}, policy_version=2,
                        justification="why", actor="bob", role="risk_owner")  # fmt: skip
    bob.save(found)
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count() - 1
    assert "bob proposed it" in report.reason


def test_a_store_told_it_predates_signing_is_upgraded_yet_still_checked(store_url: str) -> None:
    # No key and no trigger dropped: docket_meta says storage version 1, so the next open
    # "upgrades" the store, itself writing signed_from past every event.
    log, _ = seeded(store_url)
    raw_sql(store_url, "UPDATE docket_meta SET value = '1' WHERE key = 'schema_version'")
    reopened = open_log(store_url)
    assert reopened.chained_recorder.signed_from() == log.event_count() + 1
    report = verify(reopened)
    assert not report.ok and report.first_bad_position == 1
    assert "before the position signing is said to begin" in report.reason


def test_an_escalation_naming_no_one_cannot_be_closed_by_its_signer(store_url: str) -> None:
    # An actor that is not a string is not judged as a person; eve escalated "as no one",
    # with her own key, then would close the case herself as if someone else had escalated.
    log, cases = seeded(store_url)
    _around_the_service(store_url, "eve", cases[1], "Escalated", reason_text="x", actor=None,
                        role="operator")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "names no one as the person who escalated" in report.reason


def test_a_state_stored_as_text_in_a_sqlite_store_is_named(tmp_path: Path) -> None:
    # The same bytes as TEXT: the library cannot read the event back (not UTF-8), and verify
    # ended in a traceback instead of naming the position.
    url = str(tmp_path / "docket.sqlite")
    log, _ = seeded(url)
    decided = _accepted(log)
    drop_triggers(url)
    raw_sql(url, f"UPDATE {{events}} SET state = CAST(state AS TEXT) WHERE {{id}} = {decided}")
    report = verify(log)
    assert not report.ok and report.first_bad_position == decided
    assert "altered" in report.reason


def test_a_key_ring_event_edited_to_grant_a_role_fails_its_admins_signature(
    store_url: str,
) -> None:
    # eve's enrolment edited to hold "senior" (so a sign-off she made would be in a role her
    # key holds), the chain recomputed: the batch no longer matches ana's signature.
    log, _ = seeded(store_url)
    enrolled = next(n.id for n in log.recorder.select_notifications(1, 100)
                    if n.topic.endswith("Key.Enrolled") and b'"eve"' in plain(n.state))  # fmt: skip
    drop_triggers(store_url)
    forged = forge(_state(store_url, enrolled), (b'"roles":["operator"]',
                                                 b'"roles":["operator","senior"]'))  # fmt: skip
    assert plain(forged) != plain(_state(store_url, enrolled))
    raw_sql(store_url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {enrolled}", (forged,))
    rechain(log, store_url)
    report = verify(log)
    assert not report.ok and report.first_bad_position <= enrolled
    assert "does not match ana's key" in report.reason


def test_a_second_outcome_recorded_around_the_service_is_named(store_url: str) -> None:
    # The outcome is what quality and retraining learn from; the service records it once.
    log, cases = seeded(store_url)
    cases[0].record_outcome(outcome="good", observed_at="2031-01-01T00:00:00+00:00",
                            source="ledger", **ANA)  # fmt: skip
    log.save(cases[0])
    assert verify(log).ok
    _around_the_service(store_url, "eve", cases[0], "OutcomeRecorded", outcome="bad",
                        observed_at="2031-02-01T00:00:00+00:00", source="ledger", value=None,
                        actor="eve", role="operator")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "outcome was already recorded" in report.reason


def test_batch_signatures_moved_regrouped_or_removed_are_named(store_url: str) -> None:
    log, _ = seeded(store_url)
    log.save(new_case("T1"))
    (a_last, a_first), (b_last, b_first) = raw_sql(
        store_url, "SELECT last_id, first_id FROM docket_signatures ORDER BY last_id DESC LIMIT 2"
    )  # the last two batches: b before a
    drop_triggers(store_url)
    # b's signature replayed onto a (same key): it signs other positions and another link.
    raw_sql(store_url, "UPDATE docket_signatures SET signature = (SELECT signature FROM "
            f"docket_signatures WHERE last_id = {b_last}) WHERE last_id = {a_last}")  # fmt: skip
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, a_first)
    assert "does not match ana's key" in report.reason
    # a's signature row gone: its events are signed by no one.
    raw_sql(store_url, f"DELETE FROM docket_signatures WHERE last_id = {a_last}")
    report = verify(log)
    assert (report.ok, report.first_bad_position) == (False, a_first)
    assert "not signed by anyone" in report.reason
    # b's row made to end earlier: the rest of b is then a batch nobody signed as such.
    raw_sql(store_url, f"UPDATE docket_signatures SET last_id = {b_last - 1} "
            f"WHERE last_id = {b_last}")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == b_first


@contextlib.contextmanager
def _topics_respelled(old: str, new: str) -> Iterator[None]:
    """Saves store each event's topic with ``old`` respelled ``new`` (an insider's own copy of
    Docket's code); chained and signed as usual."""
    real = DocketMapper.to_stored_event

    def respelled(self: DocketMapper, event: Any) -> StoredEvent:
        s = real(self, event)
        topic = s.topic.replace(old, new)
        return StoredEvent(s.originator_id, s.originator_version, topic, s.state)

    DocketMapper.to_stored_event = respelled  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        DocketMapper.to_stored_event = real  # type: ignore[method-assign]


def test_a_second_decision_under_another_spelling_of_its_topic_is_named(store_url: str) -> None:
    # eventsourcing reads a topic by importing what it names: events.domain re-exports Case,
    # so 'events.domain:Case.Overridden' is read as the override itself. eve's second
    # decision, stored so with her own key, escaped the decision rule (keyed on the topic):
    # the case read it, verify passed.
    log, cases = seeded(store_url)
    with _topics_respelled("events.domain.case:", "events.domain:"):
        _around_the_service(store_url, "eve", cases[0], "Overridden", action="approve",
                            recommended="decline", reason_code="other", reason_text="x",
                            quantity=None, actor="eve", role="operator")  # fmt: skip
    assert log.events_of(cases[0].id)[-1].__class__ is Case.Overridden
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "'events.domain:Case.Overridden' is another spelling of" in report.reason


def test_a_policy_change_under_another_spelling_of_its_topic_is_named(store_url: str) -> None:
    # bob, an owner, changes the policy alone: stored under 'events.domain:Policy.Changed',
    # the policy in force read it while the four-eyes rule never saw a Changed event.
    log, _ = seeded(store_url)
    policy = _policy(log)
    changed = {"changes": {"t": 0.9}, "spec": {"t": 0.9}, "policy_version": 2,
               "justification": "mine", "actor": "bob", "role": "risk_owner"}  # fmt: skip
    with _topics_respelled("events.domain.policy:", "events.domain:"):
        _written_around(store_url, "bob", policy.id, ("Changed", changed))
    assert log.policy("credit").spec == {"t": 0.9}
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "another spelling of 'events.domain.policy:Policy.Changed'" in report.reason


def test_verify_knows_every_topic_docket_writes() -> None:
    from eventsourcing.utils import get_topic

    from events.chain import docket_topics

    assert {get_topic(Case.Accepted), get_topic(Key.Enrolled), get_topic(Policy.Changed)} <= (
        docket_topics()
    )


def test_an_escalation_in_a_made_up_components_name_cannot_hide_its_escalator(
    store_url: str,
) -> None:
    # A component with no key of its own is vouched for by whoever signs (stores from before
    # components had keys): bob escalated S1 naming 'docket/triage' in role system, then
    # signed it off himself as its senior reviewer, so no second person ever saw it.
    log, cases = seeded(store_url)
    _around_the_service(store_url, "bob", cases[1], "Escalated", reason_text="unsure",
                        actor="docket/triage", role="system")  # fmt: skip
    _around_the_service(store_url, "bob", cases[1], "SignedOff", action="approve",
                        recommended="decline", agreed=False, reason_code="other",
                        reason_text="x", quantity=None, actor="bob", role="senior")  # fmt: skip
    assert log.get(cases[1].id).decided_by == "bob"
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count() - 1
    assert "names docket/triage, whose key did not sign it" in report.reason


def test_a_decision_in_a_made_up_components_name_is_named(store_url: str) -> None:
    # eve, an operator, accepted S2 as 'docket/autopilot' (role system, which she lacks):
    # the case read as decided by Docket itself, and verify passed.
    log, cases = seeded(store_url)
    _around_the_service(store_url, "eve", cases[2], "Accepted", action="decline", quantity=None,
                        actor="docket/autopilot", role="system")  # fmt: skip
    assert log.get(cases[2].id).decided_by == "docket/autopilot"
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "a case is decided by a person in their own name" in report.reason


@pytest.mark.parametrize(
    ("event", "fields"),
    [
        ("Overridden", {"reason_code": "other", "reason_text": " "}),
        ("Overridden", {"reason_code": None, "reason_text": "x"}),
        ("SignedOff", {"agreed": False, "reason_code": None, "reason_text": ""}),
        ("SignedOff", {"agreed": True, "reason_code": None, "reason_text": ""}),
    ],
    ids=["override-no-text", "override-no-code", "sign-off-disagreeing", "sign-off-said-agreed"],
)
def test_an_override_without_a_reason_around_the_service_is_named(
    store_url: str, event: str, fields: dict[str, Any]
) -> None:
    # The service refuses an override (or a senior's sign-off of another action than the
    # recommended one) without a reason code and text; eve's own key wrote one around it,
    # which the case's audit showed as a decision with no reason, and verify passed.
    log, cases = seeded(store_url)
    if event == "SignedOff":
        cases[1].escalate(reason_text="unsure", **ANA)
        log.save(cases[1])
    _around_the_service(store_url, "bob" if event == "SignedOff" else "eve", cases[1], event,
                        action="approve", recommended="decline", quantity=None,
                        actor="bob" if event == "SignedOff" else "eve",
                        role="senior" if event == "SignedOff" else "operator",
                        **fields)  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "without a reason" in report.reason


@pytest.mark.parametrize(
    "changed",
    [
        {"spec": {"t": 0.99, "explore": 0.5}},  # another policy than the one proposed
        {"policy_version": 7},  # a version number of its own
    ],
    ids=["spec", "version"],
)
def test_an_approved_change_that_installs_another_policy_is_named(
    store_url: str, changed: dict[str, Any]
) -> None:
    # ana proposes t = 0.3; bob, the second owner, approves it with his own key around the
    # service, but the Changed event he writes beside the approval carries the proposed
    # `changes` and a `spec` of his own: the policy in force is the event's spec, so what
    # took effect was never proposed to anyone. verify compared the changes only.
    log, _ = seeded(store_url)
    policy = _policy(log)
    log.update(policy.id, lambda p: p.propose(changes={"t": 0.3}, justification="why",
                                              actor="ana", role="risk_owner"))  # fmt: skip
    approval = {"proposal": 1, "approved": True, "proposed_by": "ana", "note": "",
                "actor": "bob", "role": "risk_owner"}  # fmt: skip
    fields = {"changes": {"t": 0.3}, "spec": {"t": 0.3}, "policy_version": 2,
              "justification": "why", "actor": "bob", "role": "risk_owner", **changed}  # fmt: skip
    _written_around(store_url, "bob", policy.id, ("ProposalDecided", approval),
                    ("Changed", fields))  # fmt: skip
    assert log.policy("credit").spec == fields["spec"]
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "installs another policy than the approved change" in report.reason


def test_an_outcome_recorded_before_the_decision_around_the_service_is_named(
    store_url: str,
) -> None:
    # The service records a label only after the decision (or from an outside source): eve
    # wrote 'good' on S1, not yet decided, with her own key; quality and retraining would
    # learn from a label no decision revealed, and verify passed.
    log, cases = seeded(store_url)
    _around_the_service(store_url, "eve", cases[2], "OutcomeRecorded", outcome="bad",
                        observed_at="2026-01-01T00:00:00+00:00", source="outside:bureau",
                        value=None, actor="eve", role="operator")  # fmt: skip
    assert verify(log).ok  # an outside source may report before any decision
    _around_the_service(store_url, "eve", cases[1], "OutcomeRecorded", outcome="good",
                        observed_at="2026-01-01T00:00:00+00:00", source="manual", value=None,
                        actor="eve", role="operator")  # fmt: skip
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "an outcome recorded on a case not yet decided" in report.reason


def test_an_enrolment_written_by_someone_not_an_admin_gives_their_key_nothing(
    store_url: str,
) -> None:
    # eve (an operator, with write access to the store) enrols a key of her own as 'boss'
    # with every role, naming ana (an admin) as the enroller, signed with eve's key. verify
    # named it, but the service reads the key ring at once: until someone ran verify, the
    # key was enrolled for every command (and `docket keys list` showed it).
    from events.keyring import KeyRing
    from events.signing import SigningKey

    log, _ = seeded(store_url)
    forged = SigningKey.generate()
    roles = ["admin", "senior", "risk_owner"]
    record = Key.enrol(person="boss", public_key=forged.public_key, roles=roles, actor="ana",
                       role="admin")  # fmt: skip
    eve = open_log(store_url)
    eve.signer = key_of("eve")
    eve.save(record)
    assert not verify(log).ok
    ring = KeyRing().refresh(open_log(store_url))
    assert ring.valid(forged.key_id, log.event_count() + 1) is None
    assert ring.valid(key_of("bob").key_id, log.event_count() + 1) is not None  # ana's own
