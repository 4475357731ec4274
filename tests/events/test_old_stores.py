"""A store written before packs declared their decision still verifies, replays and decides.

``fixtures/store_v1.sqlite`` was written by the release before ``Case.Opened`` v2 and
``ModelVersion.Registered`` v2 (``fixtures/make_store_v1.py.txt``, run on that release): four
credit cases (accepted with an outcome, overridden, escalated by accepting a recommended
escalation, open), a registered model and a policy.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.app import DecisionLog
from events.chain import verify
from events.domain import Case, ModelVersion
from events.errors import NotAuthorised
from events.readmodels import ReadModels, check, rebuild
from events.store import open_log

FIXTURE = Path(__file__).parent / "fixtures" / "store_v1.sqlite"


@pytest.fixture
def old_log(tmp_path: Path) -> DecisionLog:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, path)  # never write to the fixture itself
    return open_log(str(path))


def test_old_store_verifies_and_replays(old_log: DecisionLog, tmp_path: Path) -> None:
    assert verify(old_log).ok
    rebuild(old_log, tmp_path / "views.sqlite")
    views = ReadModels(tmp_path / "views.sqlite")
    try:
        assert check(old_log, views) == []
        statuses = {r["case_ref"]: r["status"] for r in views.rows("SELECT * FROM cases")}
    finally:
        views.close()
    assert statuses == {"A1": "decided", "A2": "decided", "A3": "escalated", "A4": "open"}


def test_old_cases_read_what_the_old_log_meant(old_log: DecisionLog) -> None:
    escalated = old_log.case(Case.id_for("credit", "A3"))
    assert escalated.escalate_action == "escalate"
    assert escalated.outcome_labels == ("good", "bad")
    assert escalated.deciding_roles == ("operator", "senior")
    # The old escalation still goes to a senior, and only a senior finishes it.
    with pytest.raises(NotAuthorised):
        escalated.override(
            action="approve", reason_code="other", reason_text="x", actor="eve", role="auditor"
        )
    escalated.override(
        action="decline", reason_code="other", reason_text="thin file", actor="sam", role="senior"
    )
    decided = old_log.case(Case.id_for("credit", "A2"))
    decided.record_outcome(
        outcome="bad",
        observed_at=datetime.now(UTC),
        source="ledger",
        actor="docket/outcomes",
        role="system",
    )
    old_log.save(escalated, decided)
    assert verify(old_log).ok


def test_old_model_versions_keep_their_managers(old_log: DecisionLog) -> None:
    model = old_log.model_version("credit", "m1")
    assert model.managers == ("engineer", "risk_owner")
    with pytest.raises(NotAuthorised):
        model.promote(evidence={"x": 1}, actor="ana", role="operator")
    model.promote(evidence={"gate": "passed"}, actor="eve", role="engineer")
    old_log.save(model)
    assert old_log.model_version("credit", "m1").status == "champion"
    assert ModelVersion.Registered.class_version == 2
