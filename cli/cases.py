"""Cases: ``ingest``, ``cases``, ``decide``, ``reasons``, ``explain``, ``audit`` and
``outcomes``. Every command that takes a CASE accepts its reference (as in the queue and
in input files, e.g. ``german-credit-0003``) or its internal id."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from assistant.times import TIME_FORMS, GivenTime, parse_time
from assistant.views import (
    STATUS_FILTERS,
    Accept,
    AuditView,
    CaseState,
    Decision,
    Escalate,
    Override,
    QueueQuery,
    RecommendationState,
    SeenState,
    TimelineEntry,
    WordsView,
    inert,
    parse_flag,
)
from cli.app import Context, as_options, cli, fail, pass_context, progress, startup_frozen
from cli.files import LineMap, iter_rows
from events.errors import DocketError, InputRejected


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
    service = obj.service  # opened (lazily) before the freeze: it is part of start-up
    # Read as it goes: a file of a million rows holds one batch in memory at a time.
    with startup_frozen():
        lines = LineMap()  # where each row starts, to report a bad one at its line
        report = service.ingest(domain, iter_rows(file, lines),
                                progress=progress(f"Opening {file.name}"), keep_ids=False)
    if sys.stderr.isatty():
        click.echo(err=True)  # ends the running count's line
    click.echo(
        f"{report.domain}: "
        f"opened {report.opened_count} case(s), quarantined {len(report.rejected)} row(s), "
        f"skipped {report.duplicate_count} duplicate(s)"
    )
    for number, sentence in report.rejected:
        click.secho(f"  {bad_row(number, sentence, lines)}", fg="yellow", err=True)


#: A problem the file reader located itself: its line, the header line, or the whole file.
_LOCATED = re.compile(r"(?:header line|line \d+|file)[,:]")


def bad_row(number: int, sentence: str, lines: LineMap) -> str:
    """A quarantined row's message with its location said once: ``line N: ...`` (the file's
    line, header included), or ``row N: ...`` where rows are not lines (a JSON array)."""
    if _LOCATED.match(sentence):
        return sentence
    return f"{lines.place(number)}: {sentence}"


#: The option of ``decide`` that sets each field the service names in a refusal.
_DECIDE_OPTION_OF = {"reason_code": "--reason-code", "reason_text": "--reason",
                     "action": "--override", "quantity": "--quantity"}


@cli.command()
@click.argument("case_id", metavar="CASE")
@click.option("--accept", "accept", is_flag=True, help="Take the recommended action.")
@click.option("--override", "override", metavar="ACTION", help="Take ACTION instead.")
@click.option("--quantity", "quantity", type=int, metavar="N",
              help="Order N instead of the recommended quantity (a quantity decision; "
                   "needs --reason-code and --reason).")
@click.option("--reason-code",
              help="Why (with --override): one of the pack's codes, see `docket reasons`.")
@click.option("--reason", "reason", help="Why, in words (with --override or --escalate).")
@click.option("--escalate", is_flag=True, help="Send the case to a senior reviewer.")
@pass_context
def decide(
    obj: Context,
    case_id: str,
    accept: bool,
    override: str | None,
    quantity: int | None,
    reason_code: str | None,
    reason: str | None,
    escalate: bool,
) -> None:
    """Record a decision on CASE (its reference, e.g. german-credit-0003, or id)."""
    chosen = [accept, override is not None or quantity is not None, escalate]
    if sum(chosen) != 1:
        fail("choose exactly one of --accept, --override ACTION, --quantity N, --escalate",
             code=2)
    if not accept and not escalate:  # an override: say which flags it still needs
        needed = [flag for flag, given in (("--reason-code CODE", reason_code),
                                           ("--reason TEXT", (reason or "").strip())) if not given]
        if needed:
            what = "--quantity" if quantity is not None else "--override"
            fail(f"{what} needs {' and '.join(needed)}: the reason codes are the pack's "
                 "(`docket reasons` lists them), the reason is why, in words", code=2)
    decision: Decision
    if accept:
        decision = Accept()
    elif quantity is not None:
        decision = Override(override or "order", reason_code or "", reason or "", quantity)
    elif override is not None:
        decision = Override(override, reason_code or "", reason or "")
    else:
        decision = Escalate(reason or "")
    try:
        detail = obj.service.decide(case_id, decision)
    except InputRejected as exc:
        raise as_options(exc, _DECIDE_OPTION_OF) from exc
    assert detail.decision is not None
    made = detail.decision
    what = made.action or "to a senior reviewer"
    if detail.quantity is not None and detail.quantity.decided is not None:
        what = f"{made.action} {detail.quantity.decided} {detail.quantity.unit}"
    click.echo(inert(
        f"{detail.case_ref}: {made.kind.replace('_', ' ')} ({what}) "
        f"by {made.by} ({made.role}) at {made.at.isoformat(timespec='seconds')}"
    ))


@cli.command()
@click.option("--domain", default=None, help="The pack (default: the one this store holds).")
@pass_context
def reasons(obj: Context, domain: str | None) -> None:
    """List the override reason codes the pack declares (code, then its label)."""
    view = obj.service.domain(domain)
    width = max([24, *(len(code) + 1 for code in view.reason_codes)])
    for code, meaning in view.reason_codes.items():
        click.echo(inert(f"{code:{width}} {meaning}"))


@cli.command()
@click.argument("case_id", metavar="CASE")
@pass_context
def explain(obj: Context, case_id: str) -> None:
    """Explain CASE's recommendation (behind guardrails) and record it."""
    view = obj.service.explain(case_id)
    click.echo(inert(view.text))
    click.echo(
        f"\nexplainer: {view.explainer}; guardrails: {view.status}"
        + (f" ({view.fallback_reason})" if view.fallback_reason else "")
    )
    detail = obj.service.case(case_id)
    for line in note_lines(detail.note, detail.input_flag_reasons, detail.words.note):
        click.echo(line)


