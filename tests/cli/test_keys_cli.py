"""``docket keys`` and acting with a key, as a team would set it up from the shell."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.main import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    for name in ("DOCKET_STORE", "DOCKET_OPERATOR", "DOCKET_ROLE", "DOCKET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKET_DATA_DIR", str(tmp_path / "data"))
    store = str(tmp_path / "team.sqlite")
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, ["--store", store, *args], env=env, catch_exceptions=True)

    return invoke


def one_sentence_error(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_team_enrols_acts_and_revokes_with_keys(run: object, tmp_path: Path) -> None:
    invoke = run  # type: ignore[assignment]
    bob_key, rita_key = tmp_path / "bob.key", tmp_path / "rita.key"

    # Without a key nothing is recorded, whatever role is claimed.
    one_sentence_error(
        invoke("--role", "risk_owner", "policy", "--domain", "credit", "set", "--cost",
               "approve:bad=6", "--justification", "x"),  # fmt: skip
        "recording needs a key",
    )
    init = invoke("keys", "init", "--person", "alice")  # type: ignore[operator]
    assert init.exit_code == 0, init.output
    assert (tmp_path / "data" / "keys" / "default.key").exists()

    enrolled = invoke("keys", "enrol", "bob", "--role", "operator", "--new", str(bob_key))
    assert enrolled.exit_code == 0, enrolled.output
    made = invoke("keys", "create", str(rita_key))
    found = re.search(r"public key .*: ([0-9a-f]{64})", made.stdout)
    assert found, made.output
    public = found.group(1)
    rita = invoke("keys", "enrol", "rita", "--role", "risk_owner", "--public-key", public)
    assert rita.exit_code == 0, rita.output

    # bob holds operator only: claiming risk_owner (option or environment) is refused.
    for claim in (["--role", "risk_owner"], []):
        env = {} if claim else {"DOCKET_ROLE": "risk_owner"}
        one_sentence_error(
            invoke("--key", str(bob_key), *claim, "policy", "--domain", "credit", "set",
                   "--cost", "approve:bad=6", "--justification", "x", env=env),  # fmt: skip
            "bob's key does not hold role 'risk_owner'",
        )
    one_sentence_error(
        invoke("--key", str(bob_key), "keys", "enrol", "mallory", "--role", "admin",
               "--public-key", public),  # fmt: skip
        "does not hold role 'admin'",
    )
    one_sentence_error(
        invoke("--key", str(bob_key), "--operator", "rita", "status"), "belongs to bob, not rita"
    )

    listed = invoke("keys", "list")
    assert re.search(r"bob\s+operator", listed.stdout)
    assert re.search(r"rita\s+risk_owner", listed.stdout)
    bob_id = re.search(r"^(\w{16})\s+bob", listed.stdout, re.M).group(1)  # type: ignore[union-attr]
    assert invoke("keys", "revoke", bob_id, "--reason", "left the team").exit_code == 0
    one_sentence_error(invoke("--key", str(bob_key), "status"), "not enrolled")
    assert "revoked" in invoke("keys", "list").stdout

    verified = invoke("verify")
    assert verified.exit_code == 0, verified.output
    assert re.search(r"head: [0-9a-f]{64} at position \d+", verified.stdout)


def test_checkpoint_export_then_verify_against_it(run: object, tmp_path: Path) -> None:
    invoke = run  # type: ignore[assignment]
    one_sentence_error(invoke("checkpoint", "export", str(tmp_path)), "recording needs a key")
    assert invoke("keys", "init", "--person", "alice").exit_code == 0
    folder = tmp_path / "checkpoints"
    # A folder not made yet, named as one (a trailing slash): refused, not written as a file
    # of that name (the cron job's next run then found "already exists").
    one_sentence_error(invoke("checkpoint", "export", f"{folder}/"), f"no folder {folder}/")
    assert not folder.exists()
    folder.mkdir()
    exported = invoke("checkpoint", "export", str(folder))
    assert exported.exit_code == 0, exported.output
    [written] = list(folder.iterdir())
    assert "signed by alice" in exported.stdout and str(written) in exported.stdout
    assert invoke("keys", "enrol", "bob", "--role", "operator", "--new",
                  str(tmp_path / "bob.key")).exit_code == 0  # fmt: skip
    checked = invoke("verify", "--checkpoint", str(written))
    assert checked.exit_code == 0, checked.output
    assert re.search(r"ok: the first \d+ positions match the checkpoint signed by alice at "
                     r"\S+; 1 event\(s\) appended since", checked.stdout)  # fmt: skip
    assert "match the log: the checkpoint's seal of position" in checked.stdout, checked.stdout
    # The seal is signed with the rest: an insider who edits it (to pass an edited file
    # against it) has altered the checkpoint.
    sealed = json.loads(written.read_text())
    sealed["read_models"]["digests"] = base64.b64encode(
        bytes(len(base64.b64decode(sealed["read_models"]["digests"])))).decode()  # fmt: skip
    resealed = tmp_path / "resealed.json"
    resealed.write_text(json.dumps(sealed))
    one_sentence_error(invoke("verify", "--checkpoint", str(resealed)), "CHECKPOINT FAILED",
                       "the file was altered")  # fmt: skip
    data = written.read_text().replace('"position": ', '"position": 1')
    edited = tmp_path / "edited.json"
    edited.write_text(data)
    one_sentence_error(invoke("verify", "--checkpoint", str(edited)), "CHECKPOINT FAILED",
                       "the file was altered")  # fmt: skip
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe garbage")
    one_sentence_error(invoke("verify", "--checkpoint", str(tmp_path / "junk.json")),
                       "is not a checkpoint")  # fmt: skip


def test_keys_init_gives_the_components_keys_of_their_own(run: object, tmp_path: Path) -> None:
    invoke = run  # type: ignore[assignment]
    init = invoke("keys", "init", "--person", "alice")
    assert init.exit_code == 0, init.output
    assert "components enrolled in role system: docket/orchestrator" in init.stdout
    folder = tmp_path / "data" / "keys" / "components"
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["docket_explainer.key", "docket_monitor.key", "docket_orchestrator.key",
                     "docket_readmodels.key"]  # fmt: skip
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}
    listed = invoke("keys", "list").stdout
    for name in ("docket/orchestrator", "docket/explainer", "docket/monitor", "docket/readmodels"):
        assert re.search(rf"{name}\s+system\s", listed), listed
    # One column each: the roles and the enrolment start at the same place on every line
    # (a name longer than 16 characters pushed its line's columns out of line).
    lines = listed.splitlines()
    assert len({line.index(" system") for line in lines if "docket/" in line}) == 1, listed
    assert len({line.index("enrolled at") for line in lines}) == 1, listed
    again = invoke("keys", "enrol-components")
    assert again.exit_code == 0 and "already hold enrolled keys" in again.stdout, again.output


def test_an_admin_enrols_the_components_of_an_older_store_and_verify_then_holds_them_to_it(
    run: object, tmp_path: Path, credit_rows: Any
) -> None:
    """A store set up before ``keys init`` enrolled components (here: by the service alone)."""
    from assistant import config
    from assistant.service import DocketService, SigningKey

    invoke = run  # type: ignore[assignment]
    store = str(tmp_path / "team.sqlite")
    setup = DocketService.open(store, data_dir=tmp_path / "data")
    try:
        setup.init_keys("alice").save(config.default_key_path())
        bob_key = tmp_path / "bob.key"
        _, made = setup.enrol("bob", ["operator"])
        assert made is not None
        made.save(bob_key)
    finally:
        setup.close()
    folder = tmp_path / "data" / "keys" / "components"

    one_sentence_error(invoke("--key", str(bob_key), "keys", "enrol-components"),
                       "does not hold role 'admin'")  # fmt: skip
    assert not folder.exists()  # refused before any key file was written

    enrolled = invoke("keys", "enrol-components")
    assert enrolled.exit_code == 0, enrolled.output
    assert "docket/orchestrator, docket/explainer, docket/monitor, docket/readmodels" in (
        enrolled.stdout)
    assert invoke("verify").exit_code == 0

    # Bob's copy of Docket, on his own machine without the components' keys, changed to
    # record a case scored in the orchestrator's name with his key alone.
    elsewhere = DocketService.open(store, keys=[SigningKey.load(bob_key)],
                                   data_dir=tmp_path / "bob-laptop")  # fmt: skip
    try:
        elsewhere.log.enrolled_components = frozenset()
        assert elsewhere.ingest("credit", credit_rows(1)).opened
    finally:
        elsewhere.close()
    one_sentence_error(invoke("verify"), "TAMPERED at position",
                       "recorded as done by the component docket/orchestrator",
                       "signed only by bob's key")  # fmt: skip


def test_retrain_without_a_key_says_no_key_is_held_who_may_and_how_to_name_yourself(
    run: object,
) -> None:
    invoke = run  # type: ignore[assignment]
    result = invoke("retrain", "credit", "--reason", "monthly")  # type: ignore[operator]
    # Was: "only engineer or risk_owner may retrain models for credit, not role 'operator'",
    # a role the person never claimed.
    one_sentence_error(result, "engineer or risk_owner", "no key", "--key FILE",
                       "docket keys init")
    assert "not role 'operator'" not in result.stderr
