"""What any "how much" pack declares, and how its history is read: the quantity-pack contract.

A quantity pack decides a number (how much to order, stock or staff) for each *period* (an
hour, a day, a settlement period). Everything the core does with it (intake, training with
time-ordered validation, the seasonal-naive baseline, backtests, monitoring) reads only the
declarations of :class:`QuantityPack`, so a team can add its own pack without changing the
core (README, "Adding a domain"; the demand pack is one instance, the test pack
``tests/packs/gridload`` another).

History
-------
The pack's shipped file is read by :func:`load_history`: the file is checked against its
sha256, the pack's own ``read_history`` turns its text into :class:`HistoryRow` records (the
case input, the realised outcome and the period's index), each row is validated against the
input schema and the rows are put in time order. The index counts periods (any origin, gaps
allowed): validation and backtests split on it, so no later period ever trains a model that
judges an earlier one. :func:`add_seasonal_value` derives the seasonal-naive baseline's input
(the outcome one season earlier) for packs whose file does not carry it.

Lead time
---------
The order for period ``t`` is placed at ``t - lead_time``; the value one season earlier is
known then only if ``lead_time < season_length``, so a pack declaring otherwise is refused.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.domains.base import CASE_REF, CaseInput
from assistant.domains.decision import QuantityShape, QuantityWords, Roles, ShapeError, Words
from assistant.policies.quantity import QuantityPolicy, baseline_quantity
from events.domain.common import field_problems
from events.errors import DocketError, FieldProblem
from guardrails.plain_text import plain_text_problem


@dataclass(frozen=True)
class HistoryRow:
    """One period of a pack's shipped file, as its ``read_history`` gives it."""

    line: int  # the file's line, named when the row is invalid
    values: Mapping[str, Any]  # the case input (validated against the pack's schema)
    outcome: float  # what turned out to be needed in the period (e.g. units demanded)
    period: int  # periods since any fixed origin: orders the rows and splits them in time


@dataclass(frozen=True)
class History:
    """Validated periods in time order: inputs, realised outcomes and each period's index."""

    rows: list[dict[str, Any]]
    outcomes: list[float]
    period_index: list[int]
    sha256: str

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def demand(self) -> list[float]:
        """The realised outcomes (the name the demand pack's code and tests read)."""
        return self.outcomes

    @property
    def hour_index(self) -> list[int]:
        """The period index (the name the demand pack, whose period is an hour, reads)."""
        return self.period_index


HistoryReader = Callable[[str], Iterable[HistoryRow]]
"""A pack's reader: the shipped file's text → one :class:`HistoryRow` per usable period."""


