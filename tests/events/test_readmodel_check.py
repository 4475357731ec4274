"""The read-model check (``docket verify``) hashes its replay's case rows in memory: a file
that matches the log passes without any scratch replay of them, and an edited, deleted or
added row of any case table is still caught and named."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from events import readmodel_check
from events.readmodel_check import digest, in_background, verify_against_log
from events.readmodels import rebuild
from tests.events.test_replay_parts import alone, varied_log

__all__ = ["alone"]  # the fixture, used by name


def test_a_matching_file_passes_on_the_in_memory_digest_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    views = rebuild(log, tmp_path / "views.sqlite")

    def no_scratch(*args: object, **kwargs: object) -> None:
        raise AssertionError("the in-memory digest disagreed with the file's")

    monkeypatch.setattr(readmodel_check, "replayed", no_scratch)
    try:
        report = verify_against_log(log, views)
        views.conn.execute("BEGIN")
        try:
            assert report.ok and report.expected == report.digest == digest(views)
        finally:
            views.conn.execute("COMMIT")
    finally:
        views.close()


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("UPDATE cases SET p_bad = p_bad + 1e-15 WHERE case_ref = 'P03'", "cases: case_id="),
        ("DELETE FROM cases WHERE case_ref = 'P05'", "cases: 1 rows missing"),
        ("UPDATE decisions SET operator = 'mallory' WHERE position = "
         "(SELECT max(position) FROM decisions)", "decisions: position="),
        ("DELETE FROM overrides WHERE position = (SELECT min(position) FROM overrides)",
         "overrides: 1 rows missing"),
        ("UPDATE explanations SET text = 'all fine' WHERE position = "
         "(SELECT min(position) FROM explanations)", "explanations: position="),
        ("UPDATE outcomes SET outcome = 'bad'", "outcomes: position="),
        ("UPDATE quarantine SET problems = '[]'", "quarantine: case_id="),
        ("INSERT INTO outcomes (position, case_id, outcome) VALUES (999999, 'x', 'good')",
         "outcomes: 1 rows not in the log"),
    ],
)  # fmt: skip
def test_an_edited_case_table_is_caught_and_named(tmp_path: Path, edit: str, named: str) -> None:
    log = varied_log(tmp_path / "s.sqlite")
    views = rebuild(log, tmp_path / "views.sqlite")
    try:
        views.conn.execute(edit)
        report = verify_against_log(log, views)
        assert not report.ok and report.expected != report.digest
        assert any(named in line for line in report.differences), report.differences
    finally:
        views.close()


@pytest.mark.usefixtures("alone")
@pytest.mark.parametrize("shared", [False, True])
def test_the_check_run_in_a_child_process_reports_as_the_one_run_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: bool
) -> None:
    if shared:  # the child shares its replay with processes of its own (a large log)
        import os

        from events import replay_parts

        monkeypatch.setattr(replay_parts, "SPLIT_FROM", 10)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    log = varied_log(tmp_path / "s.sqlite")
    views = rebuild(log, tmp_path / "views.sqlite")
    try:
        passing = in_background(log, views)
        assert passing is not None  # a SQLite store, one thread: it forks
        assert passing() == verify_against_log(log, views)
        views.conn.execute("UPDATE decisions SET action = 'approve'")
        failing = in_background(log, views)
        assert failing is not None
        report = failing()
        assert not report.ok and any("decisions: position=" in d for d in report.differences)
    finally:
        views.close()


@pytest.mark.usefixtures("alone")
def test_the_in_memory_check_split_between_processes_matches_and_catches_edits_in_each_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from events import replay_parts

    log = varied_log(tmp_path / "s.sqlite")
    views = rebuild(log, tmp_path / "views.sqlite")
    alone_report = verify_against_log(log, views)  # far below SPLIT_FROM: one process
    monkeypatch.setattr(replay_parts, "SPLIT_FROM", 10)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    shares: list[tuple[object, ...]] = []

    class Counted(ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            shares.append(args[2:])  # (index, count)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(readmodel_check, "ProcessPoolExecutor", Counted)

    def no_scratch(*args: object, **kwargs: object) -> None:
        raise AssertionError("the shared in-memory digest disagreed with the file's")

    with monkeypatch.context() as m:
        m.setattr(readmodel_check, "replayed", no_scratch)
        shared_report = verify_against_log(log, views)
    assert shared_report == alone_report and shared_report.ok
    assert shares == [(1, 3), (2, 3)]  # two other processes hashed a share each
    try:
        # One case of each share edited in turn: each is caught by the shared check.
        case_ids = [r["case_id"] for r in views.rows("SELECT case_id FROM cases")]
        by_share = {int(c[-4:], 16) % 3: c for c in case_ids}
        assert sorted(by_share) == [0, 1, 2]
        for case_id in by_share.values():
            views.conn.execute("UPDATE cases SET p_bad = 0.5 WHERE case_id = ?", (case_id,))
            report = verify_against_log(log, views)
            assert not report.ok and any(case_id in d for d in report.differences)
            views.conn.execute("BEGIN")
            views.conn.execute("DELETE FROM cases")
            views.conn.execute("COMMIT")
            views.close()
            views = rebuild(log, tmp_path / "views.sqlite")
    finally:
        views.close()
