"""The owner signs off and reviews the policy; the baseline deciding is an alert at once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from events.domain import Alert
from events.errors import InputRejected, NotAuthorised
from tests.conftest import ServiceFactory


def test_the_first_policy_is_unsigned_until_the_owner_signs_it_off(
    open_service: ServiceFactory,
) -> None:
    operator = open_service()
    view = operator.policy("credit")
    assert not view.signed_off
    assert any("unsigned" in n and "credit policy v1" in n for n in operator.status().notices)
    with pytest.raises(NotAuthorised):
        operator.sign_off_policy("credit", "not mine to sign")

    owner = open_service("rita", "risk_owner")
    signed = owner.sign_off_policy("credit", "costs confirmed with finance")

    assert signed.signed_off
    last = signed.history[-1]
    assert (last.event, last.by, last.justification) == (
        "signed_off", "rita", "costs confirmed with finance"
    )
    assert not any("unsigned" in n for n in owner.status().notices)
    with pytest.raises(InputRejected):
        owner.sign_off_policy("credit")  # nothing left to sign


def test_a_review_with_no_change_is_recorded_and_closes_the_overdue_alert(
    open_service: ServiceFactory,
) -> None:
    owner = open_service("rita", "risk_owner")
    owner.policy("credit")  # installed on first use
    policy = owner.log.policy("credit")
    owner.log.save(  # an overdue review, as the monitor raises it
        Alert.raise_(
            kind="policy_review_overdue",
            severity="warning",
            details={"key": f"policy_review_overdue:{policy.id}", "domain": "credit",
                     "message": "overdue"},
            actor="docket/monitor",
            role="system",
        )
    )
    version = owner.policy("credit").version

    view = owner.review_policy("credit", "reviewed with the owner, no change")

    assert view.version == version  # a review changes nothing
    last = view.history[-1]
    assert (last.event, last.justification) == ("reviewed", "reviewed with the owner, no change")
    assert not view.review_overdue
    assert not any(a.kind == "policy_review_overdue" for a in owner.status().alerts)
    with pytest.raises(InputRejected):
        owner.review_policy("credit", "  ")
    with pytest.raises(NotAuthorised):
        open_service("ana", "operator").review_policy("credit", "looks fine to me")


def _break_champion(service: Any) -> Path:
    version = next(m.version for m in service.models("credit") if m.status == "champion")
    folder = Path(service.model_artifacts(version))
    saved = folder.parent / "saved"
    shutil.copytree(folder, saved)
    for onnx in folder.glob("*.onnx"):
        onnx.write_bytes(b"not a model")
    return saved


def test_a_failing_model_opens_a_fallback_alert_at_once_and_status_names_the_fallback(
    open_service: ServiceFactory, credit_rows: Any
) -> None:
    service = open_service()
    saved = _break_champion(service)
    broken = open_service("bob", "operator")  # a fresh process loads the broken artifact

    broken.ingest("credit", credit_rows(3))

    [alert] = [a for a in broken.status().alerts if a.kind == "fallback"]
    assert alert.severity == "critical" and "baseline rules are deciding" in alert.message
    assert alert.runbook.endswith("#runbook-fallback")
    status = broken.status()
    assert status.champion is not None and "NOT deciding" in status.champion
    broken.ingest("credit", credit_rows(3, 3))  # still failing: not raised twice
    assert len(broken.views.rows("SELECT * FROM alerts WHERE kind = 'fallback'")) == 1

    folder = Path(broken.model_artifacts(status.champion.split(":")[1].split()[0]))
    shutil.rmtree(folder)
    shutil.copytree(saved, folder)
    repaired = open_service("cy", "operator")
    repaired.ingest("credit", credit_rows(2, 10))

    assert not any(a.kind == "fallback" for a in repaired.status().alerts)
    assert "NOT deciding" not in (repaired.status().champion or "")
