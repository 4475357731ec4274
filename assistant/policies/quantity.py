"""How much to order: the newsvendor policy over predicted quantiles, and its rules baseline.

The owner of a quantity pack declares the economics (what one unit short costs, what one unit
left over costs) and the limits (pack size, minimum order, capacity) in a
:class:`QuantityPolicy`. For one case the specialist predicts a few quantiles of demand; this
module reads them as a piecewise-linear quantile function ``Q(u)`` (linear between the
predicted levels, extended linearly beyond the outer ones, never below zero) and

* computes the expected cost of any order ``q``: ``E[cu * (D - q)+ + co * (q - D)+]``, the mean
  of the loss over ``D = Q(u)`` on a fine grid of ``u`` (the loss is piecewise linear, so a
  midpoint grid of 2,000 points is exact to well under a cent per unit);
* recommends the order minimising it: the critical-fractile quantile ``Q(cu / (cu + co))``,
  then the cheaper of the two whole packs around it (the expected cost is convex in ``q``, so
  one of the two neighbouring feasible orders is the best feasible one), clipped to the minimum
  order and the capacity;
* escalates when the predictive interval is wide relative to the median or the case is out of
  distribution (a person should look), still showing the order it would otherwise place.

The baseline (what was done before any model) is the seasonal-naive rule: order what was
demanded in the same period one season earlier (for the demand pack, the same hour last week),
rounded up to whole packs and clipped to the limits. When the specialist is missing or fails,
the baseline decides, and its expected cost is the rule's mean realised cost on the pack's
history under the current economics.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.domains.decision import NEWSVENDOR_WORDS, QuantityShape, QuantityWords
from assistant.policies.recommend import OodLike
from events.domain.common import field_problems
from events.errors import InputRejected

GRID = 2000
_U = (np.arange(GRID, dtype=np.float64) + 0.5) / GRID  # midpoints of (0, 1)
FloatArray = npt.NDArray[np.float64]


class QuantityPolicy(BaseModel):
    """An owned quantity policy: the economics and limits of one pack's "how much" decision."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["quantity"] = "quantity"
    domain: str = Field(min_length=1, description="Domain pack this policy belongs to.")
    unit: str = Field(min_length=1, description="What one unit of the order is called.")
    underage_cost: float = Field(gt=0, description="Cost of one unit short of demand.")
    overage_cost: float = Field(gt=0, description="Cost of one unit left over.")
    step: int = Field(ge=1, description="Orders are whole multiples of this pack size.")
    minimum_order: int = Field(ge=0, description="Never order fewer (0 allows ordering none).")
    capacity: int = Field(ge=1, description="Never order more (space, fleet or vendor limit).")
    max_relative_width: float = Field(
        gt=0, description="Escalate when (high - low) / max(median, step) of the predictive "
        "interval exceeds this."
    )
    interval: tuple[float, float] = Field(description="The predictive interval's levels.")
    escalate_on_ood: bool = Field(default=True, description="Escalate out-of-distribution cases.")
    escalate_action: str = Field(min_length=1, description="The pack's action that hands a "
                                 "case to a person.")
    order_action: str = Field(default="order", min_length=1)
    owner_role: str = Field(min_length=1, description="Role allowed to change it.")
    review_every_days: int = Field(default=90, ge=1, description="Review cadence in days.")

    @model_validator(mode="after")
    def _consistent(self) -> QuantityPolicy:
        problems = []
        if self.capacity < max(self.minimum_order, self.step):
            problems.append(f"capacity: {self.capacity} is below the minimum order "
                            f"{self.minimum_order} or one pack of {self.step}")
        if self.minimum_order % self.step or self.capacity % self.step:
            problems.append(f"minimum_order and capacity: must be multiples of the pack size "
                            f"{self.step}")
        low, high = self.interval
        if not 0 < low < high < 1:
            problems.append(f"interval: {self.interval} must be two levels 0 < low < high < 1")
        if self.escalate_action == self.order_action:
            problems.append("escalate_action: must differ from order_action")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def from_shape(cls, domain: str, shape: QuantityShape, owner_role: str) -> QuantityPolicy:
        """The pack's declared economics and limits as its default policy."""
        return cls(
            domain=domain, unit=shape.unit, underage_cost=shape.underage_cost,
            overage_cost=shape.overage_cost, step=shape.step, minimum_order=shape.minimum_order,
            capacity=shape.capacity, max_relative_width=shape.max_relative_width,
            interval=shape.interval, escalate_on_ood=shape.escalate_on_ood,
            escalate_action=shape.escalate_action, order_action=shape.order_action,
            owner_role=owner_role,
        )

    @property
    def critical_fractile(self) -> float:
        """The level of predicted demand that minimises expected cost: cu / (cu + co)."""
        return self.underage_cost / (self.underage_cost + self.overage_cost)

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.order_action, self.escalate_action)

    def loss(self, order: float, demand: float) -> float:
        """The realised cost of ordering ``order`` when ``demand`` was needed."""
        return self.underage_cost * max(demand - order, 0.0) + self.overage_cost * max(
            order - demand, 0.0
        )

    def feasible(self, quantity: int) -> str | None:
        """Why ``quantity`` cannot be ordered (one phrase), or None when it can."""
        if quantity < 0:
            return f"must not be negative, got {quantity}"
        if quantity < self.minimum_order or quantity > self.capacity:
            return (f"must be between the minimum order {self.minimum_order} and the capacity "
                    f"{self.capacity} {self.unit}, got {quantity}")
        if quantity % self.step:
            return f"must be a multiple of the pack size {self.step} {self.unit}, got {quantity}"
        return None

    def round_up(self, quantity: float) -> int:
        """``quantity`` rounded up to whole packs and clipped to the limits."""
        packs = math.ceil(max(quantity, 0.0) / self.step - 1e-9)
        return int(min(max(packs * self.step, self.minimum_order), self.capacity))

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def with_changes(self, changes: Mapping[str, Any]) -> QuantityPolicy:
        """A new policy with ``changes`` applied. Raises InputRejected naming each problem."""
        data = json.loads(self.model_dump_json())
        data.update(changes)
        try:
            return QuantityPolicy.model_validate(data)
        except ValidationError as exc:
            raise InputRejected(field_problems(exc, "policy")) from exc


