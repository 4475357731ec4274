"""The queue of cases (the console's and ``docket cases``): one page at a time, by key.

Every order the queue offers is walked along an index that holds exactly that order, so a
page never sorts anything (no ``USE TEMP B-TREE`` in any plan, at any size) and never
counts rows it skips (no ``OFFSET``): a page starts from the key of a case, the last row
of the page before (keyset paging, ``WHERE (sort, case_ref, case_id) > (?, ?, ?)``), and
costs the same on page 20,000 as on page 1.

Three things make that hold for every filter the queue offers:

* **Several statuses** (waiting = open or escalated; all): an index on ``(status, sort,
  ...)`` holds each status in order, but SQLite sorts ``status IN (a, b)`` in a temporary
  B-tree. So each status is read as its own stream (``status = ?``, in index order, at most
  one page) and the streams are merged here: at most a page per status is read.
* **Flags** (INJ, OOD, ...): a flag may be rare, and walking the status index until 50
  flagged cases turn up could read every case. Each (flag, order) has a partial index
  holding only the flagged cases (``WHERE ood = 1``): small, and kept only for those rows.
* **Empty sort values** (no p(bad) when the baseline rules decided; no expected cost or
  recommendation on some cases): ``NULL`` fails every row-value comparison, so a key that
  crossed one would skip rows. Cases with and without a value are read as two streams
  (SQLite's order: without a value first when ascending).

The tie-break follows the sort direction (``p_bad DESC, case_ref DESC, case_id DESC``), so
one index walked backwards serves both directions; ``case_id`` makes every key unique.
A search (text in the reference or recommendation) cannot use an index: it filters while
walking the order, so a rare match may read many cases (the plan still sorts nothing).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from events.queries import Row, Rows

#: The columns a queue may be ordered by.
QUEUE_ORDER = frozenset({"opened_at", "p_bad", "expected_cost", "case_ref", "recommendation"})

#: The flag columns a queue may be filtered by.
QUEUE_FLAGS = frozenset({"ood", "fallback", "guardrail", "injection", "escalated"})

#: Sort columns some cases hold no value in.
NULLABLE = frozenset({"p_bad", "expected_cost", "recommendation"})

#: (table, columns) of the full indexes, and (table, columns, flag) of the partial ones
#: (``WHERE flag = 1``), that the queue's orders need; created by events.readmodels.
INDEXES: list[tuple[str, list[str]]] = []
PARTIAL_INDEXES: list[tuple[str, list[str], str]] = []
#: Indexes earlier versions declared for the queue, now covered by the ones above.
OBSOLETE_INDEXES = ("idx_cases_status_opened_at", "idx_cases_status_p_bad")

#: Where a case sits in one order: its sort value(s), then reference and id.
Key = tuple[Any, ...]


def key_columns(order_by: str) -> tuple[str, ...]:
    """The columns of an order, the tie-breaks included (each column once)."""
    if order_by not in QUEUE_ORDER:  # never interpolate a column name the caller made up
        raise ValueError(f"order_by must be one of {sorted(QUEUE_ORDER)}")
    return tuple(dict.fromkeys((order_by, "case_ref", "case_id")))


for _order in sorted(QUEUE_ORDER):
    INDEXES.append(("cases", ["status", *key_columns(_order)]))
    for _flag in sorted(QUEUE_FLAGS):
        PARTIAL_INDEXES.append(("cases", ["status", *key_columns(_order)], _flag))


@dataclass(frozen=True)
class QueueFilter:
    """Which cases a queue shows: by status, flags (all of them), and a search over
    reference/recommendation."""

    statuses: tuple[str, ...]
    search: str = ""
    flags: tuple[str, ...] = ()

    def where(self, statuses: Sequence[str] | None = None) -> tuple[str, list[Any]]:
        """The WHERE clause and its parameters (for ``statuses``, default all of them)."""
        chosen = self.statuses if statuses is None else tuple(statuses)
        if len(chosen) == 1:
            clause, params = ["status = ?"], list(chosen)
        else:
            clause, params = [f"status IN ({','.join('?' * len(chosen))})"], list(chosen)
        for flag in self.flags:
            if flag not in QUEUE_FLAGS:  # never interpolate a column name the caller made up
                raise ValueError(f"flag must be one of {sorted(QUEUE_FLAGS)}")
            clause.append(f"{flag} = 1")
        if self.search.strip():
            clause.append("(case_ref LIKE ? OR recommendation LIKE ? OR case_id LIKE ?)")
            like = f"%{self.search.strip()}%"
            params += [like, like, like + "%"]
        return " AND ".join(clause), params


#: How many cases there are of each status and set of flags, kept by SQLite triggers on
#: ``cases`` in the same transaction as the rows (:func:`counts_schema`): a queue's total is
#: then a sum over a few dozen rows instead of a count of every queued case (``count(*)``
#: read the whole status index: 23 ms at 200,000 cases warm, and it grew with the queue).
COUNTS_TABLE = "case_counts"
_BUCKET = ("status", *sorted(QUEUE_FLAGS))


def counts_schema() -> list[str]:
    """The statements that make :data:`COUNTS_TABLE`, fill it from the ``cases`` there are,
    and keep it in step with every insert, update and delete of a case row.

    A flag counts as set when it is 1 (as the queue's ``flag = 1`` filter reads it). An
    ``INSERT OR REPLACE`` fires the delete trigger on the row it replaces only on a
    connection with ``PRAGMA recursive_triggers`` on (SQLite's rule; the read models' own
    connection has it); an ``UPDATE`` or ``DELETE`` from any connection keeps the counts."""
    bucket = ", ".join(_BUCKET)

    def of(row: str) -> str:
        return ", ".join([f"coalesce({row}.status, '')", *(f"{row}.{f} IS 1" for f in
                                                          sorted(QUEUE_FLAGS))])  # fmt: skip

    def add(row: str, step: int) -> str:
        return (f"INSERT INTO {COUNTS_TABLE} ({bucket}, n) VALUES ({of(row)}, {step}) "
                f"ON CONFLICT ({bucket}) DO UPDATE SET n = n + ({step});")  # fmt: skip

    fill = ", ".join(["coalesce(status, '')", *(f"{f} IS 1" for f in sorted(QUEUE_FLAGS))])
    return [
        f"CREATE TABLE {COUNTS_TABLE} ({', '.join(f'{c} NOT NULL' for c in _BUCKET)}, "
        f"n INTEGER NOT NULL, PRIMARY KEY ({bucket}))",
        f"INSERT INTO {COUNTS_TABLE} ({bucket}, n) SELECT {fill}, count(*) FROM cases "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(_BUCKET)))}",
        f"CREATE TRIGGER IF NOT EXISTS {COUNTS_TABLE}_insert AFTER INSERT ON cases "
        f"BEGIN {add('NEW', 1)} END",
        f"CREATE TRIGGER IF NOT EXISTS {COUNTS_TABLE}_delete AFTER DELETE ON cases "
        f"BEGIN {add('OLD', -1)} END",
        f"CREATE TRIGGER IF NOT EXISTS {COUNTS_TABLE}_update AFTER UPDATE OF {bucket} ON cases "
        f"BEGIN {add('OLD', -1)} {add('NEW', 1)} END",
    ]


#: Fewest case rows one write takes for :func:`write_counted` to count them itself; fewer go
#: through the triggers (dropping and re-making them costs about as much as 15 rows' firing).
COUNTED_ROWS = 64
#: The triggers an ``INSERT OR REPLACE`` of case rows fires (the update trigger never does).
_WRITE_TRIGGERS = (f"{COUNTS_TABLE}_delete", f"{COUNTS_TABLE}_insert")


def write_counted(conn: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Run ``sql`` (an ``INSERT OR REPLACE`` into ``cases`` whose first column is
    ``case_id``) for ``rows``, inside the caller's transaction, keeping :data:`COUNTS_TABLE`
    exactly as the triggers of :func:`counts_schema` would.

    A trigger's upsert costs about 16 µs a row (40 % of writing a case row with its 38
    indexes, measured on 10,000 real credit rows). For a batch of at least
    :data:`COUNTED_ROWS` rows the insert and delete triggers are dropped for the batch and
    made again from their own SQL before the caller commits (a transaction holds both: no
    other connection ever sees the file without them); the counts move by the difference
    between the batch's rows' buckets after and before, each bucket computed by SQL with
    the triggers' own expressions, in one statement per bucket. A file without the
    triggers (a scratch replay, which makes them at the end) is written as it is."""
    if len(rows) < COUNTED_ROWS:
        conn.executemany(sql, rows)
        return
    marks = ",".join("?" * len(_WRITE_TRIGGERS))
    triggers = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' "
        f"AND name IN ({marks}) ORDER BY name", _WRITE_TRIGGERS,
    ).fetchall()  # fmt: skip
    if len(triggers) != len(_WRITE_TRIGGERS):
        conn.executemany(sql, rows)
        return
    ids = json.dumps([row[0] for row in rows])
    before = _buckets(conn, ids)
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.executemany(sql, rows)
    after = _buckets(conn, ids)
    for _, made in triggers:
        conn.execute(made)
    bucket = ", ".join(_BUCKET)
    upsert = (f"INSERT INTO {COUNTS_TABLE} ({bucket}, n) VALUES ({', '.join('?' * len(_BUCKET))}"
              f", ?) ON CONFLICT ({bucket}) DO UPDATE SET n = n + excluded.n")  # fmt: skip
    changes = [(*key, after.get(key, 0) - before.get(key, 0)) for key in {*before, *after}]
    conn.executemany(upsert, sorted(change for change in changes if change[-1]))


