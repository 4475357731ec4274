"""The test packs (biopsy and careplan, yes/no; gridload, a quantity): registered for each
test, their models trained once per session."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

import assistant.domains as domains
from assistant.service import DocketService
from assistant.views import Identity
from tests.packs.biopsy import make_pack
from tests.packs.careplan import make_pack as make_careplan
from tests.packs.gridload import make_pack as make_gridload
from tests.people import People
from tests.tui.conftest import (
    plain,
    pytest_pyfunc_call,  # noqa: F401  (async console tests)
    settle,
)

FOLDS = 3


@pytest.fixture(autouse=True)
def biopsy_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed as a separate distribution would be; gone again after the test."""
    monkeypatch.setitem(domains._registered, "biopsy", make_pack)
    yield
    domains._cache.pop("biopsy", None)


@lru_cache(maxsize=2)
def trained_artifacts(name: str) -> tuple[Path, ...]:
    """The yes/no test pack ``name``'s models, trained once per session (FOLDS folds)."""
    from assistant.specialists.training import train

    root = Path(tempfile.mkdtemp(prefix=f"docket-{name}-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return tuple(m.path for m in train(domains.get_pack(name), root, folds=FOLDS))


def trained_biopsy_artifacts() -> tuple[Path, ...]:
    return trained_artifacts("biopsy")


Open = Callable[..., DocketService]


async def open_selected_case(pilot: Pilot[None]) -> str:
    """Open the queue's selected case in the console; the text its summary, costs,
    explanation and history show."""
    from tui.screens.case import CaseScreen

    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    return "\n".join(plain(screen.query_one(f"#case-{part}", Static))
                     for part in ("summary", "costs", "explanation", "history"))


@pytest.fixture
def biopsy(tmp_path: Path) -> Iterator[Open]:
    """``biopsy(name, role)``: a service on one store with the biopsy models deployed."""
    opened: list[DocketService] = []

    people = People(str(tmp_path / "store.sqlite"), tmp_path / "data")

    def factory(name: str = "rita", role: str = "radiologist") -> DocketService:
        service = DocketService.open(str(tmp_path / "store.sqlite"),
                                     keys=[people.key(name, role)], role=role,
                                     data_dir=tmp_path / "data")  # fmt: skip
        if not service.models("biopsy"):
            service.add_key(people.key("docket/ci", "system"))
            acting, service.identity = service.identity, Identity("docket/ci", "system")
            service.register_models("biopsy", list(trained_biopsy_artifacts()))
            service.identity = acting
        opened.append(service)
        return service

    yield factory
    for service in opened:
        service.close()
    people.close()


@pytest.fixture
def scans() -> list[dict[str, object]]:
    """The real scans as case input (with their case_ref, without the diagnosis)."""
    pack = make_pack()
    data = pack.load_dataset()
    return [{**row, "case_ref": f"wdbc-{i:04d}"} for i, row in enumerate(data.rows)]


# --- the gridload quantity pack ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def gridload_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The second quantity pack, installed as a separate distribution would be."""
    monkeypatch.setitem(domains._registered, "gridload", make_gridload)
    yield
    domains._quantity_cache.pop("gridload", None)


@lru_cache(maxsize=1)
def trained_gridload_artifact() -> Path:
    from assistant.specialists.quantile_training import train_quantiles

    root = Path(tempfile.mkdtemp(prefix="docket-gridload-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    pack = make_gridload()
    h = pack.history
    return train_quantiles(pack, h.rows, h.outcomes, h.period_index, h.sha256, root,
                           validation_hours=pack.validation_periods).path


def register_gridload_model(service: DocketService) -> None:
    """Deploy the session's gridload model as a CI pipeline would (acting as a component)."""
    deploy_models(service, "gridload", [trained_gridload_artifact()])


def deploy_models(service: DocketService, domain: str, paths: list[Path]) -> None:
    """Register ``paths`` for ``domain`` as a CI pipeline would (acting as a component)."""
    people = People.of(service.store_url, service.data_dir)
    service.add_key(people.key("docket/ci", "system"))
    acting, service.identity = service.identity, Identity("docket/ci", "system")
    try:
        service.register_models(domain, paths)
    finally:
        service.identity = acting


# --- the careplan yes/no pack (written from README alone) --------------------------------------


@pytest.fixture(autouse=True)
def careplan_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The second yes/no test pack, installed as a separate distribution would be."""
    monkeypatch.setitem(domains._registered, "careplan", make_careplan)
    yield
    domains._cache.pop("careplan", None)


def gridload_rows(n: int, start: int = -96) -> list[tuple[dict[str, object], float]]:
    """Real settlement periods as case input (``case_ref`` names the day and period), each
    with the load that then happened; by default from the file's last two days."""
    h = make_gridload().history
    stop = start + n if start + n != 0 else None
    return [({**row, "case_ref": f"{row['date']}-sp{row['settlement_period']:02d}"}, load)
            for row, load in zip(h.rows[start:stop], h.outcomes[start:stop], strict=True)]
