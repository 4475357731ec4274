"""Models, alerts, the domain's health, the store's status and what an ingest did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.errors import FieldProblem

# --- models, health, status ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelView:
    version: str
    domain: str
    kind: str
    status: str  # champion | shadow | registered | retired
    registered_at: datetime
    registered_by: str
    metrics: dict[str, Any]
    card: dict[str, Any]
    # latest verdict per eval suite (None: not judged, e.g. no baseline for the pack yet)
    evals: dict[str, bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertView:
    kind: str
    severity: str
    message: str
    raised_at: datetime
    runbook: str = ""  # where README says what the alert means and what to do


@dataclass(frozen=True)
class OverrideEffect:
    """Overrides in one group judged as treatments (see ``docket quality``): on the outcomes
    their own action revealed, with the ones nobody can observe counted apart."""

    n: int
    observed: int  # with an outcome (the override's action revealed it, or an outside source)
    helped: int
    hurt: int
    observed_delta: float  # Σ (cost of the override − cost of the recommendation), observed
    unobservable: int  # the override's action reveals no outcome and nobody reported one
    model_delta: float  # the same Σ by the model's expected costs, over the unobservable
    enough_outcomes: bool = True  # False: helped/hurt rest on too few outcomes to tell


@dataclass(frozen=True)
class CalibrationBand:
    """Observed against predicted risk among observable outcomes with scores in a band."""

    low: float
    high: float
    n: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class HealthView:
    domain: str
    model_version: str | None
    decisions: int
    override_rate: float | None
    overrides_by_reason: dict[str, int]
    override_rate_by_operator: dict[str, float]
    outcomes_known: int
    realized_cost: dict[str, tuple[float, float, float]]  # who → (cost per case, ci low, ci high)
    alerts: list[AlertView]
    # Overrides as treatments, as `docket quality` reports them (a negative delta means the
    # overrides saved cost against the recommendation).
    override_effect_by_reason: dict[str, OverrideEffect] = field(default_factory=dict)
    override_effect_by_operator: dict[str, OverrideEffect] = field(default_factory=dict)
    # What realized_cost rests on, in one sentence (empty: naive costs on known outcomes).
    cost_basis: str = ""
    # Calibration by score band on observable outcomes, and the window it used.
    calibration: tuple[CalibrationBand, ...] = ()
    calibration_window: str = ""
    # The section's title: a quantity pack's is its forecasts' coverage, not score bands.
    calibration_title: str = "Calibration by score band"
    # Who → (lowest, highest) cost per case whatever the unseen outcomes were (nothing
    # assumed about them), and how many cases have no known outcome.
    cost_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    unseen_outcomes: int = 0


@dataclass(frozen=True)
class IngestReport:
    opened: list[str]
    rejected: list[tuple[int, str]]  # (row number, one clear sentence)
    duplicates: list[int]
    problems: dict[int, list[FieldProblem]] = field(default_factory=dict)  # by row number
    domain: str = ""  # the pack the rows were read as (given, or inferred from the columns)
    # How many cases were opened and rows skipped as duplicates: the lists above hold
    # them only when the caller asked for ids (a million would be most of the memory).
    opened_count: int = 0
    duplicate_count: int = 0


@dataclass(frozen=True)
class StatusView:
    store_url: str
    readmodel_path: str
    events: int
    cases_by_status: dict[str, int]
    champion: str | None
    alerts: list[AlertView]
    # What needs the owner: unsigned or overdue policies, the baseline rules deciding.
    notices: list[str] = field(default_factory=list)
    # The newest read-model seal in the log (`docket verify --seal`), in words; "" for none.
    sealed: str = ""
    # Of the quarantined records, how many are rejected outcome rows (not case input).
    quarantined_outcome_rows: int = 0
