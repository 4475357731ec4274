"""``docket ingest`` and ``docket assess`` read a file as the same pack, by one rule: the
pack whose fields the file's columns hold; the widest when several do; and a clear
sentence asking for ``--domain`` when packs fit alike (identical columns)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import create_model

from assistant import domains
from assistant.domains import get_pack, register_pack
from tests.cli.test_cli import Docket, Rows, assert_clear_error, docket  # noqa: F401 - fixture
from tests.cli.test_demand_cli import write_csv

__all__ = ["docket"]


@pytest.fixture
def isolated_packs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by the test are undone after it (a credit-shaped pack left
    behind would make every later credit file ambiguous)."""
    monkeypatch.setattr(domains, "_registered", dict(domains._registered))
    monkeypatch.setattr(domains, "_cache", dict(domains._cache))


def register_copy(name: str, *, drop_field: str | None = None) -> None:
    """A second pack shaped like credit, named ``name``; without ``drop_field`` among its
    input fields when given (a narrower pack whose fields a credit file also holds)."""
    base = get_pack("credit")
    policy = base.default_policy.model_copy(update={"domain": name})
    model, changes = base.input_model, {}
    if drop_field is not None:
        kept = {k: (f.annotation, f) for k, f in model.model_fields.items() if k != drop_field}
        model = create_model(f"{name}_input", **kept)  # type: ignore[call-overload]
        changes = {kind: tuple(f for f in getattr(base, kind) if f != drop_field)
                   for kind in ("categorical", "numeric", "protected")}
    register_pack(name, lambda: dataclasses.replace(
        base, name=name, default_policy=policy, input_model=model, **changes))


def test_two_packs_with_identical_columns_are_refused_alike_by_ingest_and_assess(
    docket: Docket, credit_rows: Rows, tmp_path: Path, isolated_packs: None  # noqa: F811
) -> None:
    docket.seed(credit_rows(2))  # the store holds credit only
    register_copy("credit-twin")
    path = write_csv(tmp_path / "applications.csv", credit_rows(3, start=100))
    assert docket("status").exit_code == 0  # ana's key enrolled before counting
    with docket.service() as service:
        before = service.status().events

    for command in ("ingest", "assess"):
        result = docket(command, str(path))
        message = assert_clear_error(result, "credit and credit-twin",
                                     "--domain credit or --domain credit-twin")
        assert "alike" in message, message

    with docket.service() as service:
        assert service.status().events == before  # nothing written by either
    assessed = docket("assess", "--domain", "credit", str(path))
    assert assessed.exit_code == 0, assessed.output
    assert assessed.stdout.count("propensities") == 3


def test_a_file_holding_a_wider_packs_columns_is_read_as_it_by_ingest_and_assess(
    docket: Docket, credit_rows: Rows, tmp_path: Path, isolated_packs: None  # noqa: F811
) -> None:
    docket.seed(credit_rows(2))
    register_copy("credit-lite", drop_field="telephone")  # a credit file holds its fields too
    path = write_csv(tmp_path / "applications.csv", credit_rows(3, start=100))

    assessed = docket("assess", str(path))
    ingested = docket("ingest", str(path))

    assert assessed.exit_code == 0, assessed.output
    assert assessed.stdout.count("propensities") == 3
    assert ingested.exit_code == 0, ingested.output
    assert ingested.stdout.startswith("credit: opened 3 case(s)"), ingested.stdout


def test_assess_names_a_row_by_its_line_in_the_file_as_ingest_does(
    docket: Docket, credit_rows: Rows, tmp_path: Path  # noqa: F811
) -> None:
    docket.seed(credit_rows(2))
    rows = credit_rows(2, start=100)
    rows[1]["age_in_years"] = "old"
    path = write_csv(tmp_path / "applications.csv", rows)
    path.write_text(path.read_text(encoding="utf-8").replace("\n", "\n\n", 1),
                    encoding="utf-8")  # a blank line after the header

    assessed = docket("assess", str(path))
    ingested = docket("ingest", str(path))

    assert assessed.exit_code == 0, assessed.output
    assert [line.split(":")[0] for line in assessed.stdout.splitlines()] == [
        "line 3 (gc-0100)", "line 4 (gc-0101)"]
    assert "line 4 (gc-0101): rejected: age_in_years" in assessed.stdout
    assert "line 4: age_in_years" in ingested.stderr, ingested.stderr
