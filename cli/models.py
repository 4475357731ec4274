"""Models: ``train``, ``retrain``, ``models`` (``promote``, ``shadow``), ``backtest``,
``figures``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assistant.domains import get_quantity_pack, is_quantity_pack
from assistant.views import BacktestView
from cli.app import Context, cli, domain_argument, pass_context, steps
from cli.files import read_json_object
from cli.monitoring import print_off_policy
from events.errors import DocketError


@cli.command()
@domain_argument(required=True)
@click.option(
    "--promote/--no-promote",
    default=None,
    help="Promote the best model to champion (default: only if there is none).",
)
@pass_context
def train(obj: Context, domain: str, promote: bool | None) -> None:
    """Train DOMAIN's specialists, check ONNX parity, and register them with model cards."""
    for line in obj.service.train(domain, promote=promote, on_step=steps(f"train {domain}")):
        click.echo(line)


@cli.command()
@domain_argument(required=True)
@click.option("--reason", default="", help="Why retrain now (kept in the model card).")
@pass_context
def retrain(obj: Context, domain: str, reason: str) -> None:
    """Train challengers on the data plus the outcomes the log revealed (a yes/no pack's
    weighted by inverse propensity); they run in shadow until promoted. A quantity pack's
    challenger is compared with the champion on held-out periods neither trained on
    (time-ordered): pinball loss, coverage of each level and of the interval, cost.

    Then the model-dependent eval suites run on each challenger and on the champion, judged
    by the committed baseline; each verdict is recorded as an eval-run event for that model.
    """
    from evals.models import MODEL_SUITES, evaluate_versions, judged_against, verdict_line

    lines, challengers = obj.service.retrain(domain, reason=reason,
                                             on_step=steps(f"retrain {domain}"))
    for line in lines:
        click.echo(line)
    if not challengers:
        return
    suites = ("orders",) if is_quantity_pack(domain) else MODEL_SUITES
    champion = [m.version for m in obj.service.models(domain) if m.status == "champion"]
    click.echo(f"eval suites (judged against {judged_against(domain)}):")
    problems: dict[str, None] = {}
    for version, result in evaluate_versions(
        obj.service, domain, [*challengers, *champion], suites=suites
    ).items():
        role = "champion" if version in champion else "challenger"
        click.echo(f"  {role} {verdict_line(version, result)}")
        if result.baseline_problem:
            problems.setdefault(result.baseline_problem, None)
    for problem in problems:
        click.echo(f"  {problem}")


@cli.group(invoke_without_command=True)
@click.option("--domain", default=None,
              help="List only this pack's versions (default: every pack's). The subcommands "
                   "take a VERSION, which names its pack.")
