"""Deciding: the operator's decision on a case, and later what actually happened.

One decision wins: the Case aggregate refuses a second one (optimistic concurrency in
the log), naming who decided first and when.
"""

from __future__ import annotations

from datetime import datetime

from assistant.usecases import reading
from assistant.usecases.context import Context, case_uuid, require_plain
from assistant.views import Accept, CaseDetail, Decision, Escalate, Override
from events.domain import Case


def decide(ctx: Context, case_id: str, decision: Decision) -> CaseDetail:
    """Record the acting operator's decision.

    Raises:
        AlreadyDecided: someone decided first (names who and when).
        NotAuthorised: e.g. a non-senior deciding an escalated case.
        InputRejected: an override without reason code or text.
    """
    who = ctx.who
    if isinstance(decision, Override | Escalate):
        require_plain("reason_text", decision.reason_text)

    def apply(case: Case) -> None:
        if isinstance(decision, Accept):
            case.accept(**who)
        elif isinstance(decision, Override) and decision.action == case.escalate_action:
            # Choosing the pack's escalation action in an override form means: send it
            # to a senior reviewer.
            case.escalate(reason_text=decision.reason_text, **who)
        elif isinstance(decision, Override):
            case.override(
                action=decision.action,
                reason_code=decision.reason_code,
                reason_text=decision.reason_text,
                **who,
            )
        elif isinstance(decision, Escalate):
            case.escalate(reason_text=decision.reason_text, **who)

    ctx.log.update(case_uuid(case_id), apply)
    return reading.case(ctx, case_id)


def record_outcome(
    ctx: Context, case_id: str, outcome: str, observed_at: datetime, *, source: str = "manual"
) -> None:
    """Record what actually happened to a decided case (possibly much later)."""
    who = ctx.who
    ctx.log.update(
        case_uuid(case_id),
        lambda case: case.record_outcome(
            outcome=outcome, observed_at=observed_at.isoformat(), source=source, **who
        ),
    )
