"""Cellar (tests/fixtures/cellar/): a third yes/no pack written from README's "Adding a
domain" alone, on the Wine recognition data scikit-learn ships (178 lots, sorted by class).
What a new team trips over when its pack differs from the shipped ones: its own override
reason codes, a small data set, a note field without contact fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import assistant.domains as domains
from assistant.service import DocketService
from evals.runner import run
from tests.fixtures.cellar import make_pack as make_cellar
from tests.packs.conftest import deploy_models, trained_artifacts
from tests.people import People


@pytest.fixture(autouse=True)
def cellar_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed as a separate distribution would be; gone again after the test."""
    monkeypatch.setitem(domains._registered, "cellar", make_cellar)
    yield
    domains._cache.pop("cellar", None)


@pytest.fixture
def evals_service(tmp_path: Path) -> Iterator[DocketService]:
    """A store with the cellar models deployed, opened as the eval runner's component."""
    people = People(str(tmp_path / "store.sqlite"), tmp_path / "data")
    service = DocketService.open(str(tmp_path / "store.sqlite"),
                                 keys=[people.key("docket/evals", "system")], role="system",
                                 data_dir=tmp_path / "data")
    deploy_models(service, "cellar", list(trained_artifacts("cellar")))
    yield service
    service.close()
    people.close()


def test_the_replay_suite_overrides_with_a_code_the_pack_declares(
    evals_service: DocketService, tmp_path: Path,
) -> None:
    """Cellar declares its own reason codes (no `missing_information`): the replay suite
    used to override with credit's code and end in ERROR."""
    result = run(["replay"], service=evals_service, domain="cellar",
                 baseline_path=tmp_path / "cellar.json", record=False)
    replay = {r.suite: r for r in result.results}["replay"]
    assert replay.status == "ok", replay.error
    assert replay.metric("read_model_differences").value == 0.0  # type: ignore[union-attr]


def test_the_selective_labels_simulator_runs_on_a_data_set_smaller_than_its_first_year(
    evals_service: DocketService,
) -> None:
    """178 lots: the simulator used to train on the first 300 rows whatever the data set's
    size, leaving no case to decide (ValueError: Found array with 0 sample(s))."""
    view = evals_service.simulate_selective_labels("cellar", [0], None)
    assert view.repeats == 1
    decided = view.rows[0][-1]  # the cases the loop decided, after the first year's rows
    assert 0 < decided < 178


def test_the_redteam_suite_runs_on_a_pack_with_a_note_and_no_contact_fields(
    evals_service: DocketService, tmp_path: Path,
) -> None:
    """Cellar takes a clerk note (ingest flags an injection in it) but no contact fields:
    the suite used to be skipped saying the pack 'takes no free-text note'."""
    result = run(["redteam"], service=evals_service, domain="cellar",
                 baseline_path=tmp_path / "cellar.json", record=False)
    redteam = {r.suite: r for r in result.results}["redteam"]
    assert redteam.status != "skipped", redteam.error
    assert redteam.status != "error", redteam.error
    assert redteam.metric("injection_recall.tuning").value >= 0.97  # type: ignore[union-attr]
    assert redteam.metric("personal_data_leak_rate").value == 0.0  # type: ignore[union-attr]
