"""Why the policy recommended a case's action, as the explainers are told it.

The policy's own reasons are sentences (they quote feature values, OOD findings and rule
reasons); an explainer gets kinds and the policy's numbers instead
(:class:`~assistant.explainers.base.PolicyReason`), read off the recommendation as it was
made: its source, whether it was explored, the OOD flag and the policy version's spec.
"""

from __future__ import annotations

import json

from assistant.explainers.base import PolicyReason
from assistant.policies.recommend import decision_threshold, in_band
from assistant.policies.spec import PolicySpec
from assistant.usecases.context import Context
from events import queries


def policy_reasons(
    spec: PolicySpec, *, action: str, p_bad: float, source: str, explored: bool, ood: bool
) -> tuple[PolicyReason, ...]:
    """Why ``spec`` recommended ``action``, in the order the policy weighs them.

    Empty when the action is simply the cheapest (the model's choice needs no reason beyond
    the costs). Both a band and an OOD reason when both escalated the case.
    """
    if explored:  # the runner-up decisive action, drawn at random
        return (PolicyReason(kind="exploration"),)
    reasons: list[PolicyReason] = []
    escalated = action == spec.escalate_action
    if escalated and source == "model" and in_band(p_bad, spec):
        reasons.append(PolicyReason(kind="uncertainty_band", band=spec.escalate_band,
                                    break_even=decision_threshold(spec)))
    if escalated and ood and spec.escalate_on_ood:
        reasons.append(PolicyReason(kind="out_of_distribution"))
    if source == "baseline" and not reasons:
        reasons.append(PolicyReason(kind="baseline_rules"))
    return tuple(reasons)


def spec_at(ctx: Context, domain: str, version: int) -> PolicySpec | None:
    """The domain's policy as it was at ``version`` (a case is explained by the policy that
    decided it, not by today's), or None when the log holds no such version."""
    ctx.sync()
    found = [row for row in queries.policy_history(ctx.views, domain)
             if int(row["policy_version"]) == version]
    return PolicySpec.model_validate(json.loads(found[-1]["spec"])) if found else None
