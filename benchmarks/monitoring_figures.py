"""Monitoring figures for README: false-alarm rates and detection delays, on real data.

Seeds 100 and up: none of them was used while choosing the thresholds (those were looked at on
seeds 0-99 and in the tests' own seeds). Every figure is mean ± sd over repeats.

* **Drift, false alarms**: 200 rows drawn from the reference itself (German credit, 1,000 rows;
  Capital Bikeshare, 8,391 hours), one check over the windows; the share of checks raising
  any drift alert, in 10 repeats of 50 samples.
* **Drift, detection delay**: 900 ordinary applications, then shifted ones arrive (applicants
  aged ≤ 25; amounts ×3; amounts ×1.5); a check after every 10 cases; the number of shifted
  cases until the feature's alert, over 20 streams.
* **Outcome quality**: observed outcomes of approved applications (p(bad) < 1/6) with their real
  labels and honest out-of-fold probabilities (3-fold, as the tests train). False alarms:
  streams of 500 outcomes, checked every 25; the share of streams that alerted (10 repeats of
  20 streams). Delay: after 100 ordinary outcomes the risk rises (90 % bad, as in the issue;
  or bad odds ×3); a check after every outcome; outcomes until the alert, over 20 streams.

* **Outcome quality on the selective-labels simulator** (``--simulator``): the closed loop of
  ``assistant.evaluation.simulate`` (500 applications to train on, 500 more over five months,
  only approved cases reveal outcomes, monthly retraining), seeds 5000-5239 (never used while
  building the alert, its tests or the simulator), outcomes due 25 days after the decision,
  monthly vintages. False alarms: 200 loops whose outcomes are drawn from the served model's
  own probabilities (calibrated by construction), 10 batches of 20. On the real outcomes: the
  share of unshifted loops that alert, with the observed/expected bad rate of the approved
  cases (the served model's miscalibration there), and of loops with a downturn from the third
  month (35 % of would-be good applicants turn bad).

Run: ``python benchmarks/monitoring_figures.py`` (about two minutes; trains once), or
``--simulator`` for the last figures alone.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.domains import get_pack, get_quantity_pack  # noqa: E402
from assistant.monitoring.drift_reference import DriftReference  # noqa: E402
from assistant.monitoring.drift_windows import windowed_drift  # noqa: E402
from assistant.monitoring.health import evaluate_alerts  # noqa: E402
from assistant.monitoring.outcome_alerts import check_outcomes  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SEED = 100
Row = dict[str, Any]


def mean_sd(values: Sequence[float], fmt: str = "{:.3f}") -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{fmt.format(statistics.fmean(values))} ± {fmt.format(sd)}"


def drift_keys(reference: DriftReference, rows: list[Row]) -> set[str]:
    return {a.key for a in evaluate_alerts(now=NOW, drift=windowed_drift(reference, rows))}


def drift_false_alarms(name: str, rows: list[Row], reference: DriftReference) -> None:
    rates = []
    for repeat in range(10):
        fired = 0
        for i in range(50):
            rng = np.random.default_rng(SEED + 1000 * repeat + i)
            sample = [rows[j] for j in rng.choice(len(rows), 200, replace=False)]
            fired += bool(drift_keys(reference, sample))
        rates.append(fired / 50)
    print(f"drift false alarms, {name} ({reference.n_rows} reference rows), 200 rows: "
          f"{mean_sd(rates)} of checks")


def drift_delay(
    label: str, rows: list[Row], reference: DriftReference, shift: Callable[[Row], Row],
    pool: list[Row], key: str,
) -> None:
    delays: list[float] = []
    missed = 0
    for stream in range(20):
        rng = np.random.default_rng(SEED + stream)
        base = [rows[j] for j in rng.choice(len(rows), 900, replace=False)]
        shifted = [shift(pool[int(j)]) for j in rng.integers(0, len(pool), 400)]
        for count in range(10, 401, 10):
            if key in drift_keys(reference, (base + shifted[:count])[-1000:]):
                delays.append(count)
                break
        else:
            missed += 1
    print(f"drift delay, {label}: {mean_sd(delays, '{:.0f}')} shifted cases"
          f" (missed within 400: {missed}/20)")


def oof_approved() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    from assistant.specialists.serving import OnnxSpecialist
    from tests.conftest import trained_credit_artifacts

    pack = get_pack("credit")
    data = pack.load_dataset()
    champion = next(p for p in trained_credit_artifacts() if "gbt" in p.name)
    p = np.asarray(OnnxSpecialist.load(champion).out_of_fold(data.sha256))
    bad = np.asarray([o == "bad" for o in data.outcomes])
    approved = p < 1 / 6
    return p[approved], bad[approved]


def outcome_rows(p: Sequence[float], bad: Sequence[bool]) -> list[Row]:
    n = len(p)
    return [
        {"p_bad": float(pi), "action": "approve", "outcome": "bad" if b else "good",
         "observed_at": NOW - timedelta(minutes=n - i)}
        for i, (pi, b) in enumerate(zip(p, bad, strict=True))
    ]


def outcome_false_alarms(p: np.ndarray[Any, Any], bad: np.ndarray[Any, Any]) -> None:
    rates = []
    for repeat in range(10):
        fired = 0
        for i in range(20):
            rng = np.random.default_rng(SEED + 1000 * repeat + i)
            pick = rng.integers(0, len(p), 500)
            rows = outcome_rows(p[pick], bad[pick])
            fired += any(
                check_outcomes(rows[:n], now=NOW, risk_outcome="bad").level > 0
                for n in range(25, 501, 25)
            )
        rates.append(fired / 20)
    print(f"outcome alert false alarms, streams of 500 real outcomes checked every 25: "
          f"{mean_sd(rates)} of streams (approved rate of bad {bad.mean():.3f}, "
          f"mean p {p.mean():.3f})")


def outcome_delay(label: str, p: np.ndarray[Any, Any], bad: np.ndarray[Any, Any],
                  shifted_p: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]) -> None:
    delays: dict[str, list[float]] = {"warning": [], "critical": []}
    for stream in range(20):
        rng = np.random.default_rng(SEED + stream)
        before = rng.integers(0, len(p), 100)
        after = rng.integers(0, len(p), 300)
        truth = rng.random(300) < shifted_p(p[after])
        probs = np.concatenate([p[before], p[after]])
        outcomes = np.concatenate([bad[before], truth])
        for level, name in ((1, "warning"), (2, "critical")):
            for n in range(101, 401):
                rows = outcome_rows(probs[:n], outcomes[:n])
                if check_outcomes(rows, now=NOW, risk_outcome="bad").level >= level:
                    delays[name].append(n - 100)
                    break
    print(f"outcome alert delay, {label}: warning after {mean_sd(delays['warning'], '{:.1f}')}"
          f", critical after {mean_sd(delays['critical'], '{:.1f}')} outcomes"
          f" ({len(delays['warning'])}/20 and {len(delays['critical'])}/20 within 300)")


def simulated_checks(seeds: Sequence[int], **options: Any) -> list[Any]:
    """One outcome check per closed loop: outcomes due 25 days after the decision, monthly
    vintages, judged on 1 December when every month is mature."""
    from assistant.evaluation.simulate import simulate
    from assistant.monitoring.outcome_alerts import OutcomeAlertSettings

    reveals = {"approve": frozenset({"good", "bad"}), "decline": frozenset()}
    settings = OutcomeAlertSettings(outcome_delay_days=25)
    result = simulate(get_pack("credit"), seeds, n_boot=20, initial=500, rounds=5, **options)
    checks = []
    for r in result.repeats:
        rows = []
        for i, (month, p, b) in enumerate(r.revealed):
            decided = datetime(2026, month + 1, 1, tzinfo=UTC) + timedelta(minutes=i)
            rows.append({"p_bad": p, "action": "approve", "outcome": "bad" if b else "good",
                         "decided_at": decided, "observed_at": decided + timedelta(days=20)})
        checks.append(check_outcomes(rows, now=datetime(2026, 12, 1, tzinfo=UTC),
                                     risk_outcome="bad", reveals=reveals, settings=settings))
    return checks


def simulator_alerts() -> None:
    """Seeds 5000-5239, never used while building the alert, its tests or the simulator:
    200 loops whose outcomes are drawn from the served model's own probabilities (calibrated
    by construction: every alert is false), in 10 batches of 20; then 20 loops on the real
    outcomes, unshifted and with a downturn from the third month."""
    rates = []
    for batch in range(10):
        seeds = range(5000 + 20 * batch, 5020 + 20 * batch)
        rates.append(float(np.mean([c.level > 0 for c in simulated_checks(seeds,
                                                                          calibrated=True)])))
    print(f"simulator, calibrated outcomes (10 x 20 loops): false-alarm rate {mean_sd(rates)}, "
          f"worst batch {max(rates):.2f}", flush=True)
    for label, options in (("real outcomes, unshifted", {}),
                           ("real outcomes, downturn from month 3", {"downturn": (2, 0.35)})):
        first = 5200 if not options else 5220
        checks = simulated_checks(range(first, first + 20), **options)
        fired = [float(c.level > 0) for c in checks]
        by_vintage = [float(any(v.level for v in c.vintages)) for c in checks]
        ratio = [c.observed_rate / c.expected_rate for c in checks]
        print(f"simulator, {label} (20 loops): alert in {mean_sd(fired)} of loops, by a "
              f"vintage test in {mean_sd(by_vintage)}; observed/expected bad rate "
              f"{mean_sd(ratio)}", flush=True)


def main() -> None:
    if "--simulator" in sys.argv:
        simulator_alerts()
        return
    credit = get_pack("credit")
    rows = [dict(r) for r in credit.load_dataset().rows]
    reference = DriftReference.fit(rows, list(credit.numeric), list(credit.categorical))
    demand = get_quantity_pack("demand")
    hours = [dict(r) for r in demand.history.rows]
    big = DriftReference.fit(hours, list(demand.numeric), list(demand.categorical))
    drift_false_alarms("German credit", rows, reference)
    drift_false_alarms("Capital Bikeshare", hours, big)
    young = [r for r in rows if int(r["age_in_years"]) <= 25]
    drift_delay("applicants aged <= 25", rows, reference, dict, young,
                "feature_drift:age_in_years")
    for factor in (3.0, 1.5):
        drift_delay(
            f"amounts x{factor:g}", rows, reference,
            lambda r, f=factor: {**r, "credit_amount": f * float(r["credit_amount"])},
            rows, "feature_drift:credit_amount",
        )
    p, bad = oof_approved()
    outcome_false_alarms(p, bad)
    outcome_delay("90 % bad", p, bad, lambda q: np.full_like(q, 0.9))
    outcome_delay("bad odds x3", p, bad, lambda q: 3 * q / (1 + 2 * q))


if __name__ == "__main__":
    main()
