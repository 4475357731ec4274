"""Reading: the queue, one case as the operator sees it, its audit, and the store's status.

Lists come from the read models (:mod:`events.queries`); one case comes from its own
events, folded once by :func:`events.audit.audit_case`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from assistant.domains import get_pack, get_quantity_pack, is_quantity_pack
from assistant.usecases import sentences
from assistant.usecases.context import Context
from assistant.usecases.domains import words_view
from assistant.usecases.explaining import recorded_explanation
from assistant.usecases.policy import policy_notices
from assistant.usecases.quantities import case_view
from assistant.views import (
    FLAGS,
    AlertView,
    AttributionView,
    AuditView,
    CaseDetail,
    DecisionView,
    FieldView,
    QueuePage,
    QueueQuery,
    QueueRow,
    StatusView,
    TimelineEntry,
    WordsView,
)
from events import audit as audit_fold
from events import queries, readmodels
from events import queue as case_queue
from events.domain.case_state import DecisionState
from events.errors import FieldProblem, InputRejected, NotFound
from events.readmodel_seal import recorded_seal
from guardrails.plain_text import plain


def queue(ctx: Context, query: QueueQuery) -> QueuePage:
    """One page of cases, filtered by status, flags and a search over reference and
    recommendation, paged by key (see :mod:`events.queue`).

    Each row shown is compared with its case folded from the log
    (:func:`events.readmodels.shown_case_problem`): a row edited in the read-model file
    (a recommendation or a score changed, a case marked decided) would otherwise be shown as
    real. When one differs the read models are rebuilt from the log, a critical alert says
    why (as for an edited ``models`` table) and the page is read again."""
    page, rows = _queue(ctx, query)
    with ctx.lock:
        problem = readmodels.shown_case_problem(ctx.log, rows, ctx.shown)
        if problem is None:
            return page
        ctx.shown.clear()
        ctx.rebuild_views(problem)
    return _queue(ctx, query)[0]


def _queue(ctx: Context, query: QueueQuery) -> tuple[QueuePage, list[Any]]:
    if query.order_by not in case_queue.QUEUE_ORDER:
        raise InputRejected(
            [FieldProblem("order_by", f"must be one of {sorted(case_queue.QUEUE_ORDER)}")]
        )
    unknown = [f for f in query.flags if f not in case_queue.QUEUE_FLAGS]
    if unknown:
        raise InputRejected([FieldProblem(
            "flags", f"{unknown[0]!r} is not one of {sorted(case_queue.QUEUE_FLAGS)}"
        )])  # fmt: skip
    selected = case_queue.QueueFilter(tuple(query.statuses), query.search, tuple(query.flags))
    named = {"after": query.after, "before": query.before, "starting_at": query.starting_at}
    cursor = {k: str(ctx.resolve(v)) for k, v in named.items() if v is not None}
    with ctx.lock:
        ctx.views.catch_up(ctx.log)
        # The count can only change when the read models move, so it is kept per
        # position and filter (one filter at a time is what screens use).
        key = (ctx.views.position(), selected)
        total = ctx.counts.get(key)
        if total is None:
            total = case_queue.queue_count(
                ctx.views, selected, counts_kept=ctx.views.keeps_case_counts
            )
            ctx.counts.clear()
            ctx.counts[key] = total
        keys = {k: case_queue.case_key(ctx.views, v, query.order_by) for k, v in cursor.items()}
        if None in keys.values():
            raise NotFound(f"no case with id {next(iter(cursor.values()))} to page from")
        if not cursor and query.offset > 0:  # `docket cases --page N`: walk to the place
            keys["after"] = case_queue.key_at(
                ctx.views, selected, order_by=query.order_by, descending=query.descending,
                offset=query.offset - 1,
            )  # fmt: skip
            if keys["after"] is None:  # past the end: an empty page
                return QueuePage([], int(total), query.offset), []
        rows = case_queue.queue_page(
            ctx.views,
            selected,
            order_by=query.order_by,
            descending=query.descending,
            limit=query.limit,
            **keys,
        )
        current = queries.current_policy_versions(ctx.views)
    page = QueuePage([_queue_row(r, current) for r in rows], int(total), query.offset)
    return page, rows


def case(ctx: Context, case_id: str) -> CaseDetail:
    """Everything the operator needs to decide one case.

    Read under the context's lock, as the queue is: the console reads cases from worker
    threads, and closing the service meanwhile must wait, not free the connections under
    a running query (SQLite then crashes the process)."""
    with ctx.lock:
        return _case(ctx, case_id)


def _case(ctx: Context, case_id: str) -> CaseDetail:
    uid = ctx.resolve(case_id)
    found = audit_fold.audit_case(ctx.log, uid)
    state = found.case
    if state is None or state.status == "quarantined":
        raise NotFound(f"case {case_id} holds quarantined input; see `docket audit {case_id}`")
    domain = state.domain
    quantity = None
    if is_quantity_pack(domain):
        describe = get_quantity_pack(domain).describe
        quantity = case_view(state, ctx.quantity_domain(domain).policy)
    else:
        describe = get_pack(domain).describe
    values: dict[str, Any] = state.input if isinstance(state.input, dict) else {}
    words = words_view(domain)
    hidden = hidden_fields(ctx, domain)
    fields = [
        FieldView(name, describe(name), values.get(name)) for name in values if name not in hidden
    ]
    run = state.acting_run
    attributions = sorted(
        (
            AttributionView(f, values.get(f), float(c))
            for f, c in (run.attributions if run is not None else {}).items()
        ),
        key=lambda a: abs(a.contribution),
        reverse=True,
    )
    rec = state.recommendation
    ctx.sync()
    card = queries.model_card(ctx.views, state.model_version)
    return CaseDetail(
        case_id=str(uid),
        case_ref=state.case_ref,
        domain=domain,
        status=state.status,
        opened_at=found.timeline[0].at,
        version=found.timeline[-1].version,
        fields=fields,
        p_bad=state.p_bad,
        model_version=state.model_version,
        attributions=attributions,
        # How the scoring model's attributions read, as its model card says.
        attribution_method=str(card.get("attribution", "none")),
        ood=state.ood,
        ood_reasons=state.ood_reasons,
        recommendation=rec.action if rec else None,
        recommendation_source=rec.source if rec else None,
        fallback_reason=state.fallback.reason if state.fallback else None,
        expected_costs=dict(rec.expected_costs) if rec else {},
        policy_version=rec.policy_version if rec else None,
        input_flags=[str(f.get("kind", "")) for f in state.input_flags],
        note=plain(state.note) if state.note else None,
        input_flag_reasons=[plain(str(f.get("detail", ""))) for f in state.input_flags],
        explanation=recorded_explanation(ctx, str(uid)),
        decision=_decision_view(state.last_decision),
        outcome=state.outcome.outcome if state.outcome else None,
        history=[timeline_entry(e, words) for e in found.timeline],
        quantity=quantity,
        current_policy_version=queries.current_policy_versions(ctx.views).get(domain),
        hidden_fields=tuple(name for name in values if name in hidden),
        words=words,
        explored=bool(rec and rec.explored),
        exploration_reason=rec.exploration_reason if rec else None,
        policy_reasons=tuple(plain(r) for r in rec.reasons) if rec else (),
    )


def hidden_fields(ctx: Context, domain: str) -> frozenset[str]:
    """The pack's protected characteristics, unless the acting person may see them.

    Operators and senior reviewers decide without them (they are not model features, and
    seeing them invites the very bias the pack keeps out of the model); auditors and the
    policy's owner see them, to check decisions for unfair treatment.
    """
    if is_quantity_pack(domain):
        return frozenset()
    pack = get_pack(domain)
    if ctx.identity.role in (pack.roles.auditor, pack.roles.owner):
        return frozenset()
    return frozenset(pack.protected)


def audit(ctx: Context, case_id: str, as_of: datetime | None = None) -> AuditView:
    """A case's timeline and exactly what was known at ``as_of``."""
    found = audit_fold.audit_case(ctx.log, ctx.resolve(case_id), as_of)
    typed = found.case
    if as_of is not None and found.opened_at is not None and as_of < found.opened_at:
        ref = (typed.case_ref if typed else None) or found.after_as_of[0].summary.get("case_ref")
        raise NotFound(
            f"case {ref or case_id} did not exist yet at {as_of.isoformat(timespec='seconds')}: "
            f"it was opened at {found.opened_at.isoformat(timespec='seconds')}"
        )
    raw = found.to_dict()
    domain = typed.domain if typed else None
    hidden = hidden_fields(ctx, domain) if domain else ()
    words = words_view(domain) if domain else WordsView()
    for name in hidden:  # protected characteristics: not for this viewer (see hidden_fields)
        for values in (found.state.get("input"), raw["state"].get("input")):
            if isinstance(values, dict) and name in values:
                values[name] = "(hidden: protected)"
    if typed is not None and hidden and isinstance(typed.input, dict):
        # A copy: the typed state holds the event's own input, never changed.
        typed = replace(typed, input={k: "(hidden: protected)" if k in hidden else v
                                      for k, v in typed.input.items()})
    return AuditView(
        case_id=found.case_id,
        as_of=found.as_of,
        seen_at_decision=found.seen_at_decision or {},
        state_as_of=found.state,
        timeline=[timeline_entry(e, words) for e in found.timeline],
        after=[timeline_entry(e, words) for e in found.after_as_of],
        raw=raw,
        words=words,
        case_as_of=typed,
    )


