"""Personal data hidden behind HTML entities or URL escapes, and names with no cue in Han
and Hebrew script, are redacted (external2's held-out misses and their relatives)."""

from __future__ import annotations

import pytest

from evals.datasets.pii import survives
from guardrails import redact
from guardrails.pii import contains_personal_data


@pytest.mark.parametrize(("note", "value"), [
    ("mail: peter.berg&#64;example.net", "peter.berg@example.net"),
    ("write to lena.novak&#x40;posteo.de today", "lena.novak@posteo.de"),
    ("reach me: tom.walsh&commat;example.ie", "tom.walsh@example.ie"),
    ("https://bank.test/c?to=sara.lind%40example.se", "sara.lind@example.se"),
    ("ana&#46;costa&#64;example&#46;pt", "ana.costa@example.pt"),
    ("&#97;&#110;&#97;&#64;example.com", "ana@example.com"),
    ("tel +49&#32;170&#32;1234567", "+49 170 1234567"),
    ("tel +49&nbsp;170&nbsp;1234567", "+49 170 1234567"),
])
def test_contact_details_written_with_escapes_are_redacted(note: str, value: str) -> None:
    assert not survives(value, redact(note).text), redact(note).text


def test_escapes_that_hide_no_contact_detail_are_left_as_written() -> None:
    note = "Employer: Smith &amp; Sons, 50% paid, see &lt;attached&gt;"
    assert redact(note).text == note


def test_the_output_check_sees_an_escaped_email() -> None:
    assert "EMAIL" in contains_personal_data("Write to ana&#64;example.com.")


def test_redaction_of_escapes_is_idempotent() -> None:
    once = redact("ana&#64;example.com, &#&#54;&#52;;").text
    assert redact(once).text == once


@pytest.mark.parametrize(("note", "value"), [
    ("李建国会帮我还一部分贷款。", "李建国"),
    ("去年陈志明已经还清了车贷。", "陈志明"),
    ("My guarantor 杨文华 will sign tomorrow.", "杨文华"),
    ("Reference: 劉家豪, my former manager.", "劉家豪"),
    ("השותף שלי הוא דוד כהן.", "דוד כהן"),
])
def test_names_with_no_cue_in_han_and_hebrew_are_redacted(note: str, value: str) -> None:
    assert not survives(value, redact(note).text), redact(note).text


@pytest.mark.parametrize("note", [
    "这笔贷款用于购买家具，我每月按时还款。",
    "我在超市当收银员，每个月收入稳定。",
    "高利贷会让我的情况更糟。",
    "周末我会把工资单上传。",
    "Thanks 谢谢 for the quick answer",
    "אני עובד בחברה כבר חמש שנים.",
])
def test_ordinary_chinese_and_hebrew_text_keeps_its_words(note: str) -> None:
    assert "PERSON" not in redact(note).counts, redact(note).text


@pytest.mark.parametrize("note", [r"mail ana.ruiz\u0040example.es", r"mail ana.ruiz\x40example.es"])
def test_an_at_sign_as_a_backslash_escape_is_read(note: str) -> None:
    assert not survives("ana.ruiz@example.es", redact(note).text), redact(note).text


def test_a_windows_path_keeps_its_letters() -> None:
    assert redact(r"Scan in C:\x64ata\payslips").text == r"Scan in C:\x64ata\payslips"
