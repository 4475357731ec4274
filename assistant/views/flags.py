"""The queue's flags and filters, and text from outside made inert for display."""

from __future__ import annotations

from typing import Literal

from events.errors import FieldProblem, InputRejected
from guardrails.plain_text import plain

Flag = Literal["ood", "fallback", "guardrail", "injection", "escalated"]
FLAGS: tuple[Flag, ...] = ("ood", "fallback", "guardrail", "injection", "escalated")


def inert(text: str) -> str:
    """Text that came from outside, safe to print on a terminal or in the console.

    Terminal controls, ANSI escapes, bidi and zero-width characters are removed and
    console markup is escaped, so what is printed is what was written, taking no effect.
    """
    return plain(text)


#: The short badge each flag wears in the queue (and may be filtered by).
BADGES: dict[str, str] = {
    "ood": "OOD",
    "fallback": "FALLBACK",
    "guardrail": "GUARD",
    "injection": "INJ",
    "escalated": "ESC",
}

#: The queue's status filters: name -> the case statuses it shows. ``waiting`` (cases
#: awaiting a decision, open or escalated to a senior) is the default.
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "waiting": ("open", "escalated"),
    "open": ("open",),
    "escalated": ("escalated",),
    "decided": ("decided",),
    "all": ("open", "escalated", "decided"),
}


#: Why STALE, a badge the queue shows, cannot be filtered by (no index holds it: a store of a
#: million cases would be read whole for it).
STALE_IS_SHOWN = ("the queue marks STALE a waiting case recommended under an older policy "
                  "version, worked out as it is shown, so no filter can find it")
#: How to find the stale cases instead, in a list of the waiting cases oldest first: a policy
#: change applies to cases opened after it, so those recommended under an older version are
#: the ones opened before it.
STALE_COME_FIRST = ("a policy change applies to the cases opened after it, so the stale ones "
                    "come first, each marked STALE, down to the first case opened after the "
                    "policy changed (`docket policy` says when it did)")


def is_stale_word(text: str) -> bool:
    """Whether ``text`` names the STALE badge (which is shown, not filtered by)."""
    return text.strip().lower() == "stale"


def flag_named(text: str) -> str | None:
    """The flag a word names, by badge (``INJ``) or name (``injection``), any case; else None."""
    word = text.strip().lower()
    for flag, badge in BADGES.items():
        if word in (flag, badge.lower()):
            return flag
    return None


def parse_flag(text: str) -> str:
    """The flag ``text`` names. Raises InputRejected naming the known badges."""
    flag = flag_named(text)
    if flag is None:
        known = ", ".join(BADGES.values())
        if is_stale_word(text):  # a badge the queue shows, not a recorded flag
            raise InputRejected([FieldProblem(
                "flag", f"{text!r} is not a flag to filter by: {STALE_IS_SHOWN}; to find them, "
                "list the waiting cases oldest first (the default order of `docket cases` and "
                f"of the console's queue): {STALE_COME_FIRST} (the flags to filter by: {known})")])
        raise InputRejected([FieldProblem("flag", f"{text!r} is not a flag (one of {known})")])
    return flag


def split_filter(text: str) -> tuple[str, tuple[str, ...]]:
    """A filter typed in the console: words that are badges (``INJ OOD``) filter by flag,
    the rest searches references and recommendations. Returns (search, flags)."""
    words, flags = [], []
    for word in text.split():
        flag = flag_named(word)
        if flag is None:
            words.append(word)
        elif flag not in flags:
            flags.append(flag)
    return " ".join(words), tuple(flags)
