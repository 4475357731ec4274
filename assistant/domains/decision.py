"""What a pack declares about its decision: the shape of the action and its economics.

Two shapes. A *classification* decision picks one of a few named actions from class
probabilities (credit: approve / decline). A *quantity* decision picks how much to order or
staff from quantiles of a numeric target: :class:`QuantityShape` declares the target and its
unit, the bounds of the action (step or pack size, minimum order, capacity), the economics
(margin lost per unit short, holding or waste per unit left over), the quantiles the
specialist predicts and when a case goes to a person instead.

Everything here is a declaration the pack's owner can read and change; nothing names a domain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from events.errors import DocketError


class ShapeError(DocketError):
    """A pack declares an impossible decision shape (names the field and the problem)."""


@dataclass(frozen=True)
class QuantityShape:
    """A "how much" decision: the order (or staffing level) is a number of ``unit``.

    The loss of ordering ``q`` when ``d`` turns out to be needed is
    ``underage_cost * max(d - q, 0) + overage_cost * max(q - d, 0)``; its minimiser over a
    predictive distribution is the newsvendor critical fractile
    ``underage_cost / (underage_cost + overage_cost)`` of predicted demand.
    """

    target: str  # the numeric outcome, e.g. units demanded in the period
    unit: str  # what one unit of the action is called ("bikes", "cases", "staff hours")
    period: str  # what one case covers ("hour", "day", "delivery")
    step: int  # orders are whole multiples of this pack size
    minimum_order: int  # never recommend fewer (0: ordering nothing is allowed)
    capacity: int  # never recommend more (space, fleet, vendor limit)
    underage_cost: float  # margin lost per unit short
    overage_cost: float  # holding or waste per unit left over
    quantiles: tuple[float, ...]  # levels the specialist predicts, strictly increasing
    interval: tuple[float, float]  # the predictive interval the escalation rule reads
    max_relative_width: float  # escalate when (high - low) / max(median, step) exceeds this
    escalate_on_ood: bool = True
    escalate_action: str = "escalate"  # the action name that sends a case to a person
    order_action: str = "order"  # the action name of "order this quantity"
    cost_unit: str = "cost units"

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ShapeError("quantity shape: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        out = []
        if self.step < 1:
            out.append(f"step: must be at least 1, got {self.step}")
        if self.minimum_order < 0:
            out.append(f"minimum_order: must not be negative, got {self.minimum_order}")
        if self.capacity < max(self.minimum_order, self.step):
            out.append(f"capacity: {self.capacity} is below the minimum order or one step")
        if self.step >= 1 and (self.minimum_order % self.step or self.capacity % self.step):
            out.append(f"minimum_order and capacity: must be multiples of the step {self.step}")
        for name in ("underage_cost", "overage_cost"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                out.append(f"{name}: must be a positive number, got {value}")
        qs = self.quantiles
        if not qs or any(not 0 < q < 1 for q in qs) or list(qs) != sorted(set(qs)):
            out.append(f"quantiles: must be strictly increasing levels in (0, 1), got {qs}")
        low, high = self.interval
        if not (low < high and low in qs and high in qs):
            out.append(f"interval: {self.interval} must be two predicted quantiles, low < high")
        if 0.5 not in qs:
            out.append("quantiles: must include the median (0.5)")
        if not self.max_relative_width > 0:
            out.append(f"max_relative_width: must be positive, got {self.max_relative_width}")
        if self.escalate_action == self.order_action:
            out.append("escalate_action: must differ from order_action")
        return out

    @property
    def critical_fractile(self) -> float:
        """The quantile of demand that minimises expected loss: cu / (cu + co)."""
        return self.underage_cost / (self.underage_cost + self.overage_cost)

    def loss(self, order: float, demand: float) -> float:
        """Cost of ordering ``order`` when ``demand`` was needed."""
        return self.underage_cost * max(demand - order, 0.0) + self.overage_cost * max(
            order - demand, 0.0
        )

    def with_costs(self, underage_cost: float, overage_cost: float) -> QuantityShape:
        """The same shape with the owner's new economics (validated again)."""
        return replace(self, underage_cost=underage_cost, overage_cost=overage_cost)

    def feasible(self, quantity: int) -> str | None:
        """Why ``quantity`` is not an allowed order, or None when it is."""
        if quantity < self.minimum_order or quantity > self.capacity:
            return (f"must be between the minimum order {self.minimum_order} and the capacity "
                    f"{self.capacity} {self.unit}")
        if quantity % self.step:
            return f"must be a multiple of the pack size {self.step} {self.unit}"
        return None


__all__ = ["QuantityShape", "ShapeError"]
