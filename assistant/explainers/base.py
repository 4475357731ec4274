"""What every explainer takes and returns.

:class:`ExplanationRequest` is the case as an explainer sees it, built by the caller from
the domain pack, the specialist's score and the policy's recommendation (this module
imports none of them). An :class:`Explainer` returns a :class:`DraftExplanation`: the raw
JSON answer, which :func:`assistant.explainers.guarded.explain_guarded` checks before
anyone reads it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from events.errors import DocketError
from guardrails import CaseFacts
from guardrails.facts import Lexicon

FeatureValue = str | float | int


class PolicyReason(BaseModel):
    """Why the policy recommended its action, as a kind and numbers only.

    Deliberately not the policy's own sentence: those quote feature values, OOD findings
    and rule reasons, and this request goes to an LLM. A kind and the policy's numbers
    carry no personal data, and the output guardrails can verify every one of them.

    ``uncertainty_band``: p(risk) lies in ``band`` around ``break_even`` (None when the
    decisive actions never trade off), so the case is escalated; ``out_of_distribution``:
    escalated because the case is unlike the training data; ``exploration``: the runner-up
    action drawn at random; ``baseline_rules``: the pre-model rules decided, not the model.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["uncertainty_band", "out_of_distribution", "exploration", "baseline_rules"]
    band: tuple[float, float] | None = None
    break_even: float | None = None


class ExplanationRequest(BaseModel):
    """One case, ready to explain. ``attributions`` > 0 push towards 'bad' (decline)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: str
    features: dict[str, FeatureValue]
    feature_descriptions: dict[str, str] = Field(default_factory=dict)
    p_bad: float = Field(ge=0.0, le=1.0)
    recommended_action: str
    expected_costs: dict[str, float] = Field(default_factory=dict)
    attributions: dict[str, float] = Field(default_factory=dict)
    ood: bool = False
    policy_reasons: tuple[PolicyReason, ...] = ()
    personal: dict[str, str] = Field(default_factory=dict)  # declared personal fields
    note: str | None = None  # the subject's free text: untrusted data
    actions: list[str] = Field(default_factory=list)
    # The pack's words (assistant.domains.decision.Words): explanations speak them, and the
    # prose checks read the lexicon to catch a lie told in them.
    case_word: str = "case"
    subject_word: str = "subject"
    note_word: str = "note"
    risk_event: str = "has the risk outcome"
    lexicon: Lexicon = Field(default_factory=Lexicon)

    def facts(
        self, placeholders: Collection[str] = (), redacted: Collection[str] = ()
    ) -> CaseFacts:
        """What an explanation of this case may state (for the output guardrails).

        ``redacted`` are the personal values taken out of the note: an answer that holds
        one (it can only have got it by a leak) is refused like a declared value.
        """
        return CaseFacts(
            features=self.features,
            attributions=self.attributions,
            recommended_action=self.recommended_action,
            p_bad=self.p_bad,
            expected_costs=self.expected_costs,
            personal_values=[v for v in (*self.personal.values(), *redacted) if v],
            placeholders=placeholders,
            actions=self.actions,
            labels=self.feature_descriptions,
            note=self.note or "",
            lexicon=self.lexicon,
            band=next((r.band for r in self.policy_reasons if r.band), None),
            break_even=next(
                (r.break_even for r in self.policy_reasons if r.break_even is not None), None
            ),
        )

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the request (the cache key's case part)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class DraftExplanation:
    """An explainer's raw answer (JSON text), not yet checked."""

    explainer: str
    raw: str
    cached: bool = False


class Explainer(Protocol):
    """Turns a (sanitised) request into a draft. Raise :class:`ExplainerUnavailable` on failure."""

    @property
    def name(self) -> str: ...

    def explain(self, request: ExplanationRequest) -> DraftExplanation: ...


class ExplainerUnavailable(DocketError):
    """The explainer could not answer; ``reason`` is a short code for the fallback verdict.

    Codes: ``timeout``, ``rate_limited``, ``http_error``, ``connection_error``,
    ``budget_exhausted``, ``empty_answer``, ``provider_error``, ``unsanitised_request``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"explainer unavailable ({reason}){': ' + detail if detail else ''}")
