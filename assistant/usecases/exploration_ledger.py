"""The owner's monthly exploration budget, read from and spent in the log.

A batch of cases is assessed against this month's ledger as the log has it
(:class:`events.domain.ExplorationBudget`), and what its explored cases cost is saved on
the ledger in the same transaction as the cases. If another process spent from the
ledger in between, the save is refused (optimistic concurrency on the ledger's version)
and the caller assesses the batch again against the new total: two processes ingesting
at once can never spend more than the cap together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from assistant.policies import PolicySpec
from assistant.policies.exploration import Budget, month_of
from assistant.usecases.context import SYSTEM_WHO, Context
from events.domain import ExplorationBudget
from events.errors import ConflictError, NotFound

#: How often one batch is reassessed because other processes kept spending first.
ATTEMPTS = 8


class StaleBudget(ConflictError):
    """Another process spent from the month's ledger since this batch read it."""


@dataclass(frozen=True)
class Ledger:
    """This month's budget as the log had it when a batch read it.

    ``budget`` is what the batch spends from while it is assessed; ``version`` is the
    ledger aggregate's version read (None: nothing spent yet this month).
    """

    domain: str
    budget: Budget
    version: int | None


def read(ctx: Context, domain: str, spec: PolicySpec, now: datetime) -> Ledger | None:
    """This month's ledger when the owner capped monthly spending (else None)."""
    cap = spec.exploration.monthly_budget
    if cap is None or not spec.exploration.enabled:
        return None
    month = month_of(now)
    found = _load(ctx, domain, month)
    spent = found.spent if found is not None else 0.0
    return Ledger(domain, Budget(month, cap, spent), found.version if found else None)


def spent_this_month(ctx: Context, domain: str, now: datetime) -> tuple[float, int]:
    """What exploration spent in ``domain`` in ``now``'s month, and on how many cases, by
    the log (whatever a read-model file says)."""
    found = _load(ctx, domain, month_of(now))
    return (found.spent, found.explored) if found is not None else (0.0, 0)


def charge(
    ctx: Context, ledger: Ledger | None, regrets: Iterable[float]
) -> list[ExplorationBudget]:
    """The ledger with the spending of the explored cases about to be saved (their
    ``regrets``), to save in the same transaction; [] when none was explored.

    Raises:
        StaleBudget: another process spent since ``ledger`` was read: assess again.
    """
    costs = list(regrets)
    if ledger is None or not costs:
        return []
    budget = ledger.budget
    found = _load(ctx, ledger.domain, budget.month)
    if (found.version if found is not None else None) != ledger.version:
        raise StaleBudget(f"{ledger.domain}'s exploration budget for {budget.month} changed")
    record = found or ExplorationBudget.open(domain=ledger.domain, month=budget.month,
                                             **SYSTEM_WHO)  # fmt: skip
    record.spend(amount=sum(costs), cases=len(costs), cap=budget.cap, **SYSTEM_WHO)
    return [record]


def _load(ctx: Context, domain: str, month: str) -> ExplorationBudget | None:
    try:
        found = ctx.log.get(ExplorationBudget.id_for(domain, month))
    except NotFound:
        return None
    assert isinstance(found, ExplorationBudget)
    return found
