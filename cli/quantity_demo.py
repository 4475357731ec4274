"""``docket demo --domain NAME`` for any quantity pack: a store seeded from the pack's history.

Through the service like any front end, from nothing but the pack's declaration: a champion
quantile model (trained and registered if the store has none), the last ``cases`` periods of
its shipped history opened as cases for the queue, and the season before them (its
``season_length``) recorded as past decisions that followed the policy, each with what then
turned out to be needed, so ``docket quality NAME`` has something to show. The model is
trained on the whole history, so these periods are in its training data: a demonstration, not
a measurement (``docket figures NAME`` is the held-out one). The demo's people are named by
the pack's roles (``demo-<role>``). Idempotent: running it twice opens nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from assistant.domains import get_quantity_pack
from assistant.domains.samples import sample_cases
from assistant.views import Accept, Identity
from cli.demo import DEMO_SYSTEM, acting_as

if TYPE_CHECKING:
    from assistant.service import DocketService


def demo_people(domain: str) -> dict[str, tuple[str, ...]]:
    """The quantity demo's people, one per deciding, owning and engineering role the pack
    declares."""
    pack = get_quantity_pack(domain)
    roles = dict.fromkeys((pack.operator_role, pack.senior_role, pack.owner_role,
                           pack.engineer_role))
    return {DEMO_SYSTEM.name: (DEMO_SYSTEM.role,), **{f"demo-{r}": (r,) for r in roles}}


def seed_quantity_demo(
    service: DocketService,
    domain: str,
    *,
    cases: int = 48,
    history: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """Seed ``service``'s store with ``domain``'s periods; return a short summary
    (``on_step`` hears of each step, as in :func:`cli.demo.seed_demo`). ``history``
    defaults to one season of the pack."""
    pack = get_quantity_pack(domain)
    words, said = pack.words, pack.quantity_words
    step = on_step or (lambda text: None)
    lines: list[str] = []
    if not any(m.status == "champion" for m in service.models(domain)):
        step("training the quantile model (first run only)")
        with acting_as(service, DEMO_SYSTEM):
            lines += service.train(domain, on_step=on_step)
    total = len(pack.history)
    cases = max(1, min(cases, total // 2))
    history = max(0, min(pack.season_length if history is None else history, total - cases))
    found = sample_cases(domain, cases + history)
    past_rows, queue_rows = found[:history], found[history:]

    # Opened by the demo's operator, in the pack's own operator role (as `docket ingest`
    # does), never in a role the pack does not declare.
    operator = Identity(f"demo-{pack.operator_role}", pack.operator_role)
    with acting_as(service, operator):
        queue = service.ingest(domain, [c.values for c in queue_rows], progress=progress)
        step(f"opening {history} past {words.cases} and recording what was {said.ordered} "
             f"and the {said.outcome}")
        past = service.ingest(domain, [c.values for c in past_rows])
    outcome = {c.case_ref: c.outcome for c in past_rows}
    decided = 0
    with acting_as(service, operator):
        for case_id in past.opened:
            case = service.case(case_id)
            if case.recommendation != pack.shape.order_action:  # sent up: waits for a senior
                continue
            service.decide(case_id, Accept())
            service.record_outcome(case_id, outcome[str(case.case_ref)], datetime.now(UTC),
                                   source="data set")
            decided += 1
    lines.append(f"opened {len(queue.opened)} {words.case}(s) for the queue "
                 f"({len(queue.duplicates)} already there)")
    lines.append(f"recorded {decided} past {said.orders} with the {said.outcome} that happened")
    lines.append(f"store: {service.status().store_url}")
    return lines


__all__ = ["demo_people", "seed_quantity_demo"]
