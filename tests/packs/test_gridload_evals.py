"""The `orders` eval suite on the gridload pack: in its own words, and a first run with no
baseline file says so and how to record one (then the recorded one judges the next run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.test_cli import Docket, docket  # noqa: F401 - fixture
from tests.packs.conftest import register_gridload_model
from tests.packs.test_gridload_cli import DEMAND


@pytest.mark.timeout(900)
def test_orders_suite_speaks_the_packs_words_and_a_first_run_says_how_to_record_a_baseline(
    docket: Docket, tmp_path: Path,  # noqa: F811
) -> None:
    with docket.service() as service:
        register_gridload_model(service)
    out = tmp_path / "eval-results"

    def run(*extra: str, suites: tuple[str, ...] = ("orders",)) -> tuple[int, str]:
        result = docket("eval", *suites, "--domain", "gridload", "--use-store", "--out",
                        str(out), *extra, role="engineer", operator="eng")
        assert "Traceback" not in result.output, result.output
        return result.exit_code, result.output

    code, first = run(suites=())  # every suite: those for yes/no packs are skipped
    assert code == 1, first  # nothing to judge against: never a silent pass
    assert "gridload has no eval baseline yet" in first, first
    assert "`docket eval --domain gridload --update-baseline`" in first, first
    code, named = run()
    assert code == 1 and "`docket eval orders --domain gridload --update-baseline`" in named
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "held-out settlement periods" in report and "MW of load met" in report, report
    # The suite's own name, where the output names the suite, is the command's word.
    shown = re.sub(r"(^|\[\d/\d\] |eval |#+ |\| |`)orders\b", r"\1SUITE", first + named + report,
                   flags=re.MULTILINE)
    found = sorted({m.group(0) for m in DEMAND.finditer(shown)})
    assert not found, (found, [line for line in shown.splitlines() if "orders" in line])

    own = tmp_path / "gridload.json"
    code, accepted = run("--baseline", str(own), "--update-baseline")
    assert code == 0 and own.exists(), accepted
    code, again = run("--baseline", str(own))
    assert code == 0 and "PASSED" in again, again
