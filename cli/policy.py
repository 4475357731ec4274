"""The policy: ``docket policy``, ``policy set`` (a proposal), ``policy approve`` / ``reject``.

Four eyes: ``policy set`` only proposes; the change takes effect when a second person
holding the owner role runs ``docket policy approve N``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from assistant.domains import get_quantity_pack, is_quantity_pack
from assistant.views import PolicyChangeView
from cli.app import Context, as_options, cli, fail, pass_context
from events.errors import DocketError, InputRejected

if TYPE_CHECKING:
    from cli.files import LineMap


def _domain(ctx: click.Context, given: str | None) -> str:
    """The pack a ``policy`` subcommand acts on: its own ``--domain`` or the group's (click
    shares ``meta`` with subcommands), else the one this store holds."""
    before = ctx.meta.get("domain")
    if given and before and given != before:
        fail(f"--domain {before} and --domain {given} name two packs: give one", code=2)
    return str(ctx.obj.service.resolve_domain(given or before))


#: Every ``policy`` subcommand takes ``--domain`` after its name too, as other commands do.
_pack = click.option("--domain", "domain", default=None, metavar="NAME",
                     help="The pack (default: the one this store holds); the same as "
                          "`docket policy --domain NAME ...`.")


@cli.group(invoke_without_command=True)
@click.option("--domain", default=None, help="The pack (default: the one this store holds).")
@click.pass_context
def policy(ctx: click.Context, domain: str | None) -> None:
    """Show the domain's policy and its history."""
    ctx.ensure_object(Context)
    ctx.meta["domain"] = domain
    if ctx.invoked_subcommand is not None:
        return  # the subcommand resolves the pack, with its own --domain if given
    domain = ctx.obj.service.resolve_domain(domain)
    view = ctx.obj.service.policy(domain)
    click.echo(f"{view.domain} policy v{view.version}, owned by role {view.owner_role}")
    if not view.signed_off:
        click.echo(
            f"  UNSIGNED: installed by the system; the owner ({view.owner_role}) has not signed"
            f" it off (`docket policy --domain {domain} sign-off`)"
        )
    if view.last_reviewed_at is not None:
        overdue = " — REVIEW OVERDUE" if view.review_overdue else ""
        click.echo(
            f"  last reviewed {view.last_reviewed_at.isoformat(timespec='minutes')}, due every"
            f" {view.review_every_days} days{overdue}"
        )
    if view.quantity is not None:  # a "how much" policy: economics and limits
        q = view.quantity
        words = get_quantity_pack(domain).quantity_words
        click.echo(
            f"  per unit short {q['underage_cost']:g}, per unit left over {q['overage_cost']:g}"
            f" (best {words.order}: the "
            f"{q['underage_cost'] / (q['underage_cost'] + q['overage_cost']):.2f} quantile of "
            f"predicted {words.outcome}); packs of {q['step']}, minimum {q['minimum_order']},"
            f" capacity {q['capacity']} {q['unit']}"
        )
        click.echo(
            f"  escalate when the {q['interval'][0]:g}-{q['interval'][1]:g} interval is over "
            f"{q['max_relative_width']:g} times the median; escalate out-of-distribution: "
            f"{q['escalate_on_ood']}; review every {view.review_every_days} days"
        )
        for change in view.history:
            click.echo(history_line(change))
        return
    click.echo(f"  costs: {json.dumps(view.costs)}")
    click.echo(
        f"  escalate band: {view.escalate_band}; escalate out-of-distribution: "
        f"{view.escalate_on_ood}; review every {view.review_every_days} days"
    )
    explore = view.exploration
    if explore.get("rate"):
        click.echo(
            f"  exploration: {explore['rate']:.0%} of cases whose runner-up action costs at most "
            f"{explore['max_regret']} more take it (at most "
            f"{explore['rate'] * explore['max_regret']:.3f} per case); salt {explore['salt']!r}"
        )
        cap = explore.get("monthly_budget")
        spent = f"{view.exploration_spent:.2f} spent in {view.exploration_month}"
        if cap is None:
            click.echo(f"  exploration budget: no monthly cap; {spent}")
        else:
            paused = (" — PAUSED until next month" if view.exploration_spent >= cap
                      else f", {cap - view.exploration_spent:.2f} left")
            click.echo(f"  exploration budget: {spent} of {cap:.2f} a month{paused}")
    else:
        click.echo("  exploration: off")
    for change in view.history:
        click.echo(history_line(change))
    _echo_pending(view)


