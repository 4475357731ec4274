from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.stats import bootstrap, mean_ci, wilson
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Task, run_task
from evals.errors import EvalError, UnknownSuite
from evals.registry import Registry
from tests.evals.helpers import FakeService, counting_task


def context() -> EvalContext:
    return EvalContext(FakeService(), domain="credit")  # type: ignore[arg-type]


def test_a_task_is_dataset_solver_scorer() -> None:
    result = run_task(counting_task("toy", [1, 0, 1, 1]), context())
    assert result.status == "ok"
    assert result.samples == 4
    share = result.metric("share")
    assert share is not None and share.value == 0.75


def test_progress_is_reported_per_stage() -> None:
    seen: list[tuple[str, str]] = []
    ctx = EvalContext(FakeService(), domain="credit",  # type: ignore[arg-type]
                      progress=lambda s, st, d, t: seen.append((s, st)))
    run_task(counting_task("toy", [1.0]), ctx)
    assert ("toy", "solving") in seen and ("toy", "scoring") in seen


def test_a_solver_must_answer_every_sample() -> None:
    def short(ctx: EvalContext, samples: Sequence[Sample]) -> list[int]:
        return [1]

    def score(solved: Sequence[Solved]) -> Scores:
        return Scores([])

    task = Task("short", "", lambda ctx: Dataset("d", (Sample("a", 1), Sample("b", 2))),
                short, score)
    with pytest.raises(EvalError, match="returned 1 outputs for 2 samples"):
        run_task(task, context())


def test_a_metric_must_be_a_finite_number() -> None:
    with pytest.raises(EvalError, match="not a finite number"):
        Metric("m", float("nan"))


def test_unknown_suite_is_one_sentence() -> None:
    registry = Registry()
    registry.register("alpha", summary="")(lambda: counting_task("alpha", [1]))
    with pytest.raises(UnknownSuite) as caught:
        registry.resolve(["alpha", "beta"])
    message = str(caught.value)
    assert message == "no eval suite named 'beta'; the suites are: alpha"
    assert "\n" not in message


def test_intervals() -> None:
    low, high = wilson(0, 50) or (1.0, 1.0)
    assert low == 0.0 and 0.0 < high < 0.1
    assert wilson(0, 0) is None
    ci = mean_ci([0.5, 0.6, 0.7])
    assert ci is not None and ci[0] < 0.6 < ci[1]
    values = [float(i % 7) for i in range(100)]

    def mean(index: object) -> float:
        return float(sum(values[i] for i in index) / len(values))  # type: ignore[attr-defined]

    assert bootstrap(mean, 100) == bootstrap(mean, 100)  # seeded: reruns agree
