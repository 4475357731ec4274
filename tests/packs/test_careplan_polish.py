"""The careplan pack through the command line, as its README-only author met it: the admin
``docket keys init`` makes acts in careplan's own roles (not another installed pack's)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.test_cli import Docket, docket  # noqa: F401 - fixture
from tests.packs.test_careplan_pack import write_checkups
from tests.people import ROOT

OTHER_PACKS_ROLES = re.compile(r"radiologist|consultant|clinical_lead|risk_owner|\boperator\b|"
                               r"\bsenior\b|operations_owner")


def as_root(docket: Docket, *args: str, role: str | None = None) -> str:  # noqa: F811
    """``docket ARGS`` with the key of the store's first admin, who holds every installed
    pack's roles; no ``--role`` unless given."""
    result = docket(*args, operator=ROOT, role=role)
    assert result.exit_code == 0, (args, result.output)
    assert "Traceback" not in result.output
    return result.output


def test_the_first_admin_acts_in_the_packs_own_roles(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    # Every installed pack's roles, biopsy's radiologist first: the key's first role.
    assert "radiologist" in as_root(docket, "keys", "list").split()[2]
    as_root(docket, "ingest", str(write_checkups(tmp_path / "checkups.csv")))

    opened = as_root(docket, "audit", "cp-000")
    assert re.search(r"Opened\s+root \(care_coordinator\)", opened), opened
    accepted = as_root(docket, "decide", "cp-000", "--accept")
    assert "by root (care_coordinator)" in accepted
    # A role named is the role used.
    named = as_root(docket, "decide", "cp-001", "--accept", role="endocrinologist")
    assert "by root (endocrinologist)" in named
    # The owner's work, in careplan's owner role.
    proposed = as_root(docket, "policy", "set", "--cost", "standard:worsened=6",
                       "--justification", "complications cost more")
    assert "proposed change #" in proposed
    history = as_root(docket, "audit", "cp-000") + as_root(docket, "audit", "cp-001")
    assert not OTHER_PACKS_ROLES.search(history), OTHER_PACKS_ROLES.findall(history)
