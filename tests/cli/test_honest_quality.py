"""The command line of honest decision quality: exploration, propensities in audits,
observed-only quality with off-policy estimates."""

from __future__ import annotations

import json

from tests.cli.test_cli import Docket, Rows, docket, seeded  # noqa: F401 - fixtures

__all__ = ["docket", "seeded"]


def test_owner_turns_exploration_on_and_every_audit_shows_the_propensities(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    docket.seed([])
    changed = docket(
        "policy", "set", "--explore", "0.25", "--max-regret", "1.0",
        "--justification", "measure what declining costs", role="risk_owner",
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    shown = docket("policy")
    assert "exploration: 25% of cases" in shown.output
    refused = docket("policy", "set", "--explore", "0.9", "--justification", "x",
                     role="risk_owner")
    assert refused.exit_code == 1 and "exploration" in refused.output
    ids = docket.seed(credit_rows(60))

    audits = [json.loads(docket("audit", case_id, "--json").stdout) for case_id in ids.values()]

    recs = [a["state"]["recommendation"] for a in audits]
    assert all(r["propensities"][r["action"]] > 0 for r in recs)
    assert all(r["propensity_source"] == "logged" for r in recs)
    assert any(r["explored"] for r in recs)
    explored = next(i for i, r in zip(ids.values(), recs, strict=True) if r["explored"])
    text = docket("audit", explored).output
    assert "EXPLORATION CASE" in text and "propensities:" in text
