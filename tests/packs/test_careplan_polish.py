"""The careplan pack through the command line, as its README-only author met it: the admin
``docket keys init`` makes acts in careplan's own roles (not another installed pack's), a bad
row is reported at its line once, and the audit names the score in careplan's words."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Button, Static

from assistant.service import DocketService
from tests.cli.test_cli import Docket, docket  # noqa: F401 - fixture
from tests.packs.conftest import deploy_models, trained_artifacts
from tests.packs.test_careplan_pack import write_checkups
from tests.people import ROOT
from tests.tui.conftest import SIZE, plain, settle
from tui.app import DocketApp

OTHER_PACKS_ROLES = re.compile(r"radiologist|consultant|clinical_lead|risk_owner|\boperator\b|"
                               r"\bsenior\b|operations_owner")


def as_root(docket: Docket, *args: str, role: str | None = None) -> str:  # noqa: F811
    """``docket ARGS`` with the key of the store's first admin, who holds every installed
    pack's roles; no ``--role`` unless given."""
    result = docket(*args, operator=ROOT, role=role)
    assert result.exit_code == 0, (args, result.output)
    assert "Traceback" not in result.output
    return result.output


def test_the_first_admin_acts_in_the_packs_own_roles(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    # Every installed pack's roles, biopsy's radiologist first: the key's first role.
    assert "radiologist" in as_root(docket, "keys", "list").split()[2]
    as_root(docket, "ingest", str(write_checkups(tmp_path / "checkups.csv")))

    opened = as_root(docket, "audit", "cp-000")
    assert re.search(r"Opened\s+root \(care_coordinator\)", opened), opened
    accepted = as_root(docket, "decide", "cp-000", "--accept")
    assert "by root (care_coordinator)" in accepted
    # A role named is the role used.
    named = as_root(docket, "decide", "cp-001", "--accept", role="endocrinologist")
    assert "by root (endocrinologist)" in named
    # The owner's work, in careplan's owner role.
    proposed = as_root(docket, "policy", "set", "--cost", "standard:worsened=6",
                       "--justification", "complications cost more")
    assert "proposed change #" in proposed
    outcomes = tmp_path / "outcomes.csv"
    now = datetime.now(UTC).isoformat()
    outcomes.write_text(f"case_ref,outcome,observed_at\ncp-000,held,{now}\n", encoding="utf-8")
    assert "1 recorded" in as_root(docket, "outcomes", str(outcomes))
    history = as_root(docket, "audit", "cp-000") + as_root(docket, "audit", "cp-001")
    assert re.search(r"OutcomeRecorded\s+root \(care_coordinator\)", history), history
    assert not OTHER_PACKS_ROLES.search(history), OTHER_PACKS_ROLES.findall(history)


def test_a_bad_row_is_reported_at_its_line_once(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    path = write_checkups(tmp_path / "checkups.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "cp-short,55,1"  # the third row, on the file's fourth line: too few fields
    lines.insert(9, "")  # a blank line: the rows after it sit one line further down
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = docket("ingest", str(path), role="care_coordinator", operator="cora")
    assert result.exit_code == 0, result.output
    reported = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    # The sixth row (bmi "heavy") is on line 7; its location is said once, as a line.
    assert reported == [
        "line 4: has 3 fields; the header names 13",
        "line 7: bmi: wrong type: input should be a valid number, unable to parse string as "
        "a number, got 'heavy' (str)",
    ]

    jsonl = tmp_path / "checkups.jsonl"
    good = {"age": 50, "sex": 1, "bmi": 25.0, "bp": 90.0, "tc": 180.0, "ldl": 100.0,
            "hdl": 50.0, "tch": 4.0, "ltg": 4.5, "glu": 90.0}
    jsonl.write_text("\n".join([
        json.dumps({**good, "case_ref": "cj-1"}), "",
        json.dumps({**good, "case_ref": "cj-2", "glu": "sweet"}), "{not json",
    ]) + "\n", encoding="utf-8")
    result = docket("ingest", str(jsonl), role="care_coordinator", operator="cora")
    reported = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert [r.split(":")[0] for r in reported] == ["line 3", "line 4"], result.output
    assert not any(r.count("line ") > 1 or r.startswith("row") for r in reported)


def test_the_audit_names_the_score_in_the_packs_words(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    as_root(docket, "ingest", str(write_checkups(tmp_path / "before.csv")))  # baseline rules
    with docket.service("dana", "data_steward") as service:
        deploy_models(service, "careplan", list(trained_artifacts("careplan")))
    later = write_checkups(tmp_path / "after.csv")
    later.write_text(later.read_text(encoding="utf-8").replace("cp-0", "cq-0"),
                     encoding="utf-8")
    as_root(docket, "ingest", str(later))  # the model scores these

    shown = as_root(docket, "audit", "cp-000") + as_root(docket, "audit", "cq-000")
    assert "historical p(progression) " in shown  # the baseline's reason
    assert re.search(r"p\(progression\) 0\.\d{3}: expected cost", shown), shown
    assert not re.search(r"p\((worsened|held|bad|default)\)", shown), shown
    quality = as_root(docket, "quality", "careplan", "--json")
    assert not re.search(r"declin|approv|loan|applicant", quality)


def test_the_first_admin_manages_a_versions_models_in_its_packs_role(
    docket: Docket,  # noqa: F811
) -> None:
    with docket.service("dana", "data_steward") as service:
        deploy_models(service, "careplan", list(trained_artifacts("careplan")))
        status = {m.version: m.status for m in service.models("careplan")}
    [champion] = [v for v, s in status.items() if s == "champion"]
    [shadow] = [v for v, s in status.items() if s == "shadow"]

    # No --role: the version's pack (careplan) says who manages its models, not the key's
    # first role (biopsy's radiologist).
    assert "proposed promotion #" in as_root(docket, "models", "promote", shadow,
                                             "--reason", "lower cost")
    assert "rejected" in as_root(docket, "models", "reject", shadow, "--reason", "withdrawn")
    assert "retired" in as_root(docket, "models", "retire", shadow, "--reason", "unused")
    stopped = as_root(docket, "models", "retire", champion, "--reason", "drifted")
    assert "emergency stop" in stopped
    assert f"root (data_steward) retired careplan's champion {champion}" in as_root(
        docket, "verify")
    # A role named is the role used.
    named = docket("models", "shadow", champion, operator=ROOT, role="radiologist")
    assert named.exit_code != 0
    assert "not role 'radiologist'" in named.output and "Traceback" not in named.output


async def test_the_first_admins_console_acts_in_the_opened_packs_operator_role(
    docket: Docket,  # noqa: F811
) -> None:
    root = docket.people.key(ROOT, "admin")
    for domain, operator, owner in (("careplan", "care_coordinator", "programme_director"),
                                    ("credit", "operator", "risk_owner")):
        service = DocketService.open(str(docket.store), keys=[root], data_dir=docket.data)
        try:
            app = DocketApp(service, domain=domain, sync_interval=None)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                assert app.sub_title.startswith(f"root ({operator})"), app.sub_title
                # The policy screen lets the admin change the policy, as the owner role.
                await pilot.press("p")
                await settle(pilot)
                said = plain(app.screen.query_one("#policy-owner", Static))
                assert f"You (root, {owner}) own this policy" in said, said
                assert not app.screen.query_one("#preview", Button).disabled
        finally:
            service.close()
    # A role named is the role the console shows.
    service = DocketService.open(str(docket.store), keys=[root], role="engineer",
                                 data_dir=docket.data)
    try:
        app = DocketApp(service, domain="careplan", sync_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.sub_title.startswith("root (engineer)"), app.sub_title
    finally:
        service.close()
