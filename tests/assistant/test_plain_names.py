"""Names are plain: the service refuses hostile operator names, reasons and references."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from assistant.views import Accept, Escalate, Identity, Override
from events.errors import InputRejected
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]


def event_count(service: Any) -> int:
    return int(service.log.event_count())


@pytest.mark.parametrize(
    "name", ["ana\u202elice", "ana\u200b", "ana\x1b[31m", "docket/orchestrator", "Docket/evals"]
)
def test_a_hostile_or_component_operator_name_records_nothing(
    open_service: ServiceFactory, credit_rows: Rows, name: str
) -> None:
    owner = open_service("ana", models=False)
    case_id = owner.open_case("credit", credit_rows(1)[0])
    before = event_count(owner)
    owner.identity = Identity(name, "operator")
    with pytest.raises(InputRejected) as caught:
        owner.decide(case_id, Accept())
    assert caught.value.problems[0].field == "operator"
    with pytest.raises(InputRejected):
        owner.ingest("credit", credit_rows(1, start=5))
    assert event_count(owner) == before


def test_components_keep_their_docket_names(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service("docket/ci", "system", models=False)
    assert service.open_case("credit", credit_rows(1)[0])


@pytest.mark.parametrize(
    "decision",
    [
        Override("approve", "other", "approve\u202e esac siht enilced"),
        Override("approve", "other", "fine\x00"),
        Escalate("needs\u2066 a second look"),
    ],
)
def test_reason_text_with_control_or_bidi_characters_is_refused(
    open_service: ServiceFactory, credit_rows: Rows, decision: Any
) -> None:
    service = open_service("ana", models=False)
    case_id = service.open_case("credit", credit_rows(1)[0])
    before = event_count(service)
    with pytest.raises(InputRejected) as caught:
        service.decide(case_id, decision)
    assert caught.value.problems[0].field == "reason_text"
    assert event_count(service) == before


def test_reason_text_keeps_its_line_breaks(open_service: ServiceFactory, credit_rows: Rows) -> None:
    service = open_service("ana", models=False)
    case_id = service.open_case("credit", credit_rows(1)[0])
    detail = service.decide(case_id, Escalate("income unclear\n\tsee payslips"))
    assert detail is not None


def test_a_reference_with_bidi_characters_is_quarantined_naming_the_field(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service("ana", models=False)
    good, bad = credit_rows(2)
    bad["case_ref"] = "gc-0001\u202e"
    report = service.ingest("credit", [good, bad])
    assert len(report.opened) == 1
    [(number, sentence)] = report.rejected
    assert number == 2 and sentence.startswith("case_ref:") and "U+202E" in sentence
    service.sync()
    [row] = service.views.rows("SELECT case_ref, raw FROM quarantine")
    assert not row["case_ref"]  # the hostile ref names nothing in queues and audits
    assert json.loads(row["raw"])["case_ref"] == bad["case_ref"]  # kept as evidence
