"""The ``docket`` command line.

Every command acts through :class:`assistant.service.DocketService`. Errors that
Docket raises on purpose (:class:`events.errors.DocketError`) are printed as one
clear sentence with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from assistant import config
from assistant.views import (
    Accept,
    AuditView,
    BacktestView,
    Decision,
    Escalate,
    Identity,
    Override,
    TimelineEntry,
)
from events.errors import DocketError, InputRejected

if TYPE_CHECKING:  # keeps start-up fast: the service loads on first use
    from assistant.service import DocketService

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every command needs: where the store is and who is acting."""

    def __init__(self, store: str, operator: str, role: str) -> None:
        self.store = store
        self.identity = Identity(operator, role)
        self._service: DocketService | None = None

    @property
    def service(self) -> DocketService:
        if self._service is None:
            from assistant.service import DocketService

            self._service = DocketService.open(self.store, identity=self.identity)
        return self._service


pass_context = click.make_pass_decorator(Context)


def fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


class DocketGroup(click.Group):
    """Turns Docket's own errors into one clear sentence and an exit code of 1.

    Commands that live in the packages above the service (``docket eval`` in ``evals``)
    are imported only when used, so ``docket status`` starts fast.
    """

    lazy_commands: dict[str, str] = {"eval": "evals.cli:eval_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            import importlib

            module, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputRejected as exc:
            for problem in exc.problems:
                click.secho(f"  {problem.field}: {problem.problem}", fg="red", err=True)
            fail(str(exc))
        except DocketError as exc:
            fail(str(exc))


@click.group(cls=DocketGroup)
@click.option(
    "--store",
    envvar="DOCKET_STORE",
    default=None,
    help="Event store: a SQLite file path or a postgresql:// URL. "
    "Default: docket.sqlite in the user data directory (see `docket status`).",
)
@click.option("--operator", envvar="DOCKET_OPERATOR", default=None, help="Who is acting.")
@click.option(
    "--role",
    envvar="DOCKET_ROLE",
    default="operator",
    show_default=True,
    type=click.Choice(config.ROLES),
    help="The acting person's role.",
)
@click.version_option(package_name="docket")
@click.pass_context
def cli(ctx: click.Context, store: str | None, operator: str | None, role: str) -> None:
    """Docket: from a model's score to an owned, explained, audited decision."""
    ctx.obj = Context(store or config.default_store(), operator or config.default_operator(), role)


# --- getting started --------------------------------------------------------------------------


@cli.command()
@click.option("--cases", default=200, show_default=True, help="How many real applications to open.")
@click.option("--no-tui", is_flag=True, help="Seed and print the summary without opening the TUI.")
@pass_context
def demo(obj: Context, cases: int, no_tui: bool) -> None:
    """Seed the store with real credit cases and open the operator console."""
    service = obj.service
    click.echo(
        "Preparing the demo store (the first run trains the credit models: about 20 s)…", err=True
    )
    summary = service.seed_demo(cases=cases, progress=_progress("Opening demo cases"))
    for line in summary:
        click.echo(line)
    if no_tui:
        return
    _run_tui(obj)


@cli.command()
@pass_context
def tui(obj: Context) -> None:
    """Open the operator console on the store."""
    _run_tui(obj)


def _run_tui(obj: Context) -> None:
    if not sys.stdout.isatty():
        fail("the console needs a terminal; use --no-tui or run it in a terminal")
    from tui.app import run

    run(obj.service)


@cli.command()
@pass_context
def status(obj: Context) -> None:
    """Where the store is, what it holds, which model decides, and open alerts."""
    view = obj.service.status()
    click.echo(f"store:       {view.store_url}")
    click.echo(f"read models: {view.readmodel_path}")
    click.echo(f"events:      {view.events}")
    cases = ", ".join(f"{k} {v}" for k, v in sorted(view.cases_by_status.items())) or "none"
    click.echo(f"cases:       {cases}")
    click.echo(f"champion:    {view.champion or 'none (baseline rules decide)'}")
    if view.alerts:
        click.echo("alerts:")
        for alert in view.alerts:
            click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")
    else:
        click.echo("alerts:      none")


# --- cases ------------------------------------------------------------------------------------


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows from a CSV file (header line) or JSON Lines file, as raw strings/values."""
    if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    # Kept, not dropped: the service quarantines it with the reason.
                    yield {
                        "__unparseable__": line.rstrip("\n"),
                        "__error__": f"line {number}: {exc}",
                    }
                    continue
                yield value if isinstance(value, dict) else {"__unparseable__": line.rstrip("\n")}
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def _progress(label: str) -> Callable[[int, int], None]:
    """A progress callback ``(done, total)`` drawing a bar on stderr."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"], state["done"] = bar, 0
        bar.update(done - state["done"])
        state["done"] = done
        if done >= total:
            bar.__exit__(None, None, None)

    return update


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--domain", default="credit", show_default=True)
@pass_context
def ingest(obj: Context, file: Path, domain: str) -> None:
    """Open cases in bulk from a CSV or JSON Lines FILE; bad rows are quarantined."""
    rows = list(read_rows(file))
    report = obj.service.ingest(domain, rows, progress=_progress(f"Opening {file.name}"))
    click.echo(
        f"opened {len(report.opened)} case(s), quarantined {len(report.rejected)} row(s), "
        f"skipped {len(report.duplicates)} duplicate(s)"
    )
    for number, sentence in report.rejected:
        click.secho(f"  row {number}: {sentence}", fg="yellow", err=True)


