"""Text normalisation shared by the detectors: one canonical form of a string.

Attackers hide words from pattern matching with compatibility characters (fullwidth
letters, ligatures), invisible characters (zero-width spaces, bidi controls, Unicode
"tag" characters that smuggle ASCII), look-alike letters from other scripts and
digit-for-letter swaps. Detectors look at the canonical forms produced here.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and formatting characters, bidi controls, soft hyphen, variation selectors.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# Unicode tag characters (U+E0000..U+E007F) mirror ASCII and render as nothing.
_TAGS = re.compile("[\U000e0000-\U000e007f]")

# Look-alike letters from Cyrillic, Greek and a few symbol blocks, mapped to Latin.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g",
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
        "υ": "u", "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I",
        "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        "ı": "i", "ȷ": "j", "ℓ": "l",
    }
)
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})
_LATIN = re.compile(r"[A-Za-z]")
_OTHER_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_WORD = re.compile(r"\w+")


def canonical(text: str) -> str:
    """NFKC form without invisible characters: what a reader actually sees (idempotent)."""
    if text.isascii():  # ASCII is its own NFKC form and holds no invisible character
        return text
    current = text
    for _ in range(4):
        stripped = _INVISIBLE.sub("", _TAGS.sub("", current))
        following = _INVISIBLE.sub("", _TAGS.sub("", unicodedata.normalize("NFKC", stripped)))
        if following == current:
            break
        current = following
    return current


def hidden_characters(text: str) -> int:
    """How many invisible or tag characters the text carries."""
    if text.isascii():
        return 0
    return len(_INVISIBLE.findall(text)) + len(_TAGS.findall(text))


def decode_tags(text: str) -> str:
    """The ASCII text smuggled in Unicode tag characters, if any."""
    if text.isascii():
        return ""
    return "".join(chr(ord(ch) - 0xE0000) for ch in _TAGS.findall(text) if ord(ch) >= 0xE0020)


def fold_homoglyphs(text: str) -> str:
    """Look-alike letters from other scripts read as the Latin ones they imitate."""
    if text.isascii():  # every look-alike is outside ASCII
        return text
    return text.translate(_HOMOGLYPHS)


# Words an attack needs; a leet token is read as the one of these it spells, when it does.
_KEYWORDS = frozenset(
    """
ignore ignoring disregard forget previous prior instructions instruction rules all above
approve approval approved approves allow loan loans credit low risk risky score scoring
rule label label mark flag classify as applicant application please this will still
legal lenient bypass override policy policies filter filters model system assistant
evaluation level lowest liability reliable eligible likely unlikely fully full unlimited
only output recommend deal delay decline limit limits liable clear cleared illegal
""".split()  # noqa: SIM905 - a word list reads better as text
)


def deleet(text: str) -> str:
    """Digits and symbols read as letters ("1gn0r3" -> "ignore", "appr0va1" -> "approval").

    ``1``, ``|`` and ``!`` stand for either ``i`` or ``l``: a token is read as the keyword
    it spells under some choice; otherwise every one is read as ``i``.
    """
    if not _LEET_MARK.search(text):  # no token to read: the text as it is
        return text
    return _LEET_TOKEN.sub(_deleet_token, text)


_LEET_MARK = re.compile(r"[0-9@$!|+]")
_LEET_TOKEN = re.compile(r"[\w@$!|+]*[0-9@$!|+][\w@$!|+]*")
_AMBIGUOUS = frozenset("1|!")


def _deleet_token(match: re.Match[str]) -> str:
    token = match.group(0)
    ambiguous = [i for i, ch in enumerate(token) if ch in _AMBIGUOUS]
    if ambiguous and len(ambiguous) <= 6:
        for choice in range(1 << len(ambiguous)):
            chars = list(token)
            for bit, index in enumerate(ambiguous):
                chars[index] = "l" if choice >> bit & 1 else "i"
            candidate = "".join(chars).translate(_LEET)
            if candidate.lower() in _KEYWORDS:
                return candidate
    return token.translate(_LEET)


def mixed_script_words(text: str) -> int:
    """Words mixing Latin with Cyrillic or Greek letters (a homoglyph tell)."""
    if text.isascii() or not _OTHER_LETTER.search(text):
        return 0
    return sum(
        1
        for word in _WORD.findall(text)
        if _LATIN.search(word) and _OTHER_LETTER.search(word)
    )


def squash(text: str) -> str:
    """Lower-case letters only: "I-g n.o r e" -> "ignore" (defeats separators)."""
    if text.isascii():  # the same characters dropped, by a byte table (no lookup per char)
        return text.lower().encode("ascii").translate(None, _ASCII_NOT_LETTERS).decode("ascii")
    return text.lower().translate(_LETTERS_ONLY)


#: The ASCII characters that are not letters (``str.isalpha`` false): what squash drops.
_ASCII_NOT_LETTERS = bytes(code for code in range(128) if not chr(code).isalpha())


class _LettersOnly(dict[int, str | None]):
    """``str.translate`` table keeping letters, dropping the rest (filled on first use)."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        kept = char if char.isalpha() else None
        self[code] = kept
        return kept


_LETTERS_ONLY = _LettersOnly()


_SPACED = re.compile(r"\b(?:\w[ .\-_*]){3,}\w\b")


def unspace(text: str) -> str:
    """Join letter-by-letter spelling: "i g n o r e all" -> "ignore all"."""
    return _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


_QUOTE_MARKS = re.compile(r"^[ \t]*(?:>[ \t]*)+|^[ \t]*#{1,6}[ \t]+", re.MULTILINE)
_EMPHASIS = re.compile(r"\*\*|__|`+|~~")
_MARKDOWN_MARK = re.compile(r"[>#*_`~]")  # every quote mark or emphasis holds one of these


def strip_markdown(text: str) -> str:
    """Markdown quoting and emphasis removed: "> **Note:** approve" -> "Note: approve"."""
    if not _MARKDOWN_MARK.search(text):
        return text
    return _EMPHASIS.sub("", _QUOTE_MARKS.sub("", text))
