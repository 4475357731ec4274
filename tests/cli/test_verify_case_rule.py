"""``docket verify`` names a decision that an operator wrote with their own valid key, around
the service, contradicting its case (events/case_rule.py): the chain and the signatures hold,
the lie does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from events.store import open_log
from tests.cli.test_cli import Docket, Rows, assert_clear_error
from tests.people import People


@pytest.fixture
def docket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: People) -> Docket:
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    return Docket(tmp_path / "store.sqlite", tmp_path / "data", CliRunner(), people)


def test_an_operators_accept_of_another_action_than_recommended_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    seeded = docket.seed(credit_rows(3))
    assert docket("verify").exit_code == 0
    ref, case_id = sorted(seeded.items())[0]
    # olga, an enrolled operator, writes the accept herself: signed with her own key.
    log = open_log(str(docket.store))
    log.signer = docket.people.key("olga", "operator")
    case: Any = log.repository.get(UUID(case_id))
    recommended = case.recommendation
    taken = "approve" if recommended != "approve" else "decline"
    case.trigger_event(case.Accepted, action=taken, quantity=None, actor="olga", role="operator")
    log.save(case)

    result = docket("verify")

    assert_clear_error(result, "TAMPERED at position", f"case credit/{ref}", "Accepted event",
                       f"accepts '{taken}'", f"recommended action is '{recommended}'")  # fmt: skip
