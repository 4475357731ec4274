"""Is the model doing worse than it says? Observed against expected bad rate on observed outcomes.

Pure: the caller passes *outcome rows* (one per decided case with a recorded outcome) and gets an
:class:`OutcomeCheck` back. An outcome row is a mapping with:

=============  ===========================================================================
``p_bad``      the probability of the risk outcome the model gave when the case was decided
``action``     the final action taken (an escalated case: the senior's action)
``outcome``    the recorded outcome label
``observed_at``  tz-aware ``datetime`` or ISO-8601 string: when the outcome was observed
``decided_at``   (optional) when the case was decided; the observation time when absent
=============  ===========================================================================

Only outcomes the action *reveals* count (``reveals[action]``, the pack's declaration: a declined
loan shows nothing, so an outcome recorded for it came from elsewhere and may be selected), and
only after an action that reveals every outcome: one that reveals some only (a discharge shows a
malignancy when the patient comes back, never a benign mass) shows an outcome depending on the
outcome itself, so its cases' recorded outcomes are no sample of their outcomes (every one a
malignancy); they are counted apart (``partial``, with the actions) and left out, as the quality
figures leave them out of IPS, SNIPS and DR. The
window is the latest ``last_outcomes`` observed outcomes, and/or those of the last ``last_days``
days (owner-configurable, both may apply), and/or those of the cases decided since
``decided_since`` (the last model or policy change: see ``OutcomeCheck.since_change``).

If the model is calibrated, the number of risk outcomes ``X`` among ``n`` cases with recorded
probabilities ``p_i`` follows the Poisson-binomial distribution with mean ``Σ p_i`` (so the
expected bad rate is the mean ``p``). Two pieces of evidence that the model is doing worse:

* **the window test**: the exact upper tail ``P(X ≥ x)`` under that distribution (a dynamic
  programme over the cases), judged only with at least ``min_outcomes`` outcomes;
* **a risk-adjusted CUSUM** (Steiner, Cook, Farewell & Treasure 2000) over the window in time
  order, for an odds ratio ``R`` of the risk outcome: ``W_t = y_t ln R − ln(1 − p_t + R p_t)``,
  ``S_t = max(0, S_{t−1} + W_t)``. It accumulates evidence outcome by outcome, so a real drop is
  caught after a few dozen outcomes, and falls back to 0 when outcomes recover.

Severity rises with the evidence: *warning* when ``p < warning_p`` or ``S ≥ cusum_h``, *critical*
when ``p < critical_p`` or ``S ≥ 2·cusum_h``. Realised cost against the cost the recorded
probabilities predicted is reported alongside, for the reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.monitoring.rates import parse_time, require_aware
from assistant.monitoring.vintages import Vintage, VintageKind, judge_vintages

Row = Mapping[str, object]
Costs = Mapping[str, Mapping[str, float]]

#: Severity levels in order; index 0 means "nothing to report".
LEVELS: tuple[str, ...] = ("none", "warning", "critical")


class OutcomeAlertSettings(BaseModel):
    """The window and the evidence an outcome-quality alert needs (owner-configurable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    last_outcomes: int | None = Field(
        default=500, ge=1, description="judge the latest this many observed outcomes"
    )
    last_days: float | None = Field(
        default=None, gt=0, description="judge only outcomes observed in the last this many days"
    )
    min_outcomes: int = Field(default=30, ge=1, description="fewer: the window test is not run")
    warning_p: float = Field(default=1e-3, gt=0, lt=1)
    critical_p: float = Field(default=1e-6, gt=0, lt=1)
    cusum_odds_ratio: float = Field(
        default=2.0, gt=1, description="the CUSUM looks for risk odds this many times higher"
    )
    cusum_h: float = Field(default=5.0, gt=0, description="CUSUM warning level (critical: 2h)")
    outcome_delay_days: float = Field(
        default=0.0, ge=0,
        description="a decision's outcome is due this many days after it: a case counts only "
        "once due, a vintage is judged only once all its cases are due (0: at once)",
    )  # fmt: skip
    vintage: VintageKind = Field(
        default="month", description="decision cohorts judged apart: calendar month or week"
    )
    decided_since: datetime | None = Field(
        default=None, description="judge only the cases decided after this time (tz-aware)"
    )
    since_label: str = Field(
        default="", description="what happened at decided_since ('policy v3 (2026-11-02)')"
    )

    def window_label(self) -> str:
        parts = []
        if self.last_outcomes is not None:
            parts.append(f"last {self.last_outcomes} outcomes")
        if self.decided_since is not None:
            what = self.since_label or self.decided_since.isoformat()
            parts.append(f"cases decided since {what}")
        if self.last_days is not None:
            parts.append(f"last {self.last_days:g} days")
        return " and ".join(parts) or "all outcomes"


@dataclass(frozen=True)
class OutcomeCheck:
    """Observed against expected risk outcomes in the window, and how strong the evidence is."""

    window: str
    n: int  # observed outcomes judged
    unobservable: int  # outcomes recorded for actions that do not reveal them (left out)
    observed_bad: int
    expected_bad: float
    p_value: float  # P(X >= observed) if the model were calibrated; 1 when not judged
    cusum: float
    realised_cost: float | None  # per case
    expected_cost: float | None  # per case, from the recorded probabilities
    level: int  # index into LEVELS
    note: str = ""
    # Calibration by score band: (low, high, n, mean predicted, observed rate) per band.
    bands: tuple[tuple[float, float, int, float, float], ...] = ()
    # Decision cohorts (see assistant.monitoring.vintages), and outcomes left out of the
    # window because they arrived before they were due (early outcomes are mostly bad).
    vintages: tuple[Vintage, ...] = ()
    not_due: int = 0
    # The same check on the cases decided since the last model or policy change (None: no
    # change recorded); an alert reports whichever of the two is worse, naming its window.
    since_change: OutcomeCheck | None = None
    # Outcomes recorded after an action that reveals some outcomes only (left out: which of
    # its cases show one depends on the outcome), and those actions.
    partial: int = 0
    partial_actions: tuple[str, ...] = ()

    @property
    def severity(self) -> str:
        return LEVELS[self.level]

    @property
    def observed_rate(self) -> float:
        return self.observed_bad / self.n if self.n else 0.0

    @property
    def expected_rate(self) -> float:
        return self.expected_bad / self.n if self.n else 0.0

    @property
    def worst(self) -> OutcomeCheck:
        """This check, or its since-change check when that one is more severe."""
        since = self.since_change
        return since if since is not None and since.level > self.level else self

    def message(self, risk: str = "risk outcome", per_case: str = "per case") -> str:
        """One sentence in the pack's words (``risk``: "malignancy"; ``per_case``: "per
        scan"), naming the window the check used."""
        cost = ""
        if self.realised_cost is not None and self.expected_cost is not None:
            cost = (
                f"; realised cost {self.realised_cost:.3f} {per_case} against"
                f" {self.expected_cost:.3f} expected"
            )
        worst = max((v for v in self.vintages if v.level), key=lambda v: (v.level, -v.p_value),
                    default=None)
        vintage = f"; worst {worst.sentence(risk)}" if worst is not None else ""
        left = f"; {self.left_out()}" if self.partial else ""
        return (
            f"Observed {risk} rate {self.observed_rate:.0%} ({self.observed_bad}/{self.n}) against"
            f" {self.expected_rate:.0%} expected from the model's probabilities,"
            f" p={self.p_value:.2g}, CUSUM {self.cusum:.1f} ({self.window}){cost}{vintage}{left}"
        )

    def left_out(self) -> str:
        """What the check leaves out for the actions that reveal some outcomes only, in
        words ("" when none)."""
        if not self.partial:
            return ""
        actions = " and ".join(repr(a) for a in self.partial_actions)
        return (f"{self.partial} outcome(s) recorded after {actions} left out: it reveals some "
                "outcomes only, so which of its cases show one depends on the outcome itself "
                "and they are no sample of its outcomes")

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "n": self.n,
            "unobservable": self.unobservable,
            "partial": self.partial,
            "partial_actions": list(self.partial_actions),
            "observed_bad": self.observed_bad,
            "expected_bad": self.expected_bad,
            "observed_rate": self.observed_rate,
            "expected_rate": self.expected_rate,
            "p_value": self.p_value,
            "cusum": self.cusum,
            "realised_cost": self.realised_cost,
            "expected_cost": self.expected_cost,
            "note": self.note,
            "bands": [
                {"low": lo, "high": hi, "n": n, "predicted": pred, "observed": obs}
                for lo, hi, n, pred, obs in self.bands
            ],
            "vintages": [v.to_dict() for v in self.vintages],
            "not_due": self.not_due,
            "since_change": self.since_change.to_dict() if self.since_change else None,
        }


