"""Outcomes recorded in bulk: late, duplicate, conflicting and bad rows each reported, bad
rows quarantined as events with their problems.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from assistant.evaluation.observation import outcome_refusal
from assistant.monitoring.outcomes import OutcomeItem, named_cases, plan_outcomes
from assistant.usecases.case_records import unparseable
from assistant.usecases.checks import case_uuid
from assistant.usecases.context import Context
from events import queries
from events.domain import Case
from events.errors import FieldProblem


def record_outcomes(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, domain: str
) -> list[str]:
    """Record outcomes in bulk; late, duplicate, conflicting and bad rows are each reported.

    Rows name a case by ``case_id`` or ``case_ref``. Bad rows are quarantined (kept as
    events with their problems); conflicting outcomes are never overwritten.
    """
    ctx.sync()
    pack = ctx.pack(domain)
    plan = plan_outcomes(
        rows, queries.known_cases(ctx.views, domain, named_cases(rows)),
        now=datetime.now(UTC), outcomes=pack.outcomes,
        refusal=lambda action, source: outcome_refusal(pack, action, source),
    )  # fmt: skip
    who = ctx.who

    def change(item: OutcomeItem) -> tuple[UUID, Callable[[Case], None]]:
        assert item.case_id and item.outcome and item.observed_at
        outcome, observed, source = item.outcome, item.observed_at.isoformat(), item.source

        def record(case: Case) -> None:
            case.record_outcome(outcome=outcome, observed_at=observed, source=source, **who)

        return case_uuid(item.case_id), record

    # One transaction per batch of cases, not one per row.
    ctx.log.update_many(change(item) for item in plan.to_record)

    def raw(line: int) -> Mapping[str, Any]:
        return rows[line - 1] if 0 < line <= len(rows) else {}

    rejected = [i for i in plan.items if not i.will_record and i.kind != "duplicate"]
    quarantine = [
        Case.quarantine(
            domain=f"{domain}/outcomes",
            case_ref=i.case_ref or i.case_id,
            raw=dict(raw(i.line)),
            problems=unparseable(raw(i.line))
            or list(i.problems)
            or [FieldProblem("row", i.message)],
            **who,
        )
        for i in rejected
    ]
    unique = {q.id: q for q in quarantine}  # the same bad row twice is one record
    fresh = [q for q in unique.values() if not ctx.log.exists(q.id)]
    if fresh:
        ctx.log.save(*fresh)
    lines = [plan.summary()]
    for i in plan.items:
        if i.kind == "recorded":
            continue
        bad = unparseable(raw(i.line))
        lines.append(
            f"  row {i.line}: " + (f"invalid: {bad[0]}" if bad else f"{i.kind}: {i.message}")
        )
    return lines
