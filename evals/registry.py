"""Suites by name. Adding a suite is one small file in ``evals/suites/``::

    @suite("my_suite", summary="what it checks")
    def my_suite() -> Task:
        return Task(name="my_suite", ...)

plus one import line in ``evals/suites/__init__.py`` (which fixes the running order).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evals.core import Task
from evals.errors import EvalError, UnknownSuite

TaskFactory = Callable[[], Task]


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    summary: str
    factory: TaskFactory
    fast: bool  # seconds, not minutes: fit for the end-to-end test

    def task(self) -> Task:
        task = self.factory()
        if task.name != self.name:
            raise EvalError(f"suite {self.name} builds a task named {task.name!r}")
        return task


class Registry:
    def __init__(self) -> None:
        self._suites: dict[str, SuiteSpec] = {}

    def register(self, name: str, *, summary: str, fast: bool = True
                 ) -> Callable[[TaskFactory], TaskFactory]:
        def decorate(factory: TaskFactory) -> TaskFactory:
            if name in self._suites and self._suites[name].factory is not factory:
                raise EvalError(f"two eval suites are named {name!r}")
            self._suites[name] = SuiteSpec(name, summary, factory, fast)
            return factory

        return decorate

    def names(self) -> list[str]:
        return list(self._suites)

    def specs(self) -> list[SuiteSpec]:
        return list(self._suites.values())

    def resolve(self, names: Sequence[str] = ()) -> list[SuiteSpec]:
        """The named suites in registry order (all when ``names`` is empty).

        Raises:
            UnknownSuite: for the first name no suite has.
        """
        for name in names:
            if name not in self._suites:
                raise UnknownSuite(name, self.names())
        wanted = set(names)
        return [s for s in self._suites.values() if not wanted or s.name in wanted]


SUITES = Registry()
suite = SUITES.register


def default_registry() -> Registry:
    """The registry with every suite of ``evals/suites`` loaded."""
    importlib.import_module("evals.suites")
    return SUITES


__all__ = ["SUITES", "Registry", "SuiteSpec", "default_registry", "suite"]
