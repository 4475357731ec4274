"""Drift over several windows of the latest cases, and the alerts it raises.

A shift that starts now fills the latest cases first: in a 1,000-case window, 100 shifted
cases are a tenth of the data, but all of the last 100. So each feature is tested over the
last 100 and 200 cases and over the whole window, and the alert uses the window with the
strongest evidence (the smallest p-value) and says which one it was.

False alarms are controlled per check, over every feature and window together: a test drifts
for alerting when ``p < false_alarm_rate / (features × windows)`` (Bonferroni; conservative
here, since the windows are nested). So a sample drawn from the reference itself alerts on at
most ``false_alarm_rate`` of checks, whatever the reference's size (see
``tests/assistant/test_monitoring_windows.py``; README states the measured rate).

Severity grows with the shift: *warning* when the test is significant, *critical* when, in a
significant window, the PSI beyond its small-sample bias (:func:`excess_psi`) reaches the
significant band (0.25). An open alert is escalated
(an event) when its level rises; see :mod:`assistant.usecases.alerting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.monitoring.drift import DriftReport, FeatureDrift, feature_drift
from assistant.monitoring.drift_base import Column, DriftSettings, Rows
from assistant.monitoring.drift_reference import DriftReference


class DriftAlertSettings(BaseModel):
    """Windows and the per-check false-alarm rate of drift alerts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    windows: tuple[int, ...] = Field(
        default=(100, 200), description="latest-case windows tested besides the whole window"
    )
    false_alarm_rate: float = Field(
        default=0.05, gt=0, lt=1, description="chance that one check of unshifted data alerts"
    )
    psi_critical: float = Field(
        default=0.25, ge=0, description="excess PSI of a significant window that is critical"
    )


@dataclass(frozen=True)
class Window:
    label: str  # "last 100 cases", "all 1000 cases"
    report: DriftReport


@dataclass(frozen=True)
class FeatureEvidence:
    """The strongest evidence about one feature (or the scores) across the windows."""

    name: str
    window: str
    drift: FeatureDrift
    significant: bool
    critical: bool
    by_window: dict[str, dict[str, Any]]


def windowed_drift(
    reference: DriftReference,
    rows: Rows,
    *,
    scores: Column | None = None,
    windows: Sequence[int] = (100, 200),
    settings: DriftSettings | None = None,
    named: Sequence[tuple[str, int]] = (),
) -> list[Window]:
    """Drift of the latest ``n`` rows for each window size below the total, then of all rows.

    ``rows`` (and ``scores``, aligned with them) are oldest first. ``named``: more windows
    of the latest rows, each (label, size), e.g. the cases since the last model or policy
    change (a size of 0 or of every row is left out).
    """
    total = len(rows)
    out: list[Window] = []
    sizes = [(f"last {size} cases", size) for size in sorted(set(windows))]
    for label, size in [*sizes, *named]:
        if not 0 < size < total:
            continue
        latest_scores = None if scores is None else list(scores)[-size:]
        report = feature_drift(reference, rows[-size:], scores=latest_scores, settings=settings)
        out.append(Window(label, report))
    report = feature_drift(reference, rows, scores=scores, settings=settings)
    out.append(Window(f"all {total} cases", report))
    return out


def evidence(
    windows: Sequence[Window], settings: DriftAlertSettings | None = None
) -> tuple[list[FeatureEvidence], float]:
    """The strongest evidence per feature (and for the scores), and the per-test threshold."""
    s = settings or DriftAlertSettings()
    if not windows:
        return [], s.false_alarm_rate
    names = [f.name for f in windows[0].report.features]
    n_reference = windows[0].report.n_reference
    psi_critical = s.psi_critical
    has_scores = windows[0].report.prediction is not None
    tests = max(1, (len(names) + has_scores) * len(windows))
    alpha = s.false_alarm_rate / tests
    found: list[FeatureEvidence] = []
    for name in [*names, *(["p_bad"] if has_scores else [])]:
        per: list[tuple[str, FeatureDrift]] = []
        for w in windows:
            f = w.report.prediction if name == "p_bad" else w.report.feature(name)
            if f is not None and not f.note:  # a note: too few values to judge
                per.append((w.label, f))
        if not per:
            continue
        label, best = min(per, key=lambda item: p_value_of(item[1]))
        significant = [(lbl, f) for lbl, f in per if p_value_of(f) < alpha]
        critical = any(excess_psi(f, n_reference) >= psi_critical for _, f in significant)
        if critical:  # report the window that shows the large shift
            label, best = max(significant, key=lambda item: excess_psi(item[1], n_reference))
        found.append(
            FeatureEvidence(
                name=name,
                window=label,
                drift=best,
                significant=bool(significant),
                critical=critical,
                by_window={
                    lbl: {
                        "psi": f.psi,
                        "excess_psi": excess_psi(f, n_reference),
                        "p_value": f.p_value,
                        "statistic": f.statistic,
                    }
                    for lbl, f in per
                },
            )
        )
    return found, alpha


def excess_psi(f: FeatureDrift, n_reference: int) -> float:
    """PSI beyond what sampling alone gives: ``PSI − (k − 1)(1/n + 1/N)``, at least 0.

    Two samples of one distribution have PSI ≈ ``(k − 1)(1/n + 1/N)`` over ``k`` occupied bins
    (PSI is a symmetrised KL divergence; twice the KL estimate's first-order bias), about 0.1
    for 100 cases over 10 bins: without this, a small window would look moderately shifted
    by chance.
    """
    occupied = sum(1 for a, b in zip(f.reference_shares, f.current_shares, strict=True) if a or b)
    n = max(f.n_current, 1)
    bias = max(occupied - 1, 0) * (1.0 / n + 1.0 / max(n_reference, 1))
    return max(0.0, f.psi - bias)


def p_value_of(f: FeatureDrift) -> float:
    """The test's p-value (a drifted opt-in distance, which has none, counts as decisive)."""
    if f.p_value is None:
        return 0.0 if f.drifted else 1.0
    return f.p_value
