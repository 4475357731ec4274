"""Every `docket` command pays for what `cli.main` imports: scipy.stats alone cost about a
second of CPU per command (imported by the quantile alerts at start-up), so it is imported
where a test is run, not at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_at_start(also_import: str = "") -> list[str]:
    code = (
        f"import sys, cli.main\n{also_import}\n"
        "print(','.join(sorted(m for m in ('scipy.stats', 'sklearn', 'pandas') "
        "if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return [m for m in result.stdout.strip().split(",") if m]


def test_starting_docket_imports_no_scipy_stats() -> None:
    assert loaded_at_start() == []


def test_the_check_sees_scipy_stats_when_imported() -> None:
    assert loaded_at_start("import assistant.monitoring.quantile_alerts as q, scipy.stats") == [
        "scipy.stats"
    ]
