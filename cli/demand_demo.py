"""``docket demo --domain demand``: a store seeded with real hours of Capital Bikeshare demand.

Through the service like any front end: a champion quantile model (trained and registered
if the store has none, about a minute), the last ``cases`` hours of 2011 opened as cases for
the queue, and the week before them recorded as past orders that followed the policy, each
with the demand that really happened, so ``docket quality demand`` has something to show.
The model is trained on the whole year, so these hours are in its training data: a
demonstration, not a measurement (``docket figures demand`` is the held-out one).
Idempotent: running it twice opens nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.domains.demand import make_pack
from assistant.domains.demand.sample import case_ref
from assistant.views import Accept
from cli.demo import DEMO_SYSTEM, HISTORY_OPERATOR, acting_as

if TYPE_CHECKING:
    from assistant.service import DocketService

DOMAIN = "demand"
WEEK = 168


def seed_demand_demo(
    service: DocketService,
    *,
    cases: int = 48,
    history: int = WEEK,
    progress: Callable[[int, int], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """Seed ``service``'s store with demand hours; return a short summary (``on_step``
    hears of each step, as in :func:`cli.demo.seed_demo`)."""
    step = on_step or (lambda text: None)
    lines: list[str] = []
    if not any(m.status == "champion" for m in service.models(DOMAIN)):
        step("training the quantile model (first run only)")
        with acting_as(service, DEMO_SYSTEM):
            lines += service.train(DOMAIN, on_step=on_step)
    h = make_pack().history
    cases = max(1, min(cases, len(h) // 2))
    history = max(0, min(history, len(h) - cases))
    start = len(h) - cases - history

    def hour(i: int) -> dict[str, Any]:
        return {**h.rows[i], "case_ref": case_ref(h.rows[i])}

    queue = service.ingest(DOMAIN, [hour(i) for i in range(len(h) - cases, len(h))],
                           progress=progress)
    step(f"opening {history} past hours and recording what was ordered and sold")
    past = service.ingest(DOMAIN, [hour(i) for i in range(start, start + history)])
    demand = {case_ref(h.rows[i]): h.demand[i] for i in range(start, start + history)}
    decided = 0
    with acting_as(service, HISTORY_OPERATOR):
        for case_id in past.opened:
            case = service.case(case_id)
            if case.recommendation != "order":  # escalated hours wait for a senior
                continue
            service.decide(case_id, Accept())
            service.record_outcome(case_id, str(demand[case.case_ref]), datetime.now(UTC),
                                   source="data set")
            decided += 1
    lines.append(f"opened {len(queue.opened)} hour(s) for the queue "
                 f"({len(queue.duplicates)} already there)")
    lines.append(f"recorded {decided} past order(s) with the demand that happened")
    lines.append(f"store: {service.status().store_url}")
    return lines
