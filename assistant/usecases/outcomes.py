"""Outcomes recorded in bulk: late, duplicate, conflicting and bad rows each reported, bad
rows quarantined as events with their problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from assistant.evaluation.observation import outcome_refusal
from assistant.monitoring.outcomes import OutcomeItem, named_cases, plan_outcomes
from assistant.usecases.case_records import unparseable
from assistant.usecases.checks import case_uuid
from assistant.usecases.context import Context, misnamed
from events import queries
from events.domain import Case
from events.errors import ConflictError, FieldProblem

#: Where a reported row is, by its 1-based number among the rows: ``row N`` unless the
#: caller knows better (``docket outcomes`` says the file's line, as ``ingest`` does).
RowPlace = Callable[[int], str]


def row_place(number: int) -> str:
    return f"row {number}"


#: Where the file reader located a record it could not read (its marker's ``__field__``):
#: the place, then the field when it named one.
_MARKED = re.compile(r"(header line|line \d+|item \d+|file)(?:, (.+))?")


def reported(item: OutcomeItem, raw: Mapping[str, Any], place: RowPlace) -> str:
    """One reported row, indented: ``  line 7: invalid: outcome: must be one of good, bad``;
    a record the file reader could not read is reported where the reader located it."""
    bad = unparseable(raw)
    if bad:
        marked = _MARKED.fullmatch(bad[0].field)
        if marked:
            field = f"{marked.group(2)}: " if marked.group(2) else ""
            return f"  {marked.group(1)}: invalid: {field}{bad[0].problem}"
        return f"  {place(item.line)}: invalid: {bad[0]}"
    return f"  {place(item.line)}: {item.kind}: {item.message}"


def numbered(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` each with its own 1-based ``line`` (its place among the rows), whatever a
    row of the file held under that name (a JSON row's own "line" must not move it)."""
    return [{**row, "line": number} for number, row in enumerate(rows, start=1)]


class _Misnamed(Exception):
    """A planned row's case carries another reference in the log than the read models gave
    it (:func:`record_planned`)."""


def record_planned(
    ctx: Context, items: Sequence[OutcomeItem], record: Callable[[OutcomeItem, Case], None]
) -> None:
    """``record(item, case)`` for every planned row, one transaction per batch of cases.

    The plan found each case in the read models, by the reference or id the row gave; each
    case is read from the log to record on it, and must carry the reference the plan knew it
    by. A file edited behind Docket to give a reference to another case would otherwise have
    the outcome recorded on that case, where nothing can tell it from a true one.

    Raises:
        ConflictError: a case the read models misname (nothing recorded from that row on:
            the rows before it stand); the read models were rebuilt from the log, with an
            alert, so running the command again records the rest on the right cases.
    """

    def change(item: OutcomeItem) -> tuple[UUID, Callable[[Case], None]]:
        assert item.case_id

        def checked(case: Case) -> None:
            if item.case_ref is not None and case.case_ref != item.case_ref:
                raise _Misnamed(misnamed(item.case_ref, case.id, case.case_ref))
            record(item, case)

        return case_uuid(item.case_id), checked

    try:
        ctx.log.update_many(change(item) for item in items)
    except _Misnamed as lie:
        ctx.rebuild_views(str(lie))
        raise ConflictError(
            f"{lie}: the read-model file was changed behind Docket and has been rebuilt from "
            "the log (a critical alert says so); nothing was recorded from that row on, so run "
            "the command again"
        ) from None


def record_outcomes(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, domain: str, place: RowPlace = row_place
) -> list[str]:
    """Record outcomes in bulk; late, duplicate, conflicting and bad rows are each reported,
    each at ``place(its number)``.

    Rows name a case by ``case_id`` or ``case_ref``. Bad rows are quarantined (kept as
    events with their problems); conflicting outcomes are never overwritten.
    """
    ctx.sync()
    pack = ctx.pack(domain)
    plan = plan_outcomes(
        numbered(rows), queries.known_cases(ctx.views, domain, named_cases(rows)),
        now=datetime.now(UTC), outcomes=pack.outcomes,
        refusal=lambda action, source, outcome: outcome_refusal(pack, action, source, outcome),
    )  # fmt: skip
    who = ctx.who

    def record(item: OutcomeItem, case: Case) -> None:
        assert item.outcome and item.observed_at
        case.record_outcome(outcome=item.outcome, observed_at=item.observed_at.isoformat(),
                            source=item.source, **who)  # fmt: skip

    record_planned(ctx, plan.to_record, record)

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
    lines += [reported(i, raw(i.line), place) for i in plan.items if i.kind != "recorded"]
    return lines
