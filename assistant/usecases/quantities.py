"""The later steps of a "how much" decision: how one case reads, realised demand brought back
in bulk, and decision quality in cost units.

Orders are read from each case's own events (folded by :func:`events.audit.audit_case`);
the read models only say which cases are decided and have an outcome.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from assistant.domains import get_quantity_pack
from assistant.forecasting import QuantityAssessment
from assistant.monitoring.outcomes import OutcomeItem, OutcomePlan, named_cases, plan_outcomes
from assistant.monitoring.quantity_quality import OrderRow, QuantityQuality, quantity_quality
from assistant.policies.quantity import (
    OrderOutcomes,
    QuantityPolicy,
    cost_curve,
    expected_cost,
    replay_policy,
    singular,
)
from assistant.specialists.quantile_serving import QuantileSpecialist
from assistant.usecases.case_records import unparseable
from assistant.usecases.context import Context
from assistant.usecases.outcomes import RowPlace, numbered, record_planned, reported, row_place
from assistant.views import (
    OrderArmView,
    OrderBacktestView,
    QuantityAssessmentView,
    QuantityPreviewView,
    QuantityView,
)
from events import audit as audit_fold
from events import queries
from events.domain import Case
from events.domain.case_state import CaseState
from events.errors import FieldProblem, ModelError


def case_view(state: CaseState, policy: QuantityPolicy) -> QuantityView | None:
    """The quantity part of a case screen, or None for a case without an order; in the
    words of the case's pack."""
    rec = state.recommendation
    if rec is None or rec.quantity is None:
        return None
    levels = tuple(float(a) for a in rec.quantiles)
    values = tuple(float(v) for v in rec.quantiles.values())
    quantity = int(rec.quantity)
    base = rec.baseline_quantity
    decided = state.decided_quantity
    value = state.outcome.value if state.outcome else None
    demand = float(value) if value is not None else None
    pack = get_quantity_pack(state.domain)
    words = pack.quantity_words
    return QuantityView(
        unit=policy.unit, quantity=quantity,
        expected_cost=float(rec.expected_costs.get(policy.order_action, math.nan)),
        levels=levels, quantiles=values,
        curve=cost_curve(levels, values, policy, quantity) if levels else [],
        critical_fractile=policy.critical_fractile, underage_cost=policy.underage_cost,
        overage_cost=policy.overage_cost, step=policy.step, minimum_order=policy.minimum_order,
        capacity=policy.capacity, baseline_quantity=base,
        baseline_expected_cost=(expected_cost(base, levels, values, policy)
                                if levels and base is not None else None),
        decided=decided, demand=demand,
        realised_cost=(policy.loss(decided, demand)
                       if decided is not None and demand is not None else None),
        baseline_realised_cost=(policy.loss(base, demand)
                                if base is not None and demand is not None else None),
        outcome_word=words.outcome, order_word=words.order, ordered_word=words.ordered,
        baseline_rule=pack.baseline_rule,
    )  # fmt: skip


