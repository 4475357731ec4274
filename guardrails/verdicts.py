"""The one record every guardrail returns: which rule, what happened, why.

Verdicts are recorded as events on the case, so they are plain, JSON-serialisable
and never carry a personal value in ``detail`` (only field names, kinds and counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["pass", "redacted", "flagged", "blocked", "fallback"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "redacted", "flagged", "blocked", "fallback")


@dataclass(frozen=True, slots=True)
class Verdict:
    """``rule`` fired (or passed) with ``outcome``; ``detail`` says why, without personal data."""

    rule: str
    outcome: Outcome
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "outcome": self.outcome, "detail": self.detail}

    @property
    def failed(self) -> bool:
        """True when the verdict stops an explanation (``blocked`` or ``fallback``)."""
        return self.outcome in ("blocked", "fallback")
