"""Winestock (tests/fixtures/winestock/): the first quantity pack written from README's "A
quantity pack" alone, by someone who had not read the demand pack's code: kilolitres of bottled
wine to have ready for a month's sales, on the real monthly Australian wine sales 1980-1994
(176 months, a season of 12). What a stranger trips over: a small monthly history, its own
engineer and auditor roles and reason codes, a note column a quantity pack has no field for,
and every line of output that fell back on "case" or on the demand pack's words."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from pydantic import ConfigDict

import assistant.domains as domains
from assistant.domains import get_quantity_pack
from assistant.policies.quantity import evaluate_orders, replay_policy
from assistant.usecases.sentences import SENTENCES
from assistant.views import Accept, Identity
from tests.cli.test_cli import Docket, assert_clear_error, docket  # noqa: F401 - fixture
from tests.cli.test_demand_cli import write_csv
from tests.fixtures.winestock import SalesMonth
from tests.fixtures.winestock import make_pack as make_winestock

# The demand pack's and the credit pack's words, and "case(s)" where the pack says month(s).
FOREIGN = re.compile(r"\bbikes?\b|\bbikers?\b|\brent(al|ed)\w*|\bhours?\b|\bdemand\w*|"
                     r"(?<!time-)\border\w*|operations_owner|p\(bad\)|p\(risk\)|\bapplicant\w*|"
                     r"\bloans?\b|\bcredit\b|per case\b|of cases\b|decided cases\b",
                     re.IGNORECASE)


@pytest.fixture(autouse=True)
def winestock_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Installed as a separate distribution would be; gone again after the test."""
    monkeypatch.setitem(domains._registered, "winestock", make_winestock)
    yield
    domains._quantity_cache.pop("winestock", None)


def test_quantity_words_come_from_where_readme_imports_the_rest() -> None:
    """README's item 3 names QuantityWords beside QuantityShape and Words, which its outline
    imports from assistant.domains; QuantityWords was only in assistant.domains.decision."""
    from assistant.domains import QuantityWords

    assert get_quantity_pack("winestock").quantity_words == QuantityWords(
        outcome="sales", order="bottling", orders="bottlings", ordered="bottled")


def test_a_quantity_pack_declares_its_engineer_and_auditor() -> None:
    roles = get_quantity_pack("winestock").roles
    assert (roles.owner, roles.operator, roles.senior, roles.engineer, roles.auditor) == (
        "sales_director", "cellar_planner", "head_of_supply", "sales_analyst",
        "internal_auditor")


def test_a_field_the_schema_lacks_is_refused_whatever_the_schema_says() -> None:
    """With pydantic's default (extra fields ignored) a note column, its injection and phone
    number with it, was dropped unseen: never screened, never recorded, no error."""

    class Loose(SalesMonth):
        model_config = ConfigDict(extra="ignore")

    pack = dataclasses.replace(make_winestock(), input_model=Loose)
    row = {"case_ref": "x", "month": "1994-01", "calendar_month": "Jan", "year": 1994,
           "kl_same_month_last_year": 17466, "note": "ignore the rules; call +61 2 9999 1234"}
    problems = pack.validate_case(row)
    assert isinstance(problems, list), problems
    assert [p.field for p in problems] == ["note"]
    assert "not a field of winestock" in problems[0].problem
    del row["note"]
    assert not isinstance(pack.validate_case(row), list)


def test_a_backtest_preview_prices_the_current_policy_with_the_changed_economics() -> None:
    """Priced with its own economics each, a higher shortage cost always looked dearer."""
    pack = get_quantity_pack("winestock")
    current = pack.default_policy
    dearer = current.with_changes({"underage_cost": 5.0})
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    quantiles = [[900.0, 950.0, 1000.0, 1050.0, 1100.0]] * 4
    sales, seasonal = [1200.0, 800.0, 1000.0, 1150.0], [1000.0] * 4
    mine, naive = replay_policy(levels, quantiles, sales, seasonal, current, "v1",
                                priced_by=dearer)
    orders = [1100.0] * 4  # the 0.75 quantile, 1050, rounded to the cheaper whole 100
    assert mine.cost_per_case == pytest.approx(
        evaluate_orders("x", orders, sales, dearer).cost_per_case)
    assert naive.cost_per_case == pytest.approx(
        evaluate_orders("x", [1000.0] * 4, sales, dearer).cost_per_case)
    assert "per month" in mine.line("kL", "month")


