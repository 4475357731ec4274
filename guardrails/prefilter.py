"""Literal prefilters: do not run a regular expression that cannot match.

Python's ``re`` steps through every position of the text for a case-insensitive pattern
that starts with ``\\b`` or an alternation (it can only skip ahead to a case-sensitive
literal prefix), so each of the screening rules costs tens of microseconds per note even
when the note holds none of its words. From each compiled pattern's parse tree this module
derives *needs*: a few literal strings, one of which occurs (case-folded) in every text the
pattern can match. A rule whose needs are all absent from the folded text is skipped;
checking a handful of substrings with ``str.__contains__`` costs well under a microsecond.

The derivation only ever forgets information, never invents a requirement: literals come
from literal characters, alternations give the union of their branches' needs, optional
or repeated-from-zero parts give nothing, and anything it does not understand gives
nothing (the pattern then always runs). Case folding (:func:`fold`) maps every character
to the same representative as any character ``re.IGNORECASE`` treats as equal to it, so a
needed literal is found in the folded text whenever the pattern matches, with or without
the flag. Verdicts are therefore those of running every pattern; tests compare the two
on every red-team and personal-data text and on generated text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

try:  # The parser behind ``re.compile`` (a private module since Python 3.11).
    from re import _compiler as _sre_compiler  # type: ignore[attr-defined]
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another interpreter: every pattern always runs
    _sre_parser = _sre_constants = _sre_compiler = None

# Largest set of literal strings tracked for one part of a pattern (alternations multiply).
_MAX_STRINGS = 64
_DIGITS = "0123456789"
# Most literal sets checked for one alternative (each one more set lookup per rule).
_MAX_CONJUNCTION = 3
# Least rarity (see _selectivity) of a literal set used beside an alternative's best one.
_MIN_EXTRA_RARITY = 1
# Needed strings are cut to this many characters: as selective in prose, cheaper to check.
_KEEP_CHARS = 16


def _fold_char(char: str) -> str:
    """One character's representative under ``re.IGNORECASE`` (simple case mappings).

    Lower-case, then (when both mappings are one character) upper- and lower-case again,
    so characters sharing an upper case ("ı" and "i", "ſ" and "s", "ς" and "σ") meet.
    Every decimal digit ("٣", "３") is its ASCII digit, so ``\\d`` can be a need.
    """
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    lower = char.lower()[:1] or char  # "İ".lower() is "i" + a combining dot: keep "i"
    upper = lower.upper()
    if len(upper) == 1:
        again = upper.lower()
        if len(again) == 1:
            return again
    return lower


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first use of each non-ASCII character."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """``text`` case-folded the way :data:`Gated.needs` are (same length as ``text``)."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLD)


#: Literal sets that must all be met (each by one member present); one such list per
#: top-level alternative of a pattern, any of which may be met.
Needs = tuple[tuple[frozenset[str], ...], ...]


@dataclass(frozen=True, slots=True)
class Gated:
    """A named pattern and the literals without which it cannot match (folded)."""

    name: str
    pattern: re.Pattern[str]
    needs: Needs | None  # None: no literal is certain, always run

    @classmethod
    def of(cls, name: str, pattern: re.Pattern[str]) -> Gated:
        return cls(name, pattern, needs_of(pattern))

    def may_match(self, present: frozenset[str]) -> bool:
        """False only when the pattern cannot match a text holding just ``present``."""
        if self.needs is None:
            return True
        for branch in self.needs:  # loops, not generators: this runs for every candidate
            for need in branch:
                if need.isdisjoint(present):
                    break
            else:
                return True
        return False

    def literals(self) -> set[str]:
        return {text for branch in self.needs or () for need in branch for text in need}

    def alternatives(self) -> tuple[Gated, ...]:
        """The pattern as one gated pattern per top-level alternative (with that
        alternative's needs), or as itself when it has one or they cannot be split.

        A text holds a match of the pattern exactly when it holds a match of one of its
        alternatives, so running only the alternatives whose literals are present finds
        the same verdict, and each search tries one alternative at each position instead
        of all of them."""
        split = _split(self.pattern)
        if self.needs is None or split is None or len(split) != len(self.needs):
            return (self,)
        return tuple(Gated(self.name, alternative, (branch,))
                     for alternative, branch in zip(split, self.needs, strict=True))