@click.pass_context
def models(ctx: click.Context, domain: str | None) -> None:
    """List model versions with their cards; which is champion and which run in shadow."""
    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    if domain is not None:
        obj.service.domain(domain)  # a pack that is not installed: one sentence naming them
    views = obj.service.models(domain)
    if not views:
        try:
            how = f"`docket train {obj.service.resolve_domain(domain)}`"
        except DocketError:  # several packs, none named: say how to list them
            how = ("`docket train DOMAIN`, e.g. `docket train credit` (`docket domains` lists "
                   "the packs)")
        click.echo(f"no models registered: run {how}")
        return
    for view in views:
        headline = ("cv_expected_cost", "cv_roc_auc", "cv_brier", "cv_calibration_error")
        metrics = ", ".join(
            f"{name.removeprefix('cv_').replace('_', ' ')} {view.metrics[name]:.3f}"
            for name in headline
            if isinstance(view.metrics.get(name), float)
        )
        if metrics and view.card.get("prediction") == "quantiles":
            metrics = f"{held_out_words(view.card)}: {metrics}"  # one time-ordered hold-out
        elif metrics:
            metrics = f"{view.metrics.get('cv_folds', 10)}-fold cross-validated: {metrics}"
        click.echo(
            f"{view.version:32} {view.status:10} {view.kind:10} "
            f"trained {view.registered_at.isoformat(timespec='minutes')} by {view.registered_by}"
        )
        if metrics:
            click.echo(f"    {metrics}")
        provenance = view.card.get("provenance") or {}
        data = view.card.get("data") or {}
        why = provenance.get("reason", "initial training on the shipped data set")
        rows = provenance.get("rows", data.get("rows", "?"))
        quantity = view.card.get("prediction") == "quantiles"
        extra = (
            f" (+{provenance.get('outcomes', 0)} recorded "
            f"{get_quantity_pack(view.domain).quantity_words.outcome} of "
            f"{get_quantity_pack(view.domain).words.cases} beyond the history)"
            if provenance and quantity
            else f" (+{provenance.get('outcomes', 0)} recorded outcomes, "
            f"{provenance.get('own_decisions_share_of_weight', 0.0):.1%} of the weight from "
            "the model's own decisions)"
            if provenance
            else ""
        )
        click.echo(f"    why: {why}; trained on {rows} rows{extra}")
        compared = (view.card.get("evidence") or {}) if quantity else {}
        if isinstance(compared.get("challenger"), dict):  # a quantity retrain's comparison
            click.echo(f"    {compared_line(view.domain, compared)}")
        if view.evals:
            verdicts = ", ".join(
                f"{suite} {'not judged' if ok is None else 'passed' if ok else 'FAILED'}"
                for suite, ok in sorted(view.evals.items())
            )
            click.echo(f"    latest evals: {verdicts}")
    for p in obj.service.pending_promotions(domain):
        click.echo(
            f"pending promotion #{p.number} of {p.version} ({p.domain}), proposed by {p.by} "
            f"{p.at.isoformat(timespec='minutes')}: {p.reason} (replaces "
            f"{p.replaces or 'no champion'}; needs a second person: docket models approve "
            f"{p.version})"
        )


@models.command("promote")
@click.argument("version")
@click.option("--reason", required=True, help="Why this model should decide from now on.")
@pass_context
def models_promote(obj: Context, version: str, reason: str) -> None:
    """Propose VERSION as champion; it takes effect when a second person who manages the
    domain's models approves it (a domain's first champion is installed at once)."""
    view = obj.service.promote(version, reason)
    if view.status == "champion":
        click.echo(f"{view.version} is now champion for {view.domain} (its first)")
        return
    [found] = [p for p in obj.service.pending_promotions(view.domain) if p.version == version]
    click.echo(
        f"proposed promotion #{found.number} of {version} for {view.domain} (replacing "
        f"{found.replaces or 'no champion'}); it takes effect when another person who manages "
        f"its models runs `docket models approve {version}`"
    )


@models.command("approve")
@click.argument("version")
@pass_context
def models_approve(obj: Context, version: str) -> None:
    """Approve another person's proposed promotion of VERSION: it decides from now on (the
    previous champion is demoted)."""
    view = obj.service.approve_promotion(version)
    click.echo(f"{view.version} is now champion for {view.domain} (promotion approved)")


@models.command("reject")
@click.argument("version")
@click.option("--reason", required=True, help="Why not.")
@pass_context
def models_reject(obj: Context, version: str, reason: str) -> None:
    """Reject the proposed promotion of VERSION (a model manager), or withdraw your own."""
    view = obj.service.reject_promotion(version, reason)
    click.echo(f"promotion of {view.version} rejected; it stays {view.status}")


@models.command("shadow")
@click.argument("version")
@pass_context
def models_shadow(obj: Context, version: str) -> None:
    """Run VERSION in shadow: scored and recorded on every case, never acted on."""
    view = obj.service.shadow(version)
    click.echo(f"{view.version} now runs in shadow for {view.domain}")