def check_outcomes(
    rows: Iterable[Row],
    *,
    now: datetime,
    risk_outcome: str,
    reveals: Mapping[str, frozenset[str]] | None = None,
    costs: Costs | None = None,
    settings: OutcomeAlertSettings | None = None,
    outcomes: Iterable[str] | None = None,
) -> OutcomeCheck:
    """Judge the window of observed outcomes; see the module docstring.

    ``outcomes``: every outcome label (an action revealing fewer reveals some only); by
    default those ``reveals`` names, with ``risk_outcome``.

    Rows without a probability, an outcome or an observation time are ignored; outcomes observed
    after ``now`` too.
    """
    require_aware(now, "now")
    s = settings or OutcomeAlertSettings()
    if s.decided_since is not None:
        require_aware(s.decided_since, "decided_since")
    observed: list[tuple[datetime, float, bool, str, str]] = []
    decided_at: dict[int, datetime] = {}  # by id of the observed item: its decision time
    young: list[tuple[datetime, float, bool]] = []  # outcomes not due yet: (decided, p, bad)
    unobservable = 0
    every = (frozenset(outcomes) if outcomes is not None
             else frozenset({risk_outcome}).union(*(reveals or {}).values()))
    partial: dict[str, int] = {}
    delay = timedelta(days=s.outcome_delay_days)
    for row in rows:
        p, outcome, action = row.get("p_bad"), row.get("outcome"), row.get("action")
        at = parse_time(row.get("observed_at"))
        if not isinstance(p, int | float) or not isinstance(outcome, str) or at is None:
            continue
        if at > now:
            continue
        if reveals is not None and outcome not in reveals.get(str(action), frozenset()):
            unobservable += 1
            continue
        if reveals is not None and not reveals.get(str(action), frozenset()) >= every:
            partial[str(action)] = partial.get(str(action), 0) + 1
            continue
        prob = min(1.0, max(0.0, float(p)))
        decided = parse_time(row.get("decided_at")) or at
        if s.decided_since is not None and decided <= s.decided_since:
            continue  # decided before the change: another model or policy's decision
        if decided + delay > now:  # arrived before it was due: early ones are mostly bad
            young.append((decided, prob, outcome == risk_outcome))
            continue
        item = (at, prob, outcome == risk_outcome, str(action), outcome)
        decided_at[id(item)] = decided
        observed.append(item)
    observed.sort(key=lambda item: item[0])  # stable: rows arrive in recording order
    if s.last_days is not None:
        start = now - timedelta(days=s.last_days)
        observed = [item for item in observed if item[0] > start]
    if s.last_outcomes is not None:
        observed = observed[-s.last_outcomes :]
    n = len(observed)
    probs = np.fromiter((item[1] for item in observed), dtype=np.float64, count=n)
    bad = np.fromiter((item[2] for item in observed), dtype=bool, count=n)
    x = int(bad.sum())
    note = ""
    if n >= s.min_outcomes:
        p_value = poisson_binomial_sf(x, probs)
    else:
        p_value = 1.0
        note = f"only {n} observed outcome(s) (< {s.min_outcomes}): window test not run"
    cusum = risk_adjusted_cusum(probs, bad, s.cusum_odds_ratio)
    level = 0
    if p_value < s.warning_p or cusum >= s.cusum_h:
        level = 1
    if p_value < s.critical_p or cusum >= 2 * s.cusum_h:
        level = 2
    # The vintages of the window's outcomes (so a recovered stream resolves), and the
    # outcomes not due yet, whose vintages show as maturing.
    cohorts = [(decided_at[id(item)], item[1], item[2]) for item in observed] + young
    vintages = judge_vintages(
        cohorts, now=now, kind=s.vintage, delay_days=s.outcome_delay_days,
        min_outcomes=s.min_outcomes, warning_p=s.warning_p, critical_p=s.critical_p,
        upper_tail=poisson_binomial_sf,
    )  # fmt: skip
    level = max([level, *(v.level for v in vintages)])
    realised = expected = None
    if costs is not None and n:
        realised, expected = _costs(observed, costs, risk_outcome)
    return OutcomeCheck(
        window=s.window_label(),
        n=n,
        unobservable=unobservable,
        observed_bad=x,
        expected_bad=float(probs.sum()),
        p_value=p_value,
        cusum=cusum,
        realised_cost=realised,
        expected_cost=expected,
        level=level,
        note=note,
        bands=calibration_bands(probs, bad),
        vintages=vintages,
        not_due=len(young),
        partial=sum(partial.values()),
        partial_actions=tuple(sorted(partial)),
    )