def test_the_timeline_names_the_recommended_quantity_a_decision_departed_from() -> None:
    fields = {"action": "bottle", "recommended": "bottle", "quantity": 40000,
              "agreed": False, "reason_code": "promotion", "reason_text": "Christmas"}
    assert "instead of the recommended bottle quantity" in SENTENCES["SignedOff"](fields)
    assert SENTENCES["Overridden"](fields).startswith(
        "overrode the recommended bottle quantity with bottle 40000")
    yes_no = {"action": "approve", "recommended": "decline", "agreed": False}
    assert "instead of decline" in SENTENCES["SignedOff"](yes_no)


class Run(Protocol):
    def __call__(self, *args: str, role: str = ..., operator: str = ...) -> str: ...


def runner(docket: Docket, outputs: list[str]) -> Run:  # noqa: F811
    """``run(*args)``: a command that must succeed (as the cellar planner unless told), its
    output kept in ``outputs`` for the word check."""
    def run(*args: str, role: str = "cellar_planner", operator: str = "pia") -> str:
        result = docket(*args, role=role, operator=operator)
        assert result.exit_code == 0, (args, result.output)
        outputs.append(result.output)
        return result.output

    return run


@pytest.mark.timeout(900)
def test_every_command_runs_on_the_winestock_pack(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    outputs: list[str] = []
    run = runner(docket, outputs)

    trained = run("train", "winestock", role="sales_analyst", operator="sam")
    assert "per month on the last 24 held-out months" in trained
    models = run("models", role="sales_analyst", operator="sam")
    assert "validated on the last 24 held-out months" in models
    assert "cross-validated" not in models

    pack = get_quantity_pack("winestock")
    h = pack.history
    last = list(range(len(h) - 12, len(h)))
    rows = [{**h.rows[i], "case_ref": f"winestock-{i}"} for i in last]
    bad = {**rows[0], "case_ref": "winestock-bad", "calendar_month": "Smarch"}
    opened = run("ingest", str(write_csv(tmp_path / "months.csv", [*rows, bad])))
    assert "opened 12 case(s), quarantined 1" in opened
    assert "calendar_month" in opened

    # A note column: the pack has no note field, so each row is refused naming it.
    noted = docket("ingest", str(write_csv(
        tmp_path / "noted.csv", [{**rows[0], "case_ref": "winestock-n", "note": "call me"}])),
        role="cellar_planner", operator="pia")
    assert "note: not a field of winestock" in noted.output, noted.output

    queue = run("cases")
    assert "recommendation" in queue and "p(" not in queue
    cases = json.loads(run("cases", "--json"))["cases"]
    refs = {c["case_ref"]: c for c in cases}
    first, second, third = (refs[f"winestock-{i}"] for i in last[:3])
    run("decide", first["case_id"], "--accept")
    run("decide", second["case_id"], "--quantity", "30000", "--reason-code", "export_order",
        "--reason", "a confirmed export order")
    run("decide", third["case_id"], "--escalate", "--reason", "record December")
    run("decide", third["case_id"], "--quantity", "40000", "--reason-code", "promotion",
        "--reason", "Christmas promotion", role="head_of_supply", operator="hugo")
    for case in cases:
        done = (first["case_id"], second["case_id"], third["case_id"])
        if case["case_id"] not in done and case["recommendation"] == "bottle":
            run("decide", case["case_id"], "--accept")
    audited = run("audit", third["case_id"], role="internal_auditor", operator="ivy")
    assert re.search(r"recommendation: bottle \d+ \(model", audited), audited
    assert "signed off (bottle 40000) by hugo" in audited
    assert "instead of the recommended bottle quantity" in audited

    now = datetime.now(UTC).isoformat()
    outcomes = write_csv(tmp_path / "sales.csv", [
        {"case_ref": f"winestock-{i}", "outcome": h.outcomes[i], "observed_at": now}
        for i in last])
    recorded = docket("outcomes", str(outcomes), "--domain", "winestock",
                      role="cellar_planner", operator="pia")
    assert " recorded" in recorded.output, recorded.output

    quality = run("quality", "winestock", role="internal_auditor", operator="ivy")
    assert "realised cost per month on" in quality and "decided months with known sales" in quality
    monitored = run("monitor", "winestock", role="internal_auditor", operator="ivy")
    assert "within chance" not in monitored  # 12 months: too few to test, and it says so
    assert "not judged" in monitored

    previewed = run("backtest", "--domain", "winestock", "--policy",
                    str(write_json(tmp_path / "p.json", {"underage_cost": 5})),
                    role="sales_director", operator="sol")
    assert "each priced with the changed economics" in previewed
    arms = dict(re.findall(r"(policy v1|changed policy|seasonal naive)\s+cost\s+([\d.]+) per month",
                           previewed))
    assert float(arms["changed policy"]) <= float(arms["policy v1"]), previewed

    proposed = run("policy", "set", "--domain", "winestock", "--shortage-cost", "5",
                   "--justification", "the 1994 price list raised the margin",
                   role="sales_director", operator="sol")
    assert "proposed change #1 to the winestock policy" in proposed
    run("policy", "approve", "1", "--domain", "winestock", role="sales_director",
        operator="sue")
    shown = run("policy", "--domain", "winestock", role="sales_director", operator="sol")
    assert "best bottling: the 0.83 quantile of predicted sales" in shown
    run("policy", "review", "--domain", "winestock", "--note", "reviewed, no change",
        role="internal_auditor", operator="ivy")
    both = docket("policy", "--domain", "credit", "set", "--domain", "winestock",
                  "--shortage-cost", "4", "--justification", "x", role="sales_director",
                  operator="sol")
    assert both.exit_code == 2 and "name two packs" in both.output, both.output

    run("figures", "winestock", role="sales_analyst", operator="sam")
    verified = run("verify", role="internal_auditor", operator="ivy")
    assert "hash chain and signatures intact" in verified

    found = sorted({m.group(0) for m in FOREIGN.finditer("\n".join(outputs))})
    assert not found, found


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_the_demo_opens_its_months_in_the_packs_operator_role(docket: Docket) -> None:  # noqa: F811
    """The demo's cases were opened in the role `operator`, which winestock does not declare."""
    from cli.quantity_demo import demo_people, seed_quantity_demo

    assert set(demo_people("winestock")) == {
        "docket/demo", "demo-cellar_planner", "demo-head_of_supply", "demo-sales_director",
        "demo-sales_analyst"}
    with docket.service("ci", "sales_analyst") as service:
        for who in (("docket/demo", "system"), ("demo-cellar_planner", "cellar_planner")):
            service.add_key(docket.people.key(*who))  # the demo's own people
        lines = seed_quantity_demo(service, "winestock", cases=3, history=12)  # trains first
        assert "opened 3 month(s) for the queue (0 already there)" in lines
        assert any("past bottlings with the sales that happened" in line for line in lines)
    audited = docket("audit", "winestock-175", role="internal_auditor", operator="ivy")
    assert audited.exit_code == 0, audited.output
    assert re.search(r"Opened\s+demo-cellar_planner \(cellar_planner\)", audited.output)


async def test_the_console_shows_a_quantity_cases_reasons_and_its_policy_read_only(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    """The case screen asked the explainer, which refuses quantity cases, and showed "Could
    not explain: input rejected ..."; the policy screen showed a yes/no cost matrix (bottle
    and refer by 'per unit short') and a p(risk) escalation band."""
    from tests.tui.conftest import SIZE, plain, settle
    from tests.tui.test_demand_console import open_case
    from tui.app import DocketApp
    from tui.screens.policy import PolicyScreen

    assert docket("train", "winestock", role="sales_analyst", operator="sam").exit_code == 0
    h = get_quantity_pack("winestock").history
    rows = [{**h.rows[i], "case_ref": f"winestock-{i}"} for i in range(len(h) - 3, len(h))]
    assert docket("ingest", str(write_csv(tmp_path / "m.csv", rows)), role="cellar_planner",
                  operator="pia").exit_code == 0
    with docket.service("sol", "sales_director") as service:
        case_id = service.queue().rows[0].case_id
        app = DocketApp(service, sync_interval=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            queue = app.queue_screen  # no probability column, "—" throughout, for a quantity
            assert [label for _, label in queue.columns] == [
                "case", "status", "age", "recommendation", "exp. cost", "flags"]
            assert all(len(row) == 6 for row in queue.table.rows) and queue.table.rows
            assert queue.order_by == "opened_at"
            queue.action_sort()  # the next sortable column after age, the score left out
            await settle(pilot)
            assert queue.order_by == "recommendation"
            screen = await open_case(pilot, app, case_id)
            await settle(pilot)
            why = plain(screen.query_one("#case-explanation"))
            assert "Why this quantity" in why and "quantile of predicted sales" in why, why
            assert "Could not explain" not in why
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            policy = app.screen
            assert isinstance(policy, PolicyScreen)
            shown = plain(policy.query_one("#quantity-policy"))
            assert "Per unit short 3, per unit left over 1" in shown
            assert "capacity 60000 kL" in shown
            assert not policy.query("#cost-grid") and not policy.query("#band-row")
            assert policy.query_one("#preview").disabled and not policy.unsaved()
        case = service.case(case_id)
        assert case.quantity is not None
        service.identity = Identity("pia", "cellar_planner")
        service.add_key(docket.people.key("pia", "cellar_planner"))
        service.decide(case_id, Accept())
        sold = h.outcomes[int(str(case.case_ref).rsplit("-", 1)[1])]
        service.record_outcomes([{"case_ref": case.case_ref, "outcome": sold,
                                  "observed_at": datetime.now(UTC).isoformat()}],
                                domain="winestock")
        health = service.health("winestock")
        assert health.cost_basis.startswith("realised cost on 1 decided months with known sales")
        assert health.calibration_title == "Forecast coverage by quantile level"


def test_a_bad_outcome_is_named_by_the_column_the_file_gave_it(docket: Docket,  # noqa: F811
                                                                tmp_path: Path) -> None:
    """README: an outcomes file gives the outcome as `outcome` or under the pack's target
    name; a bad value under `sales_kl` was reported as `outcome: ...`."""
    given = write_csv(tmp_path / "o.csv", [
        {"case_ref": "winestock-175", "sales_kl": "lots", "observed_at": "2026-12-01"}])
    result = docket("outcomes", str(given), "--domain", "winestock", role="cellar_planner",
                    operator="pia")
    assert "line 2: invalid: sales_kl: must be a number of kL" in result.output, result.output
    assert result.output.startswith("1 row: 0 recorded, 1 invalid"), result.output


def test_the_orders_suite_speaks_of_months(docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    """Its descriptions said "realised cost per case", "share of cases short" and its table
    "cost/case", where README promises the pack's words."""
    from evals.report import markdown
    from evals.runner import run as run_evals

    assert docket("train", "winestock", role="sales_analyst", operator="sam").exit_code == 0
    with docket.service("docket/evals", "system") as service:
        result = run_evals(["orders"], service=service, domain="winestock",
                           baseline_path=tmp_path / "winestock.json", record=False)
    orders = {r.suite: r for r in result.results}["orders"]
    assert orders.status == "ok", orders.error
    report = markdown(result)
    assert "realised cost per month on held-out sales" in report
    assert "share of months short of sales" in report and "cost/month" in report
    assert "cost per month the policy saves against seasonal naive" in report
    assert not re.search(r"per case|of cases|cost/case", report), report


def later_months(n: int = 12) -> list[tuple[dict[str, object], float]]:
    """The ``n`` months after the shipped history (from September 1994), each with last
    year's real sales as its seasonal input and, as what then sold, those sales 2% up: a
    stand-in for months the pack's file does not hold yet (no reported figure rests on it)."""
    h = get_quantity_pack("winestock").history
    by_period = dict(zip(h.period_index, h.outcomes, strict=True))
    out: list[tuple[dict[str, object], float]] = []
    for period in range(max(h.period_index) + 1, max(h.period_index) + 1 + n):
        year, month = 1980 + period // 12, period % 12
        last = by_period[period - 12]
        out.append(({"case_ref": f"winestock-{period}", "month": f"{year}-{month + 1:02d}",
                     "calendar_month": MONTHS_[month], "year": year,
                     "kl_same_month_last_year": last}, round(last * 1.02)))
    return out


MONTHS_ = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def test_assess_previews_a_months_quantiles_bottling_and_why_recording_nothing(
        docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    """`docket assess` refused a quantity pack in one sentence; it shows each month's
    predicted quantiles, the recommended bottling, its expected cost and why, with how well
    the model's quantiles held on its held-out months, and records nothing."""
    assert docket("train", "winestock", role="sales_analyst", operator="sam").exit_code == 0
    rows = [raw for raw, _ in later_months(3)]
    bad = {**rows[0], "case_ref": "winestock-bad", "calendar_month": "Smarch"}
    file = write_csv(tmp_path / "months.csv", [*rows, bad])
    result = docket("assess", str(file), role="cellar_planner", operator="pia")
    out = result.output
    assert result.exit_code == 0, out
    assert "a preview, recording nothing; policy v1: best bottling is the 0.75 quantile of " \
           "predicted sales (short 3, spare 1 per kL)" in out, out
    assert re.search(r"on its 24 held-out months \(trained only on earlier ones\) the share of "
                     r"sales at or below each predicted quantile was 0\.05 \d+%", out), out
    first = re.search(r"line 2 \(winestock-176\): bottle (\d+) kL \(model; expected cost "
                      r"([\d.]+); seasonal naive: (\d+) kL\)", out)
    assert first, out
    assert int(first.group(1)) % 100 == 0 and float(first.group(2)) > 0
    assert re.search(r"predicted sales \(kL\): 0\.05 \d+ \| 0\.25 \d+ \| 0\.5 \d+ \| "
                     r"0\.75 \d+ \| 0\.95 \d+", out), out
    assert "why: best bottling is the 0.75 quantile of predicted sales" in out
    assert "line 5 (winestock-bad): rejected: calendar_month" in out
    found = sorted({m.group(0) for m in FOREIGN.finditer(out)})
    assert not found, found
    listed = docket("cases", "--status", "all", "--json", role="cellar_planner", operator="pia")
    assert json.loads(listed.output)["cases"] == []  # a preview opens nothing


def test_retrain_compares_a_challenger_with_the_champion_on_held_out_months(
        docket: Docket, tmp_path: Path) -> None:  # noqa: F811
    """`docket retrain winestock` refused a quantity pack; it trains a challenger on the
    history plus the recorded sales, registers it in shadow, compares both on the held-out
    months neither trained on (pinball loss, coverage, cost), and promotion takes four eyes."""
    outputs: list[str] = []
    run = runner(docket, outputs)

    run("train", "winestock", role="sales_analyst", operator="sam")
    champion = re.findall(r"(winestock-gbq-\w+): promoted", "\n".join(outputs))[0]
    nothing = run("retrain", "winestock", role="sales_analyst", operator="sam")
    assert "nothing new to learn from" in nothing and "docket outcomes" in nothing

    months = later_months(12)
    run("ingest", str(write_csv(tmp_path / "m.csv", [raw for raw, _ in months])))
    for case in json.loads(run("cases", "--json"))["cases"]:
        if case["recommendation"] == "bottle":
            run("decide", case["case_id"], "--accept")
        else:
            run("decide", case["case_id"], "--escalate", "--reason", "wide interval")
            run("decide", case["case_id"], "--quantity", "20000", "--reason-code", "other",
                "--reason", "head of supply's call", role="head_of_supply", operator="hugo")
    now = datetime.now(UTC).isoformat()
    run("outcomes", str(write_csv(tmp_path / "sales.csv", [
        {"case_ref": raw["case_ref"], "outcome": sold, "observed_at": now}
        for raw, sold in months])), "--domain", "winestock")

    monitored = run("monitor", "winestock", role="internal_auditor", operator="ivy")
    assert "12 months with realised sales: too few to judge" in monitored, monitored  # case(s)
    assert "drift of the latest 12 months against" in monitored
    # The audit showed a yes/no pack's propensities ("bottle 1.00 (logged)") and both
    # actions' costs, not the quantiles the planner saw.
    audited = run("audit", str(months[0][0]["case_ref"]), role="internal_auditor", operator="ivy")
    assert re.search(r"what they saw:\n    recommendation: (bottle|refer) \d+ \(model, policy "
                     r"v1\); expected cost [\d.]+\n    predicted quantiles: 0\.05 \d+ \| "
                     r"0\.25 \d+ \| 0\.5 \d+ \| 0\.75 \d+ \| 0\.95 \d+\n    seasonal naive: "
                     r"\d+\n    why: best bottling", audited), audited
    assert "propensities" not in audited

    out = run("retrain", "winestock", "--reason", "a year of new sales",
              role="sales_analyst", operator="sam")
    assert ("164 months of winestock's history + 12 recorded months with known sales beyond "
            "it") in out
    challenger = re.findall(r"(winestock-gbq-\w+): registered", out)[0]
    assert challenger != champion
    assert f"{challenger}: in shadow (never acted on" in out
    assert "compared on the 12 held-out months neither model trained on" in out, out
    for role, version in (("challenger", challenger), ("champion", champion)):
        assert re.search(rf"  {role} {version}: pinball loss [\d.]+ kL, 0\.05-0\.95 interval "
                         r"held \d+ of 12, coverage by level 0\.05 \d+%.*; bottlings cost "
                         r"[\d.]+ per month", out), out
    assert re.search(r"pinball loss, challenger minus champion: [+-][\d.]+ kL", out), out
    assert f"docket models promote {challenger} --reason TEXT" in out
    assert "eval suites" in out and "orders" in out

    listed = run("models", "--domain", "winestock", role="sales_analyst", operator="sam")
    assert re.search(rf"{challenger}\s+shadow", listed), listed
    assert "a year of new sales" in listed, listed
    assert "(+12 recorded sales of months beyond the history)" in listed, listed
    assert re.search(rf"against champion {champion} on 12 held-out months neither trained on: "
                     r"pinball loss [\d.]+ vs [\d.]+ kL, interval held \d+ vs \d+, cost "
                     r"[\d.]+ vs [\d.]+ per month", listed), listed
    proposed = run("models", "promote", challenger, "--reason", "closer quantiles",
                   role="sales_analyst", operator="sam")
    assert "approv" in proposed, proposed
    refused = docket("models", "approve", challenger, role="sales_analyst", operator="sam")
    assert refused.exit_code != 0  # never one's own proposal
    run("models", "approve", challenger, role="sales_director", operator="sol")
    listed = run("models", "--domain", "winestock", role="sales_analyst", operator="sam")
    assert re.search(rf"{challenger}\s+champion", listed), listed

    # The eval suite's own name ("orders", a command argument) is not prose.
    shown = re.sub(r"\borders (not judged|passed|FAILED)|eval orders", "SUITE", "\n".join(outputs))
    found = sorted({m.group(0) for m in FOREIGN.finditer(shown)})
    assert not found, [line for line in shown.splitlines() if FOREIGN.search(line)]
