"""Bulk read-modify-write: one signed transaction per batch, nothing lost to a racing writer."""

from __future__ import annotations

from typing import Any

import pytest

from events.app import DecisionLog
from events.domain import Case
from events.errors import AlreadyDecided
from tests.events.helpers import explanation, new_case, open_signed

ANA = {"actor": "ana", "role": "operator"}


@pytest.fixture
def log(store_url: str) -> DecisionLog:
    return open_signed(store_url)


def signed_batches(log: DecisionLog) -> int:
    """How many transactions the log holds (each saved batch carries one signature)."""
    head = log.event_count()
    return len(log.chained_recorder.select_signatures(1, head))


def explain(text: str) -> Any:
    return lambda case: case.record_explanation(**explanation(text=text))


def test_many_changes_commit_once_per_batch(log: DecisionLog) -> None:
    cases = [new_case(f"U{i}") for i in range(7)]
    log.save(*cases)
    before = signed_batches(log)

    applied = log.update_many(((c.id, explain(f"note {i}")) for i, c in enumerate(cases)),
                              batch_size=3)  # fmt: skip

    assert applied == 7
    assert signed_batches(log) - before == 3  # 3 + 3 + 1, not 7
    for i, case in enumerate(cases):
        assert log.case(case.id).version == case.version + 1
        assert log.events_of(case.id)[-1].text == f"note {i}"


def test_a_racing_writer_loses_nothing_and_nothing_is_doubled(
    log: DecisionLog, store_url: str
) -> None:
    cases = [new_case(f"R{i}") for i in range(4)]
    log.save(*cases)
    other = open_signed(store_url, "bob")
    raced = cases[2].id

    def explain_and_race(case: Case) -> None:
        case.record_explanation(**explanation(text="ours"))
        if case.id == raced and type(other.events_of(raced)[-1]).__name__ != "Accepted":
            other.update(raced, lambda c: c.accept(actor="bob", role="operator"))

    log.update_many(((c.id, explain_and_race) for c in cases), batch_size=10)

    for case in cases:
        kinds = [type(e).__name__ for e in log.events_of(case.id)]
        assert kinds.count("Explained") == 1, kinds
    assert [type(e).__name__ for e in log.events_of(raced)][-2:] == ["Accepted", "Explained"]


def test_a_change_that_is_refused_keeps_the_ones_before_it(log: DecisionLog) -> None:
    cases = [new_case(f"E{i}") for i in range(3)]
    log.save(*cases)
    log.update(cases[1].id, lambda c: c.accept(**ANA))

    def accept(case: Case) -> None:
        case.accept(**ANA)

    with pytest.raises(AlreadyDecided):
        log.update_many([(c.id, accept) for c in cases])

    assert [log.case(c.id).status for c in cases] == ["decided", "decided", "open"]
