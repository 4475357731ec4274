"""``benchmarks/speed_table.py`` (README's Speed table) keeps working as the benchmarks change.

The table reads each benchmark's figures by name from its ``--json`` file. A figure a
benchmark no longer records must show as a row not measured (naming the figure) and fail the
run; the smoke test runs the whole script with ``--quick`` on a store made here, so a
benchmark whose output changed, or that no longer runs, fails it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import make_store, speed_table  # noqa: E402


def test_a_figure_a_benchmark_no_longer_records_is_a_row_not_measured_naming_it() -> None:
    run = speed_table.Run("guardrails", "bench_guardrails.py", ())
    figures = {"check_output_p50_ms": 0.8, "check_output_p99_ms": 1.2}  # no bare_validate_p50_ms
    ran = speed_table.Ran(run, figures=figures)
    row = next(r for r in speed_table.rows(200) if r.what.startswith("output guardrails"))

    [line] = speed_table.lines([row], {"guardrails": ran})

    assert line.not_measured == "bench_guardrails.py no longer records 'bare_validate_p50_ms'"
    assert not line.deliberate
    assert "not measured: bench_guardrails.py no longer records" in speed_table.markdown("", [line])


@pytest.mark.slow
@pytest.mark.postgres
def test_the_quick_run_measures_every_row_on_a_store_made_here(tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    stores.mkdir()
    # The template (keys and trained models, no case) takes ~20 s to train: reuse the
    # cached one when there is one; the store of cases is made here either way.
    cached = make_store.CACHE / "credit-template.sqlite"
    if Path(f"{cached}.made.json").exists():
        for part in make_store.companions(cached):
            copy = stores / part.name
            shutil.copytree(part, copy) if part.is_dir() else shutil.copyfile(part, copy)
    out = tmp_path / "out"

    done = subprocess.run(
        [sys.executable, "benchmarks/speed_table.py", "--quick", "--out", str(out)], cwd=ROOT,
        env={**os.environ, "DOCKET_BENCH_STORES": str(stores)}, capture_output=True, text=True,
        timeout=1200,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert (stores / "credit-200.sqlite.made.json").exists()  # the store was made here
    [report] = [json.loads(p.read_text()) for p in out.glob("*.json")]
    assert len(report["rows"]) == len(speed_table.rows(200))
    skipped = [r for r in report["rows"] if r["not_measured"]]
    assert all(r["deliberate"] and "--quick" in r["not_measured"] for r in skipped)
    assert len(skipped) == 2  # ingest with notes and the PostgreSQL console
    for key, bench in report["benchmarks"].items():
        assert bench["figures"] or bench["not_measured"], key
        assert bench["load_before"] and bench["load_after"], key
    assert report["machine"]["cores"] and report["commit"]
    [table] = [p.read_text() for p in out.glob("*.md")]
    assert table.count("\n| ") == len(report["rows"]) + 2  # the header, the rule, one a row