def _echo_pending(view: Any) -> None:
    for p in view.pending:
        click.echo(
            f"  pending #{p.number} {p.at.isoformat(timespec='minutes')} proposed by {p.by}: "
            f"{json.dumps(p.changes)} — {p.justification} (needs another {view.owner_role}: "
            f"docket policy approve {p.number} --domain {view.domain})"
        )


def history_line(change: PolicyChangeView) -> str:
    """One event of the policy's history: installed, changed, reviewed or signed off."""
    what = {
        "created": "installed",
        "reviewed": "reviewed, no change",
        "signed_off": "signed off",
    }.get(change.event, json.dumps(change.changes))
    why = f" — {change.justification}" if change.justification else ""
    return (
        f"  v{change.version} {change.at.isoformat(timespec='minutes')} {change.by} "
        f"({change.role}): {what}{why}"
    )


@policy.command("review")
@_pack
@click.option("--note", required=True, help="What was reviewed and found (e.g. with whom).")
@click.pass_context
def policy_review(ctx: click.Context, note: str, domain: str | None) -> None:
    """Record a review of the policy with no change (the owner or an auditor)."""
    domain = _domain(ctx, domain)
    view = ctx.obj.service.review_policy(domain, note)
    click.echo(f"recorded a review of the {view.domain} policy v{view.version}: no change")


@policy.command("sign-off")
@_pack
@click.option("--note", default="", help="Anything the owner wants on record.")
@click.pass_context
def policy_sign_off(ctx: click.Context, note: str, domain: str | None) -> None:
    """Sign off the current policy version as its owner."""
    domain = _domain(ctx, domain)
    view = ctx.obj.service.sign_off_policy(domain, note)
    click.echo(f"the {view.domain} policy v{view.version} is signed off by its owner")


@policy.command("set")
@_pack
@click.option(
    "--cost",
    "costs",
    multiple=True,
    metavar="ACTION:OUTCOME=COST",
    help="One cell of the cost matrix, in the pack's own action and outcome names (`docket "
    "domains` lists them; repeatable).",
)
@click.option(
    "--band",
    nargs=2,
    type=float,
    default=None,
    metavar="LOW HIGH",
    help="Escalate when the probability of the risk outcome is within [LOW, HIGH].",
)
@click.option("--no-band", is_flag=True, help="Stop escalating by probability band.")
@click.option("--explore", type=float, default=None, metavar="RATE",
              help="Share of cases near the break-even that take the runner-up action "
              "(0 turns exploration off; at most 0.5).")
@click.option("--max-regret", type=float, default=None, metavar="COST",
              help="Explore only cases whose runner-up action costs at most COST more.")
@click.option("--shortage-cost", type=float, default=None, metavar="COST",
              help="A quantity pack: margin lost per unit short of demand.")
@click.option("--leftover-cost", type=float, default=None, metavar="COST",
              help="A quantity pack: holding or waste per unit left over.")
@click.option("--pack-size", type=int, default=None, metavar="UNITS",
              help="A quantity pack: orders are whole multiples of this.")
@click.option("--min-order", type=int, default=None, metavar="UNITS",
              help="A quantity pack: never order fewer (0 allows ordering nothing).")
@click.option("--capacity", type=int, default=None, metavar="UNITS",
              help="A quantity pack: never order more (space, fleet or vendor limit).")
@click.option("--max-width", type=float, default=None, metavar="RATIO",
              help="A quantity pack: escalate when the forecast interval is wider than RATIO "
              "times the median.")
@click.option("--monthly-budget", type=click.FloatRange(min=0), default=None, metavar="COST",
              help="The most expected extra cost exploration may spend per calendar month; "
              "once spent, no case is explored until the next month.")