@cli.command()
@click.argument("case_id")
@click.option("--accept", "accept", is_flag=True, help="Take the recommended action.")
@click.option("--override", "override", metavar="ACTION", help="Take ACTION instead.")
@click.option("--reason-code", help="Why (with --override): see `docket reasons`.")
@click.option("--reason", "reason", help="Why, in words (with --override or --escalate).")
@click.option("--escalate", is_flag=True, help="Send the case to a senior reviewer.")
@pass_context
def decide(
    obj: Context,
    case_id: str,
    accept: bool,
    override: str | None,
    reason_code: str | None,
    reason: str | None,
    escalate: bool,
) -> None:
    """Record a decision on CASE_ID without the TUI."""
    chosen = [accept, override is not None, escalate]
    if sum(chosen) != 1:
        fail("choose exactly one of --accept, --override ACTION, --escalate", code=2)
    decision: Decision
    if accept:
        decision = Accept()
    elif override is not None:
        decision = Override(override, reason_code or "", reason or "")
    else:
        decision = Escalate(reason or "")
    detail = obj.service.decide(case_id, decision)
    assert detail.decision is not None
    made = detail.decision
    click.echo(
        f"{detail.case_ref}: {made.kind} ({made.action or 'to a senior reviewer'}) "
        f"by {made.by} ({made.role}) at {made.at.isoformat(timespec='seconds')}"
    )


@cli.command()
def reasons() -> None:
    """List the override reason codes."""
    from assistant.views import REASON_CODES

    for code, meaning in REASON_CODES.items():
        click.echo(f"{code:24} {meaning}")


@cli.command()
@click.argument("case_id")
@pass_context
def explain(obj: Context, case_id: str) -> None:
    """Explain CASE_ID's recommendation (behind guardrails) and record it."""
    view = obj.service.explain(case_id)
    click.echo(view.text)
    click.echo(
        f"\nexplainer: {view.explainer}; guardrails: {view.status}"
        + (f" ({view.fallback_reason})" if view.fallback_reason else "")
    )


