"""Override reason codes are the pack's words: ``docket reasons --domain NAME`` lists the codes
the pack declares (``Words.reason_codes``), or neutral defaults when it declares none; the
console's override dialog offers them; the service refuses another pack's code naming the
field; the log itself checks only a code's form."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from assistant.domains import Words
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.packs.conftest import deploy_models, trained_artifacts
from tests.packs.test_careplan_pack import write_checkups
from tests.tui.conftest import SIZE, settle
from tui.app import DocketApp
from tui.screens.decide import OverrideModal

CAREPLAN_CODES = ["participant_preference", "comorbidity", "recent_results",
                  "model_disagreement", "other"]
NEUTRAL_CODES = ["policy_exception", "missing_information", "data_error",
                 "model_disagreement", "other"]


def listed(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def test_docket_reasons_lists_the_codes_the_pack_declares(docket: Docket) -> None:  # noqa: F811
    careplan = docket("reasons", "--domain", "careplan")
    assert careplan.exit_code == 0, careplan.output
    assert listed(careplan.output) == CAREPLAN_CODES
    assert "The participant chose otherwise" in careplan.output
    assert "customer" not in careplan.output

    credit = docket("reasons", "--domain", "credit")
    assert "customer_relationship" in listed(credit.output)
    # Packs that declare none (a yes/no pack and a quantity pack) get the neutral defaults.
    for name in ("biopsy", "gridload"):
        neutral = docket("reasons", "--domain", name)
        assert neutral.exit_code == 0, neutral.output
        assert listed(neutral.output) == NEUTRAL_CODES
        assert "customer" not in neutral.output

    unknown = docket("reasons", "--domain", "nosuch")
    assert_clear_error(unknown, "nosuch")


def test_a_pack_declaring_a_malformed_code_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"words\.reason_codes: 'Patient Choice' must be"):
        Words(reason_codes={"Patient Choice": "The participant chose"})
    with pytest.raises(ValueError, match=r"words\.reason_codes: 'other' needs a short label"):
        Words(reason_codes={"other": " "})
    with pytest.raises(ValueError, match=r"words\.reason_codes: declare at least one"):
        Words(reason_codes={})


@pytest.fixture
def checkups(docket: Docket, tmp_path: Path) -> Docket:  # noqa: F811
    """Eleven careplan check-ups opened as cases, the pack's models deployed."""
    with docket.service("dana", "data_steward") as service:
        deploy_models(service, "careplan", list(trained_artifacts("careplan")))
    opened = docket("ingest", str(write_checkups(tmp_path / "checkups.csv")),
                    role="care_coordinator", operator="cora")
    assert opened.exit_code == 0, opened.output
    return docket


def _decisive(docket: Docket) -> tuple[str, str]:  # noqa: F811
    """A careplan case not sent to a case conference, and an action other than its own."""
    with docket.service("cora", "care_coordinator") as cora:
        case = next(r for r in cora.queue().rows if r.recommendation != "case_conference")
    other = "standard" if case.recommendation == "intensify" else "intensify"
    return case.case_ref, other


def test_the_service_refuses_another_packs_code_and_records_the_packs_own(
    checkups: Docket,
) -> None:
    ref, other = _decisive(checkups)
    refused = checkups("decide", ref, "--override", other, "--reason-code",
                       "customer_relationship", "--reason", "known to the practice",
                       role="care_coordinator", operator="cora")
    sentence = assert_clear_error(refused, "--reason-code", "customer_relationship",
                                  "participant_preference")
    assert "docket reasons --domain careplan" in sentence

    decided = checkups("decide", ref, "--override", other, "--reason-code", "comorbidity",
                       "--reason", "kidney disease", role="care_coordinator", operator="cora")
    assert decided.exit_code == 0, decided.output
    with checkups.service("quinn", "quality_auditor") as quinn:
        decision = quinn.case(ref).decision
    assert decision is not None
    assert (decision.reason_code, decision.reason_text) == ("comorbidity", "kidney disease")


async def test_the_console_offers_the_packs_codes(checkups: Docket) -> None:
    ref, other = _decisive(checkups)
    with checkups.service("cora", "care_coordinator") as cora:
        app = DocketApp(cora, sync_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            index = [r.case_ref for r in app.queue_screen.rows].index(ref)
            app.queue_screen.table.move_cursor(row=index)
            await pilot.press("o")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, OverrideModal)
            select = modal.query_one("#override-code", Select)
            select.focus()
            await pilot.press("enter")  # opens the list the operator picks from
            await settle(pilot)
            overlay = select.query_one(SelectOverlay)
            offered = [str(overlay.get_option_at_index(i).prompt)
                       for i in range(overlay.option_count)]
            await pilot.press("escape")
            await settle(pilot)
            modal.query_one("#override-action", Select).value = other
            select.value = "comorbidity"
            modal.query_one("#override-text", Input).focus()
            await pilot.press(*"kidney disease", "enter")
            await settle(pilot)
        decision = cora.case(ref).decision
    assert offered[-len(CAREPLAN_CODES):] == [
        "The participant chose otherwise (participant_preference)",
        "Another condition changes the plan (comorbidity)",
        "Newer results than the check-up (recent_results)",
        "The coordinator judges the progression differently (model_disagreement)",
        "Other (explain in the text) (other)",
    ]
    assert decision is not None and decision.reason_code == "comorbidity"
