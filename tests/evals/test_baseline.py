from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import baseline
from evals.core import Metric, SuiteResult
from evals.errors import EvalError, MalformedBaseline, MissingBaseline


def result(suite: str = "s", **values: float) -> SuiteResult:
    return SuiteResult(suite, "ok", metrics=[Metric(k, v) for k, v in values.items()])


def committed(**entries: baseline.Entry) -> baseline.Baseline:
    return baseline.Baseline(suites={"s": dict(entries)})


def test_a_regression_beyond_tolerance_fails_with_a_diff() -> None:
    base = committed(auc=baseline.Entry(value=0.80, better="higher", tolerance=0.02))
    comparison = baseline.compare([result(auc=0.75)], base)
    assert not comparison.passed
    [row] = comparison.failures
    assert (row.status, row.metric) == ("regressed", "auc")
    text = "\n".join(baseline.diff_lines(comparison))
    assert "REGRESSED" in text and "0.8000" in text and "0.7500" in text and "-0.0500" in text
    assert "worse than the baseline by 0.05 (tolerance 0.02)" in text


def test_within_tolerance_passes() -> None:
    base = committed(auc=baseline.Entry(value=0.80, better="higher", tolerance=0.02),
                     cost=baseline.Entry(value=0.50, better="lower", tolerance=0.02))
    comparison = baseline.compare([result(auc=0.785, cost=0.515)], base)
    assert comparison.passed
    assert {r.status for r in comparison.rows} == {"ok"}


def test_lower_is_better_direction() -> None:
    base = committed(cost=baseline.Entry(value=0.50, better="lower", tolerance=0.02))
    assert baseline.compare([result(cost=0.53)], base).failures[0].status == "regressed"
    assert baseline.compare([result(cost=0.40)], base).rows[0].status == "improved"


def test_a_hard_limit_fails_even_within_tolerance() -> None:
    base = committed(leaks=baseline.Entry(value=0.0, better="lower", tolerance=0.05, max=0.0))
    [row] = baseline.compare([result(leaks=0.01)], base).rows
    assert row.status == "breach" and row.failed


def test_an_unenforced_limit_warns() -> None:
    base = committed(ratio=baseline.Entry(value=0.7, better="higher", tolerance=0.05, min=0.8,
                                          enforce=False, note="four-fifths rule"))
    comparison = baseline.compare([result(ratio=0.7)], base)
    assert comparison.passed
    assert comparison.rows[0].status == "warn"
    assert "four-fifths rule" in comparison.rows[0].message


def test_missing_new_and_unbaselined() -> None:
    base = committed(auc=baseline.Entry(value=0.8, better="higher", tolerance=0.02))
    rows = baseline.compare([result(other=1.0), result("fresh", x=1.0)], base).rows
    statuses = {(r.suite, r.metric): r.status for r in rows}
    assert statuses == {("s", "other"): "new", ("s", "auc"): "missing",
                        ("fresh", "(suite)"): "no-baseline"}


def test_a_suite_error_fails() -> None:
    comparison = baseline.compare([SuiteResult("s", "error", error="boom")], committed())
    assert comparison.failures[0].status == "error"


def test_missing_baseline_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(MissingBaseline) as caught:
        baseline.load(tmp_path / "baseline.json")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("no eval baseline at ")
    assert "--update-baseline" in message


def test_malformed_baseline_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"suites": {"s": {"auc": {"value": "high"}}}}))
    with pytest.raises(MalformedBaseline) as caught:
        baseline.load(path)
    assert "\n" not in str(caught.value) and "suites.s.auc" in str(caught.value)


def test_accepting_keeps_gates_and_round_trips(tmp_path: Path) -> None:
    base = committed(auc=baseline.Entry(value=0.8, better="higher", tolerance=0.03, min=0.7))
    accepted = baseline.accept([result(auc=0.82, new=1.0)], base)
    entry = accepted.suites["s"]["auc"]
    assert (entry.value, entry.tolerance, entry.min) == (0.82, 0.03, 0.7)
    assert accepted.suites["s"]["new"].value == 1.0
    baseline.save(accepted, tmp_path / "b.json")
    assert baseline.load(tmp_path / "b.json") == accepted


def test_a_breach_is_never_accepted() -> None:
    leaking = SuiteResult("s", "ok", metrics=[Metric("leaks", 0.1, better="lower", max=0.0)])
    with pytest.raises(EvalError, match="cannot accept"):
        baseline.accept([leaking], None)
    with pytest.raises(EvalError, match="did not run"):
        baseline.accept([SuiteResult("s", "error", error="boom")], None)
