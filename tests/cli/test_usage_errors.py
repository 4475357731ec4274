"""Click's own usage errors read like Docket's: ``error: FIELD: problem`` on one line, with the
command's usage and where its help is, exit code 2 (they used to be click's four-line
``Usage: ... / Try ... / Error: Missing argument 'CASE'.``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["audit"], "error: CASE: missing (usage: docket audit [OPTIONS] CASE; "
                    "`docket audit --help` says more)"),
        (["cases", "--bogus"], "error: --bogus: no such option (usage: docket cases [OPTIONS]; "
                               "`docket cases --help` says more)"),
        (["cases", "--statu", "open"], "error: --statu: no such option; did you mean --status "
                                       "or --sort? (usage: docket cases [OPTIONS]; "
                                       "`docket cases --help` says more)"),
        (["cases", "--status", "nope"], "error: --status: 'nope' is not one of 'waiting', "
                                        "'open', 'escalated', 'decided', 'all' (usage: docket "
                                        "cases [OPTIONS]; `docket cases --help` says more)"),
        (["cases", "--page", "x"], "error: --page: 'x' is not a whole number (usage: docket "
                                   "cases [OPTIONS]; `docket cases --help` says more)"),
        (["decide", "gc-1", "--reason"], "error: --reason: needs a value (usage: docket decide "
                                         "[OPTIONS] CASE; `docket decide --help` says more)"),
        (["policy", "set", "--bogus"], "error: --bogus: no such option; did you mean --cost? "
                                       "(usage: docket policy set [OPTIONS]; "
                                       "`docket policy set --help` says more)"),
        (["statu"], "error: 'statu' is not a command; did you mean status? (usage: docket "
                    "[OPTIONS] COMMAND [ARGS]...; `docket --help` says more)"),
        (["--role", "clerk", "status"], "error: --role: 'clerk' is not a role of any installed "
                                        "pack: use one of "),
        (["eval", "--out"], "error: --out: needs a value (usage: docket eval [OPTIONS] "
                            "[SUITES]...; `docket eval --help` says more)"),
    ],
)
def test_a_usage_error_is_one_docket_sentence_naming_the_field(
    tmp_path: Path, argv: list[str], line: str
) -> None:
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "s.sqlite"), *argv],
                                env={"DOCKET_DATA_DIR": str(tmp_path / "data")}, prog_name="docket")
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0].startswith(line), result.output
    assert len(result.output.splitlines()) == 1, result.output
    assert "Usage:" not in result.output and "Try '" not in result.output
    assert not (tmp_path / "s.sqlite").exists()  # a usage error creates nothing


def test_a_group_named_alone_still_shows_its_help(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "s.sqlite"), "keys"])
    assert "enrol" in result.output and "error:" not in result.output
