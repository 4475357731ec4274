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

from pathlib import Path

from assistant.domains.decision import QuantityShape, Words
from assistant.domains.demand.history import HOURS_PER_WEEK, LAG, TARGET, read_hours
from assistant.domains.demand.schema import RentalHour
from assistant.domains.quantity import QuantityPack, folds_of, round_order

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

#: The backtest's test months, September to December 2011: (name, first day, end day) of the
#: year; folds are in hours since 1 January 00:00, the history's index.
TEST_MONTHS: tuple[tuple[str, int, int], ...] = (
    ("Sep", 244, 274), ("Oct", 274, 305), ("Nov", 305, 335), ("Dec", 335, 366),
)
BACKTEST_FOLDS = folds_of([(name, (first - 1) * 24, (end - 1) * 24)
                           for name, first, end in TEST_MONTHS])
VALIDATION_HOURS = 28 * 24  # training holds out the last four weeks


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
        seasonal_field=LAG,
        season_length=HOURS_PER_WEEK,
        read_history=read_hours,
        validation_periods=VALIDATION_HOURS,
        backtest_folds=BACKTEST_FOLDS,
        fold_word="month",
        baseline_rule="seasonal naive (same hour last week)",
        words=Words(case="hour", cases="hours", subject="station network", risk="shortfall"),
    )


__all__ = ["DATA_SHA256", "SHAPE", "TARGET", "QuantityPack", "make_pack", "round_order"]