# --- the predictive distribution ------------------------------------------------------------


def quantile_function(
    levels: Sequence[float], values: Sequence[float], u: FloatArray | float
) -> FloatArray:
    """``Q(u)``: linear between the predicted quantiles, extended linearly beyond the outer
    ones (with the slope of the nearest segment), never below zero.

    ``values`` are made non-decreasing first (crossing levels are sorted, as in serving)."""
    lv = np.asarray(levels, dtype=np.float64)
    qv = np.sort(np.asarray(values, dtype=np.float64))
    if lv.size != qv.size or lv.size == 0 or not np.all(np.isfinite(qv)):
        raise ValueError(f"need one finite value per level, got {list(values)} for {list(levels)}")
    x = np.atleast_1d(np.asarray(u, dtype=np.float64))
    if lv.size == 1:
        return np.maximum(np.full_like(x, qv[0]), 0.0)
    out = np.interp(x, lv, qv)
    low_slope = (qv[1] - qv[0]) / (lv[1] - lv[0])
    high_slope = (qv[-1] - qv[-2]) / (lv[-1] - lv[-2])
    out = np.where(x < lv[0], qv[0] - (lv[0] - x) * low_slope, out)
    out = np.where(x > lv[-1], qv[-1] + (x - lv[-1]) * high_slope, out)
    return np.maximum(out, 0.0)


def expected_cost(
    quantity: float, levels: Sequence[float], values: Sequence[float], policy: QuantityPolicy
) -> float:
    """Expected cost of ordering ``quantity`` under the predicted quantiles."""
    demand = quantile_function(levels, values, _U)
    short = np.maximum(demand - quantity, 0.0)
    spare = np.maximum(quantity - demand, 0.0)
    return float(np.mean(policy.underage_cost * short + policy.overage_cost * spare))


def cost_curve(
    levels: Sequence[float],
    values: Sequence[float],
    policy: QuantityPolicy,
    around: int,
    *,
    packs_each_side: int = 3,
) -> list[tuple[int, float]]:
    """Expected cost of the feasible orders around ``around`` (whole packs each side)."""
    orders = sorted({
        min(max(around + k * policy.step, policy.minimum_order), policy.capacity)
        for k in range(-packs_each_side, packs_each_side + 1)
    })
    return [(q, expected_cost(q, levels, values, policy)) for q in orders]


