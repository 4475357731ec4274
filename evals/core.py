"""The evaluation model, after Inspect AI: a task is a dataset, a solver and a scorer.

* :class:`Dataset` of :class:`Sample` s (an input, the expected result, metadata);
* a :data:`Solver` runs what is evaluated (a model, the policy, the explainer, a guardrail)
  through :class:`~assistant.service.DocketService` on a batch of samples;
* a :data:`Scorer` turns the solved samples into :class:`Metric` s, each with a 95%
  confidence interval where one is meaningful, plus tables for the report.

Whether a metric is good enough is not decided here: the committed baseline file decides
(see :mod:`evals.baseline`). :func:`run_task` returns a :class:`SuiteResult`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from assistant.stats import Bounds
from evals.errors import EvalError, SuiteSkipped

if TYPE_CHECKING:
    from assistant.service import DocketService

Better = Literal["higher", "lower"]
#: ``progress(suite, stage, done, total)``: called as a suite advances.
Progress = Callable[[str, str, int, int], None]


def no_progress(suite: str, stage: str, done: int, total: int) -> None:
    """The default progress callback: says nothing."""


@dataclass(frozen=True)
class Sample:
    """One evaluation case: what goes in, what should come out, and anything else to know."""

    id: str
    input: Any
    target: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dataset:
    name: str
    samples: tuple[Sample, ...]
    source: str = ""  # where the samples come from (a file, the domain's data, generated)

    def __len__(self) -> int:
        return len(self.samples)


@dataclass(frozen=True)
class Metric:
    """One figure. ``better``, ``tolerance``, ``min``/``max`` and ``enforce`` seed a new
    baseline entry; once the baseline holds the metric, the committed file's values rule."""

    name: str
    value: float
    ci: Bounds | None = None  # 95% confidence interval
    n: int | None = None  # how many cases (or folds) it rests on
    better: Better = "higher"
    tolerance: float = 0.02
    min: float | None = None
    max: float | None = None
    enforce: bool = True  # False: a breached min/max warns instead of failing
    description: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise EvalError(f"metric {self.name} is not a finite number ({self.value})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "value": self.value,
            "ci": list(self.ci) if self.ci else None, "n": self.n, "better": self.better,
            "description": self.description,
        }


@dataclass(frozen=True)
class Table:
    """A table for the report (e.g. approval rates by group)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows]}


@dataclass(frozen=True)
class Scores:
    metrics: list[Metric]
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Solved:
    """A sample and what the solver produced for it."""

    sample: Sample
    output: Any


class EvalContext:
    """What solvers may use: the service (the only door), the domain and a progress line."""

    def __init__(self, service: DocketService, *, domain: str,
                 progress: Progress = no_progress) -> None:
        self.service = service
        self.domain = domain
        self.progress = progress
        self.suite = ""
        self._model_ready = False
        self._model_error: Exception | None = None

    def step(self, stage: str, done: int, total: int) -> None:
        self.progress(self.suite, stage, done, total)

    def ensure_model(self) -> None:
        """Train the domain's specialists once, unless a champion is already deployed."""
        if self._model_ready:
            return
        if self._model_error is not None:  # failed once: say so again, without retraining
            raise EvalError(f"training failed earlier in this run: {self._model_error}")
        deployed = [m for m in self.service.models(self.domain) if m.status == "champion"]
        if not deployed:
            self.step("training the domain's models", 0, 1)
            try:
                self.service.train(self.domain)
            except Exception as exc:
                self._model_error = exc
                raise
            self.step("training the domain's models", 1, 1)
        self._model_ready = True


class Solver(Protocol):
    def __call__(self, ctx: EvalContext, samples: Sequence[Sample]) -> Sequence[Any]:
        """One output per sample, in order (solvers batch: the service is faster that way)."""


class Scorer(Protocol):
    def __call__(self, solved: Sequence[Solved]) -> Scores: ...


@dataclass(frozen=True)
class Task:
    """An evaluation recipe; a registered task is a suite (see :mod:`evals.registry`)."""

    name: str
    description: str
    dataset: Callable[[EvalContext], Dataset]
    solver: Solver
    scorer: Scorer
    needs_model: bool = False  # train the specialists first (once per run)
    # The decision shapes the suite judges (a pack's kind: classification | quantity); a pack
    # of another shape skips it, saying so.
    shapes: tuple[str, ...] = ("classification",)


@dataclass
class SuiteResult:
    """What one suite produced. ``status`` says whether it ran; the baseline judges it."""

    suite: str
    status: Literal["ok", "error", "skipped"]  # skipped: ``error`` says why
    metrics: list[Metric] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    samples: int = 0
    dataset: str = ""

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite, "status": self.status, "error": self.error,
            "seconds": round(self.seconds, 3), "samples": self.samples, "dataset": self.dataset,
            "metrics": {m.name: m.to_dict() for m in self.metrics},
            "tables": [t.to_dict() for t in self.tables], "notes": list(self.notes),
        }


def run_task(task: Task, ctx: EvalContext) -> SuiteResult:
    """Load the dataset, solve every sample, score. Errors propagate to the runner."""
    started = time.perf_counter()
    ctx.suite = task.name
    kind = ctx.service.domain(ctx.domain).kind
    if kind not in task.shapes:
        raise SuiteSkipped(f"{ctx.domain} decides a {kind}; {task.name} judges "
                           f"{' or '.join(task.shapes)} decisions")
    if task.needs_model:
        ctx.ensure_model()
    ctx.step("loading dataset", 0, 1)
    dataset = task.dataset(ctx)
    ctx.step("solving", 0, len(dataset))
    outputs = list(task.solver(ctx, dataset.samples))
    if len(outputs) != len(dataset):
        raise EvalError(f"suite {task.name}: the solver returned {len(outputs)} outputs for "
                        f"{len(dataset)} samples")
    ctx.step("scoring", len(dataset), len(dataset))
    scores = task.scorer([Solved(s, o) for s, o in zip(dataset.samples, outputs, strict=True)])
    return SuiteResult(
        suite=task.name, status="ok", metrics=list(scores.metrics), tables=list(scores.tables),
        notes=list(scores.notes), seconds=time.perf_counter() - started,
        samples=len(dataset), dataset=dataset.source or dataset.name,
    )


__all__ = [
    "Better", "Dataset", "EvalContext", "Metric", "Progress", "Sample", "Scorer", "Scores",
    "Solved", "Solver", "SuiteResult", "Table", "Task", "no_progress", "run_task",
]