def _buckets(conn: sqlite3.Connection, ids: str) -> dict[tuple[Any, ...], int]:
    """How many of the case rows ``ids`` (a JSON list) there are in each bucket of
    :data:`COUNTS_TABLE`, as its triggers compute a row's bucket."""
    fill = ", ".join(["coalesce(status, '')", *(f"{f} IS 1" for f in sorted(QUEUE_FLAGS))])
    found = conn.execute(
        f"SELECT {fill}, count(*) FROM cases WHERE case_id IN (SELECT value FROM json_each(?)) "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(_BUCKET)))}", (ids,),
    ).fetchall()  # fmt: skip
    return {tuple(row[:-1]): int(row[-1]) for row in found}


def counts_differences(views: Rows) -> list[str]:
    """Where the kept counts (:data:`COUNTS_TABLE`) disagree with the case rows they count,
    one line per status and set of flags (empty: they agree).

    The counts are derived from ``cases`` and so are not part of the read models' digest;
    an edit of the counts alone (a queue shown with 5,000 more open cases than it holds)
    would otherwise pass ``docket verify``. Both sides are normalised here (no status is
    ``''``, a flag counts when it is 1) so the check reads the same on SQLite and
    PostgreSQL."""
    bucket = ", ".join(_BUCKET)

    def tally(sql: str) -> dict[tuple[Any, ...], int]:
        found: dict[tuple[Any, ...], int] = {}
        for row in views.rows(sql):
            key = (row["status"] or "", *(1 if row[f] == 1 else 0 for f in _BUCKET[1:]))
            found[key] = found.get(key, 0) + int(row["n"])
        return {k: n for k, n in found.items() if n}

    kept = tally(f"SELECT {bucket}, sum(n) AS n FROM {COUNTS_TABLE} GROUP BY {bucket}")
    held = tally(f"SELECT {bucket}, count(*) AS n FROM cases GROUP BY {bucket}")
    lines = []
    for key in sorted(set(kept) | set(held)):
        if kept.get(key, 0) != held.get(key, 0):
            flags = [f for f, on in zip(_BUCKET[1:], key[1:], strict=True) if on]
            lines.append(
                f"{COUNTS_TABLE}: {key[0] or 'no status'}"
                + (f" ({', '.join(flags)})" if flags else "")
                + f" counted {kept.get(key, 0)} but the cases table holds {held.get(key, 0)}"
            )
    return lines


