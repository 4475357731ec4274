"""A closed-loop simulator on a yes/no pack's data set, where every outcome is known.

Each repeat shuffles the applications with its own seed. A logistic regression is trained on
the first ``initial`` rows (the original data set; half the rows when the data set is smaller
than twice that); the rest arrive in ``rounds`` months.
Each month the policy (minimum expected cost under the pack's costs, with or without the
owner's exploration) decides every case, seeded by the case as in production; only the cases
whose action reveals its outcome (the pack's ``ClassificationShape.reveals``: credit's
approve, a biopsy pack's biopsy, every action of a pack that declares nothing) show it; an
action that reveals some outcomes only (a clinic's discharge: a malignancy comes back, a
benign mass never shows) shows those, counted in the naive figure alone (as ``docket
quality``'s naive realized cost counts them); the model is then retrained on the original
rows plus the outcomes of the actions that reveal every outcome, weighted by inverse
propensity. At the end the log of all months is used to estimate the cost per case of the
deterministic policy (the policy without exploration, as the owner means it) by the naive,
IPS and doubly-robust estimators, and the truth is computed from the outcomes the simulator
knows but the log does not.

The eval gate (``docket eval selective_labels``): with exploration, the DR interval covers
the truth in at least 90% of repeats, and the naive estimate's bias is reported. The approval
rate of each group of every fairness attribute the pack declares is followed month by month
(a pack that declares none gets no such table, and the report says why).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from assistant.domains.base import DomainPack
from assistant.domains.decision import ClassificationShape
from assistant.evaluation.logged import MAX_TRAINING_WEIGHT
from assistant.evaluation.observation import partly_reveals, reveals, reveals_every_outcome
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
    approval rate of each fairness group in each month."""

    seed: int
    truth: float
    naive: float
    ips: tuple[float, float, float] | None  # estimate, low, high
    dr: tuple[float, float, float]
    n_observed: int
    n: int
    # attribute -> group -> approval rate in each month (NaN: no case of the group that month)
    approval: Mapping[str, Mapping[str, tuple[float, ...]]] = field(default_factory=dict)
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
    # Each fairness attribute the pack declares, with its groups in report order.
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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

    def approval_by_round(self) -> dict[str, list[tuple[int, dict[str, float]]]]:
        """Per fairness attribute: (round, group -> approval rate) with the rates averaged over
        the repeats (a month without a case of the group is left out of its mean)."""
        out: dict[str, list[tuple[int, dict[str, float]]]] = {}
        for attribute, order in self.groups.items():
            rates = {g: np.array([r.approval[attribute][g] for r in self.repeats]) for g in order}
            rounds = len(next(iter(rates.values()))[0]) if rates else 0
            out[attribute] = [
                (i + 1, {g: _mean(rates[g][:, i]) for g in order}) for i in range(rounds)
            ]
        return out


def _mean(values: np.ndarray) -> float:
    seen = values[~np.isnan(values)]
    return float(seen.mean()) if seen.size else float("nan")


def fairness_groups(pack: DomainPack) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    """Each declared fairness attribute: every data-set row's group, and the groups in report
    order (declared order first, then the others sorted; "?" unreadable, left out)."""
    rows = pack.load_dataset().rows
    out = {}
    for attribute in pack.fairness_groups:
        labels = np.array([attribute.group_of(row) for row in rows], dtype=object)
        found = set(labels.tolist()) - {"?"}
        order = tuple(g for g in attribute.order if g in found) + tuple(
            sorted(found - set(attribute.order)))
        out[attribute.name] = (labels, order)
    return out