@click.option("--no-monthly-budget", is_flag=True, help="Remove the monthly exploration cap.")
@click.option("--justification", required=True, help="Why the change is right.")
@click.pass_context
def policy_set(
    ctx: click.Context,
    costs: tuple[str, ...],
    band: tuple[float, float] | None,
    no_band: bool,
    explore: float | None,
    max_regret: float | None,
    shortage_cost: float | None,
    leftover_cost: float | None,
    pack_size: int | None,
    min_order: int | None,
    capacity: int | None,
    max_width: float | None,
    monthly_budget: float | None,
    no_monthly_budget: bool,
    justification: str,
    domain: str | None,
) -> None:
    """Change costs, the escalation band or exploration; for a quantity pack its economics
    and limits (policy owner only; takes effect when a second owner approves)."""
    domain = _domain(ctx, domain)
    quantity = {key: value for key, value in (
        ("underage_cost", shortage_cost), ("overage_cost", leftover_cost), ("step", pack_size),
        ("minimum_order", min_order), ("capacity", capacity),
        ("max_relative_width", max_width)) if value is not None}
    if ctx.obj.service.decides_quantity(domain):
        if (costs or band or no_band or explore is not None or max_regret is not None
                or monthly_budget is not None or no_monthly_budget):
            fail(f"{domain} decides a quantity: change its economics with --shortage-cost, "
                 "--leftover-cost, --pack-size, --min-order, --capacity or --max-width", code=2)
        if not quantity:
            fail("nothing to change: give --shortage-cost, --leftover-cost, --pack-size, "
                 "--min-order, --capacity or --max-width", code=2)
        _propose(ctx, domain, quantity, justification)
        try:  # what the change would have done, before the second owner approves it
            lines = ctx.obj.service.quantity_backtest(domain, quantity)
        except DocketError as exc:
            click.echo(f"no backtest preview: {exc}")
            return
        click.echo("backtest preview (the change is not in effect yet):")
        for line in lines:
            click.echo(line)
        return
    if quantity:
        fail(f"{domain} is a yes/no decision: --shortage-cost, --leftover-cost, --pack-size, "
             "--min-order, --capacity and --max-width are for quantity packs", code=2)
    changes: dict[str, Any] = {}
    if costs:
        current = ctx.obj.service.policy(domain).costs
        matrix = {action: dict(row) for action, row in current.items()}
        for item in costs:
            try:
                key, value = item.split("=")
                action, outcome = key.split(":")
                matrix.setdefault(action, {})[outcome] = float(value)
            except ValueError:
                fail(f"--cost {item!r}: expected ACTION:OUTCOME=COST with the {domain} "
                     f"policy's names ({', '.join(matrix)})", code=2)
        changes["costs"] = matrix
    if band and no_band:
        fail("give --band or --no-band, not both", code=2)
    if band:
        low, high = band
        if low > high:
            fail(
                f"--band {low} {high}: LOW must not exceed HIGH "
                "(to stop escalating by band on purpose, use --no-band)",
                code=2,
            )
        changes["escalate_band"] = [low, high]
    if no_band:
        changes["escalate_band"] = [1.0, 0.0]  # an empty band: PolicySpec's "disabled"
    exploration: dict[str, float | None] = {}
    if explore is not None:
        exploration["rate"] = explore
    if max_regret is not None:
        exploration["max_regret"] = max_regret
    if monthly_budget is not None and no_monthly_budget:
        fail("give --monthly-budget or --no-monthly-budget, not both", code=2)
    if monthly_budget is not None or no_monthly_budget:
        exploration["monthly_budget"] = monthly_budget
    if exploration:
        changes["exploration"] = exploration
    if not changes:
        fail("nothing to change: give --cost, --band, --no-band, --explore, --max-regret or "
             "--monthly-budget", code=2)
    _propose(ctx, domain, changes, justification)


#: The policy's field each ``policy set`` option changes, by the field's name in the policy's
#: own errors: a refusal names the option the person typed, not the policy's inner field.
_OPTION_OF = {
    "exploration.rate": "--explore", "exploration.max_regret": "--max-regret",
    "exploration.monthly_budget": "--monthly-budget", "underage_cost": "--shortage-cost",
    "overage_cost": "--leftover-cost", "step": "--pack-size", "minimum_order": "--min-order",
    "capacity": "--capacity", "max_relative_width": "--max-width", "costs": "--cost",
    "policy.costs": "--cost",
}


def _propose(ctx: click.Context, domain: str, changes: dict[str, Any], justification: str
             ) -> None:
    try:
        view = ctx.obj.service.change_policy(domain, changes, justification)
    except InputRejected as exc:
        raise as_options(exc, _OPTION_OF) from exc
    number = max(p.number for p in view.pending)
    click.echo(
        f"proposed change #{number} to the {view.domain} policy (still v{view.version}); it "
        f"takes effect when another {view.owner_role} runs `docket policy approve {number} "
        f"--domain {view.domain}`"
    )


@policy.command("approve")
@_pack
@click.argument("proposal", type=int)
@click.pass_context
def policy_approve(ctx: click.Context, proposal: int, domain: str | None) -> None:
    """Approve another person's proposed change (policy owner only); it takes effect now."""
    domain = _domain(ctx, domain)
    view = ctx.obj.service.approve_policy_change(domain, proposal)
    click.echo(f"{view.domain} policy is now v{view.version} (change #{proposal} approved)")


