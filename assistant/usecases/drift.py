"""Input and prediction drift: the latest cases (read models, inputs from each case's first
event) against the pack's training rows and the served champion's own scores on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from assistant.monitoring.drift import DriftReport, feature_drift
from assistant.monitoring.drift_reference import DriftReference
from assistant.monitoring.drift_windows import DriftAlertSettings, Window, windowed_drift
from assistant.usecases.context import Context
from events import queries
from events.errors import ModelError


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
