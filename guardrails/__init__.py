"""Docket guardrails: pure functions around explanations (no I/O, no network).

Input: :func:`prepare_input` (placeholders for personal fields, redaction of the note,
prompt-injection scan), :func:`quote_note`. Output: :func:`check_output` against
:class:`CaseFacts`. Every check returns :class:`Verdict` records.
"""

from guardrails.facts import CaseFacts
from guardrails.injection import InjectionScan, NoteModel, quote_note, scan_note
from guardrails.inputs import PreparedInput, input_flags, prepare_input
from guardrails.output import (
    OUTPUT_RULES,
    Claim,
    ExplanationOutput,
    OutputCheck,
    check_output,
    direction_of,
    parse_output,
    value_matches,
)
from guardrails.pii import Pseudonyms, Redaction, iban_valid, luhn_valid, redact
from guardrails.plain_text import plain, unsafe_kinds
from guardrails.scoring import DetectionReport, evaluate_detector
from guardrails.verdicts import Verdict

__all__ = [
    "OUTPUT_RULES", "CaseFacts", "Claim", "DetectionReport", "ExplanationOutput",
    "InjectionScan", "NoteModel", "OutputCheck", "PreparedInput", "Pseudonyms", "Redaction",
    "Verdict",
    "check_output", "direction_of", "evaluate_detector", "iban_valid", "luhn_valid",
    "input_flags", "parse_output", "plain", "prepare_input", "quote_note", "redact", "scan_note",
    "unsafe_kinds", "value_matches",
]