def note_lines(note: str | None, flag_reasons: list[str], note_word: str) -> list[str]:
    """The subject's note as data, inert, under why it was flagged: a flagged note is shown
    to the person (only the explainer does not receive it)."""
    lines = [f"note flagged: {reason}" for reason in flag_reasons]
    if note:
        lines.append(f"{note_word} (as written, shown as data"
                     + (", not sent to the explainer):" if flag_reasons else "):"))
        lines += ["  " + line for line in inert(note).splitlines()]
    return [inert(line) for line in lines]


def parse_as_of(value: str) -> GivenTime:
    """``--as-of`` in the forms every command takes (:mod:`assistant.times`); exit 2 with
    one sentence listing them otherwise."""
    try:
        return parse_time(value, "--as-of")
    except InputRejected as exc:
        raise click.BadParameter(exc.problems[0].problem, param_hint="--as-of") from exc


def _timeline_line(entry: TimelineEntry) -> str:
    return inert(
        f"  {entry.at.isoformat(timespec='seconds')}  {entry.event:22} "
        f"{entry.actor} ({entry.role})  {entry.sentence}"
    )


def _seen_lines(seen: SeenState | CaseState, probability: str) -> list[str]:
    """The few things an operator saw on screen, in words (the JSON form has everything)."""
    lines: list[str] = []
    score = seen.score
    if score is not None:
        lines.append(
            f"score: {probability} {score.p_bad or 0:.3f} from {score.model_version}"
            + ("  [out of distribution]" if score.ood else "")
        )
    if seen.fallback is not None:
        lines.append(f"fallback to baseline rules: {seen.fallback.reason}")
    rec = seen.recommendation
    if rec is not None and rec.quantity is not None:  # a quantity: no propensities to show
        return [inert(line) for line in [*lines, *_seen_quantity(rec)]]
    if rec is not None:
        costs = ", ".join(f"{a} {c:.3f}" for a, c in rec.expected_costs.items())
        lines.append(
            f"recommendation: {rec.action}{_amount(rec.quantity)} ({rec.source}, policy "
            f"v{rec.policy_version}); expected cost: {costs}"
        )
        if rec.reasons:  # why this action (the cheapest is not always the one recommended)
            lines.append("why: " + "; ".join(rec.reasons))
        chances = ", ".join(f"{a} {p:.2f}" for a, p in rec.propensities.items())
        lines.append(
            f"propensities: {chances} ({rec.propensity_source})"
            + ("; EXPLORATION CASE (drawn at random)" if rec.explored else "")
        )
    for flag in seen.input_flags:  # each flag is its rule's own record: kind, detail, ...
        lines.append(f"flag: {flag.get('kind')}: {flag.get('detail', '')}")
    for explanation in seen.explanations:
        status = (
            "fallback: " + explanation.fallback_reason
            if explanation.fallback_reason
            else "passed guardrails"
        )
        lines.append(f"explanation ({explanation.explainer}, {status}): {explanation.text}")
    # Recorded text came from outside (notes, explainer answers, refusal reasons): inert.
    return [inert(line) for line in lines]


