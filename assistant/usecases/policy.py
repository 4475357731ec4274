"""The policy: who owns it, what it costs, changing it, and backtesting a change first."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from assistant.domains import pack_roles
from assistant.monitoring.health import policy_review_overdue
from assistant.policies import PolicySpec
from assistant.policies import backtest as run_backtest
from assistant.policies.backtest import ArmResult
from assistant.policies.exploration import month_of
from assistant.policies.quantity import QuantityPolicy
from assistant.usecases import alerting, exploration_ledger, intake
from assistant.usecases.checks import require_plain
from assistant.usecases.context import Context
from assistant.usecases.domains import words_view
from assistant.usecases.models import pending_promotions
from assistant.views import (
    BacktestView,
    PolicyChangeView,
    PolicyPreview,
    PolicyView,
    ProposalView,
)
from events import queries
from events.errors import FieldProblem, InputRejected


def policy(ctx: Context, domain: str) -> PolicyView:
    aggregate = ctx.policy(domain)
    if aggregate.spec.get("kind") == "quantity":
        return _quantity_view(ctx, domain)
    spec = PolicySpec.model_validate(aggregate.spec)
    ctx.models()  # syncs, and rebuilds read models whose policy history disagrees with the log
    history = _history(ctx, domain)
    now = intake.utc_now()
    month = month_of(now)
    # By the log's ledger, never the read-model file (see exploration_ledger).
    month_spent, _ = exploration_ledger.spent_this_month(ctx, domain, now)
    return PolicyView(
        domain=domain,
        version=aggregate.policy_version,
        owner_role=aggregate.owner_role,
        actions=list(spec.actions),
        costs={a: dict(row) for a, row in spec.costs.items()},
        escalate_band=(float(spec.escalate_band[0]), float(spec.escalate_band[1])),
        escalate_on_ood=spec.escalate_on_ood,
        review_every_days=aggregate.review_every_days,
        history=history,
        pending=_pending(aggregate),
        exploration=spec.exploration.model_dump(mode="json"),
        words=words_view(domain),
        pending_promotions=pending_promotions(ctx, domain),
        exploration_spent=month_spent,
        exploration_month=month,
        **_standing(ctx, domain),
    )


def _pending(aggregate: Any) -> list[ProposalView]:
    """Proposals waiting for a second owner, oldest first."""
    return [
        ProposalView(
            number=int(number),
            at=datetime.fromisoformat(found["at"]),
            by=found["by"],
            changes=dict(found["changes"]),
            justification=found["justification"],
            base_version=int(found["base_version"]),
        )
        for number, found in sorted(
            getattr(aggregate, "pending", {}).items(), key=lambda item: int(item[0])
        )
    ]


def _quantity_view(ctx: Context, domain: str) -> PolicyView:
    """A "how much" policy: its economics and limits, with no escalation band."""
    aggregate = ctx.policy(domain)
    spec = QuantityPolicy.model_validate(aggregate.spec)
    ctx.sync()
    return PolicyView(
        domain=domain, version=aggregate.policy_version, owner_role=aggregate.owner_role,
        actions=list(spec.actions),
        costs={spec.order_action: {"per unit short": spec.underage_cost,
                                   "per unit left over": spec.overage_cost}},
        escalate_band=(1.0, 0.0), escalate_on_ood=spec.escalate_on_ood,
        review_every_days=aggregate.review_every_days, history=_history(ctx, domain),
        pending=_pending(aggregate), words=words_view(domain),
        quantity=spec.model_dump(mode="json"), pending_promotions=pending_promotions(ctx, domain),
        **_standing(ctx, domain),
    )  # fmt: skip


def _history(ctx: Context, domain: str) -> list[PolicyChangeView]:
    return [
        PolicyChangeView(
            version=int(r["policy_version"]),
            at=datetime.fromisoformat(r["at"]),
            by=r["actor"],
            role=r["role"],
            changes=json.loads(r["changes"] or "{}"),
            justification=r["justification"] or "",
            event=r["event"] or "changed",
        )
        for r in queries.policy_history(ctx.views, domain)
    ]


def _standing(ctx: Context, domain: str) -> dict[str, Any]:
    """Signed off or not, when last reviewed, whether the review is overdue."""
    aggregate = ctx.policy(domain)
    reviewed = datetime.fromisoformat(aggregate.last_reviewed_at)
    overdue = policy_review_overdue(
        reviewed, now=datetime.now(UTC), review_every_days=aggregate.review_every_days
    ).overdue
    return {
        "signed_off": bool(getattr(aggregate, "signed_off", True)),
        "last_reviewed_at": reviewed,
        "review_overdue": overdue,
    }


def review_policy(ctx: Context, domain: str, note: str) -> PolicyView:
    """Record a review with no change (owner or auditor); closes an overdue-review alert."""
    require_plain("note", note)
    if not note.strip():
        raise InputRejected([FieldProblem("note", "a review needs a note of what it found")])
    current = ctx.policy(domain)
    who = ctx.who
    auditor = pack_roles(domain).auditor  # the pack's own (careplan's quality_auditor)
    ctx.log.update(current.id, lambda p: p.review(note=note, auditor_role=auditor, **who))
    alerting.resolve_key(
        ctx, domain, f"policy_review_overdue:{current.id}", f"reviewed by {who['actor']}: {note}"
    )
    return policy(ctx, domain)


def sign_off_policy(ctx: Context, domain: str, note: str = "") -> PolicyView:
    """The owner signs off the current version (the first is installed by the system)."""
    require_plain("note", note)
    current = ctx.policy(domain)
    who = ctx.who
    ctx.log.update(current.id, lambda p: p.sign_off(note=note, **who))
    return policy(ctx, domain)


def policy_notices(ctx: Context) -> list[str]:
    """One sentence per policy that needs its owner: unsigned, or its review overdue."""
    ctx.sync()
    notices = []
    for domain in queries.policy_domains(ctx.views):
        standing = _standing(ctx, domain)
        view = ctx.policy(domain)
        if not standing["signed_off"]:
            notices.append(
                f"{domain} policy v{view.policy_version} is unsigned: installed by the system,"
                f" not yet signed off by its owner ({view.owner_role}; `docket policy sign-off"
                f" --domain {domain}`)"
            )
        if standing["review_overdue"]:
            notices.append(
                f"{domain} policy review is overdue: last reviewed"
                f" {standing['last_reviewed_at']:%Y-%m-%d}, due every"
                f" {view.review_every_days} days (`docket policy review --domain {domain}"
                " --note TEXT`)"
            )
    return notices


def change_policy(
    ctx: Context, domain: str, changes: Mapping[str, Any], justification: str
) -> PolicyView:
    """Propose changing costs or the escalation band (four eyes: it takes effect when a
    second person holding the owner role approves it, see :func:`approve_change`).

    Raises NotAuthorised unless the acting role owns the policy."""
    require_plain("justification", justification)
    current = ctx.policy(domain)
    # Validate the whole resulting policy before anything is recorded.
    changed: PolicySpec | QuantityPolicy = (
        QuantityPolicy.model_validate(current.spec).with_changes(changes)
        if current.spec.get("kind") == "quantity"
        else PolicySpec.model_validate(current.spec).with_changes(changes)
    )
    # Record whole values for each changed key (a partial cost matrix is merged here,
    # once, so the event says exactly what the policy became).
    complete = {key: changed.model_dump(mode="json")[key] for key in changes}
    who = ctx.who
    ctx.log.update(
        current.id, lambda p: p.propose(changes=complete, justification=justification, **who)
    )
    return policy(ctx, domain)


def approve_change(ctx: Context, domain: str, proposal: int) -> PolicyView:
    """Approve another person's pending proposal: it takes effect now.

    Raises:
        NotAuthorised: not the owner role, or approving one's own proposal.
        NotFound: no such pending proposal. ConflictError: the policy changed since.
    """
    current = ctx.policy(domain)
    who = ctx.who
    ctx.log.update(current.id, lambda p: p.approve(proposal=proposal, **who))
    return policy(ctx, domain)


def reject_change(ctx: Context, domain: str, proposal: int, note: str) -> PolicyView:
    """Reject a pending proposal (the owner role), or withdraw one's own."""
    require_plain("reason", note)
    current = ctx.policy(domain)
    who = ctx.who
    ctx.log.update(current.id, lambda p: p.reject(proposal=proposal, note=note, **who))
    return policy(ctx, domain)


