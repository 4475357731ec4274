"""Times an insider writes around the service, each with their own valid key, that still run
forward in their case (events.clock_rule): a decision post-dated into the future, one
post-dated past the events the chain orders after it, one backdated before events the chain
orders before it, and one timed after a signed checkpoint that covers it. Before the clock
rule, verify passed every one (both backends); a writer whose clock is a little off does not
trip it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.chain import VerifyReport, verify
from events.clock_rule import Vouched
from events.domain import Case
from tests.events.helpers import new_case, open_signed
from tests.events.test_case_rule import ANA, BOB, SILENT, seeded, written_by


def _named(report: VerifyReport, position: int, *words: str) -> None:
    assert not report.ok, "verify passed a false time"
    assert report.first_bad_position == position, report.reason
    for word in words:
        assert word in report.reason, report.reason


def test_a_decision_post_dated_into_the_future_is_named(store_url: str) -> None:
    # eve accepts S2's recommendation, dated a month ahead: an as-of audit of next week
    # would show the case undecided, and her decision in a month nobody has seen yet.
    log, cases = seeded(store_url)
    stamped = datetime.now(UTC) + timedelta(days=30)
    written_by(store_url, "eve", cases[2].id, "Accepted", action="decline", quantity=None,
               timestamp=stamped, actor="eve", role="operator")  # fmt: skip
    _named(verify(log, silent_actions=SILENT), log.event_count(), "this Accepted event is "
           f"timed {stamped.isoformat()}", "after verify's own clock",
           "by more than the 5 minutes two clocks may differ: it was post-dated")  # fmt: skip


def test_a_decision_post_dated_past_the_events_after_it_is_named(store_url: str) -> None:
    # eve's acceptance of S2 says tomorrow; bob decides S3 after her, now. Verified the day
    # after tomorrow, her time is no longer in the future, but the chain puts bob's after it.
    log, cases = seeded(store_url)
    stamped = datetime.now(UTC) + timedelta(days=1)
    written_by(store_url, "eve", cases[2].id, "Accepted", action="decline", quantity=None,
               timestamp=stamped, actor="eve", role="operator")  # fmt: skip
    hers = log.event_count()
    cases[3].accept(**BOB)
    open_signed(store_url, "bob").save(cases[3])
    later = datetime.now(UTC) + timedelta(days=2)
    _named(verify(log, silent_actions=SILENT, now=later), hers,
           f"this Accepted event is timed {stamped.isoformat()}, later than the Accepted event "
           f"at position {log.event_count()}", "that the chain orders after it",
           "was post-dated")  # fmt: skip


def test_a_decision_backdated_before_the_events_before_it_is_named(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S9 was opened ten days ago; ana and bob decided other cases today; eve then accepts S9
    # dated five days ago (after its opening, so its case's own times still run forward), as
    # if she had decided it before the others.
    log = open_signed(store_url)
    opened = datetime.now(UTC) - timedelta(days=10)
    for kind in (Case.Opened, Case.Scored, Case.Recommended):
        monkeypatch.setattr(kind, "create_timestamp", staticmethod(lambda: opened))
    old = new_case("S9")
    log.save(old)
    monkeypatch.undo()
    others = [new_case(f"T{i}") for i in range(2)]
    log.save(*others)
    others[0].accept(**ANA)
    others[1].accept(**BOB)
    log.save(others[0])
    open_signed(store_url, "bob").save(others[1])
    assert verify(log).ok
    stamped = datetime.now(UTC) - timedelta(days=5)
    written_by(store_url, "eve", old.id, "Accepted", action="decline", quantity=None,
               timestamp=stamped, actor="eve", role="operator")  # fmt: skip
    _named(verify(log), log.event_count(), f"this Accepted event is timed {stamped.isoformat()}",
           "before events the chain orders before it", "it was backdated")  # fmt: skip


def test_an_event_timed_after_a_checkpoint_that_covers_it_is_named(store_url: str) -> None:
    # eve's acceptance of S2 is dated three days ahead; a checkpoint signed two days ahead
    # (kept outside the store) covers its position: it cannot have been written after that.
    log, cases = seeded(store_url)
    stamped = datetime.now(UTC) + timedelta(days=3)
    written_by(store_url, "eve", cases[2].id, "Accepted", action="decline", quantity=None,
               timestamp=stamped, actor="eve", role="operator")  # fmt: skip
    then = datetime.now(UTC) + timedelta(days=2)
    vouched = Vouched(log.event_count(), then, "ana")
    later = datetime.now(UTC) + timedelta(days=4)
    assert verify(log, now=later).ok  # nothing in the log after it contradicts it
    _named(verify(log, now=later, vouched=vouched), log.event_count(),
           f"after the checkpoint signed by ana at {then.isoformat()}",
           "it was post-dated")  # fmt: skip


def test_writers_whose_clocks_differ_a_little_verify_clean(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two consoles of a team's store, one clock two minutes ahead of the other, take turns.
    log, cases = seeded(store_url)
    ahead = datetime.now(UTC) + timedelta(minutes=2)
    monkeypatch.setattr(Case.Accepted, "create_timestamp", staticmethod(lambda: ahead))
    cases[2].accept(**ANA)
    log.save(cases[2])
    monkeypatch.undo()
    cases[3].accept(**BOB)
    open_signed(store_url, "bob").save(cases[3])
    stamps = [e.timestamp for c in cases[2:] for e in log.events.get(c.id)][-1:]
    assert stamps[0] < ahead
    assert verify(log, silent_actions=SILENT).ok
