"""Sentence-level checks of an explanation's free text against the case.

The structured part of an answer (action, claims) is checked field by field in
:mod:`guardrails.output`; the summary is prose, and prose can say what the fields do not.
Every sentence is read for:

- ``prose_markup``: terminal controls, ANSI escapes, bidi/zero-width characters, console
  or HTML markup (an answer that styles itself could paint over the real recommendation);
- ``prose_numbers``: every number, percentage, fraction ("one in twenty", "two thirds")
  and number word ("sixty-two percent") must be a number of the case: a feature value,
  p(bad) or its complement, an expected cost, the policy's band and break-even when the
  recommendation rests on them; a number given as the break-even or the band must be that
  one ("break-even 0.153" is refused when 0.153 is p(bad)). Small counts are allowed only
  as counts ("three factors"); comparisons ("more than half") must be true and close;
- ``prose_actions``: every mention of an action (and the synonyms the pack declares in its
  :class:`~guardrails.facts.Lexicon`) is the recommended one, or is explicitly set
  aside ("rather than approve"), or is read off the cost table ("approve 3.08"); the
  recommended action is never negated;
- ``prose_directions``: "raises/lowers the risk", "counts against", "in their favour"
  attached to a feature must agree with the sign of its attribution;
- ``prose_judgement``: judgement or persuasion the case cannot support ("trustworthy",
  "verified by compliance", "definitely", "low risk" at p(bad) 0.83);
- ``prose_note_copy``: five or more consecutive words copied from the subject's note.

The pack's lexicon says how its people name the risk outcome, the other outcome, the
subject and each action, so a biopsy pack's "unlikely to be malignant" is read as a
credit pack's "unlikely to default"; what is generic (risk, probability, chance) needs no
declaration.

What is not recognised is not assumed true: a sentence passes only because nothing in it
contradicts the case, which is why the lexicons lean towards refusing (a refusal costs a
template explanation, never a decision).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from guardrails import risk_words
from guardrails.facts import NUMBER, CaseFacts, Lexicon, as_number, case_numbers, close
from guardrails.number_words import Reading, as_digits, comparisons, counted_nouns
from guardrails.pii import PLACEHOLDER
from guardrails.plain_text import HTML_MARKUP, unsafe_kinds
from guardrails.prefilter import RuleSet
from guardrails.risk_words import RiskWords
from guardrails.text import canonical, mixed_script_words, unspace
from guardrails.verdicts import Verdict

PROSE_RULES = ("prose_markup", "prose_numbers", "prose_actions", "prose_directions",
               "prose_judgement", "prose_note_copy")
PERCENT_TOLERANCE = 1.0  # percentage points: "62%" for p(bad) 0.617
RATIO_TOLERANCE = 0.05  # "three in five" for 0.617
COMPARISON_SLACK = 0.15  # "more than half" must be true and within this of p(bad)
SMALL_COUNT = 10
COPY_WORDS = 5
LOW_RISK_BELOW = 0.3
HIGH_RISK_FROM = 0.4


def check_prose(summary: str, facts: CaseFacts) -> list[Verdict]:
    """One verdict per rule in :data:`PROSE_RULES` for ``summary``. Never raises."""
    markup = unsafe_kinds(summary) + (["html_markup"] if HTML_MARKUP.search(summary) else [])
    if mixed_script_words(canonical(summary)):
        markup.append("look-alike letters (a word mixing Latin with Cyrillic or Greek)")
    text = _masked(canonical(summary), facts)
    found: dict[str, list[str]] = {rule: [] for rule in PROSE_RULES}
    found["prose_markup"] = markup
    mentions = _mention_patterns(facts)
    allowed = case_numbers(facts)
    languages = _languages(text.lower(), facts.lexicon)
    for index, sentence in enumerate(_sentences(text), start=1):
        lower = sentence.lower()
        for rule, problems in (
            ("prose_numbers", _numbers(lower, facts, allowed) + _cost_bindings(lower, facts)
             + _policy_bindings(lower, facts)),
            # Letter-spaced words ("a p p r o v e") are joined for the action check.
            ("prose_actions", _actions(unspace(lower), facts)),
            ("prose_directions", _directions(lower, facts, mentions, languages)),
            ("prose_judgement", _judgements(lower, facts, languages)),
        ):
            found[rule].extend(f"sentence {index}: {p}" for p in problems)
    found["prose_note_copy"] = _copied(summary, facts.note)
    return [  # one language's words may be another's too ("fiable"): each problem once
        Verdict(rule, "blocked", "; ".join(list(dict.fromkeys(problems))[:4])) if problems
        else Verdict(rule, "pass")
        for rule, problems in found.items()
    ]


# -- preparation ---------------------------------------------------------------------------

_VALUE_MARK = " VALUE "


def _masked(text: str, facts: CaseFacts) -> str:
    """Placeholders, category values and feature names are data, not claims in prose.

    A category value quoted exactly becomes ``VALUE``; a feature's label or name becomes
    ``featurerefN`` (its mention, see :func:`_mention_patterns`), so the digits and words
    inside labels ("coded 1-2", "repayment history") are not read as statements.
    """
    text = PLACEHOLDER.sub(" PERSON ", text)
    for alias, token in _aliases(facts):
        text = re.sub(rf"(?<!\w){re.escape(alias)}(?!\w)", token, text, flags=re.IGNORECASE)
    return text


def _aliases(facts: CaseFacts) -> list[tuple[str, str]]:
    aliases: dict[str, str] = {}
    for index, feature in enumerate(facts.features):
        for name in (facts.labels.get(feature, ""), feature, feature.replace("_", " ")):
            if len(name.strip()) >= 3:
                aliases.setdefault(name.strip().lower(), f" featureref{index} ")
    for value in facts.features.values():
        if isinstance(value, str) and len(value.strip()) >= 2:
            aliases.setdefault(value.strip().lower(), _VALUE_MARK)
    return sorted(aliases.items(), key=lambda item: len(item[0]), reverse=True)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;:])\s+|\n+", text) if s.strip()]


# -- numbers -------------------------------------------------------------------------------

_FRACTION = re.compile(
    r"(?<![\w.,])(\d+(?:\.\d+)?)\s*(?:in|out of|of every|/)\s*(\d{1,3}(?:,\d{3})+|\d+)(?!\d|\.\d)")
_PERCENT = re.compile(
    r"(?<![\w.,])([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?)\s*"
    r"(?:%|percent\b|per ?cent\b|pct\b|percentage points?\b)")
_MORE_ELSEWHERE, _LESS_ELSEWHERE = comparisons()
_MORE = re.compile(r"(?:more than|over|above|at least|upwards of|in excess of|exceeds?|"
                   rf"{_MORE_ELSEWHERE})\s*$")
_LESS = re.compile(r"(?:less than|fewer than|under|below|at most|up to|no more than|"
                   rf"{_LESS_ELSEWHERE})\s*$")
_COUNTED = re.compile(
    r"\s+(?:[a-z]+\s+){0,2}?(?:factors?|features?|reasons?|points?|claims?|things|drivers?|"
    r"items?|aspects?|signals?|variables?|inputs?|of the|of them|of these|"
    rf"{counted_nouns()})\b")


def _numbers(sentence: str, facts: CaseFacts, allowed: list[float]) -> list[str]:
    text, readings = as_digits(sentence)
    problems: list[str] = []
    rates = [facts.p_bad, 1.0 - facts.p_bad]
    percent_features = [float(v) for f, v in facts.features.items()
                        if isinstance(v, int | float) and not isinstance(v, bool)
                        and re.search(r"percent|rate|ratio", f + facts.labels.get(f, ""), re.I)]

    def consume(pattern: re.Pattern[str], source: str) -> Iterator[tuple[re.Match[str], str]]:
        for match in pattern.finditer(source):
            yield match, source[:match.start()]

    for match, before in consume(_FRACTION, text):
        num, den = as_number(match.group(1)), as_number(match.group(2))
        if num is None or not den:
            continue
        if not _rate_ok(num / den, rates, before):
            problems.append(f"{match.group(0)!r} is not the case's probability")
    text = _FRACTION.sub(" ", text)
    for match, before in consume(_PERCENT, text):
        value = as_number(match.group(1).replace(",", ""))
        if value is None:
            continue
        if not (_rate_ok(value / 100, rates, before, PERCENT_TOLERANCE / 100)
                or any(close(value, p) for p in percent_features)
                or any(close(value / 100, p) for p in facts.policy_numbers)):
            problems.append(f"{match.group(0).strip()!r} is not a percentage of the case")
    text = _PERCENT.sub(" ", text)
    for match in NUMBER.finditer(text):
        value = as_number(match.group(0))
        if value is None or any(close(reading, a) for reading in _readings(match.group(0), value)
                                for a in allowed):
            continue
        if value.is_integer() and 0 <= value <= SMALL_COUNT and _COUNTED.match(
                text, match.end()):
            continue
        problems.append(f"{match.group(0)!r} is not a number of the case")
    return [_as_written(problem, readings) for problem in problems]


# "5.951" and "3,085": one separator before three digits is a decimal point in English and
# a thousands separator in German, French, Spanish, Dutch, Italian and Portuguese (and the
# other way round for the comma). Either reading may be the case's number.
_ONE_GROUP = re.compile(r"[-+]?[1-9]\d{0,2}[.,]\d{3}")


def _readings(written: str, value: float) -> tuple[float, ...]:
    if not _ONE_GROUP.fullmatch(written):
        return (value,)
    swapped = written.translate(str.maketrans(",.", ".,")).replace(",", "")
    return (value, float(swapped))


def _as_written(problem: str, readings: list[Reading]) -> str:
    """The reason names the phrase as the answer wrote it ("'1 in 20' (written 'un sur
    vingt')"), not only the digits it was read as."""
    quoted = re.match(r"'([^']*)'", problem)
    written = [r.written for r in readings if quoted and re.search(
        rf"(?<![\d.]){re.escape(r.digits)}(?![\d.])", quoted.group(1))]
    return f"{problem} (written {written[0]!r})" if written else problem


def _rate_ok(value: float, rates: list[float], before: str,
             tolerance: float = RATIO_TOLERANCE) -> bool:
    if any(abs(value - r) <= tolerance for r in rates):
        return True
    if _MORE.search(before):
        return any(r > value >= r - COMPARISON_SLACK for r in rates)
    if _LESS.search(before):
        return any(r < value <= r + COMPARISON_SLACK for r in rates)
    return False


_FIGURE = r"(\d+(?:\.\d+)?)(\s*%)?"
_BREAK_EVEN = re.compile(rf"break[- ]?even\b[^\d]{{0,30}}?{_FIGURE}")
_BAND = re.compile(rf"\bband\b[^\d]{{0,30}}?{_FIGURE}[^\d]{{1,12}}?{_FIGURE}")


def _policy_bindings(sentence: str, facts: CaseFacts) -> list[str]:
    """A number given as the break-even or as the band's bounds that is not the policy's:
    p(bad) or a band bound is a number of the case, but not its break-even."""
    if "even" not in sentence and "band" not in sentence:
        return []
    text, _ = as_digits(sentence)
    problems = []
    for match in _BREAK_EVEN.finditer(text):
        said = _share(match.group(1), match.group(2))
        if facts.break_even is None or not close(said, facts.break_even):
            problems.append(f"{match.group(0).strip()!r} is not the policy's break-even")
    for match in _BAND.finditer(text):
        bounds = (_share(match.group(1), match.group(2)), _share(match.group(3), match.group(4)))
        if facts.band is None or not all(any(close(b, own) for own in facts.band)
                                         for b in bounds):
            problems.append(f"{match.group(0).strip()!r} is not the policy's uncertainty band")
    return problems


def _share(number: str, percent: str | None) -> float:
    return float(number) / (100 if percent else 1)


# -- actions -------------------------------------------------------------------------------

# "not", "rather than" in the languages a pack's action words may come in (de, fr, es, nl,
# it, pt): an answer in them is refused if it negates the recommended action, and may set
# another one aside ("abzulehnen statt zu genehmigen").
_SET_ASIDE_ELSEWHERE = (r"nicht|kein\w*|nie|niemals|statt|anstatt|anstelle|ne|pas|jamais|"
                        r"plutôt que|au lieu de|nunca|en lugar de|en vez de|niet|geen|nooit|"
                        r"in plaats van|non|mai|invece di|anziché|piuttosto che|não|nao|"
                        r"em vez de|ao invés de")
_SET_ASIDE_BEFORE = re.compile(
    r"\b(?:not|never|no|n't|against|rather than|instead of|over|than|cheaper|costlier|"
    rf"avoid|avoids|without|neither|nor|versus|vs|{_SET_ASIDE_ELSEWHERE})\b[\w\s'-]{{0,16}}$")
_SET_ASIDE_AFTER = re.compile(
    r"^\w*\s+(?:is|would be|was|are)\s+(?:not\b|n't\b|never\b|costlier|more expensive|riskier|"
    r"worse|less)")


@functools.lru_cache(maxsize=64)
def _action_pattern(action: str, forms: str | None) -> re.Pattern[str]:
    """The words meaning ``action``: its stem and the pack's declared forms (all languages)."""
    stem = rf"{re.escape(action.rstrip('e'))}\w*"
    return re.compile(rf"\b(?:{stem}|{forms})" if forms else rf"\b(?:{stem})", re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _action_rules(actions: tuple[str, ...], lexicon: Lexicon) -> RuleSet:
    """One rule per action, run only when a literal its words need is in the sentence (a
    pack's words in seven languages make a long alternation that ``re`` cannot skip
    ahead in; see :mod:`guardrails.prefilter`)."""
    return RuleSet((action, _action_pattern(action, lexicon.forms_of(action)))
                   for action in actions)


def _actions(sentence: str, facts: CaseFacts) -> list[str]:
    problems: list[str] = []
    recommended = facts.recommended_action.strip().lower()
    costs = _costs(facts)
    for start, end, action, cost_after in _action_mentions(sentence, facts):
        said = sentence[start:end]
        before = sentence[max(0, start - 40):start]
        after = sentence[start:end + 40]
        set_aside = bool(_SET_ASIDE_BEFORE.search(before) or _SET_ASIDE_AFTER.search(after))
        if action == recommended:
            if set_aside:
                problems.append(f"sets aside the recommended action ({said!r})")
            continue
        own = costs.get(action)
        if set_aside or (own is not None and cost_after is not None and close(cost_after, own)):
            continue  # "rather than approve", or read off the cost table: "approve 3.08"
        problems.append(f"speaks for {said!r}, recommended {recommended!r}")
    return problems


def _cost_bindings(sentence: str, facts: CaseFacts) -> list[str]:
    """A number right after an action that is another action's expected cost, not its own
    ("approve 0.38" when 0.38 is decline's): each number is a number of the case, but the
    sentence gives it to the wrong action."""
    costs = _costs(facts)
    problems = []
    for start, end, action, number in _action_mentions(sentence, facts):
        if number is None or action not in costs or close(number, costs[action]):
            continue
        owners = [other for other, cost in costs.items() if other != action and close(number, cost)]
        if owners:
            problems.append(f"{sentence[start:end]!r} given {number:g}, the expected cost of "
                            f"{owners[0]!r} (its own is {costs[action]:g})")
    return problems


def _costs(facts: CaseFacts) -> dict[str, float]:
    return {a.strip().lower(): float(c) for a, c in facts.expected_costs.items()}


def _action_mentions(
    sentence: str, facts: CaseFacts
) -> list[tuple[int, int, str, float | None]]:
    """(start, end, action, the first number after it) of each mention of an action, in
    order; the number is looked for only up to the next mention (or 30 characters), so
    "approve 0.38, decline 3.08" gives approve 0.38, not 3.08."""
    rules = _action_rules(tuple(facts.all_actions), facts.lexicon)
    found = sorted((match.start(), match.end(), rule.name)
                   for rule in rules.runnable(sentence)
                   for match in rule.pattern.finditer(sentence))
    mentions = []
    for index, (start, end, action) in enumerate(found):
        stop = found[index + 1][0] if index + 1 < len(found) else len(sentence)
        first = NUMBER.search(sentence[end:min(stop, end + 30)])
        mentions.append((start, end, action, as_number(first.group(0)) if first else None))
    return mentions


# -- directions ----------------------------------------------------------------------------

_JUDGED = r"candidate|profile|bet|choice|person"
_JUDGED_AS = r"reliable|responsible|solid|strong|good|ideal|excellent|safe|model|great|decent"


@dataclass(frozen=True, slots=True)
class _LexiconPatterns:
    """One language's direction and judgement patterns (English: with the pack's words)."""

    direction: re.Pattern[str]
    passive_object: re.Pattern[str]
    good_object: re.Pattern[str]
    judgement: re.Pattern[str]
    low_level: re.Pattern[str]
    high_level: re.Pattern[str]
    negated: re.Pattern[str]


def _alternatives(*parts: str) -> str:
    return "|".join(p for p in parts if p)


@functools.lru_cache(maxsize=16)
def _lexicon_patterns(lexicon: Lexicon, words: RiskWords = risk_words.ENGLISH
                      ) -> _LexiconPatterns:
    """``words``' patterns; the pack's ``lexicon`` is in English, so it is added to the
    English ones only (the other languages are passed an empty one)."""
    risk = _alternatives(*lexicon.risk_terms)
    obj = rf"{words.object_prefix}(?:{_alternatives(words.objects, risk)})"
    judged = _alternatives(*lexicon.subjects, _JUDGED if words is risk_words.ENGLISH else "")
    # "unlikely to default", "likely to be malignant": the pack's risk words after "likely".
    likely = rf"likely to (?:be |turn out |go |become )?(?:{risk})\b" if risk else ""
    judged_as = rf"|(?:{_JUDGED_AS}) (?:{judged})" if judged else ""
    return _LexiconPatterns(
        direction=re.compile(
            rf"\b(?:(?P<rv>{words.raise_verbs})(?P<ro>\s+(?:\w+\s+){{0,3}}?{obj})?"
            rf"|(?P<lv>{words.lower_verbs})(?P<lo>\s+(?:\w+\s+){{0,3}}?{obj})?"
            rf"|(?P<rf>{words.raise_fixed})|(?P<lf>{words.lower_fixed}))\b"),
        passive_object=re.compile(rf"{obj}\s+(?:{words.passive})?\s*$"),
        good_object=re.compile(rf"\b(?:{_alternatives(words.good_objects, *lexicon.safe_terms)})"),
        judgement=re.compile(
            rf"\b(?:{_alternatives(*lexicon.judgement_terms, words.judgement)}{judged_as})\b"),
        low_level=re.compile(rf"\b(?:{words.low_level})\b" + (rf"|\bun{likely}" if likely else "")),
        high_level=re.compile(rf"\b(?:{words.high_level})\b" + (rf"|\b{likely}" if likely else "")),
        negated=re.compile(rf"(?:{words.negation})$"),
    )


@functools.cache
def _other_languages() -> RuleSet:
    """The other languages' patterns, each run only when a literal it needs is in the
    answer (see :mod:`guardrails.prefilter`): English-only prose does not pay for them."""
    rules = []
    for words in risk_words.OTHER_LANGUAGES:
        compiled = _lexicon_patterns(Lexicon(), words)
        rules += [(words.language, pattern) for pattern in (
            compiled.direction, compiled.judgement, compiled.low_level, compiled.high_level)]
    return RuleSet(rules)


def _languages(text: str, lexicon: Lexicon) -> list[_LexiconPatterns]:
    """English (with the pack's words) and every other language ``text`` may be using."""
    others = {rule.name for rule in _other_languages().runnable(text)}
    return [_lexicon_patterns(lexicon), *(
        _lexicon_patterns(Lexicon(), words) for words in risk_words.OTHER_LANGUAGES
        if words.language in others)]


def _words(text: str) -> list[str]:
    return text.split()


_STOP = frozenset(_words("in of the and to for at this that being provide existing number "
                         "status present since years year month months per by with other or "
                         "on as is dm"))


@dataclass(frozen=True, slots=True)
class _Event:
    at: int
    feature: str | None = None
    sign: int = 0


def _mention_patterns(facts: CaseFacts) -> dict[str, re.Pattern[str]]:
    """Per feature, one pattern for the ways prose names it: its label, its name, words of
    them no other feature of the case uses, and its value when no other feature has it."""
    words: dict[str, set[str]] = {}
    for feature in facts.features:
        text = f"{feature.replace('_', ' ')} {facts.labels.get(feature, '')}".lower()
        words[feature] = {w for w in re.findall(r"[a-z]+", text) if len(w) >= 3
                          and w not in _STOP}
    owners: dict[str, int] = {}
    for tokens in words.values():
        for token in tokens:
            owners[token] = owners.get(token, 0) + 1
    numeric: dict[float, list[str]] = {}
    for feature, value in facts.features.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 2:
            numeric.setdefault(float(value), []).append(feature)
    parts: dict[str, list[str]] = {}
    for index, (feature, tokens) in enumerate(words.items()):
        parts[feature] = [rf"\bfeatureref{index}\b"] + [
            rf"\b{re.escape(t)}s?\b" for t in sorted(tokens) if owners[t] == 1]
    for feature, forms in facts.lexicon.feature_words:  # its words in other languages
        if feature in parts:
            parts[feature].append(rf"(?<!\w)(?:{forms.lower()})(?!\w)")
    for value, features in numeric.items():
        if len(features) == 1 and value >= SMALL_COUNT:
            shown = {f"{value:,.0f}", f"{value:.0f}"} if value.is_integer() else {f"{value:g}"}
            parts[features[0]].append("(?P<num>" + "|".join(
                rf"(?<![\w.,]){re.escape(s)}(?![\d]|\.\d)" for s in shown) + ")")
    return {feature: re.compile("|".join(p)) for feature, p in parts.items() if p}


_NAMED_JUST_BEFORE = re.compile(r"featureref\d+\s*(?:=|:|of|is|at)?\s*$")


def _directions(sentence: str, facts: CaseFacts, mentions: dict[str, re.Pattern[str]],
                languages: list[_LexiconPatterns]) -> list[str]:
    events: list[_Event] = []
    for feature, pattern in mentions.items():
        events += [_Event(m.start(), feature=feature) for m in pattern.finditer(sentence)
                   # a value right after another feature's name is that feature's value
                   if not (m.groupdict().get("num")
                           and _NAMED_JUST_BEFORE.search(sentence[:m.start()]))]
    for words in languages:
        for match in words.direction.finditer(sentence):
            sign = _sign(match, sentence, words)
            if sign:
                events.append(_Event(match.start(), sign=sign))
    events.sort(key=lambda e: (e.at, e.feature is None))
    pending: list[str] = []
    awaiting = 0
    stated: list[tuple[str, int]] = []
    for event in events:
        if event.feature is not None:
            if awaiting:
                stated.append((event.feature, awaiting))
                awaiting = 0
            elif event.feature not in pending and all(f != event.feature for f, _ in stated):
                pending.append(event.feature)
        elif pending:
            stated += [(f, event.sign) for f in pending]
            pending = []
        else:
            awaiting = event.sign
    problems = []
    for feature, sign in dict.fromkeys(stated):
        actual = float(facts.attributions.get(feature, 0.0))
        if sign * actual <= 0:
            said = "raises" if sign > 0 else "lowers"
            model = ("has no effect" if actual == 0 else
                     "raises the risk" if actual > 0 else "lowers the risk")
            problems.append(f"says {feature} {said} the risk; the model: it {model}")
    return problems


def _sign(match: re.Match[str], sentence: str, words: _LexiconPatterns) -> int:
    if match.group("rf"):
        return 1
    if match.group("lf"):
        return -1
    verb = match.group("rv") or match.group("lv") or ""
    if verb.startswith(("improv", "worsen")):  # good or bad whatever the object
        return -1 if verb.startswith("improv") else 1
    verb_sign = 1 if match.group("rv") else -1
    obj = match.group("ro") or match.group("lo")
    passive = words.passive_object.search(sentence[:match.start()])
    if not obj and not passive:
        return 0  # "a lower amount": an adjective, not a statement about the risk
    of_phrase = re.match(r"\s+of\s+(?:\w+\s+){0,2}?\w+", sentence[match.end():]) if obj else None
    following = of_phrase.group(0) if of_phrase else ""
    if (obj and words.good_object.search(obj + following)) or (
            passive and words.good_object.search(passive.group(0))):
        return -verb_sign
    return verb_sign


# -- judgement -----------------------------------------------------------------------------

# Reasons about a person that only a feature of the case could support: each pattern with
# the words a feature's name, label or value must contain for the case to hold it.
_REASONS_NEEDING_A_FEATURE: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(said), re.compile(held)) for said, held in (
        (r"\b(?:nationality|citizenship|ethnic\w*|race|racial|religio\w*|gender|sex|sexual "
         r"orientation|pregnan\w*|disabilit\w*|skin colou?r)\b",
         r"national|citizen|ethnic|race|religio|gender|sex|pregnan|disab|foreign"),
        (r"\b(?:bankrupt\w*|insolven\w*|missed (?:\w+ )?(?:payments?|instal+ments?)|arrears|"
         r"late payments?|criminal (?:record|history)|convict\w*|collections? agenc\w*)",
         r"histor|payment|delay|arrear|bankrupt|insolven|criminal|default"),
        (r"\b(?:income|salary|salaries|earnings|wages?|net worth|savings)\b",
         r"income|salar|earn|wage|worth|saving"),
        (r"\b(?:unemploy\w*|changes? (?:jobs|employers)|job[- ]hopp\w*|employment "
         r"(?:history|record|gaps?))",
         r"employ|job|occupation|work"),
    )
)