class RuleSet:
    """Named patterns, and one search for all their needed literals at once.

    Checking each needed literal with ``in`` costs a Python step per literal (hundreds
    per text); a single regular expression shaped as a trie of all of them, searched
    case-sensitively in the folded text, finds every position where one starts.
    """

    def __init__(self, rules: Iterable[tuple[str, re.Pattern[str]]]) -> None:
        # Everything below is built on first use, not at import: parsing every rule for its
        # literals and compiling the literal searches takes about 150 ms, which every
        # command importing the guardrails paid, though most never screen a note.
        self._named = tuple(rules)
        self._parts: _Gate | None = None

    @cached_property
    def rules(self) -> tuple[Gated, ...]:
        return tuple(Gated.of(name, pattern) for name, pattern in self._named)

    @cached_property
    def _literals(self) -> _LiteralFinder:
        return _LiteralFinder(text for rule in self.rules for text in rule.literals())

    @cached_property
    def _whole(self) -> _Gate:
        return _Gate(self.rules)

    def present(self, text: str) -> frozenset[str]:
        """The needed literals that occur in ``fold(text)``."""
        return self._literals.present(fold(text))

    def literals(self) -> set[str]:
        """Every literal some rule needs (folded): what :meth:`present` looks for."""
        return {text for rule in self.rules for text in rule.literals()}

    def runnable(self, text: str, present: frozenset[str] | None = None) -> list[Gated]:
        """The rules, in order, that may match ``text``: the others cannot (whole, for
        callers that read where each match is)."""
        return self._whole.open(self.present(text) if present is None else present)

    def parts_to_run(self, text: str, present: frozenset[str] | None = None) -> list[Gated]:
        """The rules' alternatives (:meth:`Gated.alternatives`), in order, that may match
        ``text``: the others cannot. For whether a rule fires, not where."""
        if self._parts is None:
            # What :meth:`fired` runs: each rule's top-level alternatives, in rule order.
            self._parts = _Gate(
                tuple(part for rule in self.rules for part in rule.alternatives()))
        return self._parts.open(self.present(text) if present is None else present)

    def fired(self, text: str, present: frozenset[str] | None = None) -> set[str]:
        """Names of the rules whose pattern is found in ``text``.

        Same result as searching with every pattern: an alternative of a pattern runs only
        when the literals it needs are ``present`` (found here when not given), and not at
        all once another pattern of the same name has fired.
        """
        names: set[str] = set()
        for rule in self.parts_to_run(text, present):
            if rule.name not in names and rule.pattern.search(text):
                names.add(rule.name)
        return names

    def fired_unfiltered(self, text: str) -> set[str]:
        """The same names found by running every pattern (the reference for tests)."""
        return {rule.name for rule in self.rules if rule.pattern.search(text)}


def rot13(text: str) -> str:
    """``codecs.encode(text, "rot13")``: each ASCII letter 13 places on, all else kept
    (for ASCII text by a byte table, several times faster than the codec's lookups)."""
    if text.isascii():
        return text.encode("ascii").translate(_ROT13_BYTES).decode("ascii")
    return codecs.encode(text, "rot13")


_ROT13_BYTES = codecs.encode("".join(map(chr, range(128))), "rot13").encode("ascii") \
    + bytes(range(128, 256))

#: Readings of an ASCII text that :class:`SharedSearch` can look into without making them:
#: each maps every substring of the text to one of the reading and back (an involution that
#: commutes with lower-casing ASCII), so a literal occurs in the folded reading exactly when
#: its own reading occurs in the folded text.
READINGS: dict[str, Callable[[str], str]] = {
    "as written": lambda text: text,
    "rot13": rot13,
    "reversed": lambda text: text[::-1],
}


