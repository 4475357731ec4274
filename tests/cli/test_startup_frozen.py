"""``docket ingest`` leaves start-up objects out of full collections while it runs, and
hands them back when it ends, however it ends."""

from __future__ import annotations

import gc

import pytest

from cli.app import startup_frozen


def test_frozen_while_running_and_handed_back() -> None:
    assert gc.get_freeze_count() == 0
    with startup_frozen():
        assert gc.get_freeze_count() > 0
        young = [object(), {}]  # made during the command: collected as before
        assert gc.is_tracked(young)
    assert gc.get_freeze_count() == 0


def test_handed_back_when_the_command_fails() -> None:
    with pytest.raises(RuntimeError), startup_frozen():
        raise RuntimeError("a failing ingest")
    assert gc.get_freeze_count() == 0


def test_cycles_made_while_frozen_are_still_collected() -> None:
    class Node:
        other: Node | None = None

    with startup_frozen():
        gc.collect()
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
