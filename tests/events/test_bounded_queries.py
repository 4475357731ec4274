"""The read-model queries behind ``docket monitor``, ``quality``, ``outcomes`` and ``status``
cost their window, not the store: the same work (SQLite virtual-machine steps, not a timing)
over 2,000 and 20,000 cases when the window holds the same few (counting every case by status
took 140 -> 1,400 hundred steps; the kept counts take none)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from events import queries
from events.readmodels import ReadModels

START = datetime(2026, 1, 1, tzinfo=UTC)
DECIDED = 30  # the newest cases are decided, and the newest 10 of those have an outcome


def views_with(tmp_path: Path, n: int) -> ReadModels:
    """Read models holding ``n`` open cases, the newest ``DECIDED`` decided (10 with an
    outcome), as the projection writes them (only the columns the queries read)."""
    views = ReadModels(tmp_path / f"views-{n}.sqlite")
    cases, decisions = [], []
    for i in range(n):
        opened = (START + timedelta(minutes=i)).isoformat()
        row: dict[str, Any] = {
            "case_id": f"id-{i:06d}", "domain": "credit", "case_ref": f"ref-{i:06d}",
            "status": "open", "opened_at": opened, "p_bad": (i % 100) / 100, "ood": 0,
            "explored": 0,
        }  # fmt: skip
        if i >= n - DECIDED:
            at = (START + timedelta(minutes=i, seconds=30)).isoformat()
            row.update(status="decided", decided_action="approve", decided_at=at)
            decisions.append({"position": i, "case_id": row["case_id"], "domain": "credit",
                              "kind": "accepted", "action": "approve", "recommended": "approve",
                              "operator": "ana", "at": at})  # fmt: skip
            if i >= n - 10:
                row.update(outcome="good", outcome_at=(START + timedelta(days=60 + i)).isoformat())
        cases.append(row)
    views.db["cases"].insert_all(cases)
    views.db["decisions"].insert_all(decisions)
    return views


def steps(views: ReadModels, query: Callable[[ReadModels], object]) -> int:
    """SQLite virtual-machine steps (in hundreds) the query takes."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    views.conn.set_progress_handler(tick, 100)
    try:
        query(views)
    finally:
        views.conn.set_progress_handler(None, 100)
    return count[0]


WINDOWED: dict[str, Callable[[ReadModels], object]] = {
    "outcome_rows (monitor, quality's calibration)":
        lambda v: queries.outcome_rows(v, "credit", 2000),
    "latest_cases (drift)": lambda v: queries.latest_cases(v, "credit", 100),
    "recent_scores": lambda v: queries.recent_scores(v, "credit", 100),
    "decision_rows (quality's window)": lambda v: queries.decision_rows(v, "credit", 20),
    "decision_rows since (override spikes)": lambda v: queries.decision_rows(
        v, "credit", since=START + timedelta(days=1)),
    "known_cases named (outcomes)": lambda v: queries.known_cases(
        v, "credit", ["ref-000005", "id-000007"]),
    # A file's worth of names: SQLite chose a scan of the domain's index for a long IN list
    # of ids (1.5 s for 500 names at a million cases).
    "known_cases, 600 names (outcomes)": lambda v: queries.known_cases(
        v, "credit", [f"ref-{i:06d}" for i in range(300)] + [f"id-{i:06d}" for i in range(300)]),
    "exploration_spent": lambda v: queries.exploration_spent(v, "credit", "2026-01-02"),
    "cases_by_status (status)": lambda v: queries.cases_by_status(v, counts_kept=True),
}  # fmt: skip


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReadModels, ReadModels]:
    folder = tmp_path_factory.mktemp("bounded")
    return views_with(folder, 2_000), views_with(folder, 20_000)


@pytest.mark.parametrize("name", list(WINDOWED))
def test_a_windowed_query_costs_the_same_at_ten_times_the_cases(
    stores: tuple[ReadModels, ReadModels], name: str
) -> None:
    small, large = stores
    query = WINDOWED[name]
    if name != "exploration_spent":  # a sum: 0.0 here
        assert query(small) and query(large)

    at_small, at_large = steps(small, query), steps(large, query)

    # Flat: at most a few hundred steps more (a deeper B-tree), never ten times the work.
    assert at_large <= 1.5 * at_small + 5, f"{name}: {at_small} -> {at_large} (x100 steps)"


def test_status_counts_from_the_kept_counts_match_a_count_of_every_case(
    stores: tuple[ReadModels, ReadModels],
) -> None:
    for views in stores:
        assert views.keeps_case_counts
        kept = queries.cases_by_status(views, counts_kept=True)
        assert kept == queries.cases_by_status(views)
        assert kept["decided"] == DECIDED
