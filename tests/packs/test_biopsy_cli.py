"""The biopsy test pack passes every command from the command line, with no core change:
train, ingest, decide, outcomes, backtest, figures, quality, monitor and eval (the console is
in test_biopsy_words.py). Its names (discharge / biopsy / review, No / Yes, radiologist,
consultant, clinical_lead) are its own; no output falls back on credit's words."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.test_cli import Docket, docket  # noqa: F401 - fixture
from tests.cli.test_demand_cli import write_csv
from tests.packs.biopsy import make_pack

# Credit's words. Not "approve"/"approval": a second person approving a promotion or a policy
# change (four eyes) is the governance word every pack shares, not credit's action.
CREDIT = re.compile(r"p\(bad\)|applicant|\bdeclin\w*|\bgood\b|\bbad\b|risk_owner|turns out")


# Trains the pack's models and cross-validates them (10 folds each) from the command line:
# about a minute of CPU, several minutes of wall time on a loaded 2-core machine.
@pytest.mark.timeout(1800)
def test_every_command_runs_on_the_biopsy_pack(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    outputs: list[str] = []

    def run(*args: str, role: str = "radiologist", operator: str = "rita") -> str:
        result = docket(*args, role=role, operator=operator)
        assert result.exit_code == 0, (args, result.output)
        outputs.append(result.output)
        return result.output

    trained = run("train", "biopsy", role="engineer", operator="eng")
    assert "biopsy-" in trained

    data = make_pack().load_dataset()
    scans = [{**row, "case_ref": f"wdbc-{i:04d}"} for i, row in enumerate(data.rows[:40])]
    opened = run("ingest", str(write_csv(tmp_path / "scans.csv", scans)))  # pack inferred
    assert "biopsy" in opened and "opened 40 case(s)" in opened

    listed = run("cases", "--json")
    cases = json.loads(listed)["cases"]
    assert {c["recommendation"] for c in cases} <= {"discharge", "biopsy", "review"}
    decided: list[str] = []
    for case in cases:
        if case["recommendation"] == "review":
            run("decide", case["case_id"], "--escalate", "--reason", "margins unclear")
            run("decide", case["case_id"], "--override", "biopsy", "--reason-code", "other",
                "--reason", "consultant's call", role="consultant", operator="carl")
        else:
            run("decide", case["case_id"], "--accept")
        decided.append(case["case_ref"])

    now = datetime.now(UTC).isoformat()
    labels = dict(zip((f"wdbc-{i:04d}" for i in range(40)), data.outcomes[:40], strict=True))
    outcomes = write_csv(tmp_path / "outcomes.csv", [
        {"case_ref": ref, "outcome": labels[ref], "observed_at": now} for ref in decided])
    recorded = run("outcomes", str(outcomes))
    assert "recorded" in recorded

    run("backtest", role="clinical_lead", operator="cleo")
    figures = run("figures", "biopsy", role="engineer", operator="eng")
    assert "expected cost per scan" in figures and "biopsy everyone" in figures
    run("quality", "biopsy", role="auditor", operator="ava")
    monitored = run("monitor", "biopsy", role="auditor", operator="ava")
    assert "drift of the latest 40 case(s)" in monitored
    # Outcome quality in the pack's words (its risk outcome is "malignancy").
    assert "Observed malignancy rate" in monitored and "risk outcome" not in monitored
    evaluated = docket("eval", "replay", "fairness", "--use-store", "--domain", "biopsy",
                       "--baseline", str(tmp_path / "biopsy-baseline.json"),
                       role="engineer", operator="eng")
    assert "replay" in evaluated.output and "no protected groups" in evaluated.output
    assert "Traceback" not in evaluated.output

    shown = "\n".join(outputs)
    assert not CREDIT.search(shown), CREDIT.findall(shown)