#: Score bands for calibration (p of the risk outcome), as an owner reads them.
BAND_EDGES: tuple[float, ...] = (0.0, 0.05, 0.1, 1 / 6, 0.25, 0.5, 1.0)


def calibration_bands(
    probs: np.ndarray[Any, np.dtype[np.float64]], bad: np.ndarray[Any, np.dtype[np.bool_]]
) -> tuple[tuple[float, float, int, float, float], ...]:
    """Observed against predicted risk by score band (empty bands left out)."""
    out = []
    for lo, hi in zip(BAND_EDGES, BAND_EDGES[1:], strict=False):
        inside = (probs >= lo) & ((probs < hi) if hi < 1.0 else (probs <= hi))
        n = int(inside.sum())
        if n:
            out.append((lo, hi, n, float(probs[inside].mean()), float(bad[inside].mean())))
    return tuple(out)


def poisson_binomial_sf(x: int, probs: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """``P(X ≥ x)`` for ``X`` the number of successes of independent Bernoulli(``p_i``).

    Exact, by the usual dynamic programme over the cases (``O(n²)``, vectorised per case).
    """
    if x <= 0:
        return 1.0
    if x > probs.size:
        return 0.0
    dist = np.zeros(probs.size + 1)
    dist[0] = 1.0
    for i, p in enumerate(probs, start=1):
        dist[1 : i + 1] = dist[1 : i + 1] * (1.0 - p) + dist[:i] * p
        dist[0] *= 1.0 - p
    return float(min(1.0, max(0.0, dist[x:].sum())))


def risk_adjusted_cusum(
    probs: np.ndarray[Any, np.dtype[np.float64]],
    bad: np.ndarray[Any, np.dtype[np.bool_]],
    odds_ratio: float,
) -> float:
    """The CUSUM's value after the last outcome (0 with no outcomes); see the module docstring."""
    log_r = math.log(odds_ratio)
    weights = np.where(bad, log_r, 0.0) - np.log(1.0 - probs + odds_ratio * probs)
    total = 0.0
    for w in weights.tolist():
        total = max(0.0, total + w)
    return total


def _costs(
    observed: list[tuple[datetime, float, bool, str, str]], costs: Costs, risk: str
) -> tuple[float | None, float | None]:
    """Realised and expected cost per case over the cases whose action has costs."""
    realised = expected = 0.0
    counted = 0
    for _, p, _, action, outcome in observed:
        row = costs.get(action)
        if not row or outcome not in row:
            continue
        other = next((o for o in row if o != risk), None)
        if risk not in row or other is None:
            continue
        realised += row[outcome]
        expected += p * row[risk] + (1.0 - p) * row[other]
        counted += 1
    if not counted:
        return None, None
    return realised / counted, expected / counted
