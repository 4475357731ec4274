"""`docket quality` with three outcomes: no interval that reads as certainty.

Three repaid loans gave the naive figures a bootstrap interval of width zero,
``0.000 [0.000, 0.000]``, in the table and in the realized-cost lines: a certainty from three
outcomes of approved cases only. Below the outcomes the estimates need, the naive figure is
printed without an interval, saying why."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.views import Accept
from tests.cli.test_cli import Docket, Rows, docket, seeded  # noqa: F401 - fixtures

__all__ = ["docket", "seeded"]


def test_three_outcomes_print_no_zero_width_interval(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    ids = docket.seed(credit_rows(40))
    recorded = 0
    with docket.service("ana", "operator") as service:
        label = service.label_field("credit")
        data = service.dataset("credit")
        for ref, case_id in ids.items():
            rec = service.case(case_id).recommendation
            if rec == "escalate":
                continue
            service.decide(case_id, Accept())
            outcome = data[int(ref.split("-")[1])][label]
            if recorded < 3 and service.reveals_outcome("credit", rec) and outcome == "good":
                service.record_outcome(case_id, outcome, datetime.now(UTC))
                recorded += 1
    assert recorded == 3

    text = docket("quality")
    assert text.exit_code == 0, text.output
    assert "too few outcomes (3)" in text.output
    assert "[0.000, 0.000]" not in text.output, text.output
    assert "0.000 (3 seen, no CI)" in text.output
    assert "n=3 (too few outcomes for an interval)" in text.output
