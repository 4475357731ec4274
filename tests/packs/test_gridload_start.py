"""Getting started on a pack that ships nothing but its declaration: `docket demo --domain
gridload` seeds a queue and a history from the pack's own history, and `docket sample`
writes its case and outcome files; a yes/no pack other than credit is refused in one
sentence saying what to do instead."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from cli.app import cli
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.packs.gridload import make_pack
from tests.packs.test_gridload_cli import DEMAND


@pytest.mark.timeout(900)
def test_the_demo_seeds_a_foreign_quantity_pack_once_in_its_own_words(
    docket: Docket,  # noqa: F811
) -> None:
    first = docket.runner.invoke(cli, ["demo", "--domain", "gridload", "--no-tui",
                                       "--cases", "6"])
    assert first.exit_code == 0, first.output
    assert "opened 6 settlement period(s) for the queue (0 already there)" in first.stdout
    recorded = re.search(r"recorded (\d+) past contracts with the load that happened",
                         first.stdout)
    assert recorded and int(recorded.group(1)) > 0, first.stdout
    assert "demo-dispatcher dispatcher" in first.stdout  # its people are its roles
    again = docket.runner.invoke(cli, ["demo", "--domain", "gridload", "--no-tui",
                                       "--cases", "6"])
    assert again.exit_code == 0, again.output
    assert "opened 0 settlement period(s) for the queue (6 already there)" in again.stdout
    quality = docket.runner.invoke(cli, ["--role", "auditor", "quality", "gridload"])
    assert quality.exit_code == 0 and "MW" in quality.stdout, quality.output
    shown = first.output + again.output + quality.output
    found = sorted({m.group(0) for m in DEMAND.finditer(shown)})
    assert not found, (found, shown)


def test_sample_files_from_the_packs_history_are_read_by_ingest_and_outcomes(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    cases = docket("sample", "gridload", "cases", "--last", "4")
    assert cases.exit_code == 0, cases.output
    rows = list(csv.DictReader(io.StringIO(cases.stdout)))
    last = make_pack().history.rows[-1]  # the file's last period, as read_history gives it
    assert len(rows) == 4 and rows[-1]["date"] == last["date"]
    (tmp_path / "cases.csv").write_text(cases.stdout, encoding="utf-8")
    opened = docket("ingest", str(tmp_path / "cases.csv"), role="dispatcher", operator="tia")
    assert opened.exit_code == 0 and "opened 4 case(s)" in opened.output, opened.output
    decided = docket("decide", rows[0]["case_ref"], "--quantity", "30000", "--reason-code",
                     "other", "--reason", "a walk-through", role="dispatcher", operator="tia")
    assert decided.exit_code == 0, decided.output
    outcomes = docket("sample", "gridload", "outcomes", "--last", "4")  # observed: now
    known = list(csv.DictReader(io.StringIO(outcomes.stdout)))
    assert [r["case_ref"] for r in rows] == [k["case_ref"] for k in known]
    assert float(known[0]["outcome"]) > 10_000  # megawatts of the real load
    (tmp_path / "loads.csv").write_text(outcomes.stdout, encoding="utf-8")
    told = docket("outcomes", str(tmp_path / "loads.csv"), "--domain", "gridload",
                  role="dispatcher", operator="tia")
    assert told.exit_code == 0 and "1 recorded" in told.output, told.output

    biopsy = docket("sample", "biopsy", "outcomes", "--last", "3")
    assert biopsy.exit_code == 0 and len(biopsy.stdout.splitlines()) == 4, biopsy.output
    assert_clear_error(docket("sample", "no-such-pack"), "no-such-pack", "gridload")


def test_the_demo_refuses_a_yes_no_pack_other_than_credit_saying_what_to_do(
    docket: Docket,  # noqa: F811
) -> None:
    refused = docket.runner.invoke(cli, ["demo", "--domain", "biopsy", "--no-tui"])
    assert_clear_error(refused, "yes/no pack", "docket sample biopsy cases")
