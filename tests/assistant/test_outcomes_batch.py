"""Outcomes in bulk cost the batch, not the store: one signed transaction per batch of
cases, and only the cases the file names are read from the read models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from assistant.service import DocketService
from assistant.views import Accept, QueueQuery
from events import queries
from tests.conftest import ServiceFactory

Rows = Any


def seeded(open_service: ServiceFactory, credit_rows: Rows, n: int) -> DocketService:
    service = open_service("ana", "operator")
    service.ingest("credit", credit_rows(n))
    return service


def transactions(service: DocketService) -> int:
    """How many transactions the log holds (each saved batch carries one signature)."""
    log = service._ctx.log
    return len(log.chained_recorder.select_signatures(1, log.event_count()))


def test_outcomes_for_many_cases_are_one_transaction(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = seeded(open_service, credit_rows, 60)
    page = service.queue(QueueQuery(statuses=("open",), limit=60))
    decided = [r for r in page.rows if service.decide(r.case_id, Accept()).decision is not None]
    decided = [r for r in decided if service.case(r.case_id).status == "decided"]
    assert len(decided) >= 30
    before = transactions(service)
    now = datetime.now(UTC).isoformat()

    lines = service.record_outcomes([
        {"case_ref": r.case_ref, "outcome": "good", "observed_at": now, "source": "outside:bureau"}
        for r in decided
    ])  # fmt: skip

    assert lines[0].startswith(f"{len(decided)} rows: {len(decided)} recorded")
    assert transactions(service) - before == 1  # one commit for the batch, not one per row
    assert all(service.case(r.case_id).outcome == "good" for r in decided)


def test_a_few_outcomes_read_their_own_cases_not_the_store(
    open_service: ServiceFactory, credit_rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = seeded(open_service, credit_rows, 120)
    page = service.queue(QueueQuery(statuses=("open",), limit=3))
    for r in page.rows:
        service.decide(r.case_id, Accept())
    views = service._ctx.views
    real_rows = views.rows
    read: list[int] = []

    def counting(sql: str, params: Any = ()) -> list[dict[str, Any]]:
        found = real_rows(sql, params)
        read.append(len(found))
        return found

    monkeypatch.setattr(views, "rows", counting)
    now = datetime.now(UTC).isoformat()
    service.record_outcomes([
        {"case_ref": r.case_ref, "outcome": "bad", "observed_at": now, "source": "outside:bureau"}
        for r in page.rows
    ])  # fmt: skip

    # The whole store is 120 cases; naming 3 of them reads a handful of rows, not 120.
    assert sum(read) < 20


def test_known_cases_finds_named_ids_and_references_only(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = seeded(open_service, credit_rows, 30)
    rows = service.queue(QueueQuery(statuses=("open",), limit=30, order_by="case_ref")).rows
    views = service._ctx.views

    found = queries.known_cases(views, "credit", [rows[0].case_ref, rows[5].case_id, "gc-9999"])

    assert sorted(k.case_id for k in found) == sorted([rows[0].case_id, rows[5].case_id])
    assert {k.case_ref for k in found} == {rows[0].case_ref, rows[5].case_ref}
    # The same case named by id and by reference is one case; nothing named reads nothing.
    both = queries.known_cases(views, "credit", [rows[2].case_id, rows[2].case_ref])
    assert [k.case_id for k in both] == [rows[2].case_id]
    assert queries.known_cases(views, "credit", []) == []
    assert len(queries.known_cases(views, "credit")) == 30
