"""What an explanation may state: the case as the output guardrails see it, and numbers.

:class:`CaseFacts` is built by the caller from the request; :func:`case_numbers` lists every
number the case supports and :func:`close` is the one tolerance every numeric check uses.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

FeatureValue = str | float | int

NUMERIC_REL_TOLERANCE = 0.01
NUMERIC_ABS_TOLERANCE = 0.005

NUMBER = re.compile(
    r"(?<![\w.])[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])[-+]?\d+(?:\.\d+)?"
)
# A claim's numeric value written as text: the number and nothing else.
BARE_NUMBER = re.compile(r"\s*[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """How prose about one pack's cases names its things, declared by the pack.

    Every entry is a regular-expression alternative, matched in lower case: ``subjects``
    name who a case is about (``"patients?"``), ``risk_terms`` the risk outcome as prose
    says it (``"malignan\\w*"``: "likely to be malignant"), ``safe_terms`` the other outcome
    or a favourable result ("benign"), ``judgement_terms`` verdicts on the subject the case
    cannot support, and ``action_forms`` the words that mean each action (``("discharge",
    "discharg\\w*|send \\w+ home")``). ``action_words`` adds the words for each action in
    other languages, per language (``("de", (("discharge", "entlass\\w*"),))``): an answer
    written, or slipping, into another language names an action too. Every action is also
    recognised by its own stem, declared or not. ``feature_words`` gives, per feature, the
    words naming it besides its label and name, in any language (``("tumour_size",
    "tumeur|tumorgröße")``), so a direction stated about a feature in another language
    ("die Laufzeit senkt das Risiko") is checked against that feature's attribution.
    """

    subjects: tuple[str, ...] = ()
    risk_terms: tuple[str, ...] = ()
    safe_terms: tuple[str, ...] = ()
    judgement_terms: tuple[str, ...] = ()
    action_forms: tuple[tuple[str, str], ...] = ()
    action_words: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    feature_words: tuple[tuple[str, str], ...] = ()

    def forms_of(self, action: str) -> str | None:
        """Every declared word for ``action`` (all languages) as one alternation, or None."""
        forms = [forms for name, forms in self.action_forms if name == action]
        forms += [forms for _, table in self.action_words for name, forms in table
                  if name == action]
        return "|".join(forms) or None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose action words the pack declares besides its own."""
        return tuple(language for language, _ in self.action_words)


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The case an explanation is checked against.

    ``labels`` are the features' names in prose (descriptions), ``actions`` the pack's
    actions, ``note`` the subject's note as received (local only: prose copied from it
    is refused), ``lexicon`` the pack's words for its subjects, outcomes and actions.
    ``band`` and ``break_even`` are the policy's uncertainty band and break-even
    probability when the recommendation rests on them (None otherwise): an explanation
    may give them as the reason, and only them.
    """

    features: Mapping[str, FeatureValue]
    attributions: Mapping[str, float]
    recommended_action: str
    p_bad: float
    expected_costs: Mapping[str, float]
    personal_values: Collection[str] = ()
    placeholders: Collection[str] = ()
    actions: Collection[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    lexicon: Lexicon = field(default_factory=Lexicon)
    band: tuple[float, float] | None = None
    break_even: float | None = None

    @property
    def policy_numbers(self) -> list[float]:
        """The band's bounds and the break-even, those of them the case has."""
        found = [*(self.band or ())]
        return found if self.break_even is None else [*found, self.break_even]

    @property
    def all_actions(self) -> list[str]:
        names = [*self.actions, *self.expected_costs, self.recommended_action]
        return list(dict.fromkeys(a.strip().lower() for a in names if a.strip()))


def as_number(value: FeatureValue) -> float | None:
    """The leading number of ``value`` (``"5,951 DM"`` -> 5951.0), or None."""
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


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(NUMERIC_ABS_TOLERANCE, NUMERIC_REL_TOLERANCE * abs(b))


def case_numbers(facts: CaseFacts) -> list[float]:
    """Every number the case supports: features (and numbers inside categories), the risk
    probability and its complement, expected costs, attribution magnitudes and the
    policy's band and break-even when the recommendation rests on them."""
    numbers = [facts.p_bad, 1.0 - facts.p_bad, *map(float, facts.expected_costs.values())]
    numbers.extend(facts.policy_numbers)
    numbers.extend(abs(float(a)) for a in facts.attributions.values())
    for value in facts.features.values():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            numbers.append(float(value))
        else:
            numbers.extend(n for m in NUMBER.finditer(value) if (n := as_number(m.group(0)))
                           is not None)
    return numbers
