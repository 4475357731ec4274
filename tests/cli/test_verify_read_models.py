"""``docket verify`` checks the read models too: their position and a digest against the log.

Editing the read-model file (the champion flag moved to the shadow model) is reported by
verify, changes no model that scores new cases, and is undone by the next command that asks
which model decides.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.views import Accept
from tests.cli.test_cli import Docket, Rows, assert_clear_error
from tests.people import People


@pytest.fixture
def docket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: People) -> Docket:
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    return Docket(tmp_path / "store.sqlite", tmp_path / "data", CliRunner(), people)


def edit_views(docket: Docket, sql: str) -> None:
    con = sqlite3.connect(docket.store.with_name(docket.store.name + ".views.sqlite"))
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()


def test_verify_reports_position_and_digest_of_untouched_read_models(
    docket: Docket, credit_rows: Rows
) -> None:
    docket.seed(credit_rows(5))
    result = docket("verify")
    assert result.exit_code == 0, result.output
    assert "hash chain and signatures intact" in result.stdout
    assert "read models at position" in result.stdout and "match a replay" in result.stdout


def test_a_champion_moved_in_the_read_model_file_is_reported_and_decides_nothing(
    docket: Docket, credit_rows: Rows, tmp_path: Path
) -> None:
    docket.seed(credit_rows(5))
    champion, shadow = docket.champion_and_shadow()
    edit_views(docket, "UPDATE models SET champion = 1, status = 'champion' "
                       "WHERE status = 'shadow'")

    tampered = docket("verify")
    applications = tmp_path / "new.jsonl"
    applications.write_text("\n".join(
        json.dumps(r) for r in credit_rows(3, start=10)), encoding="utf-8")
    ingested = docket("ingest", str(applications))
    after = docket("verify")

    assert_clear_error(tampered, "read models differ", "models")
    assert "model_id=" in tampered.stderr
    assert ingested.exit_code == 0, ingested.output
    scored = docket.view_rows("SELECT DISTINCT model_version FROM cases "
                              "WHERE case_ref IN ('gc-0010', 'gc-0011', 'gc-0012')")
    assert scored == [{"model_version": champion}]
    assert docket.champion_and_shadow() == (champion, shadow)
    assert after.exit_code == 0, after.output  # rebuilt from the log by the ingest


def test_a_read_model_position_beyond_the_log_is_reported(
    docket: Docket, credit_rows: Rows
) -> None:
    docket.seed(credit_rows(2))
    edit_views(docket, "UPDATE _position SET position = position + 1000 WHERE name = 'log'")
    result = docket("verify")
    assert_clear_error(result, "claim position", "log ends at")


def test_an_edited_queue_count_is_reported_by_verify_and_undone_by_replay(
    docket: Docket, credit_rows: Rows
) -> None:
    # The queue's totals are kept beside the case rows (derived, so not in the digest): an
    # insider who inflates them shows every console a queue that is not there.
    docket.seed(credit_rows(5))
    edit_views(docket, "UPDATE case_counts SET n = n + 5000 WHERE status = 'open'")
    shown = docket("status")
    tampered = docket("verify")
    replayed = docket("replay")
    after = docket("verify")

    assert "open 500" in shown.stdout  # what the edit made every reader see
    assert_clear_error(tampered, "read models differ", "case_counts: open")
    assert "the cases table holds" in tampered.stderr
    assert replayed.exit_code == 0, replayed.output
    assert after.exit_code == 0, after.output
    assert "open 500" not in docket("status").stdout


def test_an_edited_case_row_is_named_by_the_reference_people_use(
    docket: Docket, credit_rows: Rows
) -> None:
    """An auditor reads "case gc-0003", the reference on every screen, not only its uuid."""
    ids = docket.seed(credit_rows(5))
    ref = sorted(ids)[3]
    edit_views(docket, f"UPDATE cases SET recommendation = 'approve', p_bad = 0.01 "
                       f"WHERE case_ref = '{ref}'")
    tampered = docket("verify")
    assert_clear_error(tampered, "read models differ", f"(case {ref}) differs in")
    assert f"case_id={ids[ref]} (case {ref}) differs in p_bad, recommendation" in (
        tampered.output), tampered.output


def test_a_case_row_edited_in_the_file_is_not_shown_as_real_by_the_queue(
    docket: Docket, credit_rows: Rows
) -> None:
    """`docket cases` (the console's query) showed an edited row as it was: a case's score
    and recommendation changed, another marked decided by someone who never saw it (gone
    from the waiting queue). Each row shown is now compared with the log; one that differs
    has the read models rebuilt (with a critical alert) and the page read again."""
    ids = docket.seed(credit_rows(5))
    forged, hidden = sorted(ids)[3], sorted(ids)[1]
    before = json.loads(docket("cases", "--json").stdout)
    real = {r["case_ref"]: r for r in before["cases"]}
    assert real[forged]["recommendation"] != "approve" or real[forged]["p_bad"] != 0.01
    edit_views(docket, f"UPDATE cases SET recommendation = 'approve', p_bad = 0.01 "
                       f"WHERE case_ref = '{forged}'")  # fmt: skip
    edit_views(docket, f"UPDATE cases SET status = 'decided', decided_action = 'approve', "
                       f"decided_by = 'sam' WHERE case_ref = '{hidden}'")  # fmt: skip
    shown = json.loads(docket("cases", "--json").stdout)
    rows = {r["case_ref"]: r for r in shown["cases"]}
    assert rows[forged]["recommendation"] == real[forged]["recommendation"]
    assert rows[forged]["p_bad"] == real[forged]["p_bad"]
    assert hidden in rows and rows[hidden]["status"] == "open"
    assert docket("verify").exit_code == 0
    con = sqlite3.connect(docket.store.with_name(docket.store.name + ".views.sqlite"))
    try:
        kinds = [k for (k,) in con.execute("SELECT kind FROM alerts")]
    finally:
        con.close()
    assert "read_models_rebuilt" in kinds


def swap_refs(docket: Docket, one: str, other: str) -> None:
    """The insider's edit: two cases' references exchanged in the read-model file (no event
    written), so that a command naming one by its reference finds the other."""
    edit_views(docket, f"UPDATE cases SET case_ref = CASE case_ref WHEN '{one}' THEN '{other}' "
                       f"ELSE '{one}' END WHERE case_ref IN ('{one}', '{other}')")  # fmt: skip


def test_a_decision_by_reference_goes_to_the_case_the_log_opened_under_it(
    docket: Docket, credit_rows: Rows
) -> None:
    ids = docket.seed(credit_rows(4))
    swap_refs(docket, "gc-0001", "gc-0002")
    result = docket("decide", "gc-0001", "--accept")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("gc-0001: accepted"), result.stdout
    assert docket.case(ids["gc-0001"]).status == "decided"
    assert docket.case(ids["gc-0002"]).status == "open"
    alerts = docket.view_rows("SELECT details FROM alerts WHERE kind = 'read_models_rebuilt'")
    assert len(alerts) == 1 and "gc-0001" in alerts[0]["details"], alerts
    assert docket("verify").exit_code == 0  # the file was rebuilt from the log


def test_outcomes_by_reference_are_never_recorded_on_the_case_the_file_moved_it_to(
    docket: Docket, credit_rows: Rows, tmp_path: Path
) -> None:
    ids = docket.seed(credit_rows(4))
    with docket.service("ana", "operator") as service:
        for ref in ("gc-0000", "gc-0001"):
            service.decide(ids[ref], Accept())
    swap_refs(docket, "gc-0000", "gc-0001")
    path = tmp_path / "outcomes.csv"
    path.write_text("case_ref,outcome,observed_at,source\n"
                    f"gc-0000,bad,{datetime.now(UTC).isoformat()},outside:bureau\n",
                    encoding="utf-8")  # fmt: skip
    assert_clear_error(docket("outcomes", str(path)), "gc-0000", "rebuilt", "again")
    assert docket.case(ids["gc-0001"]).outcome is None
    again = docket("outcomes", str(path))
    assert again.exit_code == 0 and again.stdout.startswith("1 row: 1 recorded"), again.output
    assert docket.case(ids["gc-0000"]).outcome == "bad"
    assert docket.case(ids["gc-0001"]).outcome is None
