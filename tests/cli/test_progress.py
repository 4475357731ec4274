"""Progress on every long step: ``figures``, ``train`` and the demo's seeding print what they
are doing to stderr as they go (one line per fold, fit or batch of decisions), and stdout
keeps only the result, so a script reading it (or ``--json``) is not disturbed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.domains import get_pack, get_quantity_pack
from assistant.specialists.crossval import cost_table
from assistant.specialists.quantile import feature_matrix, fit_levels
from assistant.specialists.training import train
from tests.cli import test_cli
from tests.cli.test_cli import Docket

docket = test_cli.docket

STAMP = re.compile(r"^\[\s*\d+\.\d s\] ")


def test_cross_validation_reports_every_fold_of_every_repeat() -> None:
    heard: list[str] = []
    cost_table(get_pack("credit"), ("logreg",), folds=2, seed=5, repeats=2, on_step=heard.append)
    assert heard == [
        "repeat 1 of 2, logreg: cross-validation fold 1 of 2",
        "repeat 1 of 2, logreg: cross-validation fold 2 of 2",
        "repeat 2 of 2, logreg: cross-validation fold 1 of 2",
        "repeat 2 of 2, logreg: cross-validation fold 2 of 2",
    ]


def test_training_reports_folds_then_the_conversion(tmp_path: Path) -> None:
    heard: list[str] = []
    train(get_pack("credit"), tmp_path, kinds=("logreg",), folds=2, on_step=heard.append)
    assert heard == [
        "logreg: cross-validation fold 1 of 2",
        "logreg: cross-validation fold 2 of 2",
        "logreg: fitting on every row, converting to ONNX, checking parity",
    ]


def test_quantile_fits_report_each_level() -> None:
    pack = get_quantity_pack("demand")
    h = pack.history
    heard: list[str] = []
    fit_levels(pack, feature_matrix(pack, h.rows[:200]), np.asarray(h.demand[:200], float),
               pack.shape.quantiles, on_step=heard.append)
    assert heard == [f"fitting the {a:g} quantile on 200 rows" for a in pack.shape.quantiles]


@pytest.mark.slow
def test_train_and_figures_show_progress_on_stderr_and_results_on_stdout(
    docket: Docket,
) -> None:
    """Ten-fold cross-validation of both credit models, twice (~1 min on a quiet machine)."""
    trained = docket("train", "credit", role="engineer", operator="erin")
    figures = docket("figures", "credit")

    for result, label in ((trained, "train credit"), (figures, "figures credit")):
        assert result.exit_code == 0, result.output
        progress = result.stderr.splitlines()
        assert progress and all(STAMP.match(line) for line in progress), progress[:3]
        for kind in ("logreg", "gbt"):
            for fold in (1, 10):
                assert any(line.endswith(f"{label}: {kind}: cross-validation fold {fold} of 10")
                           for line in progress), (kind, fold)
        assert not STAMP.search(result.stdout) and "cross-validation fold" not in result.stdout
    assert any(line.endswith("train credit: registering the models in the log")
               for line in trained.stderr.splitlines())
    assert "promoted to champion (the first for credit" in trained.stdout
    assert figures.stdout.startswith("10-fold cross-validated expected cost per applicant")
