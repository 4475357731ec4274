"""Deciding: the operator's decision on a case, and later what actually happened.

One decision wins: the Case aggregate refuses a second one (optimistic concurrency in
the log), naming who decided first and when.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime

from assistant.domains import is_quantity_pack
from assistant.evaluation.observation import outcome_refusal
from assistant.usecases import reading
from assistant.usecases.checks import require_plain
from assistant.usecases.context import Context, Who
from assistant.usecases.domains import words_of
from assistant.views import Accept, CaseDetail, Decision, Escalate, Override
from events.domain import Case
from events.errors import FieldProblem, InputRejected


def decide(ctx: Context, case_id: str, decision: Decision) -> CaseDetail:
    """Record the acting operator's decision.

    Raises:
        AlreadyDecided: someone decided first (names who and when).
        NotAuthorised: e.g. a non-senior deciding an escalated case.
        InputRejected: an override without reason text, or without a reason code the
            case's pack declares.
    """
    if isinstance(decision, Override | Escalate):
        require_plain("reason_text", decision.reason_text)
    scope = ExitStack()

    def apply(case: Case) -> None:
        # Decided in the case's own roles: an escalated case by its senior, otherwise by its
        # operator (a key holding several packs' roles, no role named, uses this pack's).
        duty = case.deciding_roles[-1:] if case.status == "escalated" else case.deciding_roles
        scope.enter_context(ctx.in_pack_role(duty))
        who = ctx.who
        if isinstance(decision, Accept):
            case.accept(**who)
        elif (isinstance(decision, Override) and decision.action == case.escalate_action
              and decision.quantity is None):
            # Choosing the pack's escalation action in an override form means: send it
            # to a senior reviewer.
            case.escalate(reason_text=decision.reason_text, **who)
        elif isinstance(decision, Override) and is_quantity_pack(case.domain):
            _check_reason_code(case.domain, decision.reason_code)
            _override_order(ctx, case, decision, who)
        elif isinstance(decision, Override):
            if decision.quantity is not None:  # a number for a yes/no decision
                raise InputRejected([FieldProblem(
                    "quantity", f"{case.case_ref or case_id} is a yes/no decision, not a "
                                "quantity: override it with another action (--override ACTION)")])
            _check_reason_code(case.domain, decision.reason_code)
            case.override(
                action=decision.action,
                reason_code=decision.reason_code,
                reason_text=decision.reason_text,
                **who,
            )
        elif isinstance(decision, Escalate):
            case.escalate(reason_text=decision.reason_text, **who)

    uid = ctx.resolve(case_id)
    with scope:  # the acting role is restored once the decision is saved
        ctx.sync([ctx.log.update(uid, apply)])  # the read models take the decided state
    return reading.case(ctx, str(uid))


def _check_reason_code(domain: str, code: str) -> None:
    """Refuse a reason code the case's pack does not declare (the log checks only a code's
    form: which codes exist is the pack's word)."""
    codes = words_of(domain).reason_codes
    if code not in codes:
        given = f"{code[:40]!r} is not" if code else "choose"
        raise InputRejected([FieldProblem(
            "reason_code", f"{given} one of the {domain} pack's reason codes: "
                           f"{', '.join(codes)} (see `docket reasons --domain {domain}`)")])


def _override_order(ctx: Context, case: Case, decision: Override, who: Who) -> None:
    """Order another quantity: it must be one the policy allows (pack size, limits)."""
    policy = ctx.quantity_domain(case.domain).policy
    quantity = decision.quantity
    if quantity is None:
        raise InputRejected([FieldProblem("quantity", f"an override of an order needs the "
                                                      f"number of {policy.unit} to order "
                                                      "(--quantity N)")])
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InputRejected([FieldProblem("quantity", f"must be a whole number of "
                                                      f"{policy.unit}, got {quantity!r}")])
    problem = policy.feasible(quantity)
    if problem:
        raise InputRejected([FieldProblem("quantity", problem)])
    case.override(action=policy.order_action, reason_code=decision.reason_code,
                  reason_text=decision.reason_text, quantity=quantity, **who)


def record_outcome(
    ctx: Context, case_id: str, outcome: str, observed_at: datetime, *, source: str = "manual"
) -> None:
    """Record what actually happened to a decided case (possibly much later).

    Raises:
        InputRejected: the case's final action does not reveal outcomes (e.g. a declined
            loan), or not this one (a discharge shows a malignancy, never a benign mass),
            and ``source`` is not an outside one (``outside:NAME``), or the outcome was
            observed before the decision.
    """
    scope = ExitStack()

    def record(case: Case) -> None:
        scope.enter_context(ctx.in_pack_role(case.deciding_roles))  # as its operator
        who = ctx.who
        if is_quantity_pack(case.domain):  # the outcome is a number, e.g. demand
            try:
                value = float(outcome)
            except ValueError as exc:
                raise InputRejected([FieldProblem(
                    "outcome", f"must be a number, got {outcome[:40]!r}")]) from exc
            case.record_demand(value=value, observed_at=observed_at.isoformat(), source=source,
                               **who)
            return
        problem = outcome_refusal(ctx.pack(case.domain), case.decided_action, source, outcome)
        if problem is not None:
            named = case.case_ref or str(case.id)
            raise InputRejected([FieldProblem("source", f"case {named}: {problem}")])
        case.record_outcome(outcome=outcome, observed_at=observed_at.isoformat(),
                            source=source, **who)

    with scope:
        ctx.log.update(ctx.resolve(case_id), record)
