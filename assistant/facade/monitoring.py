"""Monitoring and evaluation hooks: outcomes in bulk, quality, drift, alerts, health; dry runs
and eval records (nothing recorded except an eval run)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assistant.domains import is_quantity_pack, pack_roles
from assistant.evaluation.logged import OffPolicyReport
from assistant.evaluation.observation import outcome_refusal, reveals
from assistant.facade.base import Door
from assistant.monitoring.drift import DriftReport
from assistant.monitoring.health import MonitoringThresholds
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck
from assistant.monitoring.quality import QUALITY_WINDOW, QualityReport
from assistant.monitoring.quantile_alerts import QuantileAlertSettings, QuantileCheck
from assistant.monitoring.quantity_quality import QuantityQuality
from assistant.usecases import (
    drift,
    evaluation,
    monitoring,
    outcomes,
    quality,
    quantities,
    quantity_monitoring,
)
from assistant.views import (
    AlertView,
    AssessmentView,
    FairnessGroupsView,
    HealthView,
    OrderBacktestView,
    QuantityPreviewView,
    SimulationView,
)


class MonitoringDoor(Door):
    # --- monitoring ------------------------------------------------------------------------------

    def record_outcomes(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        domain: str | None = None,
        place: Callable[[int], str] = outcomes.row_place,
    ) -> list[str]:
        """Record outcomes in bulk for ``domain`` (default: the one this store holds); a
        reported row is named ``place(its 1-based number)`` (default ``row N``; the CLI
        names the file's line)."""
        domain = self.resolve_domain(domain)
        with self._ctx.in_pack_role(pack_roles(domain).deciding):  # as the pack's operator
            if is_quantity_pack(domain):
                return quantities.record_demand(self._ctx, rows, domain, place)
            return outcomes.record_outcomes(self._ctx, rows, domain=domain, place=place)

    def decision_rows(self, domain: str) -> list[dict[str, Any]]:
        return quality.decision_rows(self._ctx, domain)

    def quality(
        self,
        domain: str,
        *,
        decisions: Sequence[dict[str, Any]] | None = None,
        last: int | None = QUALITY_WINDOW,
    ) -> QualityReport:
        """Decision quality over the ``last`` decided cases (None: every one)."""
        return quality.quality(self._ctx, domain, decisions=decisions, last=last)

    def quantity_backtest(self, domain: str, changes: Mapping[str, Any] | None = None) -> list[str]:
        """A "how much" policy (and a changed one) on held-out hours, against seasonal naive."""
        return quantities.backtest(self._ctx, domain, changes)

    def order_backtest(self, domain: str) -> OrderBacktestView:
        """A "how much" policy and seasonal naive on the champion's held-out hours, with the
        forecasts' coverage there (what ``docket eval``'s orders suite judges)."""
        return quantities.order_backtest(self._ctx, domain)

    def off_policy(
        self, domain: str, changes: Mapping[str, Any] | None = None
    ) -> OffPolicyReport | None:
        """Off-policy estimates on the logged decisions, with the changed policy (if any) as
        a candidate next to the current one; None when nothing has been decided yet."""
        return quality.off_policy(self._ctx, domain, changes)

    def quantity_quality(self, domain: str) -> QuantityQuality:
        """Realised cost of orders placed, the policy's and the baseline's ("how much" packs)."""
        return quantities.quality(self._ctx, domain)

    def drift(self, domain: str, *, recent: int = 1000) -> DriftReport:
        if is_quantity_pack(domain):
            return quantity_monitoring.drift(self._ctx, domain, recent=recent)
        return drift.drift(self._ctx, domain, recent=recent)

    def check_alerts(
        self,
        domain: str,
        *,
        recent: int = 1000,
        thresholds: MonitoringThresholds | None = None,
    ) -> list[AlertView]:
        if is_quantity_pack(domain):
            return quantity_monitoring.check_alerts(self._ctx, domain, recent=recent,
                                                    thresholds=thresholds)
        return monitoring.check_alerts(self._ctx, domain, recent=recent, thresholds=thresholds)

    def forecast_check(
        self, domain: str, settings: QuantileAlertSettings | None = None
    ) -> QuantileCheck | None:
        """A "how much" pack's quantile forecasts against realised demand, judged against
        the champion's own validation coverage (None: no champion)."""
        return quantity_monitoring.outcome_check(self._ctx, domain, settings)

    def outcome_check(
        self, domain: str, settings: OutcomeAlertSettings | None = None
    ) -> OutcomeCheck | None:
        return monitoring.outcome_check(self._ctx, domain, settings)

    def health(self, domain: str) -> HealthView:
        if is_quantity_pack(domain):
            return quantity_monitoring.health(self._ctx, domain)
        return monitoring.health(self._ctx, domain)

    # --- for evaluation (nothing here is recorded, except record_eval_run) ---------------------

    def dataset(self, domain: str) -> list[dict[str, Any]]:
        return evaluation.dataset(domain)

    def label_field(self, domain: str) -> str:
        return self._ctx.pack(domain).label_field

    def protected_fields(self, domain: str) -> list[str]:
        return list(self._ctx.pack(domain).protected)

    def fairness_groups(self, domain: str) -> list[FairnessGroupsView]:
        """The protected groups the pack declares, with each historical case's group."""
        return evaluation.fairness_groups(domain)

    def personal_fields(self, domain: str) -> list[str]:
        """Fields holding contact details: never features, never sent to a provider."""
        return list(self._ctx.pack(domain).personal_fields)

    def simulate_selective_labels(
        self, domain: str, seeds: Sequence[int], exploration: Mapping[str, float] | None = None
    ) -> SimulationView:
        """Closed-loop simulation on the data set: naive, IPS and DR estimates against the
        truth the log cannot see, and approval rates by age across retraining rounds."""
        return evaluation.simulate_selective_labels(domain, seeds, exploration)

    def reveals_outcome(self, domain: str, action: str | None, outcome: str | None = None
                        ) -> bool:
        """Whether taking ``action`` shows the case's outcome (a declined loan shows none);
        with ``outcome``, whether it shows that one (a discharge that shows a malignancy
        only never shows a benign mass): what :meth:`record_outcome` takes from no outside
        source."""
        pack = self._ctx.pack(domain)
        if outcome is not None:
            return outcome_refusal(pack, action, "", outcome) is None
        return reveals(pack, action)

    def note_field(self, domain: str) -> str:
        """The field holding the applicant's free-text note (untrusted data)."""
        return self._ctx.pack(domain).note_field

    def assess(self, domain: str, raws: Sequence[Mapping[str, Any]]) -> list[AssessmentView]:
        return evaluation.assess(self._ctx, domain, raws)

    def assess_quantities(self, domain: str, raws: Sequence[Mapping[str, Any]]
                          ) -> QuantityPreviewView:
        """A quantity pack's rows as the policy would treat them, recording nothing."""
        return quantities.preview(self._ctx, domain, raws)

    def history_assessments(self, domain: str) -> list[AssessmentView]:
        return evaluation.history_assessments(self._ctx, domain)

    def model_quality(self, domain: str, *, folds: int = 10) -> dict[str, dict[str, float]]:
        return evaluation.model_quality(domain, folds=folds)

    def record_eval_run(
        self,
        suite: str,
        results: Mapping[str, Any],
        passed: bool,
        *,
        model_versions: Sequence[str] | None = None,
    ) -> str:
        return evaluation.record_eval_run(
            self._ctx, suite, results, passed, model_versions=model_versions
        )
