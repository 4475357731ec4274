"""The result of one eval run: every suite's result and the baseline's verdict on them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.baseline import Comparison
from evals.core import SuiteResult


@dataclass
class RunResult:
    started_at: str
    suites_requested: list[str]
    results: list[SuiteResult] = field(default_factory=list)
    comparison: Comparison | None = None
    baseline_problem: str | None = None  # e.g. no baseline file: one sentence
    run_ids: dict[str, str] = field(default_factory=dict)  # suite -> EvalRun event id
    context: dict[str, str] = field(default_factory=dict)  # store, domain, models, explainer
    seconds: float = 0.0
    complete: bool = False  # False while running, or when the run was cut short

    def suite_passed(self, suite: str) -> bool:
        result = next((r for r in self.results if r.suite == suite), None)
        if result is None or result.status == "error" or self.baseline_problem:
            return False
        return self.comparison.suite_passed(suite) if self.comparison else False

    @property
    def passed(self) -> bool:
        return (self.complete and self.baseline_problem is None and self.comparison is not None
                and self.comparison.passed
                and all(r.status in ("ok", "skipped") for r in self.results))

    def to_dict(self) -> dict[str, Any]:
        rows = self.comparison.rows if self.comparison else []
        return {
            "format": "docket-eval-result/1",
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "complete": self.complete,
            "passed": self.passed,
            "suites_requested": self.suites_requested,
            "context": self.context,
            "baseline_problem": self.baseline_problem,
            "suites": {
                r.suite: {**r.to_dict(), "passed": self.suite_passed(r.suite),
                          "eval_run_id": self.run_ids.get(r.suite)}
                for r in self.results
            },
            "comparison": [
                {"suite": r.suite, "metric": r.metric, "status": r.status,
                 "baseline": r.baseline, "current": r.current, "delta": r.delta,
                 "tolerance": r.tolerance, "better": r.better, "message": r.message}
                for r in rows
            ],
        }

    def write_json(self, path: Path) -> None:
        """Write atomically, so a reader never sees half a file (called after every suite)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(path.suffix + ".tmp")
        scratch.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        scratch.replace(path)


__all__ = ["RunResult"]
