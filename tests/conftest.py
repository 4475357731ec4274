"""Fixtures shared by every test package.

Training takes ~20 s with 10-fold cross-validation, so the credit models are trained
once per test session (3-fold) and each test registers copies of those artifacts in
its own temporary store, as a deployment registers models built in CI.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.service import DocketService
from assistant.views import Identity

TEST_FOLDS = 3


@lru_cache(maxsize=1)
def trained_credit_artifacts() -> tuple[Path, ...]:
    """Artifact folders of the credit models, trained once per session."""
    from assistant.domains import get_pack
    from assistant.specialists.training import train

    root = Path(tempfile.mkdtemp(prefix="docket-session-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return tuple(m.path for m in train(get_pack("credit"), root, folds=TEST_FOLDS))


ServiceFactory = Callable[..., DocketService]


@pytest.fixture
def open_service(tmp_path: Path) -> Iterator[ServiceFactory]:
    """Open services on one temporary SQLite store: ``open_service(name, role, models=True)``.

    With ``models=True`` (the default) the session's trained credit models are registered
    (gbt champion, logreg in shadow), so cases are scored by real ONNX models.
    """
    opened: list[DocketService] = []
    store = tmp_path / "store.sqlite"
    data_dir = tmp_path / "data"

    def factory(name: str = "ana", role: str = "operator", *, models: bool = True) -> DocketService:
        service = DocketService.open(str(store), identity=Identity(name, role), data_dir=data_dir)
        if models and not service.models("credit"):
            # Deployed by a component, as a CI pipeline would register models it built.
            acting, service.identity = service.identity, Identity("docket/ci", "system")
            service.register_models("credit", list(trained_credit_artifacts()))
            service.identity = acting
        opened.append(service)
        return service

    yield factory
    for service in opened:
        service.close()


@pytest.fixture
def credit_rows() -> Callable[[int], list[dict[str, object]]]:
    """The first ``n`` real applications, as raw case input with a case_ref and no label."""

    def rows(n: int, start: int = 0) -> list[dict[str, object]]:
        from assistant.domains import get_pack

        pack = get_pack("credit")
        data = pack.load_dataset()
        return [
            {**row, "case_ref": f"gc-{start + i:04d}"}
            for i, row in enumerate(data.rows[start : start + n])
        ]

    return rows


DEMAND_TRAIN_HOURS = 3000  # the first ~18 weeks of 2011: the daily shape, fast to fit


@lru_cache(maxsize=1)
def trained_demand_artifact() -> Path:
    """A small quantile model of the demand pack, trained once per session on the first
    hours of the year (cases opened in tests come from later hours, never seen in training)."""
    from assistant.domains import get_quantity_pack
    from assistant.specialists.quantile import TreeSettings
    from assistant.specialists.quantile_training import train_quantiles

    root = Path(tempfile.mkdtemp(prefix="docket-session-demand-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    pack = get_quantity_pack("demand")
    h = pack.history
    n = DEMAND_TRAIN_HOURS
    return train_quantiles(pack, h.rows[:n], h.demand[:n], h.hour_index[:n], h.sha256, root,
                           settings=TreeSettings(n_estimators=30, max_depth=3),
                           validation_hours=14 * 24).path


def demand_rows(n: int, start: int = DEMAND_TRAIN_HOURS) -> list[tuple[dict[str, object], int]]:
    """Later real hours as raw case input (``case_ref`` names the day and hour), each with
    the demand that then happened."""
    from assistant.domains import get_quantity_pack

    h = get_quantity_pack("demand").history
    return [
        ({**row, "case_ref": f"d{row['day']:03d}h{row['hr']:02d}"}, demand)
        for row, demand in zip(h.rows[start : start + n], h.demand[start : start + n],
                               strict=True)
    ]


def register_demand_model(service: DocketService) -> None:
    """Deploy the session's demand model as a CI pipeline would (acting as a component)."""
    acting, service.identity = service.identity, Identity("docket/ci", "system")
    try:
        service.register_models("demand", [trained_demand_artifact()])
    finally:
        service.identity = acting