def count_query(selected: QueueFilter, *, counts_kept: bool = False) -> tuple[str, list[Any]]:
    """The SQL (and parameters) of how many cases ``selected`` holds, as column ``n``: a sum
    over :data:`COUNTS_TABLE` when the read models keep it (``counts_kept``) and there is no
    search (its cost does not grow with the queue), else a count of the rows (a search reads
    every case of its statuses)."""
    clause, params = selected.where()  # refuses a flag that is not a column
    if counts_kept and not selected.search.strip():
        marks = ",".join("?" * len(selected.statuses))
        flags = "".join(f" AND {flag} = 1" for flag in selected.flags)
        return (f"SELECT coalesce(sum(n), 0) AS n FROM {COUNTS_TABLE} "
                f"WHERE status IN ({marks}){flags}", list(selected.statuses))  # fmt: skip
    return f"SELECT count(*) AS n FROM cases WHERE {clause}", params


def queue_count(views: Rows, selected: QueueFilter, *, counts_kept: bool = False) -> int:
    """How many cases ``selected`` holds (see :func:`count_query`)."""
    sql, params = count_query(selected, counts_kept=counts_kept)
    return int(views.rows(sql, params)[0]["n"])


def case_key(views: Rows, case_id: str, order_by: str) -> Key | None:
    """Where the case ``case_id`` sits in the order ``order_by`` (None: no such case)."""
    columns = key_columns(order_by)
    rows = views.rows(f"SELECT {', '.join(columns)} FROM cases WHERE case_id = ?", [case_id])
    return tuple(rows[0][c] for c in columns) if rows else None


