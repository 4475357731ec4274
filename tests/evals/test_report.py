from __future__ import annotations

from evals import baseline
from evals.core import Metric, SuiteResult, Table
from evals.report import markdown, summary_lines
from evals.results import RunResult


def finished_run() -> RunResult:
    ok = SuiteResult("alpha", "ok", metrics=[
        Metric("auc", 0.78, ci=(0.74, 0.82), n=1000, description="area under the curve")],
        tables=[Table("By group", ("group", "rate"), (("a|b", 0.5),))], notes=["a note"],
        samples=1000, dataset="history")
    broken = SuiteResult("beta", "error", error="dataset x is malformed at line 2: not JSON")
    base = baseline.Baseline(suites={"alpha": {"auc": baseline.Entry(
        value=0.80, better="higher", tolerance=0.01)}})
    run = RunResult("2024-01-01T00:00:00+00:00", ["alpha", "beta"], [ok, broken],
                    comparison=baseline.compare([ok, broken], base), complete=True, seconds=3)
    return run


def test_markdown_report_has_verdict_metrics_ci_and_diff() -> None:
    text = markdown(finished_run())
    assert "**Verdict: FAILED**" in text
    assert "| auc | 0.7800 | [0.7400, 0.8200] | 1000 | 0.8000 | -0.0200 | 0.0100 | regressed" \
        in text
    assert "a\\|b" in text  # cells are escaped
    assert "**Error:** dataset x is malformed at line 2: not JSON" in text
    assert "- `alpha.auc`: regressed" in text


def test_json_result_is_machine_readable() -> None:
    data = finished_run().to_dict()
    assert data["passed"] is False
    assert data["suites"]["alpha"]["metrics"]["auc"]["ci"] == [0.74, 0.82]
    assert data["suites"]["beta"]["error"].startswith("dataset x")
    assert {row["status"] for row in data["comparison"]} == {"regressed", "error"}


def test_terminal_summary() -> None:
    lines = summary_lines(finished_run())
    assert lines[0] == "alpha (0.0 s): FAILED"
    assert "REGRESSED" in lines[1]
    assert lines[-1].startswith("verdict: FAILED")
