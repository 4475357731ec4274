"""The command line of honest decision quality: exploration, propensities in audits,
observed-only quality with off-policy estimates."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from assistant.views import Accept, Override
from tests.cli.test_cli import Docket, Rows, docket, seeded  # noqa: F401 - fixtures

__all__ = ["docket", "seeded"]


def test_owner_turns_exploration_on_and_every_audit_shows_the_propensities(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    docket.seed([])
    changed = docket.set_policy("--explore", "0.25", "--max-regret", "1.0",
                                "--justification", "measure what declining costs")  # fmt: skip
    assert changed.exit_code == 0, changed.output
    shown = docket("policy")
    assert "exploration: 25% of cases" in shown.output
    refused = docket("policy", "set", "--explore", "0.9", "--justification", "x",
                     role="risk_owner")
    assert refused.exit_code == 1 and "--explore: must be" in refused.output
    ids = docket.seed(credit_rows(60))

    audits = [json.loads(docket("audit", case_id, "--json").stdout) for case_id in ids.values()]

    recs = [a["state"]["recommendation"] for a in audits]
    assert all(r["propensities"][r["action"]] > 0 for r in recs)
    assert all(r["propensity_source"] == "logged" for r in recs)
    assert any(r["explored"] for r in recs)
    explored = next(i for i, r in zip(ids.values(), recs, strict=True) if r["explored"])
    text = docket("audit", explored).output
    assert "EXPLORATION CASE" in text and "propensities:" in text


def test_an_audit_says_why_the_recommendation_is_not_the_cheapest_action(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    # A case in the policy's uncertainty band is escalated although approving costs less in
    # expectation: the audit must give the policy's reason, not leave the operator guessing.
    ids = docket.seed(credit_rows(60))
    dearer = 0
    for case_id in ids.values():
        rec = json.loads(docket("audit", case_id, "--json").stdout)["state"]["recommendation"]
        text = docket("audit", case_id).output
        assert "why: " + "; ".join(rec["reasons"]) in text
        costs = rec["expected_costs"]
        if costs[rec["action"]] > min(costs.values()):
            dearer += 1
            assert "uncertainty band" in text or "exploration" in text, text
    assert dearer > 0  # the 60 real rows hold such cases


def test_quality_prints_and_gives_as_json_what_each_figure_rests_on(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    docket.seed([])
    docket.set_policy("--explore", "0.2", "--max-regret", "5",
                      "--justification", "support every case")
    ids = docket.seed(credit_rows(60))
    data = credit_rows(60)
    with docket.service("ana", "operator") as service:
        truth = {r["case_ref"]: service.dataset("credit")[i][service.label_field("credit")]
                 for i, r in enumerate(data)}
        for ref, case_id in ids.items():
            rec = service.case(case_id).recommendation
            if rec == "escalate":
                continue
            service.decide(case_id, Accept())
            if service.reveals_outcome("credit", rec):
                service.record_outcome(case_id, truth[ref], datetime.now(UTC))

    text = docket("quality")
    as_json = docket("quality", "--json")

    assert text.exit_code == 0, text.output
    assert "nobody can observe" in text.output and "doubly robust" in text.output
    assert "naive realized cost" in text.output
    # Two naive figures that differ must say why (a user read them as a contradiction).
    assert "prices each row's chances of every action instead" in text.output
    found = json.loads(as_json.stdout)["off_policy"]
    assert found["n_unobservable"] > 0 and found["n_observed"] > 0
    for e in found["estimates"]:
        for key in ("naive", "ips", "dr"):
            assert {"estimate", "low", "high"} <= set(e[key])
    assert "calibration by score band on" in text.output
    bands = json.loads(as_json.stdout)["calibration"]["bands"]
    assert sum(b["n"] for b in bands) == found["n_observed"]
    latest = json.loads(docket("quality", "--last", "5", "--json").stdout)["off_policy"]
    assert latest["n_decided"] == 5
    # Outcomes recorded on the day of the decision are not due under a 30-day delay: this
    # month's vintage is maturing and nothing is judged yet.
    monitored = docket("monitor", "--outcome-delay-days", "30")
    assert monitored.exit_code == 0, monitored.output
    month = datetime.now(UTC).strftime("%Y-%m")
    assert "arrived before they were due" in monitored.output
    assert f"vintage {month}: " in monitored.output and "maturing (judged from" in monitored.output


def test_backtest_compares_a_candidate_with_the_current_policy_on_the_log(
    docket: Docket, credit_rows: Rows, tmp_path: Path  # noqa: F811 - the fixture
) -> None:
    docket.seed([])
    docket.set_policy("--explore", "0.2", "--max-regret", "5",
                      "--justification", "support every case")
    ids = docket.seed(credit_rows(60))
    with docket.service("ana", "operator") as service:
        label = service.label_field("credit")
        data = service.dataset("credit")
        for ref, case_id in ids.items():
            rec = service.case(case_id).recommendation
            if rec == "escalate":
                continue
            service.decide(case_id, Accept())
            if service.reveals_outcome("credit", rec):
                service.record_outcome(case_id, data[int(ref.split("-")[1])][label],
                                       datetime.now(UTC))
    stricter = tmp_path / "stricter.json"
    stricter.write_text(json.dumps({"costs": {"approve": {"bad": 10}}}), encoding="utf-8")

    result = docket("backtest", "--policy", str(stricter))

    assert result.exit_code == 0, result.output
    logged = result.output.partition("on the logged decisions (off-policy estimates):")[2]
    assert "candidate" in logged and "policy v2" in logged
    assert "candidate - policy v2: naive" in logged and "dr " in logged


def test_weak_labels_are_gone(docket: Docket) -> None:  # noqa: F811 - the fixture
    result = docket("retrain", "credit", "--weak-labels", role="engineer")
    assert result.exit_code == 2 and "--weak-labels: no such option" in result.output


def test_docket_policy_shows_the_months_exploration_spending_against_the_cap(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    docket.seed([])
    changed = docket.set_policy("--explore", "0.3", "--max-regret", "5", "--monthly-budget", "1",
                                "--justification", "explore, but at most 1 a month")
    assert changed.exit_code == 0, changed.output
    assert "of 1.00 a month, 1.00 left" in docket("policy").output
    docket.seed(credit_rows(150))
    shown = docket("policy").output
    month = datetime.now(UTC).strftime("%Y-%m")
    found = re.search(rf"exploration budget: ([\d.]+) spent in {month} of 1.00 a month", shown)
    assert found and 0.5 < float(found.group(1)) <= 1.0, shown
    both = docket("policy", "set", "--monthly-budget", "1", "--no-monthly-budget",
                  "--justification", "x", role="risk_owner")
    assert both.exit_code == 2 and "not both" in both.output


def test_assess_previews_exploration_against_the_budget_left_and_records_nothing(
    docket: Docket, credit_rows: Rows, tmp_path: Path  # noqa: F811 - the fixture
) -> None:
    import csv

    docket.seed([])
    changed = docket.set_policy("--explore", "0.3", "--max-regret", "5", "--monthly-budget",
                                "1.5", "--justification", "a small monthly budget")  # fmt: skip
    assert changed.exit_code == 0, changed.output
    docket.seed(credit_rows(150))  # spends (nearly) the whole month's budget
    with docket.service() as service:
        spent_before = service.policy("credit").exploration_spent
        cases_before = sum(service.status().cases_by_status.values())
    assert 0 < spent_before <= 1.5
    rows = credit_rows(40, start=500)
    path = tmp_path / "preview.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    shown = docket("assess", str(path))

    assert shown.exit_code == 0, shown.output
    assert f"{1.5 - spent_before:.3f} of this month's exploration budget left" in shown.stdout
    lines = [line for line in shown.stdout.splitlines() if line.startswith("line ")]
    assert len(lines) == 40
    assert any("exploration paused until the month after" in line for line in lines)
    assert all("propensities" in line for line in lines)
    # A preview records nothing: no case opened, the log's ledger unchanged.
    with docket.service() as service:
        assert service.policy("credit").exploration_spent == spent_before
        assert sum(service.status().cases_by_status.values()) == cases_before


def test_quality_gives_the_range_whatever_the_unseen_outcomes_were(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    ids = docket.seed(credit_rows(40))
    overridden = 0
    with docket.service("ana", "operator") as service:
        label = service.label_field("credit")
        data = service.dataset("credit")
        for ref, case_id in ids.items():
            rec = service.case(case_id).recommendation
            if rec == "escalate":
                continue
            if rec == "approve" and overridden < 3:  # declined: these show no outcome
                service.decide(case_id, Override("decline", "model_disagreement", "gut"))
                overridden += 1
                continue
            service.decide(case_id, Accept())
            if service.reveals_outcome("credit", rec):
                service.record_outcome(case_id, data[int(ref.split("-")[1])][label],
                                       datetime.now(UTC))

    text = docket("quality")
    found = json.loads(docket("quality", "--json").stdout)["off_policy"]

    assert text.exit_code == 0, text.output
    bounds = found["bounds"]
    assert bounds["n_unseen"] == found["n_unobservable"] + found["n_awaiting_outcome"] > 0
    assert 0 <= bounds["low"] < bounds["high"]
    assert (f"whatever the unseen outcomes were, the decisions as logged cost between "
            f"{bounds['low']:.3f} and {bounds['high']:.3f} per case") in text.output
    assert [b["name"] for b in bounds["by_policy"]][1].startswith("policy v")
    # The overrides to decline are named: outcomes will never judge them.
    hidden = found["overridden_to_unseen"]
    assert (hidden["n"], hidden["actions"]) == (3, ["decline"])
    share = f"{hidden['share']:.0%} of the decided cases (3 of "
    assert share in text.output and "WARNING" in text.output
    assert any(share in w for w in found["warnings"])


def test_before_the_first_outcome_quality_gives_the_widest_range_and_says_no_outcomes_yet(
    docket: Docket, credit_rows: Rows  # noqa: F811 - the fixture
) -> None:
    """Decided cases, no outcome: the honest statement is every case at its best and at its
    worst. The JSON said 28 cases 'had no chance of an outcome' (the approvals only wait for
    theirs) and the warnings spoke of 'late ones like the early ones' with none arrived."""
    ids = docket.seed(credit_rows(30))
    approved = 0
    with docket.service("ana", "operator") as service:
        for case_id in ids.values():
            rec = service.case(case_id).recommendation
            if rec != "escalate":
                service.decide(case_id, Accept())
                approved += rec == "approve"
    assert approved, "no approval among the 30 cases"

    text = docket("quality")
    assert text.exit_code == 0, text.output
    assert "no outcomes yet: no cost can be estimated" in text.output
    assert "the decisions as logged cost between" in text.output
    assert "too few outcomes (0)" not in text.output and "no outcomes yet" in text.output
    assert "like the early ones" not in text.output
    assert f"{approved} outcome(s) awaited and none has arrived yet" in text.output

    data = json.loads(docket("quality", "--json").stdout)["off_policy"]
    assert data["no_outcomes_yet"] is True and data["n_observed"] == 0
    bounds = data["bounds"]
    assert bounds["n_unseen"] == bounds["n_cases"] == data["n_decided"]
    # Widest: each case at its best and at its worst action cost (credit: approve 0..5,
    # decline 0..1), so the low end is 0 and the high end is the share approved times 5
    # plus the share declined.
    n = bounds["n_cases"]
    assert bounds["low"] == 0.0
    assert abs(bounds["high"] - (5.0 * approved + (n - approved)) / n) < 1e-9
    for e in data["estimates"]:
        assert e["dr"]["status"] == "too_few_outcomes" and e["naive"] is None
        # the declined cases could never show one; the approvals only wait for theirs
        assert e["n_unsupported"] == n - approved
