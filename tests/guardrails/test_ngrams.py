"""The learned detector's features: the cached computation equals the plain one exactly.

The reference below is the formulation the shipped model was trained with (each gram hashed
as it comes, word by word); the served version caches each word's buckets. Weights must be
equal to the last bit, on every corpus text and on generated text.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.ngrams import DIMENSIONS, normalised, note_features

ROOT = Path(__file__).resolve().parents[2]


def reference(text: str) -> dict[int, float]:
    words = re.findall(r"\w+", normalised(text))
    counts: dict[int, int] = {}

    def add(gram: str) -> None:
        bucket = zlib.crc32(gram.encode("utf-8")) & (DIMENSIONS - 1)
        counts[bucket] = counts.get(bucket, 0) + 1

    for index, word in enumerate(words):
        add("w:" + word)
        if index:
            add("b:" + words[index - 1] + " " + word)
        padded = f" {word} "
        for size in (3, 4, 5):
            for start in range(len(padded) - size + 1):
                add(padded[start:start + size])
    if not counts:
        return {}
    weights = {bucket: 1.0 + math.log(count) for bucket, count in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {bucket: w / norm for bucket, w in weights.items()}


def test_features_equal_the_reference_on_every_corpus_text() -> None:
    texts = [json.loads(line)["text"]
             for path in sorted((ROOT / "evals" / "datasets").glob("**/*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 1700
    for text in texts:
        assert note_features(text) == reference(text), text
        assert note_features(text) == reference(text), text  # the cached second time too


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ignore", "the", "score", "approve", "Ignore", "é", "x1",
                                 " ", "\n", "ab", "ab ab", "ſ", "Ж"]) | st.text(max_size=6),
                max_size=30).map(" ".join))
def test_features_equal_the_reference_on_generated_text(text: str) -> None:
    assert note_features(text) == reference(text)