def parse_time(value: str) -> datetime:
    """An ISO-8601 time; a naive one is read as UTC (and said so)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time, e.g. 2026-11-22T14:05"
        ) from exc
    if parsed.tzinfo is None:
        click.echo(f"(reading {value} as UTC)", err=True)
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _timeline_line(entry: TimelineEntry) -> str:
    return (
        f"  {entry.at.isoformat(timespec='seconds')}  {entry.event:22} "
        f"{entry.actor} ({entry.role})  {entry.summary}"
    )


def _seen_lines(seen: dict[str, Any]) -> list[str]:
    """The few things an operator saw on screen, in words (the JSON form has everything)."""
    lines: list[str] = []
    score = seen.get("score") or {}
    if score:
        lines.append(
            f"score: p(bad) {score.get('p_bad', 0):.3f} from {score.get('model_version')}"
            + ("  [out of distribution]" if score.get("ood") else "")
        )
    if seen.get("fallback"):
        lines.append(f"fallback to baseline rules: {seen['fallback'].get('reason')}")
    rec = seen.get("recommendation") or {}
    if rec:
        costs = ", ".join(f"{a} {c:.3f}" for a, c in (rec.get("expected_costs") or {}).items())
        lines.append(
            f"recommendation: {rec.get('action')} ({rec.get('source')}, policy "
            f"v{rec.get('policy_version')}); expected cost: {costs}"
        )
    for flag in seen.get("input_flags") or []:
        lines.append(f"flag: {flag.get('kind')}: {flag.get('detail', '')}")
    for explanation in seen.get("explanations") or []:
        status = (
            "fallback: " + explanation["fallback_reason"]
            if explanation.get("fallback_reason")
            else "passed guardrails"
        )
        lines.append(
            f"explanation ({explanation.get('explainer')}, {status}): {explanation.get('text')}"
        )
    return lines


def print_audit(view: AuditView) -> None:
    when = view.as_of.isoformat(timespec="seconds") if view.as_of else "now"
    state = view.state_as_of
    click.echo(f"case {view.case_id} ({state.get('case_ref')}, {state.get('domain')}) as of {when}")
    click.echo(f"status: {state.get('status')}")
    decisions = state.get("decisions") or []
    if not decisions:
        click.echo("\nnot decided by then; what an operator would have seen:")
        for line in _seen_lines(state):
            click.echo(f"  {line}")
    for decision in decisions:
        reason = (
            f" — {decision.get('reason_code')}: {decision.get('reason_text')}"
            if decision.get("reason_code")
            else ""
        )
        click.echo(
            f"\n{decision['kind']} ({decision.get('action') or 'to a senior reviewer'}) by "
            f"{decision['by']} ({decision['role']}) at {decision['at']}{reason}"
        )
        click.echo("  what they saw:")
        for line in _seen_lines(decision.get("seen") or {}):
            click.echo(f"    {line}")
    outcome = state.get("outcome")
    click.echo(
        f"\noutcome: {outcome['outcome']} (observed {outcome['observed_at']})"
        if outcome
        else "\noutcome: not known by then"
    )
    click.echo("\ntimeline:")
    for entry in view.timeline:
        click.echo(_timeline_line(entry))
    if view.after:
        click.echo(f"\n{len(view.after)} event(s) after {when}:")
        for entry in view.after:
            click.echo(_timeline_line(entry))


@cli.command()
@click.argument("case_id")
@click.option("--as-of", "as_of", help="ISO-8601 time; default now.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_context
def audit(obj: Context, case_id: str, as_of: str | None, as_json: bool) -> None:
    """A case's full timeline and what was known at a moment."""
    view = obj.service.audit(case_id, parse_time(as_of) if as_of else None)
    if as_json:
        click.echo(json.dumps(view.raw, indent=2, default=str))
    else:
        print_audit(view)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def outcomes(obj: Context, file: Path) -> None:
    """Record outcomes in bulk from FILE (columns: case_id or case_ref, outcome, observed_at)."""
    report = obj.service.record_outcomes(list(read_rows(file)))
    for line in report:
        click.echo(line)


# --- monitoring -------------------------------------------------------------------------------


@cli.command()
@click.argument("domain", default="credit")
@pass_context
def quality(obj: Context, domain: str) -> None:
    """Decision quality on cases with outcomes: operators vs model vs baseline rules."""
    report = obj.service.quality(domain)
    if not report.n_cases:
        click.echo("no decided case has an outcome yet: record some with `docket outcomes FILE`")
        return
    click.echo(
        f"realized cost per case on {report.n_cases} decided case(s) with outcomes "
        f"({report.confidence:.0%} bootstrap intervals):"
    )
    for summary in (report.operators, report.model, report.baseline):
        if summary is not None:
            m = summary.mean
            click.echo(
                f"  {summary.name:16} {m.estimate:.3f} [{m.low:.3f}, {m.high:.3f}]  n={summary.n}"
            )
    for label, interval in (
        ("operators - model", report.operators_minus_model),
        ("model - baseline", report.model_minus_baseline),
    ):
        if interval is not None:
            click.echo(
                f"  {label:16} {interval.estimate:+.3f} [{interval.low:+.3f}, "
                f"{interval.high:+.3f}]  (negative: the first is cheaper)"
            )
    for title, effects in (
        ("overrides by reason", report.overrides_by_reason),
        ("overrides by operator", report.overrides_by_operator),
    ):
        if effects:
            click.echo(f"{title} (delta = cost of override - cost of recommendation):")
            for e in effects:
                click.echo(
                    f"  {e.group:22} n={e.n:<4} helped {e.helped:<3} hurt {e.hurt:<3} "
                    f"total delta {e.total_delta:+.2f}"
                )


