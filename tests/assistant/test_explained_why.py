"""Explanations of real cases say why the policy recommends a dearer action than the
cheapest, from the policy's kind of reason and numbers, never its sentences."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import ServiceFactory

Rows = Callable[..., list[dict[str, Any]]]

EMAIL = "erika.mustermann@example.org"
NOTE = f"Write to {EMAIL} or call +49 30 1234567; I am Erika Mustermann."


def test_real_cases_escalated_in_the_band_are_explained_with_the_band(
    open_service: ServiceFactory, credit_rows: Rows
) -> None:
    service = open_service()
    rows = credit_rows(60)
    opened = service.ingest("credit", rows).opened
    dearer = []
    for case_id in opened:
        detail = service.case(case_id)
        costs = detail.expected_costs
        assert detail.recommendation is not None and detail.p_bad is not None
        if costs[detail.recommendation] <= min(costs.values()):
            continue
        dearer.append(detail.case_ref)
        view = service.explain(case_id)
        # The template's new numbers are the case's: no refusal, no fallback.
        assert view.status == "pass" and view.explainer.startswith("template"), view.verdicts
        cheapest = min(costs, key=costs.__getitem__)
        assert (f"rather than the cheaper {cheapest} because the estimated probability "
                f"{detail.p_bad:.3f} lies in its uncertainty band 0.140 to 0.200 around the "
                "break-even 0.167.") in view.text
    assert dearer  # the 60 real rows hold such cases

    # The same case explained live (what would leave the machine for an LLM): the reason is a
    # kind and the policy's numbers; the applicant's note and personal data stay out of it.
    row = next(r for r in rows if r["case_ref"] == dearer[0])
    draft = service.explain_draft("credit", {**row, "case_ref": "draft", "email": EMAIL,
                                             "applicant_note": NOTE})
    assert "around the break-even 0.167" in draft.explanation.text
    case = json.loads(draft.outbound_prompt.split("Case:\n", 1)[1].split("\n\n", 1)[0])
    assert case["policy_reasons"] == [
        {"kind": "uncertainty_band", "band": [0.14, 0.2], "break_even": 1 / 6}]
    for private in (EMAIL, "1234567", "Mustermann"):
        assert private not in draft.outbound_prompt
