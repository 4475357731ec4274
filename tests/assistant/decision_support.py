"""Shared, train-once helpers for the decision-layer tests (not a test module).

Training takes seconds, so the models are trained once per test session (3-fold CV instead
of the real 10) into a temporary directory that is removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from assistant.domains import get_pack
from assistant.domains.base import Dataset, DomainPack

TEST_FOLDS = 3


def pack() -> DomainPack:
    return get_pack("credit")


@lru_cache(maxsize=1)
def dataset() -> Dataset:
    return pack().load_dataset()


@lru_cache(maxsize=1)
def trained() -> dict[str, Path]:
    """Artifact directories of the trained models, by kind ('logreg', 'gbt')."""
    from assistant.specialists.training import train

    root = Path(tempfile.mkdtemp(prefix="docket-test-models-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return {m.kind: m.path for m in train(pack(), root / "models", folds=TEST_FOLDS)}


def copy_artifact(kind: str, target: Path) -> Path:
    """A private copy of a trained artifact that a test may damage."""
    return Path(shutil.copytree(trained()[kind], target / trained()[kind].name))