def _unsupported_reasons(sentence: str, facts: CaseFacts) -> list[str]:
    """Reasons about the person (a protected characteristic, a credit or criminal record,
    income, employment) that no feature of the case is about: invented, or not the case's."""
    held = " ".join([*facts.features, *facts.labels.values(),
                     *(v for v in facts.features.values() if isinstance(v, str))]).lower()
    return [f"a reason the case does not hold: {m.group(0)!r}"
            for said, needs in _REASONS_NEEDING_A_FEATURE if not needs.search(held)
            for m in said.finditer(sentence)]


def _judgements(sentence: str, facts: CaseFacts, languages: list[_LexiconPatterns]
                ) -> list[str]:
    problems: list[str] = _unsupported_reasons(sentence, facts)
    for words in languages:
        problems += [f"judgement the case cannot support: {m.group(0)!r}"
                     for m in words.judgement.finditer(sentence)]
        levels = ([words.low_level] if facts.p_bad >= LOW_RISK_BELOW else []) + (
            [words.high_level] if facts.p_bad < HIGH_RISK_FROM else [])
        problems += [f"{m.group(0)!r} at a risk probability of {facts.p_bad:.3f}"
                     for level in levels for m in level.finditer(sentence)
                     if not words.negated.search(sentence[:m.start()])]
    return problems


# -- copied from the note ------------------------------------------------------------------


def _copied(summary: str, note: str) -> list[str]:
    if not note.strip():
        return []

    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", PLACEHOLDER.sub(" ", canonical(text)).lower())
        return {tuple(words[i:i + COPY_WORDS]) for i in range(len(words) - COPY_WORDS + 1)}

    shared = shingles(summary) & shingles(note)
    if not shared:
        return []
    return [f"{len(shared)} run(s) of {COPY_WORDS}+ words copied from the note"]
