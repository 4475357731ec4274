"""Hashed n-gram features of a note: the input of the learned instruction detector.

The learned detector (trained with scikit-learn, exported to ONNX, served by onnxruntime
in ``assistant/notes/``) sees a note as character 3- to 5-grams inside words and word 1-
and 2-grams, hashed into :data:`DIMENSIONS` buckets with CRC-32 (stable across runs and
machines, unlike ``hash``), counts damped with ``1 + log(count)`` and the vector scaled to
unit length. Characters make it robust to spelling, inflection and languages it saw
little of; words carry the phrasing. Training and serving both call
:func:`note_features`, so they cannot drift apart.

The text is first put in the canonical form the rules read (NFKC, invisible characters
removed, look-alike letters folded, markdown quoting removed) and lower-cased.
"""

from __future__ import annotations

import math
import re
import zlib

from guardrails.text import canonical, fold_homoglyphs, strip_markdown

#: Number of hash buckets (the model's input width).
DIMENSIONS = 1 << 14
_WORD = re.compile(r"\w+", re.UNICODE)
_CHAR_SIZES = (3, 4, 5)


def normalised(text: str) -> str:
    """The form the detector reads: canonical, folded, unquoted, lower-case."""
    return strip_markdown(fold_homoglyphs(canonical(text))).lower()


def note_features(text: str) -> dict[int, float]:
    """Bucket -> weight for ``text`` (unit L2 norm; empty for a text with no words)."""
    words = _WORD.findall(normalised(text))
    counts: dict[int, int] = {}

    def add(gram: str) -> None:
        bucket = zlib.crc32(gram.encode("utf-8")) & (DIMENSIONS - 1)
        counts[bucket] = counts.get(bucket, 0) + 1

    for index, word in enumerate(words):
        add("w:" + word)
        if index:
            add("b:" + words[index - 1] + " " + word)
        padded = f" {word} "
        for size in _CHAR_SIZES:
            for start in range(len(padded) - size + 1):
                add(padded[start:start + size])
    if not counts:
        return {}
    weights = {bucket: 1.0 + math.log(count) for bucket, count in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {bucket: w / norm for bucket, w in weights.items()}
