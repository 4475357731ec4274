"""Names found by their role and by what they do (guardrails/names.py, names_scripts.py), and
phone numbers with a dialling code and dotted groups (guardrails/pii.py): redacted, while
ordinary notes with the same labels, scripts or amounts keep their words."""

from __future__ import annotations

import pytest

from evals.datasets.pii import survives
from guardrails import redact


@pytest.mark.parametrize(("note", "value"), [
    # a role written as a form label
    ("Co-signer: Oluwaseun Adebayo, my colleague.", "Oluwaseun Adebayo"),
    ("Contact person: Antonija Hodžić", "Antonija Hodžić"),
    ("Beneficiary: Mihail Popescu", "Mihail Popescu"),
    ("Ansprechpartner: Jiří Dvořák (Personalabteilung)", "Jiří Dvořák"),
    ("Personne de contact : Aurélie Vasseur", "Aurélie Vasseur"),
    ("Avalista: Xosé Bouzas", "Xosé Bouzas"),
    # a sentence's subject doing what people do, no given name from the list
    ("Antonija Hodžić has agreed to co-sign the loan.", "Antonija Hodžić"),
    ("Kaarel Tamm will guarantee the remaining amount.", "Kaarel Tamm"),
    ("Gjergj Kastrioti ist mein Bürge.", "Gjergj Kastrioti"),
    # a note written all in lower case
    ("guarantor is priya ramanathan, she works at infosys", "priya ramanathan"),
    # Thai and Devanagari, after a role or a title
    ("ผู้ค้ำประกันคือ สมชาย ใจดี", "สมชาย ใจดี"),
    ("นางสาววิภา ศรีสุข เป็นผู้ติดต่อ", "วิภา ศรีสุข"),
    ("गारंटर राजेश कुमार हैं।", "राजेश कुमार"),
    ("मेरे भाई सुनील वर्मा ने हस्ताक्षर किए", "सुनील वर्मा"),
    ("शर्मा जी मेरे मकान मालिक हैं", "शर्मा"),
    # a Chinese name with a time word before its verb
    ("陈美玲昨天打电话确认了她的收入。", "陈美玲"),
])
def test_names_by_role_or_deed_are_redacted(note: str, value: str) -> None:
    assert not survives(value, redact(note).text), redact(note).text


@pytest.mark.parametrize("note", [
    "Contact: Customer Service, they know about the transfer.",
    "Deutsche Bank has agreed to refinance the rest.",
    "guarantor is my brother, he works at the post office",
    "the guarantor is willing to sign next week",
    "นายจ้างของฉันจ่ายเงินเดือนตรงเวลาทุกเดือน",
    "ฉันทำงานเป็นวิศวกรมาห้าปีแล้ว",
    "मैं पाँच साल से इंजीनियर हूँ और कर्ज़ कार के लिए है।",
    "我昨天打电话确认了收入。",
])
def test_labels_and_scripts_without_a_name_keep_their_words(note: str) -> None:
    assert not redact(note).changed, redact(note).text


@pytest.mark.parametrize(("note", "value"), [
    ("call (030) 901.820.44 after six", "(030) 901 820 44"),
    ("Telefon: (0221) 34.56.78.90", "(0221) 34 56 78 90"),
    ("reach me on +33 6.12.34.56.78", "+33 6 12 34 56 78"),
])
def test_phones_with_a_dialling_code_and_dotted_groups_are_redacted(note: str,
                                                                   value: str) -> None:
    assert not survives(value, redact(note).text), redact(note).text


@pytest.mark.parametrize("note", [
    "The car cost 12.500,00 EUR in total (2019) 1.250.000 km later it still runs.",
    "Rates: 3.45 4.10 and 5.20 per cent over the years.",
])
def test_amounts_with_dots_are_not_phones(note: str) -> None:
    assert "PHONE" not in redact(note).counts, redact(note).text