def alerts(ctx: Context) -> list[AlertView]:
    """Open (unacknowledged) alerts, newest first."""
    ctx.sync()
    return [
        AlertView(
            r["kind"],
            r["severity"],
            r["details"].get("message", ""),
            datetime.fromisoformat(r["raised_at"]),
            runbook=runbook(r["kind"]),
        )
        for r in queries.open_alerts(ctx.views)
    ]


def runbook(kind: str) -> str:
    """README's entry for an alert kind: what it means, who owns it, what to do."""
    return f"README.md#runbook-{kind.replace('_', '-')}"


def status(ctx: Context) -> StatusView:
    ctx.sync()
    open_alerts = alerts(ctx)
    falling_back = {
        str(r["details"].get("domain")): str(r["details"].get("reason", ""))
        for r in queries.open_alerts(ctx.views)
        if r["kind"] == "fallback"
    }
    champions = [
        f"{domain}: {version}"
        + (
            f" (NOT deciding: the baseline rules decide, {falling_back[domain]})"
            if domain in falling_back
            else ""
        )
        for domain, version in ctx.models().champions()
    ]
    # A pack whose champion an emergency stop took out is decided by its baseline rules:
    # said here too, not left out as if it had never had a model.
    champions += [f"{domain}: none ({stop})" for domain in queries.store_domains(ctx.views)
                  if (stop := ctx.models().stopped(domain))]
    return StatusView(
        store_url=ctx.log.url or ctx.store_url,
        readmodel_path=str(ctx.views.path),
        events=ctx.log.event_count(),
        cases_by_status=queries.cases_by_status(
            ctx.views, counts_kept=ctx.views.keeps_case_counts),
        champion=", ".join(champions) or None,
        alerts=open_alerts,
        notices=policy_notices(ctx),
        sealed=_sealed(ctx),
        quarantined_outcome_rows=queries.quarantined_outcome_rows(ctx.views),
    )


