"""The demand pack from the command line: ingest hours, order another quantity with a reason,
bring realised demand back, read quality in cost units; and the backtest behind README's
figure never trains on its test month."""

from __future__ import annotations

import csv
import functools
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.domains import get_quantity_pack
from assistant.specialists.quantile import TreeSettings
from assistant.specialists.quantile_backtest import backtest
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.conftest import demand_rows, register_demand_model


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_ingest_decide_outcomes_and_quality(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    # No pack named on an empty store with several installed: the sentence says how to name one.
    assert_clear_error(docket("quality"), "the installed packs are credit, demand",
                       "say which with --domain (e.g. --domain credit)")
    with docket.service() as service:
        register_demand_model(service)
    rows = demand_rows(12)
    hours = write_csv(tmp_path / "hours.csv", [raw for raw, _ in rows])
    result = docket("ingest", str(hours), "--domain", "demand")
    assert result.exit_code == 0, result.output
    assert "opened 12 case(s), quarantined 0 row(s)" in result.output

    with docket.service("auditor", "auditor") as service:
        found = {r.case_ref: r for r in service.queue().rows if r.domain == "demand"}
    ref = next(r for r, row in found.items() if row.recommendation == "order")
    case_id = found[ref].case_id
    recommended = docket.case(case_id).quantity.quantity

    refused = docket("decide", case_id, "--quantity", "-10", "--reason-code", "other",
                     "--reason", "no vans")
    assert_clear_error(refused, "quantity", "negative")
    # An action where a number is wanted: the sentence says which option gives the number.
    unnumbered = docket("decide", case_id, "--override", "order", "--reason-code", "other",
                        "--reason", "no vans")
    assert_clear_error(unnumbered, "quantity", "needs the number of bikes", "--quantity N")

    done = docket("decide", case_id, "--quantity", str(recommended + 15), "--reason-code",
                  "missing_information", "--reason", "a parade on the Mall")
    assert done.exit_code == 0, done.output
    assert f"order {recommended + 15} bikes" in done.output

    demand = dict((str(raw["case_ref"]), d) for raw, d in rows)[ref]
    observed = datetime.now(UTC).isoformat()
    outcomes = write_csv(tmp_path / "demand.csv", [
        {"case_ref": ref, "outcome": demand, "observed_at": observed},
        {"case_ref": ref, "outcome": "lots", "observed_at": observed},
    ])
    result = docket("outcomes", str(outcomes), "--domain", "demand")
    assert result.exit_code == 0, result.output
    assert "1 recorded" in result.output and "must be a number of bikes" in result.output

    result = docket("quality", "demand")
    assert result.exit_code == 0, result.output
    assert "1 decided hours with known demand" in result.output
    assert "baseline rule (seasonal naive)" in result.output and "fill rate" in result.output
    assert "overrides: 1" in result.output
    as_json = json.loads(docket("quality", "demand", "--json").output)
    assert as_json["cases"] == 1 and as_json["overrides"]["n"] == 1
    assert set(as_json["cost_per_case"]) == {"decided", "policy", "baseline"}


def test_the_backtest_trains_only_on_hours_before_each_test_month() -> None:
    pack = get_quantity_pack("demand")
    h = pack.history
    n = 5200  # January to early August: two short test months keep the test fast
    months = (("Jun", 152, 182), ("Jul", 182, 213))
    result = backtest(pack, h.rows[:n], h.demand[:n], h.hour_index[:n], pack.default_policy,
                      lag_field=pack.seasonal_field, months=months,
                      settings=TreeSettings(n_estimators=20, max_depth=3))
    first_june_hour = (152 - 1) * 24
    assert [f.month for f in result.folds] == ["Jun", "Jul"]
    lead = pack.shape.lead_time  # an order for June's first hour is placed before it
    assert result.folds[0].trained_hours == sum(i < first_june_hour - lead
                                                for i in h.hour_index[:n])
    assert result.folds[1].trained_hours > result.folds[0].trained_hours + 600
    for fold in result.folds:
        assert fold.policy_cost > 0 and fold.baseline_cost > 0
    table = "\n".join(result.lines())
    assert "mean ± sd over months" in table
    json.dumps([f.__dict__ for f in result.folds])  # plain numbers, printable


def test_backtest_previews_changed_economics(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    with docket.service() as service:
        register_demand_model(service)
    changed = tmp_path / "dearer.json"
    changed.write_text(json.dumps({"underage_cost": 6}), encoding="utf-8")
    result = docket("backtest", "--domain", "demand", "--policy", str(changed))
    assert result.exit_code == 0, result.output
    assert "policy v1" in result.output and "changed policy" in result.output
    assert "seasonal naive" in result.output and "held-out hours" in result.output
    impossible = tmp_path / "bad.json"
    impossible.write_text(json.dumps({"overage_cost": -1}), encoding="utf-8")
    assert_clear_error(docket("backtest", "--domain", "demand", "--policy", str(impossible)),
                       "overage_cost")


def test_the_demand_demo_seeds_a_queue_and_history_once(docket: Docket) -> None:  # noqa: F811
    from cli.quantity_demo import seed_quantity_demo

    with docket.service("ci", "engineer") as service:
        register_demand_model(service)  # a champion exists, so the demo does not train
        for who in (("docket/demo", "system"), ("demo-operator", "operator")):
            service.add_key(docket.people.key(*who))  # the demo's own people
        first = seed_quantity_demo(service, "demand", cases=6, history=24)
        again = seed_quantity_demo(service, "demand", cases=6, history=24)
        report = service.quantity_quality("demand")
    assert first[0] == "opened 6 hour(s) for the queue (0 already there)"
    assert again[0] == "opened 0 hour(s) for the queue (6 already there)"
    assert 0 < report.cases <= 24 and report.cases == int(first[1].split()[1])
    result = docket("cases")
    assert result.exit_code == 0 and "demand-" in result.output and "order " in result.output


def test_the_owner_changes_the_economics_with_four_eyes_and_a_preview(
    docket: Docket,  # noqa: F811
) -> None:
    with docket.service() as service:
        register_demand_model(service)
    owner = "operations_owner"
    proposed = docket("policy", "--domain", "demand", "set", "--shortage-cost", "6",
                      "--pack-size", "10", "--capacity", "900", "--justification",
                      "lost rentals cost more since the price rise", role=owner, operator="olga")
    assert proposed.exit_code == 0, proposed.output
    assert "proposed change #1 to the demand policy (still v1)" in proposed.output
    assert "backtest preview" in proposed.output and "changed policy" in proposed.output
    assert "seasonal naive" in proposed.output

    same = docket("policy", "--domain", "demand", "approve", "1", role=owner, operator="olga")
    assert same.exit_code != 0  # the proposer cannot approve their own change
    approved = docket("policy", "--domain", "demand", "approve", "1", role=owner,
                      operator="omar")
    assert approved.exit_code == 0, approved.output
    with docket.service("auditor", "auditor") as service:
        quantity = service.policy("demand").quantity
    assert quantity is not None
    assert (quantity["underage_cost"], quantity["step"], quantity["capacity"]) == (6.0, 10, 900)

    assert_clear_error(docket("policy", "--domain", "demand", "set", "--pack-size", "7",
                              "--justification", "odd vans", role=owner, operator="olga"),
                       "multiples of the pack size 7")
    assert_clear_error(docket("policy", "--domain", "demand", "set", "--band", "0.1", "0.2",
                              "--justification", "x", role=owner, operator="olga"),
                       "decides a quantity", code=2)
    assert_clear_error(docket("policy", "--domain", "credit", "set", "--capacity", "5",
                              "--justification", "x", role="risk_owner", operator="rita"),
                       "quantity packs", code=2)


def test_docket_domains_lists_credit_and_demand_with_their_decision_shapes(
    docket: Docket,  # noqa: F811
) -> None:
    result = docket("domains")
    assert result.exit_code == 0, result.output
    listed = {line.split()[0] for line in result.output.splitlines()
              if line and not line.startswith(" ")}
    assert {"credit", "demand"} <= listed
    assert "decision: yes/no: approve / decline, escalate with escalate" in result.output
    assert "decision: quantity: order " in result.output and " bikes per hour" in result.output


def test_models_says_a_quantile_models_evidence_and_status_an_emergency_stop(
    docket: Docket,  # noqa: F811
) -> None:
    with docket.service() as service:
        register_demand_model(service)
        [version] = [m.version for m in service.models("demand")]

    listed = docket("models", "--domain", "demand")
    assert listed.exit_code == 0, listed.output
    # One time-ordered hold-out, as its registration said: never "1-fold cross-validated".
    assert "cross-validated" not in listed.stdout.replace("not cross-validated", ""), listed.stdout
    assert re.search(r"validated on the last \d+ held-out hours \(cost per hour\)", listed.stdout)
    assert_clear_error(docket("models", "--domain", "dmand"), "dmand", "credit, demand")

    stopped = docket("models", "retire", version, "--reason", "forecasts drifted",
                     role="engineer", operator="erin")
    assert stopped.exit_code == 0, stopped.output
    status = docket("status").stdout
    assert re.search(r"demand: none \(erin \(engineer\) retired demand's champion .*baseline "
                     r"rules decide.*forecasts drifted\)", status), status


def next_year_hours(n: int) -> list[tuple[dict[str, object], int]]:
    """``n`` January hours standing in for 2012's, which the pack's file does not hold: 2011's
    real January hours with last week's rentals taken from 2011's last week of December and,
    as what then happened, 2011's rentals 10% up plus one (no reported figure rests on them)."""
    h = get_quantity_pack("demand").history
    out = []
    for row, rented, december in zip(h.rows[:n], h.demand[:n], h.demand[-168:], strict=False):
        out.append(({**row, "case_ref": f"y2d{row['day']:03d}h{row['hr']:02d}",
                     "bikers_same_hour_last_week": december}, round(rented * 1.1) + 1))
    return out


def test_assess_previews_an_hours_quantiles_order_and_why(
        docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    """`docket assess` refused a quantity pack in one sentence."""
    with docket.service() as service:
        register_demand_model(service)
    rows = [raw for raw, _ in demand_rows(2)]
    result = docket("assess", str(write_csv(tmp_path / "hours.csv", rows)))
    out = result.output
    assert result.exit_code == 0, out
    assert "demand: a preview, recording nothing; policy v1: best order is the 0.80 quantile "\
           "of predicted demand (short 4, spare 1 per bike)" in out, out
    assert re.search(r"on its 336 held-out hours \(trained only on earlier ones\) the share of "
                     r"demand at or below each predicted quantile was 0\.05 \d+%, .*0\.95 \d+%; "
                     r"pinball loss [\d.]+ bikes", out), out
    ref = rows[0]["case_ref"]
    assert re.search(rf"line 2 \({ref}\): order \d+ bikes \(model; expected cost [\d.]+; "
                     r"seasonal naive: \d+ bikes\)", out), out
    assert re.search(r"predicted demand \(bikes\): 0\.05 \d+ \| 0\.25 \d+ \| 0\.5 \d+ \| "
                     r"0\.8 \d+ \| 0\.95 \d+", out), out
    assert "why: best order is the 0.80 quantile of predicted demand" in out
    with docket.service("auditor", "auditor") as service:
        assert not [r for r in service.queue().rows if r.domain == "demand"]


def test_retrain_compares_the_challenger_with_the_champion_on_held_out_hours(
        docket: Docket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """`docket retrain demand` refused a quantity pack ("`docket train` it again")."""
    import assistant.specialists.quantile_training as training

    small = functools.partial(training.train_quantiles,
                              settings=TreeSettings(n_estimators=15, max_depth=3))
    monkeypatch.setattr(training, "train_quantiles", small)  # the recipe, smaller and faster
    with docket.service() as service:
        register_demand_model(service)
        champion = service.models("demand")[0].version
    hours = next_year_hours(48)
    assert docket("ingest", str(write_csv(tmp_path / "h.csv", [r for r, _ in hours])),
                  "--domain", "demand").exit_code == 0
    with docket.service("auditor", "auditor") as service:
        cases = [r for r in service.queue().rows if r.domain == "demand"]
    for row in cases:
        assert docket("decide", row.case_id, "--escalate" if row.recommendation != "order"
                      else "--accept", *(("--reason", "wide") if row.recommendation != "order"
                                         else ())).exit_code == 0
    now = datetime.now(UTC).isoformat()
    recorded = docket("outcomes", str(write_csv(tmp_path / "d.csv", [
        {"case_ref": raw["case_ref"], "outcome": d, "observed_at": now} for raw, d in hours])),
        "--domain", "demand")
    assert recorded.exit_code == 0, recorded.output
    result = docket("retrain", "demand", role="engineer", operator="eng")
    out = result.output
    assert result.exit_code == 0, out
    assert "+ 48 recorded hours with known demand beyond it" in out, out
    challenger = re.findall(r"(demand-gbq-\w+): registered", out)[0]
    assert "compared on the 48 held-out hours neither model trained on" in out, out
    for role, version in (("challenger", challenger), ("champion", champion)):
        assert re.search(rf"  {role} {version}: pinball loss [\d.]+ bikes, 0\.05-0\.95 "
                         r"interval held \d+ of 48", out), out
    assert "pinball loss, challenger minus champion" in out
    with docket.service() as service:
        status = {m.version: m.status for m in service.models("demand")}
        evidence = next(m.card for m in service.models("demand")
                        if m.version == challenger)["evidence"]
    assert status == {champion: "champion", challenger: "shadow"}
    assert evidence["compared"] == 48 and evidence["champion_version"] == champion
    assert 0 <= evidence["challenger"]["interval_held"] <= 48
