"""The PostgreSQL recorder that also writes the hash chain (see :mod:`events.recorders`).

psycopg is reached only through ``eventsourcing.postgres`` (``SQL``, ``Identifier``),
because ``events`` may import nothing but the standard library, eventsourcing,
pydantic and sqlite-utils.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
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
from events.recorders import incompatible

#: Advisory lock key serialising table creation (any constant; "docket" in ASCII).
_CREATE_LOCK = 0x646F636B6574


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

    def create_table(self) -> None:
        # Consoles starting at once would race on CREATE TYPE / CREATE OR REPLACE
        # FUNCTION ("tuple concurrently updated"): serialise table creation with a
        # session advisory lock held on a connection of its own.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_LOCK,))
            try:
                # A store URL may name its own schema (?schema=...): create it like SQLite
                # creates its file, so a new deployment needs no manual step.
                conn.execute(
                    SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.datastore.schema))
                )
                conn.commit()
                super().create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_LOCK,))

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
        curs.execute(
            SQL("INSERT INTO {0} VALUES ('schema_version', %s) ON CONFLICT DO NOTHING").format(
                self.meta_table
            ),
            (SCHEMA_VERSION,),
        )

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert ids is not None
        # Still inside the transaction and under the table lock taken by the insert.
        curs.execute(
            SQL("SELECT hash FROM {0} ORDER BY notification_id DESC LIMIT 1").format(
                self.chain_table
            )
        )
        row = curs.fetchone()
        previous = bytes(row["hash"]) if row else GENESIS
        links = chain_links(
            previous,
            (
                (nid, str(s.originator_id), s.originator_version, s.topic, s.state)
                for nid, s in zip(ids, stored_events, strict=True)
            ),
        )
        curs.executemany(
            SQL("INSERT INTO {0} VALUES (%s, %s, %s, %s)").format(self.chain_table), links
        )
        if links:
            curs.execute(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s, %s)").format(self.signature_table),
                sign_batch(self.signer, links),
            )
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

    def max_chain_id(self) -> int:
        sql = SQL("SELECT max(notification_id) AS m FROM {0}").format(self.chain_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql)
            row = curs.fetchone()
            return int(row["m"] or 0) if row else 0

    def select_rows(self, start: int, limit: int) -> list[tuple[int, str, int, str, bytes]]:
        """Notifications as plain tuples (see ChainedSQLiteRecorder.select_rows)."""
        sql = SQL(
            "SELECT notification_id, originator_id::text AS oid, originator_version, topic, "
            "state FROM {0} WHERE notification_id >= %s ORDER BY notification_id LIMIT %s"
        ).format(self.events_table)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(sql, (start, limit))
            return [
                (r["notification_id"], r["oid"], r["originator_version"], r["topic"],
                 bytes(r["state"]))
                for r in curs.fetchall()
            ]  # fmt: skip
