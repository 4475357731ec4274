"""Console speed: app start to first queue paint, and key-press redraw, at 100,000 cases.

    python benchmarks/bench_tui.py                # fake service, 100,000 cases (+ real if it works)
    python benchmarks/bench_tui.py --real 100000  # also seed a temporary real store this big
    python benchmarks/bench_tui.py --no-real

Targets (issue 5): open < 2 s and a key press redraws in < 100 ms with 100,000 cases.
Each figure is printed with its ratio to the same figure on a 200-case store measured in
the same run (the baseline): a ratio near 1 means the console does not slow with size.
Headless (``run_test``), 120×40; includes Textual's own compose/layout/render work.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.tui.conftest import settle  # noqa: E402
from tests.tui.fakes import FakeService, frozen_clock  # noqa: E402
from tui.app import DocketApp  # noqa: E402
from tui.screens.case import CaseScreen  # noqa: E402
from tui.screens.queue import PAGE_SIZE  # noqa: E402

SIZE = (120, 40)
TIMEOUT = 30.0  # seconds any single wait may take before the benchmark gives up
REPEATS = 30
BASELINE = 200  # cases: enough for a few pages


class BenchTimeout(RuntimeError):
    """A wait in the benchmark did not finish in time (instead of hanging forever)."""


async def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll ``condition`` until it is true; raise :class:`BenchTimeout` after ``timeout``."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise BenchTimeout(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.0005)


class FrameWatch:
    """Wraps ``App._display`` and notes the first frame written once a condition holds.

    The condition is checked when each frame is written, not by a polling task: a
    poller can wake up only after the change *and* its frame have happened (both in one
    turn of the event loop), and then wait forever for a further frame that an idle
    console never writes. That race is what hung the benchmark.
    """

    def __init__(self, app: DocketApp) -> None:
        self.frames = 0
        self._condition: Callable[[], bool] | None = None
        self._hit: float | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            self.frames += 1
            if self._condition is not None and self._condition():
                self._hit = time.perf_counter()
                self._condition = None

        app._display = display  # type: ignore[method-assign]

    def expect(self, condition: Callable[[], bool]) -> None:
        """From now on, note the first frame written while ``condition()`` is true."""
        self._condition, self._hit = condition, None

    async def first_frame(self, what: str, timeout: float = TIMEOUT) -> float:
        """``perf_counter()`` of that frame; raise :class:`BenchTimeout` if none comes."""
        frames_before = self.frames
        deadline = time.perf_counter() + timeout
        while self._hit is None:
            if time.perf_counter() > deadline:
                self._condition = None
                raise BenchTimeout(
                    f"timed out after {timeout:.0f} s waiting for {what} "
                    f"({self.frames - frames_before} frames written meanwhile, none showing it)"
                )
            await asyncio.sleep(0.0005)
        return self._hit


async def measure(make: Callable[[], DocketApp]) -> dict[str, float]:
    """Seconds: start → first queue paint; key → next screen update for ↓, ] and Enter.

    Key timings are taken from the moment the key event is handed to the driver to the
    first frame written after the change took effect (wrapping ``App._display``), so
    the Pilot's own idle-waiting is not counted. Every wait fails with
    :class:`BenchTimeout` after ``TIMEOUT`` seconds rather than hanging.
    """
    pauses: list[float] = []  # full (generation 2) garbage collections, seconds each

    def on_gc(phase: str, info: dict[str, int], began: list[float] = [0.0]) -> None:  # noqa: B006
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append(time.perf_counter() - began[0])

    started = time.perf_counter()
    app = make()
    watch = FrameWatch(app)
    service: Any = app.service
    queue_calls: list[float] = []  # seconds inside service.queue (on the service thread)
    service_queue = service.queue

    def timed_queue(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return service_queue(*args, **kwargs)
        finally:
            queue_calls.append(time.perf_counter() - t)

    service.queue = timed_queue
    watch.expect(lambda: app.screen is app.queue_screen and app.queue_screen.loaded)
    async with app.run_test(size=SIZE) as pilot:
        first_paint = await watch.first_frame("the first paint of the loaded queue") - started

        async def key_to_frame(key: str, changed: Callable[[], bool]) -> float:
            await settle(pilot)
            if changed():
                raise BenchTimeout(f"bad benchmark step: the effect of {key!r} holds already")
            watch.expect(changed)
            t0 = time.perf_counter()
            event = events.Key(key, None)
            event.set_sender(app)
            assert app._driver is not None
            app._driver.send_message(event)
            return await watch.first_frame(f"a frame showing the effect of key {key!r}") - t0

        gc.callbacks.append(on_gc)
        table = app.queue_screen.table
        down = []
        for _ in range(REPEATS):
            before = table.cursor_row
            key = "down" if before < table.row_count - 1 else "up"
            down.append(await key_to_frame(key, lambda b=before: table.cursor_row != b))
        page = []
        for _ in range(REPEATS // 2):
            queue = app.queue_screen
            first = queue.rows[0].case_id
            more = queue.page_offset + PAGE_SIZE < queue.total
            page.append(
                await key_to_frame(
                    "right_square_bracket" if more else "left_square_bracket",
                    lambda f=first: (
                        bool(app.queue_screen.rows) and app.queue_screen.rows[0].case_id != f
                    ),
                )
            )
        opened = []
        for _ in range(5):
            opened.append(
                await key_to_frame(
                    "enter",
                    lambda: isinstance(app.screen, CaseScreen) and app.screen.detail is not None,
                )
            )
            await pilot.press("escape")
            await settle(pilot)
            await wait_until(lambda: app.screen is app.queue_screen, "escape back to the queue")
        gc.callbacks.remove(on_gc)
    del service.queue  # the instance attribute; the method shows through again
    return {
        "first_paint": first_paint,
        "down_median": statistics.median(down),
        "down_p95": p95(down),
        "page_median": statistics.median(page),
        "page_p95": p95(page),
        "open_case_median": statistics.median(opened),
        "worst_key": max(down + page + opened),
        "service_queue_median": statistics.median(queue_calls),
        "gc_full_worst": max(pauses, default=0.0),
    }


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def report(title: str, figures: dict[str, float], baseline: dict[str, float]) -> None:
    targets = {
        "first_paint": 2.0,
        "down_median": 0.1,
        "down_p95": 0.1,
        "page_median": 0.1,
        "page_p95": 0.1,
        "open_case_median": None,
    }
    print(f"\n{title}")
    for key, value in figures.items():
        target = targets.get(key)
        verdict = "" if target is None else (" ok" if value < target else " OVER TARGET")
        limit = "" if target is None else f" (target < {target * 1000:.0f} ms)"
        ratio = value / baseline[key] if baseline.get(key) else float("nan")
        print(f"  {key:18s} {value * 1000:9.1f} ms  ×{ratio:5.2f} vs baseline{limit}{verdict}")


def seed_real(n: int, folder: Path) -> Any:
    from assistant.service import DocketService
    from assistant.views import Identity

    source = next(
        p
        for p in (
            ROOT / "assistant" / "domains" / "credit" / "data" / "german_credit.csv",
            Path("/work/shared/data/german_credit/german_credit.csv"),
        )
        if p.exists()
    )
    with source.open(encoding="utf-8", newline="") as handle:
        base = list(csv.DictReader(handle))
    rows = []
    for i in range(n):
        row = dict(base[i % len(base)])
        row.pop("creditability", None)
        row["case_ref"] = f"B-{i:07d}"
        rows.append(row)
    store = folder / "docket.db"
    seeder = DocketService.open(str(store), data_dir=str(folder))
    seeder.init_keys("bench-admin")
    seeder.enrol_held(Identity("docket/intake", "system"))
    ana = seeder.enrol_held(Identity("ana", "operator"))
    seeder.identity = Identity("docket/intake", "system")
    t = time.perf_counter()
    result = seeder.ingest("credit", rows)
    seeder.sync()
    print(
        f"  seeded {len(result.opened):,} real cases in {time.perf_counter() - t:.1f} s "
        f"({len(result.rejected)} rejected, {len(result.duplicates)} duplicates)"
    )
    seeder.close()
    return DocketService.open(str(store), keys=[ana], data_dir=str(folder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=0, help="seed a real store with N cases")
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    def app_on(service: Any) -> Callable[[], DocketApp]:
        return lambda: DocketApp(service, frozen_clock, sync_interval=None)

    baseline = asyncio.run(measure(app_on(FakeService(BASELINE))))
    report(f"fake service, {BASELINE} cases (baseline)", baseline, baseline)
    t = time.perf_counter()
    big = FakeService(args.cases)
    print(f"\n  (built {args.cases:,} fake cases in {time.perf_counter() - t:.1f} s)")
    report(f"fake service, {args.cases:,} cases", asyncio.run(measure(app_on(big))), baseline)

    if args.no_real:
        return
    try:
        with tempfile.TemporaryDirectory() as small_dir:
            small = seed_real(BASELINE, Path(small_dir))
            real_base = asyncio.run(measure(app_on(small)))
            small.close()
            report(f"real service, {BASELINE} cases (baseline)", real_base, real_base)
            if args.real:
                with tempfile.TemporaryDirectory() as big_dir:
                    service = seed_real(args.real, Path(big_dir))
                    report(
                        f"real service, {args.real:,} cases",
                        asyncio.run(measure(app_on(service))),
                        real_base,
                    )
                    service.close()
    except Exception as exc:  # the real service may not be ready; the fake figures stand
        print(f"\nreal service not measured: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