@cli.command()
@click.argument("domain", default="credit")
@click.option("--recent", default=1000, show_default=True, help="How many latest cases to compare.")
@pass_context
def monitor(obj: Context, domain: str, recent: int) -> None:
    """Check drift, override and out-of-distribution rates and policy reviews; raise alerts."""
    report = obj.service.drift(domain, recent=recent)
    click.echo(
        f"drift of the latest {report.n_current} case(s) against {report.n_reference} "
        f"training rows: {report.share_drifted:.0%} of features drifted"
        + (" — DATASET DRIFT" if report.dataset_drift else "")
    )
    for f in sorted(report.features, key=lambda f: -f.psi):
        if f.drifted or f.psi >= 0.1:
            p = f"p={f.p_value:.3g}" if f.p_value is not None else f"{f.method} {f.statistic:.3f}"
            click.echo(f"  {f.name:58} PSI {f.psi:6.3f} ({f.psi_band}), {p}")
    if report.prediction is not None:
        click.echo(
            f"  prediction drift: PSI {report.prediction.psi:.3f} ({report.prediction.psi_band})"
        )
    alerts = obj.service.check_alerts(domain, recent=recent)
    click.echo("alerts: " + ("none" if not alerts else ""))
    for alert in alerts:
        click.echo(f"  [{alert.severity}] {alert.kind}: {alert.message}")


# --- the log ----------------------------------------------------------------------------------


@cli.command()
@pass_context
def verify(obj: Context) -> None:
    """Walk the hash chain; exit 1 naming the first bad position if anything was tampered with."""
    report = obj.service.verify()
    if report.ok:
        click.echo(f"ok: {report.checked} events, hash chain intact")
    else:
        fail(f"TAMPERED at position {report.first_bad_position}: {report.reason}")


@cli.command()
@click.option(
    "--check", is_flag=True, help="Rebuild into a scratch copy and compare; change nothing."
)
@pass_context
def replay(obj: Context, check: bool) -> None:
    """Rebuild every read model from the log."""
    if check:
        differences = obj.service.replay_check()
        if differences:
            for line in differences[:50]:
                click.echo(f"  {line}", err=True)
            fail(f"read models differ from a fresh replay in {len(differences)} place(s)")
        click.echo("ok: read models match a fresh replay of the log")
    else:
        applied = obj.service.replay()
        click.echo(f"replayed {applied} events into the read models")


# --- models and policy ------------------------------------------------------------------------


@cli.command()
@click.argument("domain")
@click.option(
    "--promote/--no-promote",
    default=None,
    help="Promote the best model to champion (default: only if there is none).",
)
@pass_context
def train(obj: Context, domain: str, promote: bool | None) -> None:
    """Train DOMAIN's specialists, check ONNX parity, and register them with model cards."""
    for line in obj.service.train(domain, promote=promote):
        click.echo(line)


@cli.command()
@click.argument("domain")
@click.option(
    "--weak-labels",
    is_flag=True,
    help="Also learn from overrides without an outcome (the action implies the label).",
)
@click.option("--reason", default="", help="Why retrain now (kept in the model card).")
@pass_context
def retrain(obj: Context, domain: str, weak_labels: bool, reason: str) -> None:
    """Train challengers on the data plus recorded outcomes; they run in shadow until promoted.

    Then the model-dependent eval suites run on each challenger and on the champion, judged
    by the committed baseline; each verdict is recorded as an eval-run event for that model.
    """
    from evals.models import evaluate_versions, verdict_line

    lines, challengers = obj.service.retrain(domain, weak_labels=weak_labels, reason=reason)
    for line in lines:
        click.echo(line)
    champion = [m.version for m in obj.service.models(domain) if m.status == "champion"]
    click.echo("eval suites (judged against evals/baseline.json):")
    for version, result in evaluate_versions(
        obj.service, domain, [*challengers, *champion]
    ).items():
        role = "champion" if version in champion else "challenger"
        click.echo(f"  {role} {verdict_line(version, result)}")


@cli.group(invoke_without_command=True)
@click.option("--domain", default=None)
@click.pass_context
def models(ctx: click.Context, domain: str | None) -> None:
    """List model versions with their cards; which is champion and which run in shadow."""
    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    views = obj.service.models(domain)
    if not views:
        click.echo("no models registered: run `docket train credit`")
        return
    for view in views:
        headline = ("cv_expected_cost", "cv_roc_auc", "cv_brier", "cv_calibration_error")
        metrics = ", ".join(
            f"{name.removeprefix('cv_').replace('_', ' ')} {view.metrics[name]:.3f}"
            for name in headline
            if isinstance(view.metrics.get(name), float)
        )
        if metrics:
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
        extra = (
            f" (+{provenance.get('outcomes', 0)} recorded outcomes, "
            f"{provenance.get('weak_labels', 0)} weak labels)"
            if provenance
            else ""
        )
        click.echo(f"    why: {why}; trained on {rows} rows{extra}")
        if view.evals:
            verdicts = ", ".join(
                f"{suite} {'passed' if ok else 'FAILED'}"
                for suite, ok in sorted(view.evals.items())
            )
            click.echo(f"    latest evals: {verdicts}")


