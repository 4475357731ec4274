"""A second yes/no pack, written from README's "Adding a domain", runs with no core change.

Its actions (discharge / biopsy / review), escalation action (``review``), outcomes
(``No`` / ``Yes``), deciding roles (radiologist, consultant) and owner role
(``clinical_lead``) share no name with credit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.views import Accept, Escalate, Override
from events.errors import InputRejected, NotAuthorised
from tests.packs.conftest import Open


def test_it_is_listed_with_its_own_decision(biopsy: Open) -> None:
    views = {v.name: v for v in biopsy().domains()}
    view = views["biopsy"]
    assert view.actions == ["discharge", "biopsy", "review"]
    assert view.escalate_action == "review" and view.outcomes == ["No", "Yes"]
    assert view.roles["owner"] == "clinical_lead" and view.words["probability"] == "p(malignancy)"
    assert "credit" in views  # the built-in pack is still there


def test_it_scores_queues_and_escalates_to_its_own_senior(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    rita = biopsy()
    report = rita.ingest("biopsy", scans[:60])
    assert len(report.opened) == 60 and not report.rejected
    details = [rita.case(case_id) for case_id in report.opened]
    assert all(d.model_version and d.model_version.startswith("biopsy-") for d in details)
    assert {d.recommendation for d in details} <= {"discharge", "biopsy", "review"}
    assert {"discharge", "biopsy"} <= {d.recommendation for d in details}
    assert all(set(d.expected_costs) == {"discharge", "biopsy", "review"} for d in details)
    page = rita.queue()
    assert page.total == 60 and all(r.domain == "biopsy" for r in page.rows)

    # Choosing "review" sends the case to a consultant: not closed as accepted.
    case_id = report.opened[0]
    sent = rita.decide(case_id, Override("review", "other", "look again"))
    assert sent.status == "escalated"
    other = "discharge" if details[0].recommendation == "biopsy" else "biopsy"
    with pytest.raises(NotAuthorised):
        biopsy("sam", "senior").decide(case_id, Override(other, "other", "x"))  # credit's
    final = biopsy("carl", "consultant").decide(case_id, Override(other, "other", "margins"))
    assert final.status == "decided"

    # A recommended review, accepted, is an escalation too.
    reviewed = [d for d in details if d.recommendation == "review"]
    if reviewed:
        assert rita.decide(reviewed[0].case_id, Accept()).status == "escalated"
    assert rita.decide(report.opened[1], Escalate("unsure")).status == "escalated"


def test_outcomes_are_recorded_in_its_labels(biopsy: Open, scans: list[dict[str, object]]) -> None:
    rita = biopsy()
    report = rita.ingest("biopsy", scans[:3])
    for case_id in report.opened:
        rita.decide(case_id, Accept() if rita.case(case_id).recommendation != "review"
                    else Override("biopsy", "other", "check"))  # fmt: skip
    refs, now = ["wdbc-0000", "wdbc-0001", "wdbc-0002"], datetime.now(UTC).isoformat()
    lines = rita.record_outcomes([
        {"case_ref": refs[0], "outcome": "Yes", "observed_at": now},
        {"case_ref": refs[1], "outcome": "yes", "observed_at": now},
        {"case_ref": refs[2], "outcome": "bad", "observed_at": now},
    ])  # no --domain: the store holds biopsy cases only
    assert "2 recorded" in lines[0], lines
    assert "must be one of No, Yes" in "\n".join(lines)
    assert [rita.case(i).outcome for i in report.opened] == ["Yes", "Yes", None]
    rita.record_outcome(report.opened[2], "No", datetime.now(UTC))
    assert rita.case(report.opened[2]).outcome == "No"


def test_its_owner_changes_its_policy(biopsy: Open) -> None:
    with pytest.raises(NotAuthorised, match="clinical_lead"):
        biopsy("ana", "risk_owner").change_policy(
            "biopsy", {"costs": {"discharge": {"Yes": 25.0}}}, "credit's owner")
    view = biopsy("lee", "clinical_lead").change_policy(
        "biopsy", {"costs": {"discharge": {"Yes": 25.0}}}, "missed cancers cost more")
    assert view.version == 2 and view.costs["discharge"]["Yes"] == 25.0
    arms = biopsy().backtest("biopsy")
    assert arms[0].accept_action == "discharge" and arms[0].escalate_action == "review"
    assert arms[0].n == 569


def test_a_file_of_its_cases_is_read_as_its_own(
    biopsy: Open, scans: list[dict[str, object]]
) -> None:
    rita = biopsy()
    assert rita.ingest(None, scans[:2]).domain == "biopsy"  # inferred from the columns
    before = rita.status().events
    with pytest.raises(InputRejected, match="columns are those of biopsy, not credit"):
        rita.ingest("credit", scans[2:4])
    with pytest.raises(InputRejected, match="fit no installed pack"):
        rita.ingest(None, [{"colour": "red", "size": 3}])
    assert rita.status().events == before
