"""Output guardrails: the explanation must be well-formed and faithful to the case.

An explanation is JSON matching :class:`ExplanationOutput`: a short ``summary``, the
``action`` it describes and ``claims`` (feature, value cited, direction of its effect).
:func:`check_output` parses it and checks, rule by rule:

- ``schema``: valid JSON object matching the schema (code fences tolerated);
- ``length``: summary <= ``MAX_SUMMARY_CHARS``, 1..``MAX_CLAIMS`` claims (0 allowed only
  when the case has no non-zero attribution);
- ``feature_exists``: every cited feature is a feature of the case;
- ``value_matches``: numbers within ``NUMERIC_REL_TOLERANCE`` (relative) or
  ``NUMERIC_ABS_TOLERANCE``; categories exactly (surrounding spaces ignored);
- ``direction_matches``: ``raises_risk`` iff the attribution is > 0, ``lowers_risk`` iff < 0;
- ``action_matches``: the action equals the recommended one;
- ``summary_numbers``: every number in the summary (other than small counts <= 10) is a
  number of the case: a numeric feature, a number inside a category, the probability
  (as 0.xx or %), or an expected cost;
- ``personal_data``: no declared personal value, e-mail, phone, IBAN or card number;
- ``placeholders``: only placeholders issued for this case, and none in claims.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guardrails.pii import PLACEHOLDER, contains_personal_data
from guardrails.verdicts import Verdict

MAX_SUMMARY_CHARS = 800
MAX_CLAIMS = 8
MAX_RAW_CHARS = 20_000
NUMERIC_REL_TOLERANCE = 0.01
NUMERIC_ABS_TOLERANCE = 0.005
PERCENT_ABS_TOLERANCE = 1.0  # "62%" for p_bad 0.617
SMALL_COUNT = 10

OUTPUT_RULES = ("schema", "length", "feature_exists", "value_matches", "direction_matches",
                "action_matches", "summary_numbers", "personal_data", "placeholders")

Direction = Literal["raises_risk", "lowers_risk"]
FeatureValue = str | float | int


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
class CaseFacts:
    """What an explanation may state: the case as the guardrails see it."""

    features: Mapping[str, FeatureValue]
    attributions: Mapping[str, float]
    recommended_action: str
    p_bad: float
    expected_costs: Mapping[str, float]
    personal_values: Collection[str] = ()
    placeholders: Collection[str] = ()


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
    verdicts.append(_check_summary_numbers(parsed, facts))
    verdicts.append(_check_personal(parsed, facts))
    verdicts.append(_check_placeholders(parsed, facts))
    return OutputCheck(parsed, tuple(verdicts))


def value_matches(claimed: FeatureValue, actual: FeatureValue) -> bool:
    """Numbers within tolerance; categories exactly (after stripping spaces)."""
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return isinstance(claimed, str) and claimed.strip() == str(actual).strip()
    number = _as_number(claimed)
    return number is not None and _close(number, float(actual))


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


def _check_summary_numbers(out: ExplanationOutput, facts: CaseFacts) -> Verdict:
    allowed = _case_numbers(facts)
    unsupported = []
    for match in _NUMBER.finditer(PLACEHOLDER.sub(" ", out.summary)):
        number = _as_number(match.group(0))
        if number is None or abs(number) <= SMALL_COUNT:
            continue
        is_percent = match.group(0).rstrip().endswith("%")
        if not any(_close(number, a) for a in allowed) and not (
            is_percent and abs(number - facts.p_bad * 100) <= PERCENT_ABS_TOLERANCE
        ):
            unsupported.append(match.group(0).strip())
    if unsupported:
        return Verdict("summary_numbers", "blocked",
                       f"numbers not in the case: {', '.join(unsupported[:5])}")
    return Verdict("summary_numbers", "pass")


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

_NUMBER = re.compile(
    r"(?<![\w.])[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|(?<![\w.])[-+]?\d+(?:\.\d+)?%?"
)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _json_body(raw: str) -> str:
    fenced = _FENCE.search(raw)
    if fenced:
        return fenced.group(1)
    start, end = raw.find("{"), raw.rfind("}")
    return raw[start:end + 1] if 0 <= start < end else raw


def _as_number(value: FeatureValue) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = re.match(r"\s*[-+]?\d[\d,]*(?:\.\d+)?", value)
        if not match:
            return None
        try:
            number = float(match.group(0).replace(",", ""))
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(NUMERIC_ABS_TOLERANCE, NUMERIC_REL_TOLERANCE * abs(b))


def _case_numbers(facts: CaseFacts) -> list[float]:
    numbers = [facts.p_bad, *map(float, facts.expected_costs.values())]
    for value in facts.features.values():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            numbers.append(float(value))
        else:
            numbers.extend(n for m in _NUMBER.finditer(value) if (n := _as_number(m.group(0)))
                           is not None)
    return numbers


def _all_text(out: ExplanationOutput) -> str:
    claims = " ".join(f"{c.feature} {c.value}" for c in out.claims)
    return f"{out.summary} {out.action} {claims}"


def _names(items: list[str]) -> str:
    shown = ", ".join(repr(i[:40]) for i in items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")