@models.command("promote")
@click.argument("version")
@click.option("--reason", required=True, help="Why this model should decide from now on.")
@pass_context
def models_promote(obj: Context, version: str, reason: str) -> None:
    """Make VERSION the champion (the previous champion is demoted)."""
    view = obj.service.promote(version, reason)
    click.echo(f"{view.version} is now champion for {view.domain}")


@models.command("shadow")
@click.argument("version")
@pass_context
def models_shadow(obj: Context, version: str) -> None:
    """Run VERSION in shadow: scored and recorded on every case, never acted on."""
    view = obj.service.shadow(version)
    click.echo(f"{view.version} now runs in shadow for {view.domain}")


def _backtest_line(view: BacktestView) -> str:
    low, high = view.cost_ci
    return (
        f"{view.label:18} cost/case {view.cost_per_case:.3f} [{low:.3f}, {high:.3f}]  "
        f"approve {view.approval_rate:6.1%}  escalate {view.escalation_rate:6.1%}  n={view.n}"
    )


@cli.command()
@click.option("--domain", default="credit", show_default=True)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A policy JSON file to try instead of the current policy.",
)
@pass_context
def backtest(obj: Context, domain: str, policy_file: Path | None) -> None:
    """Replay historical cases with known outcomes through a policy, against the baseline."""
    changes = None
    if policy_file:
        # Fix (acceptance tests): a malformed file was a JSONDecodeError traceback.
        try:
            changes = json.loads(policy_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{policy_file}: not a readable JSON policy file ({exc})")
        if not isinstance(changes, dict):
            fail(f"{policy_file}: expected a JSON object of policy settings")
    for view in obj.service.backtest(domain, changes):
        click.echo(_backtest_line(view))


@cli.command()
@click.argument("domain", default="credit")
@pass_context
def figures(obj: Context, domain: str) -> None:
    """10-fold cross-validated expected cost per applicant: models, baseline, decline-all."""
    for line in obj.service.cross_validated_costs(domain):
        click.echo(line)


@cli.group(invoke_without_command=True)
@click.option("--domain", default="credit", show_default=True)
@click.pass_context
def policy(ctx: click.Context, domain: str) -> None:
    """Show the domain's policy and its history."""
    ctx.ensure_object(Context)
    ctx.meta["domain"] = domain
    if ctx.invoked_subcommand is not None:
        return
    view = ctx.obj.service.policy(domain)
    click.echo(f"{view.domain} policy v{view.version}, owned by role {view.owner_role}")
    click.echo(f"  costs: {json.dumps(view.costs)}")
    click.echo(
        f"  escalate band: {view.escalate_band}; escalate out-of-distribution: "
        f"{view.escalate_on_ood}; review every {view.review_every_days} days"
    )
    for change in view.history:
        what = json.dumps(change.changes) if change.version > 1 else "installed"
        why = f" — {change.justification}" if change.justification else ""
        click.echo(
            f"  v{change.version} {change.at.isoformat(timespec='minutes')} {change.by} "
            f"({change.role}): {what}{why}"
        )


@policy.command("set")
@click.option(
    "--cost",
    "costs",
    multiple=True,
    metavar="ACTION:OUTCOME=COST",
    help="e.g. approve:bad=5 (repeatable).",
)
@click.option(
    "--band",
    nargs=2,
    type=float,
    default=None,
    metavar="LOW HIGH",
    help="Escalate when p(bad) is within [LOW, HIGH].",
)
@click.option("--no-band", is_flag=True, help="Stop escalating by probability band.")
@click.option("--justification", required=True, help="Why the change is right.")
@click.pass_context
def policy_set(
    ctx: click.Context,
    costs: tuple[str, ...],
    band: tuple[float, float] | None,
    no_band: bool,
    justification: str,
) -> None:
    """Change costs or the escalation band (policy owner only)."""
    domain = ctx.parent.meta["domain"] if ctx.parent else "credit"
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
                fail(f"--cost {item!r}: expected ACTION:OUTCOME=COST, e.g. approve:bad=5", code=2)
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
    if not changes:
        fail("nothing to change: give --cost, --band or --no-band", code=2)
    view = ctx.obj.service.change_policy(domain, changes, justification)
    click.echo(f"{view.domain} policy is now v{view.version}")


def main() -> None:
    cli(prog_name="docket")


if __name__ == "__main__":
    main()
