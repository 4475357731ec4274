"""Console speed on real stores: start to first queue paint, and key-press redraws.

    python benchmarks/bench_tui.py --cases 100000    # makes (or reuses) the real store first
    python benchmarks/bench_tui.py --cases 10000 --repeats 10

Stores are real: made by ``benchmarks/make_store.py`` through ``docket keys init``, ``docket
train credit`` and ``docket ingest`` of real German credit rows resampled (see its docstring),
and cached in /tmp/docket-stores. Nothing here uses a fake service.

Printed, with the baselines measured in the same run:

* the console (headless ``run_test``, 120x40, Textual's own compose/layout/render included):
  opening the service, first paint of the queue, down arrow, next page (``]``), opening a case
  (``enter``) the way an operator does (on a row they have read: the console fetched its case
  while the cursor rested there) and cold (Enter at once: the case is read after the key):
  median and p95 wall time, and the CPU time the process spent (UI and service threads; on a
  loaded machine wall time mostly measures waiting for a core), on the big store and on a
  200-case store (the baseline: a ratio near 1 means the console does not slow with size);
* garbage collection: the worst full collection begun inside a key press and how many
  there were (``gc_full_in_keys_worst``, ``gc_full_in_keys_count``),
  and the CPU of the worst one the console ran when idle (``gc_idle_cpu_worst``: the
  console holds full collections back while keys are pressed, see ``tui/idle_gc.py``);
* the raw SQL under a page (one ``status = ?`` page in index order, measured with sqlite3
  alone) and the old query the console used to run (``status IN ('open','escalated') ...
  OFFSET``), for scale;
* ``docket cases`` as a shell user runs it (a subprocess: first page, the page ``--after`` a
  case deep in the queue, ``--page 20``), on both stores;
* the query plans: every query a page can run, explained on the big store (any temporary
  B-tree or whole-table scan is printed and counted).

Targets (issue 17, at 1,000,000 cases): first paint < 500 ms, next page and open case
< 50 ms p95. The machine is shared: the load average is printed with the figures.
``--json FILE`` writes every figure by name in seconds (``first_paint_s``; the 200-case
store's as ``baseline_first_paint_s``; ``benchmarks/figures.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.figures import add_json_option, record, write_json  # noqa: E402
from benchmarks.make_store import DOCKET, MadeStore, ensure_store  # noqa: E402
from tests.events.test_queue import bad_steps, every_queue_query  # noqa: E402
from tests.tui.conftest import settle  # noqa: E402
from tui.app import DocketApp  # noqa: E402
from tui.idle_gc import IdleCollector  # noqa: E402
from tui.port import system_clock  # noqa: E402
from tui.screens.case import CaseScreen  # noqa: E402
from tui.screens.queue import PAGE_SIZE, QueueScreen  # noqa: E402

SIZE = (120, 40)
TIMEOUT = 60.0  # seconds any single wait may take before the benchmark gives up
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


async def measure(make: Callable[[], DocketApp], repeats: int) -> dict[str, float]:
    """Seconds: start -> first queue paint; key -> next screen update for down, ] and Enter.

    Key timings are taken from the moment the key event is handed to the driver to the
    first frame written after the change took effect (wrapping ``App._display``), so
    the Pilot's own idle-waiting is not counted. Every wait fails with
    :class:`BenchTimeout` after ``TIMEOUT`` seconds rather than hanging.
    """
    pauses: list[tuple[float, float]] = []  # full (generation 2) collections: start, seconds
    windows: list[tuple[float, float]] = []  # key press to its frame: start, end

    def on_gc(phase: str, info: dict[str, int], began: list[float] = [0.0]) -> None:  # noqa: B006
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append((began[0], time.perf_counter() - began[0]))

    cpu: dict[str, list[float]] = defaultdict(list)  # CPU seconds per key, by key
    started, started_cpu = time.perf_counter(), time.process_time()
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
        first_paint_cpu = time.process_time() - started_cpu

        async def key_to_frame(key: str, changed: Callable[[], bool]) -> float:
            await settle(pilot)
            if changed():
                raise BenchTimeout(f"bad benchmark step: the effect of {key!r} holds already")
            watch.expect(changed)
            t0, c0 = time.perf_counter(), time.process_time()
            event = events.Key(key, None)
            event.set_sender(app)
            assert app._driver is not None
            app._driver.send_message(event)
            frame = await watch.first_frame(f"a frame showing the effect of key {key!r}")
            windows.append((t0, frame))
            shown = frame - t0
            cpu[key].append(time.process_time() - c0)  # both threads: UI and service
            return shown

        gc.callbacks.append(on_gc)
        table = app.queue_screen.table
        down = []
        for _ in range(repeats):
            before = table.cursor_row
            key = "down" if before < table.row_count - 1 else "up"
            down.append(await key_to_frame(key, lambda b=before: table.cursor_row != b))
        page = []
        for _ in range(repeats):
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
        queue = app.queue_screen

        async def open_cases(ahead: bool) -> list[float]:
            """Enter on the next row down, each time: the operator reads the row first (the
            console fetches its case meanwhile: ``ahead``) or presses Enter at once
            (fetching ahead turned off, nothing kept: the case is read after Enter)."""
            queue.prefetch_delay = QueueScreen.prefetch_delay if ahead else None
            times = []
            for _ in range(repeats):
                if queue.table.cursor_row >= len(queue.rows) - 1:
                    await pilot.press("home")
                await pilot.press("down")
                await settle(pilot)
                row = queue.selected_row()
                if ahead:
                    await wait_until(lambda r=row: queue.prefetched(r) is not None,
                                     "the case under the cursor, fetched ahead")  # fmt: skip
                else:
                    queue._details.clear()  # nothing fetched before Enter
                times.append(await key_to_frame(
                    "enter",
                    lambda: isinstance(app.screen, CaseScreen) and app.screen.detail is not None,
                ))  # fmt: skip
                await pilot.press("escape")
                await settle(pilot)
                await wait_until(lambda: app.screen is queue, "escape back to the queue")
            return times

        opened = await open_cases(ahead=True)
        cold = await open_cases(ahead=False)
        gc.callbacks.remove(on_gc)
        # The operator stops to read: the full collection held back during the key presses
        # (tui.idle_gc) runs now; its CPU is what a quiet second costs.
        if app.idle_gc.running and app.idle_gc.due():
            await wait_until(lambda: bool(app.idle_gc.pauses), "an idle collection", timeout=5)
    del service.queue  # the instance attribute; the method shows through again
    return {
        "first_paint": first_paint,
        "down_median": statistics.median(down),
        "down_p95": p95(down),
        "page_median": statistics.median(page),
        "page_p95": p95(page),
        "open_case_median": statistics.median(opened),
        "open_case_p95": p95(opened),
        "open_case_cold_median": statistics.median(cold),
        "open_case_cold_p95": p95(cold),
        "first_paint_cpu": first_paint_cpu,
        "page_cpu_median": statistics.median(
            cpu["right_square_bracket"] + cpu["left_square_bracket"]
        ),
        "open_case_cpu_median": statistics.median(cpu["enter"][:repeats]),
        "service_queue_median": statistics.median(queue_calls),
        # Full collections that began inside a key press (between the key and its frame).
        "gc_full_in_keys_worst": max(
            (d for b, d in pauses if any(t0 <= b < t1 for t0, t1 in windows)), default=0.0
        ),
        "gc_full_in_keys_count": float(
            sum(any(t0 <= b < t1 for t0, t1 in windows) for b, _ in pauses)
        ),
        "gc_idle_cpu_worst": max(app.idle_gc.pauses, default=0.0),
    }


def p95(samples: list[float]) -> float:
    return sorted(samples)[round(0.95 * (len(samples) - 1))]


TARGETS = {
    "first_paint": 0.5, "page_p95": 0.05, "open_case_p95": 0.05, "open_case_cold_p95": 0.05,
    "down_p95": 0.05,
}


def report(title: str, figures: dict[str, float], baseline: dict[str, float], *,
           prefix: str = "") -> None:
    """Print ``figures`` (seconds) beside ``baseline``'s, and record each as
    ``PREFIX + KEY + '_s'``."""
    print(f"\n{title}  (load {load()})")
    for key, value in figures.items():
        record(f"{prefix}{key}" + ("" if key.endswith("_count") else "_s"), value)
        target = TARGETS.get(key)
        verdict = "" if target is None else (" ok" if value < target else " OVER TARGET")
        limit = "" if target is None else f" (target < {target * 1000:.0f} ms at 1M)"
        ratio = value / baseline[key] if baseline.get(key) else float("nan")
        shown = f"{value:9.0f}   " if key.endswith("_count") else f"{value * 1000:9.1f} ms"
        print(f"  {key:22s} {shown}  x{ratio:5.2f} vs baseline{limit}{verdict}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def open_service(made: MadeStore) -> tuple[Any, float]:
    """The service as ``docket tui`` opens it on this store (the store's admin key, acting
    as operator), and the seconds that took."""
    from assistant.service import DocketService, SigningKey

    t = time.perf_counter()
    service = DocketService.open(
        str(made.path), keys=[SigningKey.load(made.key)], data_dir=str(made.data_dir)
    )
    service.sync()
    return service, time.perf_counter() - t


def console(made: MadeStore, repeats: int) -> dict[str, float]:
    service, opening = open_service(made)
    try:
        figures = asyncio.run(
            measure(lambda: DocketApp(service, system_clock, sync_interval=None), repeats)
        )
    finally:
        service.close()
    return {"open_service": opening, **figures}


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def raw_sql(made: MadeStore, repeats: int) -> dict[str, float]:
    """The SQL under a page, alone (sqlite3, no service): a keyset page of one status in
    index order, and the old query (two statuses sorted, OFFSET half-way), medians."""
    conn = sqlite3.connect(f"{made.path}.views.sqlite")
    n = conn.execute("SELECT count(*) FROM cases WHERE status = 'open'").fetchone()[0]
    key = conn.execute(
        "SELECT opened_at, case_ref, case_id FROM cases WHERE status = 'open' "
        "ORDER BY opened_at, case_ref, case_id LIMIT 1 OFFSET ?", [n // 2]
    ).fetchone()
    keyset = (
        "SELECT * FROM cases WHERE status = 'open' AND (opened_at, case_ref, case_id) > (?,?,?) "
        "ORDER BY opened_at, case_ref, case_id LIMIT 50"
    )
    old = (
        "SELECT * FROM cases WHERE status IN ('open','escalated') "
        "ORDER BY opened_at, case_ref LIMIT 50 OFFSET ?"
    )
    figures = {
        "raw_keyset_page": statistics.median(
            timed(lambda: conn.execute(keyset, key).fetchall(), repeats)
        ),
        "raw_old_offset_page": statistics.median(
            timed(lambda: conn.execute(old, [n // 2]).fetchall(), max(3, repeats // 5))
        ),
    }
    conn.close()
    return figures


def shell(made: MadeStore, repeats: int) -> dict[str, float]:
    """``docket cases`` as a subprocess (Python start-up included): the first page, the page
    after a case half-way down the queue, and the page half-way down by number (reached by
    walking the keys before it: this one grows with the queue); medians."""
    conn = sqlite3.connect(f"{made.path}.views.sqlite")
    n = conn.execute("SELECT count(*) FROM cases WHERE status = 'open'").fetchone()[0]
    middle = conn.execute(
        "SELECT case_ref FROM cases WHERE status = 'open' ORDER BY opened_at, case_ref, case_id "
        "LIMIT 1 OFFSET ?", [n // 2]
    ).fetchone()[0]
    conn.close()

    def docket(*args: str) -> Callable[[], Any]:
        return lambda: subprocess.run(
            [*DOCKET, "cases", *args], cwd=ROOT, env=made.env(), check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip

    return {
        "cases_first_page": statistics.median(timed(docket(), repeats)),
        "cases_after_middle": statistics.median(timed(docket("--after", middle), repeats)),
        "cases_page_middle": statistics.median(
            timed(docket("--page", str(n // 2 // PAGE_SIZE + 1)), repeats)
        ),
        "python_start": statistics.median(timed(
            lambda: subprocess.run([sys.executable, "-c", "import cli.main"], cwd=ROOT,
                                   check=True), repeats
        )),  # fmt: skip
    }


def plans(made: MadeStore) -> None:
    conn = sqlite3.connect(f"{made.path}.views.sqlite")
    queries = dict(every_queue_query())
    bad = [f"{step}: {sql}" for sql, params in queries.items() for step in
           bad_steps(conn, sql, params)]
    conn.close()
    print(f"\nquery plans on the {made.cases:,}-case store: {len(queries):,} distinct queries, "
          f"{len(bad)} sorting or scanning the cases")
    for line in bad[:10]:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-console", action="store_true", help="only SQL and docket cases")
    parser.add_argument("--no-shell", action="store_true", help="skip docket cases")
    parser.add_argument("--no-idle-gc", action="store_true",
                        help="leave full collections to Python (the console before tui.idle_gc)")
    parser.add_argument("--shell-repeats", type=int, default=None,
                        help="runs of each docket cases command (default: repeats / 4, >= 3)")
    add_json_option(parser)
    args = parser.parse_args()
    if args.no_idle_gc:
        IdleCollector.start = lambda self: None  # type: ignore[method-assign]
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"load {load()} on {os.cpu_count()} cores (shared machine)")
    small, big = ensure_store(BASELINE), ensure_store(args.cases)
    for made in (small, big):  # a first open adds any index this version declares
        service, seconds = open_service(made)
        service.close()
        print(f"  first open of the {made.cases:,}-case store: {seconds:.1f} s")
    plans(big)
    base_sql, big_sql = raw_sql(small, args.repeats), raw_sql(big, args.repeats)
    report(f"raw SQL, {BASELINE} cases (baseline)", base_sql, base_sql, prefix="baseline_")
    report(f"raw SQL, {args.cases:,} cases", big_sql, base_sql)
    if not args.no_shell:
        shell_repeats = args.shell_repeats or max(3, args.repeats // 4)
        base_shell = shell(small, shell_repeats)
        report(f"docket cases, {BASELINE} cases (baseline)", base_shell, base_shell,
               prefix="baseline_")
        report(f"docket cases, {args.cases:,} cases", shell(big, shell_repeats), base_shell)
    if args.no_console:
        write_json(args.json)
        return
    baseline = console(small, args.repeats)
    report(f"console, real store, {BASELINE} cases (baseline)", baseline, baseline,
           prefix="baseline_")
    figures = console(big, args.repeats)
    report(f"console, real store, {args.cases:,} cases", figures, baseline)
    print(f"\n  raw keyset page on the big store: {big_sql['raw_keyset_page'] * 1000:.2f} ms; "
          f"console next page p95 is x{figures['page_p95'] / big_sql['raw_keyset_page']:.0f}")
    write_json(args.json)


if __name__ == "__main__":
    main()
