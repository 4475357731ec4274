"""Output guardrails: the explanation must be well-formed and faithful to the case.

An explanation is JSON matching :class:`ExplanationOutput`: a short ``summary``, the
``action`` it describes and ``claims`` (feature, value cited, direction of its effect).
:func:`check_output` parses it and checks, rule by rule:

- ``schema``: valid JSON object matching the schema (code fences tolerated);
- ``length``: summary <= ``MAX_SUMMARY_CHARS``, 1..``MAX_CLAIMS`` claims (0 allowed only
  when the case has no non-zero attribution);
- ``feature_exists``: every cited feature is a feature of the case;
- ``value_matches``: numbers within ``NUMERIC_REL_TOLERANCE`` (relative) or
  ``NUMERIC_ABS_TOLERANCE``, written as a number and nothing else (``"36 (approve)"``
  fails); categories exactly (surrounding spaces ignored);
- ``direction_matches``: ``raises_risk`` iff the attribution is > 0, ``lowers_risk`` iff < 0;
- ``action_matches``: the action equals the recommended one;
- ``prose_*``: every sentence of the summary is checked against the case (numbers and
  number words, actions, direction words, judgement, markup, text copied from the note),
  see :mod:`guardrails.prose`;
- ``personal_data``: no declared personal value, e-mail, phone, IBAN or card number;
- ``placeholders``: only placeholders issued for this case, and none in claims.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guardrails.facts import BARE_NUMBER, CaseFacts, FeatureValue, as_number, close
from guardrails.pii import PLACEHOLDER, contains_personal_data
from guardrails.prose import PROSE_RULES, check_prose
from guardrails.verdicts import Verdict

MAX_SUMMARY_CHARS = 800
MAX_CLAIMS = 8
MAX_RAW_CHARS = 20_000

OUTPUT_RULES = ("schema", "length", "feature_exists", "value_matches", "direction_matches",
                "action_matches", *PROSE_RULES, "personal_data", "placeholders")

Direction = Literal["raises_risk", "lowers_risk"]


class Claim(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    feature: str = Field(max_length=200)
    value: str | float | int
    direction: Direction


class ExplanationOutput(BaseModel):
    """The structured answer an explainer must produce."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    summary: str
    action: str = Field(max_length=100)
    claims: list[Claim]


@dataclass(frozen=True, slots=True)
class OutputCheck:
    output: ExplanationOutput | None
    verdicts: tuple[Verdict, ...]

    @property
    def ok(self) -> bool:
        return self.output is not None and not any(v.failed for v in self.verdicts)

    @property
    def failures(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.failed)


def parse_output(raw: str) -> ExplanationOutput | str:
    """The validated output, or the reason it is not one. Never raises."""
    if len(raw) > MAX_RAW_CHARS:
        return f"answer of {len(raw)} characters exceeds {MAX_RAW_CHARS}"
    body = _json_body(raw)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return f"not JSON: {type(exc).__name__}"
    if not isinstance(data, dict):
        return f"JSON {type(data).__name__}, expected an object"
    try:
        return ExplanationOutput.model_validate(data)
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        where = ", ".join(".".join(map(str, e["loc"])) for e in errors[:3])
        return f"schema mismatch at {where}" if where else f"schema mismatch: {type(exc).__name__}"


def check_output(raw: str, facts: CaseFacts) -> OutputCheck:
    """Parse and check an explanation against the case; one verdict per rule. Never raises."""
    parsed = parse_output(raw)
    if isinstance(parsed, str):
        return OutputCheck(None, (Verdict("schema", "blocked", parsed),))
    verdicts = [Verdict("schema", "pass")]
    verdicts.append(_check_length(parsed, facts))
    verdicts.append(_check_features(parsed, facts))
    verdicts.append(_check_values(parsed, facts))
    verdicts.append(_check_directions(parsed, facts))
    verdicts.append(_check_action(parsed, facts))
    verdicts.extend(check_prose(parsed.summary, facts))
    verdicts.append(_check_personal(parsed, facts))
    verdicts.append(_check_placeholders(parsed, facts))
    return OutputCheck(parsed, tuple(verdicts))


