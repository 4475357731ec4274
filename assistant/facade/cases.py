"""Cases: intake, decisions, outcomes, explanations, and reading the queue, a case and its audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import chain, islice
from typing import Any

from assistant.domains import is_quantity_pack, pack_roles
from assistant.facade.base import Door
from assistant.usecases import (
    deciding,
    explaining,
    intake,
    quantity_intake,
    reading,
)
from assistant.views import (
    FIRST_PAGE,
    AlertView,
    AuditView,
    CaseDetail,
    Decision,
    DraftView,
    ExplanationView,
    IngestReport,
    QueuePage,
    QueueQuery,
    StatusView,
    VerdictView,
)


class CasesDoor(Door):
    # --- intake, decisions, explanations ------------------------------------------------------

    def open_case(self, domain: str, raw: Mapping[str, Any], *, case_ref: str | None = None) -> str:
        with self._ctx.in_pack_role(pack_roles(domain).deciding):  # opened by its operator
            if is_quantity_pack(domain):
                return intake.open_case(self._ctx, domain, raw, case_ref=case_ref,
                                        ingest_rows=quantity_intake.ingest)
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
        domain = self.file_domain(domain, head)
        stream = rows if head is rows else chain(head, rows)
        with self._ctx.in_pack_role(pack_roles(domain).deciding):  # opened by its operator
            if is_quantity_pack(domain):
                report = quantity_intake.ingest(self._ctx, domain, stream, progress=progress)
                return replace(report, domain=domain)
            return intake.ingest(self._ctx, domain, stream, progress=progress,
                                 keep_ids=keep_ids)

    def file_domain(self, domain: str | None, rows: Sequence[Mapping[str, Any]]) -> str:
        """The pack a file's ``rows`` are read as (``ingest`` and ``assess`` alike): ``domain``
        when the columns fit it; without one, the pack whose fields the columns hold. A
        file whose columns are another pack's, no pack's, or fit several packs alike is
        refused with one sentence (InputRejected; the last asks for ``--domain``)."""
        return intake.file_domain(self._ctx, domain, rows)

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
