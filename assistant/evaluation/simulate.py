"""A closed-loop simulator on a data set where every outcome is known (German credit).

Each repeat shuffles the applications with its own seed. A logistic regression is trained on
the first ``initial`` rows (the original data set); the rest arrive in ``rounds`` months.
Each month the policy (minimum expected cost under the pack's costs, with or without the
owner's exploration) decides every case, seeded by the case as in production; only the
approved cases reveal their outcomes; the model is then retrained on the original rows plus
the revealed outcomes, weighted by inverse propensity. At the end the log of all months is
used to estimate the cost per case of the deterministic policy (the policy without
exploration, as the owner means it) by the naive, IPS and doubly-robust estimators, and the
truth is computed from the outcomes the simulator knows but the log does not.

The eval gate (``docket eval selective_labels``): with exploration, the DR interval covers
the truth in at least 90% of repeats, and the naive estimate's bias is reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from assistant.domains.base import DomainPack
from assistant.evaluation.ope import Log, Target, estimate
from assistant.policies import PolicySpec, recommend
from assistant.specialists.pipelines import build_pipeline, dataset_matrix

FloatArray = np.ndarray

STRICT_CUTOFF = 0.05
"""The candidate cut-off whose naive figure selective labels flatter most (it declines the
most, and declines show no outcome)."""


@dataclass(frozen=True)
class RepeatResult:
    """One repeat: the estimates of the deterministic policy's cost, the truth, and the
    approval rates of young (< 25) and older applicants in each month."""

    seed: int
    truth: float
    naive: float
    ips: tuple[float, float, float] | None  # estimate, low, high
    dr: tuple[float, float, float]
    n_observed: int
    n: int
    approval_young: tuple[float, ...]
    approval_older: tuple[float, ...]
    # A stricter candidate (approve only below p = STRICT_CUTOFF) judged on the same log:
    # (truth, naive, DR estimate, DR low, DR high)
    strict: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    # Every revealed outcome in decision order: (month, the model's p, risk outcome happened),
    # what outcome monitoring sees.
    revealed: tuple[tuple[int, float, bool], ...] = ()

    @property
    def strict_dr_covers(self) -> bool:
        return self.strict[3] <= self.strict[0] <= self.strict[4]

    @property
    def dr_covers(self) -> bool:
        return self.dr[1] <= self.truth <= self.dr[2]

    @property
    def ips_covers(self) -> bool:
        return self.ips is not None and self.ips[1] <= self.truth <= self.ips[2]


@dataclass(frozen=True)
class SimulationResult:
    exploring: bool
    repeats: tuple[RepeatResult, ...]

    @property
    def dr_coverage(self) -> float:
        return float(np.mean([r.dr_covers for r in self.repeats]))

    @property
    def ips_coverage(self) -> float:
        return float(np.mean([r.ips_covers for r in self.repeats]))

    @property
    def naive_bias(self) -> float:
        return float(np.mean([r.naive - r.truth for r in self.repeats]))

    @property
    def dr_bias(self) -> float:
        return float(np.mean([r.dr[0] - r.truth for r in self.repeats]))

    @property
    def truth(self) -> float:
        return float(np.mean([r.truth for r in self.repeats]))

    def strict_summary(self) -> tuple[float, float, float, float]:
        """The strict candidate: mean truth, naive, DR, and the DR coverage over repeats."""
        rows = np.array([r.strict for r in self.repeats])
        covers = float(np.mean([r.strict_dr_covers for r in self.repeats]))
        return float(rows[:, 0].mean()), float(rows[:, 1].mean()), float(rows[:, 2].mean()), covers

    def approval_by_round(self) -> list[tuple[int, float, float]]:
        """(round, mean approval rate of young applicants, of older ones) over repeats."""
        young = np.mean([r.approval_young for r in self.repeats], axis=0)
        older = np.mean([r.approval_older for r in self.repeats], axis=0)
        return [(i + 1, float(y), float(o)) for i, (y, o) in enumerate(zip(young, older,
                                                                         strict=True))]


def simulate(
    pack: DomainPack,
    seeds: Sequence[int],
    *,
    spec: PolicySpec | None = None,
    exploration: dict[str, float] | None = None,
    initial: int = 300,
    rounds: int = 7,
    n_boot: int = 500,
    downturn: tuple[int, float] | None = None,
) -> SimulationResult:
    """Run the closed loop once per seed (see the module docstring).

    ``downturn`` (month, share): from that month on, that share of the applicants who would
    have been fine turn out badly (seeded per repeat), so the model's probabilities are too
    low: the quality drop outcome monitoring must catch.
    """
    base = spec or pack.default_policy
    policy = base.with_changes({"escalate_band": [1.0, 0.0], "escalate_on_ood": False})
    explore = policy.with_changes({"exploration": exploration}) if exploration else policy
    data = pack.load_dataset()
    x_all, y_all = dataset_matrix(pack, data)
    ages = np.array([float(r.get("age_in_years", 99)) for r in data.rows])
    results = [
        _repeat(pack, policy, explore, x_all, _worse(y_all, seed, downturn), ages, seed,
                initial, rounds, n_boot, downturn[0] if downturn else rounds)
        for seed in seeds
    ]
    return SimulationResult(exploring=bool(exploration), repeats=tuple(results))


def _worse(
    y: np.ndarray, seed: int, downturn: tuple[int, float] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The outcomes as they are, and as they turn out in a downturn (the same when none)."""
    if downturn is None:
        return y, y
    flips = np.random.default_rng(seed + 7919).random(len(y)) < downturn[1]
    return y, np.where(flips, 1, y)


