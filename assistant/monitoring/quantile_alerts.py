"""Outcome quality of a "how much" pack: do the predicted quantiles still hold on realised demand?

A quantile model is right when demand falls at or below its ``a``-quantile a share ``a`` of
the time. The yardstick is the served model's **own validation** (the held-out period kept on
its card), not the nominal level: a model whose 0.8-quantile covered 0.74 in validation is
judged against 0.74, so a known miscalibration does not alarm on day one; a change does.
Each case is judged against the validation of the model version that forecast it: after a
promotion, the older cases keep their own model's yardstick. With one yardstick the test is
the exact binomial; with several, the exact Poisson-binomial (the number covered is a sum of
Bernoulli draws with each case's own expected coverage), two-sided by doubling the smaller
tail.

For each predicted level, over the latest window of cases with realised demand: the share
covered, an exact two-sided binomial test against the validation coverage, and the mean
pinball loss beside the validation's. The smallest p-value, Bonferroni-corrected over the
levels, decides: below ``critical_p`` critical, below ``warning_p`` a warning. The pinball
ratio is reported, not alarmed on (its scale moves with the demand level).

Pure: forecasts and demand in, a check out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.monitoring.health import AlertSpec, Severity
from assistant.monitoring.outcome_alerts import poisson_binomial_sf


@dataclass(frozen=True)
class QuantileAlertSettings:
    last_outcomes: int = 500  # judge the latest this many cases with realised demand
    min_outcomes: int = 30  # fewer: no judgement, only figures
    warning_p: float = 0.01
    critical_p: float = 0.001


@dataclass(frozen=True)
class LevelCheck:
    level: float
    n: int
    covered: int  # cases whose demand was at or below the predicted quantile
    # The validation's coverage at this level (the nominal level if none); with cases of
    # several model versions, the mean of each case's own version's coverage.
    expected: float
    p_value: float  # exact two-sided test of ``covered`` against the expected coverage
    pinball: float  # mean pinball loss on these cases
    validation_pinball: float | None

    @property
    def coverage(self) -> float:
        return self.covered / self.n if self.n else float("nan")


@dataclass(frozen=True)
class QuantileCheck:
    n: int
    levels: tuple[LevelCheck, ...]
    severity: Severity | None
    min_outcomes: int
    unit: str = "units"  # the pack's unit and its word for the realised quantity
    outcome: str = "demand"
    cases: str = "cases"  # the pack's word for its periods ("months")

    @property
    def adjusted_p(self) -> float:
        """The smallest p-value over the levels, Bonferroni-corrected."""
        if not self.levels:
            return 1.0
        return min(1.0, min(c.p_value for c in self.levels) * len(self.levels))

    def message(self, unit: str | None = None) -> str:
        unit = unit or self.unit
        if self.n < self.min_outcomes:
            return (f"{self.n} {self.cases} with realised {self.outcome}: too few to judge the "
                    f"forecasts (at least {self.min_outcomes})")
        worst = min(self.levels, key=lambda c: c.p_value)
        verdict = {None: "holding", "warning": "WARNING", "critical": "CRITICAL"}[self.severity]
        return (f"quantile forecasts {verdict} on {self.n} {self.cases} with realised "
                f"{self.outcome}: the {worst.level:g} quantile covered {worst.coverage:.1%} of "
                f"{self.cases} against "
                f"{worst.expected:.1%} in the model's validation (p={self.adjusted_p:.2g}, "
                f"Bonferroni over {len(self.levels)} levels); pinball loss "
                + ", ".join(f"{c.level:g}: {c.pinball:.2f}"
                            + (f" (validation {c.validation_pinball:.2f})"
                               if c.validation_pinball is not None else "")
                            for c in self.levels)
                + f" {unit}")

    def alert(self, unit: str | None = None) -> AlertSpec | None:
        if self.severity is None:
            return None
        return AlertSpec(
            kind="outcome_quality", severity=self.severity, key="outcome_quality",
            message=self.message(unit),
            details={"n": self.n, "adjusted_p": self.adjusted_p,
                     "levels": {str(c.level): {"coverage": c.coverage, "expected": c.expected,
                                               "p_value": c.p_value, "pinball": c.pinball}
                                for c in self.levels}},
        )


def pinball_loss(level: float, predicted: float, actual: float) -> float:
    """The quantile loss of predicting ``predicted`` at ``level`` when ``actual`` happened."""
    diff = actual - predicted
    return max(level * diff, (level - 1.0) * diff)


def _by_level(validation: Mapping[str, Any], key: str) -> dict[float, float]:
    return {float(k): float(v) for k, v in (validation.get(key) or {}).items()}


def coverage_p_value(covered: int, expected: Sequence[float]) -> float:
    """Two-sided p-value of ``covered`` hits among cases with these expected coverages."""
    n = len(expected)
    if not n:
        return 1.0
    if len(set(expected)) == 1:
        # Imported here: importing scipy.stats at start-up cost every docket command a second.
        from scipy.stats import binomtest

        return float(binomtest(covered, n, expected[0]).pvalue)
    probs = np.asarray(expected, dtype=np.float64)
    upper = poisson_binomial_sf(covered, probs)
    lower = 1.0 - poisson_binomial_sf(covered + 1, probs)
    return min(1.0, 2.0 * min(upper, lower))


def check_quantiles(
    forecasts: Sequence[Mapping[float, float]],
    demand: Sequence[float],
    validation: Mapping[str, Any],
    settings: QuantileAlertSettings | None = None,
    *,
    per_case: Sequence[Mapping[str, Any]] | None = None,
) -> QuantileCheck:
    """Coverage and pinball loss of each predicted level against the model's validation.

    ``forecasts[i]`` maps level -> predicted value for the case whose realised demand is
    ``demand[i]`` (oldest first; the latest ``settings.last_outcomes`` are judged);
    ``validation`` is the model card's ``validation`` block (``coverage``, ``pinball`` by
    level as text); ``per_case[i]``, when given, is the validation block of the model version
    that forecast case ``i`` (its yardstick instead of ``validation``).
    """
    s = settings or QuantileAlertSettings()
    if len(forecasts) != len(demand):
        raise ValueError("one forecast per realised demand")
    if per_case is not None and len(per_case) != len(demand):
        raise ValueError("one validation block per realised demand")
    yardsticks = list(per_case) if per_case is not None else [validation] * len(demand)
    triples = list(zip(forecasts, demand, yardsticks, strict=True))[-s.last_outcomes:]
    pairs = [(f, d) for f, d, _ in triples]
    coverages = {id(v): _by_level(v, "coverage") for v in yardsticks}
    pinballs = {id(v): _by_level(v, "pinball") for v in yardsticks}
    levels = sorted({float(a) for f, _ in pairs for a in f})
    checks = []
    for level in levels:
        seen = [(f[level], d, v) for f, d, v in triples if level in f]
        n = len(seen)
        covered = sum(d <= q for q, d, _ in seen)
        # A validation coverage of exactly 0 or 1 would make every miss "impossible".
        expected = [min(max(coverages[id(v)].get(level, level), 0.001), 0.999)
                    for _, _, v in seen]
        validation_pinball = [pinballs[id(v)][level] for _, _, v in seen
                              if level in pinballs[id(v)]]
        checks.append(LevelCheck(
            level, n, covered, sum(expected) / n if n else level,
            coverage_p_value(covered, expected),
            sum(pinball_loss(level, q, d) for q, d, _ in seen) / n if n else float("nan"),
            sum(validation_pinball) / len(validation_pinball) if validation_pinball else None,
        ))
    n = len(pairs)
    found = QuantileCheck(n, tuple(checks), None, s.min_outcomes)
    if n < s.min_outcomes or not checks:
        return found
    adjusted = found.adjusted_p
    severity: Severity | None = (
        "critical" if adjusted < s.critical_p else "warning" if adjusted < s.warning_p else None)
    return QuantileCheck(n, tuple(checks), severity, s.min_outcomes)
