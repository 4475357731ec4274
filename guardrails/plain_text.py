"""Text from outside made inert: no terminal controls, no console markup.

Anything Docket renders or stores that came from outside (an applicant's note, an
explainer's answer, an operator's override reason or justification, a name or a case
reference) can carry characters that act on the terminal or the console instead of being
read: C0/C1 control characters (a carriage return followed by ``ESC [K`` erases the line
the operator was reading), ANSI escape sequences, bidirectional overrides that reorder
what is shown, zero-width characters that hide words, and Rich console markup such as
``[bold green]APPROVE[/]``.

:func:`unsafe_kinds` names what a text carries (for refusals); :func:`plain` returns the
text with all of it removed or neutralised (for display and storage). Newline and tab are
kept. Pure, idempotent, never raises.
"""

from __future__ import annotations

import re

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


def is_plain(text: str) -> bool:
    return not unsafe_kinds(text)


def _unescaped(text: str) -> str:
    """Drop our own escapes first so :func:`plain` stays idempotent."""
    return re.sub(r"\\(\[)", r"\1", text)
