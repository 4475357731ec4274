"""Retraining a "how much" pack: a challenger trained on the pack's history plus the realised
quantities the log recorded, registered with its evidence and compared with the champion on
held-out periods neither model trained on (time-ordered, never a random split).

The recorded periods are placed after the history in the order their cases were opened (a
pack's period index is read from its data file, not from a case), so the newest recorded
periods are the ones the challenger's validation model holds out. The champion is compared on
those of them whose outcome was recorded after it was trained: it never saw them either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.domains import get_quantity_pack
from assistant.policies.quantity import QuantityPolicy, recommend_quantity
from assistant.specialists.artifacts import read_card
from assistant.specialists.quantile_serving import QuantileSpecialist
from assistant.stats import mean_ci
from assistant.usecases.context import Context
from assistant.usecases.models import register_models
from events import audit as audit_fold
from events import queries
from events.domain.case import canonical_sha256


@dataclass(frozen=True)
class Recorded:
    """One recorded period beyond the history: its input, realised quantity, when recorded."""

    opened_at: str
    values: dict[str, Any]
    outcome: float
    recorded_at: str


def held_out_figures(levels: Sequence[float], quantiles: Sequence[Sequence[float]],
                     outcomes: Sequence[float], seasonal: Sequence[float],
                     policy: QuantityPolicy) -> dict[str, Any]:
    """Calibration and cost of one model's quantiles on held-out periods: mean pinball loss
    (over the levels, per period and in all), each level's coverage (share of periods at or
    below the predicted quantile), the interval's coverage, the realised cost of the policy's
    orders and of seasonal naive's, per period."""
    q = np.asarray(quantiles, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    a = np.asarray(levels, dtype=np.float64)
    err = y[:, None] - q
    loss = np.maximum(a * err, (a - 1.0) * err)  # periods x levels
    low, high = (levels.index(x) for x in policy.interval)
    orders = [recommend_quantity(levels, row, policy).quantity for row in q]
    naive = [policy.round_up(s) for s in seasonal]
    return {
        "n": len(y),
        "pinball": float(loss.mean()) if len(y) else float("nan"),
        "pinball_by_period": [float(v) for v in loss.mean(axis=1)],
        "pinball_by_level": {f"{x:g}": float(v) for x, v in zip(levels, loss.mean(axis=0),
                                                               strict=True)},
        "coverage": {f"{x:g}": float(np.mean(y <= q[:, j])) for j, x in enumerate(levels)},
        "interval": [f"{policy.interval[0]:g}", f"{policy.interval[1]:g}"],
        "interval_held": int(np.sum((y >= q[:, low]) & (y <= q[:, high]))),
        "cost": float(np.mean([policy.loss(o, d) for o, d in zip(orders, y, strict=True)])),
        "naive_cost": (float(np.mean([policy.loss(o, d) for o, d in zip(naive, y, strict=True)]))
                       if len(naive) == len(y) else None),
    }


def recorded_periods(ctx: Context, domain: str) -> tuple[list[Recorded], int]:
    """The recorded realised quantities of cases that are not history rows (input and
    outcome), in the order the cases were opened; and how many were history rows already."""
    pack = get_quantity_pack(domain)
    h = pack.history
    fields = list(h.rows[0])
    # A history row comes back as a case (`docket sample` writes them): the same input with
    # the same outcome. Another period may share its input, never both.
    known = {canonical_sha256([{k: row[k] for k in fields}, float(outcome)])
             for row, outcome in zip(h.rows, h.outcomes, strict=True)}
    ctx.sync()
    found: list[Recorded] = []
    already = 0
    for case in queries.known_cases(ctx.views, domain):
        if case.outcome is None:
            continue
        state = audit_fold.audit_case(ctx.log, case.case_id).case
        if state is None or state.outcome is None or state.outcome.value is None:
            continue
        values = {k: state.input[k] for k in fields}
        if canonical_sha256([values, float(state.outcome.value)]) in known:
            already += 1
            continue
        found.append(Recorded(state.opened_at, values, float(state.outcome.value),
                              state.outcome.at))
    found.sort(key=lambda r: r.opened_at)
    return found, already


def retrain(ctx: Context, domain: str, *, reason: str = "",
            on_step: Callable[[str], None] | None = None) -> tuple[list[str], list[str]]:
    """Train a challenger on the history plus the recorded periods, register it (in shadow,
    never promoted here) with the held-out comparison as its evidence; return report lines
    and the challenger's version (none when nothing new was recorded)."""
    from assistant.specialists.quantile_training import train_quantiles  # scikit-learn: slow

    ctx.require_model_manager("retrain models", domain)
    pack = get_quantity_pack(domain)
    words, qwords = pack.words, pack.quantity_words
    h = pack.history
    recorded, already = recorded_periods(ctx, domain)
    head = (f"training data: {len(h.rows)} {words.cases} of {domain}'s history + "
            f"{len(recorded)} recorded {words.case if len(recorded) == 1 else words.cases} "
            f"with known {qwords.outcome} beyond it (placed after the history, earliest opened "
            f"first); {already} recorded {words.cases} already in the history")
    if not recorded:
        return [head, f"nothing new to learn from: a challenger would be the champion's own "
                      f"recipe on the same {words.cases}; record realised {qwords.outcome} "
                      f"with `docket outcomes FILE --domain {domain}` first"], []
    last = max(h.period_index)
    rows = [*h.rows, *(r.values for r in recorded)]
    outcomes = [*h.outcomes, *(r.outcome for r in recorded)]
    periods = [*h.period_index, *range(last + 1, last + 1 + len(recorded))]
    sha = canonical_sha256({"history": h.sha256, "recorded": [
        [r.values, r.outcome] for r in recorded]})
    provenance = {"reason": reason or "retrain on recorded outcomes", "base_data_sha256": h.sha256,
                  "rows": len(rows), "outcomes": len(recorded), "already_in_data": already,
                  "requested_by": ctx.identity.name}
    trained = train_quantiles(pack, rows, outcomes, periods, sha, ctx.models_dir,
                              validation_hours=pack.validation_periods, on_step=on_step,
                              provenance=provenance)
    state = ctx.quantity_domain(domain)
    policy = state.policy
    champion = ctx.deployed(domain).champion
    evidence = _comparison(ctx, domain, trained.path, champion, recorded, periods, policy)
    lines = [head]
    lines += register_models(ctx, domain, [trained.path], promote=False,
                             evidence={trained.version: evidence})
    lines += comparison_lines(domain, trained.version, evidence)
    return lines, [trained.version]


def _comparison(ctx: Context, domain: str, path: Path, champion: str | None,
                recorded: Sequence[Recorded], periods: Sequence[int], policy: QuantityPolicy
                ) -> dict[str, Any]:
    """The challenger's and the champion's figures on the held-out periods neither trained on
    (the challenger's validation model trained only on earlier periods; the champion's
    outcome was recorded after it was trained)."""
    pack = get_quantity_pack(domain)
    challenger = QuantileSpecialist.load(path)
    saved = challenger.held_out()
    levels = [float(a) for a in saved["levels"]]
    cut = max(periods) + 1 - pack.validation_periods
    first_new = len(periods) - len(recorded)
    held = [i for i, p in enumerate(periods) if p >= cut]  # the order train_quantiles keeps
    seen_until = (str(read_card(ctx.artifact_dir(champion))["trained_at"]) if champion
                  else None)
    picked = [j for j, i in enumerate(held) if i >= first_new
              and (seen_until is None or _later(recorded[i - first_new].recorded_at,
                                                seen_until))]
    found: dict[str, Any] = {"policy_version": ctx.quantity_domain(domain).policy_version,
                             "champion_version": champion, "held_out": len(held),
                             "compared": len(picked)}
    card = read_card(path)
    found["challenger_validation"] = {k: card["validation"].get(k) for k in
                                      ("hours", "coverage", "pinball", "policy_cost",
                                       "baseline_cost")}
    if champion is None or not picked:
        return found
    cases = [recorded[held[j] - first_new] for j in picked]
    outcomes = [r.outcome for r in cases]
    lag = pack.seasonal_field
    seasonal = [float(r.values[lag]) for r in cases]
    new = held_out_figures(levels, [saved["quantiles"][j] for j in picked], outcomes,
                           seasonal, policy)
    old_model = QuantileSpecialist.load(ctx.artifact_dir(champion))
    predicted = old_model.predict([r.values for r in cases]).tolist()
    old = held_out_figures(list(old_model.levels), predicted, outcomes, seasonal, policy)
    diff = [a - b for a, b in zip(new.pop("pinball_by_period"), old.pop("pinball_by_period"),
                                  strict=True)]
    found |= {"challenger": new, "champion": old,
              "pinball_difference": float(np.mean(diff)), "pinball_difference_ci": mean_ci(diff)}
    return found


def _later(when: str, than: str) -> bool:
    return datetime.fromisoformat(when) > datetime.fromisoformat(than)


def comparison_lines(domain: str, version: str, found: Mapping[str, Any]) -> list[str]:
    """The held-out comparison in the pack's words, for the terminal."""
    pack = get_quantity_pack(domain)
    words, qwords, unit = pack.words, pack.quantity_words, pack.shape.unit
    champion = found.get("champion_version")
    roles = pack.roles
    promote = (f"to let it decide: `docket models promote {version} --reason TEXT`, then a "
               f"second {roles.engineer} or {roles.owner} approves "
               f"(`docket models approve {version}`)")
    v = found["challenger_validation"]
    lines = ([f"{version}: on its own {v['hours']} held-out {words.cases} (trained only on "
              f"earlier ones): {_calibration(v['coverage'], v['pinball'], unit)}, cost "
              f"{v['policy_cost']:.2f} per {words.case} (seasonal naive "
              f"{v['baseline_cost']:.2f})"] if v.get("policy_cost") is not None
             else [f"{version}: no held-out {words.cases} to validate on (too short a "
                   "history for its validation_periods)"])
    if champion is None:
        return [*lines, f"no champion to compare with; {promote}"]
    if "challenger" not in found:
        return [*lines, f"not compared with champion {champion}: none of the "
                f"{found['held_out']} held-out {words.cases} is a recorded {words.case} whose "
                f"{qwords.outcome} came after the champion was trained (it may have trained on "
                f"the rest); record more realised {qwords.outcome} and retrain", promote]
    n = found["compared"]
    lines.append(f"compared on the {n} held-out {words.case if n == 1 else words.cases} neither "
                 f"model trained on (time-ordered: the challenger's validation model trained "
                 f"only on earlier {words.cases}; the champion was trained before these were "
                 "recorded):")
    for role, name in (("challenger", version), ("champion", champion)):
        f = found[role]
        low, high = f["interval"]
        lines.append(f"  {role} {name}: pinball loss {f['pinball']:.2f} {unit}, {low}-{high} "
                     f"interval held {f['interval_held']} of {f['n']}, coverage by level "
                     f"{_levels(f['coverage'])}; {qwords.orders} cost {f['cost']:.2f} per "
                     f"{words.case}")
    naive = found["challenger"]["naive_cost"]
    if naive is not None:
        lines.append(f"  seasonal naive: cost {naive:.2f} per {words.case}")
    ci = found["pinball_difference_ci"]
    diff = found["pinball_difference"]
    spread = (f" (95% interval {ci[0]:+.2f} to {ci[1]:+.2f}; neighbouring {words.cases} are "
              "correlated, so read it as rough)" if ci else " (one period: no interval)")
    if ci and ci[1] < 0:
        verdict = "the challenger's quantiles are closer"
    elif ci and ci[0] > 0:
        verdict = "the champion's quantiles are closer"
    else:
        verdict = "no clear difference"
    lines.append(f"  pinball loss, challenger minus champion: {diff:+.2f} {unit}{spread}: "
                 f"{verdict}")
    return [*lines, promote]


def _calibration(coverage: Mapping[str, float], pinball: Mapping[str, float], unit: str) -> str:
    mean = float(np.mean(list(pinball.values()))) if pinball else float("nan")
    return f"pinball loss {mean:.2f} {unit}, coverage by level {_levels(coverage)}"


def _levels(coverage: Mapping[str, float]) -> str:
    return ", ".join(f"{float(a):g} {c:.0%}" for a, c in coverage.items())
