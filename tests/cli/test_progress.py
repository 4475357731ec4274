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
seeded = test_cli.seeded

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


def _progress_lines(result: object, label: str) -> list[str]:
    """stderr's lines, each stamped, with every fold of both credit models; none on stdout."""
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    lines: list[str] = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines and all(STAMP.match(line) for line in lines), lines[:3]
    for kind in ("logreg", "gbt"):
        for fold in (1, 10):
            assert any(line.endswith(f"{label}: {kind}: cross-validation fold {fold} of 10")
                       for line in lines), (kind, fold)
    stdout: str = result.stdout  # type: ignore[attr-defined]
    assert not STAMP.search(stdout) and "cross-validation fold" not in stdout
    return lines


@pytest.mark.slow
def test_train_shows_progress_on_stderr_and_the_result_on_stdout(docket: Docket) -> None:
    """Ten-fold cross-validation of both credit models (~25 s on a quiet machine)."""
    trained = docket("train", "credit", role="engineer", operator="erin")
    lines = _progress_lines(trained, "train credit")
    assert any(line.endswith("train credit: registering the models in the log") for line in lines)
    assert "promoted to champion (the first for credit" in trained.stdout


@pytest.mark.slow
def test_figures_shows_progress_on_stderr_and_the_table_on_stdout(docket: Docket) -> None:
    """Ten-fold cross-validation of both credit models (~25 s on a quiet machine)."""
    figures = docket("figures", "credit")
    _progress_lines(figures, "figures credit")
    assert figures.stdout.startswith("10-fold cross-validated expected cost per application")


def test_a_command_on_read_models_far_behind_says_why_it_waits_once(
    docket: Docket, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An auditor's copy of a store comes without its read-model file: the first command
    rebuilds it (a minute a million events), and says so on stderr instead of looking frozen;
    the next command says nothing, nor does one on read models only a few events behind."""
    import cli.app

    monkeypatch.setattr(cli.app, "SAY_BEHIND", 10)
    docket.key_file()  # enrolled now: enrolling opens the store, which would catch up
    views = docket.store.with_name(docket.store.name + ".views.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{views}{suffix}").unlink(missing_ok=True)

    first = docket("status")
    assert first.exit_code == 0, first.output
    assert re.search(r"the read models are [\d,]+ events behind the log", first.stderr)
    assert "cases:       open 40" in first.stdout  # the answer, caught up, on stdout alone
    assert "behind the log" not in first.stdout
    again = docket("status")
    assert again.exit_code == 0 and "behind the log" not in again.output

    monkeypatch.setattr(cli.app, "SAY_BEHIND", 10_000)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{views}{suffix}").unlink(missing_ok=True)
    small = docket("status")
    assert small.exit_code == 0 and "behind the log" not in small.output


def test_replay_and_verify_of_a_long_log_say_what_they_are_doing_first(
    docket: Docket, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million events `docket replay` works for a minute and `docket verify` for up to
    one: each first says, on stderr, how many events it works through and what that costs;
    stdout keeps only the result."""
    import cli.app

    monkeypatch.setattr(cli.app, "SAY_BEHIND", 10)
    for args, doing in ((("replay",), "into new read models"),
                        (("replay", "--check"), "compared, nothing changed"),
                        (("verify",), "the chain and signatures")):
        result = docket(*args)
        assert result.exit_code == 0, result.output
        assert re.search(r"^(replaying|checking) \d+ events: ", result.stderr), result.stderr
        assert doing in result.stderr and "events:" not in result.stdout
    monkeypatch.setattr(cli.app, "SAY_BEHIND", 10_000)
    quiet = docket("verify")
    assert quiet.exit_code == 0 and not quiet.stderr, quiet.stderr


def test_replay_of_read_models_far_behind_does_not_catch_up_first(
    docket: Docket, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docket replay` rebuilds the file whole: bringing it up to date on opening first (the
    way out README gives for a damaged file is to delete it and replay) doubled its cost."""
    import cli.app
    from events.readmodels import ReadModels

    monkeypatch.setattr(cli.app, "SAY_BEHIND", 10)
    docket.key_file()  # enrolled now: enrolling opens the store, which would catch up
    views = docket.store.with_name(docket.store.name + ".views.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{views}{suffix}").unlink(missing_ok=True)
    applied: list[int] = []
    catch_up = ReadModels.catch_up

    def counted(self: ReadModels, *args: object, **kwargs: object) -> int:
        n = catch_up(self, *args, **kwargs)  # type: ignore[arg-type]
        if not self._scratch:  # the rebuild's own replay writes a scratch file
            applied.append(n)
        return n

    monkeypatch.setattr(ReadModels, "catch_up", counted)
    rebuilt = docket("replay")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "behind the log" not in rebuilt.stderr and "replaying" in rebuilt.stderr
    assert sum(applied) <= 1, applied  # one step on opening, not the whole log
    assert docket("replay", "--check").exit_code == 0


def test_eval_progress_names_each_step_once_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `docket eval` in a pipe or CI log printed "training the domain's models" twice: the
    # one-step stage is reported when it starts (0 of 1) and when it ends (1 of 1).
    from typing import Any, cast

    from cli.eval_command import ProgressLine
    from evals.core import EvalContext

    class Untrained:
        def models(self, domain: str) -> list[Any]:
            return []

        def train(self, domain: str) -> None:
            return None

    line = ProgressLine(1)
    ctx = EvalContext(cast(Any, Untrained()), domain="credit", progress=line)
    ctx.suite = "decisions"
    line("decisions", "starting", 0, 1)
    ctx.ensure_model()
    ctx.step("solving", 0, 3)
    ctx.step("solving", 2, 3)
    ctx.step("solving", 3, 3)
    line("decisions", "ok", 1, 1)
    assert capsys.readouterr().err.splitlines() == [
        "[1/1] decisions: starting",
        "[1/1] decisions: training the domain's models",
        "[1/1] decisions: solving 0/3",
        "[1/1] decisions: solving 3/3",
        "[1/1] decisions: ok",
    ]