def backtest(
    ctx: Context,
    domain: str,
    changes: Mapping[str, Any] | None = None,
    *,
    priced_by: Mapping[str, Any] | None = None,
) -> list[BacktestView]:
    """The current (or changed) policy on historical outcomes, against the baseline.

    ``priced_by``: changes whose cost matrix prices every arm (default: the backtested
    policy's own costs).
    """
    state = ctx.domain(domain)
    spec = state.spec.with_changes(changes or {})
    pricing = state.spec.with_changes(priced_by) if priced_by is not None else None
    # Historical outcomes, scored by the champion's honest (out-of-fold) probabilities.
    rows, outcomes, p_bad, ood = state.orchestrator.history()
    label = "changed policy" if changes else f"policy v{state.policy_version}"
    report = run_backtest(
        rows, outcomes, p_bad, spec, state.pack.baseline, ood=ood, label=label, priced_by=pricing
    )
    return [_backtest_view(arm, report.accept_action, spec.escalate_action)
            for arm in report.arms]


def preview_policy(ctx: Context, domain: str, changes: Mapping[str, Any]) -> PolicyPreview:
    """Backtest the current policy and the changed one on historical outcomes.

    Both (and the baseline) are priced with the changed policy's cost matrix, the one
    that will be in force: before and after differ only in what they decide, so a pure
    change of costs is not reported as a change in cost by itself.
    """
    before = backtest(ctx, domain, priced_by=changes)
    after = backtest(ctx, domain, changes)
    return PolicyPreview(before=before[0], after=after[0], baseline=after[1])


def _backtest_view(arm: ArmResult, accept_action: str, escalate_action: str) -> BacktestView:
    return BacktestView(
        accept_action=accept_action,
        escalate_action=escalate_action,
        label=arm.label,
        n=arm.n,
        cost_per_case=float(arm.realised_cost.estimate),
        cost_ci=(float(arm.realised_cost.low), float(arm.realised_cost.high)),
        approval_rate=float(arm.approval_rate.estimate),
        escalation_rate=float(arm.escalation_rate.estimate),
    )
