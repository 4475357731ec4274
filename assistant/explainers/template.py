"""The default explainer: deterministic, offline, faithful by construction.

Every statement is read off the request: the recommendation, the probability, the three
strongest attributions (value and direction), the expected costs, the policy's reason
when it recommends a dearer action than the cheapest, and the OOD caveat. Its claims
therefore pass the output guardrails (tests check this on every credit row).
"""

from __future__ import annotations

import json

from assistant.explainers.base import (
    DraftExplanation,
    ExplanationRequest,
    FeatureValue,
    PolicyReason,
)

TOP_FACTORS = 3


class TemplateExplainer:
    """2-4 sentences built from the case; the note and personal fields are never used."""

    name = "template/v1"

    def explain(self, request: ExplanationRequest) -> DraftExplanation:
        factors = top_factors(request, TOP_FACTORS)
        claims = [
            {"feature": f, "value": request.features[f],
             "direction": "raises_risk" if request.attributions[f] > 0 else "lowers_risk"}
            for f in factors
        ]
        sentences = [
            f"Recommendation: {request.recommended_action}; the model estimates a "
            f"{round(request.p_bad * 100)}% probability that this {request.case_word} "
            f"{request.risk_event}.",
        ]
        if factors:
            listed = _join([_factor(request, f) for f in factors])
            sentences.append(f"The strongest factors are {listed}.")
        costs = _costs_sentence(request)
        if costs:
            sentences.append(costs)
        if request.ood:
            sentences.append(f"Caution: this {request.case_word} is unlike the data the model "
                             "was trained on, so the estimate is less reliable.")
        payload = {"summary": " ".join(sentences), "action": request.recommended_action,
                   "claims": claims}
        return DraftExplanation(self.name, json.dumps(payload, ensure_ascii=False))


def top_factors(request: ExplanationRequest, count: int) -> list[str]:
    """Features with the largest non-zero attributions, strongest first (ties by name)."""
    ranked = sorted(
        (f for f, a in request.attributions.items() if a != 0 and f in request.features),
        key=lambda f: (-abs(request.attributions[f]), f),
    )
    return ranked[:count]


def _factor(request: ExplanationRequest, feature: str) -> str:
    label = request.feature_descriptions.get(feature) or feature.replace("_", " ")
    effect = "raises" if request.attributions[feature] > 0 else "lowers"
    return f"{label.rstrip('.')} = {_show(request.features[feature])} ({effect} the risk)"


def _costs_sentence(request: ExplanationRequest) -> str:
    costs = request.expected_costs
    if not costs:
        return ""
    listed = ", ".join(f"{action} {_cost(cost)}" for action, cost in sorted(
        costs.items(), key=lambda item: (item[1], item[0])))
    cheapest = min(costs, key=lambda a: (costs[a], a))
    sentence = f"Expected cost per {request.case_word}: {listed}"
    if request.recommended_action in costs and request.recommended_action != cheapest:
        why = _join([_reason(request, r) for r in request.policy_reasons]) or "here"
        return (f"{sentence}; the policy recommends {request.recommended_action} rather than "
                f"the cheaper {cheapest} {why}.")
    return f"{sentence}."


def _reason(request: ExplanationRequest, reason: PolicyReason) -> str:
    """The policy's reason in plain words, stating only numbers the request carries."""
    case = request.case_word
    if reason.kind == "uncertainty_band":
        band = f" {reason.band[0]:.3f} to {reason.band[1]:.3f}" if reason.band else ""
        around = ("" if reason.break_even is None
                  else f" around the break-even {reason.break_even:.3f}")
        return (f"because the estimated probability {request.p_bad:.3f} lies in its "
                f"uncertainty band{band}{around}")
    if reason.kind == "out_of_distribution":
        return f"because this {case} is unlike the data the model was trained on"
    if reason.kind == "exploration":
        return (f"because this {case} was drawn at random for exploration, which takes the "
                "runner-up action on a small share of close calls so the policy can be "
                "measured on outcomes it would otherwise never see")
    return f"because the baseline rules decided this {case} in place of the model"


def _show(value: FeatureValue) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    return _number(value)


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _cost(value: float) -> str:
    """A cost as the console and `docket audit` print it (three decimals), so the sentence
    never says "approve 1.01" beside a table saying 1.008."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3f}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
