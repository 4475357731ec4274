"""Fixtures: one contract suite over both backends (SQLite file, PostgreSQL schema).

PostgreSQL: 127.0.0.1:5432, database ``test``, trust auth as ``postgres`` (or ``root``).
Each test gets a fresh schema (``?schema=`` in the store URL), dropped afterwards.
Unreachable server: skipped with the reason, unless env ``CI`` is set (then it fails).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_HOST, PG_PORT, PG_DB = "127.0.0.1", 5432, "test"


def _pg_user() -> str | None:
    """The first user that can connect, or None when no server answers."""
    try:
        socket.create_connection((PG_HOST, PG_PORT), timeout=2).close()
    except OSError:
        return None
    import psycopg

    for user in ("postgres", "root"):
        try:
            psycopg.connect(
                host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=user, connect_timeout=3
            ).close()
            return user
        except psycopg.Error:
            continue
    return None


_PG_USER: str | None | bool = False  # False: not probed yet


def pg_user() -> str:
    """The PostgreSQL user to test with; skips (or fails under CI) when unreachable."""
    global _PG_USER
    if _PG_USER is False:
        _PG_USER = _pg_user()
    if _PG_USER is None:
        reason = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}/{PG_DB}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} and CI is set: the postgres contract tests must run")
        pytest.skip(reason + " (set up a server, or run under CI to make this a failure)")
    assert isinstance(_PG_USER, str)
    return _PG_USER


def pg_execute(sql: str, schema: str | None = None) -> list[tuple[object, ...]]:
    """Run raw SQL on the test database (used to create schemas and to tamper)."""
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, dbname=PG_DB, user=pg_user(), autocommit=True
    ) as conn:
        if schema:
            conn.execute(f'SET search_path TO "{schema}"')
        cur = conn.execute(sql)  # type: ignore[arg-type]
        return cur.fetchall() if cur.description else []


@pytest.fixture
def pg_url() -> Iterator[str]:
    user = pg_user()
    schema = "t_" + uuid.uuid4().hex[:12]
    pg_execute(f'CREATE SCHEMA "{schema}"')
    try:
        # The test user owns the tables (and is a superuser): allowed explicitly, as a
        # developer's own database would be; tests/events/test_pg_append_only.py runs
        # as a real writer role.
        yield f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{PG_DB}?allow_owner=1&schema={schema}"
    finally:
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}_views" CASCADE')  # shared read models


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store URL on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "docket.sqlite")
    return str(request.getfixturevalue("pg_url"))


def schema_of(url: str) -> str:
    return url.split("schema=", 1)[1]
