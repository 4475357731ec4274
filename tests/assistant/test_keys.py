"""Identity comes from keys enrolled in the log: a role or a name given in code grants nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import DocketService
from assistant.views import Accept, Identity
from events.errors import NotAuthorised
from tests.conftest import ServiceFactory
from tests.people import People

COSTS = {"approve": {"good": 0.0, "bad": 6.0}, "decline": {"good": 1.0, "bad": 0.0}}


def test_a_spoofed_role_is_refused(open_service: ServiceFactory, people: People) -> None:
    ana = open_service("ana", "operator", models=False)
    ana.identity = Identity("ana", "risk_owner")  # ana's key holds only operator
    with pytest.raises(NotAuthorised, match="ana's key does not hold role 'risk_owner'"):
        ana.change_policy("credit", {"costs": COSTS}, "cheaper")
    with pytest.raises(NotAuthorised, match="does not hold role 'risk_owner'"):
        DocketService.open(people.store, keys=[people.key("ana", "operator")],
                           role="risk_owner", data_dir=people.data_dir)  # fmt: skip
    assert ana.policy("credit").version == 1


def test_a_name_and_role_without_a_key_record_nothing(
    open_service: ServiceFactory, people: People, credit_rows: object
) -> None:
    open_service("rita", "risk_owner", models=False)  # rita exists, but this process lacks her key
    anonymous = DocketService.open(
        people.store, identity=Identity("rita", "risk_owner"), data_dir=people.data_dir
    )
    try:
        with pytest.raises(NotAuthorised, match="recording needs a key"):
            anonymous.change_policy("credit", {"costs": COSTS}, "cheaper")
    finally:
        anonymous.close()


def test_holding_bobs_key_does_not_make_you_ana(
    open_service: ServiceFactory, people: People
) -> None:
    open_service("ana", "operator", models=False)
    bob = DocketService.open(people.store, keys=[people.key("bob", "operator")],
                             data_dir=people.data_dir)  # fmt: skip
    try:
        bob.identity = Identity("ana", "operator")
        with pytest.raises(NotAuthorised, match="you hold the key of bob, not of ana"):
            bob.open_case("credit", {"case_ref": "x"})
    finally:
        bob.close()


def test_a_revoked_key_is_refused_after_its_revocation(
    open_service: ServiceFactory, people: People, credit_rows: object
) -> None:
    ana = open_service("ana", "operator")
    rows = credit_rows(2)  # type: ignore[operator]
    first, second = ana.ingest("credit", rows).opened
    ana.decide(first, Accept())  # before the revocation: fine
    ana_key = people.key("ana", "operator").key_id
    people.admin().revoke_key(ana_key, "laptop lost")
    with pytest.raises(NotAuthorised, match=f"ana's key {ana_key} was revoked"):
        ana.decide(second, Accept())
    assert ana.case(second).status == "open"
    assert ana.verify().ok


def test_only_an_admin_enrols_and_revokes(open_service: ServiceFactory, people: People) -> None:
    ana = open_service("ana", "operator", models=False)
    with pytest.raises(NotAuthorised, match="does not hold role 'admin'"):
        ana.enrol("mallory", ["risk_owner"])
    with pytest.raises(NotAuthorised, match="does not hold role 'admin'"):
        ana.revoke_key(people.key("ana", "operator").key_id, "no")
    listed = {k.person: k for k in people.admin().enrolled_keys()}
    assert "mallory" not in listed and listed["ana"].roles == ("operator",)


def test_keys_init_is_only_for_an_empty_store(tmp_path: Path, people: People) -> None:
    people.admin()
    late = DocketService.open(people.store, data_dir=people.data_dir)
    try:
        with pytest.raises(NotAuthorised, match="already has keys"):
            late.init_keys("mallory")
    finally:
        late.close()
