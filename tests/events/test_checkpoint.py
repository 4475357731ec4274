"""Checkpoints kept outside the store catch what the store alone cannot (both backends):
a cut tail, and a rewrite re-chained and re-signed by an insider holding a valid key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from events import checkpoint
from events.app import DecisionLog
from events.chain import verify, walk_end
from events.domain import Case, Key
from events.errors import NotAuthorised
from events.signing import SigningKey, batch_message
from events.store import open_log
from tests.events.helpers import key_of, new_case, open_signed
from tests.events.test_contract import drop_triggers, raw_sql, rechain
from tests.stored import forge, plain

ANA = {"actor": "ana", "role": "operator"}


def seeded(url: str, batches: int = 6) -> tuple[DecisionLog, dict[str, Any]]:
    """A log of several signed batches (ana's key) and a checkpoint of it."""
    log = open_signed(url)
    for b in range(batches):
        cases = [new_case(f"B{b}-{i}") for i in range(3)]
        cases[0].accept(**ANA)
        log.save(*cases)
    ana = key_of("ana")
    return log, checkpoint.export(log, ana, "ana", ana.public_key)


def test_an_unchanged_log_matches_its_checkpoint_and_may_grow(store_url: str) -> None:
    log, taken = seeded(store_url)
    assert checkpoint.check(log, taken).ok
    log.save(new_case("later"))
    report = checkpoint.check(log, taken)
    assert report.ok and report.appended == 3 and report.signer.startswith("ana at 20")


def test_tail_truncation_is_named(store_url: str) -> None:
    log, taken = seeded(store_url)
    position = taken["position"]
    cut = position - 5
    drop_triggers(store_url)
    for table, column in (("{events}", "{id}"), ("{chain}", "notification_id"),
                          ("docket_signatures", "last_id")):  # fmt: skip
        raw_sql(store_url, f"DELETE FROM {table} WHERE {column} > {cut}")
    last_sig = raw_sql(store_url, "SELECT max(last_id) FROM docket_signatures")[0][0]
    raw_sql(store_url, f"DELETE FROM {{events}} WHERE {{id}} > {last_sig}")  # whole batches
    raw_sql(store_url, f"DELETE FROM {{chain}} WHERE notification_id > {last_sig}")
    assert verify(log).ok  # the store alone cannot tell
    report = checkpoint.check(log, taken)
    assert not report.ok
    assert report.reason == (
        f"cut: the log ends at position {last_sig} but the checkpoint saw {position}: "
        f"the events after position {last_sig} were removed"
    )


def test_a_rewrite_re_signed_by_an_insider_is_narrowed_to_its_stretch(store_url: str) -> None:
    log, taken = seeded(store_url, batches=8)
    rows = log.recorder.select_notifications(1, 10_000)
    target = next(n.id for n in rows if n.topic.endswith("Accepted") and n.id > len(rows) // 2)
    drop_triggers(store_url)
    # ana post-dates her own decision by a minute, re-chains everything after it and
    # re-signs every batch with her own valid key: the store verifies. (Rewriting the action
    # it took instead is named by the store alone: it contradicts the case's recommendation;
    # so is backdating it before the case was opened, or post-dating it beyond the clock
    # skew allowed: tests/events/test_insider_times.py.)
    state = bytes(raw_sql(store_url, f"SELECT state FROM {{events}} WHERE {{id}} = {target}")[0][0])
    forged = forge(state, (b'+00:00"', b'-00:01"'))
    assert plain(forged) != plain(state)
    raw_sql(store_url, f"UPDATE {{events}} SET state = ? WHERE {{id}} = {target}", (forged,))
    links = rechain(log, store_url)
    ana = key_of("ana")
    for last, first, key_id in raw_sql(
        store_url, "SELECT last_id, first_id, key_id FROM docket_signatures"
    ):
        signature = ana.sign(batch_message(key_id, first, last, links[last]))
        raw_sql(store_url, f"UPDATE docket_signatures SET signature = ? WHERE last_id = {last}",
                (signature,))  # fmt: skip
    assert verify(log).ok  # the store alone cannot tell
    report = checkpoint.check(log, taken)
    assert not report.ok and report.reason.startswith("rewritten: events in positions ")
    first, last = map(int, report.reason.split("positions ")[1].split(" ")[0].split("-"))
    assert first <= target <= last


def test_a_rewrite_that_breaks_the_chain_is_named_exactly(store_url: str) -> None:
    log, taken = seeded(store_url)
    drop_triggers(store_url)
    raw_sql(store_url, "UPDATE {chain} SET hash = ? WHERE notification_id = 7", (bytes(32),))
    report = checkpoint.check(log, taken)
    assert not report.ok and report.reason.startswith("rewritten: position 7 (")


def test_an_altered_checkpoint_file_is_refused(store_url: str) -> None:
    log, taken = seeded(store_url)
    edited = json.loads(json.dumps(taken))
    edited["position"] = taken["position"] - 3
    report = checkpoint.check(log, edited)
    assert not report.ok and "the file was altered" in report.reason


def test_a_checkpoint_naming_another_person_as_its_signer_is_refused(store_url: str) -> None:
    # bob's own enrolled key signs a checkpoint that says ana signed it (the signature holds:
    # he made it); only the key's enrolment says who signed.
    log, _ = seeded(store_url)
    bob = key_of("bob")
    forged = checkpoint.export(log, bob, "ana", bob.public_key)
    report = checkpoint.check(log, forged)
    assert not report.ok and report.reason == (
        f"the checkpoint names ana as its signer but was signed by key {bob.key_id}, enrolled "
        "for bob: the file was forged"
    )
    assert checkpoint.check(log, checkpoint.export(log, bob, "bob", bob.public_key)).ok


def test_a_checkpoint_signed_by_a_key_revoked_by_its_position_is_refused(store_url: str) -> None:
    # eve keeps her key file after it was revoked and signs a checkpoint of the log as it now
    # stands (say, rewritten): no export could have been signed by her key at that position.
    log, _ = seeded(store_url)
    eve = key_of("eve")
    log.update(Key.id_for(eve.key_id),
               lambda k: k.revoke(reason="left the team", actor="ana", role="admin"))  # fmt: skip
    report = checkpoint.check(log, checkpoint.export(log, eve, "eve", eve.public_key))
    assert not report.ok and "was not valid at its position" in report.reason


def test_a_store_made_anew_with_keys_of_its_own_fails_the_checkpoint(
    store_url: str, tmp_path: Path
) -> None:
    # Everything rewritten from the first event by someone holding none of the keys: new keys
    # for every person, self-consistent, so the store alone verifies.
    _, taken = seeded(store_url)
    made_anew = open_log(str(tmp_path / "anew.sqlite"))
    mallory = SigningKey.generate()
    made_anew.signer = mallory
    made_anew.save(Key.enrol(person="ana", public_key=mallory.public_key, roles=["admin"],
                             actor="ana", role="admin"))  # fmt: skip
    assert verify(made_anew).ok
    report = checkpoint.check(made_anew, taken)
    assert not report.ok and "is not enrolled in this log" in report.reason



def test_a_tail_swapped_for_a_copys_own_signed_tail_is_named_by_the_checkpoint(
    tmp_path: Path,
) -> None:
    """A careless day or a DBA without a key: a copy of the store (a backup restored and used,
    a staging copy) went on with its own decisions, signed by the same people's keys. Its tail
    spliced in for the store's own (all three tables) continues the same chain from the same
    prefix, so every link and signature holds: only a checkpoint of the store's own tail
    tells (README: *What it cannot see on its own*)."""
    store, copy = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    log = open_signed(str(store))
    cases = [new_case(f"S{i}") for i in range(3)]
    log.save(*cases)
    prefix = log.event_count()
    with sqlite3.connect(store) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    cases[0].accept(**ANA)  # the store's own decision: decline, as recommended
    log.save(*cases)
    ana = key_of("ana")
    taken = checkpoint.export(log, ana, "ana", ana.public_key)
    other = open_signed(str(copy))
    twin: Case = other.repository.get(cases[0].id)
    twin.override(action="approve", reason_code="customer_relationship",
                  reason_text="long client", actor="ana", role="operator")  # fmt: skip
    other.save(twin, new_case("S9"))
    drop_triggers(str(store))
    with sqlite3.connect(store) as conn:
        conn.execute("ATTACH DATABASE ? AS copy", (str(copy),))
        for table, column in (("stored_events", "rowid"), ("docket_chain", "notification_id"),
                              ("docket_signatures", "last_id")):  # fmt: skip
            conn.execute(f"DELETE FROM {table} WHERE {column} > {prefix}")
        conn.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, "
                     "topic, state) SELECT rowid, originator_id, originator_version, topic, "
                     f"state FROM copy.stored_events WHERE rowid > {prefix}")  # fmt: skip
        for table, column in (("docket_chain", "notification_id"),
                              ("docket_signatures", "last_id")):  # fmt: skip
            conn.execute(f"INSERT INTO {table} SELECT * FROM copy.{table} WHERE {column} > "
                         f"{prefix}")  # fmt: skip
    spliced = open_log(str(store))
    decided: Case = spliced.repository.get(cases[0].id)
    assert decided.decided_action == "approve"  # the copy's decision now stands
    assert verify(spliced).ok  # the store alone cannot tell
    report = checkpoint.check(spliced, taken)
    assert not report.ok and report.reason.startswith(f"rewritten: position {prefix + 1} "), \
        report.reason


def test_no_checkpoint_of_a_log_that_does_not_verify(store_url: str) -> None:
    log, _ = seeded(store_url)
    drop_triggers(store_url)
    raw_sql(store_url, "UPDATE {chain} SET hash = ? WHERE notification_id = 4", (bytes(32),))
    ana = key_of("ana")
    with pytest.raises(NotAuthorised, match="does not verify"):
        checkpoint.export(log, ana, "ana", ana.public_key)


def test_landmarks_are_every_step_th_link_and_the_last(store_url: str) -> None:
    log, taken = seeded(store_url, batches=40)
    links: list[tuple[int, bytes]] = []
    verify(log, on_link=lambda position, link: links.append((position, link)))
    step = max(1, -(-len(links) // checkpoint.LANDMARKS))
    expected = {str(p): k.hex() for i, (p, k) in enumerate(links) if (i + 1) % step == 0}
    expected[str(links[-1][0])] = links[-1][1].hex()

    assert taken["landmarks"] == expected


def test_export_keeps_the_landmarks_not_every_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """A walk of 200,000 links (a 50,000-case log) through export's own code: what it holds
    is its 256 landmarks, not every link (it held 823 MB at a million cases)."""
    import tracemalloc
    from types import SimpleNamespace

    n = 200_000
    link = bytes(range(32))

    def walk(_log: Any, *, end: int | None = None, on_link: Any = None) -> Any:
        for position in range(1, n + 1):
            on_link(position, link)
        return SimpleNamespace(ok=True, end=n, checked=n, head=link.hex())

    monkeypatch.setattr(checkpoint, "verify", walk)
    monkeypatch.setattr(checkpoint, "walk_end", lambda _log: n)
    ana = key_of("ana")
    tracemalloc.start()
    try:
        taken = checkpoint.export(SimpleNamespace(url="x.sqlite"), ana, "ana",  # type: ignore[arg-type]
                                  ana.public_key)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(taken["landmarks"]) == checkpoint.LANDMARKS
    assert peak < 2_000_000, f"export held {peak:,} bytes for {n:,} links"


def one_walk(log: DecisionLog, taken: dict[str, Any]) -> tuple[checkpoint.CheckpointReport, Any]:
    """What ``docket verify --checkpoint`` does: one walk of the whole log, the checkpoint's
    landmarks compared on the way (assistant.usecases.maintenance.verify_against)."""
    made = checkpoint.claim(log, taken)
    assert isinstance(made, checkpoint.Claim)
    seen: dict[int, bytes] = {}
    last = walk_end(log)
    report = verify(log, end=last, on_link=checkpoint.landmark_keeper(made, seen))
    return checkpoint.judge(made, report, seen, last), report


def test_one_walk_of_the_whole_log_judges_the_checkpoint_as_a_walk_to_it(store_url: str) -> None:
    log, taken = seeded(store_url)
    position = taken["position"]
    log.save(*[new_case(f"later-{i}") for i in range(3)])
    verdict, report = one_walk(log, taken)
    assert verdict == checkpoint.check(log, taken) and verdict.ok
    assert verdict.appended == log.event_count() - position > 0
    assert report.ok
    drop_triggers(store_url)
    # A link broken after the checkpoint: its prefix still holds, the log does not.
    raw_sql(store_url, "UPDATE {chain} SET hash = ? WHERE notification_id = ?",
            (bytes(32), position + 2))  # fmt: skip
    verdict, report = one_walk(log, taken)
    assert verdict.ok and not report.ok and report.first_bad_position == position + 2
    # A link broken before it: the checkpoint fails, named as the walk to it names it.
    raw_sql(store_url, "UPDATE {chain} SET hash = ? WHERE notification_id = 7", (bytes(32),))
    verdict, report = one_walk(log, taken)
    assert verdict == checkpoint.check(log, taken)
    assert not verdict.ok and verdict.reason.startswith("rewritten: position 7 (")
