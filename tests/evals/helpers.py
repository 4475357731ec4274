"""Small fakes for the evals' unit tests: toy suites and a service stand-in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Task
from evals.datasets.files import read_jsonl
from evals.registry import Registry


class FakeService:
    """What the runner touches on a service; records the eval runs it is told about."""

    store_url = "fake://store"

    def __init__(self) -> None:
        self.recorded: list[tuple[str, dict[str, Any], bool]] = []

    def record_eval_run(self, suite: str, results: dict[str, Any], passed: bool) -> str:
        self.recorded.append((suite, results, passed))
        return f"run-{len(self.recorded)}"

    def models(self, domain: str | None = None) -> list[Any]:
        return []

    def domains(self) -> list[Any]:
        return []  # an empty store

    def resolve_domain(self, name: str | None) -> str:
        return name or "credit"

    def domain(self, name: str | None = None) -> Any:
        """The pack's declaration (the runner reads its decision shape)."""
        from assistant.usecases.domains import domain_view

        return domain_view(self.resolve_domain(name))


def counting_task(name: str, values: Sequence[float]) -> Task:
    """A suite whose metric ``share`` is the mean of ``values`` (one sample each)."""

    def dataset(ctx: EvalContext) -> Dataset:
        return Dataset("toy", tuple(Sample(str(i), v) for i, v in enumerate(values)))

    def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[float]:
        return [float(s.input) for s in samples]

    def score(solved: Sequence[Solved]) -> Scores:
        mean = sum(s.output for s in solved) / len(solved)
        return Scores([Metric("share", mean, n=len(solved), better="higher", tolerance=0.05),
                       Metric("leaks", 0.0, better="lower", tolerance=0.0, max=0.0)])

    return Task(name, "toy", dataset, solve, score)


def file_task(name: str, path: Path) -> Task:
    """A suite that reads a JSON Lines file (to exercise malformed datasets)."""

    def dataset(ctx: EvalContext) -> Dataset:
        rows = read_jsonl(path)
        return Dataset("file", tuple(Sample(str(r["line"]), r["text"]) for r in rows))

    def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[int]:
        return [len(s.input) for s in samples]

    def score(solved: Sequence[Solved]) -> Scores:
        return Scores([Metric("rows", float(len(solved)))])

    return Task(name, "file", dataset, solve, score)


def registry_of(*tasks: Task) -> Registry:
    registry = Registry()
    for task in tasks:
        registry.register(task.name, summary=task.description)(_factory(task))
    return registry


def _factory(task: Task) -> Callable[[], Task]:
    return lambda: task