# --- recommending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantityRecommendation:
    """What the policy recommends for one case.

    ``action`` is the order action, or the escalation action; ``quantity`` is the order the
    policy places (or would place, when it escalates) and ``expected_cost`` its expected cost.
    ``quantiles`` maps each predicted level (as text, e.g. ``"0.8"``) to its value, empty when
    the baseline decided.
    """

    action: str
    quantity: int
    expected_cost: float
    quantiles: dict[str, float]
    reasons: tuple[str, ...]
    source: Literal["model", "baseline"]
    baseline_quantity: int | None
    escalated: bool


def recommend_quantity(
    levels: Sequence[float],
    values: Sequence[float],
    policy: QuantityPolicy,
    *,
    ood: OodLike | None = None,
    baseline_quantity: int | None = None,
    words: QuantityWords = NEWSVENDOR_WORDS,
) -> QuantityRecommendation:
    """The cheapest feasible order under the predicted quantiles; escalate when the interval
    is wide or the case is out of distribution. Raises ValueError for unusable quantiles (the
    orchestrator then lets the baseline decide). The reasons are in the pack's ``words``."""
    target = float(quantile_function(levels, values, policy.critical_fractile)[0])
    below = min(max(math.floor(target / policy.step) * policy.step, policy.minimum_order),
                policy.capacity)
    above = policy.round_up(target)
    candidates = sorted({below, above})
    costs = {q: expected_cost(q, levels, values, policy) for q in candidates}
    best = min(candidates, key=lambda q: (costs[q], q))
    unit = policy.unit
    reasons = [
        f"best {words.order} is the {policy.critical_fractile:.2f} quantile of predicted "
        f"{words.outcome} (short {policy.underage_cost:g}, spare {policy.overage_cost:g} per "
        f"{singular(unit)}): {target:.1f} {unit}",
        f"{words.order} {best} {unit} (whole packs of {policy.step}, between "
        f"{policy.minimum_order} and {policy.capacity}): expected cost {costs[best]:.2f}",
    ]
    if target > policy.capacity:
        reasons.append(f"{words.outcome} at that level exceeds the capacity {policy.capacity} "
                       f"{unit}: capped")
    action = policy.order_action
    low_level, high_level = policy.interval
    low, median, high = (float(quantile_function(levels, values, a)[0])
                         for a in (low_level, 0.5, high_level))
    width = (high - low) / max(median, float(policy.step))
    if width > policy.max_relative_width:
        action = policy.escalate_action
        reasons.append(
            f"the {low_level:g}-{high_level:g} interval {low:.0f}-{high:.0f} {unit} is "
            f"{width:.1f} times the median {median:.0f} (limit {policy.max_relative_width:g}):"
            f" {policy.escalate_action}"
        )
    if ood is not None and ood.flag and policy.escalate_on_ood:
        action = policy.escalate_action
        reasons.append(f"unlike the training data ({'; '.join(ood.reasons) or 'flagged'}): "
                       f"{policy.escalate_action}")
    quantiles = {_level(a): float(v) for a, v in zip(levels, np.sort(values),
                                                               strict=True)}
    return QuantityRecommendation(action, best, costs[best], quantiles, tuple(reasons), "model",
                                  baseline_quantity, action == policy.escalate_action)


def baseline_quantity(last_season: float, policy: QuantityPolicy) -> int:
    """Seasonal naive: what was demanded one season earlier, rounded up to whole packs."""
    return policy.round_up(last_season)


