"""The newsvendor policy: what an owner changing the economics or limits would notice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from assistant.domains.demand import SHAPE
from assistant.policies.quantity import (
    QuantityPolicy,
    baseline_quantity,
    cost_curve,
    expected_cost,
    quantile_function,
    recommend_quantity,
)
from events.errors import InputRejected

LEVELS = SHAPE.quantiles  # 0.05, 0.25, 0.5, 0.8, 0.95
VALUES = [20.0, 60.0, 100.0, 150.0, 200.0]


@dataclass(frozen=True)
class Ood:
    flag: bool
    reasons: tuple[str, ...] = ("hum out of range",)


def policy(**changes: object) -> QuantityPolicy:
    return QuantityPolicy.from_shape("demand", SHAPE, "operations_owner").with_changes(changes)


def test_raising_the_shortage_cost_raises_the_order() -> None:
    orders = [recommend_quantity(LEVELS, VALUES, policy(underage_cost=c)).quantity
              for c in (0.5, 1.0, 4.0, 10.0, 50.0)]
    assert orders == sorted(orders) and orders[0] < orders[-1]
    assert recommend_quantity(LEVELS, VALUES, policy(underage_cost=1.0)).quantity == 100  # median


def test_raising_the_leftover_cost_lowers_the_order() -> None:
    cheap = recommend_quantity(LEVELS, VALUES, policy(overage_cost=0.5)).quantity
    dear = recommend_quantity(LEVELS, VALUES, policy(overage_cost=8.0)).quantity
    assert dear < cheap


def test_capacity_caps_the_order_and_says_so() -> None:
    rec = recommend_quantity(LEVELS, VALUES, policy(capacity=120))
    assert rec.quantity == 120
    assert any("capacity 120" in r for r in rec.reasons)


def test_orders_are_whole_packs_at_least_the_minimum() -> None:
    rec = recommend_quantity(LEVELS, [1.0, 2.0, 3.0, 4.0, 5.0], policy(step=20, minimum_order=40,
                                                                     capacity=800))
    assert rec.quantity == 40
    for values in ([11.0, 33.0, 47.0, 71.0, 93.0], [0.0, 5.0, 12.0, 29.0, 58.0]):
        q = recommend_quantity(LEVELS, values, policy(step=20, minimum_order=0)).quantity
        assert q % 20 == 0


def test_the_recommended_order_is_the_cheapest_feasible_one() -> None:
    p = policy()
    rec = recommend_quantity(LEVELS, VALUES, p)
    every = {q: expected_cost(q, LEVELS, VALUES, p) for q in range(p.minimum_order,
                                                                      p.capacity + 1, p.step)}
    assert rec.quantity == min(every, key=lambda q: every[q])
    assert rec.expected_cost == pytest.approx(every[rec.quantity])
    curve = dict(cost_curve(LEVELS, VALUES, p, rec.quantity))
    assert min(curve, key=lambda q: curve[q]) == rec.quantity and len(curve) == 7


def test_expected_cost_matches_a_simulation_from_the_same_distribution() -> None:
    p = policy()
    rng = np.random.default_rng(0)
    demand = quantile_function(LEVELS, VALUES, rng.uniform(size=200_000))
    simulated = np.mean([p.loss(150, d) for d in demand[:20_000]])
    assert expected_cost(150, LEVELS, VALUES, p) == pytest.approx(simulated, rel=0.03)


def test_a_wide_interval_or_an_unusual_case_is_escalated_with_the_order_kept() -> None:
    calm = recommend_quantity(LEVELS, VALUES, policy())
    assert calm.action == "order" and not calm.escalated
    wide = recommend_quantity(LEVELS, [0.0, 2.0, 10.0, 60.0, 300.0], policy())
    assert wide.action == "escalate" and wide.escalated and wide.quantity > 0
    assert "interval" in wide.reasons[-1]
    odd = recommend_quantity(LEVELS, VALUES, policy(), ood=Ood(True))
    assert odd.action == "escalate" and "hum out of range" in odd.reasons[-1]
    assert recommend_quantity(LEVELS, VALUES, policy(escalate_on_ood=False),
                              ood=Ood(True)).action == "order"


def test_seasonal_naive_rounds_last_weeks_demand_up_to_packs() -> None:
    p = policy()
    assert baseline_quantity(101, p) == 105
    assert baseline_quantity(0, p) == p.minimum_order
    assert baseline_quantity(5000, p) == p.capacity


@pytest.mark.parametrize(("changes", "field"), [
    ({"underage_cost": -1.0}, "underage_cost"),
    ({"capacity": 12}, "minimum_order"),
    ({"step": 0}, "step"),
    ({"max_relative_width": 0}, "max_relative_width"),
])
def test_impossible_economics_are_refused_naming_the_field(changes: dict[str, object],
                                                           field: str) -> None:
    with pytest.raises(InputRejected) as caught:
        policy(**changes)
    assert field in str(caught.value)


def test_unusable_quantiles_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        recommend_quantity(LEVELS, [1.0, 2.0, float("nan"), 4.0, 5.0], policy())


def test_feasibility_names_the_problem() -> None:
    p = policy()
    assert p.feasible(45) is None
    assert "negative" in (p.feasible(-5) or "")
    assert "pack size 5" in (p.feasible(47) or "")
    assert "capacity 800" in (p.feasible(900) or "")


def test_a_fill_rate_short_of_all_never_reads_one_hundred_percent() -> None:
    """`docket quality winestock` said "fill rate 100.0%, short in 16.7% of months": a few
    kilolitres short among thousands rounded away."""
    from assistant.policies.quantity import evaluate_orders, share_text

    assert share_text(0.99962) == "99.96%" and share_text(1.0) == "100.0%"
    assert share_text(0.987) == "98.7%" and share_text(0.999999) == "99.9999%"
    found = evaluate_orders("policy", [26000, 25000], [23565, 25010], policy())
    assert found.short_share == 0.5 and "100.0%" not in found.line("kL", "month")