def record_demand(
    ctx: Context, rows: Sequence[Mapping[str, Any]], domain: str, place: RowPlace = row_place
) -> list[str]:
    """Record realised demand in bulk: rows name a case (``case_ref`` or ``case_id``) and give
    ``outcome`` (a number of units, >= 0) and ``observed_at``. Late, duplicate, conflicting
    and bad rows are each reported, each at ``place(its number)``; bad rows are
    quarantined; nothing is overwritten."""
    pack = get_quantity_pack(domain)
    unit = pack.shape.unit
    good: list[dict[str, Any]] = []
    bad: list[OutcomeItem] = []
    for copy in numbered(rows):
        column = "outcome" if "outcome" in copy else pack.shape.target  # as the file names it
        text = copy.get(column)
        number = _number(text)
        if text is not None and str(text).strip() and number is None:
            problem = FieldProblem(column, f"must be a number of {unit} (0 or more), "
                                              f"got {str(text)[:40]!r}")
            bad.append(OutcomeItem(copy["line"], "invalid", str(problem),
                                   _text(copy.get("case_id")), _text(copy.get("case_ref")),
                                   problems=(problem,)))
            continue
        if number is not None:
            copy["outcome"] = f"{number:g}"
        good.append(copy)
    ctx.sync()
    labels = sorted({str(r["outcome"]) for r in good if r.get("outcome") is not None})
    known = queries.known_cases(ctx.views, domain, named_cases(good))
    plan = plan_outcomes(good, known, now=datetime.now(UTC), outcomes=labels)
    items = sorted([*plan.items, *bad], key=lambda i: i.line)
    who = ctx.who

    def record(item: OutcomeItem, case: Case) -> None:
        assert item.outcome and item.observed_at
        case.record_demand(value=float(item.outcome), observed_at=item.observed_at.isoformat(),
                           source="bulk", **who)  # fmt: skip

    record_planned(ctx, plan.to_record, record)
    by_line = dict(enumerate(rows, start=1))
    rejected = [i for i in items if not i.will_record and i.kind != "duplicate"]
    quarantine = [
        Case.quarantine(
            domain=f"{domain}/outcomes", case_ref=i.case_ref or i.case_id,
            raw=dict(by_line.get(i.line, {})),
            problems=unparseable(by_line.get(i.line, {})) or list(i.problems)
            or [FieldProblem("row", i.message)],
            **who,
        )
        for i in rejected
    ]  # fmt: skip
    fresh = [q for q in quarantine if not ctx.log.exists(q.id)]
    if fresh:
        ctx.log.save(*fresh)
    lines = [OutcomePlan(tuple(items)).summary()]
    lines += [reported(i, by_line.get(i.line, {}), place) for i in items if i.kind != "recorded"]
    return lines


def quality(ctx: Context, domain: str) -> QuantityQuality:
    """Realised cost of what was ordered, of the policy's order and of the baseline rule."""
    policy = ctx.quantity_domain(domain).policy
    ctx.sync()
    rows: list[OrderRow] = []
    for known in queries.known_cases(ctx.views, domain):
        if known.decided_at is None or known.outcome is None:
            continue
        state = audit_fold.audit_case(ctx.log, known.case_id).case
        rec = state.recommendation if state is not None else None
        if state is None or rec is None or rec.quantity is None:
            continue
        decided = state.decided_quantity
        value = state.outcome.value if state.outcome else None
        if decided is None or value is None:
            continue
        base = rec.baseline_quantity
        rows.append(OrderRow(
            decided, int(rec.quantity), int(base if base is not None else rec.quantity),
            float(value), state.overridden,
        ))  # fmt: skip
    pack = get_quantity_pack(domain)
    return quantity_quality(domain, rows, policy, words=pack.quantity_words,
                            case=pack.words.case, cases=pack.words.cases)


def backtest(ctx: Context, domain: str, changes: Mapping[str, Any] | None = None) -> list[str]:
    """The current policy (and the changed one, if ``changes``) against seasonal naive, on
    the hours the champion's validation model never saw (kept with the artifact).

    Raises:
        ModelError: no champion, or one that kept no held-out predictions.
        InputRejected: ``changes`` make an impossible policy (each field named).
    """
    state = ctx.quantity_domain(domain)
    specialist = _champion(ctx, domain)
    saved = specialist.held_out()
    levels = [float(a) for a in saved["levels"]]
    args = (levels, saved["quantiles"], saved["demand"], saved["seasonal"])
    proposed = state.policy.with_changes(changes) if changes else None
    current, naive = replay_policy(*args, state.policy, f"policy v{state.policy_version}",
                                   priced_by=proposed)
    arms = [current]
    if proposed is not None:
        changed, naive = replay_policy(*args, proposed, "changed policy")
        arms.append(changed)
    arms.append(naive)
    unit = state.policy.unit
    words = get_quantity_pack(domain).words
    priced = " (each priced with the changed economics)" if proposed is not None else ""
    return [f"{domain}: {current.n} held-out {words.cases} of {specialist.version} (its "
            f"validation model never trained on them), realised cost per {words.case}{priced}:",
            *(f"  {arm.line(unit, words.case)}" for arm in arms)]


