"""eventsourcing recorders that also write the hash chain, in the same transaction.

(The PostgreSQL one lives in :mod:`events.pg_recorder`, imported only for a
``postgresql://`` store so SQLite users need no PostgreSQL driver.)

Both subclasses hook the library's insert path at the point where the events'
notification ids are known and the transaction is still open:

* SQLite: ``SQLiteApplicationRecorder._insert_events`` runs inside the
  ``BEGIN ... COMMIT`` of ``insert_events`` and returns the rowids.
* PostgreSQL: ``PostgresApplicationRecorder._fetch_ids_after_insert_events`` runs
  inside ``conn.transaction()`` after the INSERT, while the events table is held
  in EXCLUSIVE mode, so reading the chain head there cannot race another writer.

Both also create Docket's ``docket_meta`` table and refuse a store whose schema
version differs (or that holds events but was not written by Docket).
On SQLite, triggers make the events and chain tables append-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteDatastore
from eventsourcing.utils import get_topic

from events.chain import (
    CHAIN_TABLE,
    GENESIS,
    META_TABLE,
    SCHEMA_VERSION,
    SIGNATURE_TABLE,
    UPGRADABLE,
    Signer,
    chain_links,
    sign_batch,
)
from events.deployment import TOPICS as DEPLOYMENT_TOPICS
from events.domain.records import ReadModelSeal
from events.errors import IncompatibleStore
from events.keyring import ENROLLED_TOPIC, REVOKED_TOPIC

#: The events every process folds from the start of the log (key ring, deployments).
CONTROL_TOPICS = sorted({*DEPLOYMENT_TOPICS, ENROLLED_TOPIC, REVOKED_TOPIC})
#: Topics are our own constants (``module:Class.Name``), safe to write into SQL.
assert all("'" not in topic for topic in CONTROL_TOPICS)
_CONTROL_LIST = ", ".join(f"'{topic}'" for topic in CONTROL_TOPICS)
_CONTROL_SET = frozenset(CONTROL_TOPICS)
#: A read-model seal (``docket verify --seal``): ``docket verify`` reads the newest one.
SEAL_TOPIC = get_topic(ReadModelSeal.Sealed)
assert "'" not in SEAL_TOPIC


def control_read(topics: Sequence[str], start: int | None) -> bool:
    """Whether a read of notifications asks for control events only, from a known position.

    Both recorders answer such reads with their own query, planned with the topics known,
    so the control-event index serves them: SQLite uses a partial index only when the
    query repeats its condition, PostgreSQL not from a generic prepared plan. Every other
    read is the library's.
    """
    return bool(topics) and start is not None and _CONTROL_SET.issuperset(topics)


def incompatible(found: str | None, has_events: bool) -> IncompatibleStore | None:
    if found is None:
        if has_events:
            return IncompatibleStore(
                "the store holds events but was not written by Docket (no docket_meta table)"
            )
        return None
    if found != SCHEMA_VERSION and found not in UPGRADABLE:
        return IncompatibleStore(
            f"the store was written with Docket storage version {found}; "
            f"this Docket reads version {SCHEMA_VERSION}"
        )
    return None


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite application recorder with hash chain, signatures, append-only triggers and
    meta table. ``signer`` (set by the log) signs every batch; without it nothing is saved."""

    signer: Signer | None = None

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        t = self.events_table_name
        refuse = "SELECT RAISE(ABORT, 'docket: the event log is append-only');"
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (notification_id INTEGER PRIMARY KEY, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, hash BLOB NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} BEGIN {refuse} END",
            f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} BEGIN {refuse} END",
            f"CREATE TRIGGER IF NOT EXISTS {CHAIN_TABLE}_no_update BEFORE UPDATE ON {CHAIN_TABLE} "
            f"BEGIN {refuse} END",
            f"CREATE TRIGGER IF NOT EXISTS {CHAIN_TABLE}_no_delete BEFORE DELETE ON {CHAIN_TABLE} "
            f"BEGIN {refuse} END",
            f"CREATE TABLE IF NOT EXISTS {SIGNATURE_TABLE} (last_id INTEGER PRIMARY KEY, "
            "first_id INTEGER NOT NULL, key_id TEXT NOT NULL, signature BLOB NOT NULL)",
            f"CREATE TRIGGER IF NOT EXISTS {SIGNATURE_TABLE}_no_update BEFORE UPDATE ON "
            f"{SIGNATURE_TABLE} BEGIN {refuse} END",
            f"CREATE TRIGGER IF NOT EXISTS {SIGNATURE_TABLE}_no_delete BEFORE DELETE ON "
            f"{SIGNATURE_TABLE} BEGIN {refuse} END",
            self._control_index(),
            self._seal_index(),
        ]

    def _control_index(self) -> str:
        # The key ring and the deployments fold read only these few events, yet every
        # process reads them from the start of the log (3 s at 400k events without it): a
        # partial index (an entry per such event, none for the case events) keeps that flat.
        t = self.events_table_name
        return (
            f"CREATE INDEX IF NOT EXISTS {t}_control_idx ON {t} (topic) "
            f"WHERE topic IN ({_CONTROL_LIST})"
        )

    def _seal_index(self) -> str:
        # `docket verify` reads the newest read-model seal before it walks the log: an entry
        # per seal (a handful) finds it at once, whatever the log's size, seal or none.
        t = self.events_table_name
        return (
            f"CREATE INDEX IF NOT EXISTS {t}_seal_idx ON {t} (topic) "
            f"WHERE topic = '{SEAL_TOPIC}'"
        )

    def _create_table(self, c: SQLiteCursor) -> None:
        # Check compatibility before creating anything, in the same transaction.
        c.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name IN (?, ?)",
            (META_TABLE, self.events_table_name),
        )
        tables = {row[0] for row in c.fetchall()}
        found: str | None = None
        has_events = False
        if self.events_table_name in tables:
            c.execute(f"SELECT 1 FROM {self.events_table_name} LIMIT 1")
            has_events = c.fetchone() is not None
        if META_TABLE in tables:
            c.execute(f"SELECT value FROM {META_TABLE} WHERE key='schema_version'")
            row = c.fetchone()
            found = row[0] if row else None
        problem = incompatible(found, has_events)
        if problem:
            raise problem
        if found == SCHEMA_VERSION:
            # An existing store: opening it must write nothing, or a console opening while
            # another process commits would get "database is locked" instead of waiting.
            # (Once, a store made before the control or the seal index gets it.)
            for name, statement in (("control_idx", self._control_index()),
                                    ("seal_idx", self._seal_index())):  # fmt: skip
                c.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='index' AND name=?",
                    (f"{self.events_table_name}_{name}",),
                )
                if c.fetchone() is None:
                    c.execute(statement)
            return
        super()._create_table(c)
        if found in UPGRADABLE:
            # Written before events were signed: those stay chained but unsigned, and
            # everything from the next position on must be signed (see events.chain).
            c.execute(f"SELECT coalesce(max(rowid), 0) FROM {self.events_table_name}")
            row = c.fetchone()
            c.execute(
                f"INSERT OR IGNORE INTO {META_TABLE} VALUES ('signed_from', ?)",
                (str(int(row[0] if row else 0) + 1),),
            )
            c.execute(
                f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'",
                (SCHEMA_VERSION,),
            )
        c.execute(
            f"INSERT OR IGNORE INTO {META_TABLE} VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
        )

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        # The INSERTs above took the write lock, so the head cannot move under us.
        c.execute(f"SELECT hash FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1")
        row = c.fetchone()
        previous = row[0] if row else GENESIS
        links = chain_links(
            previous,
            (
                (nid, str(s.originator_id), s.originator_version, s.topic, s.state)
                for nid, s in zip(ids, stored_events, strict=True)
            ),
        )
        c.executemany(f"INSERT INTO {CHAIN_TABLE} VALUES (?,?,?,?)", links)
        if links:
            signature = sign_batch(self.signer, links)
            c.execute(f"INSERT INTO {SIGNATURE_TABLE} VALUES (?,?,?,?)", signature)
        return ids

    def select_chain(self, start: int, stop: int | None, limit: int) -> list[tuple[int, bytes]]:
        sql = f"SELECT notification_id, hash FROM {CHAIN_TABLE} WHERE notification_id >= ?"
        params: list[int] = [start]
        if stop is not None:
            sql += " AND notification_id <= ?"
            params.append(stop)
        sql += " ORDER BY notification_id LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
            c.execute(sql, params)
            return c.fetchall()  # type: ignore[no-any-return]

    def select_signatures(self, start: int, stop: int) -> list[tuple[int, int, str, bytes]]:
        """Batch signatures ``(last_id, first_id, key_id, signature)`` ending in start..stop."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT last_id, first_id, key_id, signature FROM {SIGNATURE_TABLE} "
                "WHERE last_id >= ? AND last_id <= ? ORDER BY last_id",
                (start, stop),
            )
            return [(r[0], r[1], r[2], bytes(r[3])) for r in c.fetchall()]

    def signed_from(self) -> int:
        """The first position that must be signed (1, or after a store's unsigned past)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'signed_from'")
            row = c.fetchone()
            return int(row[0]) if row else 1

    def max_signature_id(self) -> int:
        """The last position a batch signature covers (0 when none)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT max(last_id) FROM {SIGNATURE_TABLE}")
            row = c.fetchone()
            return int(row[0] or 0) if row else 0

    def max_chain_id(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT max(notification_id) FROM {CHAIN_TABLE}")
            row = c.fetchone()
            return int(row[0] or 0) if row else 0

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """As the library's; a :func:`control_read` names the control index's own condition
        (SQLite uses a partial index only when the query repeats it)."""
        if not control_read(topics, start):
            found: Sequence[Notification] = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
            return found
        sql = (
            f"SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table_name} WHERE rowid {'>=' if inclusive_of_start else '>'} ? "
            f"AND topic IN ({_CONTROL_LIST}) AND topic IN ({','.join('?' * len(topics))})"
        )
        params: list[Any] = [start, *topics]
        if stop is not None:
            sql += " AND rowid <= ?"
            params.append(stop)
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"{sql} ORDER BY rowid LIMIT ?", [*params, limit])
            return [
                Notification(
                    id=row[0], originator_id=self.convert_originator_id(row[1]),
                    originator_version=row[2], topic=row[3], state=bytes(row[4]),
                )
                for row in c.fetchall()
            ]  # fmt: skip

    def last_seal(self) -> tuple[int, bytes] | None:
        """(position, stored state) of the newest read-model seal, None when there is none
        (the seal index answers: the query repeats its condition)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT rowid, state FROM {self.events_table_name} "
                f"WHERE topic = '{SEAL_TOPIC}' ORDER BY rowid DESC LIMIT 1"
            )
            row = c.fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def select_case_rows(
        self, originator_ids: Sequence[str], topics: Sequence[str]
    ) -> list[tuple[int, str, int, str, bytes]]:
        """The stored events ``(id, originator id as 32 hex digits, version, topic, state)``
        of the aggregates ``originator_ids`` (UUID text) whose topic is one of ``topics``:
        the case rule of ``verify`` (:mod:`events.case_rule`) reads the cases decided in a
        page in one indexed read (the primary key leads with the originator id)."""
        ids = [o.replace("-", "") for o in originator_ids]
        found: list[tuple[int, str, int, str, bytes]] = []
        marks = ",".join("?" * len(topics))
        with self.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples
            for at in range(0, len(ids), 500):  # under SQLite's limit of bound values
                chunk = ids[at : at + 500]
                c.execute(
                    # A state stored as TEXT cannot be fetched (not UTF-8): as in
                    # select_rows, it is given as one byte, which the walk names.
                    "SELECT rowid, originator_id, originator_version, topic, CASE WHEN "
                    "typeof(state) = 'blob' THEN state ELSE x'00' END FROM "
                    f"{self.events_table_name} WHERE originator_id IN "
                    f"({','.join('?' * len(chunk))}) AND topic IN ({marks})",
                    (*chunk, *topics),
                )
                found.extend(c.fetchall())
        return [(r[0], str(r[1]), r[2], r[3], bytes(r[4])) for r in found]

    def select_rows(
        self, start: int, limit: int, stop: int | None = None
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications as plain tuples ``(id, originator id as UUID text, version, topic,
        state)`` with start <= id (<= stop): the read models' and verify's fast path (no
        UUID or Notification objects)."""
        o = "originator_id"
        uuid_text = (
            f"substr({o},1,8)||'-'||substr({o},9,4)||'-'||substr({o},13,4)||'-'||"
            f"substr({o},17,4)||'-'||substr({o},21)"
        )
        # Every id is stored as 32 hex digits (the library writes ``uuid.hex``) and the
        # chain hashes its hyphenated form. Any other spelling of the same id (hyphenated, or
        # the same digits stored as a BLOB) is another key to a read by id, so it is given
        # back in braces, a form the
        # chain never hashed: verify names the event instead of passing a decision that
        # reading its case by id no longer finds.
        sql = (
            f"SELECT rowid, CASE WHEN length({o}) = 32 AND typeof({o}) = 'text' THEN {uuid_text} "
            f"ELSE '{{' || {o} || '}}' END, "
            # A state is stored as a BLOB: one stored as TEXT (the same bytes) cannot be read
            # back by the library, so it is given as one byte the chain never hashed.
            "originator_version, topic, CASE WHEN typeof(state) = 'blob' THEN state "
            f"ELSE x'00' END FROM {self.events_table_name} "
            "WHERE rowid >= ? AND rowid <= ? ORDER BY rowid LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            c.sqlite_cursor.row_factory = None  # plain tuples: no sqlite3.Row per row
            c.execute(sql, (start, (1 << 63) - 1 if stop is None else stop, limit))
            return c.fetchall()  # type: ignore[no-any-return]
