"""Explaining (off the decision path): an explainer behind the guardrails, its verdicts
recorded on the case; personal values are restored only for display, never logged."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from assistant.assessment import Assessment
from assistant.domains import get_pack, is_quantity_pack
from assistant.domains.base import DomainPack
from assistant.explainers import explainer_from_env
from assistant.explainers.base import ExplanationRequest, PolicyReason
from assistant.explainers.guarded import GuardedExplanation, explain_guarded
from assistant.screening.detector import note_model
from assistant.usecases.checks import case_uuid
from assistant.usecases.context import SYSTEM, Context, Domain
from assistant.usecases.policy_reasons import policy_reasons, spec_at
from assistant.views import DraftView, ExplanationView, VerdictView
from events import queries
from events.domain import Case
from events.errors import FieldProblem, InputRejected
from guardrails import prepare_input
from guardrails.plain_text import plain


def explain(ctx: Context, case_id: str, *, refresh: bool = False) -> ExplanationView:
    """Produce (or return the recorded) guarded explanation and record its verdicts."""
    case = ctx.log.case(ctx.resolve(case_id))
    if is_quantity_pack(case.domain):  # the explainer speaks of yes/no risk and its costs
        raise InputRejected([FieldProblem("case", f"{case.domain} decides a quantity: its "
                                          "recommendation's reasons are in `docket audit "
                                          "CASE`; explanations are for yes/no decisions")])
    if not refresh:
        recorded = recorded_explanation(ctx, str(case.id))
        if recorded is not None:
            return recorded
    guarded = explain_guarded(_case_request(ctx, case), explainer_from_env())
    verdicts = [v.to_dict() for v in guarded.verdicts]

    def record(fresh: Case) -> None:
        fresh.record_explanation(
            explainer=guarded.explainer,
            text=guarded.summary,  # placeholders, not personal values, go in the log
            summary={"action": guarded.action},
            claims=[c.model_dump(mode="json") for c in guarded.claims],
            verdicts=verdicts,
            fallback_reason=guarded.fallback_reason,
            actor=SYSTEM.name.replace("orchestrator", "explainer"),
            role=SYSTEM.role,
        )

    ctx.log.update(case.id, record)
    return _view(guarded)


def _view(guarded: GuardedExplanation) -> ExplanationView:
    # Inert for display: a refusal's reason may quote the refused text.
    return ExplanationView(
        guarded.explainer,
        plain(guarded.text),
        guarded.status,
        plain(guarded.fallback_reason) if guarded.fallback_reason else None,
        [VerdictView(v.rule, v.outcome, plain(v.detail)) for v in guarded.verdicts],
    )


def _case_request(ctx: Context, case: Case) -> ExplanationRequest:
    opened = ctx.opened(case.id)
    champion = next(
        (e for e in ctx.log.events_of(case.id) if isinstance(e, Case.Scored) and not e.shadow),
        None,
    )
    p_bad = case.p_bad if case.p_bad is not None else 0.5
    rec = case.state.recommendation
    spec = spec_at(ctx, case.domain, rec.policy_version) if rec else None
    reasons = () if rec is None or spec is None else policy_reasons(
        spec, action=rec.action, p_bad=p_bad, source=rec.source, explored=rec.explored,
        ood=bool(case.ood),
    )
    return _request(
        get_pack(case.domain),
        opened.input,
        personal={k: str(v) for k, v in opened.personal.items()},
        note=opened.note,
        p_bad=p_bad,
        action=case.recommendation or case.escalate_action or "",
        expected_costs=case.expected_costs,
        attributions=champion.attributions if champion else {},
        ood=bool(case.ood),
        reasons=reasons,
    )


def recorded_explanation(ctx: Context, case_id: str) -> ExplanationView | None:
    ctx.sync()
    row = queries.latest_explanation(ctx.views, str(case_id))
    if row is None:
        return None
    verdicts = [
        VerdictView(v["rule"], v["outcome"], plain(v.get("detail", "")))
        for v in json.loads(row["verdicts"] or "[]")
    ]
    # Personal values are restored locally for display, never stored in the log.
    opened = ctx.opened(case_uuid(case_id))
    prepared = prepare_input({k: str(v) for k, v in opened.personal.items()}, None)
    return ExplanationView(
        row["explainer"],
        plain(prepared.pseudonyms.restore(row["text"])),
        "fallback" if row["fallback_reason"] else "pass",
        plain(row["fallback_reason"]) if row["fallback_reason"] else None,
        verdicts,
    )


def explain_draft(ctx: Context, domain: str, raw: Mapping[str, Any]) -> DraftView:
    """Explain an unrecorded case behind the guardrails; also return what left the machine."""
    from assistant.explainers.llm import build_messages  # loads the LLM prompt code lazily

    state = ctx.domain(domain)
    [assessment] = state.orchestrator.assess_batch([raw])
    if assessment.input is None:
        raise InputRejected(list(assessment.problems))
    request = _assessment_request(state, assessment)
    guarded = explain_guarded(request, explainer_from_env())
    prepared = prepare_input(dict(request.personal), request.note, note_model())
    sanitised = request.model_copy(update={"personal": prepared.personal, "note": prepared.note})
    outbound = "\n".join(m["content"] for m in build_messages(sanitised))
    return DraftView(
        explanation=_view(guarded),
        stored_text=guarded.summary,
        outbound_prompt=outbound,
        note_flagged=any(v.outcome == "flagged" for v in prepared.verdicts),
    )


def _assessment_request(state: Domain, assessment: Assessment) -> ExplanationRequest:
    case_input, rec, source = assessment.decided()
    score = assessment.score
    p_bad = score.p_bad if score else rec.p_bad
    ood = bool(assessment.ood.flag) if assessment.ood else False
    return _request(
        state.pack,
        case_input.values,
        personal=dict(case_input.personal),
        note=case_input.note,
        p_bad=p_bad,
        action=rec.action,
        expected_costs=rec.expected_costs,
        attributions=score.attributions if score else {},
        ood=ood,
        reasons=policy_reasons(state.spec, action=rec.action, p_bad=p_bad, source=source,
                               explored=rec.explored, ood=ood),
    )


def screen_note(note: str) -> list[VerdictView]:
    """The input guardrails' verdicts on an applicant note (injection, personal data)."""
    prepared = prepare_input({}, note, note_model())
    return [VerdictView(v.rule, v.outcome, v.detail) for v in prepared.verdicts]


