"""A pack's words as screens and messages use them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WordsView:
    """How a pack's people speak about its cases, for screens and messages.

    ``case``/``cases`` (one case, several: "application", "scan"), ``subject`` (who a case
    is about), ``risk`` (the risk outcome in prose), ``probability`` (the score's label:
    "p(malignancy)"), ``per_case`` ("per scan"), ``note`` (the subject's free text) and
    ``senior`` (whom an escalation goes to, in the pack's word for the role: "a consultant").
    """

    case: str = "case"
    cases: str = "cases"
    subject: str = "subject"
    risk: str = "risk"
    probability: str = "p(risk)"
    per_case: str = "per case"
    note: str = "note"
    senior: str = "a senior reviewer"
