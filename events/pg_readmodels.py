"""Read models kept in PostgreSQL itself, shared by every console of a team's store.

With a SQLite read-model file per console, each new console replayed the whole log into
its own copy (about 26 s of CPU per console at 1M events, K times over for K consoles).
Here the same tables live in one schema of the store's database (``<schema>_views``, or
``docket_views`` for the default schema), with one position: whoever opens the store
brings them up to date, under a transaction-level advisory lock, so consoles starting
together apply each event once and a new console starts from the tables as they are.

One projection, one SQL: :class:`PgReadModels` is :class:`events.readmodels.ReadModels`
with a connection that speaks PostgreSQL. Read-model SQL (the projection's and
:mod:`events.queries`') is written once, in the subset both databases share, with ``?``
placeholders; :class:`_PgConnection` is the only place that translates: ``?`` to ``%s``,
``INSERT OR REPLACE`` to ``INSERT ... ON CONFLICT (key) DO UPDATE``, ``LIKE`` to
``ILIKE`` (SQLite's LIKE ignores ASCII case), ``BEGIN IMMEDIATE`` to a transaction holding
the projection's advisory lock and ``BEGIN`` to a repeatable-read snapshot.

psycopg is reached only through ``eventsourcing.postgres`` (``events`` imports nothing else).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import SQL, Identifier, PostgresDatastore  # type: ignore[attr-defined]

from events import queue
from events.queries import INDEXES as QUERY_INDEXES
from events.readmodels import INDEXES, SCHEMA, ReadModels

if TYPE_CHECKING:
    from events.app import DecisionLog

#: Advisory lock of the projection: one writer of a store's read models. Two keys: this
#: ("dock" in ASCII) and a hash of the read models' schema, so the consoles of one store wait
#: for each other and never for another store's on the same server.
PROJECTION_LOCK = 0x646F636B
_TYPES = {str: "text", int: "bigint", float: "double precision"}
_UPSERT = re.compile(r"^\s*INSERT OR REPLACE INTO (\w+)(\s*\([\w\s,]*\))? VALUES", re.IGNORECASE)
#: The tables keyed by something other than their first column.
_KEYS = {**{t: pk for t, (_, pk) in SCHEMA.items()}, "_policy_ids": "policy_id"}
_COLUMNS = {**{t: list(cols) for t, (cols, _) in SCHEMA.items()},
            "_policy_ids": ["policy_id", "domain"]}  # fmt: skip


#: The function and the two triggers (rows added or removed; status or flags changed) that
#: keep the queue's counts (:meth:`PgReadModels._create_counts`).
_COUNT_FUNCTION = "docket_case_counts"
_COUNT_TRIGGERS = ("docket_case_counts_rows", "docket_case_counts_changes")
#: The counts as of the last write transaction, and the changes since (appended by the
#: triggers, folded into the first when a write transaction commits). Updating one counts
#: row per case row instead cost a rebuild of 20,000 cases 39 s against 7-10 s without the
#: triggers: every update of the same row in one transaction walks all its earlier versions.
_KEPT, _CHANGES = "case_counts_kept", "case_count_changes"


def _bucket_of(row: str) -> str:
    """A case's bucket in the counts table: its status and each flag as 1 when set (the
    queue's ``flag = 1``), else 0, as SQLite's triggers count them."""
    flags = sorted(queue.QUEUE_FLAGS)
    set_ = [f"({row}.{flag} IS NOT DISTINCT FROM 1)::int" for flag in flags]
    return ", ".join([f"coalesce({row}.status, '')", *set_])


def _fold_changes() -> str:
    """The statement folding the counted changes into the kept counts (one row a bucket)."""
    bucket = ", ".join(["status", *sorted(queue.QUEUE_FLAGS)])
    return (
        f"WITH moved AS (DELETE FROM {_CHANGES} RETURNING *) "
        f"INSERT INTO {_KEPT} AS k ({bucket}, n) SELECT {bucket}, sum(n) FROM moved "
        f"GROUP BY {bucket} ON CONFLICT ({bucket}) DO UPDATE SET n = k.n + EXCLUDED.n"
    )


def _all_indexes() -> list[tuple[str, list[str]]]:
    return [*INDEXES, *QUERY_INDEXES, *queue.INDEXES]


def _partial_name(table: str, columns: Sequence[str], flag: str) -> str:
    return f"{_index_name(table, columns)}_{flag}"


def _index_name(table: str, columns: Sequence[str]) -> str:
    return f"idx_{table}_{'_'.join(columns)}"


def views_schema(store_schema: str) -> str:
    """The schema holding a store's read models."""
    return f"{store_schema}_views" if store_schema and store_schema != "public" else "docket_views"