def value_matches(claimed: FeatureValue, actual: FeatureValue) -> bool:
    """Numbers within tolerance, given as a number and nothing else; categories exactly
    (after stripping spaces)."""
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return isinstance(claimed, str) and claimed.strip() == str(actual).strip()
    if isinstance(claimed, str) and not BARE_NUMBER.fullmatch(claimed):
        return False
    number = as_number(claimed)
    return number is not None and close(number, float(actual))


def direction_of(attribution: float) -> Direction | None:
    if attribution > 0:
        return "raises_risk"
    if attribution < 0:
        return "lowers_risk"
    return None


# -- rules -------------------------------------------------------------------------------


def _check_length(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    if not out.summary.strip():
        return Verdict("length", "blocked", "empty summary")
    if len(out.summary) > MAX_SUMMARY_CHARS:
        return Verdict("length", "blocked", f"summary {len(out.summary)} > {MAX_SUMMARY_CHARS}")
    least = 1 if any(a != 0 for a in facts.attributions.values()) else 0
    if not least <= len(out.claims) <= MAX_CLAIMS:
        return Verdict("length", "blocked", f"{len(out.claims)} claims, need {least}..{MAX_CLAIMS}")
    return Verdict("length", "pass")


def _check_features(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    unknown = [c.feature for c in out.claims if c.feature not in facts.features]
    if unknown:
        return Verdict("feature_exists", "blocked", f"not in the case: {_names(unknown)}")
    return Verdict("feature_exists", "pass")


def _check_values(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    wrong = [
        c.feature
        for c in out.claims
        if c.feature in facts.features and not value_matches(c.value, facts.features[c.feature])
    ]
    if wrong:
        return Verdict("value_matches", "blocked", f"value differs from the case: {_names(wrong)}")
    return Verdict("value_matches", "pass")


def _check_directions(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    wrong = [
        c.feature
        for c in out.claims
        if c.feature in facts.features
        and direction_of(float(facts.attributions.get(c.feature, 0.0))) != c.direction
    ]
    if wrong:
        return Verdict("direction_matches", "blocked", f"direction contradicts the model: "
                       f"{_names(wrong)}")
    return Verdict("direction_matches", "pass")


def _check_action(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    if out.action.strip().lower() != facts.recommended_action.strip().lower():
        return Verdict("action_matches", "blocked",
                       f"describes {out.action[:40]!r}, recommended {facts.recommended_action!r}")
    return Verdict("action_matches", "pass")


def _check_personal(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    kinds = contains_personal_data(_all_text(out), facts.personal_values)
    if kinds:
        return Verdict("personal_data", "blocked", f"personal data in answer: {', '.join(kinds)}")
    return Verdict("personal_data", "pass")


def _check_placeholders(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    issued = set(facts.placeholders)
    unknown = sorted({m.group(0) for m in PLACEHOLDER.finditer(out.summary)} - issued)
    in_claims = [c.feature for c in out.claims
                 if PLACEHOLDER.search(c.feature) or PLACEHOLDER.search(str(c.value))]
    if unknown:
        return Verdict("placeholders", "blocked", f"unknown placeholders: {', '.join(unknown[:5])}")
    if in_claims:
        return Verdict("placeholders", "blocked", "placeholder cited as a claim")
    return Verdict("placeholders", "pass")


# -- helpers -----------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _json_body(raw: str) -> str:
    fenced = _FENCE.search(raw)
    if fenced:
        return fenced.group(1)
    start, end = raw.find("{"), raw.rfind("}")
    return raw[start:end + 1] if 0 <= start < end else raw


def _all_text(out: ExplanationOutput) -> str:
    claims = " ".join(f"{c.feature} {c.value}" for c in out.claims)
    return f"{out.summary} {out.action} {claims}"


def _names(items: list[str]) -> str:
    shown = ", ".join(repr(i[:40]) for i in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")
