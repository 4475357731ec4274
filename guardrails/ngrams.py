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
import operator
import re
import zlib
from collections import Counter
from itertools import repeat

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
    buckets, weights, norm = note_counts(text)
    return dict(zip(buckets, map(operator.truediv, weights, repeat(norm)), strict=True))


def note_counts(text: str) -> tuple[list[int], list[float], float]:
    """What :func:`note_features` divides: the buckets of ``text`` in the order first
    seen, their damped counts ``1 + log(count)`` and the norm of those (each weight is
    ``damped / norm``); empty lists and 0.0 for a text with no words. For a reader that
    divides them all at once (the detector fills its rows with numpy: the same IEEE
    divisions, so the same bits)."""
    words = _WORD.findall(normalised(text))
    if not words:
        return [], [], 0.0
    # The order buckets are first seen in fixes the order of the norm's sum: word, bigram,
    # character n-grams, word after word, as the model was trained with. They are listed in
    # that order and counted in one pass (Counter keeps first-seen order): the same counts
    # in the same order as counting each one as it comes, without a Python step per bucket.
    grams: list[int] = []
    append, extend = grams.append, grams.extend
    known = _WORD_CACHE.get
    previous = None
    for word in words:
        buckets = known(word) or _word_buckets(word)
        append(buckets[0])
        if previous is not None:
            append(_bucket("b:" + previous + " " + word))
        extend(buckets[1])
        previous = word
    counts = Counter(grams)
    # The same float operations in the same order as a plain loop, done by C iterators.
    weights = list(map(_WEIGHT.__getitem__, counts.values()))
    return list(counts), weights, math.sqrt(sum(map(operator.mul, weights, weights)))


class _Weights(dict[int, float]):
    """Count -> ``1 + log(count)``, computed once per count."""

    def __missing__(self, count: int) -> float:
        weight = self[count] = 1.0 + math.log(count)
        return weight


_WEIGHT = _Weights()


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & (DIMENSIONS - 1)


# Words recur from note to note: their buckets are hashed once (bounded, cleared when full).
_WORD_CACHE: dict[str, tuple[int, tuple[int, ...]]] = {}
_WORD_CACHE_SIZE = 50_000


def _word_buckets(word: str) -> tuple[int, tuple[int, ...]]:
    """The bucket of ``word`` itself, and those of its character n-grams (padded with
    spaces) in the order they are counted."""
    known = _WORD_CACHE.get(word)
    if known is None:
        padded = f" {word} "
        known = (_bucket("w:" + word), tuple(
            _bucket(padded[start:start + size])
            for size in _CHAR_SIZES for start in range(len(padded) - size + 1)))
        if len(_WORD_CACHE) >= _WORD_CACHE_SIZE:
            _WORD_CACHE.clear()
        _WORD_CACHE[word] = known
    return known
