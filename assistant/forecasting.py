"""The decision pipeline of a "how much" pack: validate → predict quantiles → OOD → order.

The counterpart of :mod:`assistant.orchestrator` for quantity packs, equally pure: raw rows
in, :class:`QuantityAssessment` out, nothing recorded. When the quantile specialist is
missing, fails or returns unusable quantiles, or the OOD check fails, the pack's baseline
rule (seasonal naive) orders and ``fallback_reason`` says why; every valid row gets an order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.domains.base import CaseInput
from assistant.policies.quantity import (
    QuantityPolicy,
    QuantityRecommendation,
    baseline_recommendation,
    recommend_quantity,
)
from assistant.specialists.base import OodDetector, OodResult
from events.errors import FieldProblem, ModelError

if TYPE_CHECKING:
    from assistant.domains.quantity import QuantityPack
    from assistant.specialists.quantile_serving import QuantileSpecialist


@dataclass(frozen=True)
class QuantityAssessment:
    """What the pipeline concluded about one raw row (``input`` None: invalid, see
    ``problems``)."""

    domain: str
    input: CaseInput | None
    problems: tuple[FieldProblem, ...] = ()
    levels: tuple[float, ...] = ()
    quantiles: tuple[float, ...] = ()  # the champion's prediction, empty when it failed
    model_version: str | None = None
    model_sha256: str = ""
    ood: OodResult | None = None
    recommendation: QuantityRecommendation | None = None
    fallback_reason: str | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)


class Forecaster:
    """Runs one quantity pack's decision pipeline under an owned policy."""

    def __init__(
        self,
        pack: QuantityPack,
        policy: QuantityPolicy,
        specialist: QuantileSpecialist | None = None,
        ood: OodDetector | None = None,
        *,
        unavailable_reason: str | None = None,
    ) -> None:
        self.pack = pack
        self.policy = policy
        self.specialist = specialist
        self.ood = ood
        self.unavailable_reason = unavailable_reason or "no champion model is configured"
        self.baseline_cost = pack.baseline_cost(policy)
        self._served_reference: list[float] | None = None

    def served_medians(self, rows: Sequence[Any]) -> list[float]:
        """The champion's median forecast of each row (raises ModelError without one)."""
        spec = self.specialist
        if spec is None:
            raise ModelError(f"no champion model for {self.pack.name}: "
                             f"{self.unavailable_reason}")
        if not rows:
            return []
        return [float(v) for v in spec.predict(list(rows))[:, spec.levels.index(0.5)]]

    def served_reference_medians(self) -> list[float]:
        """The champion's own medians on the pack's history (the drift reference's rows),
        computed once: prediction drift compares the served medians with these, the same
        model by the same path, as for a yes/no pack's scores. Raises ModelError."""
        if self._served_reference is None:
            self._served_reference = self.served_medians(self.pack.history.rows)
        return list(self._served_reference)

    @classmethod
    def from_artifacts(
        cls, pack: QuantityPack, policy: QuantityPolicy, champion: str | Path | None
    ) -> Forecaster:
        """Load the champion and its OOD check; a bad artifact leaves the baseline in charge
        with the load error as the reason (never raises)."""
        from assistant.specialists.quantile_serving import QuantileSpecialist

        if champion is None:
            return cls(pack, policy)
        try:
            specialist = QuantileSpecialist.load(champion)
            return cls(pack, policy, specialist, specialist.load_ood())
        except ModelError as exc:
            return cls(pack, policy, unavailable_reason=str(exc))

    def assess_batch(self, raws: Sequence[object]) -> list[QuantityAssessment]:
        started = time.perf_counter()
        validated = [self.pack.validate_case(raw) for raw in raws]
        validate_ms = _ms(started) / max(len(raws), 1)
        cases = [c for c in validated if isinstance(c, CaseInput)]
        rows = [c.values for c in cases]
        predicted, failure, predict_ms = self._predict(rows)
        oods, ood_failure = self._ood(rows)
        out: list[QuantityAssessment] = []
        i = 0
        for case in validated:
            if not isinstance(case, CaseInput):
                out.append(QuantityAssessment(self.pack.name, None, tuple(case)))
                continue
            values = predicted[i] if predicted is not None else None
            out.append(self._decide(case, values, failure or ood_failure, oods[i],
                                    {"validate": validate_ms, "predict": predict_ms}))
            i += 1
        return out

    def _decide(
        self,
        case: CaseInput,
        values: list[float] | None,
        failure: str | None,
        ood: OodResult | None,
        latency: dict[str, float],
    ) -> QuantityAssessment:
        policy = self.policy
        base = self.pack.baseline_for(case.values, policy)
        levels: tuple[float, ...] = self.specialist.levels if self.specialist else ()
        rec: QuantityRecommendation | None = None
        if failure is None and values is not None:
            try:
                rec = recommend_quantity(levels, values, policy, ood=ood, baseline_quantity=base,
                                         words=self.pack.quantity_words)
            except ValueError as exc:
                failure = f"the policy could not use the model's quantiles: {exc}"
        if rec is None:
            failure = failure or "the champion produced no prediction"
            rec = baseline_recommendation(base, policy, historical_cost=self.baseline_cost,
                                          rule=self.pack.baseline_rule, ood=ood,
                                          words=self.pack.quantity_words,
                                          case=self.pack.words.case)
            rec = replace(rec, reasons=(f"fallback to the baseline rule: {failure}",
                                        *rec.reasons))
        spec = self.specialist
        return QuantityAssessment(
            self.pack.name, case, (), levels, tuple(values or ()),
            spec.version if spec else None, spec.sha256 if spec else "", ood, rec,
            failure if rec.source == "baseline" else None, latency,
        )

    def _predict(self, rows: list[Any]) -> tuple[list[list[float]] | None, str | None, float]:
        if self.specialist is None:
            return None, self.unavailable_reason, 0.0
        if not rows:
            return [], None, 0.0
        started = time.perf_counter()
        try:
            got = self.specialist.predict(rows)
        except ModelError as exc:
            return None, f"champion {self.specialist.version} failed: {exc}", _ms(started)
        if got.shape != (len(rows), len(self.specialist.levels)) or not np.all(np.isfinite(got)):
            return None, (f"champion {self.specialist.version} returned unusable quantiles "
                          f"{got.shape}"), _ms(started)
        return [list(map(float, r)) for r in got], None, _ms(started) / len(rows)

    def _ood(self, rows: list[Any]) -> tuple[list[OodResult | None], str | None]:
        if self.ood is None or not rows:
            return [None] * len(rows), None
        try:
            return list(self.ood.check_batch(rows)), None
        except Exception as exc:  # a failing check must not stop the order
            return [None] * len(rows), f"out-of-distribution check failed: {exc}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
