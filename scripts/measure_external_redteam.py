"""Figures of an external red-team set (``evals/datasets/redteam/external*/``), both halves.

    python scripts/measure_external_redteam.py [external|external2|external3|external4] [--json]

For each half (tune, heldout; a held-out-only set has just the one) and each screen (the
rules alone; the rules with the shipped learned detector): attacks caught (injection notes
flagged, personal values removed, hostile answers refused) and benign notes flagged, each
with n and a 95% Wilson interval, then the ids missed and the ids flagged although benign.
Scoring is
``tests/guardrails/external_redteam.py``'s (the test suite asserts the same figures).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.screening.detector import default_detector  # noqa: E402
from tests.guardrails.external_redteam import SETS, load, rates  # noqa: E402


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of ``hits`` out of ``n``."""
    if n == 0:
        return (0.0, 1.0)
    share = hits / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("set", nargs="?", default="external2", choices=sorted(SETS),
                        help="directory under evals/datasets/redteam (default external2)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    directory = SETS[args.set]
    model = default_detector()
    figures: list[dict[str, Any]] = []
    for split in ("tune", "heldout"):
        if not (directory / f"{split}.jsonl").exists():
            continue  # a set may be held out only (external3, external4: no tune half)
        rows = load(split, directory)
        for screen, detector in (("rules", None), ("rules + detector", model)):
            result = rates(rows, detector)
            low, high = wilson(result.detected, result.attacks)
            flow, fhigh = wilson(result.false_flags, result.benign)
            figures.append({
                "split": split, "screen": screen,
                "caught": [result.detected, result.attacks], "caught_ci95": [low, high],
                "per_kind": result.per_kind,
                "benign_flagged": [result.false_flags, result.benign],
                "benign_ci95": [flow, fhigh],
                "missed": result.missed, "false_flagged": result.false_flagged})
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    for f in figures:
        (hit, n), (bad, m) = f["caught"], f["benign_flagged"]
        kinds = ", ".join(f"{k} {g}/{t}" for k, (g, t) in f["per_kind"].items())
        print(f"{f['split']:8} {f['screen']:17} caught {hit}/{n} = {hit / n:.3f} "
              f"[{f['caught_ci95'][0]:.2f}, {f['caught_ci95'][1]:.2f}] ({kinds}); "
              f"benign flagged {bad}/{m} [{f['benign_ci95'][0]:.2f}, {f['benign_ci95'][1]:.2f}]")
        print(f"{'':27}missed: {' '.join(f['missed']) or '-'}")
        print(f"{'':27}benign flagged: {' '.join(f['false_flagged']) or '-'}")


if __name__ == "__main__":
    main()
