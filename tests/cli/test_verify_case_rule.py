"""``docket verify`` names a decision that an operator wrote with their own valid key, around
the service, contradicting its case (events/case_rule.py): the chain and the signatures hold,
the lie does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result

from assistant.domains import get_pack
from assistant.views import Accept, Override
from events.domain import Case, ModelVersion
from events.store import open_log
from tests.cli.test_cli import Docket, Rows, assert_clear_error
from tests.people import People


@pytest.fixture
def docket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, people: People) -> Docket:
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    return Docket(tmp_path / "store.sqlite", tmp_path / "data", CliRunner(), people)


def test_an_operators_accept_of_another_action_than_recommended_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    seeded = docket.seed(credit_rows(3))
    assert docket("verify").exit_code == 0
    ref, case_id = sorted(seeded.items())[0]
    # olga, an enrolled operator, writes the accept herself: signed with her own key.
    log = open_log(str(docket.store))
    log.signer = docket.people.key("olga", "operator")
    case: Any = log.repository.get(UUID(case_id))
    recommended = case.recommendation
    taken = "approve" if recommended != "approve" else "decline"
    case.trigger_event(case.Accepted, action=taken, quantity=None, actor="olga", role="operator")
    log.save(case)

    result = docket("verify")

    assert_clear_error(result, "TAMPERED at position", f"case credit/{ref}", "Accepted event",
                       f"accepts '{taken}'", f"recommended action is '{recommended}'")  # fmt: skip


def test_an_outcome_written_for_a_declined_application_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    seeded = docket.seed(credit_rows(3))
    (ref, case_id), (_, other_id) = sorted(seeded.items())[:2]
    with docket.service("ana", "operator") as ana:
        for declined in (case_id, other_id):
            case = ana.case(declined)
            ana.decide(declined, Accept() if case.recommendation == "decline" else Override(
                action="decline", reason_code="other", reason_text="too risky"))
    # The service refuses an outcome of a declined loan unless an outside source reports it;
    # olga, an enrolled operator, writes one from the bank's own books, with her own key.
    log = open_log(str(docket.store))
    log.signer = docket.people.key("olga", "operator")
    for declined, source in ((other_id, "outside:bureau"), (case_id, "bank")):
        found: Any = log.repository.get(UUID(declined))
        found.trigger_event(found.OutcomeRecorded, outcome="good", value=None, source=source,
                            observed_at="2031-01-01T00:00:00+00:00", actor="olga",
                            role="operator")  # fmt: skip
        log.save(found)

    result = docket("verify")

    assert_clear_error(result, "TAMPERED at position", f"case credit/{ref}",
                       "OutcomeRecorded event", "follows the decision 'decline', which reveals "
                       "no outcome")  # fmt: skip


def test_a_case_opened_with_a_false_pack_declaration_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    # olga, an enrolled operator, opens a credit case herself whose declaration adds the
    # label 'excellent', then records it from a bureau: the log alone reads the label as
    # declared; docket verify compares the declaration with the installed credit pack's.
    refs = docket.seed(credit_rows(2))
    decided = docket("decide", next(iter(refs)), "--accept")  # the store in use
    assert decided.exit_code == 0, decided.output
    log = open_log(str(docket.store))
    log.signer = docket.people.key("olga", "operator")
    declared = get_pack("credit").case_record()
    case = Case.open(domain="credit", case_ref="X-1", input={"duration": 6},
                     decision={**declared, "outcomes": ["good", "bad", "excellent"]},
                     actor="olga", role="operator")  # fmt: skip
    log.save(case)
    opened = log.event_count()
    case.record_outcome(outcome="excellent", observed_at="2031-01-01T00:00:00+00:00",
                        source="outside:bureau", actor="olga", role="operator")  # fmt: skip
    log.save(case)

    result = docket("verify")

    assert_clear_error(result, f"TAMPERED at position {opened}", "case credit/X-1",
                       "its Opened event records a declaration of its decision that is not "
                       "its pack's ('credit', as installed)", "'excellent'")  # fmt: skip


CARD: dict[str, Any] = {"data_fingerprint": "f" * 64, "metrics": {"mae": 1.0}}


def _olga_registers(
    docket: Docket,
    credit_rows: Rows,
    domain: str,
    managers: list[str],
    then: Callable[[Any], None] | None = None,
) -> tuple[Result, int]:
    """olga (an operator, her own key) registers a model of ``domain`` naming ``managers``,
    in her own name when they include her role, else through a component with no key of its
    own (her key vouches for it), does ``then`` to it, saves; ``docket verify``'s result and
    the position of her last event."""
    docket.seed(credit_rows(2))
    log = open_log(str(docket.store))
    log.signer = docket.people.key("olga", "operator")
    who = ("olga", "operator") if "operator" in managers else ("docket/ci", "system")
    model = ModelVersion.register(domain=domain, version=f"{domain}-x-1", card=CARD,
                                  managers=managers, actor=who[0], role=who[1])  # fmt: skip
    if then is not None:
        then(model)
    log.save(model)
    last = log.event_count()
    return docket("verify"), last


def test_a_first_champion_installed_by_an_operator_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    # demand has no champion yet (its baseline rules decide). olga, an operator, registers a
    # model through a component's name (no key of its own: her key vouches for it) and
    # installs it as demand's first champion in her own name, around the service.
    def install(model: Any) -> None:
        model.trigger_event(model.Promoted, evidence={"reason": "mine"}, actor="olga",
                            role="operator")  # fmt: skip

    result, promoted = _olga_registers(docket, credit_rows, "demand",
                                       ["engineer", "operations_owner"], install)  # fmt: skip
    assert_clear_error(result, f"TAMPERED at position {promoted}",
                       "olga (operator) installed demand-x-1 as demand's first champion "
                       "without a manager role (engineer, operations_owner)")  # fmt: skip


def test_a_model_registered_with_other_manager_roles_fails_verify(
    docket: Docket, credit_rows: Rows
) -> None:
    # olga registers a model naming 'operator' a manager role, which lets operators (her and
    # a second one) promote models of credit; the aggregate takes the registration's word.
    result, registered = _olga_registers(docket, credit_rows, "credit",
                                         ["operator", "engineer"])  # fmt: skip
    assert_clear_error(result, f"TAMPERED at position {registered}",
                       "olga (operator) registered credit's model credit-x-1 with manager "
                       "roles operator, engineer, where the pack's are engineer, risk_owner")
