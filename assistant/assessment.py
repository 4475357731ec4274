"""What the decision pipeline concludes about one raw case: each specialist's run and the
assessment the service records as events (:class:`assistant.orchestrator.Orchestrator`
makes them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.domains.base import CaseInput
from assistant.policies import BaselineDecision, Recommendation
from assistant.specialists.base import OodResult, Score
from events.errors import FieldProblem

Source = Literal["model", "baseline"]


@dataclass(frozen=True)
class SpecialistRun:
    """One specialist's result on one case (champion or shadow challenger)."""

    specialist: str
    model_version: str
    model_sha256: str
    score: Score | None
    error: str | None
    latency_ms: float
    shadow: bool


@dataclass(frozen=True)
class Assessment:
    """Everything the pipeline concluded about one raw case.

    Invalid input: ``input`` is None, ``problems`` names each bad field, nothing else is set.
    Valid input: ``recommendation`` is always set; ``source`` says whether the model or the
    baseline rules decided, and ``fallback_reason`` why the baseline had to.
    """

    domain: str
    input: CaseInput | None
    problems: tuple[FieldProblem, ...] = ()
    champion: SpecialistRun | None = None
    challengers: tuple[SpecialistRun, ...] = ()
    ood: OodResult | None = None
    baseline: BaselineDecision | None = None
    recommendation: Recommendation | None = None
    source: Source | None = None
    fallback_reason: str | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    #: The note's guardrail flags (screened before the policy: a flagged case is never
    #: explored, so a note asking for approval can never be followed by a random draw).
    input_flags: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        return self.input is not None

    @property
    def score(self) -> Score | None:
        """The champion's score, if it produced one."""
        return self.champion.score if self.champion is not None else None

    @property
    def scores(self) -> tuple[SpecialistRun, ...]:
        """Every run that produced a score: the champion first, then shadow challengers."""
        runs = (self.champion, *self.challengers) if self.champion else self.challengers
        return tuple(r for r in runs if r.score is not None)

    @property
    def scored_runs(self) -> tuple[tuple[SpecialistRun, Score], ...]:
        """Like :attr:`scores`, each run paired with its (present) score."""
        return tuple((r, r.score) for r in self.scores if r.score is not None)

    def decided(self) -> tuple[CaseInput, Recommendation, Source]:
        """Input, recommendation and source of a valid assessment.

        Raises:
            ValueError: the input was invalid, so there is no recommendation.
        """
        if self.input is None or self.recommendation is None or self.source is None:
            raise ValueError("invalid input has no recommendation")
        return self.input, self.recommendation, self.source

    @property
    def baseline_action(self) -> str | None:
        """What the baseline rules would have done (shown next to the model's action)."""
        return self.baseline.action if self.baseline is not None else None
