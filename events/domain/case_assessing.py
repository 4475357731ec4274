"""What the assistant records about an open case before anyone decides: scores and
forecasts, the fallback to the baseline rules, the recommendation, input flags and the
guarded explanation.
"""

from __future__ import annotations

from typing import Any

from events.domain.case_reading import CaseReading
from events.domain.case_rules import (
    ExplainArgs,
    ForecastArgs,
    RecommendArgs,
    ScoreArgs,
    check_quantity,
)
from events.domain.common import check_identity, fields_of, plain_json, validate
from events.errors import FieldProblem, InputRejected


class CaseAssessing(CaseReading):
    """The assessment commands of :class:`~events.domain.case.Case`."""

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
        check_identity(actor, role)
        self._require_live()
        a = validate(
            ScoreArgs,
            specialist=specialist,
            model_version=model_version,
            model_sha256=model_sha256,
            p_bad=p_bad,
            attributions=attributions,
            ood=ood,
            ood_score=ood_score,
            latency_ms=latency_ms,
            shadow=shadow,
        )
        self.trigger_event(self.Scored, **fields_of(a), actor=actor, role=role)

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
        check_identity(actor, role)
        self._require_live()
        a = validate(
            ForecastArgs, specialist=specialist, model_version=model_version,
            model_sha256=model_sha256, levels=list(levels), quantiles=list(quantiles), ood=ood,
            ood_score=ood_score, latency_ms=latency_ms, shadow=shadow,
        )  # fmt: skip
        if len(a.levels) != len(a.quantiles):
            raise InputRejected([FieldProblem("quantiles", "needs one value per level")])
        self.trigger_event(self.Forecast, **a.model_dump(), actor=actor, role=role)

    def record_fallback(self, *, reason: str, actor: str, role: str) -> None:
        check_identity(actor, role)
        self._require_live()
        if not reason.strip():
            raise InputRejected([FieldProblem("reason", "must say why the model was not used")])
        self.trigger_event(self.FellBackToBaseline, reason=reason, actor=actor, role=role)

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
        check_identity(actor, role)
        self._require_live()
        for name, value in (("quantity", quantity), ("baseline_quantity", baseline_quantity)):
            if value is not None:
                check_quantity(name, value)
        a = validate(
            RecommendArgs,
            action=action,
            source=source,
            policy_id=policy_id,
            policy_version=policy_version,
            expected_costs=expected_costs,
            reasons=reasons,
            ood_reasons=list(ood_reasons or []),
            propensities=dict(propensities or {action: 1.0}),
            explored=explored,
        )
        if a.action not in a.propensities or a.propensities[a.action] <= 0.0:
            raise InputRejected(
                [
                    FieldProblem(
                        "propensities",
                        f"the recommended action {a.action!r} needs a probability > 0",
                    )
                ]
            )
        self.trigger_event(
            self.Recommended, **fields_of(a), propensity_source="logged", quantity=quantity,
            quantiles=plain_json(dict(quantiles or {}), "quantiles"),
            baseline_quantity=baseline_quantity, actor=actor, role=role,
        )  # fmt: skip

    def record_input_flags(self, *, flags: list[dict[str, Any]], actor: str, role: str) -> None:
        check_identity(actor, role)
        plain = plain_json(list(flags), "flags")
        for i, flag in enumerate(plain):
            if not isinstance(flag, dict) or not isinstance(flag.get("kind"), str):
                raise InputRejected([FieldProblem(f"flags[{i}]", "needs a 'kind'")])
        self.trigger_event(self.InputFlagged, flags=plain, actor=actor, role=role)

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
