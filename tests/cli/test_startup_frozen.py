"""``docket ingest`` leaves start-up objects out of full collections while it runs, and
collects its young objects less often, and hands both back when it ends, however it ends."""

from __future__ import annotations

import gc

import pytest

from cli.app import YOUNG_THRESHOLD, startup_frozen


def test_frozen_while_running_and_handed_back() -> None:
    assert gc.get_freeze_count() == 0
    before = gc.get_threshold()
    with startup_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        young = [object(), {}]  # made during the command: collected as before
        assert gc.is_tracked(young)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_handed_back_when_the_command_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), startup_frozen():
        raise RuntimeError("a failing ingest")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_cycles_made_while_frozen_are_still_collected() -> None:
    class Node:
        other: Node | None = None

    with startup_frozen():
        gc.collect()
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
