"""Intake for a "how much" pack: raw rows → cases with a forecast and a recommended order.

The same rules as :mod:`assistant.usecases.intake` (batches saved in one transaction, bad rows
quarantined with every problem named, re-ingesting is idempotent), with the quantity steps
(of one ``Assessed`` event): ``Forecast`` (the quantiles the champion predicted) and
``Recommended`` carrying the order, the quantiles it read and the baseline's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

from assistant.domains import get_quantity_pack
from assistant.forecasting import QuantityAssessment
from assistant.orchestrator import case_key
from assistant.usecases import case_records, intake
from assistant.usecases.context import SYSTEM_WHO, Context, QuantityDomain
from assistant.views import IngestReport
from events.domain import Case, Policy
from events.domain.case_steps import Step, fallback_step, forecast_step, recommendation_step
from events.errors import FieldProblem


def ingest(
    ctx: Context,
    domain: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Open a case per good row (forecast, order) and quarantine each bad one."""
    state = ctx.quantity_domain(domain)
    total = len(rows) if isinstance(rows, Sized) else 0
    opened: list[str] = []
    rejected: list[tuple[int, str]] = []
    duplicates: list[int] = []
    problems_by_row: dict[int, list[FieldProblem]] = {}
    start = 0
    for chunk in intake.batched(rows, intake.INGEST_BATCH):
        batch: list[tuple[int, Case]] = []
        quarantined: list[Case] = []
        seen: set[Any] = set()
        for offset, (raw, found) in enumerate(
            zip(chunk, state.forecaster.assess_batch(chunk), strict=True)
        ):
            number = start + offset + 1
            if found.input is None:
                problems = case_records.unparseable(raw) or list(found.problems)
                record = case_records.quarantine_record(ctx, domain, raw, problems)
                if record.id not in seen:
                    quarantined.append(record)
                    seen.add(record.id)
                problems_by_row[number] = problems
                rejected.append((number, "; ".join(str(p) for p in problems)))
                continue
            ref = case_key(found.input)
            if Case.id_for(domain, ref) in seen:
                duplicates.append(number)
                continue
            seen.add(Case.id_for(domain, ref))
            batch.append((number, _new_case(ctx, state, found, ref)))
        saved = intake._save_new(ctx, batch, quarantined, duplicates)
        opened += [str(case.id) for case in saved]
        start += len(chunk)
        ctx.sync(saved)  # the read models take the saved cases' states as they are
        if progress:
            progress(start, total)
    return IngestReport(opened, rejected, duplicates, problems_by_row,
                        opened_count=len(opened), duplicate_count=len(duplicates))


def _new_case(ctx: Context, state: QuantityDomain, found: QuantityAssessment, ref: str) -> Case:
    """The case with its whole assessment (forecast, fallback, recommendation) as one
    ``Assessed`` event: the steps are recorded by the service's own component."""
    assert found.input is not None and found.recommendation is not None
    who = SYSTEM_WHO
    policy, rec = state.policy, found.recommendation
    pack = get_quantity_pack(found.domain)
    ood_reasons = list(found.ood.reasons) if found.ood and found.ood.flag else []
    steps: list[Step] = []
    if found.quantiles and found.model_version:
        steps.append(forecast_step(
            specialist="gbq", model_version=found.model_version,
            model_sha256=found.model_sha256, levels=list(found.levels),
            quantiles=list(found.quantiles), ood=bool(found.ood and found.ood.flag),
            ood_score=float(found.ood.score) if found.ood else None,
            latency_ms=found.latency_ms.get("predict", 0.0), **who,
        ))  # fmt: skip
    if found.fallback_reason:
        steps.append(fallback_step(reason=found.fallback_reason, **who))
    # The escalation row costs what the order it holds back would: no review cost is declared.
    costs = {policy.order_action: rec.expected_cost, policy.escalate_action: rec.expected_cost}
    steps.append(recommendation_step(
        action=rec.action, source=rec.source, policy_id=str(Policy.id_for(found.domain)),
        policy_version=state.policy_version, expected_costs=costs, reasons=list(rec.reasons),
        ood_reasons=ood_reasons, quantity=rec.quantity, quantiles=dict(rec.quantiles),
        baseline_quantity=rec.baseline_quantity, **who,
    ))  # fmt: skip
    return Case.open(domain=found.domain, case_ref=ref, input=dict(found.input.values),
                     decision=pack.shape.case_record(pack.roles),
                     steps=steps, **ctx.who)  # fmt: skip

