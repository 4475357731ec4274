"""Personal data: placeholders for declared fields, detection and redaction in free text.

Declared personal fields (name, email, phone, IBAN...) never leave the machine: each
value is replaced by a placeholder such as ``«PERSON_1»`` and restored locally after
the answer. Free text (the applicant's note) is scanned for e-mail addresses, phone
numbers, IBANs (mod-97 checked), card numbers (Luhn checked) and the declared values,
which are replaced by placeholders from the same table.

Redaction is idempotent: text already redacted is returned unchanged, because existing
placeholders are never rescanned and redaction repeats until nothing new is found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from guardrails.names import find_names
from guardrails.pii_patterns import prose_personal_data
from guardrails.text import canonical

PLACEHOLDER = re.compile(r"«([A-Z][A-Z0-9_]{0,30}?)_(\d{1,4})»")

FIELD_KINDS = {"name": "PERSON", "full_name": "PERSON", "email": "EMAIL", "phone": "PHONE",
               "iban": "IBAN", "card": "CARD", "card_number": "CARD"}

_EMAIL = re.compile(r"[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}\b", re.IGNORECASE)
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# Characters e-mails, phone numbers and IBANs are written with, hidden as HTML entities or
# URL or backslash escapes ("ana&#64;example.com", "ana&commat;example.com", "+44&#32;7700
# 900123", "ana%40example.com", "ana\\u0040example.com"): a reader (or a model) reads them
# as the character, so the patterns must too. Only these are undone; other escapes ("Smith
# &amp; Sons", "%3C") stay as written, and a backslash escape only for punctuation (a
# Windows path "C:\\x64ata" keeps its letters).
_ENTITY = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|(\d{1,7}));?|&([a-zA-Z]{2,8});")
_NAMED = {"commat": "@", "period": ".", "plus": "+", "hyphen": "-", "dash": "-",
          "lowbar": "_", "lpar": "(", "rpar": ")", "nbsp": " ", "num": "#", "sol": "/"}
_PERCENT = re.compile(r"%(40|2[bBeE]|2[dD]|5[fF])")
_BACKSLASH = re.compile(r"\\(?:[xX]([0-9a-fA-F]{2})|[uU]([0-9a-fA-F]{4}))")
_CONTACT_PUNCT = frozenset("@.+-_()# /\u00a0")


def _entity_character(match: re.Match[str]) -> str:
    hex_code, decimal, name = match.groups()
    if name is not None:
        char = _NAMED.get(name.lower())
    else:
        code = int(hex_code, 16) if hex_code else int(decimal)
        char = chr(code) if code < 0x110000 else None
    if char is None or not (char.isalnum() or char in _CONTACT_PUNCT):
        return match.group(0)
    return char


def _backslash_character(match: re.Match[str]) -> str:
    char = chr(int(match.group(1) or match.group(2), 16))
    return char if char in _CONTACT_PUNCT and char != " " else match.group(0)


def reveal_contact_escapes(text: str) -> str:
    """``text`` with the escapes of letters, digits and the punctuation of contact details
    undone (entities and ``%NN``; ``\\xNN`` / ``\\uNNNN`` for punctuation only), to a fixed
    point, for an escape escaped again."""
    if "&" not in text and "%" not in text and "\\" not in text:
        return text
    current = text
    for _ in range(4):
        following = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)),
                                 _ENTITY.sub(_entity_character, current))
        following = _BACKSLASH.sub(_backslash_character, following)
        if following == current:
            break
        current = following
    return current


_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \-./()]{6,24}\d(?!\d)")
_YEARS = re.compile(r"^(?:(?:19|20)\d\d\W*)+$")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_MAX_PASSES = 8


@dataclass
class Pseudonyms:
    """The local table placeholder <-> personal value; it never leaves the process."""

    by_placeholder: dict[str, str] = field(default_factory=dict, repr=False)
    _by_key: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)

    def placeholder_for(self, kind: str, value: str) -> str:
        key = (kind, _comparable(kind, value))
        known = self._by_key.get(key)
        if known is not None:
            return known
        self._counts[kind] = self._counts.get(kind, 0) + 1
        placeholder = f"«{kind}_{self._counts[kind]}»"
        self._by_key[key] = placeholder
        self.by_placeholder[placeholder] = value
        return placeholder

    def restore(self, text: str) -> str:
        """Put the personal values back (locally, after the answer)."""
        return PLACEHOLDER.sub(lambda m: self.by_placeholder.get(m.group(0), m.group(0)), text)

    @property
    def values(self) -> list[str]:
        return list(self.by_placeholder.values())


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    counts: dict[str, int]  # kind -> number of spans replaced

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def field_kind(field_name: str) -> str:
    known = FIELD_KINDS.get(field_name.lower())
    return known or re.sub(r"[^A-Z0-9]", "_", field_name.upper())[:20].strip("_") or "FIELD"


def pseudonymise_fields(
    personal: Mapping[str, str], pseudonyms: Pseudonyms
) -> dict[str, str]:
    """Declared personal fields -> placeholders (empty values stay empty)."""
    return {
        name: pseudonyms.placeholder_for(field_kind(name), value) if value.strip() else ""
        for name, value in personal.items()
    }


def redact(
    text: str,
    pseudonyms: Pseudonyms | None = None,
    declared: Mapping[str, str] | None = None,
) -> Redaction:
    """Replace personal data in ``text`` by placeholders; never raises; idempotent."""
    table = pseudonyms if pseudonyms is not None else Pseudonyms()
    current = canonical(reveal_contact_escapes(text))
    counts: dict[str, int] = {}
    for _ in range(_MAX_PASSES):
        findings = find_personal_data(current, declared or {})
        if not findings:
            break
        pieces: list[str] = []
        last = 0
        for found in findings:
            pieces.append(current[last:found.start])
            pieces.append(table.placeholder_for(found.kind, current[found.start:found.end]))
            counts[found.kind] = counts.get(found.kind, 0) + 1
            last = found.end
        pieces.append(current[last:])
        current = "".join(pieces)
    return Redaction(current, counts)


def find_personal_data(
    text: str, declared: Mapping[str, str] | None = None, *, strict_names: bool = False
) -> list[Finding]:
    """Non-overlapping spans of personal data, in text order, outside existing placeholders.

    ``strict_names`` counts only names with a cue or a known given name followed by a
    capitalised word (for checking an answer, where a false alarm blocks a faithful one).
    """
    candidates: list[tuple[int, Finding]] = []
    for start, end in _free_segments(text):
        segment = text[start:end]
        for priority, finding in _candidates(segment, declared or {}, strict_names=strict_names):
            candidates.append(
                (priority, Finding(finding.kind, finding.start + start, finding.end + start))
            )
    chosen: list[Finding] = []
    for _, finding in sorted(candidates, key=lambda c: (c[0], c[1].start, -c[1].end)):
        if all(finding.end <= other.start or finding.start >= other.end for other in chosen):
            chosen.append(finding)
    return sorted(chosen, key=lambda f: f.start)


def contains_personal_data(text: str, declared_values: Iterable[str] = ()) -> list[str]:
    """Kinds of personal data visible in ``text`` (for output checks): detectors + values."""
    kinds = {f.kind for f in find_personal_data(reveal_contact_escapes(text),
                                                strict_names=True)}
    readable = canonical(text)
    folded = readable.casefold()
    for value in declared_values:
        probe = canonical(value).strip().casefold()
        value = canonical(value)
        if ((len(probe) >= 3 and probe in folded) or _name_echoed(readable, value)
                or _words_of_value_echoed(readable, value)):
            kinds.add("DECLARED")
    return sorted(kinds)


_PROPER_WORD = re.compile(r"(?<!\w)[^\W\d_a-z][^\W\d_]{3,}(?!\w)")


def _words_of_value_echoed(text: str, value: str) -> bool:
    """The words of a value holding digits echoed without them: "Bergstraße" of
    "Bergstraße 12", "Berlin" of "10115 Berlin" (capitalised words of four letters or more,
    as written or in capitals)."""
    if not any(ch.isdigit() for ch in value):
        return False
    return any(re.search(rf"(?<!\w)(?:{re.escape(word)}|{re.escape(word.upper())})(?!\w)", text)
               for word in _PROPER_WORD.findall(value))


_NAME_VALUE = re.compile(r"[^\W\d_][\w'’.\-]*(?:[\s,]+[^\W\d_][\w'’.\-]*)+")
_NAME_WINDOW = 40


def _name_echoed(text: str, value: str) -> bool:
    """A declared name (two or more words, no digits) echoed in another order or case.

    One of its words as written or in capitals ("J. Doe", "JANE"), as the input side
    redacts them; or two of its words in any case and order close together ("doe, jane").
    """
    if not _NAME_VALUE.fullmatch(value.strip()):
        return False
    tokens = {t for t in re.split(r"[\s,]+", value.strip()) if len(t) >= 3 and t[:1].isalpha()}
    for token in tokens:
        if re.search(rf"(?<!\w)(?:{re.escape(token)}|{re.escape(token.upper())})(?!\w)", text):
            return True
    places = sorted((m.start(), token.casefold()) for token in tokens
                    for m in re.finditer(rf"(?<!\w){re.escape(token)}(?!\w)", text,
                                         re.IGNORECASE))
    return any(b - a <= _NAME_WINDOW and first != second
               for (a, first), (b, second) in zip(places, places[1:], strict=False))


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check: length 15..34 and mod-97 of the rearranged digits equals 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def luhn_valid(candidate: str) -> bool:
    digits = [int(ch) for ch in candidate if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


# -- internals ---------------------------------------------------------------------------


def _comparable(kind: str, value: str) -> str:
    folded = canonical(value).strip().casefold()
    return re.sub(r"[\s\-./()]", "", folded) if kind in ("IBAN", "CARD", "PHONE") else folded


def _free_segments(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are not placeholders."""
    spans: list[tuple[int, int]] = []
    last = 0
    for match in PLACEHOLDER.finditer(text):
        spans.append((last, match.start()))
        last = match.end()
    spans.append((last, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _candidates(
    segment: str, declared: Mapping[str, str], *, strict_names: bool = False
) -> list[tuple[int, Finding]]:
    found: list[tuple[int, Finding]] = []
    for match in _EMAIL.finditer(segment):
        found.append((0, Finding("EMAIL", match.start(), match.end())))
    for match in _IBAN.finditer(segment):
        end = _valid_iban_end(segment, match.start(), match.end())
        if end is not None:
            found.append((1, Finding("IBAN", match.start(), end)))
    for match in _CARD.finditer(segment):
        if luhn_valid(match.group(0)):
            found.append((2, Finding("CARD", match.start(), match.end())))
    for name, value in declared.items():
        kind = field_kind(name)
        for start, end in _declared_spans(segment, value, whole_tokens=kind == "PERSON"):
            found.append((3, Finding(kind, start, end)))
    for kind, start, end in prose_personal_data(segment):
        found.append((3 if kind in ("EMAIL", "NATIONAL_ID", "BIRTH_DATE") else 5,
                      Finding(kind, start, end)))
    for match in _PHONE.finditer(segment):
        if _looks_like_phone(match.group(0)):
            found.append((4, Finding("PHONE", match.start(), match.end())))
    for start, end in find_names(segment, strict=strict_names):
        found.append((6, Finding("PERSON", start, end)))
    return found


def _valid_iban_end(segment: str, start: int, end: int) -> int | None:
    """The end of the longest valid IBAN starting at ``start`` within the match, if any."""
    candidate = segment[start:end]
    while len(candidate.replace(" ", "")) >= 15:
        if iban_valid(candidate):
            return start + len(candidate)
        candidate = candidate[:-1].rstrip()
    return None


# A decimal amount or ratio (1234.50, 0.851, 2.800,00): never part of a phone number.
_DECIMAL = re.compile(r"^\d{1,3}(?:[.,]\d{3})*[.,]\d{1,3}$|^\d+[.,]\d{1,2}$|^0[.,]\d+$")
# A dialling code in front ("(030) 901.820.44", "+49 (0)30 901.82.04"): groups after it
# written with dots are a phone number's, not an amount (an amount's brackets hold a year
# or a word, never a trunk zero).
_DIALLING_CODE = re.compile(r"^(?:\(0\d{1,5}\)|\+\d{1,3}\b)")


def _looks_like_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    if not 9 <= digits <= 15:
        return False
    stripped = candidate.strip()
    tokens = stripped.split()
    if (len(tokens) > 1 and not _DIALLING_CODE.match(stripped)
            and any(_DECIMAL.match(t.strip("()")) for t in tokens)):
        return False
    return not (_YEARS.match(stripped) or _DATE.match(stripped))


def _declared_spans(segment: str, value: str, *, whole_tokens: bool) -> list[tuple[int, int]]:
    probe = canonical(value).strip()
    if len(probe) < 3:
        return []
    patterns = [re.compile(r"\s+".join(map(re.escape, probe.split())), re.IGNORECASE)]
    if whole_tokens:
        tokens = [t for t in re.split(r"[\s,]+", probe) if len(t) >= 3 and t[:1].isalpha()]
        patterns += [re.compile(rf"(?<!\w){re.escape(t)}(?!\w)") for t in tokens]
        patterns += [re.compile(rf"(?<!\w){re.escape(t.upper())}(?!\w)") for t in tokens]
    return [(m.start(), m.end()) for p in patterns for m in p.finditer(segment)
            if m.end() > m.start()]
