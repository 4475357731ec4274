"""Times a user types: every command takes the same forms and says which timezone it assumed.

``audit --as-of`` and an outcomes file's ``observed_at`` go through one parser
(:mod:`assistant.times`), so the same text is the same moment in both, whatever the
machine's local timezone (Tokyo here: "naive means local" would be 9 hours off).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.times import parse_time
from events.errors import InputRejected
from tests.cli import test_cli
from tests.cli.test_cli import Docket, decided_case

docket = test_cli.docket
seeded = test_cli.seeded
utc_plus_9 = test_cli.utc_plus_9


@pytest.mark.parametrize(
    ("text", "expected", "described"),
    [
        ("2026-12-03", datetime(2026, 12, 3, tzinfo=UTC),
         "2026-12-03 00:00 UTC (no timezone given; UTC assumed)"),
        ("2026-12-03T14:05", datetime(2026, 12, 3, 14, 5, tzinfo=UTC),
         "2026-12-03 14:05 UTC (no timezone given; UTC assumed)"),
        ("2026-12-03 14:05:30", datetime(2026, 12, 3, 14, 5, 30, tzinfo=UTC),
         "2026-12-03 14:05:30 UTC (no timezone given; UTC assumed)"),
        ("2026-12-03T14:05Z", datetime(2026, 12, 3, 14, 5, tzinfo=UTC), "2026-12-03 14:05 UTC"),
        ("2026-12-03T15:05+01:00", datetime(2026, 12, 3, 14, 5, tzinfo=UTC),
         "2026-12-03 15:05 +01:00"),
    ],
)
def test_the_accepted_forms_and_how_each_is_described(
    text: str, expected: datetime, described: str
) -> None:
    given = parse_time(text)
    assert given.at == expected and given.described() == described


@pytest.mark.parametrize("text", ["yesterday", "03/12/2026", "20261203", "2026-W49-4",
                                  "2026-12-03T14", "", "2026-12-03T14:05 CET"])
def test_other_spellings_are_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(InputRejected, match="is not a time: give a date \\(2026-12-03\\)"):
        parse_time(text, "observed_at")


def test_an_impossible_date_is_refused_in_one_sentence() -> None:
    with pytest.raises(InputRejected, match="'2026-02-30' is not a real date/time"):
        parse_time("2026-02-30")


def test_audit_as_of_names_the_timezone_it_assumed(
    docket: Docket, seeded: dict[str, str], utc_plus_9: None
) -> None:
    case_id = next(iter(seeded.values()))
    naive = docket("audit", case_id, "--as-of", "2030-01-01")
    given = docket("audit", case_id, "--as-of", "2030-01-01T09:00+09:00")
    as_json = docket("audit", case_id, "--as-of", "2030-01-01", "--json")

    assert naive.exit_code == 0, naive.output
    assert "as of 2030-01-01 00:00 UTC (no timezone given; UTC assumed)" in naive.stdout
    assert "as of 2030-01-01 09:00 +09:00" in given.stdout
    # The JSON stays parseable; the sentence goes to stderr.
    assert json.loads(as_json.stdout)["case_id"] == case_id
    assert "UTC assumed" in as_json.stderr


def test_outcomes_and_audit_read_the_same_text_as_the_same_moment(
    docket: Docket, seeded: dict[str, str], tmp_path: Path, utc_plus_9: None
) -> None:
    case_id = decided_case(docket, seeded)
    assert docket("decide", case_id, "--accept").exit_code == 0
    time.sleep(2.2)  # whole seconds below: the observation must come after the decision
    observed = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    text = observed.replace(tzinfo=None).isoformat(sep=" ")  # no timezone: UTC assumed
    ref = next(ref for ref, cid in seeded.items() if cid == case_id)
    path = tmp_path / "outcomes.csv"
    path.write_text(f"case_ref,outcome,observed_at\n{ref},good,{text}\n", encoding="utf-8")

    recorded = docket("outcomes", str(path), role="engineer")

    assert recorded.exit_code == 0, recorded.output
    assert "1 recorded" in recorded.stdout
    assert "observed_at had no timezone on 1 row(s): UTC assumed" in recorded.stdout
    # The outcome holds the moment the text names in UTC (not in the machine's Tokyo time) ...
    now = json.loads(docket("audit", case_id, "--json").stdout)
    assert now["state"]["outcome"]["outcome"] == "good"
    assert datetime.fromisoformat(now["state"]["outcome"]["observed_at"]) == observed
    # ... and audit --as-of reads the very same text as that same moment, and says so.
    audited = docket("audit", case_id, "--as-of", text)
    # (seconds are shown unless zero: "08:09" for "08:09:00", one run in sixty)
    shown = text[:-3] if observed.second == 0 else text
    assert f"as of {shown} UTC (no timezone given; UTC assumed)" in audited.stdout
