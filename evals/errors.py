"""The evals' own errors: each is one clear sentence (all are :class:`DocketError`)."""

from __future__ import annotations

from events.errors import DocketError, NotFound


class EvalError(DocketError):
    """An evaluation could not run as asked."""


class UnknownSuite(EvalError, NotFound):
    """A suite name that no registered suite has."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"no eval suite named {name!r}; the suites are: {', '.join(known)}")


class MalformedDataset(EvalError):
    """A dataset file that cannot be read as the suite needs it."""

    def __init__(self, path: str, where: str, problem: str) -> None:
        self.path = path
        super().__init__(f"dataset {path} is malformed at {where}: {problem}")


class SuiteSkipped(EvalError):
    """A suite that does not apply to the domain (e.g. no protected groups, no notes): the
    sentence says why. Not a failure; the run reports it."""


class MissingBaseline(EvalError):
    """No baseline file to compare with."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"no eval baseline at {path}; accept the current results explicitly with "
            "`docket eval --update-baseline`"
        )


class MalformedBaseline(EvalError):
    """A baseline file that is not what :mod:`evals.baseline` writes."""


__all__ = ["EvalError", "MalformedBaseline", "MalformedDataset", "MissingBaseline", "UnknownSuite"]
