"""What the assistant records about an open case before anyone decides: scores and
forecasts, the fallback to the baseline rules, the recommendation, input flags and the
guarded explanation.
"""

from __future__ import annotations

from typing import Any

from events.domain.case_reading import CaseReading
from events.domain.case_rules import ExplainArgs
from events.domain.case_steps import (
    Step,
    fallback_step,
    flags_step,
    forecast_step,
    recommendation_step,
    score_step,
)
from events.domain.common import check_identity, plain_json, validate


class CaseAssessing(CaseReading):
    """The assessment commands of :class:`~events.domain.case.Case`: each checks its step
    (:mod:`events.domain.case_steps`, the checks an ``Assessed`` event's steps pass too)
    and records it as an event of its own."""

    def _record_step(self, step: Step) -> None:
        fields = dict(step)
        self.trigger_event(getattr(self, fields.pop("event")), **fields)

    def record_score(
        self,
        *,
        specialist: str,
        model_version: str,
        model_sha256: str,
        p_bad: float,
        attributions: dict[str, float],
        ood: bool,
        ood_score: float | None,
        latency_ms: float,
        shadow: bool = False,
        actor: str,
        role: str,
    ) -> None:
        self._require_live()
        step = score_step(
            specialist=specialist, model_version=model_version, model_sha256=model_sha256,
            p_bad=p_bad, attributions=attributions, ood=ood, ood_score=ood_score,
            latency_ms=latency_ms, shadow=shadow, actor=actor, role=role,
        )  # fmt: skip
        self._record_step(step)

    def record_forecast(
        self,
        *,
        specialist: str,
        model_version: str,
        model_sha256: str,
        levels: list[float],
        quantiles: list[float],
        ood: bool,
        ood_score: float | None,
        latency_ms: float,
        shadow: bool = False,
        actor: str,
        role: str,
    ) -> None:
        """Record a quantile specialist's prediction for a "how much" case."""
        self._require_live()
        step = forecast_step(
            specialist=specialist, model_version=model_version, model_sha256=model_sha256,
            levels=levels, quantiles=quantiles, ood=ood, ood_score=ood_score,
            latency_ms=latency_ms, shadow=shadow, actor=actor, role=role,
        )  # fmt: skip
        self._record_step(step)

    def record_fallback(self, *, reason: str, actor: str, role: str) -> None:
        self._require_live()
        self._record_step(fallback_step(reason=reason, actor=actor, role=role))

    def recommend(
        self,
        *,
        action: str,
        source: str,
        policy_id: str,
        policy_version: int,
        expected_costs: dict[str, float],
        reasons: list[str],
        ood_reasons: list[str] | None = None,
        quantity: int | None = None,
        quantiles: dict[str, float] | None = None,
        baseline_quantity: int | None = None,
        propensities: dict[str, float] | None = None,
        explored: bool = False,
        actor: str,
        role: str,
    ) -> None:
        """Record the recommendation; ``propensities`` default to the action being certain."""
        self._require_live()
        step = recommendation_step(
            action=action, source=source, policy_id=policy_id, policy_version=policy_version,
            expected_costs=expected_costs, reasons=reasons, ood_reasons=ood_reasons,
            quantity=quantity, quantiles=quantiles, baseline_quantity=baseline_quantity,
            propensities=propensities, explored=explored, actor=actor, role=role,
        )  # fmt: skip
        self._record_step(step)

    def record_input_flags(self, *, flags: list[dict[str, Any]], actor: str, role: str) -> None:
        self._record_step(flags_step(flags=flags, actor=actor, role=role))

    def record_explanation(
        self,
        *,
        explainer: str,
        text: str,
        summary: dict[str, Any],
        claims: list[Any],
        verdicts: list[dict[str, Any]],
        fallback_reason: str | None = None,
        actor: str,
        role: str,
    ) -> None:
        """Record a guarded explanation and the verdict of each guardrail rule.

        Each verdict is a dict like ``{"rule": ..., "outcome": "pass|redacted|flagged|
        blocked|fallback", "detail": ...}``.
        """
        check_identity(actor, role)
        self._require_live()
        validate(ExplainArgs, explainer=explainer, text=text, fallback_reason=fallback_reason)
        self.trigger_event(
            self.Explained,
            explainer=explainer,
            text=text,
            summary=plain_json(dict(summary), "summary"),
            claims=plain_json(list(claims), "claims"),
            verdicts=plain_json(list(verdicts), "verdicts"),
            fallback_reason=fallback_reason,
            actor=actor,
            role=role,
        )
