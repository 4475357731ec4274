"""Full garbage collections wait for a moment the console is idle (tui.idle_gc)."""

from __future__ import annotations

import gc
from collections.abc import Callable

from tests.tui.conftest import settle
from tests.tui.fakes import FakeService
from tui.app import DocketApp
from tui.idle_gc import BACKSTOP_FACTOR, DUE_AFTER, IdleCollector


def make_due() -> None:
    """As many middle-generation collections as make a full one due."""
    for _ in range(DUE_AFTER):
        gc.collect(1)


def test_the_automatic_full_collection_becomes_a_backstop_until_stopped() -> None:
    before = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2]
        assert full == max(before[2], DUE_AFTER) * BACKSTOP_FACTOR
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_a_due_collection_waits_until_no_input_for_a_while() -> None:
    now = [0.0]
    collector = IdleCollector(clock=lambda: now[0])
    collector.start()
    try:
        make_due()
        now[0] = 10.0
        collector.input_seen()
        now[0] += collector.idle_after / 2
        assert not collector.tick()  # a key half a second ago: the operator is typing
        assert collector.due()
        now[0] += collector.idle_after
        assert collector.tick()
        assert not collector.due() and len(collector.pauses) == 1
        now[0] += 60.0
        assert not collector.tick()  # idle, but nothing is due
    finally:
        collector.stop()


def test_nothing_is_collected_before_start_or_while_collection_is_off() -> None:
    now = [100.0]
    collector = IdleCollector(clock=lambda: now[0])
    make_due()
    assert not collector.tick()  # not started: Python's own thresholds apply
    collector.start()
    gc.disable()  # as Textual does during a smooth scroll
    try:
        make_due()
        now[0] += 60.0
        assert not collector.tick()
    finally:
        gc.enable()
        collector.stop()


async def test_a_key_press_in_the_console_puts_the_due_collection_off(
    make_app: Callable[..., DocketApp],
) -> None:
    now = [0.0]
    app = make_app(FakeService(12))
    app.idle_gc = IdleCollector(clock=lambda: now[0])
    before = gc.get_threshold()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.idle_gc.running  # started with the first queue page
        make_due()
        # The console's own timer ticks while the key is on its way: the clock stays short of
        # idle_after since start-up then, or that tick collects first (seen under load).
        idle = app.idle_gc.idle_after
        now[0] = idle / 2
        await pilot.press("down")
        now[0] = idle * 1.25  # idle since start-up, but not since the key
        assert not app.idle_gc.tick()
        now[0] = idle * 1.5 + idle
        assert app.idle_gc.tick()
    assert gc.get_threshold() == before  # the console gave the thresholds back
