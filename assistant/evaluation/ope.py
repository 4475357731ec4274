"""Off-policy estimates: what a policy would have cost, from a log whose outcomes are selective.

The setting (selective labels). Case ``i`` was decided by the *logging* policy (the policy's
recommendation, possibly randomised by exploration, then the operator's choice); its outcome
``y_i`` is seen only when the action taken reveals it (approve), which happened with
probability ``e_i`` given what was known about the case. Any *target* policy's cost on case
``i`` is a function of the outcome alone: ``c_i(risk)`` or ``c_i(safe)`` (a stochastic target
mixes its actions' costs). Once ``y_i`` is seen, ``c_i(y_i)`` is known for every target, so:

* **naive**: the mean of ``c_i(y_i)`` over the cases with an outcome. Biased whenever which
  cases show outcomes depends on the case (it always does: only approved ones do);
* **IPS** (inverse propensity): ``1/n Σ O_i c_i(y_i) / e_i`` with ``O_i`` = outcome seen.
  Unbiased when every case had ``e_i > 0``; high variance when some ``e_i`` are small;
* **SNIPS** (self-normalised): ``Σ O_i c_i(y_i)/e_i / Σ O_i/e_i``: slightly biased, much
  steadier;
* **DR** (doubly robust, Dudík, Langford & Li 2011): ``1/n Σ [ĉ_i + O_i/e_i (c_i(y_i) − ĉ_i)]``
  with ``ĉ_i = p_i c_i(risk) + (1 − p_i) c_i(safe)`` from the model's calibrated probability.
  Unbiased if either the propensities or the model are right; where ``e_i = 0`` (the log
  could never have seen the outcome) it rests on the model alone, and the report says so.

Intervals are percentile bootstraps over cases (the same resamples for every estimator and, in
:func:`compare`, for both policies, so differences are paired). DR's interval (IPS's and
SNIPS's likewise, each with its own centre) is then widened, where narrower, to the
model-based half-width of :func:`unseen_noise` either side of its estimate, never past the
costs possible (:func:`possible`): the bootstrap measures the spread of the outcomes the log
happened to draw, and when the cost rests on rare, costly outcomes of which it drew none or
one, that spread is far smaller than the spread those outcomes have. The variance is then
taken at the model's probabilities rather than the sample's, as Wilson's interval for a rare
proportion takes it at the hypothesised proportion rather than the observed one (Wilson 1927;
a Wald interval from 0 events out of 100 has width 0). The effective sample size ``(Σw)² /
Σw²`` of the weights ``w_i = O_i/e_i`` says how many equally weighted outcomes the IPS figure
is worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.stats import Interval, bootstrap_ratios

FloatArray = NDArray[np.float64]

TOO_FEW_OUTCOMES = "too_few_outcomes"
"""Why IPS, SNIPS and DR were withheld: fewer outcomes seen than the caller requires."""

INVALID_PROPENSITIES = "invalid_propensities"
"""Why IPS, SNIPS and DR were withheld: some case's logged propensities are not
probabilities of the policy's actions (negative, above 1, not summing to 1, not a number,
naming no action of the policy, or 0 for the action it recommended): a weight from them
would be a confident wrong number."""


@dataclass(frozen=True)
class Log:
    """What a log of decided cases says, one entry per case.

    ``risk[i]``: 1.0 when the risk outcome was seen, 0.0 when the safe one was, NaN when no
    outcome was seen because of the action (outcomes reported by outside sources are left
    out here: their reporting rate is unknown). ``reveal_prob[i]``: the probability ``e_i``
    that the logging policy, operators included, took an action revealing the outcome.
    ``p_risk[i]``: the model's probability of the risk outcome (DR's model part).
    """

    risk: FloatArray
    reveal_prob: FloatArray
    p_risk: FloatArray

    def __post_init__(self) -> None:
        n = len(self.risk)
        if len(self.reveal_prob) != n or len(self.p_risk) != n:
            raise ValueError("risk, reveal_prob and p_risk need one entry per case")
        observed = ~np.isnan(self.risk)
        if np.any(observed & (self.reveal_prob <= 0.0)):
            raise ValueError("a case whose outcome was seen cannot have reveal_prob 0")

    @property
    def n(self) -> int:
        return len(self.risk)

    @property
    def observed(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.risk)

    @property
    def weights(self) -> FloatArray:
        """``O_i / e_i``: 0 for cases without an outcome."""
        out = np.zeros(self.n)
        seen = self.observed
        out[seen] = 1.0 / self.reveal_prob[seen]
        return out


@dataclass(frozen=True)
class Target:
    """A policy to evaluate: its cost on each case if the risk / safe outcome happens."""

    name: str
    if_risk: FloatArray
    if_safe: FloatArray


@dataclass(frozen=True)
class Estimate:
    """One policy's cost per case from the log, by each estimator, with what it rests on."""

    name: str
    n: int  # cases
    n_observed: int  # outcomes the estimates rest on
    n_unsupported: int  # cases whose outcome the log could never have seen (e = 0)
    naive: Interval | None  # observed outcomes only: biased, shown for comparison
    ips: Interval | None
    snips: Interval | None
    dr: Interval | None
    ess: float  # effective sample size of the IPS weights
    max_weight: float
    # "too_few_outcomes": IPS, SNIPS and DR withheld (fewer than ``needed`` outcomes seen)
    withheld: str | None = None
    needed: int = 0
    # Half-width, at the same confidence, of the spread the model's own probabilities put
    # between DR and the cost these cases actually had (see :func:`unseen_noise`); ``dr``'s
    # interval is at least this wide either side of its estimate.
    dr_noise: float = 0.0
    # The bootstrap's own DR interval, before that widening (None: withheld).
    dr_bootstrap: Interval | None = None

    @property
    def dr_widened(self) -> bool:
        """Whether DR's interval is wider than the bootstrap's (the model's spread of the
        unseen outcomes set it)."""
        return (self.dr is not None and self.dr_bootstrap is not None
                and (self.dr.low, self.dr.high) != (self.dr_bootstrap.low, self.dr_bootstrap.high))

    @property
    def supported(self) -> bool:
        """Whether IPS/SNIPS cover every case (no case had zero chance of an outcome)."""
        return self.n_unsupported == 0 and self.n_observed > 0

    def to_dict(self) -> dict[str, Any]:
        def iv(i: Interval | None) -> dict[str, float] | None:
            return None if i is None else i.to_dict()

        def off(i: Interval | None) -> dict[str, Any] | None:
            return self.withheld_dict() if self.withheld else iv(i)

        return {
            "name": self.name, "n": self.n, "n_observed": self.n_observed,
            "n_unsupported": self.n_unsupported, "supported": self.supported,
            "naive": iv(self.naive), "ips": off(self.ips), "snips": off(self.snips),
            "dr": off(self.dr), "effective_sample_size": self.ess, "max_weight": self.max_weight,
            "dr_unseen_noise": self.dr_noise,
            "dr_bootstrap": None if self.withheld else iv(self.dr_bootstrap),
        }  # fmt: skip

    def withheld_dict(self) -> dict[str, Any]:
        """What ``--json`` shows instead of a withheld figure."""
        return {"status": self.withheld, "n_outcomes": self.n_observed, "needed": self.needed}