def _seen_quantity(rec: RecommendationState) -> list[str]:
    """A quantity recommendation as its decider saw it: the quantity and its expected cost,
    the predicted quantiles it read, seasonal naive's quantity and the policy's reasons."""
    cost = rec.expected_costs.get(rec.action)
    lines = [f"recommendation: {rec.action} {rec.quantity} ({rec.source}, policy "
             f"v{rec.policy_version})" + (f"; expected cost {cost:.3f}" if cost is not None
                                          else "")]
    if rec.quantiles:
        lines.append("predicted quantiles: "
                     + " | ".join(f"{a} {v:.0f}" for a, v in rec.quantiles.items()))
    if rec.baseline_quantity is not None:
        lines.append(f"seasonal naive: {rec.baseline_quantity}")
    if rec.reasons:
        lines.append("why: " + "; ".join(rec.reasons))
    return lines


def _amount(quantity: int | None) -> str:
    """A quantity case's number after its action ("bottle 37600"); nothing for yes/no."""
    return f" {quantity}" if quantity is not None else ""


def _quantity_store(obj: Context) -> bool:
    """Whether the queue is one quantity pack's (a store of several packs keeps every
    column)."""
    try:
        return obj.service.decides_quantity(obj.service.resolve_domain(None))
    except DocketError:
        return False


def _probability_label(obj: Context) -> str:
    """The score's label in the store's pack (``p(bad)``), or a neutral one for a store
    holding several packs' cases."""
    try:
        return str(obj.service.domain().words["probability"])
    except DocketError:
        return WordsView().probability


def _print_state(case_id: str, state: CaseState, when: str, probability: str,
                 note_word: str) -> None:
    """The audited case's status, its decisions with what each decider saw, and its outcome."""
    # References, names and reasons are outside text: printed inert like the note.
    click.echo(inert(f"case {state.case_ref} ({state.domain}, id {case_id}) as of {when}"))
    decisions = state.decisions
    status: str = state.status
    if status == "escalated" and decisions:
        last = decisions[-1]
        status = inert(f"escalated by {last.by} at {last.at}, waiting for a senior reviewer")
    click.echo(f"status: {status}")
    for line in note_lines(state.note, [str(f.get("detail", "")) for f in state.input_flags],
                           note_word):
        click.echo(line)
    then = "yet" if when == "now" else "by then"  # an audit of now is not of the past
    if not decisions:
        click.echo(f"\nnot decided {then}; what an operator would have seen:")
        for line in _seen_lines(state, probability):
            click.echo(f"  {line}")
    for decision in decisions:
        reason = (
            f" — {decision.reason_code}: {decision.reason_text}" if decision.reason_code else ""
        )
        kind = decision.kind.replace("_", " ")
        if decision.agreed:
            kind += ", agreeing with the recommendation"
        click.echo(inert(
            f"\n{kind} ({decision.action or 'to a senior reviewer'}"
            f"{_amount(decision.quantity)}) by "
            f"{decision.by} ({decision.role}) at {decision.at}{reason}"
        ))
        click.echo("  what they saw:")
        for line in _seen_lines(decision.seen, probability):
            click.echo(f"    {line}")
    outcome = state.outcome
    click.echo(
        f"\noutcome: {outcome.outcome} (observed {outcome.observed_at})"
        if outcome is not None
        else f"\noutcome: not known {then}"
    )


