"""Input guardrails: what may leave the machine, and in what form.

Declared personal fields become placeholders; personal data in the note is redacted
into the same placeholder table; the note is scanned for instruction-like text and, when
some is found, the case is flagged ("contains instruction-like text", with the reason)
and the note is not sent to the explainer (its influence removed). The operator still
sees the note, rendered inert: a flag is a reason to read it, not a verdict on the
applicant. The placeholder table stays local and restores values in the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from guardrails.injection import InjectionScan, NoteModel, scan_note
from guardrails.pii import Pseudonyms, pseudonymise_fields, redact
from guardrails.verdicts import Verdict

#: How a flagged note is described to the operator: a reason to read it, not a verdict.
FLAG_WORDING = "contains instruction-like text"


@dataclass(frozen=True, slots=True)
class PreparedInput:
    personal: dict[str, str]  # field -> placeholder
    note: str | None  # redacted note; None when absent or withheld
    scan: InjectionScan
    pseudonyms: Pseudonyms
    verdicts: tuple[Verdict, ...]

    @property
    def flags(self) -> tuple[Verdict, ...]:
        """Verdicts the operator must see on the case (flagged notes)."""
        return tuple(v for v in self.verdicts if v.outcome == "flagged")


def prepare_input(
    personal: Mapping[str, str], note: str | None, model: NoteModel | None = None
) -> PreparedInput:
    """Pseudonymise ``personal``, redact and scan ``note`` (rules, and ``model`` if given).

    Pure (the model is served outside guardrails and passed in); never raises.
    """
    pseudonyms = Pseudonyms()
    declared = {name: value for name, value in personal.items() if value and value.strip()}
    placeholders = pseudonymise_fields(personal, pseudonyms)
    verdicts = [
        Verdict("personal_fields", "redacted", f"fields: {', '.join(sorted(declared))}")
        if declared
        else Verdict("personal_fields", "pass", "no personal fields")
    ]
    if not note or not note.strip():
        return PreparedInput(placeholders, None, InjectionScan.clean(), pseudonyms,
                             (*verdicts, Verdict("prompt_injection", "pass", "no note")))
    scan = scan_note(note, model)
    redaction = redact(note, pseudonyms, declared)
    if redaction.changed:
        counts = ", ".join(f"{kind} x{n}" for kind, n in sorted(redaction.counts.items()))
        verdicts.append(Verdict("note_personal_data", "redacted", counts))
    else:
        verdicts.append(Verdict("note_personal_data", "pass"))
    if scan.flagged:
        verdicts.append(_flagged(scan))
        return PreparedInput(placeholders, None, scan, pseudonyms, tuple(verdicts))
    verdicts.append(Verdict("prompt_injection", "pass"))
    return PreparedInput(placeholders, redaction.text, scan, pseudonyms, tuple(verdicts))


def input_flags(note: str | None, model: NoteModel | None = None) -> tuple[Verdict, ...]:
    """What :func:`prepare_input` flags for ``note`` (its :attr:`PreparedInput.flags`), for
    any personal fields: only the note's scan ever flags (pseudonymising and redacting
    give ``redacted`` or ``pass``), so this scans alone, without redacting (a bulk ingest
    records the flags, nothing else; redaction was about a third of screening a note).
    Pure; never raises."""
    if not note or not note.strip():
        return ()
    scan = scan_note(note, model)
    return (_flagged(scan),) if scan.flagged else ()


def _flagged(scan: InjectionScan) -> Verdict:
    """The verdict on a note whose scan flagged it."""
    return Verdict("prompt_injection", "flagged",
                   f"{FLAG_WORDING} ({scan.detail}); the note is shown to the operator but "
                   "not sent to the explainer")  # fmt: skip
