"""The biopsy test pack: registered for each test, its models trained once per session."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest

import assistant.domains as domains
from assistant.service import DocketService
from assistant.views import Identity
from tests.packs.biopsy import make_pack
from tests.people import People
from tests.tui.conftest import pytest_pyfunc_call  # noqa: F401  (async console tests)

FOLDS = 3


@pytest.fixture(autouse=True)
def biopsy_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed as a separate distribution would be; gone again after the test."""
    monkeypatch.setitem(domains._registered, "biopsy", make_pack)
    yield
    domains._cache.pop("biopsy", None)


@lru_cache(maxsize=1)
def trained_biopsy_artifacts() -> tuple[Path, ...]:
    from assistant.specialists.training import train

    root = Path(tempfile.mkdtemp(prefix="docket-biopsy-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return tuple(m.path for m in train(make_pack(), root, folds=FOLDS))


Open = Callable[..., DocketService]


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
