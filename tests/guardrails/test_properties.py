"""Guardrails are total: they never raise on arbitrary text or JSON; redaction is idempotent."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails import CaseFacts, check_output, prepare_input, quote_note, redact, scan_note

FACTS = CaseFacts(features={"duration_in_month": 48, "purpose": "radio/television"},
                  attributions={"duration_in_month": 0.8, "purpose": -0.1},
                  recommended_action="decline", p_bad=0.6, expected_costs={"decline": 0.4},
                  personal_values=["Jane Doe"], placeholders=["«PERSON_1»"])

# Text rich in the characters detectors care about: digits, separators, @, guillemets,
# invisible and look-alike characters, plus anything else Unicode offers.
tricky = st.sampled_from(list("0123456789 +-./()@«»_:<>|{}[]\"'\n\u200b\u202e\u00ad\ufeffаеоDEGB"))
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(tricky, st.characters()), max_size=200).map("".join),
    st.lists(st.sampled_from(["jane.doe@example.com", "DE89 3704 0044 0532 0130 00",
                              "4111 1111 1111 1111", "+49 30 1234567", "Jane", "Doe", " ",
                              "«PERSON_1»", "«EMAIL_", "»", "1", "@", "x"]), max_size=30)
    .map("".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.sampled_from(["summary", "action", "claims", "feature", "value",
                                       "direction", "x"]), children, max_size=5),
    max_leaves=30,
)
fast = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(texts)
def test_redaction_is_idempotent_and_total(text: str) -> None:
    once = redact(text, declared={"name": "Jane Doe"})
    assert redact(once.text, declared={"name": "Jane Doe"}).text == once.text


@fast
@given(texts, st.dictionaries(st.sampled_from(["name", "email", "iban", "x"]), texts,
                              max_size=4))
def test_prepare_input_never_raises(note: str, personal: dict[str, str]) -> None:
    prepared = prepare_input(personal, note)
    json.dumps([v.to_dict() for v in prepared.verdicts])


@fast
@given(texts)
def test_scan_and_quote_never_raise(text: str) -> None:
    scan_note(text)
    assert json.loads(quote_note(text)[len("<applicant_note>"):-len("</applicant_note>")]) \
        == text[:4000] + (" [truncated]" if len(text) > 4000 else "")


@fast
@given(st.one_of(texts, json_values.map(json.dumps)))
def test_check_output_never_raises_on_any_text_or_json(raw: str) -> None:
    check_output(raw, FACTS)


@fast
@given(st.fixed_dictionaries({"summary": texts, "action": st.sampled_from(["decline", "x"]),
                              "claims": st.lists(st.fixed_dictionaries({
                                  "feature": st.sampled_from(["duration_in_month", "purpose",
                                                              "nope"]),
                                  "value": st.one_of(st.integers(), st.floats(), texts),
                                  "direction": st.sampled_from(["raises_risk", "lowers_risk"]),
                              }), max_size=4)}))
def test_check_output_never_raises_on_schema_shaped_json(body: dict[str, Any]) -> None:
    check = check_output(json.dumps(body), FACTS)
    assert check.verdicts
