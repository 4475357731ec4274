"""The pure decision pipeline: validate → score → attributions → OOD check → policy.

No store, no I/O on the decision path: :class:`Orchestrator` turns raw input into an
:class:`Assessment` that the service records as events. It depends only on small protocols
(:class:`~assistant.specialists.base.Specialist`, :class:`~assistant.specialists.base.OodDetector`),
so specialists and the explainer are swapped by configuration.

Fallback: when the champion is missing, failed to load, raises, or returns something that is
not a probability, or the OOD check fails, the domain's baseline rules decide and
``fallback_reason`` says why. Every valid case gets a recommendation. Challengers run in
shadow: scored and reported, never acted on, and their failures never affect the case.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from assistant.assessment import Assessment, Source, SpecialistRun
from assistant.domains.base import CaseInput, DomainPack
from assistant.policies import (
    PolicySpec,
    Recommendation,
    baseline_recommendation,
    recommend,
)
from assistant.policies.exploration import Budget
from assistant.screening.detector import BatchScores, note_model
from assistant.specialists.base import OodDetector, OodResult, Row, Score, Specialist
from events.domain.case import canonical_sha256
from events.errors import ModelError
from guardrails import NoteModel, input_flags

T = TypeVar("T")


class Explainer(Protocol):
    """Anything with ``explain(request)``; explanations are produced off the decision path."""

    def explain(self, request: Any, /) -> Any: ...


#: Historical rows, their outcomes, out-of-fold p(bad) and OOD results (see ``history``).
HistoryData = tuple[
    list[dict[str, Any]], list[str], list[float], list[OodResult | None]
]


class Orchestrator:
    """Runs the decision pipeline for one domain."""

    def __init__(
        self,
        pack: DomainPack,
        specialist: Specialist | None,
        ood: OodDetector | None = None,
        challengers: Sequence[Specialist] = (),
        explainer: Explainer | None = None,
        *,
        policy: PolicySpec | None = None,
        unavailable_reason: str | None = None,
    ) -> None:
        """``unavailable_reason`` explains a missing champion (e.g. the load error)."""
        self.pack = pack
        self.specialist = specialist
        self.ood = ood
        self.challengers = tuple(challengers)
        self.explainer = explainer  # kept for the service: explanations are off the hot path
        self.policy = policy or pack.default_policy
        self.unavailable_reason = unavailable_reason or "no champion model is configured"
        self._history: HistoryData | None = None
        self._served_reference: list[float] | None = None
        _ = pack.historical_rates  # load the baseline's data now, not on the first case

    @classmethod
    def from_artifacts(
        cls,
        pack: DomainPack,
        policy: PolicySpec | None = None,
        *,
        champion: str | Path | None = None,
        challengers: Sequence[str | Path] = (),
        explainer: Explainer | None = None,
        no_champion: str | None = None,
    ) -> Orchestrator:
        """Load the champion (and its OOD check) and challengers from artifact directories.

        Never raises for a bad artifact: a champion that fails to load leaves the baseline in
        charge with the load error as the fallback reason; a failing challenger is skipped.
        ``no_champion`` says why there is none (e.g. an emergency stop), for the fallback.
        """
        from assistant.specialists.serving import OnnxSpecialist

        specialist: OnnxSpecialist | None = None
        ood: OodDetector | None = None
        reason = no_champion if champion is None else None
        if champion is not None:
            try:
                specialist = OnnxSpecialist.load(champion)
                ood = specialist.load_ood()
            except ModelError as exc:
                specialist, reason = None, str(exc)
        shadows = []
        for path in challengers:
            try:
                shadows.append(OnnxSpecialist.load(path))
            except ModelError:
                continue
        return cls(pack, specialist, ood, shadows, explainer, policy=policy,
                   unavailable_reason=reason)

    def history(self) -> tuple[list[dict[str, Any]], list[str], list[float],
                               list[OodResult | None]]:
        """Historical cases for a backtest: rows, known outcomes, honest p(bad), OOD results.

        The probabilities are the champion's out-of-fold ones, saved at training time (each
        row scored by a model of the same kind that never saw it). Raises ModelError when
        the champion is missing or has none.
        """
        from assistant.specialists.serving import OnnxSpecialist

        if not isinstance(self.specialist, OnnxSpecialist):
            raise ModelError(f"no champion model for {self.pack.name}: a backtest needs its "
                             f"out-of-fold probabilities ({self.unavailable_reason})")
        if self._history is None:  # the same for this orchestrator's whole life
            data = self.pack.load_dataset()
            p_bad = self.specialist.out_of_fold(data.sha256)
            ood: list[OodResult | None] = (
                list(self.ood.check_batch(data.rows)) if self.ood else [None] * len(data.rows)
            )
            self._history = (data.rows, data.outcomes, p_bad, ood)
        rows, outcomes, p_bad, ood = self._history
        return [dict(r) for r in rows], list(outcomes), list(p_bad), list(ood)

    def served_reference_scores(self) -> list[float]:
        """The champion's own p(bad) on the pack's reference rows, scored the way cases are.

        Prediction drift compares served scores with these: scores of the same model, by the
        same path. (Out-of-fold scores come from other models and are less extreme than a
        served model's, which made an unshifted store look drifted.) Raises ModelError when
        no champion can score.
        """
        from assistant.specialists.serving import OnnxSpecialist

        if not isinstance(self.specialist, OnnxSpecialist):
            raise ModelError(f"no champion model for {self.pack.name}: "
                             f"{self.unavailable_reason}")
        if self._served_reference is None:
            rows = self.pack.load_dataset().rows
            try:
                cat, num = self.specialist.encode(rows)
            except (KeyError, TypeError, ValueError) as exc:
                raise ModelError(f"model {self.specialist.version} cannot read the reference "
                                 f"rows: {exc!r}") from exc
            self._served_reference = [float(p) for p in self.specialist.predict_arrays(cat, num)]
        return list(self._served_reference)

    def reference_ood_share(self) -> float | None:
        """The share of the reference rows the OOD check flags (None without a check)."""
        if self.ood is None:
            return None
        flags = self.ood.check_batch(self.pack.load_dataset().rows)
        return sum(1 for f in flags if f.flag) / len(flags) if flags else None

    # --- the pipeline ---------------------------------------------------------------------

    def assess(self, raw: object, *, policy: PolicySpec | None = None) -> Assessment:
        """Assess one raw case (never raises for bad input or a failing specialist)."""
        return self.assess_batch([raw], policy=policy)[0]

    def assess_batch(
        self,
        raws: Sequence[object],
        *,
        policy: PolicySpec | None = None,
        budget: Budget | None = None,
    ) -> list[Assessment]:
        """Assess many raw cases, scoring the valid ones in one batch per specialist.

        ``budget``: this month's exploration ledger, spent case by case in order (see
        :mod:`assistant.policies.exploration`); None applies no monthly cap.

        If a batch call fails, the cases are retried one by one so that one bad case cannot
        send the others to the baseline. Latencies are per case (batch time / cases).
        """
        spec = policy or self.policy
        started = time.perf_counter()
        validated = [self.pack.validate(raw) for raw in raws]
        validate_ms = _ms(started) / max(len(raws), 1)

        cases = [c for c in validated if isinstance(c, CaseInput)]
        rows = [c.values for c in cases]
        champion_runs, champion_failures = self._run_champion(rows)
        ood_results, ood_ms, ood_failures = self._run_ood(rows)
        shadow_runs = [self._run_specialist(s, rows, shadow=True)[0] for s in self.challengers]
        scoring = time.perf_counter()
        notes = batch_scores([c.note for c in cases])
        notes_ms = _ms(scoring) / max(len(cases), 1)  # the detector's run, shared out

        results = []
        valid_index = 0
        for case in validated:
            if not isinstance(case, CaseInput):
                results.append(Assessment(self.pack.name, None, tuple(case),
                                          latency_ms={"validate": validate_ms}))
                continue
            i, valid_index = valid_index, valid_index + 1
            results.append(self._decide(
                case, spec,
                champion_runs[i] if champion_runs else None,
                champion_failures[i] if champion_failures else self.unavailable_reason,
                ood_results[i], ood_failures[i],
                tuple(runs[i] for runs in shadow_runs),
                {"validate": validate_ms, "ood": ood_ms, "screen": notes_ms},
                budget, notes,
            ))
        return results

    def _decide(
        self,
        case: CaseInput,
        spec: PolicySpec,
        champion: SpecialistRun | None,
        champion_failure: str | None,
        ood: OodResult | None,
        ood_failure: str | None,
        shadows: tuple[SpecialistRun, ...],
        latency: dict[str, float],
        budget: Budget | None = None,
        notes: NoteModel | None = None,
    ) -> Assessment:
        started = time.perf_counter()
        flags = note_flags(case, notes)
        latency = {**latency, "screen": latency.get("screen", 0.0) + _ms(started)}
        started = time.perf_counter()
        baseline = self.pack.baseline(case.values)
        fallback = champion_failure or ood_failure
        recommendation: Recommendation | None = None
        if fallback is None and champion is not None and champion.score is not None:
            try:
                # A flagged note takes the case out of exploration (no key: no draw).
                key = None if flags else case_key(case)
                recommendation = recommend(
                    champion.score.p_bad, ood, spec, case_key=key, budget=budget,
                    probability=self.pack.words.probability(),
                )
            except ValueError as exc:  # defensive: scores are checked before
                fallback = f"the policy could not use the model's score: {exc}"
            if recommendation is not None and flags and spec.exploration.enabled:
                recommendation = replace(recommendation, reasons=(
                    *recommendation.reasons,
                    "not eligible for exploration: the note was flagged by the input "
                    "guardrails (a flagged case is never decided by a random draw)",
                ))  # fmt: skip
        source: Source = "model"
        if recommendation is None:
            source = "baseline"
            fallback = fallback or "the champion produced no score"
            base_rec = baseline_recommendation(baseline, spec, ood,
                                               probability=self.pack.words.probability())
            recommendation = replace(
                base_rec, reasons=(f"fallback to baseline rules: {fallback}", *base_rec.reasons)
            )
        latency = {
            **latency,
            "score": champion.latency_ms if champion else 0.0,
            "shadow": sum(s.latency_ms for s in shadows),
            "policy": _ms(started),
        }
        latency["total"] = sum(latency.values())
        return Assessment(self.pack.name, case, (), champion, shadows, ood, baseline,
                          recommendation, source, fallback if source == "baseline" else None,
                          latency, flags)

    # --- running specialists safely -------------------------------------------------------

    def _run_champion(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[SpecialistRun] | None, list[str | None] | None]:
        if self.specialist is None:
            return None, None
        return self._run_specialist(self.specialist, rows, shadow=False)

    def _run_specialist(
        self, specialist: Specialist, rows: list[dict[str, Any]], *, shadow: bool
    ) -> tuple[list[SpecialistRun], list[str | None]]:
        name, version, sha = _identity(specialist)
        scores, errors, per_case_ms = _guarded_batch(specialist.score_batch, rows, _check_score)
        runs = [SpecialistRun(name, version, sha, s, e, per_case_ms, shadow)
                for s, e in zip(scores, errors, strict=True)]
        role = "challenger" if shadow else "champion"
        failures = [None if e is None else f"{role} {version} failed: {e}" for e in errors]
        return runs, failures

    def _run_ood(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[OodResult | None], float, list[str | None]]:
        if self.ood is None:
            return [None] * len(rows), 0.0, [None] * len(rows)
        results, errors, per_case_ms = _guarded_batch(self.ood.check_batch, rows, _check_ood)
        failures = [None if e is None else f"out-of-distribution check failed: {e}"
                    for e in errors]
        return results, per_case_ms, failures


def note_flags(
    case_input: CaseInput, notes: NoteModel | None = None
) -> tuple[dict[str, Any], ...]:
    """What the input guardrails flag in the case's note and contact details (as recorded
    on the case: each verdict with its rule as ``kind``); empty when nothing is flagged.
    ``notes``: the learned detector with this batch's notes scored (:func:`batch_scores`);
    None scores the note alone (the same probability, bit for bit)."""
    # = prepare_input(...).flags
    flagged = input_flags(case_input.note, notes if notes is not None else note_model())
    return tuple(v.to_dict() | {"kind": v.rule} for v in flagged)


def batch_scores(notes: Sequence[str | None]) -> NoteModel | None:
    """The learned detector answering for ``notes`` from one batch run (None when the
    detector cannot be loaded: the rules still screen)."""
    detector = note_model()
    return None if detector is None else BatchScores(detector, notes)


def case_key(case_input: CaseInput) -> str:
    """The case's reference, or one named by its content: what ingest calls it, and what
    seeds its exploration draw (so replaying the case draws the same)."""
    if case_input.case_ref:
        return case_input.case_ref
    content = {"v": case_input.values, "p": case_input.personal, "n": case_input.note}
    return "sha-" + canonical_sha256(content)[:16]


def _guarded_batch(
    run: Callable[[Sequence[Row]], list[T]],
    rows: list[dict[str, Any]],
    check: Callable[[T], str | None],
) -> tuple[list[T | None], list[str | None], float]:
    """Run a batch call safely. Returns (results, errors, ms per row).

    A result that fails ``check`` becomes None with an error. If the whole call fails, the
    rows are retried one by one so one bad case cannot take the others down.
    """
    if not rows:
        return [], [], 0.0
    started = time.perf_counter()
    try:
        results = list(run(rows))
        if len(results) != len(rows):
            raise ModelError(f"returned {len(results)} results for {len(rows)} cases")
    except Exception as exc:  # a specialist may fail in any way; the baseline takes over
        if len(rows) == 1:
            return [None], [_describe(exc)], _ms(started)
        return _one_by_one(run, rows, check)
    errors = [check(r) for r in results]
    kept = [None if e is not None else r for r, e in zip(results, errors, strict=True)]
    return kept, errors, _ms(started) / len(rows)


def _one_by_one(
    run: Callable[[Sequence[Row]], list[T]],
    rows: list[dict[str, Any]],
    check: Callable[[T], str | None],
) -> tuple[list[T | None], list[str | None], float]:
    started = time.perf_counter()
    results: list[T | None] = []
    errors: list[str | None] = []
    for row in rows:
        one, error, _ = _guarded_batch(run, [row], check)
        results.append(one[0])
        errors.append(error[0])
    return results, errors, _ms(started) / len(rows)


def _check_score(score: Score) -> str | None:
    p = score.p_bad
    if not isinstance(p, float | int) or not math.isfinite(p) or not 0.0 <= p <= 1.0:
        return f"returned a risk probability of {p!r}, not a probability"
    return None


def _check_ood(result: OodResult) -> str | None:
    return None if isinstance(result, OodResult) else f"returned {type(result).__name__}"


def _identity(specialist: Specialist) -> tuple[str, str, str]:
    try:
        return specialist.name, specialist.version, specialist.sha256
    except Exception:  # identity must never break the case
        return type(specialist).__name__, "unknown", ""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0][:300] if text else ""
    return first if isinstance(exc, ModelError) else f"{type(exc).__name__}: {first}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