def _fit(pack: DomainPack, x: np.ndarray, y: np.ndarray, w: FloatArray, seed: int):  # type: ignore[no-untyped-def]
    # The production logistic regression, with a solver suited to a few dozen columns (the
    # same optimum, reached in a few Newton steps instead of many gradient ones).
    model = clone(build_pipeline("logreg", pack, seed)).set_params(clf__solver="newton-cholesky")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, y, clf__sample_weight=w)
    return model


def _repeat(
    pack: DomainPack,
    policy: PolicySpec,
    explore: PolicySpec,
    x_all: np.ndarray,
    outcomes: tuple[np.ndarray, np.ndarray],
    ages: FloatArray,
    seed: int,
    initial: int,
    rounds: int,
    n_boot: int,
    worse_from: int,
) -> RepeatResult:
    y_all, y_worse = outcomes
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y_all))
    start, stream = order[:initial], order[initial:]
    months = np.array_split(stream, rounds)
    train_x, train_y = x_all[start], y_all[start]
    train_w = np.ones(len(start))
    model = _fit(pack, train_x, train_y, train_w, seed)
    risk, safe = policy.risk_outcome, policy.safe_outcome
    approve = next(a for a in policy.decisive_actions if policy.costs[a][risk] > 0)
    logged_y: list[float] = []
    logged_e: list[float] = []
    logged_p: list[float] = []
    det_risk: list[float] = []
    det_safe: list[float] = []
    strict_risk: list[float] = []
    strict_safe: list[float] = []
    truth: list[float] = []
    strict_truth: list[float] = []
    young: list[float] = []
    older: list[float] = []
    revealed: list[tuple[int, float, bool]] = []
    for month, cases in enumerate(months):
        if month == worse_from:  # the downturn: the same applicants, worse outcomes
            y_all = y_worse
        p = model.predict_proba(x_all[cases])[:, 1]
        approved_now = np.zeros(len(cases), dtype=bool)
        for j, (i, pj) in enumerate(zip(cases, p, strict=True)):
            key = f"sim-{seed}-{month}-{i}"
            logged = recommend(float(pj), None, explore, case_key=key)
            best = recommend(float(pj), None, policy)
            e = logged.propensities.get(approve, 0.0)
            approved_now[j] = logged.action == approve
            outcome_risk = float(y_all[i])
            logged_y.append(outcome_risk if approved_now[j] else np.nan)
            if approved_now[j]:
                revealed.append((month, float(pj), bool(outcome_risk)))
            logged_e.append(e)
            logged_p.append(float(pj))
            det_risk.append(policy.costs[best.action][risk])
            det_safe.append(policy.costs[best.action][safe])
            truth.append(det_risk[-1] if outcome_risk else det_safe[-1])
            strict_action = approve if pj < STRICT_CUTOFF else policy.best_action_for(risk)
            strict_risk.append(policy.costs[strict_action][risk])
            strict_safe.append(policy.costs[strict_action][safe])
            strict_truth.append(strict_risk[-1] if outcome_risk else strict_safe[-1])
        is_young = ages[cases] < 25
        young.append(float(approved_now[is_young].mean()) if is_young.any() else np.nan)
        older.append(float(approved_now[~is_young].mean()) if (~is_young).any() else np.nan)
        # Retrain on the original rows plus the revealed outcomes, weighted by 1/propensity.
        seen = approved_now
        es = np.array(logged_e[-len(cases):])[seen]
        train_x = np.concatenate([train_x, x_all[cases][seen]])
        train_y = np.concatenate([train_y, y_all[cases][seen]])
        train_w = np.concatenate([train_w, 1.0 / es])
        model = _fit(pack, train_x, train_y, train_w, seed)
    log = Log(np.array(logged_y), np.array(logged_e), np.array(logged_p))
    target = Target("policy", np.array(det_risk), np.array(det_safe))
    found = estimate(log, target, n_boot=n_boot, rng=np.random.default_rng(seed))
    assert found.dr is not None and found.naive is not None
    ips = (found.ips.estimate, found.ips.low, found.ips.high) if found.ips else None
    strict = estimate(log, Target("strict", np.array(strict_risk), np.array(strict_safe)),
                      n_boot=n_boot, rng=np.random.default_rng(seed + 1))
    assert strict.dr is not None and strict.naive is not None
    return RepeatResult(
        seed=seed,
        truth=float(np.mean(truth)),
        naive=found.naive.estimate,
        ips=ips,
        dr=(found.dr.estimate, found.dr.low, found.dr.high),
        n_observed=found.n_observed,
        n=found.n,
        approval_young=tuple(young),
        approval_older=tuple(older),
        strict=(float(np.mean(strict_truth)), strict.naive.estimate, strict.dr.estimate,
                strict.dr.low, strict.dr.high),
        revealed=tuple(revealed),
    )


__all__ = ["RepeatResult", "SimulationResult", "simulate"]
