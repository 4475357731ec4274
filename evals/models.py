"""Evaluate chosen model versions, e.g. a retrained challenger against the champion.

Each version is evaluated in a temporary store where it is the champion, with the suites
that depend on the model; the committed baseline judges it exactly as it judges CI runs.
Each suite's verdict is recorded in the caller's store as an eval-run event naming the
version, so the log knows which model passed which evals when.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.service import DocketService
from evals.baseline import DEFAULT_PATH
from evals.baseline import path_for as baseline_path_for
from evals.core import Progress, no_progress
from evals.results import RunResult
from evals.runner import run, temporary_service

#: Suites whose figures depend on the model (model_quality retrains from the data set, and
#: replay is about the store, so neither says anything about one version).
MODEL_SUITES: tuple[str, ...] = ("decisions", "fairness", "faithfulness", "redteam")


def evaluate_versions(
    service: DocketService,
    domain: str,
    versions: Sequence[str],
    *,
    suites: Sequence[str] = MODEL_SUITES,
    progress: Progress = no_progress,
) -> dict[str, RunResult]:
    """Run ``suites`` on each version and record the verdicts in ``service``'s store."""
    results: dict[str, RunResult] = {}
    for version in versions:
        artifacts = service.model_artifacts(version)
        with temporary_service() as scratch:
            scratch.register_models(domain, [artifacts], promote=True)
            result = run(suites, service=scratch, domain=domain, progress=progress,
                         baseline_path=baseline_path_for(domain), record=False)
        for suite in result.results:
            figures = {m.name: m.value for m in suite.metrics}
            service.record_eval_run(
                suite.suite,
                {"metrics": figures, "status": suite.status, "error": suite.error,
                 "judged": result.baseline_problem is None},
                result.suite_passed(suite.suite),
                model_versions=[version],
            )
        results[version] = result
    return results


def judged_against(domain: str) -> str:
    """Which baseline file judges ``domain``'s suites, as ``docket retrain`` says it:
    ``evals/baseline.json`` for the pack it names, else ``evals/baselines/<domain>.json``."""
    path = baseline_path_for(domain)
    return f"evals/{path.relative_to(DEFAULT_PATH.parent).as_posix()}"


def verdict_line(version: str, result: RunResult) -> str:
    """``version: decisions passed, fairness FAILED, …`` for the terminal; with no baseline
    to judge by (a new pack's), each suite is "not judged", never "FAILED"."""
    def verdict(suite: str, status: str) -> str:
        if status in ("skipped", "error"):
            return "ERROR" if status == "error" else status
        if result.baseline_problem:
            return "not judged"
        return "passed" if result.suite_passed(suite) else "FAILED"

    verdicts = ", ".join(f"{r.suite} {verdict(r.suite, r.status)}" for r in result.results)
    return f"{version}: {verdicts}"
