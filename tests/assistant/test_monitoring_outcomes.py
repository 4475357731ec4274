"""Bulk outcome reconciliation: every kind of row is classified and reported."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

from assistant.monitoring.outcomes import KnownCase, plan_outcomes
from events.errors import FieldProblem

NOW = datetime(2025, 6, 1, tzinfo=UTC)
DECIDED = NOW - timedelta(days=200)

KNOWN = [
    KnownCase("id-1", "A-1", decided_at=DECIDED),
    KnownCase("id-2", "A-2", decided_at=DECIDED - timedelta(days=400)),
    KnownCase("id-3", "A-3", decided_at=DECIDED, outcome="good"),
    KnownCase("id-4", "A-4", decided_at=DECIDED, outcome="bad"),
    KnownCase("id-5", "A-5", decided_at=None),
    KnownCase("id-6", "A-6", decided_at=DECIDED),
    KnownCase("id-7", "A-7", decided_at=DECIDED),
]
OBSERVED = (NOW - timedelta(days=10)).isoformat()


def plan(*rows: Mapping[str, object], **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("outcomes", ("good", "bad"))
    return plan_outcomes(list(rows), KNOWN, now=NOW, **kwargs)  # type: ignore[arg-type]


def kinds(p) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.kind for i in p.items]


def test_every_kind_in_one_file() -> None:
    p = plan(
        {"case_ref": "A-1", "outcome": "Good ", "observed_at": OBSERVED},
        {"case_id": "id-2", "outcome": "bad", "observed_at": OBSERVED},
        {"case_ref": "A-3", "outcome": "good", "observed_at": OBSERVED},
        {"case_ref": "A-4", "outcome": "good", "observed_at": OBSERVED},
        {"case_ref": "A-9", "outcome": "good", "observed_at": OBSERVED},
        {"case_ref": "A-1", "outcome": "", "observed_at": None},
        {"case_ref": "A-5", "outcome": "bad", "observed_at": OBSERVED},
        {"case_ref": "A-6", "outcome": "excellent", "observed_at": "yesterday"},
    )
    assert kinds(p) == [
        "recorded", "late", "duplicate", "conflicting", "unknown", "partial", "undecided",
        "invalid",
    ]  # fmt: skip
    assert [(i.case_id, i.outcome) for i in p.to_record] == [("id-1", "good"), ("id-2", "bad")]
    assert p.items[0].observed_at == datetime.fromisoformat(OBSERVED)
    assert "not overwritten" in p.items[3].message
    assert p.summary() == (
        "8 rows: 2 recorded (1 late), 1 duplicate, 1 conflicting, 1 partial, 1 invalid,"
        " 1 unknown, 1 undecided"
    )


def test_partial_rows_name_each_missing_field() -> None:
    (item,) = plan({"outcome": " "}).items
    assert item.kind == "partial" and not item.will_record
    assert [p.field for p in item.problems] == ["case_ref", "outcome", "observed_at"]
    assert all(isinstance(p, FieldProblem) for p in item.problems)


def test_invalid_values_name_each_field() -> None:
    future = (NOW + timedelta(days=1)).isoformat()
    before = (DECIDED - timedelta(days=1)).isoformat()
    p = plan(
        {"case_ref": "A-1", "outcome": "meh", "observed_at": "2025-05-01T00:00:00"},
        {"case_ref": "A-6", "outcome": "bad", "observed_at": future},
        {"case_ref": "A-7", "outcome": "bad", "observed_at": before},
        {"case_ref": "A-1", "case_id": "id-6", "outcome": "bad", "observed_at": OBSERVED},
    )
    assert kinds(p) == ["invalid"] * 4
    # A time with no timezone is read as UTC (as every command reads it), not refused.
    assert {pr.field for pr in p.items[0].problems} == {"outcome"}
    assert p.items[0].zone_assumed
    assert "future" in str(p.items[1].problems[0])
    assert "before the decision" in str(p.items[2].problems[0])
    assert p.items[3].problems[0].field == "case_id"


def test_naive_dates_are_read_as_utc_and_the_summary_says_so() -> None:
    cet = timezone(timedelta(hours=1))
    p = plan({"case_ref": "A-1", "outcome": "bad", "observed_at": "2025-05-01"},
             {"case_ref": "A-6", "outcome": "bad", "observed_at": "2025-05-01T01:00+01:00"})
    assert kinds(p) == ["recorded", "recorded"]
    assert p.items[0].observed_at == datetime(2025, 5, 1, tzinfo=UTC)
    assert p.items[1].observed_at == datetime(2025, 5, 1, 1, tzinfo=cet)
    assert p.summary().endswith("observed_at had no timezone on 1 row(s): UTC assumed")


def test_duplicates_and_conflicts_inside_the_file() -> None:
    p = plan(
        {"case_ref": "A-1", "outcome": "good", "observed_at": OBSERVED},
        {"case_ref": "A-1", "outcome": "good", "observed_at": OBSERVED},
        {"case_ref": "A-6", "outcome": "good", "observed_at": OBSERVED},
        {"case_id": "id-6", "outcome": "bad", "observed_at": OBSERVED},
    )
    assert kinds(p) == ["recorded", "duplicate", "conflicting", "conflicting"]
    assert len(p.to_record) == 1
    assert "both bad and good" in p.items[2].message


def test_late_threshold_is_configurable() -> None:
    row = {"case_ref": "A-1", "outcome": "bad", "observed_at": OBSERVED}
    assert kinds(plan(row)) == ["recorded"]
    assert kinds(plan(row, late_after=timedelta(days=90))) == ["late"]


def test_undecided_cases_can_be_allowed() -> None:
    row = {"case_ref": "A-5", "outcome": "bad", "observed_at": OBSERVED}
    assert kinds(plan(row, allow_undecided=True)) == ["recorded"]


def test_line_numbers_and_now_must_be_aware() -> None:
    p = plan({"line": 42, "case_ref": "A-9", "outcome": "bad", "observed_at": OBSERVED})
    assert p.items[0].line == 42
    assert plan({"case_ref": "A-9"}).items[0].line == 1
    with pytest.raises(ValueError):
        plan_outcomes([], [], now=datetime(2025, 1, 1), outcomes=("good", "bad"))  # noqa: DTZ001


def test_labels_are_the_packs_own_matched_as_declared() -> None:
    # A pack whose outcomes are "No"/"Yes": its labels are recorded as declared, a label
    # differing only in case is read as the declared one, and credit's labels are refused.
    p = plan(
        {"case_ref": "A-1", "outcome": "Yes", "observed_at": OBSERVED},
        {"case_ref": "A-6", "outcome": "no", "observed_at": OBSERVED},
        {"case_ref": "A-7", "outcome": "bad", "observed_at": OBSERVED},
        outcomes=("No", "Yes"),
    )
    assert kinds(p) == ["recorded", "recorded", "invalid"]
    assert [i.outcome for i in p.to_record] == ["Yes", "No"]
    assert "must be one of No, Yes" in p.items[2].message