class SharedSearch:
    """One literal search of an ASCII text for several rule sets, each in a reading of it.

    Each :meth:`RuleSet.present` is a regular-expression search stepping through every
    position of its text, and a note is searched in several readings (as written, rot13,
    backwards) by rule sets whose literals start with the same few letters: one search of the
    text for all of them, each rule set's literals put in its reading (:data:`READINGS`),
    costs about as much as one of those searches. Only for ASCII text: rot13 and reversal
    commute with :func:`fold` there (and a non-ASCII literal cannot occur in it).
    """

    def __init__(self, parts: Sequence[tuple[RuleSet, str]]) -> None:
        self._parts = tuple(parts)
        for _, reading in self._parts:
            if reading not in READINGS:
                raise ValueError(f"reading {reading!r} is not one of {', '.join(READINGS)}")

    @cached_property
    def _owners(self) -> dict[str, tuple[tuple[int, str], ...]]:
        """Each literal as it occurs in the text -> (part index, literal in its reading)."""
        owners: dict[str, list[tuple[int, str]]] = {}
        for index, (rules, reading) in enumerate(self._parts):
            turn = READINGS[reading]
            for literal in rules.literals():
                if literal.isascii():
                    owners.setdefault(turn(literal), []).append((index, literal))
        return {key: tuple(found) for key, found in owners.items()}

    @cached_property
    def _finder(self) -> _LiteralFinder:
        return _LiteralFinder(self._owners)

    def present(self, text: str) -> tuple[frozenset[str], ...]:
        """For each part, what its :meth:`RuleSet.present` gives for its reading of
        ``text`` (which must be ASCII)."""
        if not text.isascii():
            raise ValueError("a shared search reads ASCII text only")
        found: list[set[str]] = [set() for _ in self._parts]
        owners = self._owners
        for key in self._finder.present(text.lower()):
            for index, literal in owners[key]:
                found[index].add(literal)
        return tuple(map(frozenset, found))


class _Gate:
    """Gated patterns indexed by the literals they need first: a pattern none of whose
    first needs is present cannot match, and is not even looked at."""

    def __init__(self, patterns: tuple[Gated, ...]) -> None:
        self.patterns = patterns
        self._by_literal: dict[str, frozenset[int]] = {}
        for index, pattern in enumerate(patterns):
            for branch in pattern.needs or ():
                for text in branch[0]:
                    self._by_literal[text] = self._by_literal.get(text, frozenset()) | {index}
        self._always = frozenset(i for i, pattern in enumerate(patterns) if pattern.needs is None)

    def open(self, found: frozenset[str]) -> list[Gated]:
        """The patterns, in order, that may match a text holding the literals ``found``."""
        candidates = set(self._always)
        by_literal = self._by_literal
        for literal in found:
            if literal in by_literal:
                candidates |= by_literal[literal]
        return [pattern for index in sorted(candidates)
                if (pattern := self.patterns[index]).may_match(found)]


class _LiteralFinder:
    """Which of a fixed set of literal strings occur in a text."""

    def __init__(self, literals: Iterable[str]) -> None:
        self._trie: dict[str, Any] = {}
        for literal in set(literals):
            node = self._trie
            for char in literal:
                node = node.setdefault(char, {})
            node[""] = literal
        self._search = re.compile(_trie_pattern(self._trie)).search if self._trie else None
        # An ASCII folded text can hold only the ASCII literals (literals are folded too,
        # so one whose fold is ASCII, such as the Kelvin sign's "k", is among them): a
        # search with their trie alone has fewer first characters to try at each position
        # and finds the same longest literal wherever one starts.
        ascii_trie = _ascii_only(self._trie)
        self._ascii_search = (re.compile(_trie_pattern(ascii_trie)).search
                              if ascii_trie else None)
        self._prefixes: dict[str, frozenset[str]] = {}

    def present(self, folded: str) -> frozenset[str]:
        search = self._ascii_search if folded.isascii() else self._search
        if search is None:
            return frozenset()
        found: set[str] = set()
        position = 0
        while (match := search(folded, position)) is not None:
            # The trie gives the longest literal starting here; every other literal that
            # starts here is a prefix of it.
            found |= self._prefixes_of(match.group())
            position = match.start() + 1
        return frozenset(found)

    def _prefixes_of(self, literal: str) -> frozenset[str]:
        known = self._prefixes.get(literal)
        if known is None:
            members: set[str] = set()
            node = self._trie
            for char in literal:
                node = node[char]
                if "" in node:
                    members.add(node[""])
            known = self._prefixes[literal] = frozenset(members)
        return known


