"""The declarations a pack makes about its decision are checked when the pack is built."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.domains import ClassificationShape, QuantityShape, Roles, get_pack
from assistant.domains.demand import SHAPE
from events.errors import DocketError


def shape(**changes: object) -> ClassificationShape:
    base: dict[str, object] = {
        "outcomes": ("No", "Yes"),
        "risk_outcome": "Yes",
        "actions": ("pass", "block", "review"),
        "escalate_action": "review",
        "reveals": {"pass": frozenset({"No", "Yes"}), "block": frozenset()},
    }
    return ClassificationShape(**{**base, **changes})  # type: ignore[arg-type]


def test_a_yes_no_shape_keeps_its_labels_as_written_and_fills_what_each_action_reveals() -> None:
    s = shape()
    assert s.safe_outcome == "No" and s.decisive_actions == ("pass", "block")
    assert s.reveals["block"] == frozenset() and s.reveals["review"] == {"No", "Yes"}
    record = s.case_record(Roles(owner="card_portfolio_owner", operator="analyst"))
    assert record == {"kind": "classification", "actions": ["pass", "block", "review"],
                      "escalate_action": "review", "outcomes": ["No", "Yes"],
                      "deciding_roles": ["analyst", "senior"]}


@pytest.mark.parametrize(("changes", "message"), [
    ({"outcomes": ("No", "No")}, "two distinct outcomes"),
    ({"outcomes": ("a", "b", "c")}, "two distinct outcomes"),
    ({"risk_outcome": "yes"}, "risk outcome 'yes'"),
    ({"escalate_action": "escalate"}, "escalation action 'escalate'"),
    ({"actions": ("review",)}, "besides escalation"),
    ({"reveals": {"approve": frozenset()}}, "unknown action 'approve'"),
    ({"reveals": {"pass": frozenset({"bad"})}}, "unknown outcomes"),
])
def test_an_inconsistent_shape_is_refused_naming_the_problem(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        shape(**changes)


def test_roles_must_be_plain_distinct_names() -> None:
    assert Roles(owner="card_portfolio_owner").all[2] == "card_portfolio_owner"
    with pytest.raises(ValueError, match="distinct"):
        Roles(owner="operator")
    with pytest.raises(ValueError, match="lower-case"):
        Roles(owner="Card Owner")


def test_a_quantity_shape_records_no_outcome_labels() -> None:
    q = dataclasses.replace(SHAPE, escalate_action="ask_manager")
    record = q.case_record(Roles(owner="store_owner"))
    assert "outcomes" not in record and record["escalate_action"] == "ask_manager"
    with pytest.raises(ValueError, match="bounds"):
        dataclasses.replace(SHAPE, minimum_order=10, capacity=5)
    assert isinstance(q, QuantityShape)


def test_a_pack_whose_policy_disagrees_with_its_declaration_is_refused() -> None:
    credit = get_pack("credit")
    assert credit.actions == credit.default_policy.actions
    assert credit.case_record()["escalate_action"] == credit.default_policy.escalate_action
    with pytest.raises(DocketError, match="owner"):
        dataclasses.replace(credit, roles=Roles(owner="someone_else"))
    with pytest.raises(DocketError, match="escalates"):
        dataclasses.replace(credit, decision=dataclasses.replace(
            credit.decision, escalate_action=credit.actions[0]))
