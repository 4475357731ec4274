"""Outcomes a case's final action cannot show, on a pack whose discharge shows a malignancy
only (the patient comes back), never a benign mass.

Before, a benign outcome recorded after a discharge was taken as the clinic's own
observation: recorded, counted as seen. Now it is refused, naming the case, the action and
the outcome, the bulk row kept in quarantine; an outside source may still report it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import domains
from assistant.service import DocketService
from assistant.views import Accept, QueueQuery
from cli.main import cli
from events.errors import InputRejected
from tests.packs.biopsy import make_clinic_pack
from tests.packs.conftest import Open
from tests.people import People


@pytest.fixture(autouse=True)
def clinic_pack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(domains._registered, "biopsy", make_clinic_pack)
    domains._cache.pop("biopsy", None)
    yield
    domains._cache.pop("biopsy", None)


def _discharged(biopsy: Open, scans: list[dict[str, object]], n: int
                ) -> tuple[DocketService, list[tuple[str, str]]]:
    """The service, and ``n`` discharged cases: (case id, case ref)."""
    service = biopsy()
    service.ingest("biopsy", scans[:80])
    page = service.queue(QueueQuery(statuses=("open",), limit=100, order_by="case_ref"))
    found: list[tuple[str, str]] = []
    for row in page.rows:
        if row.recommendation == "discharge" and len(found) < n:
            service.decide(row.case_id, Accept())
            found.append((row.case_id, row.case_ref))
    assert len(found) == n
    return service, found


def test_a_benign_outcome_after_a_discharge_is_refused_unless_an_outside_source_reports_it(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    service, [(first, ref), (second, _), (third, _)] = _discharged(biopsy, scans, 3)
    now = datetime.now(UTC)
    with pytest.raises(InputRejected) as refused:
        service.record_outcome(first, "No", now)
    said = str(refused.value)
    assert f"case {ref}" in said
    assert "'No' cannot be observed after 'discharge', which shows only 'Yes'" in said
    assert "outside:" in said
    assert service.case(first).outcome is None
    service.record_outcome(second, "Yes", now)  # she came back: the clinic sees it
    service.record_outcome(third, "No", now, source="outside:registry")
    assert (service.case(second).outcome, service.case(third).outcome) == ("Yes", "No")


def test_bulk_outcomes_name_the_case_the_action_and_the_outcome_and_keep_the_row(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    service, [(first, ref), (second, other)] = _discharged(biopsy, scans, 2)
    before = service.status().quarantined_outcome_rows
    at = datetime.now(UTC).isoformat()
    lines = service.record_outcomes([
        {"case_ref": ref, "outcome": "No", "observed_at": at},
        {"case_ref": other, "outcome": "Yes", "observed_at": at},
    ], domain="biopsy")
    assert lines[0].startswith("2 rows: 1 recorded, 1 unobservable"), lines
    [reported] = [line for line in lines if "unobservable" in line and "row 1" in line]
    assert f"case {ref}: 'No' cannot be observed after 'discharge'" in reported, reported
    assert service.case(first).outcome is None
    assert service.case(second).outcome == "Yes"
    assert service.status().quarantined_outcome_rows == before + 1


def test_the_service_says_which_outcome_an_action_shows(biopsy: Open) -> None:
    """A front end asked whether a discharge shows the outcome and heard yes, then had its
    benign outcome refused; with the outcome it now hears which one shows."""
    service = biopsy()
    assert service.reveals_outcome("biopsy", "discharge")  # some outcome may show
    assert service.reveals_outcome("biopsy", "discharge", "Yes")
    assert not service.reveals_outcome("biopsy", "discharge", "No")
    assert service.reveals_outcome("biopsy", "biopsy", "No")
    assert not service.reveals_outcome("biopsy", None, "Yes")


def test_monitor_and_health_say_they_leave_out_what_a_discharge_shows(
    biopsy: Open, scans: list[dict[str, object]], tmp_path: Path
) -> None:
    """Every outcome recorded after a discharge is a malignancy; outcome quality counted
    them as a sample of the discharged and read a model far too optimistic. Now they are
    left out, and docket monitor and the health screen say how many and why."""
    service, discharged = _discharged(biopsy, scans, 3)
    now = datetime.now(UTC)
    for case_id, _ in discharged[:2]:
        service.record_outcome(case_id, "Yes", now)  # they came back
    said = "2 outcome(s) recorded after 'discharge' left out: it reveals some outcomes only"
    assert said in service.health("biopsy").calibration_window
    people = People.of(service.store_url, service.data_dir)
    key = people.save("ava", "auditor", tmp_path)

    def docket(*args: str) -> str:
        shown = CliRunner().invoke(
            cli, ["--store", service.store_url, "--key", str(key), "--role", "auditor", *args],
            env={"DOCKET_DATA_DIR": str(service.data_dir), "DOCKET_KEY": None})
        assert shown.exit_code == 0, shown.output
        return shown.output

    monitored = docket("monitor", "biopsy")
    assert "outcome quality: no outcome of an action that reveals every outcome yet; " + said \
        in monitored, monitored
    # docket quality counted them as reported by outside sources
    quality = docket("quality", "biopsy")
    assert ("0 reported by outside sources, 2 shown by an action that reveals some outcomes "
            "only") in quality, quality


def test_verify_is_told_which_outcome_a_discharge_cannot_show() -> None:
    """verify took the discharge for an action that shows every outcome: a benign outcome
    after one, written around the service, passed unremarked."""
    from assistant.usecases.maintenance import hidden_outcomes, silent_actions

    assert hidden_outcomes()["biopsy"] == {"discharge": ("No",)}
    assert "discharge" not in silent_actions()["biopsy"]


def test_docket_outcomes_names_the_row_the_case_the_action_and_the_outcome(
    biopsy: Open, scans: list[dict[str, object]], tmp_path: Path
) -> None:
    service, [(first, ref), (second, other)] = _discharged(biopsy, scans, 2)
    at = datetime.now(UTC).isoformat()
    rows = tmp_path / "outcomes.csv"
    rows.write_text(f"case_ref,outcome,observed_at\n{ref},No,{at}\n{other},Yes,{at}\n",
                    encoding="utf-8")
    key = People.of(service.store_url, service.data_dir).save("rita", "radiologist", tmp_path)
    shown = CliRunner().invoke(
        cli, ["--store", service.store_url, "--key", str(key), "--role", "radiologist",
              "outcomes", str(rows), "--domain", "biopsy"],
        env={"DOCKET_DATA_DIR": str(service.data_dir), "DOCKET_KEY": None})
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("2 rows: 1 recorded, 1 unobservable"), shown.output
    assert (f"line 2: unobservable: case {ref}: 'No' cannot be observed after 'discharge', "
            "which shows only 'Yes'; only an outside source can report it") in shown.output
    assert service.case(first).outcome is None and service.case(second).outcome == "Yes"
