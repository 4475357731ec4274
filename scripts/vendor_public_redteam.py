"""Copy the public red-team sources (written by others, never tuned on) into Docket.

    python scripts/vendor_public_redteam.py PATH_TO_A_CHECKOUT_OF_leolee99/PIGuard

Writes ``evals/datasets/redteam/sources/public-bipia.jsonl`` and ``public-notinject.jsonl``
from the checkout's ``datasets/`` folder, unchanged texts, one row a text with its origin
(repository, commit, file, index). Both are MIT-licensed (see ``PROVENANCE.md``). Their
role in ``SOURCES.json`` is ``public``: they are only ever scored, never used to fit the
detector, choose its threshold or change a rule. Run once; the copies are committed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "evals" / "datasets" / "redteam" / "sources"
REPOSITORY = "leolee99/PIGuard"
# BIPIA's text attacks (microsoft/BIPIA benchmark/text_attack_test.json, copied unchanged
# into PIGuard's datasets/BIPIA_text.json) and NotInject's three benign subsets.
BIPIA = "datasets/BIPIA_text.json"
NOTINJECT = ("datasets/NotInject_one.json", "datasets/NotInject_two.json",
             "datasets/NotInject_three.json")


def read(checkout: Path, path: str) -> object:
    return json.loads((checkout / path).read_text(encoding="utf-8"))


def commit_of(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def rows(checkout: Path) -> dict[str, list[dict[str, str]]]:
    commit = commit_of(checkout)
    bipia: list[dict[str, str]] = []
    attacks = read(checkout, BIPIA)
    assert isinstance(attacks, dict)
    for category, texts in attacks.items():
        for index, text in enumerate(texts):
            bipia.append({"id": f"public-bipia-{len(bipia) + 1:03d}", "source": "public-bipia",
                          "label": "injection", "category": category, "lang": "en",
                          "text": text,
                          "origin": f"{REPOSITORY}@{commit[:12]}:{BIPIA}[{category!r}][{index}]"
                                    " = microsoft/BIPIA benchmark/text_attack_test.json"})
    notinject: list[dict[str, str]] = []
    for path in NOTINJECT:
        items = read(checkout, path)
        assert isinstance(items, list)
        for index, item in enumerate(items):
            notinject.append({"id": f"public-notinject-{len(notinject) + 1:03d}",
                              "source": "public-notinject", "label": "benign",
                              "category": str(item["category"]), "lang": "",
                              "text": str(item["prompt"]),
                              "origin": f"{REPOSITORY}@{commit[:12]}:{path}[{index}]"})
    return {"public-bipia": bipia, "public-notinject": notinject}


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for name, items in rows(Path(sys.argv[1])).items():
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} texts")


if __name__ == "__main__":
    main()
