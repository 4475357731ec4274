"""The runner: partial results, baseline problems and bad input are one clear sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import baseline
from evals.errors import UnknownSuite
from evals.runner import run, update_baseline
from tests.evals.helpers import FakeService, counting_task, file_task, registry_of


def test_unknown_suite_stops_before_anything_runs(tmp_path: Path) -> None:
    service = FakeService()
    registry = registry_of(counting_task("alpha", [1.0]))
    with pytest.raises(UnknownSuite, match="no eval suite named 'gamma'"):
        run(["alpha", "gamma"], service=service, registry=registry,  # type: ignore[arg-type]
            results_path=tmp_path / "r.json")
    assert service.recorded == []


def test_missing_baseline_is_one_sentence_and_results_are_still_written(tmp_path: Path) -> None:
    service = FakeService()
    out = tmp_path / "results.json"
    result = run(["alpha"], service=service,  # type: ignore[arg-type]
                 registry=registry_of(counting_task("alpha", [1.0, 0.0])),
                 baseline_path=tmp_path / "nowhere.json", results_path=out,
                 report_path=tmp_path / "report.md")
    assert not result.passed
    assert result.baseline_problem is not None and "\n" not in result.baseline_problem
    written = json.loads(out.read_text())
    assert written["suites"]["alpha"]["metrics"]["share"]["value"] == 0.5
    assert "has no eval baseline yet (no file at" in written["baseline_problem"]
    assert "--update-baseline`" in written["baseline_problem"]  # how to record one
    assert "NOT JUDGED: credit has no eval baseline yet" in (tmp_path / "report.md").read_text()
    assert service.recorded[0][2] is False  # recorded, not passed


def test_malformed_dataset_is_one_sentence_and_partial_results_are_written(
        tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": "broken"\n')
    service = FakeService()
    out = tmp_path / "results.json"
    registry = registry_of(counting_task("alpha", [1.0]), file_task("notes", bad),
                           counting_task("omega", [0.0]))
    result = run([], service=service, registry=registry,  # type: ignore[arg-type]
                 baseline_path=None, results_path=out)
    by_suite = {r.suite: r for r in result.results}
    assert [r.suite for r in result.results] == ["alpha", "notes", "omega"]
    assert by_suite["notes"].status == "error"
    assert by_suite["notes"].error == f"dataset {bad} is malformed at line 2: not JSON " \
                                      "(Expecting ',' delimiter)"
    assert by_suite["omega"].status == "ok"  # the others still ran
    written = json.loads(out.read_text())
    assert written["suites"]["notes"]["status"] == "error"
    assert written["suites"]["alpha"]["metrics"]["share"]["value"] == 1.0
    assert [suite for suite, _, _ in service.recorded] == ["alpha", "notes", "omega"]


def test_update_baseline_is_explicit_then_the_run_passes(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    registry = registry_of(counting_task("alpha", [1.0, 1.0, 0.0, 1.0]))
    first = run(["alpha"], service=FakeService(), registry=registry,  # type: ignore[arg-type]
                baseline_path=path)
    assert not first.passed and not path.exists()  # a run never writes the baseline itself
    update_baseline(first, path)
    second = run(["alpha"], service=FakeService(), registry=registry,  # type: ignore[arg-type]
                 baseline_path=path)
    assert second.passed
    assert baseline.load(path).suites["alpha"]["share"].value == 0.75


def test_a_regression_fails_the_run_with_the_diff(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    baseline.save(baseline.Baseline(suites={"alpha": {
        "share": baseline.Entry(value=0.9, better="higher", tolerance=0.05),
        "leaks": baseline.Entry(value=0.0, better="lower", tolerance=0.0, max=0.0)}}), path)
    service = FakeService()
    result = run(["alpha"], service=service,  # type: ignore[arg-type]
                 registry=registry_of(counting_task("alpha", [1.0, 0.0])), baseline_path=path)
    assert not result.passed
    assert result.comparison is not None
    assert [(r.metric, r.status) for r in result.comparison.failures] == [("share", "regressed")]
    recorded = service.recorded[0][1]
    assert recorded["failures"] == [
        "share: regressed worse than the baseline by 0.4 (tolerance 0.05)"]
