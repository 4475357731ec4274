"""Recall of the personal-data redaction on ``evals/datasets/pii`` (per kind), and how
often ordinary notes lose text to it.

    python scripts/measure_pii.py [tuning|heldout] [-v]

A note counts as caught when no part of its personal value survives :func:`guardrails.redact`:
no word of 3+ letters of it and no run of 3+ of its digits is left in the redacted text.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.datasets.pii import survives  # noqa: E402
from guardrails import redact  # noqa: E402

PII = ROOT / "evals" / "datasets" / "pii"
NOTES = ROOT / "evals" / "datasets" / "redteam" / "sources"


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else "heldout"
    verbose = "-v" in sys.argv
    rows = [json.loads(line) for line in (PII / f"{role}.jsonl").open(encoding="utf-8")]
    caught, total = Counter(), Counter()
    for row in rows:
        text = redact(row["text"]).text
        total[row["kind"]] += 1
        if not survives(row["value"], text):
            caught[row["kind"]] += 1
        elif verbose:
            print("MISS", row["kind"], row["locale"], repr(row["text"]), "->", repr(text))
    for kind in sorted(total):
        print(f"{kind:12} {caught[kind]:3}/{total[kind]:3} = {caught[kind] / total[kind]:.1%}")
    print(f"{'all':12} {sum(caught.values()):3}/{sum(total.values()):3} = "
          f"{sum(caught.values()) / sum(total.values()):.1%}")
    benign_file = "heldout-notes.jsonl" if role == "heldout" else "tune-notes.jsonl"
    notes = [json.loads(line)["text"] for line in (NOTES / benign_file).open(encoding="utf-8")]
    changed = [n for n in notes if redact(n).changed]
    print(f"ordinary notes with something redacted ({benign_file}): {len(changed)}/{len(notes)}")
    if verbose:
        for note in changed:
            print("  ", repr(note), "->", repr(redact(note).text))


if __name__ == "__main__":
    main()
