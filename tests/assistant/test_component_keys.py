"""Components have keys: once an admin enrols Docket's components (the demo does), what the
orchestrator, explainer, monitor and read-model keeper record is co-signed by the
component's own key, and ``verify`` refuses a component's event signed only by a person."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.service import DocketService
from events.errors import NotAuthorised
from tests.conftest import ServiceFactory
from tests.people import People

Rows = Callable[..., list[dict[str, Any]]]


def signers_of_last_batch(store: Path) -> list[str]:
    con = sqlite3.connect(store)
    try:
        [key_id] = con.execute(
            "SELECT key_id FROM docket_signatures ORDER BY last_id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return str(key_id).split("+")


def test_enrolled_components_co_sign_their_events_and_verify_holds(
    open_service: ServiceFactory, people: People, credit_rows: Rows, tmp_path: Path
) -> None:
    open_service()  # the store, its models registered
    enrolled = people.admin().enrol_components()
    assert enrolled == ["docket/orchestrator", "docket/explainer", "docket/monitor",
                        "docket/readmodels"]
    keys = {k.person: k.key_id for k in people.admin().enrolled_keys()}

    ana = open_service()  # opened after: holds the component keys of the data directory
    [case_id] = ana.ingest("credit", credit_rows(1)).opened
    signed = signers_of_last_batch(tmp_path / "store.sqlite")
    ana.explain(case_id)

    # The case's opening (ana) and its scoring (the orchestrator): one batch, two signatures.
    assert signed == [keys["ana"], keys["docket/orchestrator"]]
    assert keys["docket/explainer"] in signers_of_last_batch(tmp_path / "store.sqlite")
    report = ana.verify()
    assert report.ok, report.reason
    # Enrolling twice changes nothing.
    assert people.admin().enrol_components() == []


def test_a_persons_key_recording_as_a_component_is_refused(
    open_service: ServiceFactory, people: People, credit_rows: Rows, tmp_path: Path
) -> None:
    open_service()
    people.admin().enrol_components()
    # Ana's own machine, without the components' keys: the service refuses to record a
    # case scored in the orchestrator's name ...
    elsewhere = DocketService.open(str(tmp_path / "store.sqlite"),
                                   keys=[people.key("ana", "operator")],
                                   data_dir=tmp_path / "ana-laptop")  # fmt: skip
    try:
        with pytest.raises(NotAuthorised, match="recording for docket/orchestrator needs its key"
                           ) as refused:
            elsewhere.ingest("credit", credit_rows(1))
        # ... saying which folder the keys belong in (hers, not a generic "data directory").
        assert str(tmp_path / "ana-laptop" / "keys" / "components") in str(refused.value)
        # ... and if her copy of Docket is changed to record it anyway (signed by her key
        # alone), verify names it.
        elsewhere.log.enrolled_components = frozenset()
        elsewhere.ingest("credit", credit_rows(1))
        report = elsewhere.verify()
    finally:
        elsewhere.close()

    assert not report.ok
    assert ("recorded as done by the component docket/orchestrator, which holds an enrolled "
            "key, but signed only by ana's key") in report.reason
