"""Decision quality on what the log can show: decided cases from the read models
(:func:`events.queries.decision_rows`), each case's input and recommendation from its own
events, the naive figures beside the off-policy estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from assistant.evaluation.logged import (
    LoggedCase,
    OffPolicyReport,
    off_policy_report,
)
from assistant.monitoring.quality import QUALITY_WINDOW, QualityReport, quality_report
from assistant.policies import PolicySpec
from assistant.usecases.context import Context
from events import queries
from events.domain import Case


def decision_rows(
    ctx: Context, domain: str, limit: int | None = None, since: datetime | None = None
) -> list[dict[str, Any]]:
    """One row per decided case, as the monitoring functions expect (first-stage decision);
    ``limit``: the latest this many decided cases only; ``since``: decided since then."""
    ctx.sync()
    return queries.decision_rows(ctx.views, domain, limit,
                                 since.isoformat() if since is not None else None)


def quality(
    ctx: Context,
    domain: str,
    *,
    decisions: Sequence[dict[str, Any]] | None = None,
    candidates: Mapping[str, PolicySpec] | None = None,
    n_boot: int = 1000,
    last: int | None = QUALITY_WINDOW,
) -> QualityReport:
    """Decision quality on what the log can show.

    The naive part (operators, model, baseline on the outcomes recorded) is kept and
    labelled as such; ``off_policy`` holds the IPS, SNIPS and doubly-robust estimates of the
    operators, the current policy, the baseline rules and any ``candidates`` over every
    decided case (those awaiting their outcome as not seen yet), with what each figure rests
    on.

    ``decisions``: the rows of :func:`decision_rows`, if the caller already has them;
    otherwise the ``last`` decided cases (None: every one, which grows with the store).
    """
    state = ctx.domain(domain)
    every = [dict(r) for r in (
        decisions if decisions is not None else decision_rows(ctx, domain, last))]
    cases = [_logged_case(ctx, row) for row in every]
    rows = [dict(r) for r in every if r["outcome"]]
    for row in rows:  # what the baseline rules would have done, from the case's input
        action, _, _ = state.pack.baseline_rules(ctx.opened(row["case_id"]).input)
        row["baseline_action"] = action
    costs = {a: dict(c) for a, c in state.spec.costs.items()}
    naive = quality_report(rows, costs, review_cost=state.spec.review_cost)
    off = off_policy_report(
        cases, state.pack, state.spec, policy_version=state.policy_version,
        candidates=candidates, n_boot=n_boot,
    ) if cases else None  # fmt: skip
    return replace(naive, off_policy=off)


def off_policy(
    ctx: Context, domain: str, changes: Mapping[str, Any] | None = None
) -> OffPolicyReport | None:
    """The off-policy part of :func:`quality`, with the current policy changed by
    ``changes`` evaluated as the candidate."""
    state = ctx.domain(domain)
    candidates = {"candidate": state.spec.with_changes(changes)} if changes else None
    return quality(ctx, domain, candidates=candidates).off_policy


def logged_cases(ctx: Context, domain: str) -> list[LoggedCase]:
    """Every decided case as the off-policy estimators and retraining need it."""
    return [_logged_case(ctx, row) for row in decision_rows(ctx, domain)]


def _logged_case(ctx: Context, row: Mapping[str, Any]) -> LoggedCase:
    """One decided case as the off-policy estimators need it, from its events."""
    opened: Case.Opened | None = None
    rec: Case.Recommended | None = None
    p_risk: float | None = None
    ood, ood_reasons = False, tuple[str, ...]()
    source: str | None = None
    for event in ctx.log.events_of(row["case_id"]):
        if isinstance(event, Case.Opened):
            opened = event
        elif isinstance(event, Case.Scored) and not event.shadow:
            p_risk, ood = float(event.p_bad), bool(event.ood)
        elif isinstance(event, Case.Recommended):
            rec = event
            ood_reasons = tuple(event.ood_reasons)
        elif isinstance(event, Case.OutcomeRecorded):
            source = event.source
        elif isinstance(event, Case.FellBackToBaseline):
            p_risk = None
    assert opened is not None and rec is not None
    final = row["decided_action"]
    return LoggedCase(
        case_id=str(row["case_id"]),
        case_ref=opened.case_ref,
        operator=str(row.get("operator") or "unknown"),
        decision_kind=str(row["decision_kind"]),
        reason_code=row.get("reason_code"),
        recommended=rec.action,
        propensities=dict(rec.propensities),
        explored=bool(rec.explored),
        # Still with the senior: the escalation is no final action.
        final_action=final if final and final != opened.decision.get("escalate_action") else None,
        outcome=row["outcome"],
        outcome_source=source,
        p_risk=p_risk if rec.source == "model" else None,
        ood=ood or bool(ood_reasons),
        ood_reasons=ood_reasons,
        input=dict(opened.input),
        expected_costs=dict(rec.expected_costs),
    )
