"""Decision quality of a "how much" pack, in cost units: what was ordered, what the policy
recommended and what the baseline rule would have ordered, each against realised demand.

Pure: rows in (one per decided case with known demand), a report out. Every case is charged
``underage_cost`` per unit short and ``overage_cost`` per unit left over under the *current*
policy, so the three columns are comparable; intervals are the paired percentile bootstrap of
:mod:`assistant.stats` (the same resampled cases for every column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.domains.decision import NEWSVENDOR_WORDS, QuantityWords
from assistant.policies.quantity import QuantityPolicy, share_text
from assistant.stats import Interval, bootstrap_means

WHO = ("decided", "policy", "baseline")


@dataclass(frozen=True)
class OrderRow:
    """One decided case: the order placed, the policy's and the baseline's, and the demand."""

    decided: int
    policy: int
    baseline: int
    demand: float
    overridden: bool


@dataclass(frozen=True)
class QuantityQuality:
    """Realised cost per case, with the share of demand met, stock-outs and leftovers."""

    domain: str
    unit: str
    cases: int
    cost: dict[str, Interval]  # by WHO
    policy_minus_baseline: Interval
    fill_rate: dict[str, float]  # units of demand met / units demanded
    stockouts: dict[str, float]  # share of cases short of demand
    leftovers: dict[str, float]  # mean units left over per case
    overrides: int
    overrides_helped: int  # the override cost less than the policy's order would have
    overrides_hurt: int
    words: QuantityWords = field(default_factory=QuantityWords)  # the pack's prose
    case: str = "case"  # the pack's word for one case and for several ("month", "months")
    cases_word: str = "cases"

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (``docket quality DOMAIN --json``)."""
        return {
            "domain": self.domain, "unit": self.unit, "cases": self.cases,
            "cost_per_case": {w: i.to_dict() for w, i in self.cost.items()},
            "policy_minus_baseline": self.policy_minus_baseline.to_dict(),
            "fill_rate": self.fill_rate, "stockouts": self.stockouts,
            "leftovers": self.leftovers,
            "overrides": {"n": self.overrides, "helped": self.overrides_helped,
                          "hurt": self.overrides_hurt},
        }  # fmt: skip

    def lines(self) -> list[str]:
        """The report as printed by ``docket quality``, in the pack's words."""
        w = self.words
        if not self.cases:
            return [f"{self.domain}: no decided case has its {w.outcome} recorded yet "
                    "(docket outcomes FILE --domain " + self.domain + ")"]
        names = {"decided": f"what was {w.ordered}", "policy": f"the policy's {w.order}",
                 "baseline": "baseline rule (seasonal naive)"}
        one, many = self.case, self.cases_word
        out = [f"{self.domain}: realised cost per {one} on {self.cases} decided {many} with "
               f"known {w.outcome} (95% intervals)"]
        for who in WHO:
            out.append(
                f"  {names[who]:<32} {self.cost[who]}  fill rate "
                f"{share_text(self.fill_rate[who])}, "
                f"short in {self.stockouts[who]:.1%} of {many}, "
                f"{self.leftovers[who]:.1f} {self.unit} left over per {one}"
            )
        out.append(f"  policy minus baseline: {self.policy_minus_baseline} per {one}")
        out.append(f"  overrides: {self.overrides} ({self.overrides_helped} cost less than the "
                   f"policy's {w.order}, {self.overrides_hurt} more)")
        return out


def quantity_quality(
    domain: str, rows: Sequence[OrderRow], policy: QuantityPolicy, *, n_boot: int = 2000,
    words: QuantityWords = NEWSVENDOR_WORDS, case: str = "case", cases: str = "cases",
) -> QuantityQuality:
    demand = np.array([r.demand for r in rows], dtype=np.float64)
    orders = {w: np.array([getattr(r, w) for r in rows], dtype=np.float64) for w in WHO}
    costs = {w: policy.underage_cost * np.maximum(demand - q, 0.0)
             + policy.overage_cost * np.maximum(q - demand, 0.0) for w, q in orders.items()}
    columns = np.column_stack([costs[w] for w in WHO] + [costs["policy"] - costs["baseline"]]) \
        if rows else np.zeros((0, len(WHO) + 1))
    intervals = bootstrap_means(columns, n_boot=n_boot)
    total = float(demand.sum()) or 1.0
    over = [r for r in rows if r.overridden]
    helped = sum(policy.loss(r.decided, r.demand) < policy.loss(r.policy, r.demand) for r in over)
    hurt = sum(policy.loss(r.decided, r.demand) > policy.loss(r.policy, r.demand) for r in over)
    return QuantityQuality(
        domain=domain, unit=policy.unit, cases=len(rows),
        cost=dict(zip(WHO, intervals[:3], strict=True)), policy_minus_baseline=intervals[3],
        fill_rate={w: float(np.minimum(q, demand).sum()) / total for w, q in orders.items()},
        stockouts={w: float(np.mean(demand > q)) if rows else 0.0 for w, q in orders.items()},
        leftovers={w: float(np.mean(np.maximum(q - demand, 0.0))) if rows else 0.0
                   for w, q in orders.items()},
        overrides=len(over), overrides_helped=int(helped), overrides_hurt=int(hurt),
        words=words, case=case, cases_word=cases,
    )
