from __future__ import annotations

from pathlib import Path

import pytest

from evals.datasets.contacts import contacts, iban
from evals.datasets.credit import held_out
from evals.datasets.files import read_jsonl
from evals.datasets.redteam import BENIGN, INJECTIONS, load_notes
from evals.errors import EvalError, MalformedDataset
from guardrails import iban_valid


@pytest.mark.parametrize(("text", "where"), [
    ('{"text": "a"}\n[1, 2]\n', "line 2: not a JSON object"),
    ('{"text": "a"}\n\n{"label": 1}\n', "line 3: no text field (text)"),
    ("", "the whole file: no records"),
])
def test_malformed_files_are_one_sentence(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(text)
    with pytest.raises(MalformedDataset) as caught:
        read_jsonl(path)
    assert str(caught.value) == f"dataset {path} is malformed at {where}"


def test_a_missing_file_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(EvalError, match=r"^dataset .*nope.jsonl does not exist$"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_the_red_team_files_load() -> None:
    injections, benign = load_notes(INJECTIONS), load_notes(BENIGN)
    assert len(injections) > 100 and len(benign) > 100
    assert {n.split for n in injections} >= {"dev", "heldout"}
    assert len({n.id for n in injections}) == len(injections)


def test_held_out_split_is_deterministic_and_about_a_fifth() -> None:
    rows = [{"i": i, "x": i * 7 % 13} for i in range(2000)]
    first = held_out(rows)
    assert first == held_out(list(rows))
    assert 0.17 < len(first) / len(rows) < 0.23
    # content-addressed: the same rows in another order give the same split
    assert {i for i, _ in held_out(rows[::-1])} == {len(rows) - 1 - i for i, _ in first}


def test_contact_fixtures_are_marked_and_valid() -> None:
    people = contacts(30)
    assert len({p.email for p in people}) == 30
    assert all(p.email.endswith("@example.test") and " 555 " in p.phone for p in people)
    assert all(iban_valid(p.iban) for p in people)
    assert iban("GB", "WEST12345698765432").replace(" ", "") == "GB82WEST12345698765432"


def test_a_name_in_a_script_without_spaces_survives_inside_a_sentence() -> None:
    """Han and kana run words together: "担保人是王小明" still holds 王小明 (the judge
    counted it removed, since no word boundary surrounds it)."""
    from evals.datasets.pii import survives
    assert survives("王小明", "担保人是王小明，我的同事。")
    assert survives("佐藤健太郎", "保証人は佐藤健太郎です。")
    assert not survives("王小明", "担保人是«PERSON_1»，我的同事。")


def test_full_width_and_invisible_characters_do_not_hide_a_surviving_value() -> None:
    from evals.datasets.pii import survives
    assert survives("maria lopez example", "ｍａｒｉａ．ｌｏｐｅｚ＠ｅｘａｍｐｌｅ．ｃｏｍ")
    assert survives("Jan Novak", "J\u200ban No\u200bvak will sign")
    assert not survives("Jan Novak", "«PERSON_1» will sign")
