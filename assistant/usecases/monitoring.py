"""Monitoring: outcomes recorded in bulk, decision quality, drift, alerts and health.

Everything here reads decided cases from the read models (:func:`events.queries.
decision_rows`) and the original inputs from the log; only outcomes, quarantined rows
and alerts are recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict
from uuid import UUID

from assistant.domains.decision import ClassificationShape
from assistant.evaluation.logged import (
    LoggedCase,
    OffPolicyReport,
    OverrideGroup,
    off_policy_report,
)
from assistant.evaluation.observation import outcome_refusal
from assistant.monitoring.drift import DriftReport, feature_drift
from assistant.monitoring.drift_reference import DriftReference
from assistant.monitoring.drift_windows import DriftAlertSettings, Window, windowed_drift
from assistant.monitoring.health import MonitoringThresholds, evaluate_alerts
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck, check_outcomes
from assistant.monitoring.outcomes import OutcomeItem, plan_outcomes
from assistant.monitoring.quality import QUALITY_WINDOW, QualityReport, quality_report
from assistant.monitoring.rates import Rate, ood_share_above_reference, override_rates
from assistant.policies import PolicySpec
from assistant.usecases import alerting
from assistant.usecases.checks import case_uuid
from assistant.usecases.context import Context
from assistant.usecases.intake import unparseable
from assistant.usecases.reading import alerts
from assistant.views import AlertView, CalibrationBand, HealthView, OverrideEffect
from events import queries
from events.domain import Case
from events.errors import FieldProblem, ModelError


def record_outcomes(
    ctx: Context, rows: Sequence[Mapping[str, Any]], *, domain: str
) -> list[str]:
    """Record outcomes in bulk; late, duplicate, conflicting and bad rows are each reported.

    Rows name a case by ``case_id`` or ``case_ref``. Bad rows are quarantined (kept as
    events with their problems); conflicting outcomes are never overwritten.
    """
    ctx.sync()
    pack = ctx.pack(domain)
    plan = plan_outcomes(
        rows, queries.known_cases(ctx.views, domain), now=datetime.now(UTC),
        outcomes=pack.outcomes,
        refusal=lambda action, source: outcome_refusal(pack, action, source),
    )  # fmt: skip
    who = ctx.who

    def change(item: OutcomeItem) -> tuple[UUID, Callable[[Case], None]]:
        assert item.case_id and item.outcome and item.observed_at
        outcome, observed, source = item.outcome, item.observed_at.isoformat(), item.source

        def record(case: Case) -> None:
            case.record_outcome(outcome=outcome, observed_at=observed, source=source, **who)

        return case_uuid(item.case_id), record

    # One transaction per batch of cases, not one per row.
    ctx.log.update_many(change(item) for item in plan.to_record)

    def raw(line: int) -> Mapping[str, Any]:
        return rows[line - 1] if 0 < line <= len(rows) else {}

    rejected = [i for i in plan.items if not i.will_record and i.kind != "duplicate"]
    quarantine = [
        Case.quarantine(
            domain=f"{domain}/outcomes",
            case_ref=i.case_ref or i.case_id,
            raw=dict(raw(i.line)),
            problems=unparseable(raw(i.line))
            or list(i.problems)
            or [FieldProblem("row", i.message)],
            **who,
        )
        for i in rejected
    ]
    unique = {q.id: q for q in quarantine}  # the same bad row twice is one record
    fresh = [q for q in unique.values() if not ctx.log.exists(q.id)]
    if fresh:
        ctx.log.save(*fresh)
    lines = [plan.summary()]
    for i in plan.items:
        if i.kind == "recorded":
            continue
        bad = unparseable(raw(i.line))
        lines.append(
            f"  line {i.line}: " + (f"invalid: {bad[0]}" if bad else f"{i.kind}: {i.message}")
        )
    return lines


def decision_rows(
    ctx: Context, domain: str, limit: int | None = None, since: datetime | None = None
) -> list[dict[str, Any]]:
    """One row per decided case, as the monitoring functions expect (first-stage decision);
    ``limit``: the latest this many decided cases only; ``since``: decided since then."""
    ctx.sync()
    return queries.decision_rows(ctx.views, domain, limit,
                                 since.isoformat() if since is not None else None)


def quality(
    ctx: Context,
    domain: str,
    *,
    decisions: Sequence[dict[str, Any]] | None = None,
    candidates: Mapping[str, PolicySpec] | None = None,
    n_boot: int = 1000,
    last: int | None = QUALITY_WINDOW,
) -> QualityReport:
    """Decision quality on what the log can show.

    The naive part (operators, model, baseline on the outcomes recorded) is kept and
    labelled as such; ``off_policy`` holds the IPS, SNIPS and doubly-robust estimates of the
    operators, the current policy, the baseline rules and any ``candidates`` over every
    settled case, with what each figure rests on.

    ``decisions``: the rows of :func:`decision_rows`, if the caller already has them;
    otherwise the ``last`` decided cases (None: every one, which grows with the store).
    """
    state = ctx.domain(domain)
    every = [dict(r) for r in (
        decisions if decisions is not None else decision_rows(ctx, domain, last))]
    cases = [_logged_case(ctx, row) for row in every]
    rows = [dict(r) for r in every if r["outcome"]]
    for row in rows:  # what the baseline rules would have done, from the case's input
        action, _, _ = state.pack.baseline_rules(ctx.opened(row["case_id"]).input)
        row["baseline_action"] = action
    costs = {a: dict(c) for a, c in state.spec.costs.items()}
    naive = quality_report(rows, costs, review_cost=state.spec.review_cost)
    off = off_policy_report(
        cases, state.pack, state.spec, policy_version=state.policy_version,
        candidates=candidates, n_boot=n_boot,
    ) if cases else None  # fmt: skip
    return replace(naive, off_policy=off)


def off_policy(
    ctx: Context, domain: str, changes: Mapping[str, Any] | None = None
) -> OffPolicyReport | None:
    """The off-policy part of :func:`quality`, with the current policy changed by
    ``changes`` evaluated as the candidate."""
    state = ctx.domain(domain)
    candidates = {"candidate": state.spec.with_changes(changes)} if changes else None
    return quality(ctx, domain, candidates=candidates).off_policy


def logged_cases(ctx: Context, domain: str) -> list[LoggedCase]:
    """Every decided case as the off-policy estimators and retraining need it."""
    return [_logged_case(ctx, row) for row in decision_rows(ctx, domain)]


def _logged_case(ctx: Context, row: Mapping[str, Any]) -> LoggedCase:
    """One decided case as the off-policy estimators need it, from its events."""
    opened: Case.Opened | None = None
    rec: Case.Recommended | None = None
    p_risk: float | None = None
    ood, ood_reasons = False, tuple[str, ...]()
    source: str | None = None
    for event in ctx.log.events_of(row["case_id"]):
        if isinstance(event, Case.Opened):
            opened = event
        elif isinstance(event, Case.Scored) and not event.shadow:
            p_risk, ood = float(event.p_bad), bool(event.ood)
        elif isinstance(event, Case.Recommended):
            rec = event
            ood_reasons = tuple(event.ood_reasons)
        elif isinstance(event, Case.OutcomeRecorded):
            source = event.source
        elif isinstance(event, Case.FellBackToBaseline):
            p_risk = None
    assert opened is not None and rec is not None
    final = row["decided_action"]
    return LoggedCase(
        case_id=str(row["case_id"]),
        case_ref=opened.case_ref,
        operator=str(row.get("operator") or "unknown"),
        decision_kind=str(row["decision_kind"]),
        reason_code=row.get("reason_code"),
        recommended=rec.action,
        propensities=dict(rec.propensities),
        explored=bool(rec.explored),
        # Still with the senior: the escalation is no final action.
        final_action=final if final and final != opened.decision.get("escalate_action") else None,
        outcome=row["outcome"],
        outcome_source=source,
        p_risk=p_risk if rec.source == "model" else None,
        ood=ood or bool(ood_reasons),
        ood_reasons=ood_reasons,
        input=dict(opened.input),
        expected_costs=dict(rec.expected_costs),
    )


def latest_cases(ctx: Context, domain: str, recent: int) -> list[dict[str, Any]]:
    """The latest ``recent`` cases of ``domain``, oldest first, from the read models, each
    with its input read from its own first event: the cost is bounded by the window, not by
    the size of the log."""
    ctx.sync()
    rows = queries.latest_cases(ctx.views, domain, recent)
    for row in rows:
        row["input"] = dict(ctx.opened(row["case_id"]).input)
    return rows


def _reference(ctx: Context, domain: str) -> DriftReference:
    """The pack's training rows, with the served champion's own scores on them."""
    state = ctx.domain(domain)
    pack = state.pack
    try:
        scores: list[float] | None = state.orchestrator.served_reference_scores()
    except ModelError:  # no champion: no prediction drift
        scores = None
    return DriftReference.fit(
        pack.load_dataset().rows, list(pack.numeric), list(pack.categorical), scores=scores
    )


def _served_scores(reference: DriftReference, cases: Sequence[Mapping[str, Any]]) -> Any:
    scores = [c["p_bad"] for c in cases if c["p_bad"] is not None]
    return scores if reference.scores is not None and scores else None


def drift(ctx: Context, domain: str, *, recent: int = 1000) -> DriftReport:
    """Feature and prediction drift of the latest ``recent`` cases against the training data."""
    reference = _reference(ctx, domain)
    cases = latest_cases(ctx, domain, recent)
    return feature_drift(
        reference, [c["input"] for c in cases], scores=_served_scores(reference, cases)
    )


#: The fewest cases since the last change worth a drift window of their own.
MIN_SINCE_CHANGE = 30


def drift_windows(
    ctx: Context,
    domain: str,
    *,
    recent: int = 1000,
    cases: Sequence[Mapping[str, Any]] | None = None,
    settings: DriftAlertSettings | None = None,
) -> list[Window]:
    """Drift over the latest 100 and 200 cases and the whole ``recent`` window."""
    s = settings or DriftAlertSettings()
    reference = _reference(ctx, domain)
    found = list(cases) if cases is not None else latest_cases(ctx, domain, recent)
    scored = [c for c in found if c["p_bad"] is not None]
    change = queries.last_change(ctx.views, domain)
    since = (f"since {change['what']} ({str(change['at'])[:10]})", str(change["at"])) \
        if change else None

    def named(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
        # The cases opened after the last model or policy change, when enough to judge.
        if since is None:
            return []
        n = sum(1 for c in rows if str(c["opened_at"]) > since[1])
        return [(f"{since[0]}: {n} cases", n)] if n >= MIN_SINCE_CHANGE else []

    windows = windowed_drift(reference, [c["input"] for c in found], windows=s.windows,
                             named=named(found))
    if reference.scores is not None and scored:
        # Scores only exist where the champion scored: their own windows, merged in.
        by_score = windowed_drift(
            reference,
            [c["input"] for c in scored],
            scores=[c["p_bad"] for c in scored],
            windows=s.windows,
            named=named(found) if len(scored) == len(found) else [],
        )
        predictions = {w.label: w.report.prediction for w in by_score}
        windows = [
            Window(w.label, replace(w.report, prediction=predictions.get(w.label)))
            for w in windows
        ]
    return windows


def outcome_check(
    ctx: Context, domain: str, settings: OutcomeAlertSettings | None = None
) -> OutcomeCheck | None:
    """Observed against expected risk outcomes over the latest window of observed outcomes
    (None for a domain whose decision is not a yes/no classification)."""
    shape = ctx.pack(domain).decision
    if not isinstance(shape, ClassificationShape):
        return None
    s = settings or OutcomeAlertSettings()
    ctx.sync()
    # Some recorded outcomes are not observable (their action reveals nothing): read a margin.
    limit = 4 * s.last_outcomes if s.last_outcomes is not None else 1_000_000
    rows = queries.outcome_rows(ctx.views, domain, limit)
    costs = {a: dict(c) for a, c in ctx.domain(domain).spec.costs.items()}
    now = datetime.now(UTC)

    def judged(settings: OutcomeAlertSettings) -> OutcomeCheck:
        return check_outcomes(rows, now=now, risk_outcome=shape.risk_outcome,
                              reveals=shape.reveals, costs=costs, settings=settings)

    checked = judged(s)
    change = queries.last_change(ctx.views, domain)
    if change is None:
        return checked
    # The window's outcomes of cases decided since the last model or policy change: right
    # after a change, older outcomes dilute the window; these show the change's own effect
    # (and recover as the window does, so a recovered stream resolves its alert).
    at = datetime.fromisoformat(str(change["at"]))
    since = s.model_copy(update={
        "decided_since": at if at.tzinfo else at.replace(tzinfo=UTC),
        "since_label": f"{change['what']} ({at.date().isoformat()})",
    })  # fmt: skip
    return replace(checked, since_change=judged(since))


def check_alerts(
    ctx: Context,
    domain: str,
    *,
    recent: int = 1000,
    thresholds: MonitoringThresholds | None = None,
) -> list[AlertView]:
    """Evaluate every monitoring threshold: raise each new condition as an alert event,
    escalate open alerts that worsened, resolve those that recovered."""
    t = thresholds or MonitoringThresholds()
    policy = ctx.policy(domain)
    spike = t.override_spike
    # Override spikes compare the last week with the weeks before: only those decisions.
    decisions = decision_rows(ctx, domain, since=datetime.now(UTC) - timedelta(
        days=spike.window_days + spike.baseline_days))
    cases = latest_cases(ctx, domain, recent)
    windows = drift_windows(ctx, domain, cases=cases, settings=t.drift_alerts) if cases else None
    outcomes = outcome_check(ctx, domain, t.outcomes)
    ood_vs_reference = None
    reference_share = ctx.domain(domain).orchestrator.reference_ood_share()
    scored = [bool(c["ood"]) for c in cases if c["p_bad"] is not None]
    if reference_share is not None and scored:
        n_ref = len(ctx.pack(domain).load_dataset().rows)
        ood_vs_reference = ood_share_above_reference(
            scored,
            Rate(round(reference_share * n_ref), n_ref),
            windows=t.drift_alerts.windows,
            thresholds=t.ood_rise,
        )
    specs = evaluate_alerts(
        now=datetime.now(UTC),
        drift=windows,
        decisions=decisions,
        cases=[{**c, "ood": bool(c["ood"])} for c in cases if c["p_bad"] is not None],
        case_time_key="opened_at",
        ood_vs_reference=ood_vs_reference,
        policy_id=str(policy.id),
        policy_reviewed_at=policy.last_reviewed_at,
        policy_review_every_days=policy.review_every_days,
        thresholds=t,
        outcomes=outcomes.worst if outcomes is not None else None,
        risk_word=ctx.pack(domain).words.risk,
        per_case=ctx.pack(domain).words.per_case,
        prediction_label=ctx.pack(domain).words.probability(),
    )
    checked = {"override_spike", "ood_rise", "policy_review_overdue"}
    if windows is not None:
        checked |= {"dataset_drift", "feature_drift", "prediction_drift"}
    if outcomes is not None:
        checked.add("outcome_quality")
    alerting.apply_specs(ctx, domain, specs, checked=checked)
    return alerts(ctx)


class OverrideFields(TypedDict):
    """:class:`HealthView`'s override figures: the overall rate (None: no decisions), the
    count per reason code and the rate per operator."""

    override_rate: float | None
    overrides_by_reason: dict[str, int]
    override_rate_by_operator: dict[str, float]


def override_fields(decisions: Sequence[Mapping[str, Any]]) -> OverrideFields:
    """The override part of a :class:`HealthView`, for every kind of pack."""
    rates = override_rates(decisions)
    return OverrideFields(
        override_rate=rates.overall.rate if decisions else None,
        overrides_by_reason={k: v.count for k, v in rates.by_reason.items()},
        override_rate_by_operator={k: v.rate for k, v in rates.by_operator.items()},
    )


def health(ctx: Context, domain: str) -> HealthView:
    """Override rates, realized cost against the baseline, the model in use, alerts (over
    the latest :data:`QUALITY_WINDOW` decided cases)."""
    decisions = decision_rows(ctx, domain, QUALITY_WINDOW)
    realized: dict[str, tuple[float, float, float]] = {}
    by_reason: dict[str, OverrideEffect] = {}
    by_operator: dict[str, OverrideEffect] = {}
    known = sum(1 for r in decisions if r["outcome"])
    basis = ""
    if known:
        report = quality(ctx, domain, decisions=decisions)
        if report.off_policy is not None:
            # The same overrides-as-treatments figures as `docket quality`: an override to an
            # action that reveals nothing is not judged on outcomes nobody can see.
            by_reason = _effects(report.off_policy.overrides_by_reason)
            by_operator = _effects(report.off_policy.overrides_by_operator)
        for label, summary in (
            ("operators", report.operators),
            ("model", report.model),
            ("baseline rules", report.baseline),
        ):
            if summary is not None:
                realized[label] = (summary.mean.estimate, summary.mean.low, summary.mean.high)
        off = report.off_policy
        if off is not None and off.estimates:
            # Out of sample and honest about selective labels: doubly-robust estimates over
            # every settled case, not realized cost on the approved ones only.
            for label, found in zip(("operators", "model", "baseline rules"), off.estimates,
                                    strict=False):
                if found.dr is not None:
                    realized[label] = (found.dr.estimate, found.dr.low, found.dr.high)
            basis = (f"doubly-robust estimates over {off.n_settled} settled case(s): "
                     f"{off.n_observed} outcome(s) seen, {off.n_unobservable} unobservable")
    checked = outcome_check(ctx, domain)
    return HealthView(
        domain=domain,
        model_version=ctx.deployed(domain).champion,
        decisions=len(decisions),
        **override_fields(decisions),
        outcomes_known=known,
        realized_cost=realized,
        alerts=alerts(ctx),
        override_effect_by_reason=by_reason,
        override_effect_by_operator=by_operator,
        cost_basis=basis,
        calibration=tuple(CalibrationBand(*b) for b in checked.bands) if checked else (),
        calibration_window=(f"{checked.n} observable outcome(s), {checked.window}"
                            if checked and checked.n else ""),
    )


def _effects(groups: Sequence[OverrideGroup]) -> dict[str, OverrideEffect]:
    return {
        g.group: OverrideEffect(g.n, g.observed, g.helped, g.hurt, g.observed_delta,
                                g.unobservable, g.model_delta)
        for g in groups
    }
