"""The application service: the only door into Docket.

The CLI, the TUI and the evals open cases, decide, record outcomes and change policies
through :class:`DocketService`, so every action is validated, authorised and logged the
same way. Writes go to the log (``events``); reads come from the read models, which
follow the log (:meth:`DocketService.sync`).

This class is a thin facade: each method hands over to one use-case module in
:mod:`assistant.usecases` (intake, deciding, explaining, reading, policy, models,
training, monitoring, evaluation, maintenance), all sharing one
:class:`~assistant.usecases.context.Context`. Read those modules top-down to see how a
request becomes events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from assistant import config
from assistant.domains import is_quantity_pack
from assistant.evaluation.logged import OffPolicyReport
from assistant.evaluation.observation import reveals
from assistant.monitoring.drift import DriftReport
from assistant.monitoring.health import MonitoringThresholds
from assistant.monitoring.outcome_alerts import OutcomeAlertSettings, OutcomeCheck
from assistant.monitoring.quality import QualityReport
from assistant.monitoring.quantity_quality import QuantityQuality
from assistant.usecases import (
    deciding,
    domains,
    evaluation,
    explaining,
    intake,
    maintenance,
    models,
    monitoring,
    policy,
    quantities,
    quantity_intake,
    reading,
    training,
)
from assistant.usecases import keys as people
from assistant.usecases.context import SYSTEM, Context
from assistant.views import (
    FIRST_PAGE,
    AlertView,
    AssessmentView,
    AuditView,
    BacktestView,
    CaseDetail,
    Decision,
    DomainView,
    DraftView,
    ExplanationView,
    HealthView,
    Identity,
    IngestReport,
    KeyView,
    ModelView,
    PolicyPreview,
    PolicyView,
    PromotionProposalView,
    QueuePage,
    QueueQuery,
    SimulationView,
    StatusView,
    VerdictView,
)
from events.app import DecisionLog
from events.chain import VerifyReport
from events.checkpoint import CheckpointReport
from events.errors import ModelError, NotAuthorised
from events.readmodels import ReadModelReport, ReadModels
from events.signing import SigningKey, parse_public_key
from events.store import open_log, open_readmodels, setup_postgres


class DocketService:
    """Everything a front end may do. Construct with :meth:`open`."""

    def __init__(
        self,
        log: DecisionLog,
        views: ReadModels,
        *,
        identity: Identity,
        store_url: str,
        data_dir: Path,
    ) -> None:
        self._ctx = Context(log, views, identity, store_url, data_dir)

    @classmethod
    def open(
        cls,
        store: str | None = None,
        *,
        identity: Identity | None = None,
        keys: Sequence[SigningKey] = (),
        role: str | None = None,
        data_dir: str | Path | None = None,
    ) -> DocketService:
        """Open (or create) the store at ``store`` (SQLite path or ``postgresql://`` URL).

        Who acts comes from ``keys`` (the private keys held): with no ``identity``, the
        holder of the first key as enrolled in the log, in ``role`` (one the key holds)
        or else its first role. Without a key the service reads but records nothing.

        Raises:
            StoreUnavailable / IncompatibleStore: one clear sentence, no traceback.
            NotAuthorised: the key is not enrolled, or does not hold ``role``.
        """
        folder = Path(data_dir) if data_dir else config.data_dir()
        url = store or config.default_store()
        log = open_log(url)
        views = open_readmodels(url, folder)
        anonymous = Identity(config.default_operator(), role or "operator")
        service = cls(log, views, identity=identity or anonymous, store_url=url, data_dir=folder)
        service._ctx.wallet.extend(keys)
        # Docket's components co-sign what they record with their own keys (see
        # ``enrol_components``); held here so every process recording for them can.
        service._ctx.wallet.extend(people.load_component_keys(config.component_key_dir(folder)))
        if identity is None and keys:
            record = service._ctx.holder(keys[0])
            if record is None:
                service.close()
                raise NotAuthorised(
                    f"key {keys[0].key_id} is not enrolled in this store (or was revoked); "
                    "an admin enrols it with `docket keys enrol`"
                )
            if role is not None and role not in record.roles:
                service.close()
                raise NotAuthorised(
                    f"{record.person}'s key does not hold role {role!r} (it holds "
                    f"{', '.join(record.roles)}); a role must be granted by an admin"
                )
            identity = Identity(record.person, role or record.roles[0])
        service._ctx.act(identity or anonymous)
        service.sync()
        return service

    @staticmethod
    def setup_postgres(store: str, writer: str, *, password: str | None = None) -> list[str]:
        """As the PostgreSQL store's owner: tables, append-only triggers, and a ``writer``
        role with INSERT and SELECT only (see :mod:`events.pg_guard`); what was done."""
        return setup_postgres(store, writer, password=password)

    def close(self) -> None:
        self._ctx.views.close()
        self._ctx.log.close()

    # --- what the use cases share ------------------------------------------------------------

    @property
    def log(self) -> DecisionLog:
        return self._ctx.log

    @property
    def views(self) -> ReadModels:
        return self._ctx.views

    @property
    def identity(self) -> Identity:
        """Who is acting; what is recorded from now on is recorded as done by them."""
        return self._ctx.identity

    @identity.setter
    def identity(self, identity: Identity) -> None:
        """Act as another identity; recording needs a held key that backs it."""
        self._ctx.act(identity)

    # --- keys ----------------------------------------------------------------------------------

    def init_keys(self, person: str, key: SigningKey | None = None) -> SigningKey:
        """The store's first key (``key``, or a new one): ``person`` becomes its admin and
        holds every role a person can hold."""
        return people.init(self._ctx, person, key=key)

    def enrol(
        self, person: str, roles: Sequence[str], public_key: bytes | None = None
    ) -> tuple[str, SigningKey | None]:
        """Enrol a key for ``person`` with ``roles`` (admins only); a new pair if no key."""
        return people.enrol(self._ctx, person, list(roles), public_key)

    def revoke_key(self, key_id: str, reason: str) -> KeyView:
        return people.revoke(self._ctx, key_id, reason)

    def enrolled_keys(self) -> list[KeyView]:
        return people.list_keys(self._ctx)

    def enrol_held(self, identity: Identity) -> SigningKey:
        """Enrol a new key for ``identity`` (admins only) and hold it in this process.

        For one process acting as several people on a store it set up itself (the evals'
        temporary stores, benchmarks); people normally hold only their own key.
        """
        _, made = self.enrol(identity.name, [identity.role])
        assert made is not None
        self.add_key(made)
        return made

    def add_key(self, key: SigningKey) -> None:
        """Hold another private key in this process (see :attr:`identity`)."""
        people.add_key(self._ctx, key)

    def enrol_components(self) -> list[str]:
        """Give Docket's components keys of their own (admins only), kept in the data
        directory's ``keys/components``; returns the names enrolled now."""
        return people.enrol_components(self._ctx, config.component_key_dir(self.data_dir))

    @property
    def store_url(self) -> str:
        return self._ctx.store_url

    @property
    def data_dir(self) -> Path:
        return self._ctx.data_dir

    @property
    def models_dir(self) -> Path:
        return self._ctx.models_dir

    def sync(self) -> int:
        """Bring the read models up to date with the log; return how many events applied."""
        return self._ctx.sync()

    # --- domains ------------------------------------------------------------------------------

    def domains(self) -> list[DomainView]:
        """The installed packs with the decision each declares (``docket domains``)."""
        return domains.domains(self._ctx)

    def domain(self, name: str | None = None) -> DomainView:
        """One pack's declaration: ``name``, or the domain this store holds (see
        :meth:`resolve_domain`)."""
        return domains.domain_view(self.resolve_domain(name))

    def resolve_domain(self, name: str | None) -> str:
        """``name`` if given, else the one domain this store holds (or the one installed).

        Raises:
            InputRejected: several domains fit; the message lists them.
            NotFound: no installed pack has that name.
        """
        return self._ctx.resolve_domain(name)

    # --- intake, decisions, explanations ------------------------------------------------------

    def open_case(self, domain: str, raw: Mapping[str, Any], *, case_ref: str | None = None) -> str:
        if is_quantity_pack(domain):
            return intake.open_case(
                self._ctx, domain, raw, case_ref=case_ref, ingest_rows=quantity_intake.ingest
            )
        return intake.open_case(self._ctx, domain, raw, case_ref=case_ref)

    def ingest(
        self,
        domain: str | None,
        rows: Iterable[Mapping[str, Any]],
        *,
        progress: Callable[[int, int], None] | None = None,
        keep_ids: bool = True,
    ) -> IngestReport:
        """Open the cases of a file, reading ``rows`` a batch at a time (a generator is
        never held whole). Without ``domain`` the pack is inferred from the columns of the
        first batch; a file whose columns are another pack's (or no pack's) is refused with
        one sentence (InputRejected) before anything is written. ``keep_ids=False``: the
        report counts opened cases and duplicates instead of listing them."""
        head = rows if isinstance(rows, Sequence) else list(islice(rows, intake.INGEST_BATCH))
        domain = intake.file_domain(self._ctx, domain, head)
        stream = rows if head is rows else chain(head, rows)
        if is_quantity_pack(domain):
            report = quantity_intake.ingest(self._ctx, domain, stream, progress=progress)
            return replace(report, domain=domain)
        return intake.ingest(self._ctx, domain, stream, progress=progress, keep_ids=keep_ids)

    @staticmethod
    def decides_quantity(domain: str) -> bool:
        """Whether ``domain``'s decision is a quantity ("how much to order")."""
        return is_quantity_pack(domain)

    def decide(self, case_id: str, decision: Decision) -> CaseDetail:
        return deciding.decide(self._ctx, case_id, decision)

    def record_outcome(
        self, case_id: str, outcome: str, observed_at: datetime, *, source: str = "manual"
    ) -> None:
        deciding.record_outcome(self._ctx, case_id, outcome, observed_at, source=source)

    def explain(self, case_id: str, *, refresh: bool = False) -> ExplanationView:
        return explaining.explain(self._ctx, case_id, refresh=refresh)

    def explain_draft(self, domain: str, raw: Mapping[str, Any]) -> DraftView:
        return explaining.explain_draft(self._ctx, domain, raw)

    def screen_note(self, note: str) -> list[VerdictView]:
        return explaining.screen_note(note)

    # --- reads ---------------------------------------------------------------------------------

    def queue(self, query: QueueQuery = FIRST_PAGE) -> QueuePage:
        return reading.queue(self._ctx, query)

    def case(self, case_id: str) -> CaseDetail:
        return reading.case(self._ctx, case_id)

    def audit(self, case_id: str, as_of: datetime | None = None) -> AuditView:
        return reading.audit(self._ctx, case_id, as_of)

    def alerts(self) -> list[AlertView]:
        return reading.alerts(self._ctx)

    def status(self) -> StatusView:
        return reading.status(self._ctx)

    # --- policy --------------------------------------------------------------------------------

    def policy(self, domain: str) -> PolicyView:
        return policy.policy(self._ctx, domain)

    def review_policy(self, domain: str, note: str) -> PolicyView:
        return policy.review_policy(self._ctx, domain, note)

    def sign_off_policy(self, domain: str, note: str = "") -> PolicyView:
        return policy.sign_off_policy(self._ctx, domain, note)

    def change_policy(
        self, domain: str, changes: Mapping[str, Any], justification: str
    ) -> PolicyView:
        """Propose a change (owner role); it takes effect when a second person holding the
        owner role approves it (:meth:`approve_policy_change`). The view lists it as pending."""
        return policy.change_policy(self._ctx, domain, changes, justification)

    def approve_policy_change(self, domain: str, proposal: int) -> PolicyView:
        """Four eyes: approve another person's proposed change; it takes effect now."""
        return policy.approve_change(self._ctx, domain, proposal)

    def reject_policy_change(self, domain: str, proposal: int, reason: str) -> PolicyView:
        """Reject a proposed change (the owner role), or withdraw one's own."""
        return policy.reject_change(self._ctx, domain, proposal, reason)

    def backtest(self, domain: str, changes: Mapping[str, Any] | None = None) -> list[BacktestView]:
        return policy.backtest(self._ctx, domain, changes)

    def preview_policy(self, domain: str, changes: Mapping[str, Any]) -> PolicyPreview:
        return policy.preview_policy(self._ctx, domain, changes)

    # --- models --------------------------------------------------------------------------------

    def train(
        self,
        domain: str,
        *,
        promote: bool | None = None,
        holdout: Sequence[int] = (),
        on_step: Callable[[str], None] | None = None,
    ) -> list[str]:
        """Train and register DOMAIN's models; ``on_step`` hears of each step as it starts."""
        return training.train(self._ctx, domain, promote=promote, holdout=holdout,
                              on_step=on_step)

    def retrain(self, domain: str, *, reason: str = "") -> tuple[list[str], list[str]]:
        return training.retrain(self._ctx, domain, reason=reason)

    def register_models(
        self,
        domain: str,
        artifact_dirs: Sequence[Path],
        *,
        promote: bool | None = None,
        evidence: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[str]:
        return models.register_models(
            self._ctx, domain, artifact_dirs, promote=promote, evidence=evidence
        )

    def promote(self, version: str, reason: str) -> ModelView:
        """Propose ``version`` as champion (a domain's first champion is installed at once)."""
        return models.promote(self._ctx, version, reason)

    def approve_promotion(self, version: str) -> ModelView:
        """Approve another person's pending promotion of ``version``: it decides from now."""
        return models.approve_promotion(self._ctx, version)

    def reject_promotion(self, version: str, reason: str) -> ModelView:
        """Reject a pending promotion (a manager), or withdraw your own."""
        return models.reject_promotion(self._ctx, version, reason)

    def pending_promotions(self, domain: str | None = None) -> list[PromotionProposalView]:
        return models.pending_promotions(self._ctx, domain)

    def shadow(self, version: str) -> ModelView:
        return models.shadow(self._ctx, version)

    def models(self, domain: str | None = None) -> list[ModelView]:
        return models.models(self._ctx, domain)

    def model_artifacts(self, version: str) -> Path:
        return models.model_artifacts(self._ctx, version)

    def cross_validated_costs(
        self,
        domain: str,
        *,
        seed: int = 0,
        repeats: int = 1,
        on_step: Callable[[str], None] | None = None,
    ) -> list[str]:
        """The cross-validated cost table; ``on_step`` hears of each fold as it starts."""
        return evaluation.cross_validated_costs(domain, seed=seed, repeats=repeats,
                                                on_step=on_step)

    # --- monitoring ------------------------------------------------------------------------------

    def record_outcomes(
        self, rows: Sequence[Mapping[str, Any]], *, domain: str | None = None
    ) -> list[str]:
        """Record outcomes in bulk for ``domain`` (default: the one this store holds)."""
        domain = self.resolve_domain(domain)
        if is_quantity_pack(domain):
            return quantities.record_demand(self._ctx, rows, domain)
        return monitoring.record_outcomes(self._ctx, rows, domain=domain)

    def decision_rows(self, domain: str) -> list[dict[str, Any]]:
        return monitoring.decision_rows(self._ctx, domain)

    def quality(
        self, domain: str, *, decisions: Sequence[dict[str, Any]] | None = None
    ) -> QualityReport:
        return monitoring.quality(self._ctx, domain, decisions=decisions)

    def quantity_backtest(
        self, domain: str, changes: Mapping[str, Any] | None = None
    ) -> list[str]:
        """A "how much" policy (and a changed one) on held-out hours, against seasonal naive."""
        return quantities.backtest(self._ctx, domain, changes)

    def off_policy(
        self, domain: str, changes: Mapping[str, Any] | None = None
    ) -> OffPolicyReport | None:
        """Off-policy estimates on the logged decisions, with the changed policy (if any) as
        a candidate next to the current one; None when nothing has been decided yet."""
        return monitoring.off_policy(self._ctx, domain, changes)

    def quantity_quality(self, domain: str) -> QuantityQuality:
        """Realised cost of orders placed, the policy's and the baseline's ("how much" packs)."""
        return quantities.quality(self._ctx, domain)

    def drift(self, domain: str, *, recent: int = 1000) -> DriftReport:
        return monitoring.drift(self._ctx, domain, recent=recent)

    def check_alerts(
        self,
        domain: str,
        *,
        recent: int = 1000,
        thresholds: MonitoringThresholds | None = None,
    ) -> list[AlertView]:
        return monitoring.check_alerts(self._ctx, domain, recent=recent, thresholds=thresholds)

    def outcome_check(
        self, domain: str, settings: OutcomeAlertSettings | None = None
    ) -> OutcomeCheck | None:
        return monitoring.outcome_check(self._ctx, domain, settings)

    def health(self, domain: str) -> HealthView:
        return monitoring.health(self._ctx, domain)

    # --- for evaluation (nothing here is recorded, except record_eval_run) ---------------------

    def dataset(self, domain: str) -> list[dict[str, Any]]:
        return evaluation.dataset(domain)

    def label_field(self, domain: str) -> str:
        return self._ctx.pack(domain).label_field

    def protected_fields(self, domain: str) -> list[str]:
        return list(self._ctx.pack(domain).protected)

    def personal_fields(self, domain: str) -> list[str]:
        """Fields holding contact details: never features, never sent to a provider."""
        return list(self._ctx.pack(domain).personal_fields)

    def simulate_selective_labels(
        self, domain: str, seeds: Sequence[int], exploration: Mapping[str, float] | None = None
    ) -> SimulationView:
        """Closed-loop simulation on the data set: naive, IPS and DR estimates against the
        truth the log cannot see, and approval rates by age across retraining rounds."""
        return evaluation.simulate_selective_labels(domain, seeds, exploration)

    def reveals_outcome(self, domain: str, action: str | None) -> bool:
        """Whether taking ``action`` shows the case's outcome (a declined loan shows none)."""
        return reveals(self._ctx.pack(domain), action)

    def note_field(self, domain: str) -> str:
        """The field holding the applicant's free-text note (untrusted data)."""
        return self._ctx.pack(domain).note_field

    def assess(self, domain: str, raws: Sequence[Mapping[str, Any]]) -> list[AssessmentView]:
        return evaluation.assess(self._ctx, domain, raws)

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

    # --- the log itself --------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        return maintenance.verify(self._ctx)

    def export_checkpoint(self) -> dict[str, Any]:
        """A signed checkpoint (position, head link, landmarks, time, signer) to keep
        outside the store. Refused when the log does not verify."""
        return maintenance.export_checkpoint(self._ctx)

    def verify_checkpoint(self, checkpoint: Any) -> CheckpointReport:
        """Prove the log still holds a checkpoint's prefix unchanged, or name what changed."""
        return maintenance.verify_checkpoint(self._ctx, checkpoint)

    def record_at(self, position: int) -> str:
        """Which case (reference and id) or record holds the event at a log position."""
        return maintenance.record_at(self._ctx, position)

    def verify_read_models(self) -> ReadModelReport:
        return maintenance.verify_read_models(self._ctx)

    def replay(self) -> int:
        return maintenance.replay(self._ctx)

    def replay_check(self) -> list[str]:
        return maintenance.replay_check(self._ctx)


__all__ = ["SYSTEM", "DocketService", "ModelError", "SigningKey", "parse_public_key"]