@policy.command("reject")
@_pack
@click.argument("proposal", type=int)
@click.option("--reason", required=True, help="Why not.")
@click.pass_context
def policy_reject(ctx: click.Context, proposal: int, reason: str, domain: str | None
                  ) -> None:
    """Reject a proposed change (policy owner), or withdraw your own."""
    domain = _domain(ctx, domain)
    view = ctx.obj.service.reject_policy_change(domain, proposal, reason)
    click.echo(f"change #{proposal} to the {view.domain} policy rejected; still v{view.version}")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--domain", default=None,
              help="The pack the rows belong to (`docket domains`); default, as for "
                   "`docket ingest`: the one pack whose fields the file's columns hold.")
@pass_context
def assess(obj: Context, file: Path, domain: str | None) -> None:
    """Preview what the policy would recommend for each row of FILE, recording nothing: the
    action, its propensity, and whether the case would be explored given what is left of
    this month's exploration budget (by the log). A quantity pack's rows: the predicted
    quantiles, the recommended quantity, its expected cost and why, with how well the model's
    quantiles held on its held-out periods."""
    from cli.files import LineMap, iter_rows

    service = obj.service
    lines = LineMap()  # where each row starts, to name a row by its line as ingest does
    rows = list(iter_rows(file, lines))
    name = service.file_domain(domain, rows)
    if is_quantity_pack(name):
        _assess_quantities(obj, name, rows, lines)
        return
    views = service.assess(name, rows)
    left = next((v.budget_left for v in views if v.budget_left is not None), None)
    if left is not None:
        click.echo(f"{name}: {left:.3f} of this month's exploration budget left before these "
                   "rows (a preview spends nothing)")  # fmt: skip
    for number, (row, view) in enumerate(zip(rows, views, strict=True), start=1):
        head = _row_head(lines, number, row)
        if view.action is None:
            click.echo(f"{head}: rejected: {'; '.join(view.problems)}")
            continue
        odds = ", ".join(f"{a} {p:.2f}" for a, p in view.propensities.items())
        line = f"{head}: {view.action} ({view.source}; propensities {odds})"
        if view.exploration:  # explored, eligible but not drawn, or paused (budget spent)
            line += f"; {view.exploration}"
        click.echo(line)


def _row_head(lines: LineMap, number: int, row: object) -> str:
    """``line 7 (REF)``: a row named by its line, as ingest names it, and its reference."""
    ref = row.get("case_ref") if isinstance(row, dict) else None
    shown = str(ref) if ref is None or str(ref).isprintable() else repr(ref)
    return str(lines.place(number)) + (f" ({shown})" if ref else "")


def _assess_quantities(obj: Context, name: str, rows: list[Any], lines: LineMap) -> None:
    """``docket assess`` for a quantity pack, in the pack's own words."""
    pack = get_quantity_pack(name)
    words, qwords, unit = pack.words, pack.quantity_words, pack.shape.unit
    found = obj.service.assess_quantities(name, rows)
    click.echo(f"{name}: a preview, recording nothing; policy v{found.policy_version}: best "
               f"{qwords.order} is the {found.critical_fractile:.2f} quantile of predicted "
               f"{qwords.outcome} (short {found.underage_cost:g}, spare {found.overage_cost:g} "
               f"per {found.per_unit})")
    if found.model_version is None:
        click.echo(f"no model decides ({found.unavailable_reason}): the baseline rule does "
                   f"({pack.baseline_description})")
    elif found.held_out:
        held = ", ".join(f"{float(a):g} {c:.0%}" for a, c in found.coverage.items())
        pinball = f"; pinball loss {found.pinball:.2f} {unit}" if found.pinball is not None else ""
        click.echo(f"model {found.model_version}: on its {found.held_out} held-out "
                   f"{words.cases} (trained only on earlier ones) the share of {qwords.outcome} "
                   f"at or below each predicted quantile was {held}{pinball}")
    for number, (row, view) in enumerate(zip(rows, found.rows, strict=True), start=1):
        head = _row_head(lines, number, row)
        if view.action is None:
            click.echo(f"{head}: rejected: {'; '.join(view.problems)}")
            continue
        naive = (f"; seasonal naive: {view.baseline_quantity} {unit}"
                 if view.baseline_quantity is not None else "")
        click.echo(f"{head}: {view.action} {view.quantity} {unit} ({view.source}; expected "
                   f"cost {view.expected_cost:.2f}{naive})")
        if view.quantiles:
            fan = " | ".join(f"{a} {v:.0f}" for a, v in view.quantiles.items())
            click.echo(f"    predicted {qwords.outcome} ({unit}): {fan}")
        click.echo(f"    why: {'; '.join(view.reasons)}")
