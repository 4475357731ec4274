"""The guarded pipeline: input guardrails -> explainer -> output guardrails -> restore.

Any failure (provider timeout, HTTP error, malformed JSON, budget exhausted, a claim the
case does not support...) ends in the template explanation with the reason; the caller
records every verdict as an event on the case. :func:`explain_guarded` never raises for
provider problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.explainers.base import Explainer, ExplainerUnavailable, ExplanationRequest
from assistant.explainers.template import TemplateExplainer
from assistant.screening.detector import note_model
from guardrails import Claim, Verdict, check_output, prepare_input

_TEMPLATE = TemplateExplainer()


@dataclass(frozen=True, slots=True)
class GuardedExplanation:
    """What the operator sees, and the verdicts that let them trust it.

    ``summary`` is the checked answer as produced, with placeholders (safe to log);
    ``text`` is the same with personal values restored locally (for display).
    """

    explainer: str
    text: str
    summary: str
    action: str
    claims: tuple[Claim, ...]
    verdicts: tuple[Verdict, ...]
    fallback_reason: str | None

    @property
    def status(self) -> str:
        return "fallback" if self.fallback_reason else "pass"

    @property
    def flags(self) -> tuple[Verdict, ...]:
        """Verdicts to mark the case with (e.g. a prompt injection in the note)."""
        return tuple(v for v in self.verdicts if v.outcome == "flagged")

    def to_dict(self) -> dict[str, Any]:
        return {
            "explainer": self.explainer,
            "text": self.text,
            "summary": self.summary,
            "action": self.action,
            "claims": [c.model_dump(mode="json") for c in self.claims],
            "verdicts": [v.to_dict() for v in self.verdicts],
            "fallback_reason": self.fallback_reason,
        }


def explain_guarded(
    request: ExplanationRequest, explainer: Explainer = _TEMPLATE
) -> GuardedExplanation:
    """Explain ``request`` with ``explainer`` behind the guardrails; fall back to the template."""
    prepared = prepare_input(request.personal, request.note, note_model())
    sanitised = request.model_copy(update={"personal": prepared.personal, "note": prepared.note})
    facts = request.facts(placeholders=prepared.pseudonyms.by_placeholder.keys(),
                          redacted=prepared.pseudonyms.values)
    verdicts = list(prepared.verdicts)

    try:
        draft = explainer.explain(sanitised)
    except ExplainerUnavailable as exc:
        reason = exc.reason + (f": {exc.detail}" if exc.detail else "")
    except Exception as exc:  # noqa: BLE001 - a broken explainer must never block a case
        reason = f"explainer_error: {type(exc).__name__}"
    else:
        check = check_output(draft.raw, facts)
        verdicts.extend(check.verdicts)
        if check.ok and check.output is not None:
            out = check.output
            verdicts.append(Verdict("explainer", "pass", draft.explainer +
                                    (" (cached)" if draft.cached else "")))
            return GuardedExplanation(
                explainer=draft.explainer,
                text=prepared.pseudonyms.restore(out.summary),
                summary=out.summary,
                action=out.action,
                claims=tuple(out.claims),
                verdicts=tuple(verdicts),
                fallback_reason=None,
            )
        reason = "; ".join(f"{v.rule}: {v.detail}" for v in check.failures)

    verdicts.append(Verdict("explainer", "fallback", reason))
    return _template_fallback(sanitised, facts_request=request, verdicts=verdicts, reason=reason)


def _template_fallback(
    sanitised: ExplanationRequest,
    *,
    facts_request: ExplanationRequest,
    verdicts: list[Verdict],
    reason: str,
) -> GuardedExplanation:
    draft = _TEMPLATE.explain(sanitised)
    check = check_output(draft.raw, facts_request.facts())
    if check.output is None:  # cannot happen: the template's output is built from the schema
        raise AssertionError(f"template explanation unparseable: {check.verdicts}")
    if not check.ok:  # a template bug: still shown, but on the record
        verdicts.append(Verdict("template_check", "blocked",
                                "; ".join(f"{v.rule}: {v.detail}" for v in check.failures)))
    out = check.output
    return GuardedExplanation(
        explainer=_TEMPLATE.name,
        text=out.summary,
        summary=out.summary,
        action=out.action,
        claims=tuple(out.claims),
        verdicts=tuple(verdicts),
        fallback_reason=reason,
    )
