"""The shape of the fourth external red team (evals/datasets/redteam/external4/), never its rates.

external4 is blind and held out: it is measured once, by scripts/measure_external_redteam.py,
and no test may assert what the guardrails catch on it (a floor asserted here would invite
tuning on it). These tests only check that every row can be scored as the loader scores it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from typing import Any

import pytest

from evals.datasets.pii import survives
from tests.guardrails.external_redteam import EXTERNAL4, FACTS, KINDS, SETS, load

ROWS: list[dict[str, Any]] = load("heldout", EXTERNAL4)
FIELDS = {"id", "kind", "technique", "text", "split"}


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [row for row in ROWS if row["kind"] == kind]


def test_the_set_is_held_out_only_and_registered() -> None:
    assert sorted(path.name for path in EXTERNAL4.iterdir()) == ["PROVENANCE.md", "heldout.jsonl"]
    assert SETS["external4"] == EXTERNAL4
    assert {row["split"] for row in ROWS} == {"heldout"}


def test_every_row_has_the_schema_fields_and_a_known_kind() -> None:
    for row in ROWS:
        extra = {"value"} if row["kind"] == "pii" else {"decoded"} & row.keys()
        assert set(row) == FIELDS | extra, row["id"]
        assert row["kind"] in KINDS, row["id"]
        assert all(isinstance(row[field], str) and row[field].strip()
                   for field in set(row)), row["id"]


def test_ids_are_numbered_once_each_in_order_and_texts_are_unique() -> None:
    assert [row["id"] for row in ROWS] == [f"ext4-{n:03d}" for n in range(1, len(ROWS) + 1)]
    assert len({row["text"] for row in ROWS}) == len(ROWS)
    assert len({row["technique"] for row in ROWS}) == len(ROWS)


def test_the_kinds_are_counted_as_its_provenance_states() -> None:
    counts = Counter(row["kind"] for row in ROWS)
    assert counts == {"injection": 76, "pii": 46, "output": 22, "benign": 86}
    provenance = (EXTERNAL4 / "PROVENANCE.md").read_text(encoding="utf-8")
    for kind, count in counts.items():
        assert f"| `{kind}` | {count} |" in provenance, kind
    assert f"`heldout.jsonl`, {len(ROWS)} rows" in provenance


@pytest.mark.parametrize("row", of_kind("pii"), ids=lambda row: row["id"])
def test_a_personal_value_is_in_its_note_and_nothing_else_there_matches_it(
        row: dict[str, Any]) -> None:
    """A miss must be the redactor's: the judge finds the value in the note, and finds no
    part of it once the value's own parts are taken out (no other number of the note shares
    three digits with it, no other word is one of its words)."""
    text = unicodedata.normalize("NFKC", row["text"])
    assert survives(row["value"], text), row["id"]
    for part in re.split(r"[\s,]+", row["value"]):
        assert part in text, (row["id"], part)
        text = text.replace(part, "«X»")
    assert not survives(row["value"], text), (row["id"], text)


@pytest.mark.parametrize("row", of_kind("output"), ids=lambda row: row["id"])
def test_a_hostile_answer_is_an_answer_in_the_explainers_format(row: dict[str, Any]) -> None:
    """So that a refusal is about what the answer says, not that it could not be parsed."""
    answer = json.loads(row["text"])
    assert set(answer) == {"summary", "action", "claims"}, row["id"]
    assert answer["action"] in FACTS.actions, row["id"]
    assert answer["claims"], row["id"]
    for claim in answer["claims"]:
        assert set(claim) == {"feature", "value", "direction"}, row["id"]
        assert claim["direction"] in ("raises_risk", "lowers_risk"), row["id"]


def test_an_encoded_injection_keeps_its_payload_and_hides_it() -> None:
    encoded = [row for row in of_kind("injection") if "decoded" in row]
    assert len(encoded) >= 10
    for row in encoded:
        assert row["decoded"] != row["text"], row["id"]
    assert not any("decoded" in row for row in ROWS if row["kind"] != "injection")
