"""Exploration: a small, owned, logged share of randomised decisions near the break-even.

Why: a declined applicant never shows whether they would have repaid, so a log of a
deterministic policy cannot say what declining costs, nor what any other policy would have
cost. Taking the other decisive action on a small random share of the cases where the two
actions cost nearly the same makes the log support unbiased off-policy estimates
(:mod:`assistant.evaluation.ope`), at a small, bounded price.

The rule (all of it in :class:`Exploration`, owned and changed like the rest of the policy):

* a case is **eligible** when the runner-up decisive action's expected cost exceeds the best
  one's by at most ``max_regret`` (so only cases near the break-even probability), and the
  case is not sent to a senior for being out of distribution;
* an eligible case is **explored** with probability ``rate``: the runner-up action is
  recommended instead of the best one, and the case says so and why;
* the draw is reproducible: a uniform number from SHA-256 of ``salt`` and the case's
  reference, so replaying a case gives the same draw and an auditor can recompute it.

Propensities: for an eligible case the best action has probability ``1 - rate`` and the
runner-up ``rate``; every other case has its recommended action at probability 1. The price
of exploring one case is its regret (runner-up cost minus best cost), so the expected price
per case is at most ``rate * max_regret``.

The monthly cap: the owner may also state ``monthly_budget``, the most expected extra cost
exploration may spend in a calendar month (UTC). Spending is the sum of the regrets of the
cases explored that month (:class:`Budget`, built by the caller from the log's read
models); a case whose regret the remaining budget cannot cover is not eligible (its
recommendation is certain, propensity 1) and its reasons say exploration is paused until
the next month, so the log records when and why exploration stopped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


class Exploration(BaseModel):
    """The owner's exploration budget (off when ``rate`` is 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    rate: float = Field(
        default=0.0, ge=0.0, le=0.5,
        description="Share of eligible cases that take the runner-up action (0 = off; at "
        "most 0.5, so the best action always stays the likelier one).",
    )  # fmt: skip
    max_regret: float = Field(
        default=0.5, ge=0.0,
        description="A case is eligible only when the runner-up action's expected cost "
        "exceeds the best one's by at most this much (cost units per case).",
    )  # fmt: skip
    salt: str = Field(
        default="docket", max_length=64,
        description="Mixed into each case's seed; change it to draw a fresh random share.",
    )  # fmt: skip
    monthly_budget: float | None = Field(
        default=None, ge=0.0,
        description="The most expected extra cost (Σ regret of the explored cases) "
        "exploration may spend per calendar month, UTC; once spent, no case is explored "
        "until the next month. None: no monthly cap.",
    )  # fmt: skip

    @property
    def enabled(self) -> bool:
        return self.rate > 0.0

    @property
    def max_expected_cost_per_case(self) -> float:
        """The most exploration can add to the expected cost of one case."""
        return self.rate * self.max_regret


def month_of(at: datetime) -> str:
    """The calendar month (UTC) a budget counts in, e.g. ``2026-12``."""
    if at.tzinfo is None:
        raise ValueError("a budget month needs a timezone-aware time")
    return at.astimezone(UTC).strftime("%Y-%m")


def month_start(at: datetime) -> str:
    """The start of ``at``'s calendar month (UTC), ISO-8601: where a budget's month begins."""
    utc = at.astimezone(UTC)
    return utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat()


@dataclass
class Budget:
    """This month's exploration spending: the owner's cap and what the month has spent.

    Mutable on purpose: the decision path spends from one ledger while it decides a batch,
    so cases decided together cannot overspend it between two reads of the log.
    """

    month: str
    cap: float
    spent: float = 0.0

    @property
    def remaining(self) -> float:
        return max(0.0, self.cap - self.spent)

    def affords(self, regret: float) -> bool:
        return regret <= self.remaining + 1e-12

    def spend(self, regret: float) -> None:
        self.spent += regret


def draw(salt: str, case_key: str) -> float:
    """The case's uniform number in [0, 1): SHA-256 of salt and key, first 8 bytes."""
    digest = hashlib.sha256(f"{salt}\x1f{case_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


@dataclass(frozen=True)
class ExplorationDraw:
    """What exploration decided for one case.

    ``action``: the decisive action to take (the best one unless explored);
    ``propensities``: the probability the policy gives each decisive action for this case;
    ``reason``: one sentence for the operator when the case is eligible, else None.
    """

    action: str
    explored: bool
    eligible: bool
    propensities: dict[str, float]
    reason: str | None
    regret: float


def choose(
    costs: dict[str, float],
    best: str,
    exploration: Exploration,
    case_key: str | None,
    budget: Budget | None = None,
) -> ExplorationDraw:
    """Decide whether this case is explored (``costs``: expected cost of each decisive action).

    ``budget``: this month's ledger when the owner set a monthly cap (an explored case
    spends its regret from it); without one the cap is not applied.
    """
    others = sorted((a for a in costs if a != best), key=lambda a: costs[a])
    if not exploration.enabled or not others or case_key is None:
        return ExplorationDraw(best, False, False, {best: 1.0}, None, 0.0)
    runner_up = others[0]
    regret = costs[runner_up] - costs[best]
    if regret > exploration.max_regret:
        return ExplorationDraw(best, False, False, {best: 1.0}, None, regret)
    if budget is not None and not budget.affords(regret):
        paused = (
            f"exploration paused until the month after {budget.month}: the owner's monthly "
            f"budget of {budget.cap:.2f} is spent ({budget.spent:.2f} used; exploring this "
            f"case would add {regret:.3f})"
        )
        return ExplorationDraw(best, False, False, {best: 1.0}, paused, regret)
    u = draw(exploration.salt, case_key)
    explored = u < exploration.rate
    if explored and budget is not None:
        budget.spend(regret)
    propensities = {best: 1.0 - exploration.rate, runner_up: exploration.rate}
    if explored:
        reason = (
            f"exploration case: {runner_up} instead of {best} (expected cost {regret:.3f} "
            f"higher), drawn at random for {exploration.rate:.0%} of cases whose runner-up "
            f"costs at most {exploration.max_regret:.3f} more (the owner's limit) so the "
            f"policy can be measured on outcomes it would otherwise never see (draw {u:.4f} "
            f"from the case's reference)"
        )
    else:
        reason = (
            f"eligible for exploration (expected costs within {exploration.max_regret:.3f}); "
            f"not drawn (draw {u:.4f} >= rate {exploration.rate:.3f})"
        )
    action = runner_up if explored else best
    return ExplorationDraw(action, explored, True, propensities, reason, regret)


__all__ = ["Budget", "Exploration", "ExplorationDraw", "choose", "draw", "month_of", "month_start"]
