"""Drift alerts over time windows, on real data: early, growing, and quiet on the reference."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np

from assistant.domains import get_pack, get_quantity_pack
from assistant.monitoring.drift_reference import DriftReference
from assistant.monitoring.drift_windows import DriftAlertSettings, windowed_drift
from assistant.monitoring.health import AlertSpec, evaluate_alerts

NOW = datetime(2026, 12, 1, tzinfo=UTC)
NOMINAL = DriftAlertSettings().false_alarm_rate


@cache
def credit() -> tuple[list[dict[str, Any]], DriftReference]:
    pack = get_pack("credit")
    rows = [dict(r) for r in pack.load_dataset().rows]
    return rows, DriftReference.fit(rows, list(pack.numeric), list(pack.categorical))


@cache
def bikeshare() -> tuple[list[dict[str, Any]], DriftReference]:
    pack = get_quantity_pack("demand")
    rows = [dict(r) for r in pack.history.rows]
    return rows, DriftReference.fit(rows, list(pack.numeric), list(pack.categorical))


def alerts(reference: DriftReference, rows: list[dict[str, Any]]) -> dict[str, AlertSpec]:
    return {a.key: a for a in evaluate_alerts(now=NOW, drift=windowed_drift(reference, rows))}


def stream(shifted: list[dict[str, Any]], seed: int = 0) -> list[dict[str, Any]]:
    """900 unshifted applications, then the shifted ones (newest last)."""
    rows, _ = credit()
    rng = np.random.default_rng(seed)
    return [rows[i] for i in rng.choice(len(rows), 900, replace=False)] + shifted


def test_one_hundred_young_applicants_alert_on_age_over_the_last_hundred_cases() -> None:
    rows, reference = credit()
    young = [r for r in rows if int(r["age_in_years"]) <= 25][:100]

    found = alerts(reference, stream(young))

    age = found["feature_drift:age_in_years"]
    assert age.details["window"] == "last 100 cases"
    assert "last 100 cases" in age.message
    # Diluted in the whole 1,000-case window the same shift is far weaker.
    whole = age.details["windows"]["all 1000 cases"]
    assert whole["psi"] < age.details["psi"]


def test_one_hundred_amounts_tripled_alert_on_credit_amount() -> None:
    rows, reference = credit()
    rng = np.random.default_rng(1)
    tripled = [
        {**rows[i], "credit_amount": 3 * int(rows[i]["credit_amount"])}
        for i in rng.choice(len(rows), 100, replace=False)
    ]

    found = alerts(reference, stream(tripled))

    assert found["feature_drift:credit_amount"].severity == "critical"
    assert "feature_drift:age_in_years" not in found


def test_a_growing_shift_is_first_a_warning_then_critical() -> None:
    """The newest 200 loans grow larger step by step (×1 … ×2), after 900 ordinary ones."""
    rows, reference = credit()
    first_alerts, last = [], []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        picked = rng.choice(len(rows), 200, replace=False)
        ladder = []
        for factor in (1.0, 1.15, 1.25, 1.4, 2.0):
            larger = [{**rows[i], "credit_amount": factor * int(rows[i]["credit_amount"])}
                      for i in picked]
            amount = alerts(reference, stream(larger, seed=seed)).get(
                "feature_drift:credit_amount"
            )
            ladder.append(amount.severity if amount else None)
        assert ladder[0] is None, seed  # nothing shifted yet
        first_alerts.append(next(s for s in ladder if s))
        last.append(ladder[-1])
    assert last == ["critical"] * 10
    assert first_alerts.count("warning") >= 6  # most shifts are caught before they are large


def test_samples_of_the_credit_data_itself_alert_at_most_at_the_nominal_rate() -> None:
    rows, reference = credit()
    fired = 0
    for seed in range(200):
        rng = np.random.default_rng(5000 + seed)
        sample = [rows[i] for i in rng.choice(len(rows), 200, replace=False)]
        fired += bool(alerts(reference, sample))
    assert fired / 200 <= NOMINAL


def test_a_large_reference_raises_no_false_alarms_on_its_own_rows() -> None:
    """8,391 real hours of Capital Bikeshare: 200 rows drawn from it, 50 times."""
    rows, reference = bikeshare()
    assert reference.n_rows > 1000
    fired = 0
    for seed in range(50):
        rng = np.random.default_rng(7000 + seed)
        sample = [rows[i] for i in rng.choice(len(rows), 200, replace=False)]
        found = alerts(reference, sample)
        assert "dataset_drift" not in found
        fired += bool(found)
    assert fired <= 50 * NOMINAL
