"""The log decides, never the read models.

An insider with write access to the read-model SQLite file edits it behind Docket's back
(the attack in issue 15: ``champion = 1`` on the shadow model). Nothing the service decides
changes: new cases are scored by the log's champion under the log's policy; the file is
rebuilt from the log and an alert says why.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.service import DocketService
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]


def deployed(service: DocketService) -> tuple[str, str]:
    models = {m.status: m.version for m in service.models("credit")}
    return models["champion"], models["shadow"]


def tamper(service: DocketService, *statements: str) -> None:
    """Edit the read-model file with plain sqlite3, as anyone with the file could."""
    path = Path(service.status().readmodel_path)
    con = sqlite3.connect(path)
    try:
        for sql in statements:
            con.execute(sql)
        con.commit()
    finally:
        con.close()


def scored_by(service: DocketService, case_id: str) -> tuple[str | None, int | None]:
    detail = service.case(case_id)
    return detail.model_version, detail.policy_version


SWAP = (
    "UPDATE models SET champion = 0 WHERE champion = 1",
    "UPDATE models SET champion = 1, status = 'champion' WHERE status = 'shadow'",
)


@pytest.mark.parametrize("attack", [
    pytest.param(SWAP, id="shadow made champion"),
    pytest.param(("UPDATE models SET champion = 1 WHERE status = 'shadow'",), id="two champions"),
    pytest.param(("DELETE FROM models WHERE champion = 1",), id="champion row deleted"),
    pytest.param(("UPDATE models SET status = 'retired' WHERE status = 'shadow'",),
                 id="shadow retired"),
])
def test_editing_the_read_model_file_changes_no_model_that_scores_new_cases(
    open_service: ServiceFactory, credit_rows: Rows, attack: tuple[str, ...]
) -> None:
    service = open_service()
    champion, shadow = deployed(service)
    [before] = service.ingest("credit", credit_rows(1)).opened
    assert scored_by(service, before) == (champion, 1)

    tamper(service, *attack)
    # The same open service, and a fresh one (another process, a restart), both keep to the log.
    [same] = service.ingest("credit", credit_rows(1, start=1)).opened
    [fresh] = open_service().ingest("credit", credit_rows(1, start=2)).opened

    assert scored_by(service, same) == (champion, 1)
    assert scored_by(service, fresh) == (champion, 1)
    audit = service.audit(fresh).raw["timeline"]
    shadows = [e["summary"]["model_version"] for e in audit
               if e["event"] == "Scored" and e["summary"]["shadow"]]
    assert shadows == [shadow]  # the shadow set is the log's too
    assert deployed(service) == (champion, shadow)  # what the screens show agrees again
    assert service.replay_check() == []  # the file was rebuilt from the log
    rebuilt = [a for a in service.alerts() if a.kind == "read_models_rebuilt"]
    assert rebuilt, "nobody is told that the file was changed"
    assert "champion" in rebuilt[0].message or "shadow" in rebuilt[0].message


def test_status_and_the_models_list_name_the_logs_champion_after_tampering(
    open_service: ServiceFactory,
) -> None:
    service = open_service()
    champion, shadow = deployed(service)
    tamper(service, *SWAP)
    assert open_service().status().champion == f"credit: {champion}"
    statuses = {m.version: m.status for m in open_service().models("credit")}
    assert statuses == {champion: "champion", shadow: "shadow"}


def test_a_read_model_position_beyond_the_log_is_rebuilt(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service()
    champion, _ = deployed(service)
    # A position far ahead would make the read models skip every new event for ever.
    tamper(service, "UPDATE _position SET position = 10000000 WHERE name = 'log'")
    [case_id] = open_service().ingest("credit", credit_rows(1)).opened
    fresh = open_service()
    assert scored_by(fresh, case_id) == (champion, 1)  # the new case is in the read models
    assert any(a.kind == "read_models_rebuilt" for a in fresh.alerts())


def test_editing_the_policy_history_changes_no_recommendation(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service()
    [before] = service.ingest("credit", credit_rows(1)).opened
    costs = service.case(before).expected_costs
    tamper(service, "UPDATE policy_history SET policy_version = 7, "
                    "spec = replace(spec, '\"bad\": 5.0', '\"bad\": 0.01')")
    [after] = open_service().ingest("credit", credit_rows(1, start=1)).opened
    detail = service.case(after)
    assert detail.policy_version == 1
    assert detail.expected_costs["approve"] == pytest.approx(5 * (detail.p_bad or 0))
    assert set(detail.expected_costs) == set(costs)
    # The history the screens show is the log's again, and someone is told.
    assert [c.version for c in service.policy("credit").history] == [1]
    assert any(a.kind == "read_models_rebuilt" and "policy" in a.message
               for a in service.alerts())
