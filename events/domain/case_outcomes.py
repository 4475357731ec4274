"""What really happened, recorded later (possibly months later): a yes/no pack's outcome
label or a "how much" pack's realised number, once per case and never before the decision.
"""

from __future__ import annotations

import math
from datetime import datetime

from events.domain.case_reading import CaseReading
from events.domain.case_rules import DemandArgs, OutcomeArgs
from events.domain.common import check_identity, validate
from events.errors import ConflictError, FieldProblem, InputRejected


class CaseOutcomes(CaseReading):
    """The outcome commands of :class:`~events.domain.case.Case`."""

    def record_outcome(
        self, *, outcome: str, observed_at: datetime | str, source: str, actor: str, role: str
    ) -> None:
        """Record what really happened (possibly months later). Once per case."""
        check_identity(actor, role)
        self._require_live()
        if isinstance(observed_at, datetime):
            observed_at = observed_at.isoformat()
        a = validate(OutcomeArgs, outcome=outcome, observed_at=observed_at, source=source)
        labels = self.outcome_labels
        if labels is not None and a.outcome not in labels:
            raise InputRejected([FieldProblem("outcome", f"must be one of {', '.join(labels)}")])
        if self.outcome is not None:
            raise ConflictError(f"case {self.id} already has outcome {self.outcome!r}")
        self._check_after_decision(a.observed_at)
        self.trigger_event(
            self.OutcomeRecorded, **a.model_dump(), value=None, actor=actor, role=role
        )

    def _check_after_decision(self, observed_at: str) -> None:
        """Refuse an outcome observed before the decision it follows (one sentence)."""
        if self.decided_at is not None and (
            datetime.fromisoformat(observed_at) < datetime.fromisoformat(self.decided_at)
        ):
            raise InputRejected(
                [
                    FieldProblem(
                        "observed_at",
                        f"{observed_at} is before the decision it follows "
                        f"({self.decided_at}); an outcome cannot be observed before the decision",
                    )
                ]
            )

    def record_demand(
        self, *, value: float, observed_at: datetime | str, source: str, actor: str, role: str
    ) -> None:
        """Record the realised number of a "how much" case (e.g. demand). Once per case."""
        check_identity(actor, role)
        self._require_live()
        if isinstance(observed_at, datetime):
            observed_at = observed_at.isoformat()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InputRejected([FieldProblem("outcome", f"must be a number, got {value!r}")])
        if value < 0:
            raise InputRejected([FieldProblem("outcome", f"must not be negative, got {value:g}")])
        a = validate(DemandArgs, value=float(value), observed_at=observed_at, source=source)
        if self.outcome is not None:
            raise ConflictError(f"case {self.id} already has outcome {self.outcome!r}")
        self._check_after_decision(a.observed_at)
        self.trigger_event(
            self.OutcomeRecorded,
            outcome=f"{a.value:g}",
            observed_at=a.observed_at,
            source=a.source,
            value=a.value,
            actor=actor,
            role=role,
        )
