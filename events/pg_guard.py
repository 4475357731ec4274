"""Append-only protection for a PostgreSQL store, and the writer role that uses it.

Three layers, so that nobody who runs Docket can rewrite what it recorded:

* **Triggers** on the events and chain tables refuse every UPDATE, DELETE and TRUNCATE
  (``docket: the event log is append-only``), whoever asks, the owner included (the owner
  can drop them: that is what the next layer is for).
* **A writer role** holds INSERT and SELECT on those tables and nothing else: it cannot
  drop the triggers, alter the tables or truncate them. The library takes an EXCLUSIVE
  table lock to number events without gaps, which PostgreSQL grants only to roles with
  UPDATE, DELETE or TRUNCATE; the lock is therefore taken by ``docket_lock_events()``, a
  ``SECURITY DEFINER`` function of the owner that does exactly that and nothing more.
* **Docket refuses to run as the owner** (or a superuser, who could bypass both) unless the
  store URL says ``allow_owner=1``: the owner sets the store up, the writer runs it.

``docket setup-postgres WRITER`` (as the owner) creates the tables, installs all of this and
grants the writer its rights; :func:`privileges_problem` says what is wrong otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import SQL, Identifier  # type: ignore[attr-defined]

REFUSE_FUNCTION = "docket_refuse_change"
LOCK_FUNCTION = "docket_lock_events"
ROW_TRIGGER = "docket_append_only"
TRUNCATE_TRIGGER = "docket_no_truncate"
MESSAGE = "docket: the event log is append-only"
#: The body of :data:`REFUSE_FUNCTION`, as installed and as the guard expects to find it.
REFUSE_BODY = (
    "BEGIN RAISE EXCEPTION '" + MESSAGE + " (% refused on %)', TG_OP, TG_TABLE_NAME "
    "USING ERRCODE = 'insufficient_privilege'; END"
)
#: ``pg_trigger.tgtype`` of the two triggers (bits: 1 row, 2 before, 8 delete, 16 update,
#: 32 truncate): BEFORE UPDATE OR DELETE FOR EACH ROW, and BEFORE TRUNCATE.
_TGTYPES = (1 | 2 | 8 | 16, 2 | 32)


def install_statements(schema: str, events_table: str, tables: Sequence[str]) -> list[Any]:
    """SQL (run by the owner) creating the triggers on ``tables`` and the lock function."""
    s = Identifier(schema)
    statements: list[Any] = [
        SQL(
            "CREATE OR REPLACE FUNCTION {0}.{1}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$" + REFUSE_BODY + "$$"
        ).format(s, Identifier(REFUSE_FUNCTION)),
        # SECURITY DEFINER with a fixed search_path: it can do nothing but take this lock.
        SQL(
            "CREATE OR REPLACE FUNCTION {0}.{1}() RETURNS void LANGUAGE plpgsql "
            "SECURITY DEFINER SET search_path = pg_catalog AS "
            "$$BEGIN LOCK TABLE {0}.{2} IN EXCLUSIVE MODE; END$$"
        ).format(s, Identifier(LOCK_FUNCTION), Identifier(events_table)),
        SQL("REVOKE ALL ON FUNCTION {0}.{1}() FROM PUBLIC").format(s, Identifier(LOCK_FUNCTION)),
    ]
    for table in tables:
        t = SQL("{0}.{1}").format(s, Identifier(table))
        statements += [
            SQL(
                "CREATE OR REPLACE TRIGGER {0} BEFORE UPDATE OR DELETE ON {1} "
                "FOR EACH ROW EXECUTE FUNCTION {2}.{3}()"
            ).format(Identifier(ROW_TRIGGER), t, s, Identifier(REFUSE_FUNCTION)),
            SQL(
                "CREATE OR REPLACE TRIGGER {0} BEFORE TRUNCATE ON {1} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {2}.{3}()"
            ).format(Identifier(TRUNCATE_TRIGGER), t, s, Identifier(REFUSE_FUNCTION)),
        ]
    return statements


def grant_statements(
    schema: str, role: str, append_only: Sequence[str], readable: Sequence[str]
) -> list[Any]:
    """SQL (run by the owner) giving ``role`` exactly what a Docket writer needs."""
    s, r = Identifier(schema), Identifier(role)
    statements: list[Any] = [
        SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(s, r),
        SQL("GRANT EXECUTE ON FUNCTION {0}.{1}() TO {2}").format(s, Identifier(LOCK_FUNCTION), r),
        # The notification ids come from the events table's sequence.
        SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {0} TO {1}").format(s, r),
    ]
    for table in append_only:
        statements.append(
            SQL("GRANT SELECT, INSERT ON {0}.{1} TO {2}").format(s, Identifier(table), r)
        )
    for table in readable:
        statements.append(SQL("GRANT SELECT ON {0}.{1} TO {2}").format(s, Identifier(table), r))
    return statements


def ownership(curs: Any, schema: str, events_table: str) -> str | None:
    """Why the connected role is too powerful to run Docket (owner or superuser), or None."""
    curs.execute(
        "SELECT r.rolsuper AS superuser, "
        "pg_has_role(current_user, c.relowner, 'MEMBER') AS owner, current_user AS me "
        "FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(%s) "
        "WHERE r.rolname = current_user",
        (f'"{schema}"."{events_table}"',),
    )
    row = curs.fetchone()
    if row is None:
        return None
    if row["superuser"]:
        return f"{row['me']} is a superuser"
    if row["owner"]:
        return f"{row['me']} owns the event table"
    return None


def privileges_problem(curs: Any, schema: str, tables: Sequence[str]) -> str | None:
    """What a writer role may do that it should not (UPDATE, DELETE, TRUNCATE, ownership
    of the tables) or a missing trigger, in one phrase; None when append-only holds."""
    # Every table in one round trip (a console checks this each time it opens). A trigger
    # fires in an ordinary session when enabled as 'O' (origin) or 'A' (always); 'R' (ENABLE
    # REPLICA TRIGGER) keeps it in the catalogue but silent, as 'D' does. A trigger counts
    # only as installed: its name with its timing and events (not BEFORE INSERT), no WHEN
    # condition, no column list, running this schema's refusing function whose body is
    # still the one installed (the owner can replace a function or a trigger in place,
    # keeping its name, and it no longer refuses anything).
    qualified = [f'"{schema}"."{table}"' for table in tables]
    curs.execute(
        "SELECT t.q, has_table_privilege(t.q, 'UPDATE') AS u, "
        "has_table_privilege(t.q, 'DELETE') AS d, has_table_privilege(t.q, 'TRUNCATE') AS t, "
        "(SELECT count(*) FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid "
        "WHERE g.tgrelid = to_regclass(t.q) AND g.tgenabled IN ('O', 'A') "
        "AND ((g.tgname = %s AND g.tgtype = %s) OR (g.tgname = %s AND g.tgtype = %s)) "
        "AND g.tgqual IS NULL AND g.tgattr = ''::int2vector "
        "AND p.oid = to_regprocedure(%s) AND p.prosrc = %s) AS n "
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, i) ORDER BY t.i",
        (ROW_TRIGGER, _TGTYPES[0], TRUNCATE_TRIGGER, _TGTYPES[1],
         f'"{schema}"."{REFUSE_FUNCTION}"()', REFUSE_BODY, qualified),
    )  # fmt: skip
    rows = {row["q"]: row for row in curs.fetchall()}
    for table, name in zip(tables, qualified, strict=True):
        row = rows.get(name)
        extra = [what for what, key in (("UPDATE", "u"), ("DELETE", "d"), ("TRUNCATE", "t"))
                 if row and row[key]]  # fmt: skip
        if extra:
            return f"the connected role may {', '.join(extra)} on {table}"
        if not row or int(row["n"]) < 2:
            return f"the append-only triggers on {table} are missing or disabled"
    return None
