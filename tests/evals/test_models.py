"""Evaluating chosen model versions (what ``docket retrain`` does for champion and challenger)."""

from __future__ import annotations

import json

from evals.core import SuiteResult
from evals.models import MODEL_SUITES, evaluate_versions, judged_against, verdict_line
from evals.results import RunResult
from tests.conftest import ServiceFactory


def test_each_version_is_evaluated_as_champion_and_its_verdicts_are_recorded(
    open_service: ServiceFactory,
) -> None:
    service = open_service("eve", "engineer")
    versions = [m.version for m in service.models("credit")]
    shadow = next(m.version for m in service.models("credit") if m.status == "shadow")

    results = evaluate_versions(service, "credit", [shadow], suites=("decisions", "redteam"))

    result = results[shadow]
    assert {r.suite for r in result.results} == {"decisions", "redteam"}
    assert all(r.status == "ok" for r in result.results)
    assert result.context.get("champion") == shadow  # evaluated as if it decided
    service.sync()
    runs = service.views.rows("SELECT suite, passed, model_versions FROM eval_runs")
    assert sorted(r["suite"] for r in runs) == ["decisions", "redteam"]
    assert all(json.loads(r["model_versions"]) == [shadow] for r in runs)
    assert verdict_line(shadow, result).startswith(f"{shadow}: ")
    assert set(MODEL_SUITES) >= {"decisions", "redteam"}
    assert {m.version for m in service.models("credit")} == set(versions)  # nothing registered


def test_retrain_names_the_packs_own_baseline_and_says_not_judged_without_one() -> None:
    # A new pack has no baseline yet: `docket retrain` named credit's file and printed
    # "FAILED" for every suite of every version, as if each had regressed.
    assert judged_against("credit") == "evals/baseline.json"
    assert judged_against("careplan") == "evals/baselines/careplan.json"
    result = RunResult("2026-12-05T12:00:00+00:00", ["decisions", "fairness"],
                       [SuiteResult("decisions", "ok"), SuiteResult("fairness", "ok")],
                       baseline_problem="no eval baseline at evals/baselines/careplan.json")
    line = verdict_line("careplan-logreg-1", result)
    assert line == "careplan-logreg-1: decisions not judged, fairness not judged"


def test_a_suite_run_without_a_baseline_is_listed_as_not_judged_not_failed(
    open_service: ServiceFactory,
) -> None:
    service = open_service("eve", "engineer")
    version = service.models("credit")[0].version
    service.record_eval_run("decisions", {"metrics": {}, "status": "ok", "judged": False},
                            False, model_versions=[version])
    service.record_eval_run("redteam", {"metrics": {}, "status": "ok"}, False,
                            model_versions=[version])
    service.sync()
    [view] = [m for m in service.models("credit") if m.version == version]
    assert view.evals == {"decisions": None, "redteam": False}