def translate(sql: str) -> str:
    """Read-model SQL as written for SQLite, spelled for PostgreSQL (see the module doc)."""
    text = sql.replace("%", "%%").replace("?", "%s")
    found = _UPSERT.match(text)
    if found:
        table = found.group(1)
        key = _KEYS[table]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[table] if c != key)
        text = _UPSERT.sub(f"INSERT INTO {table}{found.group(2) or ''} VALUES", text, count=1)
        text = f"{text} ON CONFLICT ({key}) DO UPDATE SET {updates}"
    return re.sub(r"\bLIKE\b", "ILIKE", text)


class _Cursor:
    """The part of ``sqlite3.Cursor`` the read models use: tuples and a description."""

    def __init__(self, rows: list[tuple[Any, ...]], names: list[str]) -> None:
        self._rows = rows
        self.description = [(name,) for name in names]

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows


class _PgConnection:
    """The part of ``sqlite3.Connection`` the read models use, on one PostgreSQL connection
    (autocommit; transactions are the explicit BEGIN ... COMMIT the read models send).

    ``shared``: the datastore is the log's, whose pool is open already; the connection is
    borrowed from it and given back (its search path reset) on :meth:`close`, and the pool
    is left to the log. A pool of the read models' own cost a console's start a scheduler
    and three worker threads and one more server connection (0.1-0.3 s under load)."""

    def __init__(self, datastore: PostgresDatastore, schema: str, *, shared: bool) -> None:
        self.datastore = datastore
        self.schema = schema
        self.shared = shared
        datastore.pool.open(True, 30)
        self.conn = datastore.pool.getconn()
        self.conn.execute(SQL("SET search_path TO {0}").format(Identifier(schema)))
        self.depth = 0  # nested BEGINs (a rebuild wraps the catch-up in one transaction)
        self.writing = False  # the outer transaction is the projection's (BEGIN IMMEDIATE)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        word = sql.strip().upper()
        if word.startswith("PRAGMA"):
            return _Cursor([], [])
        if word in ("BEGIN", "BEGIN IMMEDIATE"):
            self.depth += 1
            if self.depth == 1:
                self.writing = word == "BEGIN IMMEDIATE"
                level = "READ COMMITTED" if self.writing else "REPEATABLE READ"
                self.conn.execute(f"BEGIN ISOLATION LEVEL {level}".encode())
            if word == "BEGIN IMMEDIATE":  # the projection's writer lock, until COMMIT
                self.conn.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (PROJECTION_LOCK, self.schema)
                )
            return _Cursor([], [])
        if word == "COMMIT":
            self.depth = max(0, self.depth - 1)
            if self.depth == 0:
                if self.writing:  # the queue's counts as of this commit, in it
                    self.conn.execute(_fold_changes().encode())
                self.conn.execute(b"COMMIT")
            return _Cursor([], [])
        if word == "ROLLBACK":
            # An inner ROLLBACK either undid nothing (a batch with no events) or is followed
            # by the exception that makes the outer transaction roll back for real.
            self.depth = max(0, self.depth - 1)
            if self.depth == 0:
                self.conn.execute(b"ROLLBACK")
            return _Cursor([], [])
        cur = self.conn.execute(translate(sql).encode(), list(params))
        if cur.description is None:
            return _Cursor([], [])
        names = [d.name for d in cur.description]
        return _Cursor([tuple(r.values()) for r in cur.fetchall()], names)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(translate(sql).encode(), [list(r) for r in rows])

    def close(self) -> None:
        if self.depth:
            self.conn.execute(b"ROLLBACK")
        if self.shared:  # back to the log's pool as the log's queries expect it
            self.conn.execute(b"RESET search_path")
            self.datastore.pool.putconn(self.conn)
            return
        self.datastore.pool.putconn(self.conn)
        self.datastore.close()


