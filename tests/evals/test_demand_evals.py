"""The eval suites on the demand pack: its orders suite judged against its own baseline file;
the suites that judge yes/no decisions skip it, saying why."""

from __future__ import annotations

from pathlib import Path

from evals import baseline as baseline_file
from evals.runner import run, update_baseline
from tests.conftest import ServiceFactory, register_demand_model


def test_orders_are_judged_against_the_demand_packs_own_baseline(
    open_service: ServiceFactory, tmp_path: Path
) -> None:
    service = open_service("docket/evals", "system", models=False)
    register_demand_model(service)
    own = tmp_path / "demand.json"
    first = run(["decisions", "fairness", "orders"], service=service, domain="demand",
                baseline_path=own, record=False)
    by_suite = {r.suite: r for r in first.results}
    for yes_no in ("decisions", "fairness"):
        assert by_suite[yes_no].status == "skipped"
        assert "demand decides a quantity" in (by_suite[yes_no].error or "")
    orders = by_suite["orders"]
    assert orders.status == "ok", orders.error
    policy = orders.metric("policy.cost_per_case")
    naive = orders.metric("seasonal_naive.cost_per_case")
    saving = orders.metric("policy.saving_vs_seasonal_naive")
    assert policy is not None and naive is not None and saving is not None
    assert saving.value == naive.value - policy.value and saving.min == 0.0
    assert {m.name for m in orders.metrics} >= {"coverage.q0.05", "coverage.q0.95"}

    accepted = update_baseline(first, own)
    assert accepted.domain == "demand" and set(accepted.suites) == {"orders"}
    again = run(["orders"], service=service, domain="demand", baseline_path=own, record=False)
    assert again.passed, again.baseline_problem

    # The committed baseline is the demand pack's own file, never credit's.
    committed = baseline_file.load(baseline_file.path_for("demand"))
    assert committed.domain == "demand" and "orders" in committed.suites
    judged_by_credit = run(["orders"], service=service, domain="demand",
                           baseline_path=baseline_file.DEFAULT_PATH, record=False)
    assert "holds the credit baseline" in (judged_by_credit.baseline_problem or "")