@models.command("retire")
@click.argument("version")
@click.option("--reason", required=True, help="Why (recorded, and listed by `docket verify`).")
@pass_context
def models_retire(obj: Context, version: str, reason: str) -> None:
    """Retire VERSION for good. Retiring the champion is the emergency stop: one person may
    do it, the pack's baseline rules decide until a promotion is approved, and the event
    names who and why."""
    before = {m.version: m.status for m in obj.service.models()}
    view = obj.service.retire_model(version, reason)
    click.echo(f"{view.version} retired for {view.domain}")
    if before.get(version) == "champion":
        click.echo("emergency stop: the baseline rules decide until a promotion is approved")


def _backtest_line(view: BacktestView) -> str:
    low, high = view.cost_ci
    return (
        f"{view.label:18} cost/case {view.cost_per_case:.3f} [{low:.3f}, {high:.3f}]  "
        f"{view.accept_action} {view.approval_rate:6.1%}  "
        f"{view.escalate_action} {view.escalation_rate:6.1%}  n={view.n}"
    )


@cli.command()
@click.option("--domain", default=None, help="The pack (default: the one this store holds).")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A policy JSON file to try instead of the current policy.",
)
@pass_context
def backtest(obj: Context, domain: str | None, policy_file: Path | None) -> None:
    """Replay historical cases with known outcomes through a policy, against the baseline."""
    changes = None
    if policy_file:
        changes = read_json_object(policy_file, "policy")
    domain = obj.service.resolve_domain(domain)
    if obj.service.decides_quantity(domain):  # e.g. {"underage_cost": 6} in FILE
        for line in obj.service.quantity_backtest(domain, changes):
            click.echo(line)
        return
    # A risk owner who knows the champion trained on this data asks whether these figures
    # are in-sample: they are not, and the header says so.
    click.echo("on the data set's historical outcomes (every outcome known; each row scored "
               "out-of-fold, by a model that never trained on it):")
    for view in obj.service.backtest(domain, changes):
        click.echo("  " + _backtest_line(view))
    off = obj.service.off_policy(domain, changes)
    if off is None or not off.estimates:
        click.echo("on the logged decisions: none settled yet, so no off-policy estimate")
        return
    click.echo("on the logged decisions (off-policy estimates):")
    print_off_policy(off)


@cli.command()
@domain_argument()
@click.option("--seed", default=0, show_default=True, help="Fold seed (of the first repeat).")
@click.option("--repeats", default=1, show_default=True, type=click.IntRange(1, 100),
              help="Repeat the k-fold with seeds SEED, SEED+1, ...; report mean ± sd.")
@pass_context
def figures(obj: Context, domain: str | None, seed: int, repeats: int) -> None:
    """A pack's figures: for a yes/no pack the 10-fold cross-validated expected cost per case of
    its models, baseline rules and refuse-all; for a quantity pack the time-ordered monthly
    backtest against seasonal naive."""
    domain = obj.service.resolve_domain(domain)
    lines = obj.service.cross_validated_costs(domain, seed=seed, repeats=repeats,
                                              on_step=steps(f"figures {domain}"))
    for line in lines:
        click.echo(line)


def compared_line(domain: str, found: dict[str, Any]) -> str:
    """A quantity challenger's comparison with the champion of its retrain, in one line."""
    pack = get_quantity_pack(domain)
    new, old = found["challenger"], found["champion"]
    return (f"against champion {found['champion_version']} on {found['compared']} held-out "
            f"{pack.words.cases} neither trained on: pinball loss {new['pinball']:.2f} vs "
            f"{old['pinball']:.2f} {pack.shape.unit}, interval held {new['interval_held']} vs "
            f"{old['interval_held']}, cost {new['cost']:.2f} vs {old['cost']:.2f} per "
            f"{pack.words.case}")


def held_out_words(card: dict[str, Any]) -> str:
    """What a quantile model's headline cost rests on: one time-ordered hold-out of the
    pack's last periods ("validated on the last 24 held-out months"), not folds."""
    held = (card.get("validation") or {}).get("hours", 0)
    try:
        words = get_quantity_pack(str(card.get("domain"))).words
        cases, case = words.cases, words.case
    except DocketError:  # the pack is not installed here: its words are unknown
        cases, case = "periods", "period"
    return f"validated on the last {held} held-out {cases} (cost per {case})"
