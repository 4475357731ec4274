"""Explanations of recommendations: a faithful template by default, an LLM when configured.

Use :func:`explain_guarded` (input guardrails -> explainer -> output guardrails -> restore,
falling back to the template with a reason) and :func:`explainer_from_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from assistant.explainers.base import (
    DraftExplanation,
    Explainer,
    ExplainerUnavailable,
    ExplanationRequest,
)
from assistant.explainers.guarded import GuardedExplanation, explain_guarded
from assistant.explainers.llm import PROMPT_VERSION, CallBudget, LiteLLMExplainer, LLMSettings
from assistant.explainers.template import TemplateExplainer

__all__ = [
    "PROMPT_VERSION", "CallBudget", "DraftExplanation", "Explainer", "ExplainerUnavailable",
    "ExplanationRequest", "GuardedExplanation", "LLMSettings", "LiteLLMExplainer",
    "TemplateExplainer", "explain_guarded", "explainer_from_env", "settings_from_env",
]


def settings_from_env(env: Mapping[str, str] | None = None) -> LLMSettings | None:
    """LLM settings from ``DOCKET_LLM_*`` variables; None when no model is configured."""
    env = os.environ if env is None else env
    model = env.get("DOCKET_LLM_MODEL", "").strip()
    if not model:
        return None
    defaults = LLMSettings(model=model)
    return LLMSettings(
        model=model,
        api_base=env.get("DOCKET_LLM_API_BASE") or None,
        api_key=env.get("DOCKET_LLM_API_KEY") or None,
        timeout=float(env.get("DOCKET_LLM_TIMEOUT") or defaults.timeout),
        max_retries=min(5, int(env.get("DOCKET_LLM_MAX_RETRIES") or defaults.max_retries)),
        daily_budget=int(env.get("DOCKET_LLM_DAILY_BUDGET") or defaults.daily_budget),
        budget_file=env.get("DOCKET_LLM_BUDGET_FILE") or None,
    )


def explainer_from_env(env: Mapping[str, str] | None = None) -> Explainer:
    """The LiteLLM explainer when ``DOCKET_LLM_MODEL`` is set, else the template explainer."""
    settings = settings_from_env(env)
    return LiteLLMExplainer(settings) if settings else TemplateExplainer()
