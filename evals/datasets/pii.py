"""Personal-data notes (``evals/datasets/pii/``): one personal value of one kind per note.

Built by ``scripts/build_pii_set.py`` with Faker: ``tuning.jsonl`` from the locales the
shipped name list was made from, ``heldout.jsonl`` from locales it never saw, with other
sentence templates. See ``pii/PROVENANCE.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from evals.datasets.files import DATASETS, read_jsonl

PII = DATASETS / "pii"
ROLES = ("tuning", "heldout")

# Titles, degrees and unit words are not personal data: "Dr." may stay when the name goes.
_NOT_PERSONAL = {"mr", "mrs", "ms", "miss", "dr", "prof", "dipl", "ing", "phd", "msc", "bsc",
                 "mag", "arch", "frau", "herr", "univ", "med", "mudr", "judr", "mgr", "bc",
                 "rndr", "suite", "flat", "apt", "piso"}


@dataclass(frozen=True)
class PersonalNote:
    id: str
    text: str
    kind: str  # PERSON, ADDRESS, BIRTH_DATE, NATIONAL_ID, EMAIL, PHONE
    value: str
    locale: str
    role: str  # tuning | heldout


def load_personal_notes(role: str) -> list[PersonalNote]:
    return [PersonalNote(str(r["id"]), r["text"], str(r["kind"]), str(r["value"]),
                         str(r.get("locale", "")), role)
            for r in read_jsonl(PII / f"{role}.jsonl")]


_DIGIT_WORDS = frozenset(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)
_NUMBER = re.compile(r"\d[\d .\-/]*\d|\d")
# Scripts written without spaces between words (Han, kana) or with particles attached to a
# name (Hangul): a word of theirs is found anywhere, not only between word boundaries.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def survives(value: str, text: str) -> bool:
    """Whether any part of ``value`` is still in ``text``.

    A part is a word of 3+ letters (titles and unit words aside), 3 digits in a row of one
    of its numbers (separators ignored), or, for a number spelled out in words, 4 of its
    words in a row.
    """
    # As a reader sees it: full-width letters folded, invisible characters dropped.
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    words = value.casefold().split()
    if words and set(words) <= _DIGIT_WORDS:
        return any(" ".join(words[i:i + 4]) in folded for i in range(len(words) - 3))
    letters = [w for w in re.findall(r"[^\W\d_]{3,}", value)
               if w.casefold() not in _NOT_PERSONAL]
    if any(w.casefold() in folded if _UNSPACED.search(w)
           else re.search(rf"(?<!\w){re.escape(w.casefold())}(?!\w)", folded) for w in letters):
        return True
    numbers = [re.sub(r"\D", "", m) for m in _NUMBER.findall(text)]
    for run in (re.sub(r"\D", "", m) for m in _NUMBER.findall(value)):
        chunks = [run[i:i + 3] for i in range(0, max(len(run) - 2, 0), 3)]
        if any(chunk in number for chunk in chunks for number in numbers):
            return True
    return False


__all__ = ["PII", "ROLES", "PersonalNote", "load_personal_notes", "survives"]
