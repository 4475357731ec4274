"""Adversarial selective-label simulations of ``docket quality``'s off-policy estimates.

Each repeat shuffles the pack's data (German credit unless ``--pack`` names another) with its
seed; a logistic regression learns from 300 rows (half the data set when it is smaller than
600) and the policy (exploration as given, no escalation) decides the next ``n`` cases.
Operators then accept or override ("approve" and "decline" below stand for the pack's
accepting action, the cheapest when all goes well, and its refusing one), outcomes are revealed
only where the case's final action reveals them (``ClassificationShape.reveals``: an action
that reveals some outcomes only shows those; some late, i.e. still pending), outside sources
report some of the others. The cases go through the same code as ``docket quality``
(:func:`assistant.evaluation.logged.off_policy_report`) and each estimator's interval is
checked against the truth the simulator knows: the target's cost over every decided case.

    PYTHONPATH=. python scripts/selective_adversarial.py SCENARIO [SCENARIO ...] [--seeds 2000-2099]
        [--pack NAME | --pack MODULE:FACTORY]   (e.g. tests.packs.biopsy:make_pack)

Each target's line also gives the range that assumes nothing about the unseen outcomes
(worst-case bounds) and how often it holds the truth; for the decisions as logged (``logged``)
the truth is the realised cost of the actions taken, which is what the range bounds.

Development used seeds 0-49; README's figures use seeds 5000 onwards (the unseen-outcome
scenarios ``late_bad``, ``confounded``, ``off_midway``, ``few``, ``fewer``: seeds 6000-6049,
never used for tuning; a pack with an action that reveals some outcomes only,
``tests.packs.biopsy:make_clinic_pack``: seeds 8000-8049, every scenario, never used before).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.domains import get_pack
from assistant.domains.base import DomainPack
from assistant.domains.decision import ClassificationShape
from assistant.evaluation.logged import (
    BASELINE,
    OPERATORS,
    LoggedCase,
    off_policy_report,
    policy_name,
)
from assistant.evaluation.simulate import _fit, revealing_actions
from assistant.policies import baseline_recommendation, recommend
from assistant.specialists.base import OodResult
from assistant.specialists.pipelines import dataset_matrix

# (model's p(bad), recommendation, truly bad, rng) -> final action. Only ``informed`` looks
# at the truth: operators who know something the model does not.
Operator = Callable[[float, str, bool, np.random.Generator], str]


def accept(p: float, rec: str, bad: bool, rng: np.random.Generator) -> str:
    return rec


def random_overrides(p: float, rec: str, bad: bool, rng: np.random.Generator) -> str:
    """30% of recommended approvals declined, at random (case-independent)."""
    return "decline" if rec == "approve" and rng.random() < 0.3 else rec


def systematic_decline(p: float, rec: str, bad: bool, rng: np.random.Generator) -> str:
    """Operators decline every recommended approval above p(bad) 0.10 (score-dependent)."""
    return "decline" if rec == "approve" and p > 0.10 else rec


def systematic_approve(p: float, rec: str, bad: bool, rng: np.random.Generator) -> str:
    """Operators approve recommended declines below p(bad) 0.30 (overrides that reveal)."""
    return "approve" if rec == "decline" and p < 0.30 else rec


def informed(p: float, rec: str, bad: bool, rng: np.random.Generator) -> str:
    """Operators override on what the model lacks (a phone call, a document): they decline
    60% of the recommended approvals that will go bad and 5% of those that will not."""
    if rec == "approve" and rng.random() < (0.6 if bad else 0.05):
        return "decline"
    return rec


@dataclass(frozen=True)
class Scenario:
    explore: dict[str, float] | None = None
    n: int = 700
    operator: Operator = accept
    pending: float = 0.0  # share of approved cases whose outcome has not arrived yet
    pending_bad: float | None = None  # if set: share of *bad* outcomes still pending
    pending_good: float = 0.0  # with pending_bad: share of *good* outcomes still pending
    outside: float = 0.0  # share of declined cases an outside source reports
    change_at: float | None = None  # policy change (exploration cut) at this share
    later_explore: dict[str, float] | None = field(
        default_factory=lambda: {"rate": 0.05, "max_regret": 1.0})  # None: switched off


SCENARIOS = {
    "explore": Scenario({"rate": 0.1, "max_regret": 5.0}),
    "tiny": Scenario({"rate": 0.01, "max_regret": 5.0}),
    "near": Scenario({"rate": 0.1, "max_regret": 0.5}),
    "pending": Scenario({"rate": 0.1, "max_regret": 5.0}, pending=0.5),
    "pending_mnar": Scenario({"rate": 0.1, "max_regret": 5.0}, pending_bad=0.6),
    "overrides_random": Scenario({"rate": 0.1, "max_regret": 5.0}, operator=random_overrides),
    "overrides_decline": Scenario({"rate": 0.1, "max_regret": 5.0}, operator=systematic_decline),
    "overrides_approve": Scenario({"rate": 0.1, "max_regret": 5.0}, operator=systematic_approve),
    "outside": Scenario({"rate": 0.1, "max_regret": 5.0}, outside=0.3),
    "change": Scenario({"rate": 0.2, "max_regret": 5.0}, change_at=0.5),
    "small": Scenario({"rate": 0.1, "max_regret": 5.0}, n=60),
    # Unseen-outcome scenarios (README: seeds 6000-6049), small logs to keep the run short.
    "late_bad": Scenario({"rate": 0.1, "max_regret": 5.0}, n=300, pending_bad=0.7,
                         pending_good=0.1),
    "confounded": Scenario({"rate": 0.1, "max_regret": 5.0}, n=300, operator=informed),
    "off_midway": Scenario({"rate": 0.2, "max_regret": 5.0}, n=300, change_at=0.5,
                           later_explore=None),
    "few": Scenario({"rate": 0.1, "max_regret": 5.0}, n=30),
    "fewer": Scenario({"rate": 0.1, "max_regret": 5.0}, n=12),
}

def load_pack(name: str) -> DomainPack:
    """An installed pack by name, or ``MODULE:FACTORY`` (a pack not installed, e.g. a
    test pack)."""
    if ":" not in name:
        return get_pack(name)
    module, factory = name.split(":", 1)
    made = getattr(importlib.import_module(module), factory)()
    if not isinstance(made, DomainPack):
        raise SystemExit(f"{name} made a {type(made).__name__}, not a yes/no DomainPack")
    return made


def run(name: str, seed: int, n_boot: int = 300,
        pack: DomainPack | None = None) -> dict[str, tuple[float, dict[str, object]]]:
    sc = SCENARIOS[name]
    pack = pack or get_pack("credit")
    revealing_actions(pack)  # refuses a pack whose reveals the loop cannot model, naming why
    assert isinstance(pack.decision, ClassificationShape)  # revealing_actions checked it
    shown_by = pack.decision.reveals
    data = pack.load_dataset()
    x_all, y_all = dataset_matrix(pack, data)
    base = pack.default_policy.with_changes({"escalate_band": [1.0, 0.0],
                                             "escalate_on_ood": False})
    risk, safe = base.risk_outcome, base.safe_outcome
    # The operators' words: "approve" is the pack's accepting action, "decline" its refusing
    # one (credit: the same names).
    role = {base.best_action_for(safe): "approve", base.best_action_for(risk): "decline"}
    action = {v: k for k, v in role.items()}
    accepting = action["approve"]
    # The strict candidate: the accepting action's cost under the risk outcome doubled.
    strict = {accepting: {**base.costs[accepting], risk: 2.0 * base.costs[accepting][risk]}}
    logging = base.with_changes({"exploration": sc.explore}) if sc.explore else base
    # A policy change mid-log: exploration cut (from 0.2 to 0.05, near break-even only), or
    # switched off.
    later = base.with_changes({"exploration": sc.later_explore}) if sc.later_explore else base
    candidate = base.with_changes({"costs": strict})
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y_all))
    first = min(300, len(y_all) // 2)
    start, stream = order[:first], order[first:first + sc.n]
    model = _fit(pack, x_all[start], y_all[start], np.ones(len(start)), seed)
    p_all = model.predict_proba(x_all[stream])[:, 1]
    cases: list[LoggedCase] = []
    truth: dict[str, list[float]] = {
        k: [] for k in ("operators", "policy", "baseline", "cand", "logged")}
    for j, (i, p) in enumerate(zip(stream, p_all, strict=True)):
        spec = later if sc.change_at is not None and j >= sc.change_at * sc.n else logging
        rec = recommend(float(p), None, spec, case_key=f"adv-{seed}-{i}")
        bad = bool(y_all[i])
        final = action.get(sc.operator(float(p), role.get(rec.action, rec.action), bad, rng),
                           rec.action)
        outcome_label = risk if bad else safe
        outcome: str | None = None
        source: str | None = None
        # What the world shows: an outcome the final action reveals (an action that
        # reveals some outcomes only shows those: a discharge, a malignancy coming back).
        if outcome_label in shown_by[final]:
            late = (rng.random() < sc.pending) if sc.pending_bad is None else (
                (bad and rng.random() < sc.pending_bad)
                or (not bad and sc.pending_good > 0 and rng.random() < sc.pending_good))
            if not late:
                outcome, source = outcome_label, "bank"
        elif rng.random() < sc.outside:
            outcome, source = outcome_label, "outside:bureau"
        row = data.rows[i]
        cases.append(LoggedCase(
            case_id=f"c{j}", case_ref=f"c{j}", operator="op", recommended=rec.action,
            decision_kind="accepted" if final == rec.action else "overridden",
            reason_code=None if final == rec.action else "gut",
            propensities=rec.propensities or {rec.action: 1.0}, explored=rec.explored,
            final_action=final, outcome=outcome, outcome_source=source, p_risk=float(p),
            ood=False, ood_reasons=(), input=row, expected_costs=rec.expected_costs))
        outcome_key = outcome_label
        # The operators' truth: the expected cost of the logging mixture (recommendation's
        # propensities, then the operator rule, random parts averaged by simulation). Each
        # case draws its own: 20 draws shared by every case declined 4 of 20 recommended
        # approvals in every case of ``overrides_random``, not 30%.
        mix = 0.0
        own = np.random.default_rng([seed, j])
        for a, q in (rec.propensities or {rec.action: 1.0}).items():
            draws = [action.get(sc.operator(float(p), role.get(a, a), bad, own), a)
                     for _ in range(20)]
            mix += q * float(np.mean([base.costs[d][outcome_key] for d in draws]))
        truth["operators"].append(mix)
        truth["logged"].append(base.costs[final][outcome_key])
        det = recommend(float(p), None, base)
        truth["policy"].append(base.costs[det.action][outcome_key])
        truth["baseline"].append(base.costs[baseline_recommendation(
            pack.baseline(row), base, OodResult(False, 0.0, ())).action][outcome_key])
        truth["cand"].append(
            candidate.costs[recommend(float(p), None, candidate).action][outcome_key])
    # The current policy (the last one) is the one docket quality judges; the log holds the
    # propensities of the one in force when each case was decided.
    off = off_policy_report(cases, pack, base, policy_version=2,
                            candidates={"candidate": candidate}, n_boot=n_boot, seed=seed)
    names = {"operators": OPERATORS, "policy": policy_name(2), "baseline": BASELINE,
             "cand": "candidate"}
    out: dict[str, tuple[float, dict[str, object]]] = {}
    for k, label in names.items():
        e = off.estimate_of(label)
        # The operators' range is the decisions as logged (realised), judged on "logged".
        span = None if k == "operators" else off.range_of(label)
        out[k] = (float(np.mean(truth[k])), {
            "ips": e.ips, "snips": e.snips, "dr": e.dr, "naive": e.naive, "ess": e.ess,
            "dr_noise": e.dr_noise,
            "n_obs": e.n_observed, "unsupported": e.n_unsupported,
            "withheld": e.withheld, "range": span})
    logged = off.range_of(OPERATORS)
    out["logged"] = (float(np.mean(truth["logged"])), {
        "ips": None, "snips": None, "dr": None, "naive": None, "ess": 0.0,
        "n_obs": logged.n - logged.n_unseen, "unsupported": 0, "withheld": None,
        "range": logged})
    return out


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS), nargs="+")
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--n-boot", type=int, default=300)
    ap.add_argument("--pack", default="credit",
                    help="an installed pack's name, or MODULE:FACTORY for one not installed")
    args = ap.parse_args(argv)
    pack = load_pack(args.pack)
    for name in args.scenario:
        report(name, args.seeds, args.n_boot, pack)


def report(scenario: str, seeds_text: str, n_boot: int,
           pack: DomainPack | None = None) -> None:
    lo, hi = (int(s) for s in seeds_text.split("-"))
    seeds = range(lo, hi + 1)
    rows: dict[str, dict[str, list[object]]] = {}
    for seed in seeds:
        for k, (truth, found) in run(scenario, seed, n_boot, pack).items():
            r = rows.setdefault(k, {"truth": [], "ess": [], "n_obs": [], "withheld": [],
                                    "range": []})
            r["truth"].append(truth)
            r["ess"].append(found["ess"])
            r["n_obs"].append(found["n_obs"])
            r["withheld"].append(found["withheld"] is not None)
            span = found["range"]
            r["range"].append(None if span is None else (
                span.low, span.high, span.low <= truth <= span.high))  # type: ignore[attr-defined]
            for m in ("naive", "ips", "snips", "dr"):
                iv = found[m]
                r.setdefault(m, []).append(None if iv is None else (
                    iv.estimate, iv.low <= truth <= iv.high,  # type: ignore[attr-defined]
                    iv.high - iv.low, iv.estimate - truth))  # type: ignore[attr-defined]
    name = pack.name if pack is not None else "credit"
    print(f"{scenario} on {name}: {len(seeds)} repeats, seeds {lo}-{hi}")
    for k, r in rows.items():
        t = np.array(r["truth"], dtype=float)
        parts = [f"{k:9} truth {t.mean():.3f}±{t.std():.3f} outcomes "
                 f"{np.mean(np.array(r['n_obs'], dtype=float)):.0f} ESS "
                 f"{np.mean(np.array(r['ess'], dtype=float)):.0f}"]
        for m in ("naive", "ips", "snips", "dr"):
            vals = [v for v in r[m] if v is not None]
            if not vals:
                parts.append(f"{m} n/a")
                continue
            est = np.array([v[0] for v in vals])  # type: ignore[index]
            cov = sum(bool(v[1]) for v in vals)  # type: ignore[index]
            width = np.array([v[2] for v in vals])  # type: ignore[index]
            bias = np.array([v[3] for v in vals])  # type: ignore[index]
            sd = bias.std(ddof=1) if len(bias) > 1 else 0.0  # over the repeats, n - 1
            parts.append(f"{m} {est.mean():.3f}±{est.std():.3f} cov {cov}/{len(vals)} "
                         f"width {width.mean():.3f}±{width.std():.3f} "
                         f"bias {bias.mean():+.3f}±{sd:.3f}")
        withheld = sum(bool(w) for w in r["withheld"])
        if withheld:
            parts.append(f"withheld (too few outcomes) {withheld}/{len(seeds)}")
        spans = [v for v in r["range"] if v is not None]
        if spans:
            low = np.array([v[0] for v in spans])  # type: ignore[index]
            high = np.array([v[1] for v in spans])  # type: ignore[index]
            cov = sum(bool(v[2]) for v in spans)  # type: ignore[index]
            parts.append(f"range [{low.mean():.3f}±{low.std():.3f}, {high.mean():.3f}±"
                         f"{high.std():.3f}] cov {cov}/{len(spans)}")
        print("  " + " | ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])