class PgReadModels(ReadModels):
    """The read models in PostgreSQL (see the module doc).

    Args:
        datastore: A datastore on the store's database (its schema is ignored).
        schema: The read models' schema (:func:`views_schema`), created if missing.
        path: Where a scratch SQLite copy may be built (``check``, ``verify``): a file
            name in the console's data folder; nothing is written there otherwise.
        shared: ``datastore`` is the log's (see :class:`_PgConnection`); else it is the
            read models' own and closed with them.
    """

    def __init__(
        self, datastore: PostgresDatastore, schema: str, path: str | Path, *, shared: bool = False
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self._scratch = False
        self.conn = _PgConnection(datastore, schema, shared=shared)  # type: ignore[assignment]
        self._create()

    def _missing(self) -> bool:
        """Whether any table, column or index is missing (only then is DDL run: the writer
        role may use the tables that ``docket setup-postgres`` made, not make them).
        Columns missing from tables that exist are noted in :attr:`added_columns`."""
        # One query on the catalogue, not two views: information_schema.columns checks
        # privileges row by row and cost 13-17 ms of a console's start under load (0.3 ms).
        found = self.conn.execute(
            "SELECT c.relkind::text, c.relname::text, a.attname::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND c.relkind = 'r' "
            "AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = ? AND c.relkind IN ('r', 'i', 'v') "
            "UNION ALL SELECT 't', t.tgname::text, NULL FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ? AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
            [self.schema, self.schema],
        ).fetchall()
        have = {(table, column) for kind, table, column in found if kind == "r"}
        indexes = {name for kind, name, _ in found if kind == "i"}
        views = {name for kind, name, _ in found if kind == "v"}
        triggers = {name for kind, name, _ in found if kind == "t"}
        want = {(t, c) for t, columns in _COLUMNS.items() for c in columns}
        tables = {t for t, _ in have}
        # Rows applied before such a column existed lack its values: the service rebuilds.
        self.added_columns = tuple(sorted(f"{t}.{c}" for t, c in want - have if t in tables))
        wanted = {_index_name(t, c) for t, c in _all_indexes()}
        wanted |= {_partial_name(t, c, f) for t, c, f in queue.PARTIAL_INDEXES}
        return (
            bool(want - have)
            or bool(wanted - indexes)
            or bool(indexes & set(queue.OBSOLETE_INDEXES))
            or not {_KEPT, _CHANGES} <= tables
            or queue.COUNTS_TABLE not in views
            or bool(set(_COUNT_TRIGGERS) - triggers)
        )

    def _create(self) -> None:
        if not self._missing():
            return
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")  # consoles starting together: one creates
        try:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            for table, columns in _COLUMNS.items():
                kinds = SCHEMA[table][0] if table in SCHEMA else dict.fromkeys(columns, str)
                cols = ", ".join(f"{c} {_TYPES[kinds[c]]}" for c in columns)
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({_KEYS[table]}))"
                )
                for column in columns:  # tables made before a column was added
                    conn.execute(
                        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} "
                        f"{_TYPES[kinds[column]]}"
                    )
            self._create_indexes()
            self._create_counts()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _create_indexes(self) -> None:
        for table, cols in _all_indexes():
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_index_name(table, cols)} ON {table} "
                f"({', '.join(cols)})"
            )
        for table, cols, flag in queue.PARTIAL_INDEXES:  # the queue's flagged cases
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_partial_name(table, cols, flag)} ON {table} "
                f"({', '.join(cols)}) WHERE {flag} = 1"
            )
        for name in queue.OBSOLETE_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")

    def _create_counts(self) -> None:
        """The queue's counts (:data:`events.queue.COUNTS_TABLE`, a view here) kept by row
        triggers on ``cases`` in the writing transaction, as SQLite's are: each trigger appends
        the change to :data:`_CHANGES`; a write transaction folds them into :data:`_KEPT` as it
        commits (:func:`_fold_changes`); the view sums both, so an edit made outside the
        projection counts at once. :data:`_KEPT` is filled from the rows there are when new
        (under the projection's lock: no catch-up meanwhile). Without it, a console's first
        page counted every queued case: 0.3-0.6 s of the server's CPU at 250,000 cases, paid
        again by every console starting together."""
        conn, counts = self.conn, queue.COUNTS_TABLE
        flags = sorted(queue.QUEUE_FLAGS)
        bucket = ", ".join(["status", *flags])
        columns = "status text NOT NULL, " + "".join(f"{f} bigint NOT NULL, " for f in flags)
        found = conn.execute(
            "SELECT relkind::text FROM pg_class WHERE oid = to_regclass(?)",
            [f'"{self.schema}".{counts}'],
        ).fetchone()
        if found and found[0] == "r":  # a table, as the first version of this kept them
            conn.execute(f"DROP TABLE {counts}")
        new = conn.execute("SELECT to_regclass(?) IS NULL", [f'"{self.schema}".{_KEPT}'])
        row = new.fetchone()
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_KEPT} ({columns}n bigint NOT NULL, "
                     f"PRIMARY KEY ({bucket}))")  # fmt: skip
        conn.execute(f"CREATE TABLE IF NOT EXISTS {_CHANGES} ({columns}n bigint NOT NULL)")
        if row and row[0]:
            conn.execute(f"DELETE FROM {_CHANGES}")
            conn.execute(
                f"INSERT INTO {_KEPT} ({bucket}, n) SELECT {_bucket_of('cases')}, count(*) "
                f"FROM cases GROUP BY {', '.join(str(i + 1) for i in range(len(flags) + 1))}"
            )
        conn.execute(
            f"CREATE OR REPLACE VIEW {counts} AS SELECT {bucket}, n FROM {_KEPT} "
            f"UNION ALL SELECT {bucket}, n FROM {_CHANGES}"
        )
        schema = f'"{self.schema}"'  # the function runs on any session's search_path

        def add(row: str, step: str) -> str:
            return f"INSERT INTO {schema}.{_CHANGES} VALUES ({_bucket_of(row)}, {step});"

        name = f"{schema}.{_COUNT_FUNCTION}"
        conn.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' THEN {add('OLD', '-1')} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {add('NEW', '1')} END IF; RETURN NULL; END $$"
        )
        rows, changes = _COUNT_TRIGGERS
        conn.execute(
            f"CREATE OR REPLACE TRIGGER {rows} AFTER INSERT OR DELETE ON cases "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
        # A case row rewritten with its status and flags as they were changes no count.
        conn.execute(
            f"CREATE OR REPLACE TRIGGER {changes} AFTER UPDATE OF {bucket} ON cases "
            f"FOR EACH ROW WHEN (({_bucket_of('OLD')}) IS DISTINCT FROM ({_bucket_of('NEW')})) "
            f"EXECUTE FUNCTION {name}()"
        )

    def table_names(self) -> list[str]:
        return list(_COLUMNS)

    def rebuilt(self, log: DecisionLog) -> PgReadModels:
        """Empty every table and replay the log into them, in ONE transaction: readers
        see the old tables until it commits."""
        conn = self.conn
        step, self.step = self.step, None  # a rebuild is whole, whoever asks for it
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in self.table_names():
                conn.execute(f"DELETE FROM {table}")
            for counts in (_KEPT, _CHANGES):  # after the cases (their triggers note deletes)
                conn.execute(f"DELETE FROM {counts}")  # re-counted as the cases go back in
            self.catch_up(log, batch=10000)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            self.step = step
        return self
