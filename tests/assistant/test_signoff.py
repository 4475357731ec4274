"""Escalated cases: a senior's closing decision is a sign-off, never an override, and
whoever else acts on the case is told it waits for a senior; an audit before a case
existed says so, and its timeline stops at the as-of time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from assistant.service import DocketService
from assistant.views import Accept, Escalate, Override
from events.errors import AwaitingSenior, NotFound
from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]


def escalated_cases(ana: DocketService, rows: list[dict[str, Any]], n: int) -> list[str]:
    """``n`` cases whose recommendation is a final action, escalated by ana."""
    opened = ana.ingest("credit", rows).opened
    chosen = [c for c in opened if ana.case(c).recommendation in ("approve", "decline")][:n]
    for case_id in chosen:
        ana.decide(case_id, Escalate("unsure"))
    return chosen


def test_a_senior_closing_escalated_cases_signs_them_off_and_override_rates_do_not_move(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana, sue = open_service("ana", "operator"), open_service("sue", "senior")
    agree, differ = escalated_cases(ana, credit_rows(20), 2)
    recommended = sue.case(differ).recommendation
    other = "approve" if recommended == "decline" else "decline"

    agreed = sue.decide(agree, Accept()).decision
    decided = sue.decide(differ, Override(other, "policy_exception", "known client")).decision
    health = sue.health("credit")

    assert agreed is not None and decided is not None
    assert (agreed.kind, agreed.action) == ("signed_off", sue.case(agree).recommendation)
    assert (decided.kind, decided.action, decided.reason_code) == (
        "signed_off", other, "policy_exception")
    assert health.override_rate == 0.0 and health.overrides_by_reason == {}
    audit = sue.audit(differ).state_as_of["decisions"]
    assert [(d["kind"], d["by"], d["agreed"]) for d in audit] == [
        ("escalated", "ana", None), ("signed_off", "sue", False)]
    assert sue.audit(agree).state_as_of["decisions"][-1]["agreed"] is True


def test_anyone_but_a_senior_is_told_the_case_waits_for_a_senior(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana, bob = open_service("ana", "operator"), open_service("bob", "operator")
    [case_id] = escalated_cases(ana, credit_rows(10), 1)

    with pytest.raises(AwaitingSenior) as caught:
        bob.decide(case_id, Accept())

    message = str(caught.value)
    ref = bob.case(case_id).case_ref
    assert message.startswith(f"case {ref} was escalated by ana at 20")
    assert message.endswith("waiting for a senior reviewer")
    assert "already decided" not in message


def test_an_audit_before_the_case_existed_says_so_in_one_sentence(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana = open_service("ana", "operator")
    [case_id] = ana.ingest("credit", credit_rows(1)).opened
    opened = ana.case(case_id).opened_at

    with pytest.raises(NotFound) as caught:
        ana.audit("gc-0000", opened - timedelta(days=1))

    message = str(caught.value)
    assert message.startswith("case gc-0000 did not exist yet at ")
    assert f"it was opened at {opened.isoformat(timespec='seconds')}" in message
    assert "\n" not in message


def test_the_audit_timeline_stops_at_the_as_of_time(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    ana = open_service("ana", "operator")
    [case_id] = escalated_cases(ana, credit_rows(10), 1)
    escalated_at = ana.case(case_id).decision.at  # type: ignore[union-attr]

    view = ana.audit(case_id, escalated_at - timedelta(microseconds=1))

    assert view.timeline and all(e.at < escalated_at for e in view.timeline)
    assert [e.event for e in view.after] == ["Escalated"]
    assert [e["event"] for e in view.raw["timeline"]] == [e.event for e in view.timeline]