def revealing_actions(pack: DomainPack) -> frozenset[str]:
    """The decisive actions whose taking shows the case's outcome whichever it is, as the
    pack declares (``ClassificationShape.reveals``; an action it does not list reveals every
    outcome): what an off-policy weight and retraining may rest on.

    An action that reveals some outcomes only (:func:`~assistant.evaluation.observation.
    partly_reveals`: a discharged patient shows a malignancy when she comes back, never a
    benign mass) is simulated as such: its cases show the outcomes it reveals, which count in
    the naive figure only, as in ``docket quality``. Refused, naming the actions: a pack where
    no action reveals every outcome (no outcome could be weighed by a propensity)."""
    shape = pack.decision
    if not isinstance(shape, ClassificationShape):
        raise ValueError(f"simulate: {pack.name} is not a yes/no pack; the selective-labels "
                         "loop needs actions that reveal outcomes or not")
    decisive = [a for a in shape.actions if a != shape.escalate_action]
    if not any(reveals(pack, a) for a in decisive):
        raise ValueError(f"simulate: none of {pack.name}'s actions {decisive} reveals an "
                         "outcome (its reveals declares them all empty): no log could "
                         "estimate anything")
    found = frozenset(a for a in decisive if reveals_every_outcome(pack, a))
    if not found:
        partial = {a: list(partly_reveals(pack, a)) for a in decisive if partly_reveals(pack, a)}
        raise ValueError(f"simulate: none of {pack.name}'s actions {decisive} reveals every "
                         f"outcome (some only: {partial}); whether an outcome shows would "
                         "depend on the outcome itself, which no propensity can weigh")
    return found


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
    calibrated: bool = False,
) -> SimulationResult:
    """Run the closed loop once per seed (see the module docstring).

    ``downturn`` (month, share): from that month on, that share of the applicants who would
    have been fine turn out badly (seeded per repeat), so the model's probabilities are too
    low: the quality drop outcome monitoring must catch.

    ``calibrated``: each case's outcome is drawn from the probability the served model gave
    it (seeded per repeat) instead of read from the data set, so the served model is
    calibrated by construction: the stream on which any outcome alert is a false alarm. (On
    the real outcomes the served logistic regression is not calibrated where it approves:
    see README's monitoring section.)
    """
    if calibrated and downturn is not None:
        raise ValueError("simulate: calibrated outcomes and a downturn exclude each other")
    shows = revealing_actions(pack)  # refused here, before any model is fitted
    base = spec or pack.default_policy
    policy = base.with_changes({"escalate_band": [1.0, 0.0], "escalate_on_ood": False})
    explore = policy.with_changes({"exploration": exploration}) if exploration else policy
    data = pack.load_dataset()
    x_all, y_all = dataset_matrix(pack, data)
    if len(y_all) < 4 * rounds:
        raise ValueError(f"simulate: {pack.name}'s data set has {len(y_all)} rows; the closed "
                         f"loop needs at least {4 * rounds} (a first half to train on and "
                         f"{rounds} months of cases after it)")
    # A data set smaller than twice the first year trains on its first half instead.
    initial = min(initial, len(y_all) // 2)
    groups = fairness_groups(pack)
    results = [
        _repeat(pack, policy, explore, x_all, _worse(y_all, seed, downturn), groups, seed,
                initial, rounds, n_boot, downturn[0] if downturn else rounds, calibrated,
                shows)
        for seed in seeds
    ]
    return SimulationResult(exploring=bool(exploration), repeats=tuple(results),
                            groups={name: order for name, (_, order) in groups.items()})


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
    groups: Mapping[str, tuple[np.ndarray, tuple[str, ...]]],
    seed: int,
    initial: int,
    rounds: int,
    n_boot: int,
    worse_from: int,
    calibrated: bool,
    shows: frozenset[str],
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
    # The action that accepts the case (cheapest when all goes well: credit's approve): the
    # approval rate followed by group and the strict candidate's. What shows an outcome is
    # the pack's declaration, whichever actions those are.
    approve = policy.best_action_for(safe)
    # What each action shows (an action that shows some outcomes only shows them, counted in
    # the naive figure alone, as docket quality counts them).
    assert isinstance(pack.decision, ClassificationShape)  # revealing_actions checked it
    shown_by = pack.decision.reveals
    logged_y: list[float] = []
    shown_y: list[float] = []  # every outcome the log shows: the naive figure's
    logged_e: list[float] = []
    logged_p: list[float] = []
    det_risk: list[float] = []
    det_safe: list[float] = []
    strict_risk: list[float] = []
    strict_safe: list[float] = []
    truth: list[float] = []
    strict_truth: list[float] = []
    approval: dict[str, dict[str, list[float]]] = {
        name: {g: [] for g in order} for name, (_, order) in groups.items()}
    revealed: list[tuple[int, float, bool]] = []
    draws = np.random.default_rng(seed + 104_729)  # the calibrated world's outcomes
    for month, cases in enumerate(months):
        if month == worse_from:  # the downturn: the same applicants, worse outcomes
            y_all = y_worse
        p = model.predict_proba(x_all[cases])[:, 1]
        y_now = (draws.random(len(cases)) < p).astype(y_all.dtype) if calibrated \
            else y_all[cases]
        approved_now = np.zeros(len(cases), dtype=bool)
        seen_now = np.zeros(len(cases), dtype=bool)
        for j, (i, pj) in enumerate(zip(cases, p, strict=True)):
            key = f"sim-{seed}-{month}-{i}"
            logged = recommend(float(pj), None, explore, case_key=key)
            best = recommend(float(pj), None, policy)
            e = sum(q for a, q in logged.propensities.items() if a in shows)
            approved_now[j] = logged.action == approve
            seen_now[j] = logged.action in shows
            outcome_risk = float(y_now[j])
            logged_y.append(outcome_risk if seen_now[j] else np.nan)
            label = risk if outcome_risk else safe
            shown_y.append(outcome_risk if label in shown_by[logged.action] else np.nan)
            if seen_now[j]:
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
        for name, (labels, in_order) in groups.items():
            for g in in_order:
                inside = labels[cases] == g
                approval[name][g].append(
                    float(approved_now[inside].mean()) if inside.any() else np.nan)
        # Retrain on the original rows plus the revealed outcomes, weighted by 1/propensity
        # capped as in production (MAX_TRAINING_WEIGHT).
        seen = seen_now
        es = np.array(logged_e[-len(cases):])[seen]
        train_x = np.concatenate([train_x, x_all[cases][seen]])
        train_y = np.concatenate([train_y, y_now[seen]])
        train_w = np.concatenate([train_w, np.minimum(1.0 / es, MAX_TRAINING_WEIGHT)])
        model = _fit(pack, train_x, train_y, train_w, seed)
    log = Log(np.array(logged_y), np.array(logged_e), np.array(logged_p))
    target = Target("policy", np.array(det_risk), np.array(det_safe))
    found = estimate(log, target, n_boot=n_boot, rng=np.random.default_rng(seed))
    if found.dr is None or found.naive is None:
        raise ValueError(f"simulate: repeat {seed} revealed no outcome in {len(logged_y)} "
                         f"cases (actions that reveal: {sorted(shows)}); nothing to "
                         "estimate from")
    ips = (found.ips.estimate, found.ips.low, found.ips.high) if found.ips else None
    shown = np.array(shown_y)
    strict = estimate(log, Target("strict", np.array(strict_risk), np.array(strict_safe)),
                      n_boot=n_boot, rng=np.random.default_rng(seed + 1))
    assert strict.dr is not None and strict.naive is not None  # same log as found's
    return RepeatResult(
        seed=seed,
        truth=float(np.mean(truth)),
        naive=_naive(shown, target),
        ips=ips,
        dr=(found.dr.estimate, found.dr.low, found.dr.high),
        n_observed=found.n_observed,
        n=found.n,
        approval={name: {g: tuple(r) for g, r in by.items()} for name, by in approval.items()},
        strict=(float(np.mean(strict_truth)),
                _naive(shown, Target("strict", np.array(strict_risk), np.array(strict_safe))),
                strict.dr.estimate,
                strict.dr.low, strict.dr.high),
        revealed=tuple(revealed),
    )


def _naive(shown: FloatArray, target: Target) -> float:
    """The mean cost of ``target`` over the cases whose outcome the log shows (``shown``: 1
    risk, 0 safe, NaN none), outcomes of an action that shows some only included."""
    seen = ~np.isnan(shown)
    cost = np.where(shown[seen] == 1.0, target.if_risk[seen], target.if_safe[seen])
    return float(cost.mean())


__all__ = ["RepeatResult", "SimulationResult", "revealing_actions", "simulate"]