def _sealed(ctx: Context) -> str:
    """Where the newest read-model seal stands, for the auditor who runs ``verify --seal``:
    the next ``verify`` replays only the cases changed after its position."""
    found = recorded_seal(ctx.log)
    if found is None:
        return ""
    since = ctx.log.event_count() - found.at
    return (f"read models at position {found.seal.position}, by {found.actor} ({found.role}) "
            f"at position {found.at}; {since} event(s) recorded since")  # fmt: skip


# --- row → view ---------------------------------------------------------------------------


def when(text: str | None) -> datetime:
    return datetime.fromisoformat(text) if text else datetime.now(UTC)


def _queue_row(r: Mapping[str, Any], current: Mapping[str, int]) -> QueueRow:
    flags: set[str] = {f for f in FLAGS if r.get(f)}
    version = r.get("policy_version")
    if r["status"] in ("open", "escalated") and version and version < current.get(r["domain"], 0):
        flags.add("stale")  # recommended under an older policy: say so, never silently old
    if r.get("explored"):
        # Drawn at random by the owner's exploration: without this mark an operator sees
        # e.g. "approve" beside a high p(bad) in the queue and cannot tell why.
        flags.add("explored")
    return QueueRow(
        case_id=r["case_id"],
        case_ref=r["case_ref"] or "",
        domain=r["domain"],
        status=r["status"],
        opened_at=when(r["opened_at"]),
        p_bad=r["p_bad"],
        recommendation=r["recommendation"],
        expected_cost=r["expected_cost"],
        flags=frozenset(flags),
        version=int(r["version"] or 0),
        expected_costs=json.loads(r["expected_costs"]) if r.get("expected_costs") else {},
        quantity=r.get("quantity"),
    )


def timeline_entry(entry: audit_fold.TimelineEntry, words: WordsView) -> TimelineEntry:
    """One event as people read it: a sentence, not a dump of its fields, in the pack's
    ``words`` (the score's label, e.g. ``p(malignancy)``; whom an escalation goes to)."""
    sentence = sentences.describe(entry.event, entry.summary, probability=words.probability,
                                  senior=words.senior)
    return replace(entry, sentence=sentence)


def _decision_view(last: DecisionState | None) -> DecisionView | None:
    if last is None:
        return None
    return DecisionView(
        kind=last.kind,
        action=last.action,
        reason_code=last.reason_code,
        reason_text=last.reason_text,
        by=last.by,
        role=last.role,
        at=when(last.at),
    )
