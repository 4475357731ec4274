"""Domain packs: registry, the credit pack's data, schema validation and baseline rules."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import domains
from assistant.domains import available_packs, get_pack, register_pack
from assistant.domains.base import CaseInput
from assistant.domains.credit import DATA_SHA256, make_pack
from events.errors import DocketError, FieldProblem, NotFound
from tests.assistant.decision_support import dataset, pack


def valid_row() -> dict[str, Any]:
    return dict(dataset().rows[0])


def problems_for(raw: object) -> dict[str, str]:
    result = pack().validate(raw)
    assert isinstance(result, list), f"expected problems, got {result}"
    assert all(isinstance(p, FieldProblem) for p in result)
    return {p.field: p.problem for p in result}


# --- registry -------------------------------------------------------------------------------


def test_get_pack_returns_the_cached_credit_pack() -> None:
    assert get_pack("credit") is get_pack("credit")
    assert "credit" in available_packs()


def test_unknown_pack_is_not_found_with_the_available_names() -> None:
    with pytest.raises(NotFound, match="credit"):
        get_pack("mortgage")


def test_a_new_domain_registers_without_touching_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The registration is undone after the test: a second credit-shaped pack left behind
    # would make every later ingest of a credit file ambiguous (which pack is it?).
    monkeypatch.setattr(domains, "_registered", dict(domains._registered))
    monkeypatch.setattr(domains, "_cache", dict(domains._cache))
    base = make_pack(use_age=False)
    policy = base.default_policy.model_copy(update={"domain": "credit-no-age"})
    register_pack("credit-no-age", lambda: dataclasses.replace(
        base, name="credit-no-age", default_policy=policy))
    other = get_pack("credit-no-age")
    assert "age_in_years" not in other.features
    assert isinstance(other.validate(valid_row()), CaseInput)


# --- data and declared shape ----------------------------------------------------------------


def test_shipped_data_matches_its_provenance() -> None:
    credit = pack()
    assert hashlib.sha256(credit.data_path.read_bytes()).hexdigest() == DATA_SHA256
    provenance = (credit.data_path.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert DATA_SHA256 in provenance and "CC BY 4.0" in provenance
    data = dataset()
    assert len(data.rows) == 1000
    assert data.outcomes.count("bad") == 300 and data.outcomes.count("good") == 700


def test_altered_data_is_refused(tmp_path: Any) -> None:
    copy = tmp_path / "german_credit.csv"
    copy.write_bytes(pack().data_path.read_bytes() + b"\n")
    altered = dataclasses.replace(pack(), data_path=copy)
    with pytest.raises(DocketError, match="altered"):
        altered.load_dataset()


def test_protected_personal_and_note_fields_are_never_features() -> None:
    credit = pack()
    never = set(credit.protected) | set(credit.personal_fields) | {credit.note_field}
    assert never.isdisjoint(credit.features)
    assert set(credit.protected) == {"personal_status_and_sex", "foreign_worker"}
    assert "PROTECTED" in credit.describe("foreign_worker")
    assert "never model features" in credit.feature_rationale
    assert "age" in credit.feature_rationale


def test_every_schema_field_is_a_feature_or_protected() -> None:
    credit = pack()
    assert set(credit.input_model.model_fields) == set(credit.features) | set(credit.protected)


# --- validation -----------------------------------------------------------------------------


def test_valid_case_keeps_contact_details_and_note_apart() -> None:
    raw = {**valid_row(), "name": "Ada Muster", "email": "ada@example.org",
           "applicant_note": "Please call after 5pm.", "case_ref": "A-1", "phone": ""}
    case = pack().validate(raw)
    assert isinstance(case, CaseInput)
    assert case.personal == {"name": "Ada Muster", "email": "ada@example.org"}
    assert case.note == "Please call after 5pm."
    assert case.case_ref == "A-1"
    assert "name" not in case.values and "applicant_note" not in case.values


def test_csv_style_strings_are_read_as_numbers() -> None:
    raw = {k: str(v) if not isinstance(v, float) else f"{v:g}" for k, v in valid_row().items()}
    case = pack().validate(raw)
    assert isinstance(case, CaseInput)
    assert case.values["duration_in_month"] == 6 and case.values["credit_amount"] == 1169.0


def test_the_label_is_accepted_as_a_known_outcome_only() -> None:
    case = pack().validate({**valid_row(), "creditability": "good"})
    assert isinstance(case, CaseInput) and case.outcome == "good"
    assert "unknown outcome" in problems_for({**valid_row(), "creditability": "meh"})[
        "creditability"]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("purpose", "yacht", "unknown category 'yacht'"),
        ("duration_in_month", 0, "out of range"),
        ("duration_in_month", 12.5, "wrong type"),
        ("duration_in_month", "twelve", "wrong type"),
        ("age_in_years", True, "wrong type"),
        ("age_in_years", 17, "out of range"),
        ("credit_amount", math.nan, "finite"),
        ("credit_amount", math.inf, "finite"),
        ("credit_amount", -5, "out of range"),
        ("credit_amount", [1], "wrong type"),
        ("housing", None, "missing"),
        ("housing", "  ", "missing"),
        ("email", 42, "must be text"),
        ("applicant_note", "x" * 6000, "too long"),
    ],
)
def test_each_bad_field_is_named_with_its_problem(field: str, value: object,
                                                  expected: str) -> None:
    found = problems_for({**valid_row(), field: value})
    assert list(found) == [field]
    assert expected in found[field]


def test_missing_and_unknown_fields_are_all_reported_at_once() -> None:
    raw = valid_row()
    del raw["job"], raw["telephone"]
    raw["salary"] = 1000
    found = problems_for(raw)
    assert found == {"job": "missing: a value is required",
                     "telephone": "missing: a value is required",
                     "salary": "unknown field"}


@pytest.mark.parametrize("raw", [None, [], "a string", 3, {1: "x"}])
def test_non_objects_are_rejected_not_crashed_on(raw: object) -> None:
    assert problems_for(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=30), json_values, max_size=25))
def test_garbage_objects_never_crash(raw: dict[str, Any]) -> None:
    result = pack().validate(raw)
    assert isinstance(result, list | CaseInput)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(valid_row())), json_values)
def test_one_garbage_value_is_either_valid_or_blamed_on_its_field(field: str,
                                                                  value: Any) -> None:
    result = pack().validate({**valid_row(), field: value})
    if isinstance(result, list):
        assert {p.field for p in result} == {field}


# --- baseline rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "action", "rule"),
    [
        ({"status_of_existing_checking_account": "... < 0 DM"}, "decline", "overdrawn"),
        ({"status_of_existing_checking_account": "0 <= ... < 200 DM",
          "savings_account_and_bonds": "... < 100 DM"}, "decline", "thin-balance-no-savings"),
        ({"status_of_existing_checking_account": "no checking account",
          "savings_account_and_bonds": "... < 100 DM", "duration_in_month": 36},
         "decline", "long-unsecured"),
        ({"status_of_existing_checking_account": "no checking account",
          "credit_history": "delay in paying off in the past"}, "decline", "past-delays"),
        ({"status_of_existing_checking_account": "no checking account",
          "credit_history": "existing credits paid back duly till now"},
         "approve", "default-approve"),
    ],
)
def test_baseline_rules(changes: dict[str, Any], action: str, rule: str) -> None:
    decision = pack().baseline({**valid_row(), **changes})
    assert (decision.action, decision.rule) == (action, rule)
    assert 0.0 < decision.p_bad < 1.0 and decision.reasons


def test_baseline_rates_come_from_the_data() -> None:
    overall, by_rule = pack().historical_rates
    assert overall == pytest.approx(0.3)
    assert by_rule["overdrawn"] > overall > by_rule["default-approve"]
