"""Intake: raw input → validated, scored, recommended case, or quarantined input.

This is the decision path. Rows are assessed in batches by the orchestrator (pack
validation, specialists, OOD check, policy); each good row becomes a new Case with every
step recorded as an event, each bad row a quarantine record naming its problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from assistant.assessment import Assessment
from assistant.domains import available_packs, get_pack, get_quantity_pack, is_quantity_pack
from assistant.monitoring.health import AlertSpec
from assistant.orchestrator import case_key
from assistant.usecases import alerting, exploration_ledger
from assistant.usecases.case_records import new_case, quarantine_record, unparseable
from assistant.usecases.context import Context, Domain, Who
from assistant.views import IngestReport
from events.domain import Case, Policy
from events.errors import ConflictError, FieldProblem, InputRejected

INGEST_BATCH = 500

T = TypeVar("T")


#: An ``ingest`` of one kind of pack: this module's, or ``quantity_intake.ingest``.
Ingest = Callable[..., IngestReport]


def open_case(
    ctx: Context,
    domain: str,
    raw: Mapping[str, Any],
    *,
    case_ref: str | None = None,
    ingest_rows: Ingest | None = None,
) -> str:
    """Validate, assess, recommend and record one case through ``ingest_rows`` (default:
    this module's :func:`ingest`); return its id.

    Raises:
        InputRejected: naming each bad field; the raw input is quarantined first.
    """
    if case_ref is not None:
        raw = {**raw, "case_ref": case_ref}
    report = (ingest_rows or ingest)(ctx, domain, [raw])
    if report.rejected:
        raise InputRejected(report.problems[1])
    if report.duplicates:
        return str(Case.id_for(domain, str(raw.get("case_ref"))))
    return report.opened[0]


def file_domain(ctx: Context, domain: str | None, rows: Sequence[Mapping[str, Any]]) -> str:
    """The pack a file's rows are read as, from its columns, before anything is written:
    the one rule ``docket ingest`` and ``docket assess`` share.

    Without ``domain``: the installed pack whose fields the columns hold; when several
    do, the one among them with the most fields (the columns hold all of it, so it is the
    file's and a smaller pack would ignore some of them); packs with the same number of
    fields (identical columns) are refused, naming them and asking for ``--domain``. With
    ``domain``: that pack, unless the columns are plainly another pack's or lack most of its
    fields (every row would be quarantined as junk that can never be removed).
    """
    columns = {k for row in rows if isinstance(row, Mapping) and not unparseable(row)
               for k in row if isinstance(k, str)}
    if not columns:
        return ctx.resolve_domain(domain)
    if domain:
        ctx.resolve_domain(domain)  # NotFound for a pack that is not installed
    missing = {name: [f for f in schema_fields(name) if f not in columns]
               for name in available_packs()}
    fits = [name for name, lacks in missing.items() if not lacks]
    if domain:
        if domain in fits:
            return domain
        if fits:
            raise _refuse(f"the file's columns are those of {' or '.join(fits)}, not "
                          f"{domain}: pass --domain {fits[0]}")
        if len(missing[domain]) * 2 > len(schema_fields(domain)):
            raise _refuse(f"the file's columns do not look like {domain} rows: it lacks "
                          f"{_listed(missing[domain])}")
        return domain
    widest = max((len(schema_fields(name)) for name in fits), default=0)
    best = [name for name in fits if len(schema_fields(name)) == widest]
    if len(best) == 1:
        return best[0]
    if best:
        raise _refuse(f"the file's columns fit {_either(best)} alike: name the pack with "
                      + " or ".join(f"--domain {name}" for name in best))
    lacks = "; ".join(f"{name} lacks {_listed(fields)}" for name, fields in missing.items())
    raise _refuse(f"the file's columns fit no installed pack ({lacks}): nothing was read")


def _either(names: Sequence[str]) -> str:
    return " and ".join(names) if len(names) == 2 else ", ".join(names)


def schema_fields(domain: str) -> tuple[str, ...]:
    """The input fields every case of ``domain`` must have (its schema's, in order)."""
    pack = get_quantity_pack(domain) if is_quantity_pack(domain) else get_pack(domain)
    return tuple(pack.input_model.model_fields)


def _refuse(sentence: str) -> InputRejected:
    return InputRejected([FieldProblem("domain", sentence)])


def _listed(names: Sequence[str], shown: int = 3) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more field(s)" if more > 0 else "")


def ingest(
    ctx: Context,
    domain: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    progress: Callable[[int, int], None] | None = None,
    keep_ids: bool = True,
) -> IngestReport:
    """Open many cases; bad rows are quarantined and reported, good rows go in.

    Rows are read, assessed and saved a batch at a time (each batch one transaction), so
    a file of any length takes the memory of one batch; the read models follow after each
    batch. A row whose case_ref is already in the store is skipped and reported as a
    duplicate (ids derive from case refs, so re-ingesting a file, or finishing one whose
    ingest was killed, is safe). ``progress(done, total)`` gets ``total`` 0 when ``rows``
    has no length. ``keep_ids=False`` counts opened cases and duplicates without listing
    them (a million ids would be most of the memory).
    """
    state = ctx.domain(domain)
    total = len(rows) if isinstance(rows, Sized) else 0
    opened: list[str] = []
    rejected: list[tuple[int, str]] = []
    skipped: list[int] = []
    problems_by_row: dict[int, list[FieldProblem]] = {}
    counts = {"opened": 0, "duplicates": 0}
    last_fallback: str | None = None  # why the baseline rules last decided, and how often
    by_baseline = by_model = 0
    policy_id = str(Policy.id_for(state.pack.name))
    decision = state.pack.case_record()
    done = 0
    ctx.sync()  # an earlier, killed ingest may have left the read models behind
    for chunk in batched(rows, INGEST_BATCH):
        who = ctx.who  # checked once per batch: the key ring is read from the log
        assessments, built, saved = _assess_and_save(
            ctx, state, chunk, done, who, policy_id, decision
        )
        for assessment in assessments:
            if assessment.source == "baseline" and assessment.fallback_reason:
                last_fallback = assessment.fallback_reason
                by_baseline += 1
            elif assessment.source == "model":
                by_model += 1
        problems_by_row.update(built.problems)
        rejected.extend(built.rejected)
        duplicates = built.duplicates
        ctx.sync(saved)  # the read models take the saved cases' states as they are
        counts["opened"] += len(saved)
        counts["duplicates"] += len(duplicates)
        if keep_ids:
            opened.extend(str(case.id) for case in saved)
            skipped.extend(duplicates)
        done += len(chunk)
        if progress:
            progress(done, total)
    if state.champion is not None and (last_fallback or by_model):
        _fallback_alert(ctx, domain, state.champion, last_fallback, by_baseline, by_model)
    return IngestReport(opened, rejected, skipped, problems_by_row, domain,
                        opened_count=counts["opened"], duplicate_count=counts["duplicates"])


@dataclass
class _Built:
    """One chunk's new records, before they are saved."""

    batch: list[tuple[int, Case]] = field(default_factory=list)  # (row number, new case)
    quarantined: list[Case] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    problems: dict[int, list[FieldProblem]] = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    regrets: dict[Any, float] = field(default_factory=dict)  # explored case id -> its price


def _assess_and_save(
    ctx: Context,
    state: Domain,
    chunk: list[Mapping[str, Any]],
    done: int,
    who: Who,
    policy_id: str,
    decision: dict[str, Any],
) -> tuple[list[Assessment], _Built, list[Case]]:
    """Assess one chunk against this month's exploration budget as the log has it, and
    save its records with what its explored cases spent, in one transaction. When another
    process spent from the budget meanwhile, the chunk is assessed again against the new
    total (:mod:`assistant.usecases.exploration_ledger`), so together they never overspend.
    """
    domain = state.pack.name
    for _ in range(exploration_ledger.ATTEMPTS):
        ledger = exploration_ledger.read(ctx, domain, state.spec, utc_now())
        assessments = state.orchestrator.assess_batch(
            chunk, budget=ledger.budget if ledger else None
        )
        built = _build(ctx, state, chunk, assessments, done, who, policy_id, decision)

        def charge(cases: list[Case], ledger: Any = ledger, built: _Built = built) -> list[Any]:
            return exploration_ledger.charge(
                ctx, ledger, [built.regrets[c.id] for c in cases if c.id in built.regrets]
            )

        try:
            saved = _save_new(ctx, built.batch, built.quarantined, built.duplicates, charge)
        except exploration_ledger.StaleBudget:
            continue
        return assessments, built, saved
    raise ConflictError(
        f"other processes kept spending {domain}'s exploration budget while this batch was "
        "assessed; run the command again"
    )


def _build(
    ctx: Context,
    state: Domain,
    chunk: list[Mapping[str, Any]],
    assessments: list[Assessment],
    done: int,
    who: Who,
    policy_id: str,
    decision: dict[str, Any],
) -> _Built:
    """The chunk's new cases and quarantine records (nothing saved yet)."""
    built = _Built()
    seen_ids: set[Any] = set()  # quarantine records
    seen_refs: set[str] = set()  # cases
    decisive = state.spec.decisive_actions
    for offset, (raw, assessment) in enumerate(zip(chunk, assessments, strict=True)):
        number = done + offset + 1
        if assessment.input is None:
            # A line the reader could not parse is reported as such, not as two
            # unknown fields plus every field missing.
            problems = unparseable(raw) or list(assessment.problems)
            record = quarantine_record(ctx, state.pack.name, raw, problems)
            if record.id not in seen_ids:
                built.quarantined.append(record)
                seen_ids.add(record.id)
            built.problems[number] = list(problems)
            built.rejected.append((number, "; ".join(str(p) for p in problems)))
            continue
        ref = case_key(assessment.input)
        if ref in seen_refs:  # the id derives from the reference alone
            built.duplicates.append(number)
            continue
        seen_refs.add(ref)
        case = new_case(state, assessment, ref, who, policy_id, decision)
        built.batch.append((number, case))
        _, rec, _ = assessment.decided()
        if rec.explored:  # its price: the runner-up's expected cost over the cheapest's
            costs = rec.expected_costs
            built.regrets[case.id] = costs[rec.action] - min(costs[a] for a in decisive)
    return built


def batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last may be shorter), read as they are needed."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def utc_now() -> datetime:
    """The time budgets are counted by (a function, so tests can move to the next month)."""
    return datetime.now(UTC)


def _fallback_alert(
    ctx: Context, domain: str, champion: str, fell_back: str | None, by_baseline: int,
    by_model: int,
) -> None:
    """The baseline rules deciding instead of a champion is an alert at once; the champion
    scoring again resolves it. (A domain with no champion at all is not a failure.)"""
    key = "fallback"
    if fell_back:
        alerting.raise_now(
            ctx,
            domain,
            AlertSpec(
                kind="fallback",
                severity="critical",
                key=key,
                message=(
                    f"The baseline rules are deciding {domain} cases instead of {champion}:"
                    f" {fell_back}"
                ),
                details={"champion": champion, "reason": fell_back, "cases": by_baseline},
            ),
        )
    elif by_model:
        alerting.resolve_key(
            ctx, domain, key, f"{champion} is scoring cases again ({by_model} just now)"
        )


def _save_new(
    ctx: Context,
    batch: list[tuple[int, Case]],
    quarantined: list[Case],
    duplicates: list[int],
    charge: Callable[[list[Case]], list[Any]] | None = None,
) -> list[Case]:
    """Save new records in one transaction; return the cases that were new.

    Usually nothing in a batch exists yet, so it is saved at once. If something did (a
    re-ingested file, an input quarantined before), the store refuses the whole
    transaction; then each record is checked and only the new ones are saved, the rest
    reported as duplicates. Ids derive from content, so this is exact.
    """
    charge = charge or (lambda cases: [])
    records = [case for _, case in batch] + quarantined
    if not records:
        return []
    spending = charge([case for _, case in batch])  # before the try: StaleBudget propagates
    try:
        ctx.log.save(*records, *spending)
        return [case for _, case in batch]
    except ConflictError:
        pass
    fresh = [(n, case) for n, case in batch if not ctx.log.exists(case.id)]
    fresh_numbers = {n for n, _ in fresh}
    duplicates += [n for n, _ in batch if n not in fresh_numbers]
    new_quarantine = [q for q in quarantined if not ctx.log.exists(q.id)]
    if fresh or new_quarantine:
        # Only the new cases' exploration is charged; the ledger is read again, so a
        # conflict on it (another process spent meanwhile) raises StaleBudget.
        spending = charge([case for _, case in fresh])
        ctx.log.save(*[case for _, case in fresh], *new_quarantine, *spending)
    return [case for _, case in fresh]