def csv_records(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file's text with their line numbers (the header is line 1)."""
    return list(enumerate(csv.DictReader(text.splitlines()), start=2))


def add_seasonal_value(rows: Iterable[HistoryRow], season_length: int,
                       field: str) -> list[HistoryRow]:
    """Each row with ``field`` set to the outcome of the period one season earlier; rows
    whose earlier period is not in the file are left out (their baseline is unknown)."""
    found = list(rows)
    by_period = {r.period: r.outcome for r in found}
    out = []
    for r in found:
        earlier = by_period.get(r.period - season_length)
        if earlier is not None:
            out.append(replace(r, values={**r.values, field: earlier}))
    return out


def load_history(path: Path, sha256: str, input_model: type[BaseModel],
                 read: HistoryReader) -> History:
    """Read and check a pack's shipped file. Raises DocketError if it was altered or a row
    is invalid (naming the line)."""
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise DocketError(f"{path} has sha256 {digest}, expected {sha256}: "
                          "the shipped data was altered")
    rows: list[dict[str, Any]] = []
    outcomes: list[float] = []
    index: list[int] = []
    for record in read(content.decode("utf-8")):
        try:
            rows.append(input_model.model_validate(dict(record.values)).model_dump())
        except ValidationError as exc:
            raise DocketError(f"{path} line {record.line} is invalid: {exc}") from exc
        outcomes.append(record.outcome)
        index.append(record.period)
    order = sorted(range(len(rows)), key=index.__getitem__)
    return History([rows[i] for i in order], [outcomes[i] for i in order],
                   [index[i] for i in order], digest)


@dataclass(frozen=True)
class BacktestFold:
    """One test block of the time-ordered backtest: periods ``[start, end)`` of the index."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, eq=False)
class QuantityPack:
    """A pack whose action is a quantity: inputs, features, the declared shape, the history.

    ``seasonal_field`` is the input field holding the outcome one season earlier (what the
    seasonal-naive baseline orders); ``season_length`` is that season in periods (168 hours
    for a weekly season of hours). ``validation_periods`` is how many of the last periods
    training holds out (time-ordered); ``backtest_folds`` are the later blocks ``docket
    figures`` tests on, named by ``fold_word`` ("month", "week").
    """

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
    seasonal_field: str
    season_length: int
    read_history: HistoryReader
    validation_periods: int
    backtest_folds: tuple[BacktestFold, ...]
    fold_word: str = "fold"
    baseline_rule: str = "seasonal naive"
    words: Words = Words()
    quantity_words: QuantityWords = QuantityWords()  # "order" / "demand" unless declared
    operator_role: str = "operator"  # decides cases
    senior_role: str = "senior"  # decides the cases sent up
    engineer_role: str = "engineer"  # trains, promotes and retires models (with the owner)
    auditor_role: str = "auditor"  # reads everything and may record a policy review

    def __post_init__(self) -> None:
        _ = self.roles  # role names checked (lower-case, distinct) when the pack is built
        # Every feature must be known when the order is placed: the value one season earlier
        # is known season_length - 1 periods ahead, so an order placed a season or more
        # before its period could not use it.
        if self.season_length < 1:
            raise ShapeError(f"pack declaration: season_length: must be at least 1 period, "
                             f"got {self.season_length}")
        if self.shape.lead_time >= self.season_length:
            raise ShapeError(f"pack declaration: lead_time: {self.shape.lead_time} "
                             f"{self.shape.period}(s), but the feature {self.seasonal_field} "
                             f"is only known {self.season_length - 1} {self.shape.period}(s) "
                             "ahead (lead_time must be below season_length)")
        if self.seasonal_field not in self.input_model.model_fields:
            raise ShapeError(f"pack declaration: seasonal_field: {self.seasonal_field!r} is "
                             "not a field of the input schema")
        if self.validation_periods < 1:
            raise ShapeError(f"pack declaration: validation_periods: must be at least 1, got "
                             f"{self.validation_periods}")

    @property
    def roles(self) -> Roles:
        """Who owns the policy, who decides, who manages models and who audits."""
        return Roles(owner=self.owner_role, operator=self.operator_role,
                     senior=self.senior_role, engineer=self.engineer_role,
                     auditor=self.auditor_role)

    @property
    def features(self) -> tuple[str, ...]:
        """Model features in the order specialists receive them: categorical, then numeric."""
        return self.categorical + self.numeric

    def validate(self, raw: object) -> dict[str, Any] | list[FieldProblem]:
        """Validated values of one case, or every problem (never raises on bad input)."""
        if not isinstance(raw, Mapping):
            return [FieldProblem("input", f"expected an object of fields, got "
                                          f"{type(raw).__name__}")]
        # A field the schema does not hold is refused, whatever the schema's own ``extra``
        # setting: pydantic's default would drop it unseen (a note, a phone number, text
        # meant for the explainer), never screened and never recorded.
        unknown = sorted(str(k) for k in raw if k not in self.input_model.model_fields)
        if unknown:
            return [FieldProblem(k[:60], f"not a field of {self.name} (its fields: "
                                         f"{', '.join(self.input_model.model_fields)}); a "
                                         "quantity pack records no note or contact field")
                    for k in unknown]
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
                   for r, d in zip(h.rows, h.outcomes, strict=True)) / len(h)

    @cached_property
    def history(self) -> History:
        """The shipped periods in time order (sha256-checked, validated)."""
        return load_history(self.data_path, self.data_sha256, self.input_model,
                            self.read_history)

    def baseline(self, row: Mapping[str, Any]) -> int:
        """Seasonal-naive order: the outcome one season earlier, rounded up to a pack and
        clipped to the minimum order and capacity."""
        return round_order(float(row[self.seasonal_field]), self.shape)


def round_order(quantity: float, shape: QuantityShape) -> int:
    """``quantity`` rounded up to whole packs, clipped to [minimum order, capacity]."""
    packs = -(-quantity // shape.step)  # ceiling: a shortfall costs more than a spare pack
    return int(min(max(packs * shape.step, shape.minimum_order), shape.capacity))


def folds_of(blocks: Sequence[tuple[str, int, int]]) -> tuple[BacktestFold, ...]:
    """Backtest folds from ``(name, first period, end period)`` triples."""
    return tuple(BacktestFold(name, start, end) for name, start, end in blocks)


__all__ = [
    "BacktestFold", "History", "HistoryReader", "HistoryRow", "QuantityPack",
    "add_seasonal_value", "csv_records", "folds_of", "load_history", "round_order",
]
