"""Open the decision log from a store URL, with one clear sentence when that fails.

Store URLs:

* ``/path/to/docket.sqlite``, ``sqlite:///relative.sqlite`` or ``sqlite:////absolute.sqlite``
  (SQLAlchemy's convention) → eventsourcing's
  SQLite module (WAL, synchronous commits); the parent folder is created.
* ``postgresql://user[:password]@host[:port]/dbname[?schema=name][&allow_owner=1]`` →
  eventsourcing's PostgreSQL module. The settings go to the ``Application`` as an env
  dict, never through ``os.environ``, so two logs in one process do not interfere.
  Docket refuses to run as a role that could rewrite the log (the tables' owner, a
  superuser, anyone with UPDATE, DELETE or TRUNCATE on them) unless ``allow_owner=1``
  says so: :func:`setup_postgres` creates the writer role to run as
  (:mod:`events.pg_guard`).

Read models (:func:`open_readmodels`): beside a SQLite store, in the file
``<store>.views.sqlite``; for PostgreSQL, in the store's database itself (schema
``<schema>_views``, :mod:`events.pg_readmodels`), shared by every console.
"""

from __future__ import annotations

import hashlib
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from events.app import DecisionLog
from events.compression import DocketCompressor
from events.encoding import DocketMapper
from events.errors import IncompatibleStore, StoreError, StoreUnavailable, UnsafeConnection
from events.readmodels import ReadModels
from events.recorders import ChainedSQLiteRecorder


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL. ``display`` never contains the password."""

    kind: str  # "sqlite" | "postgres"
    path: Path | None = None
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = ""
    allow_owner: bool = False

    @property
    def display(self) -> str:
        if self.kind == "sqlite":
            return str(self.path)
        schema = f"?schema={self.schema}" if self.schema else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}{schema}"


def parse_store_url(url: str) -> StoreURL:
    """Parse a store URL. Raises StoreUnavailable for anything unrecognisable."""
    text = url.strip()
    if not text:
        raise StoreUnavailable("no store given: pass a SQLite path or a postgresql:// URL")
    if text.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(text)
        dbname = unquote(parts.path.lstrip("/"))
        if not parts.hostname or not dbname:
            raise StoreUnavailable(
                f"store URL {text!r} needs a host and a database: "
                "postgresql://user@host:5432/dbname"
            )
        try:
            port = parts.port or 5432
        except ValueError as exc:
            raise StoreUnavailable(f"store URL {text!r} has an invalid port") from exc
        query = parse_qs(parts.query)
        schema = query.get("schema", [""])[0]
        allow = query.get("allow_owner", [""])[0].strip().lower() in ("1", "true", "yes")
        return StoreURL(
            kind="postgres",
            host=parts.hostname,
            port=port,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            dbname=dbname,
            schema=schema,
            allow_owner=allow,
        )
    if text.startswith("sqlite:///"):
        # SQLAlchemy's convention: sqlite:///relative/path, sqlite:////absolute/path.
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise StoreUnavailable(
            f"unknown store URL {url!r}: use a SQLite path, sqlite:///path or postgresql://..."
        )
    return StoreURL(kind="sqlite", path=Path(text).expanduser())


def readmodel_path_for(url: str, data_dir: str | Path) -> Path:
    """Where the read-model SQLite file for this store lives.

    SQLite store ``x/docket.sqlite`` → ``x/docket.sqlite.views.sqlite`` (travels with
    the store). PostgreSQL → ``<data_dir>/views-<sha256(url without password)[:16]>.sqlite``:
    each console follows the shared log into its own local file.
    """
    parsed = parse_store_url(url)
    if parsed.kind == "sqlite":
        assert parsed.path is not None
        return parsed.path.with_name(parsed.path.name + ".views.sqlite")
    digest = hashlib.sha256(parsed.display.encode()).hexdigest()[:16]
    return Path(data_dir) / f"views-{digest}.sqlite"


def open_readmodels(
    url: str, data_dir: str | Path, *, log: DecisionLog | None = None
) -> ReadModels:
    """The read models of the store at ``url`` (created if missing): a SQLite file beside a
    SQLite store; tables in the database of a PostgreSQL store, shared by its consoles.
    ``log``: the store's open log, whose connection pool the PostgreSQL read models then
    borrow a connection from instead of opening a pool of their own.

    Raises:
        StoreUnavailable: the PostgreSQL read models cannot be opened (for a writer role:
            ask the owner to run ``docket setup-postgres``, which creates them).
    """
    parsed = parse_store_url(url)
    if parsed.kind == "sqlite":
        return ReadModels(readmodel_path_for(url, data_dir))
    from eventsourcing.postgres import PostgresDatastore

    from events.pg_readmodels import PgReadModels, views_schema

    schema = views_schema(parsed.schema)
    shared = getattr(log.recorder, "datastore", None) if log is not None else None
    try:
        datastore = shared or PostgresDatastore(
            parsed.dbname, parsed.host, parsed.port, parsed.user, parsed.password,
            connect_timeout=5, pool_size=1,
        )  # fmt: skip
        path = readmodel_path_for(url, data_dir)
        return PgReadModels(datastore, schema, path, shared=shared is not None)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot open the read models of {parsed.display} (schema {schema}): "
            f"{_reason(exc)}; the store's owner creates them with `docket setup-postgres`"
        ) from exc


def open_log(url: str, *, allow_owner: bool = False) -> DecisionLog:
    """Open (creating if needed) the decision log at ``url``.

    Raises:
        StoreUnavailable: the path cannot be opened or the server is unreachable.
        IncompatibleStore: the store was written by an incompatible Docket version
            (or is not a Docket store).
    """
    parsed = parse_store_url(url)
    if parsed.kind == "sqlite":
        log = _open_sqlite(parsed)
    else:
        log = _open_postgres(parsed)
        problem = None if parsed.allow_owner or allow_owner else _too_powerful(log, parsed)
        if problem:
            del log  # closes the pool
            raise UnsafeConnection(
                f"refusing to write to {parsed.display} as {parsed.user}: {problem}, so it "
                "could rewrite the log; connect as the writer role that `docket "
                "setup-postgres` creates, or add allow_owner=1 to the URL to accept that"
            )
    log.url = parsed.display
    return log


def _too_powerful(log: DecisionLog, parsed: StoreURL) -> str | None:
    try:
        return log.recorder.too_powerful()  # type: ignore[attr-defined, no-any-return]
    except Exception as exc:  # psycopg errors arrive raw
        raise StoreUnavailable(f"cannot check the rights of {parsed.user}: {_reason(exc)}") from exc


def setup_postgres(url: str, writer: str, *, password: str | None = None) -> list[str]:
    """As the store's owner: create the tables, the append-only triggers and the lock
    function, the ``writer`` role (LOGIN) if missing, and grant it exactly INSERT and
    SELECT on the log's tables. Returns what was done, one line each.

    Raises:
        StoreUnavailable: not a PostgreSQL URL, or the server refused a statement.
    """
    from eventsourcing.postgres import SQL, Identifier  # type: ignore[attr-defined]

    from events.pg_guard import grant_statements

    parsed = parse_store_url(url)
    if parsed.kind != "postgres":
        raise StoreUnavailable("setup-postgres needs a postgresql:// store URL")
    log = open_log(url, allow_owner=True)
    recorder: Any = log.recorder
    schema = recorder.datastore.schema
    lines = []
    try:
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (writer,))
            if curs.fetchone() is None:
                curs.execute(SQL("CREATE ROLE {0} LOGIN").format(Identifier(writer)))
                lines.append(f"created role {writer} (LOGIN)")
            if password:
                # ALTER ROLE takes no bind parameters: let the server quote the password.
                curs.execute("SELECT format('ALTER ROLE %%I PASSWORD %%L', %s::text, %s::text)"
                             " AS sql", (writer, password))  # fmt: skip
                row = curs.fetchone()
                curs.execute(row["sql"])
                lines.append(f"set the password of {writer}")
            recorder.install_guards(curs)
            tables = ", ".join(recorder.append_only_tables())
            lines.append(f"triggers refuse UPDATE, DELETE and TRUNCATE on {tables}")
            for statement in grant_statements(
                schema, writer, recorder.append_only_tables(), recorder.readable_tables()
            ):
                curs.execute(statement)
            lines.append(
                f"{writer} may SELECT and INSERT on {tables}, "
                f"SELECT on {', '.join(recorder.readable_tables())}, nothing else"
            )
            conn.commit()
        lines.append(_share_readmodels(url, parsed, writer, log))
    except StoreError:
        raise
    except Exception as exc:
        raise StoreUnavailable(f"cannot set up {parsed.display}: {_reason(exc)}") from exc
    finally:
        del log
    return lines


def _share_readmodels(url: str, parsed: StoreURL, writer: str, log: DecisionLog) -> str:
    """Create the shared read models (as the owner), bring them up to date with the log
    and let ``writer`` keep them; tables made by an older Docket get their new columns and
    are refilled from the log. Building them here, once, is what lets every console open
    at once (a console finding them far behind catches up step by step, see
    ``ReadModels.step``)."""
    from eventsourcing.postgres import SQL, Identifier  # type: ignore[attr-defined]

    from events.pg_readmodels import views_schema

    schema = views_schema(parsed.schema)
    views = open_readmodels(url, Path("."), log=log)
    if views.added_columns and views.position() > 0:
        views = views.rebuilt(log)
    try:
        applied = views.catch_up(log, batch=10000)
        conn: Any = views.conn
        s, w = Identifier(schema), Identifier(writer)
        conn.conn.execute(SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(s, w))
        # Derived data (``docket verify`` compares it with a replay of the log).
        conn.conn.execute(
            SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {0} TO {1}").format(
                s, w
            )
        )
    finally:
        views.close()
    built = f" (brought up to date: {applied:,} events applied)" if applied else ""
    return f"{writer} may keep the shared read models in schema {schema}{built}"


def _open_sqlite(parsed: StoreURL) -> DecisionLog:
    assert parsed.path is not None
    path = parsed.path
    where = f"SQLite store {path}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the folder for {where}: {exc.strerror}") from exc
    if path.is_dir():
        raise StoreUnavailable(f"cannot open {where}: it is a folder, not a file")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteRecorder),
        "COMPRESSOR_TOPIC": get_topic(DocketCompressor),
        "MAPPER_TOPIC": get_topic(DocketMapper),
    }
    try:
        return DecisionLog(env=env)
    except StoreError:
        raise
    except sqlite3.DatabaseError as exc:
        # e.g. "file is not a database": raised while switching to WAL mode.
        raise IncompatibleStore(f"cannot open {where}: {exc}") from exc
    except (PersistenceError, sqlite3.Error, OSError) as exc:
        raise StoreUnavailable(f"cannot open {where}: {_reason(exc)}") from exc


def _open_postgres(parsed: StoreURL) -> DecisionLog:
    where = f"PostgreSQL store {parsed.display}"
    # Probe the port first: the connection pool would otherwise retry for its whole
    # timeout before failing, and the user deserves an answer in a second or two.
    try:
        socket.create_connection((parsed.host, parsed.port), timeout=3).close()
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot reach the PostgreSQL server at {parsed.host}:{parsed.port} "
            f"({exc.strerror or exc}); is it running?"
        ) from exc
    try:  # after the probe, so an unreachable server is named as such in any install
        from events.pg_recorder import ChainedPostgresRecorder
    except ModuleNotFoundError as exc:
        raise StoreUnavailable(
            f"the PostgreSQL store needs the postgres extra ({exc.name or 'psycopg'} is not "
            "installed): pip install 'docket[postgres]'"
        ) from exc
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parsed.dbname,
        "POSTGRES_HOST": parsed.host,
        "POSTGRES_PORT": str(parsed.port),
        "POSTGRES_USER": parsed.user,
        "POSTGRES_PASSWORD": parsed.password,
        "POSTGRES_SCHEMA": parsed.schema,
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "4",
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedPostgresRecorder),
        "COMPRESSOR_TOPIC": get_topic(DocketCompressor),
        "MAPPER_TOPIC": get_topic(DocketMapper),
    }
    try:
        return DecisionLog(env=env)
    except StoreError:
        raise
    except Exception as exc:  # psycopg errors arrive wrapped or raw; all mean "cannot open"
        raise StoreUnavailable(f"cannot open {where}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    """The first line of the underlying error, without library noise."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
