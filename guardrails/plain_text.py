"""Plain text: what a name, a reference or a reason may contain.

Names of people, case references and reason text end up in audit trails, screens and
exports. Control characters can rewrite what a terminal shows (ANSI escapes, carriage
returns), bidirectional controls can make ``ana`` look like someone else or reverse a
reason (U+202E, "Trojan Source"), and zero-width characters make two names that look
the same differ. So they are refused at intake, not cleaned: a refused name is a clear
error the person can fix, a silently cleaned one is a second identity.

:func:`plain_text_problem` is pure and shared: the service checks operator names,
reason text (where ``\\n`` and ``\\t`` are allowed) and references with it.
"""

from __future__ import annotations

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
