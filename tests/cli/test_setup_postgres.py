"""``docket setup-postgres``: a team's PostgreSQL store, run as a writer that cannot rewrite it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.cli.test_cli import assert_clear_error
from tests.events.conftest import PG_DB, PG_HOST, PG_PORT, pg_execute, pg_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(owner URL without allow_owner, writer role, writer URL) on a fresh schema."""
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    user, schema, role = pg_user(), "t_" + uuid.uuid4().hex[:12], "w_" + uuid.uuid4().hex[:10]
    base = f"@{PG_HOST}:{PG_PORT}/{PG_DB}?schema={schema}"
    try:
        yield f"postgresql://{user}{base}", role, f"postgresql://{role}{base}"
    finally:
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        pg_execute(f'DROP SCHEMA IF EXISTS "{schema}_views" CASCADE')
        if pg_execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'"):
            pg_execute(f'DROP OWNED BY "{role}"')
            pg_execute(f'DROP ROLE "{role}"')


def test_setup_then_run_as_the_writer_and_the_owner_is_refused(
    urls: tuple[str, str, str],
) -> None:
    owner, role, writer = urls
    runner = CliRunner()

    setup = runner.invoke(cli, ["--store", owner, "setup-postgres", role])
    as_writer = runner.invoke(cli, ["--store", writer, "status"])
    verified = runner.invoke(cli, ["--store", writer, "verify"])
    as_owner = runner.invoke(cli, ["--store", owner, "status"])

    assert setup.exit_code == 0, setup.output
    assert f"created role {role}" in setup.stdout and "refuse UPDATE" in setup.stdout
    assert as_writer.exit_code == 0, as_writer.output
    assert verified.exit_code == 0, verified.output
    assert_clear_error(as_owner, "refusing to write", "allow_owner=1", "setup-postgres")