@dataclass(frozen=True)
class Walk:
    """One way through one order: which cases, by which column, which way, from where.

    ``ascending`` is the direction of this walk (a page before a case walks the order
    backwards); ``start`` is a key to start after (or at, when ``inclusive``)."""

    selected: QueueFilter
    order_by: str
    ascending: bool
    start: Key | None = None
    inclusive: bool = False

    def streams(self, columns: str, limit: int) -> list[tuple[str, list[Any]]]:
        """(SQL, parameters) of each ordered stream: one per status and value presence."""
        found = []
        for status in self.selected.statuses:
            for has_value in (False, True) if self.order_by in NULLABLE else (None,):
                part = self._stream(status, has_value, columns, limit)
                if part is not None:
                    found.append(part)
        return found

    def _stream(
        self, status: str, has_value: bool | None, columns: str, limit: int
    ) -> tuple[str, list[Any]] | None:
        keys = key_columns(self.order_by)
        first, rest = keys[0], keys[1:]
        clause, params = self.selected.where([status])
        conditions = [clause]
        compared: tuple[str, ...] = keys
        start = self.start
        if has_value is not None:
            conditions.append(f"{first} IS NOT NULL" if has_value else f"{first} IS NULL")
            if start is not None and (start[0] is None) != (not has_value):
                # The start lies in the other stream. Cases without a value come first in
                # SQLite's ascending order: this stream lies wholly before or after it.
                if has_value != self.ascending:
                    return None  # wholly before the start
                start = None  # wholly after it
            elif start is not None and not has_value:
                compared, start = rest, start[1:]  # NULL compares with nothing: the rest
        if start is not None:
            op = (">" if self.ascending else "<") + ("=" if self.inclusive else "")
            conditions.append(f"({', '.join(compared)}) {op} ({', '.join('?' * len(start))})")
            params += list(start)
        direction = "ASC" if self.ascending else "DESC"
        order = ", ".join(f"{c} {direction}" for c in keys)
        sql = f"SELECT {columns} FROM cases WHERE {' AND '.join(conditions)} ORDER BY {order}"
        return f"{sql} LIMIT ?", [*params, limit]

    def sort_key(self, row: Row) -> tuple[Any, ...]:
        """The row's place in this walk's order, as Python compares it (no value first)."""
        keys = key_columns(self.order_by)
        value = row[keys[0]]
        rest = tuple(row[c] for c in keys[1:])
        return (0, *rest) if value is None else (1, value, *rest)

    def rows(self, views: Rows, columns: str, limit: int) -> Iterator[Row]:
        """Up to ``limit`` rows in this walk's order, merged from its streams."""
        fetched = [views.rows(sql, params) for sql, params in self.streams(columns, limit)]
        merged = heapq.merge(*fetched, key=self.sort_key, reverse=not self.ascending)
        return islice(merged, limit)


def queue_page(
    views: Rows,
    selected: QueueFilter,
    *,
    order_by: str,
    descending: bool,
    limit: int,
    after: Key | None = None,
    before: Key | None = None,
    starting_at: Key | None = None,
) -> list[Row]:
    """One page of case rows in the order ``order_by`` (one of :data:`QUEUE_ORDER`): the
    first, or the one after the key ``after``, or starting at ``starting_at``, or the one
    ending just before ``before``."""
    if before is not None:
        back = Walk(selected, order_by, descending, before)
        return list(back.rows(views, "*", limit))[::-1]
    start, inclusive = (starting_at, True) if starting_at is not None else (after, False)
    return list(Walk(selected, order_by, not descending, start, inclusive).rows(views, "*", limit))


def key_at(
    views: Rows, selected: QueueFilter, *, order_by: str, descending: bool, offset: int
) -> Key | None:
    """The key of the ``offset``-th case (0-based) in this order; None if there are fewer.

    Reached by walking the keys (from the indexes alone) a chunk at a time: the cost grows
    with ``offset`` (about a second per million cases skipped), unlike a page from a key."""
    columns = key_columns(order_by)
    key: Key | None = None
    left = offset + 1
    while left > 0:
        chunk = min(left, 5000)
        walk = Walk(selected, order_by, not descending, key)
        rows = list(walk.rows(views, ", ".join(columns), chunk))
        if not rows:
            return None
        key = tuple(rows[-1][c] for c in columns)
        left -= len(rows)
        if len(rows) < chunk and left > 0:
            return None
    return key
