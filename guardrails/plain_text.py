"""Plain text: what a name, a reference or a reason may contain.

Names of people, case references and reason text end up in audit trails, screens and
exports. Control characters can rewrite what a terminal shows (ANSI escapes, carriage
returns), bidirectional controls can make ``ana`` look like someone else or reverse a
reason (U+202E, "Trojan Source"), and zero-width characters make two names that look
the same differ. So they are refused at intake, not cleaned: a refused name is a clear
error the person can fix, a silently cleaned one is a second identity.

:func:`plain_text_problem` is pure and shared: the service checks operator names,
reason text (where ``\\n`` and ``\\t`` are allowed) and references with it.

Text that is *displayed or stored* rather than accepted at intake (an applicant's note,
an explainer's answer) is made inert instead: :func:`unsafe_kinds` names what it carries
(ANSI escapes, C0/C1 controls, bidi overrides, zero-width characters, Rich console
markup such as ``[bold green]APPROVE[/]``) and :func:`plain` removes or escapes all of it,
keeping newline and tab. Both are pure, idempotent and never raise.
"""

from __future__ import annotations

import re
import unicodedata

#: Names starting with this are Docket's own components (``docket/orchestrator``).
RESERVED_PREFIX = "docket/"

# Bidirectional embedding/override/isolate controls and marks, zero-width characters,
# word joiner and the other invisible formatting characters, the BOM.
_INVISIBLE = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d"
    "\u206e\u206f\ufeff\u180e\u00ad"
)
_FREE_TEXT_ALLOWED = frozenset("\n\t")


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name.lower()})" if name else "")


def plain_text_problem(text: str, *, free_text: bool = False) -> str | None:
    """Why ``text`` is not plain, in one phrase; None when it is.

    Refused: C0 and C1 control characters (except newline and tab when ``free_text``),
    bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C),
    zero-width and other invisible formatting characters (category Cf), unpaired
    surrogates and unassigned code points.
    """
    for index, ch in enumerate(text):
        if free_text and ch in _FREE_TEXT_ALLOWED:
            continue
        category = unicodedata.category(ch)
        if ch in _INVISIBLE or category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kind = (
                "a control character"
                if category == "Cc"
                else "an invisible or bidirectional formatting character"
            )
            return f"contains {kind} {_describe(ch)} at position {index + 1}"
    return None


def person_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a person; None when it can.

    A person's name must be non-empty, plain (no control, bidirectional or invisible
    characters, no line breaks) and must not claim a component's ``docket/`` name.
    """
    if not name.strip():
        return "must name the acting person"
    if name != name.strip():
        return "must not start or end with spaces"
    problem = plain_text_problem(name)
    if problem:
        return problem
    # NFKC folds look-alike forms (fullwidth "ｄocket/") onto the reserved spelling.
    if unicodedata.normalize("NFKC", name).casefold().startswith(RESERVED_PREFIX):
        return f"names starting with {RESERVED_PREFIX!r} are reserved for Docket's components"
    return None


# -- making displayed text inert ---------------------------------------------------------

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), and 2-char escapes.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, erase line, colours
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# C0 except \t and \n, DEL, C1.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u180e\U000e0000-\U000e007f]")
# Rich console markup: [bold], [red], [/], [/bold], [link=...], [on blue], [#ff0000] ...
_STYLE_WORD = (r"(?:bold|b|dim|d|italic|i|underline|u|strike|s|blink|blink2|reverse|r|conceal|"
               r"overline|o|frame|encircle|not|on|link|default|black|red|green|yellow|blue|"
               r"magenta|cyan|white|bright_\w+|grey\d*|gray\d*|color\(\d+\)|rgb\([\d, ]+\)|"
               r"#[0-9a-f]{3,6}|@\w+)")
_MARKUP = re.compile(rf"(?<!\\)\[/?\s*{_STYLE_WORD}(?:[ =][^\[\]\n]{{0,80}})?\]"
                     r"|(?<!\\)\[/\]", re.IGNORECASE)
# HTML is inert on a terminal and in the console, but an explainer has no reason to emit it.
HTML_MARKUP = re.compile(r"</?(?:b|i|u|s|em|strong|span|font|div|p|br|a|script|style|mark|blink)"
                   r"(?:\s[^<>]{0,120})?/?>", re.IGNORECASE)

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ansi_escape", _ANSI),
    ("control_character", _CONTROL),
    ("bidi_override", _BIDI),
    ("zero_width", _ZERO_WIDTH),
    ("console_markup", _MARKUP),
)


def unsafe_kinds(text: str) -> list[str]:
    """Which kinds of active content ``text`` carries (empty when it is plain)."""
    return [kind for kind, pattern in _KINDS if pattern.search(text)]


def plain(text: str) -> str:
    """``text`` made inert: escapes, controls, bidi and zero-width removed, markup escaped.

    Console markup is escaped (``[bold]`` -> ``\\[bold]``) rather than dropped, so the
    operator sees what was written without it taking effect; a carriage return becomes
    a newline so it cannot rewind the line being printed.
    """
    current = text
    for _ in range(4):  # removing one character can join the pieces of another sequence
        following = _ANSI.sub("", current).replace("\r\n", "\n").replace("\r", "\n")
        following = _CONTROL.sub("", following)
        following = _BIDI.sub("", _ZERO_WIDTH.sub("", following))
        if following == current:
            break
        current = following
    current = _MARKUP.sub(lambda m: "\\" + m.group(0), _unescaped(current))
    return current


def without_controls(text: str) -> str:
    """``text`` with escapes, controls, bidi and zero-width characters removed (for storing).

    Unlike :func:`plain`, console markup is left as written: it is escaped where the text
    is displayed, so the stored text stays what the person wrote, minus what cannot be seen.
    """
    current = text
    for _ in range(4):
        following = _ANSI.sub("", current).replace("\r\n", "\n").replace("\r", "\n")
        following = _BIDI.sub("", _ZERO_WIDTH.sub("", _CONTROL.sub("", following)))
        if following == current:
            break
        current = following
    return current


def is_plain(text: str) -> bool:
    return not unsafe_kinds(text)


def _unescaped(text: str) -> str:
    """Drop our own escapes first so :func:`plain` stays idempotent."""
    return re.sub(r"\\(\[)", r"\1", text)