def print_audit(view: AuditView, as_of: GivenTime | None = None) -> None:
    """The audit in words; ``as_of`` as given (its header names the timezone assumed)."""
    when = as_of.described() if as_of else "now"
    state = view.case_as_of
    if state is None:  # nothing recorded by then (the service refuses a time before opening)
        click.echo(f"case {view.case_id} as of {when}\nstatus: not opened yet")
    else:
        _print_state(view.case_id, state, when, view.words.probability, view.words.note)
    # The header said which timezone was assumed; the sections name the time alone.
    short = as_of.described().partition(" (no timezone")[0] if as_of else when
    click.echo("\ntimeline:" if view.as_of is None else f"\ntimeline up to {short}:")
    for entry in view.timeline:
        click.echo(_timeline_line(entry))
    if view.after:
        click.echo(f"\nafterwards ({len(view.after)} event(s) after {short}):")
        for entry in view.after:
            click.echo(_timeline_line(entry))


@cli.command()
@click.argument("case_id", metavar="CASE")
@click.option("--as-of", "as_of", metavar="TIME",
              help=f"The moment to audit at; default now. TIME: {TIME_FORMS}.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_context
def audit(obj: Context, case_id: str, as_of: str | None, as_json: bool) -> None:
    """A case's full timeline and what was known at a moment."""
    given = parse_as_of(as_of) if as_of else None
    view = obj.service.audit(case_id, given.at if given else None)
    if as_json:
        if given is not None:  # stderr: the JSON on stdout stays machine-readable
            click.echo(f"as of {given.described()}", err=True)
        click.echo(json.dumps(view.raw, indent=2, default=str))
    else:
        print_audit(view, given)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--domain", default=None,
              help="The pack whose cases FILE names (default: the one this store holds); "
                   "outcome labels are the pack's own (`docket domains`), for demand the "
                   "number realised, e.g. bikes rented.")
@pass_context
def outcomes(obj: Context, file: Path, domain: str | None) -> None:
    """Record outcomes in bulk from FILE (columns: case_id or case_ref, outcome, observed_at,
    optional source).

    An outcome the case's final action cannot show (any, after an action the pack declares
    revealing none; one it does not list, after an action revealing some only) is refused,
    naming the case, and kept with the rejected rows, unless its source names an outside
    reporter (outside:NAME).

    observed_at: a date (2026-12-03) or a date and time (2026-12-03T14:05), optionally
    ending in Z or an offset like +01:00; without one, UTC is assumed and the summary says
    on how many rows.
    """
    lines = LineMap()  # where each row starts, to report a bad one at its line
    report = obj.service.record_outcomes(list(iter_rows(file, lines)), domain=domain,
                                         place=lines.place)
    for line in report:
        click.echo(line)
    # The first line is the plan's summary, "N rows: M recorded, ...": a nightly job must
    # be able to tell a run that recorded nothing (wrong columns, garbage, all rejected).
    counted = re.match(r"(\d+) rows?: (\d+) recorded", report[0]) if report else None
    if counted is None or int(counted.group(2)) == 0:
        fail(f"nothing recorded from {file.name}")


# The sort fields ``docket cases --sort`` takes: the service's names and the console's labels.
SORT_FIELDS: dict[str, str] = {
    "opened_at": "opened_at",
    "age": "opened_at",
    "case_ref": "case_ref",
    "case": "case_ref",
    "p_bad": "p_bad",
    "recommendation": "recommendation",
    "expected_cost": "expected_cost",
    "cost": "expected_cost",
}


