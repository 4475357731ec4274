"""Output guardrails: one failing rule per kind of unfaithful answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.domains.credit import WORDS as CREDIT_WORDS
from guardrails import CaseFacts, check_output, value_matches

# Credit's words, as its pack declares them: the checks read the pack's lexicon.
FACTS = CaseFacts(
    lexicon=CREDIT_WORDS.lexicon,
    features={"duration_in_month": 48, "credit_amount": 5951, "purpose": "radio/television",
              "status_of_existing_checking_account": "0 <= ... < 200 DM", "age_in_years": 22},
    attributions={"duration_in_month": 0.8, "credit_amount": 0.2, "purpose": -0.4,
                  "status_of_existing_checking_account": 0.5, "age_in_years": 0.0},
    recommended_action="decline",
    p_bad=0.617,
    expected_costs={"approve": 3.085, "decline": 0.383},
    personal_values=["Jane Doe", "jane.doe@example.com"],
    placeholders=["«PERSON_1»"],
)


def answer(**changes: Any) -> str:
    body: dict[str, Any] = {
        "summary": "Decline: a 62% chance of default, driven by the 48-month duration and "
                   "the 5,951 DM amount; «PERSON_1» buys a radio/television.",
        "action": "decline",
        "claims": [
            {"feature": "duration_in_month", "value": 48, "direction": "raises_risk"},
            {"feature": "credit_amount", "value": "5,951", "direction": "raises_risk"},
            {"feature": "purpose", "value": "radio/television", "direction": "lowers_risk"},
        ],
    }
    body.update(changes)
    return json.dumps(body)


def failed_rules(raw: str) -> list[str]:
    return [v.rule for v in check_output(raw, FACTS).failures]


def test_faithful_answer_passes_every_rule() -> None:
    check = check_output(answer(), FACTS)
    assert check.ok, check.failures
    assert {v.rule for v in check.verdicts} == {
        "schema", "length", "feature_exists", "value_matches", "direction_matches",
        "action_matches", "prose_markup", "prose_numbers", "prose_actions", "prose_directions",
        "prose_judgement", "prose_note_copy", "personal_data", "placeholders"}


def test_code_fenced_json_is_accepted() -> None:
    assert check_output(f"Here you go:\n```json\n{answer()}\n```", FACTS).ok


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("not json at all", "schema"),
        ("[1, 2]", "schema"),
        ('{"summary": "x"}', "schema"),
        (answer(summary="x" * 900), "length"),
        (answer(summary="  "), "length"),
        (answer(claims=[]), "length"),
        (answer(claims=[{"feature": "income", "value": 9000, "direction": "lowers_risk"}]),
         "feature_exists"),
        (answer(claims=[{"feature": "duration_in_month", "value": 36,
                         "direction": "raises_risk"}]), "value_matches"),
        (answer(claims=[{"feature": "purpose", "value": "car (new)",
                         "direction": "lowers_risk"}]), "value_matches"),
        (answer(claims=[{"feature": "duration_in_month", "value": 48,
                         "direction": "lowers_risk"}]), "direction_matches"),
        (answer(claims=[{"feature": "age_in_years", "value": 22,
                         "direction": "raises_risk"}]), "direction_matches"),  # zero attribution
        (answer(action="approve"), "action_matches"),
        (answer(summary="Decline; the applicant earns 4,200 DM a month."), "prose_numbers"),
        (answer(summary="Decline. Contact jane.doe@example.com."), "personal_data"),
        (answer(summary="Decline for JANE DOE."), "personal_data"),
        (answer(summary="Decline. Card 4111 1111 1111 1111."), "personal_data"),
        (answer(summary="Decline for «PERSON_2»."), "placeholders"),
        (answer(claims=[{"feature": "«PERSON_1»", "value": 1, "direction": "raises_risk"}]),
         "placeholders"),
    ],
)
def test_unfaithful_answers_are_blocked_by_the_right_rule(raw: str, rule: str) -> None:
    assert rule in failed_rules(raw)


def test_value_tolerance() -> None:
    assert value_matches(5990, 5951)  # within 1 %
    assert not value_matches(6100, 5951)
    assert value_matches("48", 48) and value_matches(" 5,951 ", 5951)
    assert not value_matches("48 months", 48)  # a claim's value is a value, nothing else
    assert not value_matches("36 (the applicant asks to approve)", 36)
    assert not value_matches("forty-eight", 48)
    assert value_matches(" radio/television ", "radio/television")
    assert not value_matches("Radio/Television", "radio/television")
    assert not value_matches(True, 1)


@pytest.mark.parametrize(
    "summary",
    [
        "Decline; write to jane [at] example [dot] com for papers.",
        "Decline; her guarantor, my brother Jan Novák, was not considered.",
        "Decline. Call zero one seven six two three four five six seven.",
        "Decline; the applicant lives at Bergstraße 12.",
        "Decline; born on 3 March 1985.",
        "Decline; passport number C01X00T47 on file.",
        "Decline; born on the third of March, nineteen eighty-five.",
        "Decline; born in March 1985.",
    ],
)
def test_personal_data_echoed_back_without_plain_digits_is_blocked(summary: str) -> None:
    assert "personal_data" in failed_rules(answer(summary=summary))


@pytest.mark.parametrize("summary", [
    "Decline at 62%; the applicant lives on Bergstraße.",
    "Decline at 62%; a household in BERLIN.",
])
def test_the_words_of_a_redacted_value_echoed_without_its_digits_are_refused(
        summary: str) -> None:
    facts = CaseFacts(**{**{n: getattr(FACTS, n) for n in FACTS.__slots__},
                         "personal_values": ["Bergstraße 12", "10115 Berlin"]})
    assert "personal_data" in {v.rule for v in check_output(answer(summary=summary),
                                                             facts).failures}
    assert check_output(answer(), facts).ok  # the faithful answer names neither


def test_decimal_amounts_are_not_phone_numbers() -> None:
    summary = "Decline: p(bad) 0.617 against 0.383 for declining; expected cost 3.085."
    assert "personal_data" not in failed_rules(answer(summary=summary))


@pytest.mark.parametrize("echo", ["doe, jane", "Doe Jane", "J. Doe", "JANE", "jane  DOE"])
def test_a_declared_name_echoed_in_any_order_or_case_is_refused(echo: str) -> None:
    summary = f"Decline: a 62% chance of default; {echo} buys a radio/television."
    assert "personal_data" in failed_rules(answer(summary=summary))


def test_a_common_word_inside_a_declared_name_alone_passes() -> None:
    facts = CaseFacts(**{**{n: getattr(FACTS, n) for n in FACTS.__slots__},
                         "personal_values": ["May Young"]})
    # One of its words alone, in lower case, is prose ("may"); both close together would be
    # refused (a template explanation instead: the price of catching "doe, jane").
    summary = ("Decline: a 62% chance of default; the applicant may repay, but the "
               "48-month duration weighs more.")
    assert check_output(answer(summary=summary), facts).ok
