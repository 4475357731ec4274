"""Train the note detector on the red-team tuning sources, measure it on the held-out ones.

    python scripts/train_note_detector.py            # writes assistant/screening/note_detector.*
    python scripts/train_note_detector.py --report   # also rewrites the held-out report JSON
                                                     # (per role: heldout, public)

Reads ``evals/datasets/redteam/`` (the ``v1`` files and ``sources/*.jsonl``); which sources
tune and which are held out is fixed in ``sources/SOURCES.json`` and explained in
``PROVENANCE.md``. The held-out texts are never used to fit or to choose a threshold.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.screening.detector import CARD_FILE, MODEL_FILE  # noqa: E402
from assistant.screening.training import Labelled, build, cross_source_report  # noqa: E402
from guardrails import scan_note  # noqa: E402

REDTEAM = ROOT / "evals" / "datasets" / "redteam"
OUT = ROOT / "assistant" / "screening"
REPORT = REDTEAM / "heldout_report.json"


def load() -> tuple[list[Labelled], dict[str, list[Labelled]]]:
    roles = json.loads((REDTEAM / "sources" / "SOURCES.json").read_text(encoding="utf-8"))
    rows: list[Labelled] = []
    for name, injection in (("injections.jsonl", True), ("benign.jsonl", False)):
        for line in (REDTEAM / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            rows.append(Labelled(item["text"], injection, "v1", item.get("category", "")))
    for path in sorted((REDTEAM / "sources").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            rows.append(Labelled(item["text"], item["label"] == "injection", item["source"],
                                 item.get("category", "")))
    tuning = [r for r in rows if roles[r.source] == "tuning"]
    # Never fitted on: "heldout" (written for Docket) and "public" (written by others).
    scored = {role: [r for r in rows if roles[r.source] == role] for role in ("heldout", "public")}
    return tuning, scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="measure on the held-out sources")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tuning, scored = load()
    payload, card = build(tuning)
    (OUT / MODEL_FILE).write_bytes(payload)
    (OUT / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"model: {len(payload)} bytes, threshold {card['threshold']:.3f}")
    if args.report:
        # The rules alone (no model): what the rules contribute on the held-out sources.
        report = {role: cross_source_report(tuning, rows, lambda t: scan_note(t).flagged,
                                            repeats=args.repeats)
                  for role, rows in scored.items()}
        REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({role: part["pooled"] for role, part in report.items()}, indent=2))


if __name__ == "__main__":
    main()
