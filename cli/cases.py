"""Cases: ``ingest``, ``decide``, ``reasons``, ``explain``, ``audit`` and ``outcomes``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from assistant.views import Accept, AuditView, Decision, Escalate, Override, TimelineEntry
from cli.app import Context, cli, fail, pass_context, progress, read_rows


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--domain", default=None,
              help="The pack the rows belong to (`docket domains`); default: the one pack "
                   "whose fields the file's columns hold.")
@pass_context
def ingest(obj: Context, file: Path, domain: str | None) -> None:
    """Open cases in bulk from a CSV or JSON Lines FILE; bad rows are quarantined.

    A file whose columns are another pack's, or no pack's, is refused before anything
    is written."""
    rows = list(read_rows(file))
    report = obj.service.ingest(domain, rows, progress=progress(f"Opening {file.name}"))
    click.echo(
        f"{report.domain}: "
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
@click.option("--domain", default=None,
              help="The pack whose cases FILE names; default: the one this store holds.")
@pass_context
def outcomes(obj: Context, file: Path, domain: str | None) -> None:
    """Record outcomes in bulk from FILE (columns: case_id or case_ref, outcome, observed_at).

    Outcome labels are the pack's own (`docket domains`)."""
    report = obj.service.record_outcomes(list(read_rows(file)), domain=domain)
    for line in report:
        click.echo(line)