def _terms(log: Log, target: Target) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Per-case numerator and denominator of each estimator (estimate = Σnum / Σden)."""
    seen = log.observed
    y = np.where(seen, log.risk, 0.0)
    cost = np.where(y == 1.0, target.if_risk, target.if_safe)
    model = log.p_risk * target.if_risk + (1.0 - log.p_risk) * target.if_safe
    w = log.weights
    ones = np.ones(log.n)
    return {
        "naive": (np.where(seen, cost, 0.0), seen.astype(np.float64)),
        "ips": (w * cost, ones),
        "snips": (w * cost, w),
        "dr": (model + w * (cost - model), ones),
    }


def unseen_noise(log: Log, target: Target, confidence: float = 0.95,
                 centre: FloatArray | float | None = None) -> float:
    """How far, by the model's own probabilities, the cost these cases actually had may lie
    from DR: the half-width at ``confidence`` of ``realised - DR``, whose variance given the
    cases is ``Σ (1/e_i - 1) p_i (1 - p_i) Δ_i² / n²`` (``Σ p_i (1 - p_i) Δ_i² / n²`` where
    ``e_i = 0``), ``Δ_i`` the target's cost difference between the outcomes. The bootstrap
    cannot see this spread when the cost rests on rare, costly outcomes of which the log drew
    none or one (a missed malignancy seen only when an exploring case was biopsied); this
    formula can, provided the model is calibrated.

    ``centre`` (per case or one number) is what each weighted outcome's cost is compared
    with: DR's model cost ``ĉ_i`` by default (``E (c_i - ĉ_i)² = p_i (1 - p_i) Δ_i²``), 0
    for IPS (``realised - IPS = Σ (1 - O_i/e_i) c_i / n``), the estimate itself for SNIPS."""
    n = log.n
    if not n:
        return 0.0
    p = log.p_risk
    if centre is None:
        spread = p * (1.0 - p) * (target.if_risk - target.if_safe) ** 2
    else:
        spread = p * (target.if_risk - centre) ** 2 + (1.0 - p) * (target.if_safe - centre) ** 2
    e = log.reveal_prob
    with np.errstate(divide="ignore"):
        factor = np.where(e > 0.0, 1.0 / np.where(e > 0.0, e, 1.0) - 1.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    return float(z * np.sqrt(float((factor * spread).sum())) / n)


def possible(log: Log, target: Target) -> tuple[float, float]:
    """The lowest and highest cost per case the target can have had, whatever the unseen
    outcomes were (each seen outcome as it was): the truth lies here, whatever any model
    says."""
    if not log.n:
        return 0.0, 0.0
    seen = log.observed
    known = np.where(log.risk == 1.0, target.if_risk, target.if_safe)
    low = np.where(seen, known, np.minimum(target.if_risk, target.if_safe))
    high = np.where(seen, known, np.maximum(target.if_risk, target.if_safe))
    return float(low.mean()), float(high.mean())


def at_least(found: Interval | None, half: float,
             within: tuple[float, float] = (-np.inf, np.inf)) -> Interval | None:
    """``found`` widened, on each side where it is narrower, to ``half`` from its estimate,
    but not beyond ``within`` (the costs possible at all) where the widening alone would
    cross it."""
    if found is None or not half > 0.0:
        return found
    low = min(found.low, max(found.estimate - half, within[0]))
    high = max(found.high, min(found.estimate + half, within[1]))
    return Interval(found.estimate, low, high)


def estimate(
    log: Log,
    target: Target,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
    min_outcomes: int = 0,
) -> Estimate:
    """The target policy's cost per case by every estimator, with bootstrap intervals.

    With fewer than ``min_outcomes`` outcomes seen, IPS, SNIPS and DR are withheld
    (``withheld="too_few_outcomes"``): a figure from three outcomes reads like a measurement
    and is not one."""
    rng = rng or np.random.default_rng(0)
    terms = _terms(log, target)
    names = ("naive", "ips", "snips", "dr")
    found = bootstrap_ratios([terms[k] for k in names], n_boot, confidence, rng)
    intervals = dict(zip(names, found, strict=True))
    w = log.weights
    ess = float(w.sum() ** 2 / (w**2).sum()) if w.any() else 0.0
    unsupported = int(np.sum(log.reveal_prob <= 0.0))
    n_observed = int(log.observed.sum())
    few = n_observed < min_outcomes
    supported = unsupported == 0 and not few
    noise = unseen_noise(log, target, confidence)
    bounds = possible(log, target)
    # IPS and SNIPS get the same floor: their error given the cases is the weighted outcomes'
    # own spread (about 0 for IPS, about the estimate for SNIPS), which a log that drew none
    # of the rare, costly outcomes shows none of either.
    ips = intervals["ips"]
    snips = intervals["snips"]
    if ips is not None and supported:
        ips = at_least(ips, unseen_noise(log, target, confidence, centre=0.0), bounds)
    if snips is not None and supported:
        snips = at_least(snips, unseen_noise(log, target, confidence, centre=snips.estimate),
                         bounds)
    return Estimate(
        name=target.name,
        n=log.n,
        n_observed=n_observed,
        n_unsupported=unsupported,
        naive=intervals["naive"],
        # IPS cannot see cases that never had a chance of an outcome: no figure, not a
        # quietly biased one.
        ips=ips if supported else None,
        snips=snips if supported else None,
        dr=None if few else at_least(intervals["dr"], noise, bounds),
        ess=ess,
        max_weight=float(w.max()) if w.size else 0.0,
        withheld=TOO_FEW_OUTCOMES if few else None,
        needed=min_outcomes,
        dr_noise=noise,
        dr_bootstrap=None if few else intervals["dr"],
    )


def compare(
    log: Log,
    first: Target,
    second: Target,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | None = None,
    min_outcomes: int = 0,
) -> dict[str, Interval | None]:
    """``first − second`` per case by naive, IPS and DR, paired over the same resamples (IPS
    and DR None below ``min_outcomes`` outcomes seen). DR's interval is at least the
    model-based half-width of the difference's own unseen outcomes (:func:`unseen_noise`)."""
    rng = rng or np.random.default_rng(0)
    a, b = _terms(log, first), _terms(log, second)
    names = ("naive", "ips", "dr")
    columns = [(a[k][0] - b[k][0], a[k][1]) for k in names]
    found = dict(zip(names, bootstrap_ratios(columns, n_boot, confidence, rng), strict=True))
    gap = Target(f"{first.name} - {second.name}", first.if_risk - second.if_risk,
                 first.if_safe - second.if_safe)
    found["dr"] = at_least(found["dr"], unseen_noise(log, gap, confidence), possible(log, gap))
    if found["ips"] is not None:
        found["ips"] = at_least(found["ips"], unseen_noise(log, gap, confidence, centre=0.0),
                                possible(log, gap))
    if np.any(log.reveal_prob <= 0.0):
        found["ips"] = None
    if int(log.observed.sum()) < min_outcomes:
        found["ips"] = found["dr"] = None
    return found


__all__ = ["INVALID_PROPENSITIES", "TOO_FEW_OUTCOMES", "Estimate", "Log", "Target", "at_least",
           "compare", "estimate", "possible", "unseen_noise"]
