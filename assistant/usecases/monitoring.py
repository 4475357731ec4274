"""Monitoring a yes/no pack: the outcome check, alerts (raised, escalated, resolved as
events) and the domain's health.

Decided cases come from :mod:`assistant.usecases.quality`, the latest cases and their drift
from :mod:`assistant.usecases.drift`; only alerts are recorded here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from assistant.domains.decision import ClassificationShape
from assistant.evaluation.logged import OverrideGroup
from assistant.evaluation.ope import INVALID_PROPENSITIES
from assistant.monitoring.health import MonitoringThresholds, evaluate_alerts
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck, check_outcomes
from assistant.monitoring.quality import QUALITY_WINDOW
from assistant.monitoring.rates import Rate, ood_share_above_reference, override_rates
from assistant.usecases import alerting
from assistant.usecases.context import Context
from assistant.usecases.drift import drift_windows, latest_cases
from assistant.usecases.quality import decision_rows, quality
from assistant.usecases.reading import alerts
from assistant.views import AlertView, CalibrationBand, HealthView, OverrideEffect
from events import queries


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
                              reveals=shape.reveals, costs=costs, settings=settings,
                              outcomes=shape.outcomes)

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
    ranges: dict[str, tuple[float, float]] = {}
    unseen = 0
    if decisions:  # before any outcome too: the range that assumes nothing is true then
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
            # every decided case, not realized cost on the approved ones only.
            for label, found in zip(("operators", "model", "baseline rules"), off.estimates,
                                    strict=False):
                if found.dr is not None:
                    realized[label] = (found.dr.estimate, found.dr.low, found.dr.high)
            decided = off.n_settled + off.n_awaiting_outcome
            if not known:
                basis = (f"no outcomes yet over {decided} decided case(s): no cost can be "
                         "estimated, only the range beside it (every case at its best and "
                         "at its worst outcome)")
            elif off.estimates[0].withheld == INVALID_PROPENSITIES:
                basis = ("off-policy estimates withheld (some logged propensities are not "
                         "probabilities; the warning names the cases): realized cost on the "
                         f"known outcomes only (biased) over {decided} decided case(s)")
            elif off.estimates[0].withheld:
                # The naive cost of three approved cases' outcomes, with a bootstrap "CI"
                # (0.000 [0.000, 0.000] when all three repaid), would read as a measurement:
                # the range beside it is all the log can say yet (`docket quality` prints the
                # naive figure, labelled biased, and the same warning).
                realized = {}
                basis = (f"too few outcomes for off-policy estimates ({off.n_observed} seen, "
                         f"fewer than {off.estimates[0].needed}) over {decided} decided "
                         "case(s): no cost is estimated, only the range beside it (every "
                         "case whose outcome is unseen at its best and at its worst)")
            else:
                basis = (f"doubly-robust estimates over {decided} decided case(s): "
                         f"{off.n_observed} outcome(s) seen, {off.n_unobservable} "
                         f"unobservable, {off.n_awaiting_outcome} awaiting their outcome")
            basis += "".join(f"; WARNING: {w}" for w in off.warnings)
        if off is not None and off.ranges:
            for label, found_range in zip(("operators", "model", "baseline rules"),
                                          off.ranges, strict=False):
                ranges[label] = (found_range.low, found_range.high)
            unseen = off.ranges[0].n_unseen
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
        calibration_window="; ".join(part for part in (
            f"{checked.n} observable outcome(s), {checked.window}" if checked.n else "",
            checked.left_out()) if part) if checked else "",
        cost_range=ranges,
        unseen_outcomes=unseen,
    )


def _effects(groups: Sequence[OverrideGroup]) -> dict[str, OverrideEffect]:
    return {
        g.group: OverrideEffect(g.n, g.observed, g.helped, g.hurt, g.observed_delta,
                                g.unobservable, g.model_delta, g.enough_outcomes)
        for g in groups
    }
