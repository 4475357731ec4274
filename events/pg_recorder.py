"""The PostgreSQL recorder that also writes the hash chain (see :mod:`events.recorders`).

psycopg is reached only through ``eventsourcing.postgres`` (``SQL``, ``Identifier``),
because ``events`` may import nothing but the standard library, eventsourcing,
pydantic and sqlite-utils.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import IntegrityError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import (  # type: ignore[attr-defined]
    SQL,
    Identifier,
    PostgresApplicationRecorder,
    PostgresDatastore,
)

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
from events.pg_guard import LOCK_FUNCTION, install_statements, ownership, privileges_problem
from events.recorders import CONTROL_TOPICS, SEAL_TOPIC, control_read, incompatible

#: Advisory lock key serialising table creation (any constant; "docket" in ASCII).
CREATE_LOCK = 0x646F636B6574


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL application recorder with hash chain, signatures and meta table."""

    signer: Signer | None = None

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.chain_table = SQL("{0}.{1}").format(schema, Identifier(CHAIN_TABLE))
        self.meta_table = SQL("{0}.{1}").format(schema, Identifier(META_TABLE))
        self.events_table = SQL("{0}.{1}").format(schema, Identifier(self.events_table_name))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (notification_id bigint PRIMARY KEY, "
                "originator_id text NOT NULL, originator_version bigint NOT NULL, "
                "hash bytea NOT NULL)"
            ).format(self.chain_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (key text PRIMARY KEY, value text NOT NULL)"
            ).format(self.meta_table)
        )
        self.signature_table = SQL("{0}.{1}").format(schema, Identifier(SIGNATURE_TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (last_id bigint PRIMARY KEY, "
                "first_id bigint NOT NULL, key_id text NOT NULL, signature bytea NOT NULL)"
            ).format(self.signature_table)
        )
        # The EXCLUSIVE lock that numbers events in commit order is taken by the owner's
        # SECURITY DEFINER function, so the writer role needs no UPDATE right for it
        # (see events.pg_guard).
        self.select_head_statement = SQL(
            "SELECT hash FROM {0} ORDER BY notification_id DESC LIMIT 1"
        ).format(self.chain_table)
        # The links' ids, originators and versions are the events just inserted (read back
        # by the server, under the same lock); only the ids and the hashes travel, the hashes
        # as one bytea of 32 bytes per link (an array of 4,000 values costs far more to send).
        self.insert_links_statement = SQL(
            "INSERT INTO {0} SELECT i.nid, e.originator_id::text, e.originator_version, "
            "substring(%s::bytea FROM (i.n - 1)::int * 32 + 1 FOR 32) "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS i(nid, n) "
            "JOIN {1} e ON e.notification_id = i.nid"
        ).format(self.chain_table, self.events_table)
        self.insert_signature_statement = SQL("INSERT INTO {0} VALUES (%s, %s, %s, %s)").format(
            self.signature_table
        )
        #: The chain-head cursor between the insert and the ids (one per thread).
        self._pending = threading.local()
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT {0}.{1}()").format(schema, Identifier(LOCK_FUNCTION)),
        ]

    def append_only_tables(self) -> list[str]:
        """The tables no one may change or empty, only append to (and read)."""
        return [self.events_table_name, CHAIN_TABLE, SIGNATURE_TABLE]

    def readable_tables(self) -> list[str]:
        """Tables the writer reads and never writes (written once, by the owner)."""
        return [META_TABLE]

    def _set_up(self) -> bool:
        """Whether the store is already set up for this Docket version (tables, triggers
        and lock function), so opening it must create nothing: a writer role could not."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            schema = self.datastore.schema
            curs.execute(
                "SELECT to_regclass(%s) AS meta, to_regprocedure(%s) AS lock",
                (f'"{schema}"."{META_TABLE}"', f'"{schema}"."{LOCK_FUNCTION}"()'),
            )
            row = curs.fetchone()
            if not row or row["meta"] is None or row["lock"] is None:
                return False
            curs.execute(
                SQL("SELECT value FROM {0} WHERE key='schema_version'").format(self.meta_table)
            )
            found = curs.fetchone()
            return found is not None and found["value"] == SCHEMA_VERSION

    def too_powerful(self) -> str | None:
        """Why the connected role could rewrite the log (owner, superuser, UPDATE/DELETE/
        TRUNCATE rights or missing triggers), in one phrase; None for a proper writer."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            schema = self.datastore.schema
            return ownership(curs, schema, self.events_table_name) or privileges_problem(
                curs, schema, self.append_only_tables()
            )

    def install_guards(self, curs: Any) -> None:
        """Triggers, the lock function and the control-event index (run by the owner;
        idempotent)."""
        for statement in install_statements(
            self.datastore.schema, self.events_table_name, self.append_only_tables()
        ):
            curs.execute(statement)
        # The key ring and the deployments fold read only these few events, yet every
        # process reads them from the start of the log: a partial index (one entry per such
        # event, nothing for the millions of case events) keeps that flat in the log's size.
        # DDL takes no bind parameters: let the server quote the topics.
        curs.execute(
            "SELECT format('CREATE INDEX IF NOT EXISTS %%I ON %%I.%%I (notification_id) "
            "WHERE topic IN (%%s)', %s::text, %s::text, %s::text, (SELECT string_agg("
            "quote_literal(t), ', ' ORDER BY t) FROM unnest(%s::text[]) AS t)) AS sql",
            (f"{self.events_table_name}_control_idx", self.datastore.schema,
             self.events_table_name, CONTROL_TOPICS),
        )  # fmt: skip
        row = curs.fetchone()
        curs.execute(row["sql"])
        # `docket verify` reads the newest read-model seal first: an entry per seal.
        curs.execute(
            SQL("CREATE INDEX IF NOT EXISTS {0} ON {1} (notification_id) WHERE topic = "
                f"'{SEAL_TOPIC}'").format(  # our constant, checked to hold no quote
                Identifier(f"{self.events_table_name}_seal_idx"), self.events_table,
            )
        )  # fmt: skip

    def last_seal(self) -> tuple[int, bytes] | None:
        """(position, stored state) of the newest read-model seal, None when there is none."""
        sql = SQL(
            f"SELECT notification_id, state FROM {{0}} WHERE topic = '{SEAL_TOPIC}' "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(self.events_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, prepare=False)
            row = curs.fetchone()
        return None if row is None else (int(row["notification_id"]), bytes(row["state"]))

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """As the library's, but a :func:`~events.recorders.control_read` is planned with its
        topics known (never as a prepared generic plan), so the control-event index serves it."""
        if not control_read(topics, start) or not inclusive_of_start:
            found: Sequence[Notification] = super().select_notifications(
                start, limit, stop, topics, inclusive_of_start=inclusive_of_start
            )
            return found
        sql = SQL("SELECT * FROM {0} WHERE notification_id >= %s").format(self.events_table)
        params: list[Any] = [start]
        if stop is not None:
            sql += SQL(" AND notification_id <= %s")
            params.append(stop)
        sql += SQL(" AND topic = ANY(%s) ORDER BY notification_id LIMIT %s")
        params += [list(topics), limit]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params, prepare=False)
            return [
                Notification(
                    id=r["notification_id"], originator_id=r["originator_id"],
                    originator_version=r["originator_version"], topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]  # fmt: skip

    def create_table(self) -> None:
        if self._set_up():
            return
        # Consoles starting at once would race on CREATE TYPE / CREATE OR REPLACE
        # FUNCTION ("tuple concurrently updated"): serialise table creation with a
        # session advisory lock held on a connection of its own.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK,))
            try:
                # A store URL may name its own schema (?schema=...): create it like SQLite
                # creates its file, so a new deployment needs no manual step.
                conn.execute(
                    SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.datastore.schema))
                )
                conn.commit()
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK,))

    def _create_table(self, curs: Any) -> None:
        schema = self.datastore.schema
        curs.execute(
            "SELECT to_regclass(%s) AS meta, to_regclass(%s) AS events",
            (f'"{schema}"."{META_TABLE}"', f'"{schema}"."{self.events_table_name}"'),
        )
        reg = curs.fetchone()
        assert reg is not None
        found: str | None = None
        has_events = False
        if reg["events"] is not None:
            curs.execute(SQL("SELECT 1 AS one FROM {0} LIMIT 1").format(self.events_table))
            has_events = curs.fetchone() is not None
        if reg["meta"] is not None:
            curs.execute(
                SQL("SELECT value FROM {0} WHERE key='schema_version'").format(self.meta_table)
            )
            row = curs.fetchone()
            found = row["value"] if row else None
        problem = incompatible(found, has_events)
        if problem:
            raise problem
        super()._create_table(curs)
        if found in UPGRADABLE:
            # Written before events were signed (see ChainedSQLiteRecorder._create_table).
            curs.execute(
                SQL("SELECT coalesce(max(notification_id), 0) AS m FROM {0}").format(
                    self.events_table
                )
            )
            row = curs.fetchone()
            curs.execute(
                SQL("INSERT INTO {0} VALUES ('signed_from', %s) ON CONFLICT DO NOTHING").format(
                    self.meta_table
                ),
                (str(int(row["m"] if row else 0) + 1),),
            )
            curs.execute(
                SQL("UPDATE {0} SET value = %s WHERE key = 'schema_version'").format(
                    self.meta_table
                ),
                (SCHEMA_VERSION,),
            )
        self.install_guards(curs)
        curs.execute(
            SQL("INSERT INTO {0} VALUES ('schema_version', %s) ON CONFLICT DO NOTHING").format(
                self.meta_table
            ),
            (SCHEMA_VERSION,),
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert, except that a version conflict is always an
        :class:`IntegrityError`: psycopg may report it only as "pipeline aborted" when the
        pipeline closes (the library keeps the unique violation its sync raised and loses it
        to the pipeline's own error; seen once in CI under load), and a save refused because
        another writer came first must say so, not look like a broken connection."""
        try:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        except OperationalError as exc:
            self._pending.head = None
            if "pipeline aborted" in str(exc) and self._versions_taken(stored_events):
                raise IntegrityError(
                    "an event of this batch has a version another writer stored first") from exc
            raise
        return ids

    def _versions_taken(self, stored_events: Sequence[StoredEvent]) -> bool:
        """Whether any of ``stored_events`` has an (originator, version) already stored."""
        sql = SQL("SELECT 1 FROM {0} WHERE originator_id = %s AND originator_version = %s"
                  ).format(self.events_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            for s in stored_events:
                curs.execute(sql, (s.originator_id, s.originator_version))
                if curs.fetchone():
                    return True
        return False

    def _insert_stored_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Lock, NOTIFY and INSERT ... RETURNING are queued in the library's pipeline; the
        # chain head is read in the same pipeline, after the lock, on a cursor of its own,
        # so it comes back with the notification ids in the one round trip plain
        # eventsourcing makes (reading it after the ids cost a second round trip).
        super()._insert_stored_events(curs, stored_events, **kwargs)
        head = curs.connection.cursor()
        head.execute(self.select_head_statement, prepare=True)
        self._pending.head = head

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        head = self._pending.head
        self._pending.head = None
        # Still inside the transaction and under the table lock taken before the insert.
        row = head.fetchone()
        head.close()
        previous = bytes(row["hash"]) if row else GENESIS
        links = chain_links(
            previous,
            (
                (nid, str(s.originator_id), s.originator_version, s.topic, s.state)
                for nid, s in zip(ids, stored_events, strict=True)
            ),
        )
        if links:
            # One statement for the whole batch (executemany sends one per link), queued
            # with the signature row: both travel with the COMMIT, no extra round trip.
            hashes = b"".join(link[3] for link in links)
            curs.execute(self.insert_links_statement, (hashes, list(ids)), prepare=True,
                         binary=True)  # fmt: skip
            curs.execute(self.insert_signature_statement, sign_batch(self.signer, links),
                         prepare=True)  # fmt: skip
        return ids

    def select_chain(self, start: int, stop: int | None, limit: int) -> list[tuple[int, bytes]]:
        sql = SQL("SELECT notification_id, hash FROM {0} WHERE notification_id >= %s").format(
            self.chain_table
        )
        params: list[int] = [start]
        if stop is not None:
            sql += SQL(" AND notification_id <= %s")
            params.append(stop)
        sql += SQL(" ORDER BY notification_id LIMIT %s")
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, params)
            return [(r["notification_id"], bytes(r["hash"])) for r in curs.fetchall()]

    def select_signatures(self, start: int, stop: int) -> list[tuple[int, int, str, bytes]]:
        """Batch signatures (see ChainedSQLiteRecorder.select_signatures)."""
        sql = SQL(
            "SELECT last_id, first_id, key_id, signature FROM {0} "
            "WHERE last_id >= %s AND last_id <= %s ORDER BY last_id"
        ).format(self.signature_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (start, stop))
            return [
                (r["last_id"], r["first_id"], r["key_id"], bytes(r["signature"]))
                for r in curs.fetchall()
            ]

    def signed_from(self) -> int:
        """The first position that must be signed (see ChainedSQLiteRecorder.signed_from)."""
        sql = SQL("SELECT value FROM {0} WHERE key = 'signed_from'").format(self.meta_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql)
            row = curs.fetchone()
            return int(row["value"]) if row else 1

    def max_signature_id(self) -> int:
        """The last position a batch signature covers (0 when none)."""
        sql = SQL("SELECT max(last_id) AS m FROM {0}").format(self.signature_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql)
            row = curs.fetchone()
            return int(row["m"] or 0) if row else 0

    def max_chain_id(self) -> int:
        sql = SQL("SELECT max(notification_id) AS m FROM {0}").format(self.chain_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql)
            row = curs.fetchone()
            return int(row["m"] or 0) if row else 0

    def select_case_rows(
        self, originator_ids: Sequence[str], topics: Sequence[str]
    ) -> list[tuple[int, str, int, str, bytes]]:
        """The stored events of some aggregates with some topics, in one read (see
        ChainedSQLiteRecorder.select_case_rows)."""
        if not originator_ids:
            return []
        sql = SQL(
            "SELECT notification_id, originator_id::text AS oid, originator_version, topic, "
            "state FROM {0} WHERE originator_id = ANY(%s::uuid[]) AND topic = ANY(%s)"
        ).format(self.events_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (list(originator_ids), list(topics)))
            return [
                (r["notification_id"], r["oid"], r["originator_version"], r["topic"],
                 bytes(r["state"]))
                for r in curs.fetchall()
            ]  # fmt: skip

    def select_rows(
        self, start: int, limit: int, stop: int | None = None
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications as plain tuples (see ChainedSQLiteRecorder.select_rows)."""
        sql = SQL(
            "SELECT notification_id, originator_id::text AS oid, originator_version, topic, "
            "state FROM {0} WHERE notification_id >= %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(self.events_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (start, (1 << 63) - 1 if stop is None else stop, limit))
            return [
                (r["notification_id"], r["oid"], r["originator_version"], r["topic"],
                 bytes(r["state"]))
                for r in curs.fetchall()
            ]  # fmt: skip