def _request(
    pack: DomainPack,
    values: Mapping[str, Any],
    *,
    personal: Mapping[str, str],
    note: str | None,
    p_bad: float,
    action: str,
    expected_costs: Mapping[str, float],
    attributions: Mapping[str, float],
    ood: bool,
    reasons: tuple[PolicyReason, ...],
) -> ExplanationRequest:
    """What an explainer is asked: the case's model features and the decision's facts
    (``reasons``: why the policy chose the action, as kinds and numbers, never its
    sentences)."""
    features = {k: v for k, v in values.items() if k in pack.features}
    return ExplanationRequest(
        domain=pack.name,
        features=features,
        feature_descriptions={k: _label(pack.describe(k)) for k in features},
        p_bad=p_bad,
        recommended_action=action,
        expected_costs=dict(expected_costs),
        attributions=dict(attributions),
        ood=ood,
        policy_reasons=reasons,
        personal=dict(personal),
        note=note,
        actions=list(pack.actions),
        case_word=pack.words.case,
        subject_word=pack.words.subject,
        note_word=pack.words.note,
        risk_event=pack.words.risk_event,
        lexicon=pack.words.lexicon,
    )


def _label(description: str) -> str:
    """A field's name for prose: its description without allowed ranges or trailing detail.

    Ranges such as "(1-120)" are schema, not facts about the case, so an explanation must
    not repeat them (the output guardrails would rightly reject unexplained numbers).
    """
    first = re.split(r"[.;]", description, maxsplit=1)[0]
    without_numbers = re.sub(r"\s*\([^)]*\d[^)]*\)", "", first)
    return re.sub(r",?\s*[<>]=?\s*\d[\d.,]*$", "", without_numbers).strip() or description
