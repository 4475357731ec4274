"""Signed batches against someone with write access to the store (both backends).

The attacker knows the code, so they can recompute the hash chain; what they lack is
an enrolled private key. Each test shows the chain alone would have been fooled.
"""

from __future__ import annotations

from typing import Any

from events.app import DecisionLog
from events.chain import verify
from events.domain import Case, Key
from events.signing import SigningKey
from events.store import open_log
from tests.events.helpers import key_of, new_case, open_signed
from tests.events.test_contract import drop_triggers, raw_sql, rechain
from tests.stored import forge, plain

ANA = {"actor": "ana", "role": "operator"}


def seeded(url: str) -> tuple[DecisionLog, list[Case]]:
    log = open_signed(url)
    cases = [new_case(f"S{i}") for i in range(4)]
    log.save(*cases[:2])
    log.save(*cases[2:])
    assert verify(log).ok
    return log, cases


def test_an_event_forged_with_an_unenrolled_key_fails_at_its_position(store_url: str) -> None:
    log, cases = seeded(store_url)
    before = log.event_count()
    # The attacker writes through Docket's own recorder: links are computed correctly.
    forger = open_log(store_url)
    forger.signer = SigningKey.generate()
    cases[0].accept(**ANA)
    forger.save(cases[0])
    report = verify(log)
    assert (report.ok, report.first_bad_position, report.checked) == (False, before + 1, before)
    assert "not enrolled" in report.reason


def test_an_enrolled_person_cannot_sign_as_someone_else(store_url: str) -> None:
    log, cases = seeded(store_url)
    bob = open_log(store_url)
    bob.signer = key_of("bob")  # bob's own, valid key
    cases[1].accept(**ANA)  # ... recording that ana accepted
    bob.save(cases[1])
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "recorded as done by ana but signed by bob's key" in report.reason


def test_a_role_the_key_does_not_hold_fails_verify(store_url: str) -> None:
    log, cases = seeded(store_url)
    eve = open_log(store_url)
    eve.signer = key_of("eve")  # enrolled as operator only
    cases[1].escalate(reason_text="x", **ANA)
    cases[2].accept(actor="eve", role="senior")
    eve.save(cases[2])
    report = verify(log)
    assert not report.ok and "eve acted as 'senior'" in report.reason


def test_a_rewritten_middle_event_with_a_recomputed_chain_fails_signature_checks(
    store_url: str,
) -> None:
    log, cases = seeded(store_url)
    cases[0].accept(**ANA)
    log.save(cases[0])
    tail = [new_case(f"T{i}") for i in range(3)]
    log.save(*tail)
    decided = next(
        n.id for n in log.recorder.select_notifications(1, 1000) if n.topic.endswith("Accepted")
    )
    drop_triggers(store_url)
    # Change who decided, then recompute every link from there on, as the code does.
    state: Any = raw_sql(store_url, f"SELECT state FROM {{events}} WHERE {{id}} = {decided}")[0][0]
    forged = forge(state, (b'"actor":"ana"', b'"actor":"bob"'))
    assert plain(forged) != plain(state)
    raw_sql(store_url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {decided}", (forged,))
    rechain(log, store_url)
    report = verify(log)
    assert not report.ok and report.first_bad_position == decided
    assert "does not match ana's key: the events were forged or altered" in report.reason


def test_a_revoked_key_signs_nothing_after_its_revocation(store_url: str) -> None:
    log, cases = seeded(store_url)
    key = Key.id_for(key_of("eve").key_id)
    log.update(key, lambda k: k.revoke(reason="left the team", actor="ana", role="admin"))
    assert verify(log).ok
    eve = open_log(store_url)
    eve.signer = key_of("eve")
    cases[3].accept(actor="eve", role="operator")
    eve.save(cases[3])
    report = verify(log)
    assert not report.ok and report.first_bad_position == log.event_count()
    assert "not enrolled (or was revoked)" in report.reason


def test_only_an_admin_enrols_keys(store_url: str) -> None:
    log, _ = seeded(store_url)
    rogue = SigningKey.generate()
    bob = open_log(store_url)
    bob.signer = key_of("bob")
    # The aggregate refuses a non-admin role; bob forges the event with role admin anyway.
    bob.save(Key.enrol(person="mallory", public_key=rogue.public_key, roles=["risk_owner"],
                       actor="bob", role="admin"))  # fmt: skip
    report = verify(log)
    assert not report.ok and "bob acted as 'admin'" in report.reason


def test_nothing_is_recorded_without_a_key(store_url: str) -> None:
    import pytest

    from events.errors import NotAuthorised

    log, _ = seeded(store_url)
    anonymous = open_log(store_url)
    with pytest.raises(NotAuthorised, match="recording needs a key"):
        anonymous.save(new_case("N1"))
