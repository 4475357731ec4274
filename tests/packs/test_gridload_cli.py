"""The gridload quantity pack passes every command from the command line, with no core change:
domains, train, ingest, cases, decide, outcomes, backtest, figures, quality, monitor and the
owner's policy change. Its names (MW, settlement period, contract / refer, trading_manager)
are its own; no output falls back on the demand pack's words."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.cli.test_demand_cli import write_csv
from tests.packs.conftest import gridload_rows

# The demand pack's words: its unit, outcome, period, subject, risk, owner role, months, and
# its (the newsvendor's) words for the decided and the realised quantity, order and demand.
DEMAND = re.compile(r"\bbikes?\b|\bbikers?\b|\brent(al|ed)\w*|\bhours?\b|station network|"
                    r"shortfall|operations_owner|\bmonth|(?<!time-)\border\w*|\bdemand\w*",
                    re.IGNORECASE)


@pytest.mark.timeout(1800)
def test_every_command_runs_on_the_gridload_pack(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    outputs: list[str] = []

    def run(*args: str, role: str = "dispatcher", operator: str = "tia") -> str:
        result = docket(*args, role=role, operator=operator)
        assert result.exit_code == 0, (args, result.output)
        outputs.append(result.output)
        return result.output

    listed = run("domains")
    outputs.clear()  # the list names every installed pack, the demand pack among them
    assert "gridload" in listed
    assert ("decision: quantity: contract 0-45000 MW per settlement period in steps of 100, "
            "escalate with refer; outcome: realised load_mw") in listed

    trained = run("train", "gridload", role="engineer", operator="eng")
    assert "gridload-gbq-" in trained and "held-out settlement periods" in trained

    rows = gridload_rows(24)
    opened = run("ingest", str(write_csv(tmp_path / "periods.csv", [r for r, _ in rows])))
    assert "gridload" in opened and "opened 24 case(s)" in opened  # the pack inferred

    cases = json.loads(run("cases", "--json"))["cases"]
    assert {c["recommendation"] for c in cases} <= {"contract", "refer"}
    decided: list[str] = []
    for i, case in enumerate(cases):
        if case["recommendation"] == "refer" or i == 1:  # sent up to a senior
            run("decide", case["case_id"], "--escalate", "--reason", "interconnector outage")
            run("decide", case["case_id"], "--quantity", "32000", "--reason-code", "other",
                "--reason", "duty manager's call", role="duty_manager", operator="dana")
        elif i % 4 == 0:
            done = run("decide", case["case_id"], "--quantity", "33000", "--reason-code",
                       "missing_information", "--reason", "a heat wave is forecast")
            assert "contract 33000 MW" in done
        else:
            run("decide", case["case_id"], "--accept")
        decided.append(case["case_ref"])
    audited = run("audit", cases[0]["case_id"], role="auditor", operator="ava")
    assert "quantile of predicted load" in audited  # the recorded reasons, in its words
    assert_clear_error(docket("explain", cases[2]["case_id"], role="dispatcher", operator="tia"),
                       "decides a quantity", "docket audit")
    refused = docket("decide", cases[0]["case_id"], "--quantity", "-100", "--reason-code",
                     "other", "--reason", "x", role="dispatcher", operator="tia")
    assert refused.exit_code != 0

    now = datetime.now(UTC).isoformat()
    loads = {str(raw["case_ref"]): load for raw, load in rows}
    outcomes = write_csv(tmp_path / "loads.csv", [
        {"case_ref": ref, "outcome": loads[ref], "observed_at": now} for ref in decided])
    recorded = run("outcomes", str(outcomes), "--domain", "gridload")
    assert f"{len(decided)} recorded" in recorded

    quality = run("quality", "gridload", role="auditor", operator="ava")
    assert f"{len(decided)} decided settlement periods with known" in quality and "MW" in quality
    backtest = run("backtest", "--domain", "gridload", role="trading_manager", operator="tom")
    assert "held-out settlement periods" in backtest and "seasonal naive" in backtest
    figures = run("figures", "gridload", role="engineer", operator="eng")
    assert "mean ± sd over weeks" in figures and "| week 10 |" in figures
    monitored = run("monitor", "gridload", role="auditor", operator="ava")
    assert "drift of the latest 24 settlement periods" in monitored  # not "case(s)"

    proposed = run("policy", "--domain", "gridload", "set", "--shortage-cost", "5",
                   "--justification", "balancing prices rose", role="trading_manager",
                   operator="tom")
    assert "proposed change #1 to the gridload policy" in proposed
    run("policy", "--domain", "gridload", "approve", "1", role="trading_manager",
        operator="tess")
    assert_clear_error(docket("policy", "--domain", "gridload", "set", "--pack-size", "70",
                              "--justification", "odd blocks", role="trading_manager",
                              operator="tom"), "multiples of the pack size 70")

    shown = "\n".join(outputs)
    found = sorted({m.group(0) for m in DEMAND.finditer(shown)})
    assert not found, (found, shown)