def baseline_recommendation(
    quantity: int,
    policy: QuantityPolicy,
    *,
    historical_cost: float,
    rule: str,
    ood: OodLike | None = None,
    words: QuantityWords = NEWSVENDOR_WORDS,
    case: str = "case",
) -> QuantityRecommendation:
    """The baseline rule's order, costed at the rule's mean realised cost on the history
    (``case``: the pack's word for one period)."""
    reasons = [
        f"baseline rule {rule}: {words.order} {quantity} {policy.unit}",
        f"historical cost of this rule {historical_cost:.2f} per {case}",
    ]
    action = policy.order_action
    if ood is not None and ood.flag and policy.escalate_on_ood:
        action = policy.escalate_action
        reasons.append(f"unlike the training data ({'; '.join(ood.reasons) or 'flagged'}): "
                       f"{policy.escalate_action}")
    return QuantityRecommendation(action, quantity, historical_cost, {}, tuple(reasons),
                                  "baseline", quantity, action == policy.escalate_action)


def share_text(rate: float, width: int = 0) -> str:
    """A fill rate as a percentage with one decimal, or as many as it takes not to read
    100.0% when some demand went unmet (a few units short among thousands)."""
    digits = 1
    while digits < 4 and rate < 1.0 and round(rate * 100, digits) >= 100.0:
        digits += 1
    return f"{rate:{width}.{digits}%}"


@dataclass(frozen=True)
class OrderOutcomes:
    """How one way of ordering did over some hours with known demand."""

    label: str
    n: int
    cost_per_case: float
    fill_rate: float  # units of demand met / units demanded
    short_share: float  # share of cases short of demand
    left_over: float  # mean units left over per case
    escalation_rate: float

    def line(self, unit: str, case: str = "case") -> str:
        """One row of a backtest; ``case`` is the pack's word for one case ("hour")."""
        return (f"{self.label:<28} cost {self.cost_per_case:8.2f} per {case}  fill rate "
                f"{share_text(self.fill_rate, 6)}  short in {self.short_share:5.1%}  "
                f"{self.left_over:6.1f} {unit} left over  escalated {self.escalation_rate:5.1%}"
                f"  (n={self.n})")


def evaluate_orders(
    label: str, orders: Sequence[float], demand: Sequence[float], policy: QuantityPolicy,
    *, escalated: Sequence[bool] = (),
) -> OrderOutcomes:
    """Realised cost, fill rate, stock-outs and leftovers of ``orders`` against ``demand``."""
    q = np.asarray(orders, dtype=np.float64)
    d = np.asarray(demand, dtype=np.float64)
    if q.size == 0:
        return OrderOutcomes(label, 0, 0.0, 0.0, 0.0, 0.0, 0.0)
    cost = policy.underage_cost * np.maximum(d - q, 0) + policy.overage_cost * np.maximum(q - d, 0)
    return OrderOutcomes(
        label, int(q.size), float(cost.mean()),
        float(np.minimum(q, d).sum() / max(float(d.sum()), 1.0)), float(np.mean(d > q)),
        float(np.mean(np.maximum(q - d, 0))),
        float(np.mean(escalated)) if len(escalated) else 0.0,
    )


def replay_policy(
    levels: Sequence[float],
    quantiles: Sequence[Sequence[float]],
    demand: Sequence[float],
    seasonal: Sequence[float],
    policy: QuantityPolicy,
    label: str,
    *,
    priced_by: QuantityPolicy | None = None,
) -> tuple[OrderOutcomes, OrderOutcomes]:
    """The policy's orders over recorded predictions, and seasonal naive's, against demand.

    Each is charged ``priced_by``'s economics (default: ``policy``'s own), so a current and
    a changed policy compared side by side are priced alike: with its own economics each, a
    higher shortage cost would always look dearer, whatever the orders do."""
    recs = [recommend_quantity(levels, q, policy) for q in quantiles]
    price = priced_by or policy
    mine = evaluate_orders(label, [r.quantity for r in recs], demand, price,
                           escalated=[r.escalated for r in recs])
    naive = evaluate_orders("seasonal naive", [baseline_quantity(s, policy) for s in seasonal],
                            demand, price)
    return mine, naive


def _level(a: float) -> str:
    return f"{a:g}"


def singular(unit: str) -> str:
    return unit[:-1] if unit.endswith("s") and len(unit) > 1 else unit


__all__ = [
    "OrderOutcomes",
    "QuantityPolicy",
    "QuantityRecommendation",
    "baseline_quantity",
    "baseline_recommendation",
    "cost_curve",
    "expected_cost",
    "quantile_function",
    "evaluate_orders",
    "recommend_quantity",
    "replay_policy",
]