def _champion(ctx: Context, domain: str) -> QuantileSpecialist:
    state = ctx.quantity_domain(domain)
    if state.forecaster.specialist is None:
        raise ModelError(f"no champion model for {domain}: a backtest replays its held-out "
                         f"predictions ({state.forecaster.unavailable_reason})")
    return state.forecaster.specialist


def order_backtest(ctx: Context, domain: str) -> OrderBacktestView:
    """The current policy and seasonal naive on the champion's held-out hours, with the
    coverage and pinball loss of each predicted level there."""
    state = ctx.quantity_domain(domain)
    specialist = _champion(ctx, domain)
    saved = specialist.held_out()
    levels = [float(a) for a in saved["levels"]]
    mine, naive = replay_policy(levels, saved["quantiles"], saved["demand"], saved["seasonal"],
                                state.policy, f"policy v{state.policy_version}")
    demand = saved["demand"]
    coverage = {f"{a:g}": sum(d <= q[j] for q, d in zip(saved["quantiles"], demand, strict=True))
                / max(len(demand), 1) for j, a in enumerate(levels)}
    pinball = {f"{a:g}": sum(max(a * (d - q[j]), (a - 1) * (d - q[j]))
                             for q, d in zip(saved["quantiles"], demand, strict=True))
               / max(len(demand), 1) for j, a in enumerate(levels)}
    pack = get_quantity_pack(domain)
    return OrderBacktestView(specialist.version, state.policy.unit, _arm(mine), _arm(naive),
                             coverage, pinball, pack.words.cases, pack.quantity_words.outcome,
                             pack.quantity_words.order, pack.words.case)


def _arm(found: OrderOutcomes) -> OrderArmView:
    return OrderArmView(found.label, found.n, found.cost_per_case, found.fill_rate,
                        found.short_share, found.left_over, found.escalation_rate)


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def preview(ctx: Context, domain: str, raws: Sequence[Mapping[str, Any]]) -> QuantityPreviewView:
    """What the policy would recommend for each raw row, recording nothing: the predicted
    quantiles, the quantity and its expected cost, the baseline's quantity and the reasons;
    with the champion's calibration on its own held-out periods (from its card)."""
    state = ctx.quantity_domain(domain)
    forecaster, policy = state.forecaster, state.policy
    rows = [_assessed_view(found) for found in forecaster.assess_batch(list(raws))]
    spec = forecaster.specialist
    validation = dict(spec.card.get("validation") or {}) if spec is not None else {}
    pinball = validation.get("pinball") or {}
    return QuantityPreviewView(
        state.policy_version, policy.critical_fractile, policy.underage_cost,
        policy.overage_cost, spec.version if spec else None,
        None if spec else forecaster.unavailable_reason, int(validation.get("hours", 0)),
        {str(k): float(v) for k, v in (validation.get("coverage") or {}).items()},
        float(sum(pinball.values()) / len(pinball)) if pinball else None, rows,
        singular(policy.unit))


def _assessed_view(found: QuantityAssessment) -> QuantityAssessmentView:
    rec = found.recommendation
    if found.input is None or rec is None:
        return QuantityAssessmentView(None, None, None, {}, None, "rejected", [],
                                      [str(p) for p in found.problems])
    return QuantityAssessmentView(
        rec.action, rec.quantity, rec.expected_cost, dict(rec.quantiles), rec.baseline_quantity,
        rec.source, list(rec.reasons), [], bool(found.ood and found.ood.flag),
        found.fallback_reason)
