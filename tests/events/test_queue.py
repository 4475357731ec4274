"""The queue's pages: every order the console and `docket cases` offer walks an index (no
sort, no scan of the cases table, at any size), and paging by key shows every case once, in
the order a full sort gives, with cases lacking a sort value, ties and several statuses.

Rows are written straight into the ``cases`` read-model table: the queries read that table
alone, and this way the tests reach ties, empty values and mixes of statuses and flags that
would take thousands of signed events to produce.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.views import STATUS_FILTERS
from events import queue
from events.case_rows import CASE_COLUMNS
from events.readmodels import ReadModels

STATUSES = ("open", "escalated", "decided", "quarantined")
FLAGS = sorted(queue.QUEUE_FLAGS)


@pytest.fixture
def views(tmp_path: Path) -> Iterator[ReadModels]:
    with ReadModels(tmp_path / "views.sqlite") as found:
        yield found


def put(views: ReadModels, rows: list[dict[str, Any]]) -> None:
    views.conn.executemany(
        f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})",
        [tuple(r.get(c) for c in CASE_COLUMNS) for r in rows],
    )


def case(n: int, **values: Any) -> dict[str, Any]:
    return {
        "case_id": f"id-{n:05d}", "case_ref": f"ref-{n:05d}", "domain": "credit",
        "status": "open", "opened_at": f"2026-01-01T00:00:{n % 60:02d}+00:00",
        **{flag: 0 for flag in FLAGS}, **values,
    }  # fmt: skip


def bad_steps(conn: sqlite3.Connection, sql: str, params: list[Any]) -> list[str]:
    """Plan steps that sort (a temporary B-tree) or read the whole cases table."""
    return [
        step for step in (str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        if "TEMP B-TREE" in step or (step.startswith("SCAN cases") and "INDEX" not in step)
        or step.startswith("SCAN cases USING")  # an index walked whole, not searched
    ]  # fmt: skip


def every_queue_query() -> Iterator[tuple[str, list[Any]]]:
    """Every query a page can run: each status filter, no flag / each flag / two flags, with
    and without a search, each order both ways, from the top and from each kind of key."""
    flag_sets = [(), *((f,) for f in FLAGS), tuple(FLAGS[:2])]
    for statuses, flags, search in itertools.product(
        STATUS_FILTERS.values(), flag_sets, ("", "ref-1")
    ):
        selected = queue.QueueFilter(statuses, search, flags)
        yield queue.count_query(selected, counts_kept=True)  # the total, as the service asks
        yield queue.count_query(selected)  # and where no counts are kept
        for order, ascending in itertools.product(sorted(queue.QUEUE_ORDER), (True, False)):
            width = len(queue.key_columns(order))
            starts: list[queue.Key | None] = [None, (0.5, "ref-1", "id-1")[-width:]]
            if order in queue.NULLABLE:
                starts.append((None, "ref-1", "id-1"))
            for start, inclusive in itertools.product(starts, (False, True)):
                walk = queue.Walk(selected, order, ascending, start, inclusive)
                yield from walk.streams("*", 50)
                yield from walk.streams(", ".join(queue.key_columns(order)), 5000)


def test_no_queue_query_sorts_or_scans_the_cases(views: ReadModels) -> None:
    put(views, [case(n, p_bad=n / 10, status=STATUSES[n % 4]) for n in range(40)])
    queries = dict(every_queue_query())  # the same SQL, whatever the keys: checked once
    problems = [
        f"{step}: {sql}" for sql, params in queries.items()
        for step in bad_steps(views.conn, sql, params)
    ]  # fmt: skip
    assert len(queries) > 1000
    assert problems == []


def test_the_plan_check_fails_without_the_index(views: ReadModels) -> None:
    selected = queue.QueueFilter(("open", "escalated"))
    walk = queue.Walk(selected, "p_bad", True, (0.5, "ref-1", "id-1"))
    sql, params = walk.streams("*", 50)[-1]
    assert bad_steps(views.conn, sql, params) == []
    views.conn.execute("DROP INDEX idx_cases_status_p_bad_case_ref_case_id")
    # A connection of its own: sqlite3's statement cache keeps the plan made before.
    after = sqlite3.connect(views.path)
    assert any("TEMP B-TREE" in step for step in bad_steps(after, sql, params))
    # The old query: several statuses at once, paged by OFFSET, sorts every queued case.
    old = (
        "SELECT * FROM cases WHERE status IN ('open','escalated') "
        "ORDER BY opened_at, case_ref LIMIT 50 OFFSET 50"
    )
    assert any("TEMP B-TREE" in step for step in bad_steps(after, old, []))
    after.close()


def full_sort(rows: list[dict[str, Any]], selected: queue.QueueFilter, order: str,
              descending: bool) -> list[str]:
    """The case ids a plain full sort shows (what every page together must show)."""
    kept = [
        r for r in rows
        if r["status"] in selected.statuses and all(r[f] for f in selected.flags)
    ]  # fmt: skip
    walk = queue.Walk(selected, order, not descending)
    return [r["case_id"] for r in sorted(kept, key=walk.sort_key, reverse=descending)]


row_values = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES),
    "p_bad": st.one_of(st.none(), st.sampled_from([0.1, 0.2, 0.5])),  # ties and no value
    "expected_cost": st.one_of(st.none(), st.sampled_from([0.0, 0.6])),
    "recommendation": st.one_of(st.none(), st.sampled_from(["approve", "decline"])),
    "opened_at": st.sampled_from(["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"]),
    "case_ref": st.sampled_from(["a", "b", "c"]),  # shared by cases of different domains
    **{flag: st.sampled_from([0, 1]) for flag in FLAGS},
})  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(row_values, max_size=40),
    statuses=st.sampled_from(list(STATUS_FILTERS.values())),
    flags=st.sampled_from([(), ("ood",), ("ood", "injection")]),
    order=st.sampled_from(sorted(queue.QUEUE_ORDER)),
    descending=st.booleans(),
    size=st.integers(1, 7),
)
def test_pages_by_key_show_every_case_once_in_full_sort_order(
    tmp_path_factory: pytest.TempPathFactory,
    values: list[dict[str, Any]],
    statuses: tuple[str, ...],
    flags: tuple[str, ...],
    order: str,
    descending: bool,
    size: int,
) -> None:
    rows = [case(n, **v) for n, v in enumerate(values)]
    with ReadModels(tmp_path_factory.mktemp("q") / "views.sqlite") as views:
        put(views, rows)
        selected = queue.QueueFilter(statuses, "", flags)
        expected = full_sort(rows, selected, order, descending)
        columns = queue.key_columns(order)

        def page(**key: queue.Key | None) -> list[dict[str, Any]]:
            return queue.queue_page(
                views, selected, order_by=order, descending=descending, limit=size, **key
            )

        forward: list[dict[str, Any]] = []
        last: queue.Key | None = None
        while found := page(after=last):
            forward += found
            last = tuple(found[-1][c] for c in columns)
        assert [r["case_id"] for r in forward] == expected
        # Back from the end, page by page, ending before each first row: the same cases.
        backward: list[dict[str, Any]] = []
        first: queue.Key | None = last
        while first is not None and (found := page(before=first)):
            backward = found + backward
            first = tuple(found[0][c] for c in columns)
        assert [r["case_id"] for r in backward] == expected[:-1]
        # A page starting at a case starts with it; the n-th key is the n-th case's.
        for place, row in enumerate(forward):
            key = tuple(row[c] for c in columns)
            assert page(starting_at=key)[0]["case_id"] == row["case_id"]
            assert queue.key_at(
                views, selected, order_by=order, descending=descending, offset=place
            ) == key
        assert queue.key_at(
            views, selected, order_by=order, descending=descending, offset=len(forward)
        ) is None


def test_obsolete_queue_indexes_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "views.sqlite"
    ReadModels(path).close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX idx_cases_status_opened_at ON cases (status, opened_at)")
    conn.commit()
    conn.close()
    with ReadModels(path) as views:
        names = {r["name"] for r in views.rows("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "idx_cases_status_opened_at" not in names
    assert "idx_cases_status_opened_at_case_ref_case_id" in names


def test_store_domains_are_found_by_index_seeks_without_quarantined_only_ones(
    views: ReadModels,
) -> None:
    from events.queries import store_domains

    put(views, [
        case(1, domain="demand"), case(2, domain="credit"), case(3, domain="credit"),
        case(4, domain="made-up", status="quarantined"), case(5, domain="zeta"),
    ])  # fmt: skip
    assert store_domains(views) == ["credit", "demand", "zeta"]


def counted_by_rows(views: ReadModels, selected: queue.QueueFilter) -> int:
    clause, params = selected.where()
    return int(views.rows(f"SELECT count(*) AS n FROM cases WHERE {clause}", params)[0]["n"])


def assert_kept_counts_match_rows(views: ReadModels) -> None:
    """Every status filter, alone and with each flag (and two), counts from the kept counts
    what a count of the rows gives."""
    for statuses, flags in itertools.product(
        STATUS_FILTERS.values(), [(), *((f,) for f in FLAGS), tuple(FLAGS[:2])]
    ):
        selected = queue.QueueFilter(statuses, "", flags)
        assert queue.queue_count(views, selected, counts_kept=True) == counted_by_rows(
            views, selected
        ), (statuses, flags)


writes = st.lists(st.tuples(
    st.sampled_from(["replace", "update", "delete"]),
    st.integers(0, 9),  # which case: few, so writes land on the same rows again
    row_values,
), max_size=30)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.lists(row_values, max_size=10), then=writes)
def test_kept_counts_equal_counting_the_rows_after_any_writes(
    tmp_path_factory: pytest.TempPathFactory,
    first: list[dict[str, Any]],
    then: list[tuple[str, int, dict[str, Any]]],
) -> None:
    from events.readmodels import upsert

    path = tmp_path_factory.mktemp("c") / "views.sqlite"
    with ReadModels(path) as views:
        put(views, [case(n, **v) for n, v in enumerate(first)])  # plain inserts
        other = sqlite3.connect(path, isolation_level=None)  # no pragma of ours there
        for kind, n, values in then:
            row = case(n, **values)
            if kind == "replace":  # what the projection writes: INSERT OR REPLACE
                views.conn.execute(upsert("cases"), [row.get(c) for c in CASE_COLUMNS])
            elif kind == "update":  # a raw edit from another connection
                sets = ", ".join(f"{c} = ?" for c in values)
                other.execute(f"UPDATE cases SET {sets} WHERE case_id = ?",
                              [*values.values(), row["case_id"]])  # fmt: skip
            else:
                other.execute("DELETE FROM cases WHERE case_id = ?", [row["case_id"]])
        other.close()
        assert_kept_counts_match_rows(views)


def test_kept_counts_are_filled_from_the_rows_of_a_file_made_before_them(tmp_path: Path) -> None:
    path = tmp_path / "views.sqlite"
    with ReadModels(path) as views:
        put(views, [case(n, status=STATUSES[n % 4], ood=n % 3 == 0) for n in range(40)])
        views.conn.execute(f"DROP TABLE {queue.COUNTS_TABLE}")  # as an older version left it
    with ReadModels(path) as views:
        waiting = queue.QueueFilter(("open", "escalated"), "", ("ood",))
        assert queue.queue_count(views, waiting, counts_kept=True) == 7
        assert counted_by_rows(views, waiting) == 7


def test_the_total_reads_the_kept_counts_not_the_cases(views: ReadModels) -> None:
    put(views, [case(n) for n in range(5)])
    read: list[str] = []
    views.conn.set_trace_callback(read.append)
    assert queue.queue_count(views, queue.QueueFilter(("open",)), counts_kept=True) == 5
    views.conn.set_trace_callback(None)
    assert [sql for sql in read if "FROM cases" in sql] == []
    plan = " ".join(str(r[3]) for r in views.conn.execute(
        f"EXPLAIN QUERY PLAN SELECT sum(n) FROM {queue.COUNTS_TABLE} WHERE status IN ('open')"
    ))  # fmt: skip
    assert "cases" not in plan.replace(queue.COUNTS_TABLE, "")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.lists(row_values, max_size=80), batch=st.lists(row_values, min_size=1,
                                                                 max_size=200))  # fmt: skip
def test_a_batch_counted_without_the_triggers_keeps_the_counts_they_keep(
    tmp_path_factory: pytest.TempPathFactory,
    first: list[dict[str, Any]],
    batch: list[dict[str, Any]],
) -> None:
    """``write_counted`` (the projection's write of a batch of case rows, some new, some
    replacing rows there are) leaves the same counts as the triggers, and the triggers as
    they were, for batches below and above :data:`queue.COUNTED_ROWS`."""
    from events.readmodels import upsert

    path = tmp_path_factory.mktemp("w") / "views.sqlite"
    with ReadModels(path) as views:
        put(views, [case(n * 2, **v) for n, v in enumerate(first)])  # every other id
        triggers = views.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall()
        rows = [case(n, **v) for n, v in enumerate(batch)]  # new rows and replacements
        views.conn.execute("BEGIN IMMEDIATE")
        queue.write_counted(views.conn, upsert("cases"),
                            [tuple(r.get(c) for c in CASE_COLUMNS) for r in rows])  # fmt: skip
        views.conn.execute("COMMIT")
        assert views.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        ).fetchall() == triggers
        assert queue.counts_differences(views) == []
        assert_kept_counts_match_rows(views)
