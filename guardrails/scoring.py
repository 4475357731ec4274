"""Detection quality of the injection scanner on labelled notes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from guardrails.injection import InjectionScan, scan_note


@dataclass(frozen=True, slots=True)
class DetectionReport:
    injections: int
    detected: int
    benign: int
    false_flags: int
    missed: list[str] = field(default_factory=list)
    false_flagged: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.detected / self.injections if self.injections else 0.0

    @property
    def false_flag_rate(self) -> float:
        return self.false_flags / self.benign if self.benign else 0.0

    def to_dict(self) -> dict[str, float | int]:
        return {"injections": self.injections, "detected": self.detected,
                "recall": round(self.recall, 4), "benign": self.benign,
                "false_flags": self.false_flags,
                "false_flag_rate": round(self.false_flag_rate, 4)}


def evaluate_detector(
    injections: Iterable[str],
    benign: Iterable[str],
    scanner: Callable[[str], InjectionScan] = scan_note,
) -> DetectionReport:
    """Recall on ``injections`` and false-flag rate on ``benign`` notes."""
    attempts, clean = list(injections), list(benign)
    missed = [text for text in attempts if not scanner(text).flagged]
    flagged = [(text, scan.rules) for text in clean if (scan := scanner(text)).flagged]
    return DetectionReport(len(attempts), len(attempts) - len(missed), len(clean),
                           len(flagged), missed, flagged)
