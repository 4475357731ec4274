"""``docket keys`` and acting with a key, as a team would set it up from the shell."""

from __future__ import annotations

import re
from pathlib import Path

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
    data = written.read_text().replace('"position": ', '"position": 1')
    edited = tmp_path / "edited.json"
    edited.write_text(data)
    one_sentence_error(invoke("verify", "--checkpoint", str(edited)), "CHECKPOINT FAILED",
                       "the file was altered")  # fmt: skip
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe garbage")
    one_sentence_error(invoke("verify", "--checkpoint", str(tmp_path / "junk.json")),
                       "is not a checkpoint")  # fmt: skip
