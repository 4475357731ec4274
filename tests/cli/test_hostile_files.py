"""Hostile files through the real ``docket`` command: no traceback ever reaches the user.

Every bad record gets its own line in the report and a quarantine event in the log; the good
records around it are opened (or their outcomes recorded), exactly once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.views import Accept
from tests.cli.test_cli import Docket, Rows
from tests.people import People

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def docket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: People) -> Docket:
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    return Docket(tmp_path / "store.sqlite", tmp_path / "data", CliRunner(), people)


def no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), result.output)
    assert "Traceback" not in result.output


def csv_bytes(rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_ingest_of_an_excel_csv_with_a_bom_a_latin1_row_a_huge_field_and_a_nul(
    docket: Docket, credit_rows: Rows, tmp_path: Path
) -> None:
    docket.seed([])
    rows = credit_rows(6)
    lines = csv_bytes(rows).split(b"\n")  # header, then one line per row
    lines[2] = lines[2].replace(b"gc-0001", "gc-0001-Müller".encode("latin-1"))
    lines[3] = lines[3].replace(b"gc-0002", b"gc-0002" + b"x" * 1_048_576)
    lines[4] = lines[4].replace(b"gc-0003", b"gc-\x000003")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines))

    result = docket("ingest", str(path))

    no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "opened 3 case(s), quarantined 3 row(s)" in result.stdout, result.output
    # Each bad row's location is said once, as the file's line (the header is line 1).
    reported = dict(re.findall(r"^  line (\d+), case_ref: (.*)", result.stderr, re.M))
    assert sorted(reported) == ["3", "4", "5"], result.stderr
    assert "row " not in result.stderr
    assert "save the file as UTF-8" in reported["3"]
    assert "1,048,5" in reported["4"] and "limit" in reported["4"]
    assert "NUL" in reported["5"]
    opened = docket.view_rows("SELECT case_ref FROM cases WHERE status = 'open'")
    assert sorted(r["case_ref"] for r in opened) == ["gc-0000", "gc-0004", "gc-0005"]
    quarantined = docket.view_rows("SELECT raw FROM quarantine")
    assert len(quarantined) == 3
    assert max(len(q["raw"]) for q in quarantined) < 10_000  # the 1 MB field is not copied

    again = docket("ingest", str(path))  # rerun: nothing opened or quarantined twice
    assert "opened 0 case(s)" in again.stdout and "skipped 3 duplicate(s)" in again.stdout
    assert len(docket.view_rows("SELECT raw FROM quarantine")) == 3


def test_ingest_of_deeply_nested_json_and_binary_garbage(
    docket: Docket, credit_rows: Rows, tmp_path: Path
) -> None:
    docket.seed([])
    rows = credit_rows(2)
    nested = tmp_path / "nested.jsonl"
    nested.write_text("\n".join([json.dumps(rows[0]), "[" * 200_000, '{"a":' * 50 + "1" +
                                 "}" * 50, json.dumps(rows[1])]), encoding="utf-8")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(random.Random(1).randbytes(100_000))

    first, second = docket("ingest", str(nested)), docket("ingest", str(garbage))

    for result in (first, second):
        no_traceback(result)
        assert result.exit_code == 0, result.output
    assert "opened 2 case(s), quarantined 2 row(s)" in first.stdout
    assert "nested" in first.stderr
    assert "opened 0 case(s), quarantined 1 row(s)" in second.stdout
    assert "not a text file" in second.stderr
    assert len(docket.view_rows("SELECT raw FROM quarantine")) == 3


def test_outcomes_file_of_binary_garbage_and_non_utf8_rows(
    docket: Docket, credit_rows: Rows, tmp_path: Path
) -> None:
    ids = docket.seed(credit_rows(2))
    with docket.service("ana", "operator") as service:
        for case_id in ids.values():
            service.decide(case_id, Accept())
    garbage = tmp_path / "outcomes.bin"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(20_000))
    now = datetime.now(UTC).isoformat()
    mixed = tmp_path / "outcomes.csv"
    mixed.write_bytes(f"\ufeffcase_ref,outcome,observed_at\ngc-0000,good,{now}\n".encode()
                      + f"gc-0001,schlecht\xe4,{now}\n".encode("latin-1"))

    first, second = docket("outcomes", str(garbage)), docket("outcomes", str(mixed))

    for result in (first, second):
        no_traceback(result)
    # Nothing recorded from the garbage: non-zero, so a nightly job can tell.
    assert (first.exit_code, second.exit_code) == (1, 0), first.output + second.output
    assert first.stdout.startswith("1 row: 0 recorded"), first.stdout
    assert "not a text file" in first.stdout
    assert second.stdout.startswith("2 rows: 1 recorded"), second.stdout
    assert "UTF-8" in second.stdout
    outcomes = docket.view_rows("SELECT case_ref, outcome FROM cases WHERE outcome IS NOT NULL")
    assert outcomes == [{"case_ref": "gc-0000", "outcome": "good"}]
    assert len(docket.view_rows(
        "SELECT * FROM quarantine WHERE domain = 'credit/outcomes'")) == 2


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=2048) | st.text(max_size=400).map(str.encode),
       command=st.sampled_from(["ingest", "outcomes"]),
       suffix=st.sampled_from([".csv", ".jsonl", ".json"]))
def test_fuzzed_files_through_the_cli_never_traceback(
    docket: Docket, tmp_path: Path, data: bytes, command: str, suffix: str
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    result = docket(command, str(path))
    no_traceback(result)
    assert result.exit_code in (0, 1), result.output


def test_a_real_docket_process_prints_no_traceback_on_garbage(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"\xff\xfe\x00" + random.Random(3).randbytes(4096) + b"\n[[[[{\n")
    env = {**os.environ, "DOCKET_DATA_DIR": str(tmp_path / "data"), "DOCKET_ROLE": "operator"}
    env.pop("DOCKET_STORE", None)
    for command in ("ingest", "outcomes"):
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "--store", str(tmp_path / "s.sqlite"), command,
             str(garbage)],
            capture_output=True, text=True, cwd=REPO, env=env, timeout=300, check=False)
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        assert done.returncode in (0, 1), done.stderr


@pytest.mark.parametrize("content", [
    b"[" * 100_000,
    b'{"costs": ' * 60 + b"1" + b"}" * 60,
    b'{"review_cost": 1' + b"0" * 5000 + b"}",
    b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
    '{"escalate_band": "\u00e4"}'.encode("latin-1"),
])
def test_backtest_with_a_hostile_policy_file_is_one_sentence(
    docket: Docket, tmp_path: Path, content: bytes
) -> None:
    docket.seed([])
    path = tmp_path / "policy.json"
    path.write_bytes(content)
    result = docket("backtest", "--policy", str(path))
    no_traceback(result)
    assert result.exit_code == 1, result.output
    [error] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "policy.json" in error, error
