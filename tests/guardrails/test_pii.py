"""Personal data: placeholders, detection with checksums, redaction, restoration."""

from __future__ import annotations

import pytest

from guardrails import Pseudonyms, iban_valid, luhn_valid, prepare_input, redact

PERSONAL = {"name": "Jane Doe", "email": "jane.doe@example.com",
            "phone": "+49 30 1234567", "iban": "DE89 3704 0044 0532 0130 00"}


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432",
                                  "FR1420041010050500013M02606", "NL91ABNA0417164300"])
def test_valid_ibans_pass_mod97(iban: str) -> None:
    assert iban_valid(iban)


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 01", "GB82WEST1234569876543X", "DE12"])
def test_invalid_ibans_fail_mod97(iban: str) -> None:
    assert not iban_valid(iban)


def test_luhn() -> None:
    assert luhn_valid("4111 1111 1111 1111")
    assert luhn_valid("5500-0000-0000-0004")
    assert not luhn_valid("4111 1111 1111 1112")
    assert not luhn_valid("1234")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe+loans@mail.example.co.uk today", "EMAIL"),
        ("my IBAN is DE89370400440532013000 thanks", "IBAN"),
        ("iban de89 3704 0044 0532 0130 00.", "IBAN"),
        ("card 4111 1111 1111 1111 exp 12/27", "CARD"),
        ("call +49 (30) 123-4567 after 6", "PHONE"),
        ("mobile 0171 2345678", "PHONE"),
        ("(555) 123-4567", "PHONE"),
    ],
)
def test_detects_personal_data_in_free_text(text: str, kind: str) -> None:
    result = redact(text)
    assert result.counts.get(kind) == 1, result
    assert f"«{kind}_1»" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "I borrowed 5951 DM for 48 months in 2019.",
        "Payments on 2019-05-12 and 12.06.2020 were late.",
        "card 4111 1111 1111 1112 is not a valid number",  # fails Luhn
        "DE89 3704 0044 0532 0130 01 is a typo",  # fails mod-97
        "I've been pre-qualified, salary 3,200 EUR per month since 2015.",
    ],
)
def test_leaves_ordinary_numbers_alone(text: str) -> None:
    assert redact(text).text == text


def test_declared_fields_become_placeholders_and_note_shares_them() -> None:
    prepared = prepare_input(PERSONAL, "I am JANE DOE (Jane), jane.doe@example.com, "
                                       "+49 30 1234567, other: bob@example.org")
    assert prepared.personal == {"name": "«PERSON_1»", "email": "«EMAIL_1»",
                                 "phone": "«PHONE_1»", "iban": "«IBAN_1»"}
    assert prepared.note is not None
    for value in ("Jane", "jane.doe", "1234567", "bob@example.org"):
        assert value not in prepared.note
    assert "«PERSON_1»" in prepared.note and "«EMAIL_1»" in prepared.note
    assert "«EMAIL_2»" in prepared.note  # a new address gets its own placeholder
    assert prepared.pseudonyms.restore(prepared.note).startswith("I am Jane Doe (Jane)")


def test_verdict_details_never_carry_personal_values() -> None:
    prepared = prepare_input(PERSONAL, "Jane Doe, DE89370400440532013000, jane.doe@example.com")
    dumped = str([v.to_dict() for v in prepared.verdicts])
    for value in ("Jane", "Doe", "DE89", "jane.doe", "1234567"):
        assert value not in dumped
    assert "Jane" not in repr(prepared)


def test_restore_ignores_unknown_placeholders() -> None:
    table = Pseudonyms()
    placeholder = table.placeholder_for("PERSON", "Jane Doe")
    assert table.restore(f"{placeholder} and «PERSON_9»") == "Jane Doe and «PERSON_9»"


def test_invisible_characters_do_not_hide_an_email() -> None:
    assert redact("jane\u200b.doe@exa\u200dmple.com").counts == {"EMAIL": 1}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Write to ana [at] example [dot] com please.", "EMAIL", "example"),
        ("Mail: ana.b(at)example.de", "EMAIL", "ana.b"),
        ("I live at Bergstraße 12, 10115 Berlin.", "ADDRESS", "Bergstraße"),
        ("We moved to 12 rue de la Paix, 75002 Paris.", "ADDRESS", "Paix"),
        ("I was born on 3 March 1985.", "BIRTH_DATE", "1985"),
        ("geboren am 03.03.1985 in Kiel", "BIRTH_DATE", "1985"),
        ("My passport number is C01X00T47.", "NATIONAL_ID", "C01X00T47"),
        ("Steuer-ID 12 345 678 901", "NATIONAL_ID", "678"),
        ("Call me on zero one seven six two three four five six seven.", "PHONE", "seven"),
        ("My brother Jan Novák will co-sign.", "PERSON", "Novák"),
        ("The guarantor is Mikko Virtanen from Helsinki.", "PERSON", "Virtanen"),
        ("Frau Keller, my landlady, confirms the rent.", "PERSON", "Keller"),
    ],
)
def test_personal_data_in_prose_is_redacted(text: str, kind: str, value: str) -> None:
    redaction = redact(text)
    assert kind in redaction.counts, redaction
    assert value not in redaction.text


@pytest.mark.parametrize(
    "text",
    [
        "The loan is 1,234.50 DM over 12 months; I pay 650.00 rent and 84.20 insurance.",
        "I work at Deutsche Bank in Frankfurt and moved to New York in May.",
        "I will pass the exam in 2025.",
        "Ich war nie arbeitslos, seit 2015 angestellt.",
        "Mark this down: I repaid my car loan during 2019.",
    ],
)
def test_ordinary_text_keeps_its_words_and_amounts(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "name"), [
    ("Поручитель по кредиту — Наталья Смирнова.", "Наталья Смирнова"),
    ("Сергей Кузнецов работает со мной.", "Сергей Кузнецов"),
    ("Ο Νικόλαος Γεωργίου είναι ο εργοδότης μου.", "Νικόλαος Γεωργίου"),
    ("My landlord Дмитрий Волков can confirm the rent.", "Дмитрий Волков"),
    ("担保人是王小明，我的同事。", "王小明"),
    ("保証人は佐藤健太郎です。", "佐藤健太郎"),
    ("田中さんに連絡してください。", "田中"),
    ("보증인 박지훈 씨가 서명할 예정입니다.", "박지훈"),
    ("أعمل مع يوسف المنصوري منذ خمس سنوات.", "يوسف المنصوري"),
    ("عبد الرحمن الخطيب سيكون الضامن.", "عبد الرحمن الخطيب"),
])
def test_a_name_in_another_script_is_redacted(text: str, name: str) -> None:
    redacted = redact(text).text
    assert name not in redacted and "«PERSON_1»" in redacted, redacted


@pytest.mark.parametrize("text", [
    "Кредит нужен на ремонт квартиры, доход стабильный.",
    "Я работаю в Сбербанке восемь лет.",
    "Χρειάζομαι το δάνειο για ανακαίνιση του σπιτιού.",
    "我需要这笔贷款来装修房子，每月收入稳定。",
    "この融資は子供の学費に使います。",
    "أحمد الله على كل شيء، دخلي ثابت.",
    "أحتاج القرض لشراء سيارة للعمل، ودخلي ثابت.",
    "대출은 집 수리에 쓸 예정입니다.",
    "担保人是我的同事。",
    "담당자님께 서류를 보냈습니다.",
])
def test_an_ordinary_note_in_another_script_keeps_its_words(text: str) -> None:
    assert not redact(text).changed, redact(text).text
