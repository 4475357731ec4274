"""Names, references and reasons are plain text: the pure character test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guardrails.plain_text import person_name_problem, plain_text_problem

HOSTILE = [
    "\u202e",  # right-to-left override ("Trojan Source")
    "\u202a", "\u202b", "\u202c", "\u202d",
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width, word joiner, BOM
    "\u200e", "\u200f", "\u061c",  # marks
    "\x00", "\x1b", "\x07", "\r", "\x7f",  # C0 and DEL
    "\x85", "\x9b",  # C1 (NEL, CSI)
]  # fmt: skip


@pytest.mark.parametrize("ch", HOSTILE)
def test_every_control_bidi_and_zero_width_character_is_refused_in_a_name(ch: str) -> None:
    problem = person_name_problem(f"ana{ch}lice")
    assert problem is not None and f"U+{ord(ch):04X}" in problem and "position 4" in problem


@pytest.mark.parametrize("ch", HOSTILE)
def test_free_text_refuses_them_too(ch: str) -> None:
    assert plain_text_problem(f"declined because{ch} income", free_text=True) is not None


def test_free_text_keeps_newlines_and_tabs_but_names_do_not() -> None:
    assert plain_text_problem("line one\n\tline two", free_text=True) is None
    assert person_name_problem("ana\nsmith") is not None


@pytest.mark.parametrize(
    "name",
    ["docket/orchestrator", "Docket/evals", "DOCKET/ci", "ｄocket/orchestrator", "docket/"],
)
def test_component_names_are_reserved_for_components(name: str) -> None:
    problem = person_name_problem(name)
    assert problem is not None and "reserved" in problem


@pytest.mark.parametrize(
    "name", ["ana", "alice.smith", "José Álvarez", "李雷", "o'brien", "dockets"]
)
def test_ordinary_names_in_any_script_pass(name: str) -> None:
    assert person_name_problem(name) is None


def test_empty_and_padded_names_are_refused() -> None:
    assert person_name_problem("  ") is not None
    assert person_name_problem(" ana") is not None


@given(st.text())
def test_never_raises_and_a_passing_name_holds_no_control_or_format_character(text: str) -> None:
    import unicodedata

    if person_name_problem(text) is None:
        assert all(unicodedata.category(c)[0] != "C" for c in text)
