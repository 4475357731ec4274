"""The fast suites through a real service on a temporary store, and the CI gate."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.eval_command import register
from evals import baseline
from evals.registry import default_registry
from evals.runner import run, temporary_service


def test_fast_suites_run_through_a_real_service(tmp_path: Path) -> None:
    fast = [s.name for s in default_registry().specs() if s.fast]
    assert {"redteam", "replay"} <= set(fast)
    with temporary_service() as service:
        result = run(fast, service=service, baseline_path=None,
                     results_path=tmp_path / "results.json")
        events = service.status().events
    errors = {r.suite: r.error for r in result.results if r.status == "error"}
    assert errors == {}
    metrics = {(r.suite, m.name): m.value for r in result.results for m in r.metrics}
    assert metrics[("redteam", "personal_data_leak_rate")] == 0.0
    assert metrics[("replay", "read_model_differences")] == 0.0
    assert metrics[("replay", "chain_verified")] == 1.0
    assert set(result.run_ids) == set(fast)  # each suite run is an event in the log
    assert events >= len(fast)
    assert json.loads((tmp_path / "results.json").read_text())["complete"] is True


def cli() -> click.Group:
    @click.group()
    def docket() -> None:
        """Stand-in for the docket group."""

    register(docket)
    return docket


def test_cli_lists_suites_and_rejects_unknown_ones_in_one_sentence() -> None:
    runner = CliRunner()
    listed = runner.invoke(cli(), ["eval", "--list"])
    assert listed.exit_code == 0 and "redteam" in listed.output
    unknown = runner.invoke(cli(), ["eval", "no_such_suite"])
    assert unknown.exit_code == 1
    assert unknown.output.strip().splitlines() == [
        "Error: no eval suite named 'no_such_suite'; the suites are: decisions, fairness, "
        "faithfulness, model_quality, orders, redteam, replay, selective_labels"]


def test_cli_runs_a_suite_and_judges_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["eval", "replay", "--out", str(tmp_path)])
    assert "replay" in result.output and "read_model_differences" in result.output
    assert (tmp_path / "results.json").exists() and (tmp_path / "report.md").exists()
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_committed_baseline_passes_on_the_current_code(tmp_path: Path) -> None:
    """The CI gate: every suite, a fresh store, judged against evals/baseline.json."""
    result = run(baseline_path=baseline.DEFAULT_PATH, results_path=tmp_path / "results.json",
                 report_path=tmp_path / "report.md")
    diff = "\n".join(baseline.diff_lines(result.comparison, only_notable=True)
                     if result.comparison else [result.baseline_problem or ""])
    errors = [f"{r.suite}: {r.error}" for r in result.results if r.status == "error"]
    assert errors == [], errors
    assert result.passed, "the evals regressed against evals/baseline.json:\n" + diff