@lru_cache(maxsize=256)
def _split(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], ...] | None:
    """``pattern``'s top-level alternatives (as :func:`needs_of` sees them), each compiled
    alone with the pattern's flags; None when it cannot be split."""
    if _sre_parser is None or _sre_compiler is None:  # pragma: no cover
        return None
    try:
        tree = _sre_parser.parse(pattern.pattern, pattern.flags)
        alternatives = _alternatives(list(tree))
        if len(alternatives) < 2:
            return None
        return tuple(_sre_compiler.compile(_sre_parser.SubPattern(tree.state, items),
                                           pattern.flags) for items in alternatives)
    except Exception:  # noqa: BLE001  # pragma: no cover - an unknown parser: run it whole
        return None


def _ascii_only(node: dict[str, Any]) -> dict[str, Any]:
    """The trie of ``node``'s literals that are ASCII only (its empty branches dropped)."""
    kept: dict[str, Any] = {}
    for char, child in node.items():
        if not char:
            kept[char] = child
        elif char.isascii() and (sub := _ascii_only(child)):
            kept[char] = sub
    return kept


def _trie_pattern(node: dict[str, Any]) -> str:
    """A regular expression matching the longest literal of the trie at a position."""
    branches = [re.escape(char) + _trie_pattern(child)
                for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@lru_cache(maxsize=256)
def needs_of(pattern: re.Pattern[str]) -> Needs | None:
    """What every match of ``pattern`` contains, folded (None: nothing certain).

    One entry per top-level alternative: the (at most :data:`_MAX_CONJUNCTION`) most
    selective literal sets the alternative needs, each met by any one member.
    """
    if _sre_parser is None:  # pragma: no cover
        return None
    try:
        tree = list(_sre_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001  # pragma: no cover - an unknown parser: always run
        return None
    alternatives = _alternatives(tree)
    needs: list[tuple[frozenset[str], ...]] = []
    for items in alternatives:
        exact, candidates = _Parts.sequence(items)
        if exact is not None and "" not in exact:
            candidates = [exact]
        if not candidates:
            return None
        ranked = sorted({_shortest_form(c) for c in candidates}, key=_selectivity,
                        reverse=True)
        # The best set always; others only when no member is a lone letter or space (in
        # nearly every text: checking it would cost a finder step and skip nothing).
        extra = [need for need in ranked[1:] if _selectivity(need)[0] >= _MIN_EXTRA_RARITY]
        needs.append((ranked[0], *extra[:_MAX_CONJUNCTION - 1]))
    return tuple(needs)


def _alternatives(items: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]]:
    """A pattern's top-level alternatives (the parser moves a zero-width prefix common
    to all of them, such as ``\\b``, in front of the alternation)."""
    c = _sre_constants
    branches = [index for index, (op, _) in enumerate(items) if op is c.BRANCH]
    zero_width = all(op in (c.AT, c.ASSERT, c.ASSERT_NOT) for op, _ in items
                     if op is not c.BRANCH)
    if len(branches) != 1 or not zero_width:
        return [items]
    index = branches[0]
    return [[*items[:index], *branch, *items[index + 1:]] for branch in items[index][1][1]]


def _shortest_form(need: frozenset[str]) -> frozenset[str]:
    """The same condition with fewer, shorter strings (cheaper to check).

    A prefix of a needed string is needed too, and a string containing another member is
    redundant (the other is present whenever it is).
    """
    cut = sorted({text[:_KEEP_CHARS] for text in need}, key=len)
    kept: list[str] = []
    for text in cut:
        if not any(shorter in text for shorter in kept):
            kept.append(text)
    return frozenset(kept)


def _selectivity(need: frozenset[str]) -> tuple[int, float, int]:
    """How rarely ``need`` is met in prose, roughly: the shortest member's length (a lone
    digit counts as 3, a lone letter or space as 0), then the mean length, then fewer
    members. Only cost depends on it, never a verdict."""
    return (min(min(_rarity(text) for text in need), 6),
            min(sum(map(len, need)) / len(need), 6.0), -len(need))


def _rarity(text: str) -> int:
    if len(text) != 1:
        return len(text)
    if text.isdigit():
        return 3
    return 0 if text.isalpha() or text.isspace() else 1


@dataclass(frozen=True, slots=True)
class _Parts:
    """What is known of the texts a part of a pattern matches.

    ``exact``: the part matches exactly one of these strings (folded), when known;
    ``need``: every match contains one of these strings, when known.
    """

    exact: frozenset[str] | None
    need: frozenset[str] | None

    @staticmethod
    def nothing() -> _Parts:
        return _Parts(None, None)

    @staticmethod
    def strings(strings: Iterable[str]) -> _Parts:
        exact = frozenset(strings)
        return _Parts(exact, None if "" in exact else exact)

    @classmethod
    def of_sequence(cls, items: Sequence[tuple[Any, Any]]) -> _Parts:
        exact, candidates = cls.sequence(items)
        if exact is not None:
            return cls.strings(exact)
        return _Parts(None, max(candidates, key=_selectivity) if candidates else None)

    @classmethod
    def sequence(
        cls, items: Sequence[tuple[Any, Any]]
    ) -> tuple[frozenset[str] | None, list[frozenset[str]]]:
        """The strings a sequence matches when known, else the literal sets it needs."""
        candidates: list[frozenset[str]] = []
        run: set[str] | None = {""}  # the strings the literal run so far can be
        whole_exact = True

        def close(current: set[str] | None) -> None:
            if current and "" not in current:
                candidates.append(frozenset(current))

        for item in items:
            part = cls.of_node(item)
            if part.exact is not None and run is not None and \
                    len(run) * len(part.exact) <= _MAX_STRINGS:
                run = {head + tail for head in run for tail in part.exact}
                continue
            whole_exact = False
            close(run)
            if part.exact is not None:
                run = set(part.exact)
            else:
                run = {""}
                if part.need:
                    candidates.append(part.need)
        if whole_exact and run is not None:
            return frozenset(run), []
        close(run)
        return None, candidates

    @classmethod
    def of_node(cls, item: tuple[Any, Any]) -> _Parts:
        op, arg = item
        c = _sre_constants
        if op is c.LITERAL:
            return cls.strings([fold(chr(arg))])
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            return cls.strings([""])  # zero width: the text around it is contiguous
        if op is c.IN:
            return cls._char_class(arg)
        if op is c.SUBPATTERN:
            return cls.of_sequence(list(arg[-1]))
        if op is c.ATOMIC_GROUP:
            return cls.of_sequence(list(arg))
        if op is c.BRANCH:
            return cls._branch([cls.of_sequence(list(branch)) for branch in arg[1]])
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = arg
            part = cls.of_sequence(list(body))
            if low == 0:
                if high == 1 and part.exact is not None:
                    return cls.strings(part.exact | {""})
                return cls.nothing()
            if low == high == 1:
                return part
            return _Parts(None, part.need)
        return cls.nothing()  # any character, classes, back-references: nothing certain

    @classmethod
    def _char_class(cls, items: Sequence[tuple[Any, Any]]) -> _Parts:
        """A class of literal characters, small ranges and digits: its folded characters."""
        c = _sre_constants
        chars: set[str] = set()
        for kind, arg in items:
            if kind is c.LITERAL:
                chars.add(fold(chr(arg)))
            elif kind is c.RANGE and arg[1] - arg[0] < _MAX_STRINGS:
                chars |= {fold(chr(code)) for code in range(arg[0], arg[1] + 1)}
            elif kind is c.CATEGORY and arg is c.CATEGORY_DIGIT:
                chars |= set(_DIGITS)
            else:  # a negated class, \\w, \\s, a large range: nothing certain
                return cls.nothing()
        return cls.strings(chars) if len(chars) <= _MAX_STRINGS else cls.nothing()

    @classmethod
    def _branch(cls, parts: list[_Parts]) -> _Parts:
        if all(p.exact is not None for p in parts):
            union = frozenset().union(*(p.exact or () for p in parts))
            if len(union) <= _MAX_STRINGS:
                return cls.strings(union)
        needs = [p.need for p in parts]
        if any(need is None for need in needs):
            return cls.nothing()
        return _Parts(None, frozenset().union(*(need or () for need in needs)))
