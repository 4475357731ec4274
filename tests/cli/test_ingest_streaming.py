"""``docket ingest`` reads its file as it goes and can be killed at any point.

A real ``docket`` process is killed with SIGKILL while it is part-way through a file; the
rerun opens exactly the rows that were not yet in, skips the rest as duplicates, and the
read models hold every case once, with no catch-up left for the next command.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.cli.test_cli import Docket, Rows
from tests.cli.test_hostile_files import docket  # noqa: F401 - the fixture

REPO = Path(__file__).resolve().parents[2]
ROWS = 3_000


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def events_in(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_an_ingest_killed_mid_file_finishes_on_rerun_without_duplicates(
    docket: Docket, credit_rows: Rows, tmp_path: Path  # noqa: F811
) -> None:
    docket.seed([])  # models registered: every case is scored (one Assessed event per case)
    base = credit_rows(1000)
    rows = [{**base[i % len(base)], "case_ref": f"big-{i:05d}"} for i in range(ROWS)]
    path = tmp_path / "big.csv"
    write_csv(path, rows)
    before = events_in(docket.store)
    env = {**os.environ, "DOCKET_DATA_DIR": str(docket.data)}
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "--store", str(docket.store), "--key",
         str(docket.key_file()), "ingest", str(path)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    # Kill it once at least two batches are in the log, well before the end of the file.
    while events_in(docket.store) - before < 2 * 500 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    opened_before_kill = len(docket.view_rows("SELECT case_id FROM cases WHERE status='open'"))
    assert 0 < opened_before_kill < ROWS

    result = docket("ingest", str(path))

    assert result.exit_code == 0, result.output
    assert f"opened {ROWS - opened_before_kill} case(s)" in result.stdout, result.output
    assert f"skipped {opened_before_kill} duplicate(s)" in result.stdout, result.output
    with sqlite3.connect(f"{docket.store}.views.sqlite") as views:
        refs = [r[0] for r in views.execute("SELECT case_ref FROM cases WHERE status='open'")]
        position = views.execute("SELECT position FROM _position").fetchone()[0]
    assert sorted(refs) == sorted(str(r["case_ref"]) for r in rows)  # each exactly once
    assert position == events_in(docket.store)  # the read models are already up to date


def test_new_rows_beside_an_input_quarantined_before_are_all_recorded(
    docket: Docket, credit_rows: Rows, tmp_path: Path  # noqa: F811
) -> None:
    """A batch that the store refuses as a whole (one record in it exists already) is saved
    again without that record: every new case it reports as opened is really in the log."""
    docket.seed([])
    base = credit_rows(6)
    bad = {**base[0], "case_ref": "bad-1", "age_in_years": "not a number"}
    first = tmp_path / "first.csv"
    write_csv(first, [bad])
    assert "age_in_years" in docket("ingest", str(first)).output
    fresh = [{**row, "case_ref": f"new-{i}"} for i, row in enumerate(base[1:])]
    second = tmp_path / "second.csv"
    write_csv(second, [*fresh, bad])

    result = docket("ingest", str(second))

    assert f"opened {len(fresh)} case(s)" in result.stdout, result.output
    for row in fresh:
        shown = docket("audit", str(row["case_ref"]))
        assert shown.exit_code == 0, shown.output
    verified = docket("verify")
    assert verified.exit_code == 0, verified.output
