"""Copy red-team sources written by others into Docket, with their provenance.

    python scripts/vendor_public_redteam.py --piguard PATH --purplellama PATH \\
        --gptfuzz PATH --fuzzyai PATH

Each PATH is a git checkout (or bare clone) of the repository named in ``REPOSITORIES``;
files are read with ``git show HEAD:path`` so the recorded commit is the one read. Writes
``evals/datasets/redteam/sources/<source>.jsonl``: unchanged texts, one row a text with its
origin (repository, commit, file, index). Licences and roles are in ``PROVENANCE.md``:

all of role ``public`` (only ever scored, never used to fit the detector, choose its
threshold or change a rule): ``public-bipia`` and ``public-notinject`` (leolee99/PIGuard,
MIT), ``public-wildguard-benign`` (WildGuardMix benign prompts as shipped in PIGuard),
``public-cyberseceval`` (meta-llama/PurpleLlama CyberSecEval prompt injections, English and
machine-translated, MIT), ``public-gptfuzz`` (sherdencooper/GPTFuzz jailbreak templates,
MIT), ``public-fuzzyai-benign`` (cyberark/FuzzyAI benign questions, Apache-2.0).

Large files are sampled deterministically (``sha256`` of the text), so a re-run on the same
commits writes the same rows. Run once; the copies are committed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "evals" / "datasets" / "redteam" / "sources"
REPOSITORIES = {
    "piguard": "leolee99/PIGuard",
    "purplellama": "meta-llama/PurpleLlama",
    "gptfuzz": "sherdencooper/GPTFuzz",
    "fuzzyai": "cyberark/FuzzyAI",
}
# BIPIA's text attacks (microsoft/BIPIA benchmark/text_attack_test.json, copied unchanged
# into PIGuard's datasets/BIPIA_text.json) and NotInject's three benign subsets.
BIPIA = "datasets/BIPIA_text.json"
NOTINJECT = ("datasets/NotInject_one.json", "datasets/NotInject_two.json",
             "datasets/NotInject_three.json")
WILDGUARD = "datasets/wildguard.json"
CYBERSECEVAL = "CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection.json"
CYBERSECEVAL_ML = ("CybersecurityBenchmarks/datasets/prompt_injection/"
                   "prompt_injection_multilingual_machine_translated.json")
GPTFUZZ = "datasets/prompts/GPTFuzzer.csv"
FUZZYAI_BENIGN = "src/fuzzyai/resources/benign_prompts.txt"
# Keep one text in N of the big files (by sha256 of the text): the package stays small.
SAMPLE = {WILDGUARD: 3, CYBERSECEVAL_ML: 4, FUZZYAI_BENIGN: 3}
Row = dict[str, str]


class Checkout:
    """One repository at the commit its HEAD names."""

    def __init__(self, key: str, path: Path) -> None:
        self.repository = REPOSITORIES[key]
        self.path = path
        self.commit = self._git("rev-parse", "HEAD").strip()

    def _git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.path), *args], check=True,
                              capture_output=True, text=True).stdout

    def text(self, file: str) -> str:
        return self._git("show", f"{self.commit}:{file}")

    def json(self, file: str) -> Any:
        return json.loads(self.text(file))

    def origin(self, file: str, where: str) -> str:
        return f"{self.repository}@{self.commit[:12]}:{file}{where}"


def kept(file: str, text: str) -> bool:
    every = SAMPLE.get(file, 1)
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % every == 0


def numbered(source: str, label: str, items: Iterator[tuple[str, str, str, str]]) -> list[Row]:
    """Rows of one source from (text, category, lang, origin), ids in order."""
    return [{"id": f"{source}-{number:03d}", "source": source, "label": label,
             "category": category, "lang": lang, "text": text, "origin": origin}
            for number, (text, category, lang, origin) in enumerate(items, start=1)]


def piguard(repo: Checkout) -> dict[str, list[Row]]:
    attacks = repo.json(BIPIA)
    assert isinstance(attacks, dict)
    bipia = numbered("public-bipia", "injection", (
        (text, category, "en", repo.origin(BIPIA, f"[{category!r}][{index}]")
         + " = microsoft/BIPIA benchmark/text_attack_test.json")
        for category, texts in attacks.items() for index, text in enumerate(texts)))
    notinject = numbered("public-notinject", "benign", (
        (str(item["prompt"]), str(item["category"]), "", repo.origin(path, f"[{index}]"))
        for path in NOTINJECT for index, item in enumerate(repo.json(path))))
    wildguard = numbered("public-wildguard-benign", "benign", (
        (str(item["prompt"]), "wildguard benign", "en", repo.origin(WILDGUARD, f"[{index}]"))
        for index, item in enumerate(repo.json(WILDGUARD))
        if kept(WILDGUARD, str(item["prompt"]))))
    return {"public-bipia": bipia, "public-notinject": notinject,
            "public-wildguard-benign": wildguard}


def purplellama(repo: Checkout) -> dict[str, list[Row]]:
    # One source: the machine-translated file translates the English one (same authors).
    return {"public-cyberseceval": numbered("public-cyberseceval", "injection", (
        (str(item["user_input"]), f"{item['injection_type']}/{item['injection_variant']}",
         str(item["speaking_language"]), repo.origin(file, f"[{index}].user_input"))
        for file in (CYBERSECEVAL, CYBERSECEVAL_ML)
        for index, item in enumerate(repo.json(file))
        if kept(file, str(item["user_input"]))))}


def gptfuzz(repo: Checkout) -> dict[str, list[Row]]:
    templates = csv.DictReader(io.StringIO(repo.text(GPTFUZZ)))
    return {"public-gptfuzz": numbered("public-gptfuzz", "injection", (
        (row["text"], "jailbreak template", "en", repo.origin(GPTFUZZ, f"[id={row['id']}]"))
        for row in templates))}


def fuzzyai(repo: Checkout) -> dict[str, list[Row]]:
    lines = repo.text(FUZZYAI_BENIGN).splitlines()
    return {"public-fuzzyai-benign": numbered("public-fuzzyai-benign", "benign", (
        (line.strip(), "benign question", "en", repo.origin(FUZZYAI_BENIGN, f"[line {index}]"))
        for index, line in enumerate(lines, start=1)
        if line.strip() and kept(FUZZYAI_BENIGN, line.strip())))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for key in REPOSITORIES:
        parser.add_argument(f"--{key}", type=Path, required=True,
                            help=f"a checkout of {REPOSITORIES[key]}")
    args = parser.parse_args()
    sources: dict[str, list[Row]] = {}
    for key, read in (("piguard", piguard), ("purplellama", purplellama),
                      ("gptfuzz", gptfuzz), ("fuzzyai", fuzzyai)):
        sources.update(read(Checkout(key, getattr(args, key))))
    for name, items in sources.items():
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for item in items:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} texts")


if __name__ == "__main__":
    main()
