"""History and audit rows read as sentences, not ``key=value`` dumps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.usecases.sentences import describe
from assistant.views import Escalate, Override
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]


def test_a_case_history_reads_as_sentences(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana, sue = open_service("ana", "operator"), open_service("sue", "senior")
    opened = ana.ingest("credit", credit_rows(10)).opened
    case_id = next(c for c in opened if ana.case(c).recommendation == "decline")
    ana.decide(case_id, Escalate("unusual purpose"))
    detail = sue.decide(case_id, Override("approve", "policy_exception", "known client"))

    lines = {e.event: e.sentence for e in detail.history}

    assert lines["Opened"] == f"opened {detail.case_ref} (credit)"
    scored = [e.sentence for e in detail.history if e.event == "Scored"]
    assert (
        f"scored by {detail.model_version}: p(bad) {detail.p_bad:.3f}"
        + (", out of distribution" if detail.ood else "")
    ) in scored
    assert any(line.startswith("scored in shadow by ") for line in scored)
    assert lines["Recommended"] == (
        f"recommended decline (model, policy v1); expected cost "
        f"{detail.expected_costs['decline']:.3f}"
    )
    assert lines["Escalated"] == "escalated to a senior reviewer: “unusual purpose”"
    assert lines["SignedOff"] == (
        "signed off approve instead of decline: policy_exception, “known client”")
    assert not any("=" in line for line in lines.values())


def test_an_unknown_event_or_shape_is_listed_field_by_field() -> None:
    assert describe("Mystery", {"a": 1, "b": "x"}) == "a: 1, b: x"
    assert describe("Scored", {"p_bad": "not a number"}) == "p_bad: not a number"
