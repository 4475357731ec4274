"""The application service: the only door into Docket.

The CLI, the TUI and the evals open cases, decide, record outcomes and change
policies through :class:`DocketService`, so every action is validated,
authorised and logged the same way. Writes go to the log (``events``); reads
come from the read models, which follow the log (:meth:`DocketService.sync`).

Reading order for a newcomer: :meth:`DocketService.open`, then ``open_case`` /
``ingest`` (the decision path), ``decide``, ``explain``, then the read methods.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import config
from assistant.domains import get_pack
from assistant.domains.base import CaseInput, DomainPack
from assistant.orchestrator import Assessment, Orchestrator
from assistant.policies import PolicySpec
from assistant.views import (
    FLAGS,
    Accept,
    AlertView,
    AssessmentView,
    AttributionView,
    AuditView,
    BacktestView,
    CaseDetail,
    Decision,
    DecisionView,
    DraftView,
    Escalate,
    ExplanationView,
    FieldView,
    HealthView,
    Identity,
    IngestReport,
    ModelView,
    Override,
    PolicyChangeView,
    PolicyPreview,
    PolicyView,
    QueuePage,
    QueueRow,
    StatusView,
    TimelineEntry,
    VerdictView,
)
from events.app import DecisionLog
from events.audit import audit_case
from events.chain import VerifyReport, verify
from events.domain import Case, ModelVersion, Policy
from events.errors import (
    ConflictError,
    DocketError,
    FieldProblem,
    InputRejected,
    ModelError,
    NotAuthorised,
    NotFound,
)
from events.readmodels import ReadModels, check, rebuild
from events.store import open_log, readmodel_path_for
from guardrails import prepare_input

#: The component identity the service uses for what it records on its own.
SYSTEM = Identity("docket/orchestrator", "system")
QUEUE_ORDER = {"opened_at", "p_bad", "expected_cost", "case_ref", "recommendation"}
INGEST_BATCH = 500


@dataclass
class _Domain:
    """Everything the decision path needs for one domain, loaded once and reused."""

    pack: DomainPack
    spec: PolicySpec
    policy_version: int
    orchestrator: Orchestrator
    champion: str | None


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
        self.log = log
        self.views = views
        self.identity = identity
        self.store_url = store_url
        self.data_dir = data_dir
        self._domains: dict[str, _Domain] = {}
        self._counts: dict[tuple[Any, ...], int] = {}  # queue totals by (position, filter)
        # The TUI calls the service from worker threads; SQLite connections and
        # the domain cache are not shared safely without this.
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        store: str | None = None,
        *,
        identity: Identity,
        data_dir: str | Path | None = None,
    ) -> DocketService:
        """Open (or create) the store at ``store`` (SQLite path or ``postgresql://`` URL).

        Raises:
            StoreUnavailable / IncompatibleStore: one clear sentence, no traceback.
        """
        folder = Path(data_dir) if data_dir else config.data_dir()
        url = store or config.default_store()
        log = open_log(url)
        views = ReadModels(readmodel_path_for(url, folder))
        service = cls(log, views, identity=identity, store_url=url, data_dir=folder)
        service.sync()
        return service

    def close(self) -> None:
        self.views.close()
        self.log.close()

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    # --- the decision path ---------------------------------------------------------------

    def _domain(self, name: str) -> _Domain:
        """The domain's pack, current policy and orchestrator (champion + shadow models)."""
        with self._lock:
            cached = self._domains.get(name)
            policy = self._policy_aggregate(name)
            champion, shadows = self._deployed_models(name)
            if (
                cached
                and cached.policy_version == policy.policy_version
                and (cached.champion == champion)
            ):
                return cached
            pack = get_pack(name)
            spec = PolicySpec.model_validate(policy.spec)
            orchestrator = Orchestrator.from_artifacts(
                pack,
                spec,
                champion=self._artifact_dir(champion) if champion else None,
                challengers=[self._artifact_dir(v) for v in shadows],
            )
            domain = _Domain(pack, spec, policy.policy_version, orchestrator, champion)
            self._domains[name] = domain
            return domain

    def _policy_aggregate(self, domain: str) -> Policy:
        """The domain's policy, installed from the pack's default on first use."""
        try:
            return self.log.policy(domain)
        except NotFound:
            pack = get_pack(domain)
            spec = pack.default_policy
            policy = Policy.create(
                domain=domain,
                spec=spec.model_dump(mode="json"),
                owner_role=spec.owner_role,
                review_every_days=spec.review_every_days,
                actor=SYSTEM.name,
                role=SYSTEM.role,
            )
            with contextlib.suppress(DocketError):  # another process installed it just now
                self.log.save(policy)
            return self.log.policy(domain)

    def _deployed_models(self, domain: str) -> tuple[str | None, list[str]]:
        self.sync()
        rows = self.views.rows(
            "SELECT model_version, status, champion FROM models WHERE domain = ?", [domain]
        )
        champion = next((r["model_version"] for r in rows if r["champion"]), None)
        shadows = [r["model_version"] for r in rows if r["status"] == "shadow"]
        return champion, shadows

    def _artifact_dir(self, version: str) -> Path:
        return self.models_dir / version

    def model_artifacts(self, version: str) -> Path:
        """The folder holding ``version``'s ONNX model and card (to register it elsewhere)."""
        self._model_domain(version)  # raises NotFound for an unknown version
        return self._artifact_dir(version)

    def open_case(self, domain: str, raw: Mapping[str, Any], *, case_ref: str | None = None) -> str:
        """Validate, score, recommend and record a case; return its id.

        Raises:
            InputRejected: naming each bad field; the raw input is quarantined first.
        """
        if case_ref is not None:
            raw = {**raw, "case_ref": case_ref}
        report = self.ingest(domain, [raw])
        if report.rejected:
            raise InputRejected(report.problems[1])
        if report.duplicates:
            ref = str(raw.get("case_ref"))
            return str(Case.id_for(domain, ref))
        return report.opened[0]

    def ingest(
        self,
        domain: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Open many cases; bad rows are quarantined and reported, good rows go in.

        Rows are assessed in batches and each batch is saved in one transaction;
        a row whose case_ref is already in the store is skipped and reported as
        a duplicate (ids derive from case refs, so re-ingesting a file is safe).
        """
        state = self._domain(domain)
        materialised = list(rows)
        total = len(materialised)
        opened: list[str] = []
        rejected: list[tuple[int, str]] = []
        duplicates: list[int] = []
        problems_by_row: dict[int, list[FieldProblem]] = {}
        done = 0
        for start in range(0, total, INGEST_BATCH):
            chunk = materialised[start : start + INGEST_BATCH]
            assessments = state.orchestrator.assess_batch(chunk)
            batch: list[tuple[int, Case]] = []  # (row number, new record), opened cases only
            quarantined: list[Case] = []
            seen_ids: set[Any] = set()
            for offset, (raw, assessment) in enumerate(zip(chunk, assessments, strict=True)):
                number = start + offset + 1
                if assessment.input is None:
                    # A line the reader could not parse is reported as such, not as two
                    # unknown fields plus every field missing.
                    problems = _unparseable(raw) or list(assessment.problems)
                    record = self._quarantine_record(domain, raw, problems)
                    if record.id not in seen_ids:
                        quarantined.append(record)
                        seen_ids.add(record.id)
                    problems_by_row[number] = list(problems)
                    rejected.append((number, "; ".join(str(p) for p in problems)))
                    continue
                ref = assessment.input.case_ref or self._fallback_ref(assessment.input)
                if Case.id_for(domain, ref) in seen_ids:
                    duplicates.append(number)
                    continue
                seen_ids.add(Case.id_for(domain, ref))
                batch.append((number, self._new_case(state, assessment, ref)))
            saved = self._save_new(batch, quarantined, duplicates)
            opened += [str(case.id) for case in saved]
            done += len(chunk)
            if progress:
                progress(done, total)
        return IngestReport(opened, rejected, duplicates, problems_by_row)

    def _save_new(
        self, batch: list[tuple[int, Case]], quarantined: list[Case], duplicates: list[int]
    ) -> list[Case]:
        """Save new records in one transaction; return the cases that were new.

        Usually nothing in a batch exists yet, so it is saved at once. If something did
        (a re-ingested file, an input quarantined before), the store refuses the whole
        transaction; then each record is checked and only the new ones are saved, the
        rest reported as duplicates. Ids derive from content, so this is exact.
        """
        records = [case for _, case in batch] + quarantined
        if not records:
            return []
        try:
            self.log.save(*records)
            return [case for _, case in batch]
        except ConflictError:
            pass
        fresh = [(n, case) for n, case in batch if not self.log.exists(case.id)]
        fresh_numbers = {n for n, _ in fresh}
        duplicates += [n for n, _ in batch if n not in fresh_numbers]
        new_quarantine = [q for q in quarantined if not self.log.exists(q.id)]
        if fresh or new_quarantine:
            self.log.save(*[case for _, case in fresh], *new_quarantine)
        return [case for _, case in fresh]

    @staticmethod
    def _fallback_ref(case_input: CaseInput) -> str:
        """A case without a reference is named by its content, so a repeat is a duplicate."""
        from events.domain.case import canonical_sha256

        content = {"v": case_input.values, "p": case_input.personal, "n": case_input.note}
        return "sha-" + canonical_sha256(content)[:16]

    def _quarantine_record(
        self, domain: str, raw: Mapping[str, Any], problems: Sequence[FieldProblem]
    ) -> Case:
        ref = raw.get("case_ref") if isinstance(raw, Mapping) else None
        return Case.quarantine(
            domain=domain,
            case_ref=str(ref) if ref not in (None, "") else None,
            raw=raw,
            problems=list(problems),
            actor=self.identity.name,
            role=self.identity.role,
        )

    def _new_case(self, state: _Domain, assessment: Assessment, ref: str) -> Case:
        """Every step of the assessment, as events on a new case (saved by the caller)."""
        case_input = assessment.input
        assert case_input is not None
        who = {"actor": SYSTEM.name, "role": SYSTEM.role}
        case = Case.open(
            domain=state.pack.name,
            case_ref=ref,
            input=dict(case_input.values),
            personal=dict(case_input.personal),
            note=case_input.note,
            actor=self.identity.name,
            role=self.identity.role,
        )
        _, recommendation, source = assessment.decided()
        for scored, score in assessment.scored_runs:
            case.record_score(
                specialist=scored.specialist,
                model_version=scored.model_version,
                model_sha256=scored.model_sha256,
                p_bad=score.p_bad,
                attributions=dict(score.attributions),
                ood=bool(assessment.ood.flag) if assessment.ood else False,
                ood_score=float(assessment.ood.score) if assessment.ood else None,
                latency_ms=scored.latency_ms,
                shadow=scored.shadow,
                **who,
            )
        if assessment.fallback_reason:
            case.record_fallback(reason=assessment.fallback_reason, **who)
        case.recommend(
            action=recommendation.action,
            source=source,
            policy_id=str(Policy.id_for(state.pack.name)),
            policy_version=state.policy_version,
            expected_costs=dict(recommendation.expected_costs),
            reasons=[*recommendation.reasons, *(assessment.ood.reasons if assessment.ood else ())],
            **who,
        )
        # The applicant's note is screened now, so the operator sees an injection
        # attempt in the queue before any explanation exists.
        prepared = prepare_input(dict(case_input.personal), case_input.note)
        flags = [
            v.to_dict() | {"kind": v.rule} for v in prepared.verdicts if v.outcome == "flagged"
        ]
        if flags:
            case.record_input_flags(flags=flags, **who)
        return case

    # --- decisions -------------------------------------------------------------------------

    def decide(self, case_id: str, decision: Decision) -> CaseDetail:
        """Record the acting operator's decision.

        Raises:
            AlreadyDecided: someone decided first (names who and when).
            NotAuthorised: e.g. a non-senior deciding an escalated case.
            InputRejected: an override without reason code or text.
        """
        who = {"actor": self.identity.name, "role": self.identity.role}

        if isinstance(decision, Override) and decision.action == "escalate":
            # Choosing "escalate" in an override form means: send it to a senior reviewer.
            decision = Escalate(decision.reason_text)

        def apply(case: Case) -> None:
            if isinstance(decision, Accept):
                case.accept(**who)
            elif isinstance(decision, Override):
                case.override(
                    action=decision.action,
                    reason_code=decision.reason_code,
                    reason_text=decision.reason_text,
                    **who,
                )
            elif isinstance(decision, Escalate):
                case.escalate(reason_text=decision.reason_text, **who)

        self.log.update(self._case_uuid(case_id), apply)
        return self.case(case_id)

    @staticmethod
    def _case_uuid(case_id: str) -> Any:
        from uuid import UUID

        try:
            return UUID(str(case_id))
        except ValueError as exc:
            raise NotFound(
                f"{case_id!r} is not a case id (see `docket status` / the queue)"
            ) from exc

    # --- explanations (off the decision path) ----------------------------------------------

    def explain(self, case_id: str, *, refresh: bool = False) -> ExplanationView:
        """Produce (or return the recorded) guarded explanation and record its verdicts."""
        from assistant.explainers import explainer_from_env
        from assistant.explainers.guarded import explain_guarded

        case = self.log.case(case_id)
        if not refresh:
            recorded = self._recorded_explanation(case_id)
            if recorded is not None:
                return recorded
        request = self._explanation_request(case)
        guarded = explain_guarded(request, explainer_from_env())
        verdicts = [v.to_dict() for v in guarded.verdicts]

        def record(fresh: Case) -> None:
            fresh.record_explanation(
                explainer=guarded.explainer,
                text=guarded.summary,  # placeholders, not personal values, go in the log
                summary={"action": guarded.action},
                claims=[c.model_dump(mode="json") for c in guarded.claims],
                verdicts=verdicts,
                fallback_reason=guarded.fallback_reason,
                actor=SYSTEM.name.replace("orchestrator", "explainer"),
                role=SYSTEM.role,
            )

        self.log.update(case.id, record)
        return ExplanationView(
            guarded.explainer,
            guarded.text,
            guarded.status,
            guarded.fallback_reason,
            [VerdictView(v.rule, v.outcome, v.detail) for v in guarded.verdicts],
        )

    def _explanation_request(self, case: Case) -> Any:
        opened, scored = self._case_events(case.id)
        return _request(
            get_pack(case.domain),
            opened["input"],
            personal={k: str(v) for k, v in opened.get("personal", {}).items()},
            note=opened.get("note"),
            p_bad=case.p_bad if case.p_bad is not None else 0.5,
            action=case.recommendation or "escalate",
            expected_costs=case.expected_costs,
            attributions=scored.get("attributions", {}) if scored else {},
            ood=bool(case.ood),
        )

    def _case_events(self, case_id: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The Opened payload and the champion's Scored payload of a case."""
        opened: dict[str, Any] = {}
        scored: dict[str, Any] | None = None
        for stored in self.log.recorder.select_events(case_id):
            event = self.log.mapper.to_domain_event(stored)
            if isinstance(event, Case.Opened):
                opened = {"input": event.input, "personal": event.personal, "note": event.note}
            elif isinstance(event, Case.Scored) and not event.shadow:
                scored = {"attributions": event.attributions, "specialist": event.specialist}
        return opened, scored

    def _recorded_explanation(self, case_id: str) -> ExplanationView | None:
        self.sync()
        rows = self.views.rows(
            "SELECT * FROM explanations WHERE case_id = ? ORDER BY position DESC LIMIT 1",
            [str(case_id)],
        )
        if not rows:
            return None
        row = rows[0]
        verdicts = [
            VerdictView(v["rule"], v["outcome"], v.get("detail", ""))
            for v in json.loads(row["verdicts"] or "[]")
        ]
        # Personal values are restored locally for display, never stored in the log.
        text = self._restore_personal(case_id, row["text"])
        return ExplanationView(
            row["explainer"],
            text,
            "fallback" if row["fallback_reason"] else "pass",
            row["fallback_reason"],
            verdicts,
        )

    def _restore_personal(self, case_id: str, text: str) -> str:
        opened, _ = self._case_events(self._case_uuid(case_id))
        prepared = prepare_input({k: str(v) for k, v in opened.get("personal", {}).items()}, None)
        return prepared.pseudonyms.restore(text)

    # --- outcomes --------------------------------------------------------------------------

    def record_outcome(
        self, case_id: str, outcome: str, observed_at: datetime, *, source: str = "manual"
    ) -> None:
        """Record what actually happened to a decided case (possibly much later)."""
        who = {"actor": self.identity.name, "role": self.identity.role}
        self.log.update(
            self._case_uuid(case_id),
            lambda case: case.record_outcome(
                outcome=outcome, observed_at=observed_at.isoformat(), source=source, **who
            ),
        )

    # --- reads -----------------------------------------------------------------------------

    def sync(self) -> int:
        """Bring the read models up to date with the log; return how many events were applied."""
        with self._lock:
            return self.views.catch_up(self.log)

    def queue(
        self,
        *,
        search: str = "",
        statuses: tuple[str, ...] = ("open", "escalated"),
        order_by: str = "opened_at",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> QueuePage:
        """One page of cases, filtered by status and a search over reference/recommendation."""
        if order_by not in QUEUE_ORDER:
            raise InputRejected([FieldProblem("order_by", f"must be one of {sorted(QUEUE_ORDER)}")])
        where = [f"status IN ({','.join('?' * len(statuses))})"]
        params: list[Any] = list(statuses)
        if search.strip():
            where.append("(case_ref LIKE ? OR recommendation LIKE ? OR case_id LIKE ?)")
            like = f"%{search.strip()}%"
            params += [like, like, like + "%"]
        clause = " AND ".join(where)
        direction = "DESC" if descending else "ASC"
        with self._lock:
            self.views.catch_up(self.log)
            # Counting 100,000 rows costs more than reading a page; the count can only
            # change when the read models move, so it is kept per position and filter.
            key = (self.views.position(), clause, tuple(params))
            total = self._counts.get(key)
            if total is None:
                found = self.views.rows(f"SELECT count(*) AS n FROM cases WHERE {clause}", params)
                total = int(found[0]["n"])
                self._counts = {key: total}  # one filter at a time is what screens use
            rows = self.views.rows(
                f"SELECT * FROM cases WHERE {clause} ORDER BY {order_by} {direction}, case_ref "
                f"LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
        return QueuePage([_queue_row(r) for r in rows], int(total), offset)

    def case(self, case_id: str) -> CaseDetail:
        """Everything the operator needs to decide one case."""
        uid = self._case_uuid(case_id)
        audit = audit_case(self.log, uid)
        state = audit.state
        if state.get("status") == "quarantined":
            raise NotFound(f"case {case_id} holds quarantined input; see `docket audit {case_id}`")
        pack = get_pack(state["domain"])
        values = state.get("input", {})
        fields = [FieldView(name, pack.describe(name), values.get(name)) for name in values]
        score = state.get("score") or {}
        attributions = sorted(
            (
                AttributionView(f, values.get(f), float(c))
                for f, c in (score.get("attributions") or {}).items()
            ),
            key=lambda a: abs(a.contribution),
            reverse=True,
        )
        explanation = self._recorded_explanation(str(uid))
        decision = _decision_view(state.get("decisions") or [])
        recommendation = state.get("recommendation") or {}
        return CaseDetail(
            case_id=str(uid),
            case_ref=state.get("case_ref", ""),
            domain=state["domain"],
            status=state.get("status", "open"),
            opened_at=audit.timeline[0].at,
            version=audit.timeline[-1].version,
            fields=fields,
            p_bad=score.get("p_bad"),
            model_version=score.get("model_version"),
            attributions=attributions,
            attribution_method=self._attribution_method(score.get("model_version")),
            ood=bool(score.get("ood")),
            ood_reasons=[r for r in recommendation.get("reasons", []) if "distribution" in r],
            recommendation=recommendation.get("action"),
            recommendation_source=recommendation.get("source"),
            fallback_reason=(state.get("fallback") or {}).get("reason"),
            expected_costs=dict(recommendation.get("expected_costs") or {}),
            policy_version=recommendation.get("policy_version"),
            input_flags=[f.get("kind", "") for f in state.get("input_flags", [])],
            explanation=explanation,
            decision=decision,
            outcome=(state.get("outcome") or {}).get("outcome"),
            history=[_timeline_entry(e) for e in audit.timeline],
        )

    def _attribution_method(self, model_version: str | None) -> str:
        """How the scoring model's attributions read, as its model card says."""
        rows = self.views.rows(
            "SELECT card FROM models WHERE model_version = ?", [model_version or ""]
        )
        card = json.loads(rows[0]["card"] or "{}") if rows else {}
        return str(card.get("attribution", "none"))

    def audit(self, case_id: str, as_of: datetime | None = None) -> AuditView:
        """A case's timeline and exactly what was known at ``as_of``."""
        audit = audit_case(self.log, self._case_uuid(case_id), as_of)
        return AuditView(
            case_id=audit.case_id,
            as_of=audit.as_of,
            seen_at_decision=audit.seen_at_decision or {},
            state_as_of=audit.state,
            timeline=[_timeline_entry(e) for e in audit.timeline],
            after=[_timeline_entry(e) for e in audit.after_as_of],
            raw=audit.to_dict(),
        )

    # --- policy ----------------------------------------------------------------------------

    def policy(self, domain: str) -> PolicyView:
        aggregate = self._policy_aggregate(domain)
        spec = PolicySpec.model_validate(aggregate.spec)
        self.sync()
        history = [
            PolicyChangeView(
                version=int(r["policy_version"]),
                at=datetime.fromisoformat(r["at"]),
                by=r["actor"],
                role=r["role"],
                changes=json.loads(r["changes"] or "{}"),
                justification=r["justification"] or "",
            )
            for r in self.views.rows(
                "SELECT * FROM policy_history WHERE domain = ? ORDER BY position", [domain]
            )
        ]
        return PolicyView(
            domain=domain,
            version=aggregate.policy_version,
            owner_role=aggregate.owner_role,
            actions=list(spec.actions),
            costs={a: dict(row) for a, row in spec.costs.items()},
            escalate_band=(float(spec.escalate_band[0]), float(spec.escalate_band[1])),
            escalate_on_ood=spec.escalate_on_ood,
            review_every_days=aggregate.review_every_days,
            history=history,
        )

    def change_policy(
        self, domain: str, changes: Mapping[str, Any], justification: str
    ) -> PolicyView:
        """Change costs or the escalation band. Raises NotAuthorised unless owner."""
        current = self._policy_aggregate(domain)
        # Validate the whole resulting policy before anything is recorded.
        changed = PolicySpec.model_validate(current.spec).with_changes(changes)
        # Record whole values for each changed key (a partial cost matrix is merged here,
        # once, so the event says exactly what the policy became).
        complete = {key: changed.model_dump(mode="json")[key] for key in changes}
        self.log.update(
            current.id,
            lambda p: p.change(
                changes=complete,
                justification=justification,
                actor=self.identity.name,
                role=self.identity.role,
            ),
        )
        return self.policy(domain)

    def backtest(self, domain: str, changes: Mapping[str, Any] | None = None) -> list[BacktestView]:
        """The current (or changed) policy on historical outcomes, against the baseline."""
        from assistant.policies import backtest

        state = self._domain(domain)
        spec = state.spec.with_changes(changes or {})
        # Historical outcomes, scored by the champion's honest (out-of-fold) probabilities.
        rows, outcomes, p_bad, ood = state.orchestrator.history()
        label = "changed policy" if changes else f"policy v{state.policy_version}"
        report = backtest(rows, outcomes, p_bad, spec, state.pack.baseline, ood=ood, label=label)
        return [_backtest_view(arm) for arm in report.arms]

    def preview_policy(self, domain: str, changes: Mapping[str, Any]) -> PolicyPreview:
        """Backtest the current policy and the changed one on historical outcomes."""
        before = self.backtest(domain)
        after = self.backtest(domain, changes)
        return PolicyPreview(before=before[0], after=after[0], baseline=before[1])

    # --- models ----------------------------------------------------------------------------

    def train(self, domain: str, *, promote: bool | None = None) -> list[str]:
        """Train, parity-check and register the domain's specialists; return report lines."""
        from assistant.specialists.training import train as train_models

        self._require_model_manager("train models")

        trained = train_models(get_pack(domain), self.models_dir)
        return self.register_models(domain, [t.path for t in trained], promote=promote)

    def register_models(
        self,
        domain: str,
        artifact_dirs: Sequence[Path],
        *,
        promote: bool | None = None,
        evidence: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[str]:
        """Register trained model artifacts (e.g. built in CI) as model-version events.

        Each directory holds ``model.onnx`` and ``card.json``; it is copied into this
        store's model folder if it lives elsewhere. The model with the lowest
        cross-validated expected cost becomes champion when there is none (or when
        ``promote`` is true); the others run in shadow.
        """
        import shutil

        from assistant.specialists.artifacts import read_card

        self._require_model_manager("register models")

        cards: dict[str, dict[str, Any]] = {}
        for source in artifact_dirs:
            card = read_card(source)
            target = self._artifact_dir(card["version"])
            if Path(source).resolve() != target.resolve():
                shutil.copytree(source, target, dirs_exist_ok=True)
            cards[card["version"]] = card
        lines: list[str] = []
        champion, _ = self._deployed_models(domain)
        for version, card in cards.items():
            if self.log.exists(ModelVersion.id_for(domain, version)):
                lines.append(f"{version}: already registered (same content)")
                continue
            record = ModelVersion.register(
                domain=domain,
                version=version,
                card={
                    **card,
                    "data_fingerprint": card["data"]["sha256"],
                    **(
                        {"evidence": dict(evidence[version])}
                        if evidence and version in evidence
                        else {}
                    ),
                },
                actor=self.identity.name,
                role=self.identity.role,
            )
            self.log.save(record)
            cost = card["metrics"]["cv_expected_cost"]
            lines.append(
                f"{version}: registered ({card['kind']}, {card['metrics']['cv_folds']}-fold "
                f"expected cost {cost:.3f}, ONNX parity ok)"
            )
        best = min(cards, key=lambda v: cards[v]["metrics"]["cv_expected_cost"])
        should_promote = promote if promote is not None else champion is None
        if should_promote and best != champion:
            self._promote(best, "lowest cross-validated expected cost at training")
            lines.append(f"{best}: promoted to champion")
            champion = best
        for version in cards:
            if version != champion and self._model_status(domain, version) == "registered":
                self._shadow(version)
                lines.append(f"{version}: runs in shadow (scored and recorded, never acted on)")
        return lines

    def retrain(
        self, domain: str, *, weak_labels: bool = False, reason: str = ""
    ) -> tuple[list[str], list[str]]:
        """Train challengers on the data set plus recorded outcomes; they run in shadow.

        Each decided case with a recorded outcome becomes a training row (cases whose input
        is already in the data set are not counted twice). With ``weak_labels``, overridden
        cases without an outcome count too, labelled with the outcome the operator's action
        implies (declining implies 'bad', approving 'good'): weak, because an override is an
        opinion, not an outcome. The challengers are registered with their evidence
        (cross-validated metrics and a backtest against the champion) and never promoted
        here: promotion is a separate, recorded decision (``docket models promote``).

        Returns:
            Report lines, and the challengers' versions (``docket retrain`` then runs the
            eval suites on them and on the champion).
        """
        from assistant.domains.base import Dataset
        from assistant.specialists.training import train as train_models
        from events.domain.case import canonical_sha256

        self._require_model_manager("retrain models")

        state = self._domain(domain)
        pack, spec = state.pack, state.spec
        base = pack.load_dataset()
        known = {canonical_sha256(row) for row in base.rows}
        # The outcome each decisive action is right for (declining implies 'bad').
        implied = {spec.best_action_for(outcome): outcome for outcome in spec.outcomes}
        extra_rows: list[dict[str, Any]] = []
        extra_outcomes: list[str] = []
        used = {"outcomes": 0, "weak_labels": 0, "already_in_data": 0}
        for row in self.decision_rows(domain):
            label = row["outcome"]
            kind = "outcomes"
            if label is None and weak_labels and row["decision_kind"] == "overridden":
                label, kind = implied.get(row["decided_action"]), "weak_labels"
            if label is None:
                continue
            opened, _ = self._case_events(self._case_uuid(row["case_id"]))
            values = {k: opened["input"][k] for k in base.rows[0]}
            if canonical_sha256(values) in known:
                used["already_in_data"] += 1
                continue
            extra_rows.append(values)
            extra_outcomes.append(label)
            used[kind] += 1
        rows = [*base.rows, *extra_rows]
        outcomes = [*base.outcomes, *extra_outcomes]
        data = Dataset(rows, outcomes, canonical_sha256({"rows": rows, "outcomes": outcomes}))
        provenance = {
            "reason": reason or "retrain on recorded outcomes",
            "base_data_sha256": base.sha256,
            "rows": len(rows),
            **used,
            "weak_labels_enabled": weak_labels,
            "requested_by": self.identity.name,
        }
        trained = train_models(pack, self.models_dir, data=data, provenance=provenance)
        lines = [
            f"training data: {len(base.rows)} rows of {pack.name}'s data set + "
            f"{used['outcomes']} recorded outcome(s) + {used['weak_labels']} weak label(s) "
            f"({used['already_in_data']} recorded case(s) already in the data set)"
        ]
        champion, _ = self._deployed_models(domain)
        champion_evidence = (
            self._evidence(domain, self._artifact_dir(champion)) if champion else None
        )
        challengers = {t.version: self._evidence(domain, t.path) for t in trained}
        evidence = {
            version: {
                "challenger": found,
                "champion": champion_evidence,
                "champion_version": champion,
            }
            for version, found in challengers.items()
        }
        lines += self.register_models(
            domain, [t.path for t in trained], promote=False, evidence=evidence
        )
        for version, found in challengers.items():
            lines.append(f"{version}: {_evidence_line(found)}")
        if champion_evidence is not None:
            lines.append(f"champion {champion}: {_evidence_line(champion_evidence)}")
        return lines, list(challengers)

    def _evidence(self, domain: str, artifact_dir: Path) -> dict[str, Any]:
        """A model's evidence: its cross-validated metrics and a policy backtest on the
        historical outcomes with its own out-of-fold scores (so models compare fairly)."""
        from assistant.policies import backtest
        from assistant.specialists.artifacts import read_card

        state = self._domain(domain)
        metrics = read_card(artifact_dir)["metrics"]
        found: dict[str, Any] = {
            key: metrics[key]
            for key in (
                "cv_expected_cost",
                "cv_roc_auc",
                "cv_brier",
                "cv_calibration_error",
                "cv_folds",
            )
            if key in metrics
        }
        orchestrator = Orchestrator.from_artifacts(
            state.pack, state.spec, champion=artifact_dir, challengers=[]
        )
        try:
            rows, outcomes, p_bad, ood = orchestrator.history()
        except ModelError as exc:
            found["backtest"] = f"not available: {exc}"
            return found
        report = backtest(rows, outcomes, p_bad, state.spec, state.pack.baseline, ood=ood)
        cost = report.policy.realised_cost
        found["backtest"] = {
            "policy_version": state.policy_version,
            "cost_per_case": cost.value,
            "cost_ci": [cost.low, cost.high],
            "approval_rate": report.policy.approval_rate.value,
            "escalation_rate": report.policy.escalation_rate.value,
            "n": report.n,
        }
        return found

    def _model_status(self, domain: str, version: str) -> str:
        self.sync()
        rows = self.views.rows(
            "SELECT status, champion FROM models WHERE domain = ? AND model_version = ?",
            [domain, version],
        )
        if not rows:
            return "unknown"
        return "champion" if rows[0]["champion"] else str(rows[0]["status"])

    #: Who may train, register, promote or shadow models: people in these roles, and
    #: components acting as ``system`` (the demo seeding, eval runs), which no person can
    #: claim from the command line.
    MODEL_MANAGERS = ("engineer", "risk_owner", "system")

    def _require_model_manager(self, what: str) -> None:
        if self.identity.role not in self.MODEL_MANAGERS:
            raise NotAuthorised(
                f"only an engineer or the risk owner may {what}, not role {self.identity.role!r}"
            )

    def promote(self, version: str, reason: str) -> ModelView:
        """Make ``version`` the champion; the previous champion is demoted (one transaction).

        Raises:
            NotAuthorised: unless the acting role is engineer or risk_owner.
        """
        self._require_model_manager("promote a model")
        return self._promote(version, reason)

    def _promote(self, version: str, reason: str) -> ModelView:
        domain = self._model_domain(version)
        champion, _ = self._deployed_models(domain)
        new = self.log.model_version(domain, version)
        role = self.identity.role
        new.promote(
            evidence={"reason": reason, "card_metrics": new.card.get("metrics", {})},
            actor=self.identity.name,
            role=role,
        )
        changed = [new]
        if champion and champion != version:
            old = self.log.model_version(domain, champion)
            old.demote(reason=f"replaced by {version}", actor=self.identity.name, role=role)
            changed.append(old)
        self.log.save(*changed)
        self._domains.pop(domain, None)
        return self._model_view(domain, version)

    def shadow(self, version: str) -> ModelView:
        """Run ``version`` in shadow. Raises NotAuthorised unless engineer or risk_owner."""
        self._require_model_manager("put a model in shadow")
        return self._shadow(version)

    def _shadow(self, version: str) -> ModelView:
        domain = self._model_domain(version)
        self.log.update(
            ModelVersion.id_for(domain, version),
            lambda m: m.start_shadow(actor=self.identity.name, role=self.identity.role),
        )
        self._domains.pop(domain, None)
        return self._model_view(domain, version)

    def _model_domain(self, version: str) -> str:
        self.sync()
        rows = self.views.rows("SELECT domain FROM models WHERE model_version = ?", [version])
        if not rows:
            raise NotFound(f"no model version {version!r}; see `docket models`")
        return str(rows[0]["domain"])

    def models(self, domain: str | None = None) -> list[ModelView]:
        """Registered model versions, oldest first, with their latest eval verdicts."""
        self.sync()
        sql = "SELECT * FROM models" + (" WHERE domain = ?" if domain else "")
        rows = self.views.rows(sql + " ORDER BY registered_at", [domain] if domain else [])
        verdicts: dict[str, dict[str, bool]] = {}
        for run in self.views.rows(
            "SELECT suite, passed, model_versions FROM eval_runs ORDER BY at"
        ):
            for version in json.loads(run["model_versions"] or "[]"):
                verdicts.setdefault(version, {})[run["suite"]] = bool(run["passed"])
        return [_model_view(r, verdicts.get(r["model_version"], {})) for r in rows]

    def _model_view(self, domain: str, version: str) -> ModelView:
        return next(m for m in self.models(domain) if m.version == version)

    def cross_validated_costs(self, domain: str) -> list[str]:
        """The 10-fold cross-validated expected-cost table (models, baseline, decline-all)."""
        from assistant.specialists.training import cost_table, format_cost_table

        return format_cost_table(cost_table(get_pack(domain)))

    # --- for evaluation (nothing here is recorded, except record_eval_run) ------------------

    def dataset(self, domain: str) -> list[dict[str, Any]]:
        """The domain's historical cases with their known outcome under the pack's label field."""
        pack = get_pack(domain)
        data = pack.load_dataset()
        return [
            {**row, pack.label_field: outcome}
            for row, outcome in zip(data.rows, data.outcomes, strict=True)
        ]

    def label_field(self, domain: str) -> str:
        return get_pack(domain).label_field

    def protected_fields(self, domain: str) -> list[str]:
        return list(get_pack(domain).protected)

    def assess(self, domain: str, raws: Sequence[Mapping[str, Any]]) -> list[AssessmentView]:
        """Score and recommend without recording anything (dry run for evals and previews)."""
        state = self._domain(domain)
        views: list[AssessmentView] = []
        for assessment in state.orchestrator.assess_batch(list(raws)):
            if assessment.input is None:
                views.append(
                    AssessmentView(
                        None,
                        None,
                        None,
                        {},
                        False,
                        "rejected",
                        None,
                        [str(p) for p in assessment.problems],
                    )
                )
                continue
            _, rec, source = assessment.decided()
            views.append(
                AssessmentView(
                    p_bad=assessment.score.p_bad if assessment.score else None,
                    action=rec.action,
                    baseline_action=assessment.baseline_action,
                    expected_costs=dict(rec.expected_costs),
                    ood=bool(assessment.ood.flag) if assessment.ood else False,
                    source=source,
                    fallback_reason=assessment.fallback_reason,
                    problems=[],
                )
            )
        return views

    def history_assessments(self, domain: str) -> list[AssessmentView]:
        """The historical cases of :meth:`dataset`, in order, as the policy would treat them,
        scored with the champion's out-of-fold probabilities (honest: no case is scored by a
        model that saw it). Raises ModelError when there is no champion."""
        from assistant.policies import recommend

        state = self._domain(domain)
        rows, _, p_bad, ood = state.orchestrator.history()
        views: list[AssessmentView] = []
        for row, p, flagged in zip(rows, p_bad, ood, strict=True):
            rec = recommend(p, flagged, state.spec)
            action, _, _ = state.pack.baseline_rules(row)
            views.append(
                AssessmentView(
                    p_bad=p,
                    action=rec.action,
                    baseline_action=action,
                    expected_costs=dict(rec.expected_costs),
                    ood=bool(flagged and flagged.flag),
                    source="model",
                    fallback_reason=None,
                    problems=[],
                )
            )
        return views

    def personal_fields(self, domain: str) -> list[str]:
        """Fields holding contact details: never features, never sent to a provider."""
        return list(get_pack(domain).personal_fields)

    def note_field(self, domain: str) -> str:
        """The field holding the applicant's free-text note (untrusted data)."""
        return get_pack(domain).note_field

    def explain_draft(self, domain: str, raw: Mapping[str, Any]) -> DraftView:
        """Explain an unrecorded case behind the guardrails; also return what left the machine."""
        from assistant.explainers import explainer_from_env
        from assistant.explainers.guarded import explain_guarded
        from assistant.explainers.llm import build_messages

        state = self._domain(domain)
        [assessment] = state.orchestrator.assess_batch([raw])
        if assessment.input is None:
            raise InputRejected(list(assessment.problems))
        request = self._request_from_assessment(state, assessment)
        guarded = explain_guarded(request, explainer_from_env())
        prepared = prepare_input(dict(request.personal), request.note)
        sanitised = request.model_copy(
            update={"personal": prepared.personal, "note": prepared.note}
        )
        outbound = "\n".join(m["content"] for m in build_messages(sanitised))
        return DraftView(
            explanation=ExplanationView(
                guarded.explainer,
                guarded.text,
                guarded.status,
                guarded.fallback_reason,
                [VerdictView(v.rule, v.outcome, v.detail) for v in guarded.verdicts],
            ),
            stored_text=guarded.summary,
            outbound_prompt=outbound,
            note_flagged=any(v.outcome == "flagged" for v in prepared.verdicts),
        )

    def _request_from_assessment(self, state: _Domain, assessment: Assessment) -> Any:
        case_input, rec, _ = assessment.decided()
        score = assessment.score
        return _request(
            state.pack,
            case_input.values,
            personal=dict(case_input.personal),
            note=case_input.note,
            p_bad=score.p_bad if score else rec.p_bad,
            action=rec.action,
            expected_costs=rec.expected_costs,
            attributions=score.attributions if score else {},
            ood=bool(assessment.ood.flag) if assessment.ood else False,
        )

    def screen_note(self, note: str) -> list[VerdictView]:
        """The input guardrails' verdicts on an applicant note (injection, personal data)."""
        prepared = prepare_input({}, note)
        return [VerdictView(v.rule, v.outcome, v.detail) for v in prepared.verdicts]

    def model_quality(self, domain: str, *, folds: int = 10) -> dict[str, dict[str, float]]:
        """Cross-validated metrics per model kind, the baseline rules and refuse-all."""
        from assistant.specialists.training import cross_validated_metrics

        return cross_validated_metrics(get_pack(domain), folds=folds)

    def record_eval_run(
        self,
        suite: str,
        results: Mapping[str, Any],
        passed: bool,
        *,
        model_versions: Sequence[str] | None = None,
    ) -> str:
        """Record that ``suite`` ran, with its results, against ``model_versions``
        (default: the deployed champion and shadow models)."""
        from events.domain import EvalRun

        self.sync()
        deployed = (
            list(model_versions)
            if model_versions is not None
            else [
                r["model_version"]
                for r in self.views.rows(
                    "SELECT model_version FROM models WHERE champion = 1 OR status = 'shadow'"
                )
            ]
        )
        run = EvalRun.record(
            suite=suite,
            results=dict(results),
            passed=passed,
            model_versions=deployed,
            actor=self.identity.name,
            role=self.identity.role,
        )
        self.log.save(run)
        return str(run.id)

    # --- the log itself ----------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        return verify(self.log)

    def replay(self) -> int:
        """Rebuild every read model from the log; return the number of events replayed."""
        with self._lock:
            path = self.views.path
            self.views.close()
            self.views = rebuild(self.log, path)
            return self.views.position()

    def replay_check(self) -> list[str]:
        with self._lock:
            return check(self.log, self.views)

    # --- status and health --------------------------------------------------------------------

    def alerts(self) -> list[AlertView]:
        self.sync()
        rows = self.views.rows(
            "SELECT * FROM alerts WHERE acknowledged = 0 OR acknowledged IS NULL "
            "ORDER BY raised_at DESC"
        )
        return [
            AlertView(
                r["kind"],
                r["severity"],
                json.loads(r["details"] or "{}").get("message", ""),
                datetime.fromisoformat(r["raised_at"]),
            )
            for r in rows
        ]

    def status(self) -> StatusView:
        self.sync()
        counts = {
            r["status"]: int(r["n"])
            for r in self.views.rows("SELECT status, count(*) AS n FROM cases GROUP BY status")
        }
        champions = [
            f"{r['domain']}: {r['model_version']}"
            for r in self.views.rows("SELECT * FROM models WHERE champion = 1")
        ]
        return StatusView(
            store_url=self.log.url or self.store_url,
            readmodel_path=str(self.views.path),
            events=self.log.event_count(),
            cases_by_status=counts,
            champion=", ".join(champions) or None,
            alerts=self.alerts(),
        )

    # --- monitoring: outcomes, decision quality, drift and alerts -----------------------------

    def record_outcomes(
        self, rows: Sequence[Mapping[str, Any]], *, domain: str = "credit"
    ) -> list[str]:
        """Record outcomes in bulk; late, duplicate, conflicting and bad rows are each reported.

        Rows name a case by ``case_id`` or ``case_ref``. Bad rows are quarantined (kept as
        events with their problems); conflicting outcomes are never overwritten.
        """
        from assistant.monitoring.outcomes import KnownCase, plan_outcomes

        self.sync()
        known = [
            KnownCase(
                r["case_id"],
                r["case_ref"],
                datetime.fromisoformat(r["decided_at"]) if r["decided_at"] else None,
                r["outcome"],
            )
            for r in self.views.rows(
                "SELECT case_id, case_ref, decided_at, outcome FROM cases "
                "WHERE domain = ? AND status != 'quarantined'",
                [domain],
            )
        ]
        plan = plan_outcomes(rows, known, now=datetime.now(UTC))
        who = {"actor": self.identity.name, "role": self.identity.role}
        for item in plan.to_record:
            assert item.case_id and item.outcome and item.observed_at
            outcome, observed = item.outcome, item.observed_at.isoformat()

            def record(case: Case, outcome: str = outcome, observed: str = observed) -> None:
                case.record_outcome(outcome=outcome, observed_at=observed, source="bulk", **who)

            self.log.update(self._case_uuid(item.case_id), record)

        def raw(line: int) -> Mapping[str, Any]:
            return rows[line - 1] if 0 < line <= len(rows) else {}

        rejected = [i for i in plan.items if not i.will_record and i.kind not in ("duplicate",)]
        quarantine = [
            Case.quarantine(
                domain=f"{domain}/outcomes",
                case_ref=i.case_ref or i.case_id,
                raw=dict(raw(i.line)),
                problems=_unparseable(raw(i.line))
                or list(i.problems)
                or [FieldProblem("row", i.message)],
                **who,
            )
            for i in rejected
        ]
        fresh = [q for q in quarantine if not self.log.exists(q.id)]
        if fresh:
            self.log.save(*fresh)
        lines = [plan.summary()]
        lines += [
            f"  line {i.line}: "
            + (
                f"invalid: {_unparseable(raw(i.line))[0]}"
                if _unparseable(raw(i.line))
                else f"{i.kind}: {i.message}"
            )
            for i in plan.items
            if i.kind not in ("recorded",)
        ]
        return lines

    def decision_rows(self, domain: str) -> list[dict[str, Any]]:
        """One row per decided case, as the monitoring functions expect (first-stage decision)."""
        self.sync()
        rows = self.views.rows(
            "SELECT d.case_id, d.operator, d.kind AS decision_kind, d.reason_code, "
            "d.recommended AS recommended_action, d.action AS decided_action, d.at AS decided_at, "
            "c.outcome, c.ood, c.decided_action AS final_action "
            "FROM decisions d JOIN cases c USING (case_id) WHERE d.domain = ? ORDER BY d.position",
            [domain],
        )
        first: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["case_id"] in first:
                continue  # a senior's second-stage decision: the first stage counts
            if row["decision_kind"] == "escalated":
                final = row["final_action"]
                row["decided_action"] = final if final and final != "escalate" else None
            row["ood"] = bool(row["ood"])
            first[row["case_id"]] = row
        return list(first.values())

    def quality(self, domain: str, *, decisions: Sequence[dict[str, Any]] | None = None) -> Any:
        """Realized cost of operators, model and baseline on cases with outcomes, with CIs.

        ``decisions``: the rows of :meth:`decision_rows`, if the caller already has them.
        """
        from assistant.monitoring.quality import quality_report

        state = self._domain(domain)
        rows = [dict(r) for r in (decisions or self.decision_rows(domain)) if r["outcome"]]
        for row in rows:  # what the baseline rules would have done, from the case's input
            opened, _ = self._case_events(self._case_uuid(row["case_id"]))
            action, _, _ = state.pack.baseline_rules(opened["input"])
            row["baseline_action"] = action
        costs = {a: dict(c) for a, c in state.spec.costs.items()}
        review = costs.get(state.spec.escalate_action, {}).get(state.spec.risk_outcome, 0.0)
        return quality_report(rows, costs, review_cost=review)

    def drift(self, domain: str, *, recent: int = 1000) -> Any:
        """Feature and prediction drift of the latest ``recent`` cases against the training data."""
        from collections import deque

        from assistant.monitoring.drift import DriftReference, feature_drift

        state = self._domain(domain)
        pack = state.pack
        data = pack.load_dataset()
        try:  # prediction drift needs the champion's honest scores on the reference data
            _, _, reference_scores, _ = state.orchestrator.history()
        except ModelError:
            reference_scores = None
        reference = DriftReference.fit(
            data.rows, list(pack.numeric), list(pack.categorical), scores=reference_scores
        )
        latest: deque[dict[str, Any]] = deque(maxlen=recent)
        for payload in self._opened_payloads(domain):
            latest.append(payload)
        scores = None
        if reference_scores is not None:
            self.sync()
            scores = [
                r["p_bad"]
                for r in self.views.rows(
                    "SELECT p_bad FROM cases WHERE domain = ? AND p_bad IS NOT NULL "
                    "ORDER BY opened_at DESC LIMIT ?",
                    [domain, recent],
                )
            ]
        return feature_drift(reference, list(latest), scores=scores or None)

    def _opened_payloads(self, domain: str) -> Iterable[dict[str, Any]]:
        """The input of every case opened in ``domain``, oldest first, straight from the log."""
        from eventsourcing.utils import get_topic

        topic = get_topic(Case.Opened)
        start = 1
        while True:
            page = self.log.recorder.select_notifications(start, 5000, topics=[topic])
            if not page:
                return
            for n in page:
                state = json.loads(n.state)
                if state.get("domain") == domain:
                    yield state["input"]
            start = page[-1].id + 1

    def check_alerts(self, domain: str, *, recent: int = 1000) -> list[AlertView]:
        """Evaluate every monitoring threshold; record each newly crossed one as an alert event."""
        from assistant.monitoring.health import evaluate_alerts
        from events.domain import Alert

        policy = self._policy_aggregate(domain)
        now = datetime.now(UTC)
        decisions = self.decision_rows(domain)
        report = self.drift(domain, recent=recent) if self._has_cases(domain) else None
        specs = evaluate_alerts(
            now=now,
            drift=report,
            decisions=decisions,
            cases=decisions,
            policy_id=str(policy.id),
            policy_reviewed_at=policy.last_reviewed_at,
            policy_review_every_days=policy.review_every_days,
        )
        open_keys = {
            json.loads(r["details"] or "{}").get("key")
            for r in self.views.rows(
                "SELECT details FROM alerts WHERE acknowledged = 0 OR acknowledged IS NULL"
            )
        }
        fresh = [
            Alert.raise_(
                kind=spec.kind,
                severity=spec.severity,
                details={
                    **spec.details,
                    "key": spec.key,
                    "message": spec.message,
                    "domain": domain,
                },
                actor="docket/monitor",
                role="system",
            )
            for spec in specs
            if spec.key not in open_keys
        ]
        if fresh:
            self.log.save(*fresh)
        return self.alerts()

    def _has_cases(self, domain: str) -> bool:
        self.sync()
        return bool(
            self.views.rows(
                "SELECT 1 FROM cases WHERE domain = ? AND status != 'quarantined' LIMIT 1", [domain]
            )
        )

    def health(self, domain: str) -> HealthView:
        """Override rates, realized cost against the baseline, the model in use, alerts."""
        from assistant.monitoring.health import override_rates

        decisions = self.decision_rows(domain)
        rates = override_rates(decisions)
        champion, _ = self._deployed_models(domain)
        realized: dict[str, tuple[float, float, float]] = {}
        by_reason: dict[str, tuple[int, int, float]] = {}
        by_operator: dict[str, tuple[int, int, float]] = {}
        known = sum(1 for r in decisions if r["outcome"])
        if known:
            report = self.quality(domain, decisions=decisions)
            by_reason = {
                e.group: (e.helped, e.hurt, e.total_delta) for e in report.overrides_by_reason
            }
            by_operator = {
                e.group: (e.helped, e.hurt, e.total_delta) for e in report.overrides_by_operator
            }
            for label, summary in (
                ("operators", report.operators),
                ("model", report.model),
                ("baseline rules", report.baseline),
            ):
                if summary is not None:
                    realized[label] = (summary.mean.estimate, summary.mean.low, summary.mean.high)
        return HealthView(
            domain=domain,
            model_version=champion,
            decisions=len(decisions),
            override_rate=rates.overall.rate if decisions else None,
            overrides_by_reason={k: v.count for k, v in rates.by_reason.items()},
            override_rate_by_operator={k: v.rate for k, v in rates.by_operator.items()},
            outcomes_known=known,
            realized_cost=realized,
            alerts=self.alerts(),
            override_effect_by_reason=by_reason,
            override_effect_by_operator=by_operator,
        )


# --- row → view helpers ------------------------------------------------------------------------


def _unparseable(raw: Any) -> list[FieldProblem]:
    """The problem with a row the file reader could not parse (``cli.read_rows`` marks it)."""
    if not isinstance(raw, Mapping) or "__unparseable__" not in raw:
        return []
    why = raw.get("__error__")
    return [FieldProblem("line", f"not valid JSON ({why})" if why else "not a JSON object")]


def _request(
    pack: DomainPack,
    values: Mapping[str, Any],
    *,
    personal: Mapping[str, str],
    note: str | None,
    p_bad: float,
    action: str,
    expected_costs: Mapping[str, float],
    attributions: Mapping[str, float],
    ood: bool,
) -> Any:
    """What an explainer is asked: the case's model features and the decision's facts."""
    from assistant.explainers.base import ExplanationRequest

    features = {k: v for k, v in values.items() if k in pack.features}
    return ExplanationRequest(
        domain=pack.name,
        features=features,
        feature_descriptions={k: _label(pack.describe(k)) for k in features},
        p_bad=p_bad,
        recommended_action=action,
        expected_costs=dict(expected_costs),
        attributions=dict(attributions),
        ood=ood,
        personal=dict(personal),
        note=note,
        actions=list(pack.actions),
    )


def _when(text: str | None) -> datetime:
    return datetime.fromisoformat(text) if text else datetime.now(UTC)


def _label(description: str) -> str:
    """A field's name for prose: its description without allowed ranges or trailing detail.

    Ranges such as "(1-120)" are schema, not facts about the case, so an explanation must
    not repeat them (the output guardrails would rightly reject unexplained numbers).
    """
    first = re.split(r"[.;]", description, maxsplit=1)[0]
    without_numbers = re.sub(r"\s*\([^)]*\d[^)]*\)", "", first)
    return re.sub(r",?\s*[<>]=?\s*\d[\d.,]*$", "", without_numbers).strip() or description


def _evidence_line(found: Mapping[str, Any]) -> str:
    """One line of a model's evidence, for the terminal."""
    backtested = found.get("backtest")
    if isinstance(backtested, Mapping):
        low, high = backtested["cost_ci"]
        bt = f"backtest {backtested['cost_per_case']:.3f} [{low:.3f}, {high:.3f}] per case"
    else:
        bt = str(backtested)
    return (
        f"cv expected cost {found.get('cv_expected_cost', float('nan')):.3f}, "
        f"cv ROC AUC {found.get('cv_roc_auc', float('nan')):.3f}, {bt}"
    )


def _queue_row(r: Mapping[str, Any]) -> QueueRow:
    flags = frozenset(f for f in FLAGS if r.get(f))
    return QueueRow(
        case_id=r["case_id"],
        case_ref=r["case_ref"] or "",
        domain=r["domain"],
        status=r["status"],
        opened_at=_when(r["opened_at"]),
        p_bad=r["p_bad"],
        recommendation=r["recommendation"],
        expected_cost=r["expected_cost"],
        flags=flags,
        version=int(r["version"] or 0),
    )


def _timeline_entry(entry: Any) -> TimelineEntry:
    summary = ", ".join(f"{k}={_short(v)}" for k, v in entry.summary.items())
    return TimelineEntry(entry.at, entry.event, entry.actor, entry.role, summary)


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decision_view(decisions: list[dict[str, Any]]) -> DecisionView | None:
    if not decisions:
        return None
    last = decisions[-1]
    return DecisionView(
        kind=last.get("kind", ""),
        action=last.get("action"),
        reason_code=last.get("reason_code"),
        reason_text=last.get("reason_text"),
        by=last.get("by", ""),
        role=last.get("role", ""),
        at=_when(last.get("at")),
    )


def _backtest_view(arm: Any) -> BacktestView:
    return BacktestView(
        label=arm.label,
        n=arm.n,
        cost_per_case=float(arm.realised_cost.value),
        cost_ci=(float(arm.realised_cost.low), float(arm.realised_cost.high)),
        approval_rate=float(arm.approval_rate.value),
        escalation_rate=float(arm.escalation_rate.value),
    )


def _model_view(r: Mapping[str, Any], evals: Mapping[str, bool]) -> ModelView:
    card = json.loads(r["card"] or "{}")
    return ModelView(
        version=r["model_version"],
        domain=r["domain"],
        kind=str(card.get("kind", "")),
        status="champion" if r["champion"] else (r["status"] or "registered"),
        registered_at=_when(r["registered_at"]),
        registered_by=r["registered_by"] or "",
        metrics=dict(card.get("metrics", {})),
        card=card,
        evals=dict(evals),
    )


__all__ = ["DocketService", "ModelError"]
