"""The read-model check (``docket verify``) hashes its replay's case rows in memory: a file
that matches the log passes without any scratch replay of them, and an edited, deleted or
added row of any case table is still caught and named."""

from __future__ import annotations

from pathlib import Path

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
def test_the_check_run_in_a_child_process_reports_as_the_one_run_here(tmp_path: Path) -> None:
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
