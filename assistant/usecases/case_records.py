"""A case's events from its assessment, and bad input kept as a quarantine record.

What one row becomes in the log: a new Case carrying every step of its assessment (opened,
scored, fell back, recommended, input flagged) in one ``Assessed`` event, or a quarantine
record naming its problems.
Nothing here saves: intake saves the records of a batch in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.assessment import Assessment
from assistant.usecases.context import SYSTEM_WHO, Context, Domain, Who
from events.domain import Case
from events.domain.case_steps import (
    Step,
    fallback_step,
    flags_step,
    recommendation_step,
    score_step,
)
from events.errors import FieldProblem
from guardrails.plain_text import plain_text_problem, without_controls


def quarantine_record(
    ctx: Context, domain: str, raw: Mapping[str, Any], problems: Sequence[FieldProblem]
) -> Case:
    """Bad input kept as an event with its problems (never silently dropped)."""
    ref = raw.get("case_ref") if isinstance(raw, Mapping) else None
    # A reference that is not plain text stays in the raw input as evidence, but does not
    # name the record (it would show up in queues and audits as if it were a real one).
    if ref in (None, "") or plain_text_problem(str(ref)):
        ref = None
    return Case.quarantine(
        domain=domain,
        case_ref=str(ref) if ref is not None else None,
        raw=raw,
        problems=list(problems),
        **ctx.who,
    )


def unparseable(raw: Any) -> list[FieldProblem]:
    """The problem with a record the file reader could not read (``cli.files`` marks it
    with ``__unparseable__``: the evidence, ``__field__``: where, ``__error__``: why)."""
    if not isinstance(raw, Mapping) or "__unparseable__" not in raw:
        return []
    where = str(raw.get("__field__") or "line")
    why = raw.get("__error__")
    return [FieldProblem(where, str(why) if why else "could not be read")]


def new_case(
    state: Domain,
    assessment: Assessment,
    ref: str,
    opener: Who,
    policy_id: str,
    decision: dict[str, Any],
) -> Case:
    """The case with every step of its assessment, as one ``Assessed`` event (saved by the
    caller; readers see the steps as the events they stand for: ``Opened``, ``Scored`` ...).

    ``opener`` opens it (the acting identity); the service's own component records the
    steps. ``policy_id`` and ``decision`` are the same for a whole batch.
    """
    case_input = assessment.input
    assert case_input is not None
    who = SYSTEM_WHO
    _, recommendation, source = assessment.decided()
    ood_reasons = list(assessment.ood.reasons) if assessment.ood else []
    steps: list[Step] = [
        score_step(
            specialist=scored.specialist,
            model_version=scored.model_version,
            model_sha256=scored.model_sha256,
            p_bad=score.p_bad,
            attributions=dict(score.attributions),
            ood=bool(assessment.ood.flag) if assessment.ood else False,
            ood_score=float(assessment.ood.score) if assessment.ood else None,
            latency_ms=scored.latency_ms,
            shadow=scored.shadow,
            **who,
        )
        for scored, score in assessment.scored_runs
    ]
    if assessment.fallback_reason:
        steps.append(fallback_step(reason=assessment.fallback_reason, **who))
    steps.append(recommendation_step(
        action=recommendation.action,
        source=source,
        policy_id=policy_id,
        policy_version=state.policy_version,
        expected_costs=dict(recommendation.expected_costs),
        reasons=[*recommendation.reasons, *ood_reasons],
        ood_reasons=ood_reasons,
        propensities=dict(recommendation.propensities),
        explored=recommendation.explored,
        **who,
    ))  # fmt: skip
    # The note was screened before the policy (a flagged case is never explored); its
    # flags are recorded now, so the operator sees an injection attempt in the queue
    # before any explanation exists.
    if assessment.input_flags:
        steps.append(flags_step(flags=list(assessment.input_flags), **who))
    return Case.open(
        domain=state.pack.name,
        case_ref=ref,
        input=dict(case_input.values),
        personal=dict(case_input.personal),
        # Stored without terminal controls, bidi or zero-width characters: the scan
        # read the note as written (hidden characters are themselves a reason to flag).
        note=without_controls(case_input.note) if case_input.note else case_input.note,
        decision=decision,
        steps=steps,
        **opener,
    )