@cli.command()
@click.option(
    "--status",
    "status",
    type=click.Choice(list(STATUS_FILTERS)),
    default="waiting",
    show_default=True,
    help="waiting = open or escalated (the console's default view).",
)
@click.option("--flag", "flags", multiple=True, help="Only cases with this flag (INJ, OOD, ...).")
@click.option("--search", default="", help="Text in the reference or recommendation.")
@click.option(
    "--sort", "sort", type=click.Choice(list(SORT_FIELDS)), default="opened_at", show_default=True
)
@click.option("--reverse", is_flag=True, help="Largest (or newest) first.")
@click.option("--page", type=click.IntRange(min=1), default=None,
              help="Page N (default 1); reaching it walks the N-1 pages before it, so deep "
                   "in a long queue prefer --after.")
@click.option("--after", "after", metavar="CASE", default=None,
              help="The page after CASE (reference or id), as the foot of each page prints "
                   "it: as fast on the last page as on the first.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_context
def cases(
    obj: Context,
    status: str,
    flags: tuple[str, ...],
    search: str,
    sort: str,
    reverse: bool,
    page: int | None,
    after: str | None,
    as_json: bool,
) -> None:
    """One page of the queue, exactly as the console shows it (same query, same order)."""
    from tui.format import (
        QUEUE_PAGE_SIZE,
        queue_cells,
        queue_columns,
        queue_place,
        sort_arrow,
    )

    if page is not None and after is not None:
        fail("give --page or --after, not both", code=2)
    query = QueueQuery(
        search=search.strip(),
        statuses=STATUS_FILTERS[status],
        flags=tuple(dict.fromkeys(parse_flag(f) for f in flags)),
        order_by=SORT_FIELDS[sort],
        descending=reverse,
        offset=((page or 1) - 1) * QUEUE_PAGE_SIZE,
        limit=QUEUE_PAGE_SIZE + 1,  # one more: is there a next page?
        after=after,
    )
    found = obj.service.queue(query)
    rows = found.rows[:QUEUE_PAGE_SIZE]
    following = rows[-1] if len(found.rows) > QUEUE_PAGE_SIZE else None
    if as_json:
        click.echo(json.dumps({
            "status": status, "total": found.total, "page": page if after is None else None,
            "after": after, "page_size": QUEUE_PAGE_SIZE,
            "next_after": following.case_id if following else None,
            "cases": [{
                "case_ref": r.case_ref, "case_id": r.case_id, "domain": r.domain,
                "status": r.status, "opened_at": r.opened_at.isoformat(), "p_bad": r.p_bad,
                "recommendation": r.recommendation, "expected_cost": r.expected_cost,
                "flags": sorted(r.flags),
            } for r in rows],
        }, indent=2))  # fmt: skip
        return
    now = datetime.now(UTC)
    columns = queue_columns(_probability_label(obj))
    labels = dict(columns)
    table = [tuple(label for _, label in columns)]
    table += [queue_cells(row, now) for row in rows]
    if _quantity_store(obj):  # no probability to show: the column would be "—" throughout
        keep = [i for i, (key, _) in enumerate(columns) if key != "p_bad"]
        columns = tuple(columns[i] for i in keep)
        table = [tuple(line[i] for i in keep) for line in table]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    direction = sort_arrow(query.order_by, reverse)
    label = labels[query.order_by]
    place = (
        queue_place(query.offset, len(rows), found.total) if after is None
        else f"{len(rows)} after {after} of {found.total:,}"
    )  # fmt: skip
    click.echo(f"\n{status} · {place} · sort {label} {direction}")
    if following is not None:
        click.echo(f"next page: the same command with --after {following.case_ref}")
    if found.total and not rows:
        fail(
            f"page {page or 1} is past the last page of {status} cases" if after is None
            else f"no {status} cases after {after}"
        )
