"""Override rates and spikes, OOD rise, policy review age, and the combined alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from assistant.monitoring.health import MonitoringThresholds, evaluate_alerts, policy_review_overdue
from assistant.monitoring.rates import (
    RateRiseThresholds,
    ood_share_rise,
    override_rates,
    override_spike,
    two_proportion_p_value,
)

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
OPERATORS = ("ana", "ben", "chen")
REASONS = ("income_verified", "collateral", "relationship")


def stream(
    days: int,
    per_day: int,
    rate: float,
    *,
    seed: int,
    spike_from_day: int | None = None,
    spike_rate: float = 0.0,
    spike_operator: str | None = None,
    ood_rate: float = 0.02,
    ood_spike_rate: float | None = None,
) -> list[dict[str, object]]:
    """Decisions over the last ``days``; from ``spike_from_day`` days ago the rate changes."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for day in range(days, 0, -1):
        recent = spike_from_day is not None and day <= spike_from_day
        for i in range(per_day):
            op = OPERATORS[i % len(OPERATORS)]
            spiking = recent and (spike_operator is None or op == spike_operator)
            p_override = spike_rate if spiking else rate
            p_ood = ood_spike_rate if (recent and ood_spike_rate is not None) else ood_rate
            u = rng.random()
            kind = "overridden" if u < p_override else ("escalated" if u > 0.97 else "accepted")
            rows.append(
                {
                    "case_id": f"c{day}-{i}",
                    "operator": op,
                    "decision_kind": kind,
                    "reason_code": REASONS[i % 3] if kind == "overridden" else None,
                    "recommended_action": "decline",
                    "decided_action": "approve" if kind == "overridden" else "decline",
                    "outcome": None,
                    "ood": bool(rng.random() < p_ood),
                    "decided_at": (NOW - timedelta(days=day - 0.5)).isoformat(),
                }
            )
    return rows


def test_override_rates_overall_by_reason_and_operator() -> None:
    rows: list[dict[str, object]] = [
        {"operator": "ana", "decision_kind": "accepted"},
        {"operator": "ana", "decision_kind": "overridden", "reason_code": "collateral"},
        {"operator": "ben", "decision_kind": "overridden", "reason_code": "collateral"},
        {"operator": "ben", "decision_kind": "overridden", "reason_code": None},
        {"operator": "ben", "decision_kind": "escalated"},
        {"operator": "ben", "decision_kind": "something else"},  # ignored
    ]
    rates = override_rates(rows)
    assert (rates.overall.count, rates.overall.total) == (3, 5)
    assert rates.escalated.rate == pytest.approx(0.2)
    assert rates.by_reason["collateral"].rate == pytest.approx(0.4)
    assert rates.by_reason["unspecified"].count == 1
    assert sum(r.count for r in rates.by_reason.values()) == rates.overall.count
    assert rates.by_operator["ana"].rate == pytest.approx(0.5)
    assert rates.by_operator["ben"].rate == pytest.approx(2 / 3)


def test_steady_override_stream_stays_quiet() -> None:
    for seed in range(10):
        rows = stream(35, 20, 0.12, seed=seed)
        spike = override_spike(rows, now=NOW)
        assert not spike.risen, (seed, spike)
        assert spike.recent.total == 140 and spike.baseline.total == 560
        keys = {a.key for a in evaluate_alerts(now=NOW, decisions=rows)}
        assert not any(k.startswith("override_spike") for k in keys), (seed, keys)


def test_override_spike_fires() -> None:
    rows = stream(35, 20, 0.12, seed=1, spike_from_day=7, spike_rate=0.35)
    spike = override_spike(rows, now=NOW)
    assert spike.risen and spike.increase > 0.15 and spike.p_value < 1e-6
    alerts = evaluate_alerts(now=NOW, decisions=rows)
    overall = [a for a in alerts if a.key == "override_spike"]
    assert len(overall) == 1 and overall[0].severity == "warning"
    assert overall[0].details["recent"]["total"] == 140


def test_one_operator_spiking_is_named() -> None:
    rows = stream(35, 30, 0.10, seed=2, spike_from_day=7, spike_rate=0.6, spike_operator="ben")
    keys = {a.key for a in evaluate_alerts(now=NOW, decisions=rows)}
    assert "override_spike:ben" in keys
    assert "override_spike:ana" not in keys and "override_spike:chen" not in keys


def test_small_samples_stay_quiet_even_with_a_big_jump() -> None:
    rows = stream(35, 2, 0.1, seed=3, spike_from_day=7, spike_rate=0.9)  # 14 recent rows
    spike = override_spike(rows, now=NOW)
    assert not spike.risen and "too few" in spike.note
    assert spike.recent.rate > 0.5


def test_thresholds_are_configurable() -> None:
    rows = stream(35, 2, 0.1, seed=3, spike_from_day=7, spike_rate=0.9)
    loose = RateRiseThresholds(min_recent=10, min_baseline=10)
    assert override_spike(rows, now=NOW, thresholds=loose).risen


def test_ood_share_rise() -> None:
    quiet = stream(35, 20, 0.1, seed=4)
    assert not ood_share_rise(quiet, now=NOW).risen
    rising = stream(35, 20, 0.1, seed=4, spike_from_day=7, ood_spike_rate=0.2)
    rise = ood_share_rise(rising, now=NOW)
    assert rise.risen and rise.recent.rate > 0.1
    assert "ood_rise" in {a.key for a in evaluate_alerts(now=NOW, decisions=rising)}


def test_rows_outside_the_windows_are_ignored() -> None:
    rows = stream(35, 20, 0.1, seed=5)
    future = {**rows[0], "decided_at": (NOW + timedelta(days=1)).isoformat()}
    undated = {**rows[0], "decided_at": None}
    spike = override_spike([*rows, future, undated], now=NOW)
    assert spike.recent.total + spike.baseline.total == 700


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        override_spike([], now=datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone"):
        override_spike(
            [{"decision_kind": "accepted", "decided_at": "2025-05-30T10:00:00"}], now=NOW
        )


def test_policy_review_overdue() -> None:
    assert policy_review_overdue(None, now=NOW, review_every_days=90).overdue
    recent = policy_review_overdue(NOW - timedelta(days=30), now=NOW, review_every_days=90)
    assert not recent.overdue and recent.days_since == pytest.approx(30)
    old = policy_review_overdue(
        (NOW - timedelta(days=120)).isoformat(), now=NOW, review_every_days=90
    )
    assert old.overdue
    alerts = evaluate_alerts(
        now=NOW,
        policy_id="credit",
        policy_reviewed_at=NOW - timedelta(days=200),
        thresholds=MonitoringThresholds(policy_review_days=180),
    )
    assert [a.key for a in alerts] == ["policy_review_overdue:credit"]
    assert "200 days" in alerts[0].message
    assert evaluate_alerts(
        now=NOW, policy_id="credit", policy_reviewed_at=NOW - timedelta(days=200),
        policy_review_every_days=365,
    ) == []  # fmt: skip


def test_two_proportion_p_value() -> None:
    assert two_proportion_p_value(50, 100, 10, 100) < 1e-6
    assert two_proportion_p_value(10, 100, 50, 100) > 0.99
    assert two_proportion_p_value(0, 0, 1, 10) == 1.0
    assert two_proportion_p_value(0, 10, 0, 10) == 1.0


def test_no_inputs_no_alerts() -> None:
    assert evaluate_alerts(now=NOW) == []
