"""The health screen with a handful of outcomes: no cost figure with an interval.

Below ten outcomes the off-policy estimates are withheld; the health screen then showed the
naive realized cost of the few approved cases that had one as "cost per case" with its "CI"
(three repaid loans: 0.000 [0.000, 0.000], a certainty from three outcomes, of approved cases
only). It now shows "too few outcomes" beside the range, as `docket quality` does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.views import Accept, QueueQuery
from tests.assistant.test_monitoring_service import applications
from tests.conftest import ServiceFactory


def test_three_outcomes_give_the_range_and_no_cost_figure(open_service: ServiceFactory) -> None:
    service = open_service()
    label = service.label_field("credit")
    truth = [row[label] for row in service.dataset("credit")[:40]]
    service.ingest("credit", applications(service, lambda r: True, "f")[:40])
    page = service.queue(QueueQuery(limit=100, order_by="case_ref"))
    recorded = 0
    for row in page.rows:
        if row.recommendation == "escalate":
            continue
        service.decide(row.case_id, Accept())
        outcome = truth[int(row.case_ref.split("-")[1])]
        if recorded < 3 and service.reveals_outcome("credit", row.recommendation) \
                and outcome == "good":
            service.record_outcome(row.case_id, outcome, datetime.now(UTC))
            recorded += 1
    assert recorded == 3
    health = service.health("credit")
    assert health.outcomes_known == 3
    assert health.realized_cost == {}, health.realized_cost  # no "0.000 [0.000, 0.000]"
    assert set(health.cost_range) == {"operators", "model", "baseline rules"}
    assert "too few outcomes" in health.cost_basis and "3 seen" in health.cost_basis

    from rich.console import Console

    from tui.screens.health import render_health

    console = Console(width=160, record=True)
    console.print(render_health(health))
    text = console.export_text()
    assert "too few outcomes" in text and "[0.000, 0.000]" not in text
