"""`verify` and `replay --check` during concurrent appends report nothing that did not happen.

Both read up to an end position fixed at their start; before that, a decision committed
between two of their reads was reported as a removed event or a differing read model.
The long version (10 runs during 20,000 decisions) is benchmarks/soak_verify.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from events.app import DecisionLog
from events.chain import verify
from events.readmodels import ReadModels, check
from tests.events.helpers import new_case, open_signed

ANA = {"actor": "ana", "role": "operator"}


class Appender(threading.Thread):
    """Opens its own log on the store and appends cases and decisions until stopped."""

    def __init__(self, url: str, name: str) -> None:
        super().__init__(daemon=True)
        self.url, self.prefix = url, name
        self.stop = threading.Event()
        self.saved = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            log = open_signed(self.url)
            i = 0
            while not self.stop.is_set():
                case = new_case(f"{self.prefix}-{i}")
                log.save(case)  # opened, scored, recommended: one commit
                case.accept(**ANA)
                log.save(case)  # the decision: a second commit
                self.saved += 2
                i += 1
        except BaseException as exc:  # reported by the test, never swallowed
            self.error = exc


def run_checks_while_appending(url: str, tmp_path: Path, seconds: float) -> tuple[int, int]:
    log: DecisionLog = open_signed(url)
    log.save(*[new_case(f"seed{i}") for i in range(20)])
    views = ReadModels(tmp_path / "views.sqlite")
    writers = [Appender(url, f"w{k}") for k in range(2)]
    for w in writers:
        w.start()
    runs = grown = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline or runs < 2:
            before = log.event_count()
            report = verify(log, page=7)  # small pages: many reads, many chances to race
            assert report.ok, f"false alarm from verify: {report}"
            assert report.checked >= before
            differences = check(log, views)
            assert differences == [], f"false alarm from replay --check: {differences}"
            grown += log.event_count() > before
            runs += 1
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(10)
    for w in writers:
        assert w.error is None, w.error
    views.close()
    return runs, grown


def test_verify_and_replay_check_stay_quiet_under_concurrent_decisions(
    store_url: str, tmp_path: Path
) -> None:
    runs, grown = run_checks_while_appending(store_url, tmp_path, seconds=2.0)
    # The log really grew while the checks ran, so the races were there to be lost.
    assert grown >= 1 and runs >= 2


def test_verify_still_names_a_removed_last_event_when_quiet(tmp_path: Path) -> None:
    """Fixing the end must not hide a deleted last event whose link remains."""
    import sqlite3

    url = str(tmp_path / "s.sqlite")
    log = open_signed(url)
    log.save(*[new_case(f"c{i}") for i in range(3)])
    last = log.event_count()
    conn = sqlite3.connect(url, isolation_level=None)
    conn.execute("DROP TRIGGER stored_events_no_delete")
    conn.execute("DELETE FROM stored_events WHERE rowid = ?", (last,))
    conn.close()
    report = verify(log)
    assert not report.ok and report.first_bad_position == last
