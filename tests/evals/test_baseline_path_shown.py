"""Messages name the baseline file as a person can find it, never by an absolute path into
the installed source tree (was: ``no file at /home/.../evals/baselines/demand.json``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import baseline as baseline_file
from evals.runner import _first_run


def test_a_missing_baseline_is_named_by_its_package_name_from_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = baseline_file.DEFAULT_PATH.parent / "baselines" / "nothing-here.json"
    sentence = _first_run(["orders"], "demand", path)
    assert "no file at evals/baselines/nothing-here.json" in sentence
    assert str(baseline_file.DEFAULT_PATH.parent) not in sentence


def test_a_baseline_under_the_current_directory_is_named_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sentence = _first_run(["orders"], "demand", tmp_path / "mine" / "b.json")
    assert "no file at mine/b.json" in sentence and str(tmp_path) not in sentence
