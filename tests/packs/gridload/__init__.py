"""A second quantity pack, written from README's "Adding a domain" (its quantity part) alone:
how many megawatts of generation to contract for each half-hour settlement period of the
England and Wales electricity system, on the real half-hourly load of summer 2000.

It shares no name with the demand pack: its unit is ``MW``, its period a ``settlement
period``, its actions ``contract`` / ``refer`` (``refer`` hands the case to a
``duty_manager``), its cases are decided by a ``dispatcher``, its owner is a
``trading_manager``, its outcome ``load_mw``, its fields ``settlement_period``,
``day_of_week``, ``date`` and ``mw_same_period_last_week``. Tests register it with
``register_pack("gridload", make_pack)``.

The economics are this pack's assumptions, not figures from the data: a megawatt short
(bought back at the balancing price) costs 3 cost units, one contracted and unused 1, so the
best contract is the 0.75 quantile of predicted load; contracts are in blocks of 100 MW, up
to 45,000 MW. Contracts close at gate closure, one hour (two settlement periods) ahead:
``lead_time=2``. Features: the settlement period of the day, the day of the week and the
load of the same period one week earlier (known at gate closure); ``date`` is recorded, never
a feature (twelve weeks of one summer cannot teach a calendar).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from assistant.domains import QuantityShape, Words
from assistant.domains.decision import QuantityWords
from assistant.domains.quantity import (
    BacktestFold,
    HistoryRow,
    QuantityPack,
    add_seasonal_value,
    csv_records,
)

DATA_PATH = Path(__file__).parent / "data" / "taylor_2000.csv"
DATA_SHA256 = "c833a2eed70daa45599c15a6b7b399d787e431d5257537d61a705983052ac30f"

PERIODS_PER_DAY = 48
PERIODS_PER_WEEK = 7 * PERIODS_PER_DAY
FIRST_DAY = date(2000, 6, 5)  # a Monday: the file's first settlement period
LAST_WEEK = "mw_same_period_last_week"


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


Megawatts = Annotated[float, BeforeValidator(_not_bool), Field(ge=0, le=100_000,
                                                               allow_inf_nan=False)]


class SettlementPeriod(BaseModel):
    """One half-hour settlement period: how much generation to contract for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="trading day, YYYY-MM-DD")
    settlement_period: Annotated[int, BeforeValidator(_not_bool)] = Field(
        ge=1, le=48, description="half-hour of the trading day, 1 = 00:00-00:30")
    day_of_week: Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] = Field(
        description="day of the week of the trading day")
    mw_same_period_last_week: Megawatts = Field(
        description="load in MW of the same settlement period seven days earlier")


def read_periods(text: str) -> list[HistoryRow]:
    """The file's settlement periods (index: half-hours since 5 June 2000 00:00), each with
    the load of the same period a week earlier; the first week, which has none, is left out."""
    rows = [
        HistoryRow(line, {k: raw[k] for k in ("date", "settlement_period", "day_of_week")},
                   float(raw["load_mw"]),
                   (date.fromisoformat(raw["date"]) - FIRST_DAY).days * PERIODS_PER_DAY
                   + int(raw["settlement_period"]) - 1)
        for line, raw in csv_records(text)
    ]
    return add_seasonal_value(rows, PERIODS_PER_WEEK, LAST_WEEK)


SHAPE = QuantityShape(
    target="load_mw",
    unit="MW",
    period="settlement period",
    step=100,
    minimum_order=0,
    capacity=45_000,
    underage_cost=3.0,
    overage_cost=1.0,
    quantiles=(0.05, 0.25, 0.5, 0.75, 0.95),
    interval=(0.05, 0.95),
    max_relative_width=0.25,
    lead_time=2,  # gate closure: one hour, two settlement periods, ahead
    escalate_action="refer",
    order_action="contract",
    cost_unit="cost units (1 = one MW contracted and unused for a settlement period)",
)

#: The last three of the file's twelve weeks, each a backtest fold.
FOLDS = tuple(BacktestFold(f"week {w}", (w - 1) * PERIODS_PER_WEEK, w * PERIODS_PER_WEEK)
              for w in (10, 11, 12))


def make_pack(shape: QuantityShape = SHAPE) -> QuantityPack:
    return QuantityPack(
        name="gridload",
        description="MW of generation to contract per settlement period (England and Wales, "
                    "summer 2000, 4,032 real half-hours).",
        input_model=SettlementPeriod,
        categorical=("day_of_week",),
        numeric=("settlement_period", LAST_WEEK),
        recorded=("date",),
        shape=shape,
        owner_role="trading_manager",
        operator_role="dispatcher",
        senior_role="duty_manager",
        feature_rationale=__doc__ or "",
        baseline_description="seasonal naive: contract the load of the same settlement period "
                             "a week earlier, rounded up to a block of 100 MW",
        data_path=DATA_PATH,
        data_sha256=DATA_SHA256,
        seasonal_field=LAST_WEEK,
        season_length=PERIODS_PER_WEEK,
        read_history=read_periods,
        validation_periods=2 * PERIODS_PER_WEEK,
        backtest_folds=FOLDS,
        fold_word="week",
        baseline_rule="seasonal naive (same settlement period a week earlier)",
        words=Words(case="settlement period", cases="settlement periods",
                    subject="transmission system", risk="imbalance"),
        quantity_words=QuantityWords(outcome="load", order="contract", orders="contracts",
                                     ordered="contracted"),
    )
