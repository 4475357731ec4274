"""The demand domain: how many bikes to have ready for an hour of the Capital Bikeshare system.

The decision
------------
Before each hour, the operator decides how many bikes to have docked and ready system-wide
(by rebalancing vans and staff). Bikes short of demand are rentals lost; bikes beyond demand
are idle for the hour. The data (2011, hourly rentals, see ``data/PROVENANCE.md``) is real;
the economics are **this pack's declared assumptions, not figures from the data set**, for the
owner to replace with their own: a lost rental costs 4 cost units and an idle bike-hour 1 (so
the best order is the 0.8 quantile of predicted demand), bikes move in groups of 5, at least
10 are always kept ready, and at most 800 can be (the largest hour of 2011 had 651 rentals).

Feature choice
--------------
Model features: the hour of the day, day of the week, working day and holiday flags, the
weather of the hour and the rentals in the same hour one week earlier. ``day``, ``mnth`` and
``season`` are recorded but not features: with one year of data, the hold-out months never
appear in training, so a calendar feature cannot generalise; last week's demand carries the
level. The weather columns are the weather observed in the hour (a real decision would use a
forecast), so the figures are optimistic by the forecast error.

Lead time
---------
The order for an hour is placed one hour ahead (``lead_time=1``: the vans need the hour
before). Validation and the monthly backtest therefore train only on hours that had ended an
hour before the first hour they judge, and the features must be known at order time: the
calendar and last week's demand are (a lead time of a week or more is refused, since last
week's demand would not be known yet); the observed weather is not (see above). Longer lead
times (a supplier's days, vendor agreements) would need features lagged by the lead time and
a forecast of the weather; this pack does not model them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.domains.base import CASE_REF, CaseInput
from assistant.domains.decision import QuantityShape, ShapeError, Words
from assistant.domains.demand.history import (
    HOURS_PER_WEEK,
    LAG,
    TARGET,
    History,
    load_history,
)
from assistant.domains.demand.schema import RentalHour
from assistant.policies.quantity import QuantityPolicy, baseline_quantity
from events.domain.common import field_problems
from events.errors import FieldProblem
from guardrails.plain_text import plain_text_problem

DATA_PATH = Path(__file__).parent / "data" / "bikeshare.csv"
DATA_SHA256 = "ac6950ae6f11efcc69c29d6bb13e8881c001e27d36434660d59444a1414f712c"

CATEGORICAL = ("weathersit",)
NUMERIC = ("hr", "weekday", "workingday", "holiday", "temp", "atemp", "hum", "windspeed", LAG)
RECORDED = ("day", "mnth", "season")  # in the input and on the case, never model features

SHAPE = QuantityShape(
    target=TARGET,
    unit="bikes",
    period="hour",
    step=5,
    minimum_order=10,
    capacity=800,
    underage_cost=4.0,
    overage_cost=1.0,
    quantiles=(0.05, 0.25, 0.5, 0.8, 0.95),
    interval=(0.05, 0.95),
    max_relative_width=4.0,
    escalate_on_ood=True,
    lead_time=1,  # the vans need the hour before: the order for hour t is placed at t - 1
    escalate_action="escalate",
    order_action="order",
    cost_unit="cost units (1 = one idle bike for an hour)",
)
OWNER_ROLE = "operations_owner"


@dataclass(frozen=True, eq=False)
class QuantityPack:
    """A pack whose action is a quantity: inputs, features, the declared shape, the history."""

    name: str
    description: str
    input_model: type[BaseModel]
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    recorded: tuple[str, ...]
    shape: QuantityShape
    owner_role: str
    feature_rationale: str
    baseline_description: str
    data_path: Path
    data_sha256: str
    seasonal_field: str = LAG  # the demand one season earlier: what seasonal naive orders
    words: Words = Words()

    def __post_init__(self) -> None:
        # Every feature must be known when the order is placed: last week's demand is known
        # a week ahead, so an order placed a week or more before its hour could not use it.
        if self.shape.lead_time >= HOURS_PER_WEEK:
            raise ShapeError(f"pack declaration: lead_time: {self.shape.lead_time} hours, but "
                             f"the feature {self.seasonal_field} is only known "
                             f"{HOURS_PER_WEEK - 1} hours ahead")

    @property
    def features(self) -> tuple[str, ...]:
        """Model features in the order specialists receive them: categorical, then numeric."""
        return self.categorical + self.numeric

    def validate(self, raw: object) -> dict[str, Any] | list[FieldProblem]:
        """Validated values of one case, or every problem (never raises on bad input)."""
        if not isinstance(raw, Mapping):
            return [FieldProblem("input", f"expected an object of fields, got "
                                          f"{type(raw).__name__}")]
        try:
            return self.input_model.model_validate(dict(raw)).model_dump()
        except ValidationError as exc:
            return sorted(set(field_problems(exc)), key=lambda p: (p.field, p.problem))

    def validate_case(self, raw: object) -> CaseInput | list[FieldProblem]:
        """Like :meth:`validate`, for a case to open: a ``case_ref`` is taken apart (plain
        text, at most 200 characters) and the rest validated against the schema."""
        if not isinstance(raw, Mapping):
            return [FieldProblem("input", f"expected an object of fields, got "
                                          f"{type(raw).__name__}")]
        fields = dict(raw)
        ref = fields.pop(CASE_REF, None)
        problems: list[FieldProblem] = []
        if ref is not None and not isinstance(ref, str):
            problems.append(FieldProblem(CASE_REF, f"must be text, got {type(ref).__name__}"))
        elif isinstance(ref, str):
            ref = ref.strip() or None
            why = plain_text_problem(ref) if ref else None
            if why or (ref and len(ref) > 200):
                problems.append(FieldProblem(CASE_REF, why or "too long: at most 200 characters"))
        values = self.validate(fields)
        if isinstance(values, list):
            return sorted(set(problems + values), key=lambda p: (p.field, p.problem))
        if problems:
            return problems
        return CaseInput(self.name, values, case_ref=ref if isinstance(ref, str) else None)

    def describe(self, name: str) -> str:
        """The schema's description of a field (with units and allowed values)."""
        info = self.input_model.model_fields.get(name)
        return (info.description or name) if info is not None else name

    @property
    def default_policy(self) -> QuantityPolicy:
        """The declared economics and limits, as the policy the owner starts from."""
        return QuantityPolicy.from_shape(self.name, self.shape, self.owner_role)

    def baseline_for(self, row: Mapping[str, Any], policy: QuantityPolicy) -> int:
        """The seasonal-naive order under ``policy``'s pack size and limits."""
        return baseline_quantity(float(row[self.seasonal_field]), policy)

    def baseline_cost(self, policy: QuantityPolicy) -> float:
        """The seasonal-naive rule's mean realised cost per case over the shipped history,
        under ``policy``'s economics (what a baseline order is expected to cost)."""
        h = self.history
        return sum(policy.loss(self.baseline_for(r, policy), d)
                   for r, d in zip(h.rows, h.demand, strict=True)) / len(h)

    @cached_property
    def history(self) -> History:
        """The shipped hours in time order (sha256-checked, validated)."""
        return load_history(self.data_path, self.data_sha256)

    def baseline(self, row: Mapping[str, Any]) -> int:
        """Seasonal-naive order: last week's demand at this hour, rounded up to a pack
        and clipped to the minimum order and capacity."""
        return round_order(float(row[LAG]), self.shape)


def round_order(quantity: float, shape: QuantityShape) -> int:
    """``quantity`` rounded up to whole packs, clipped to [minimum order, capacity]."""
    packs = -(-quantity // shape.step)  # ceiling: a shortfall costs more than a spare pack
    return int(min(max(packs * shape.step, shape.minimum_order), shape.capacity))


def make_pack() -> QuantityPack:
    return QuantityPack(
        name="demand",
        description="Bikes to have ready per hour (Capital Bikeshare 2011, 8,645 real hours).",
        input_model=RentalHour,
        categorical=CATEGORICAL,
        numeric=NUMERIC,
        recorded=RECORDED,
        shape=SHAPE,
        owner_role=OWNER_ROLE,
        feature_rationale=__doc__ or "",
        baseline_description="seasonal naive: order what was rented in the same hour last "
                             "week, rounded up to a pack of 5, at least 10",
        data_path=DATA_PATH,
        data_sha256=DATA_SHA256,
        words=Words(case="hour", cases="hours", subject="station network", risk="shortfall"),
    )


__all__ = ["DATA_SHA256", "SHAPE", "QuantityPack", "make_pack", "round_order"]
