"""Readable reports of a run: a Markdown file and the terminal table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.baseline import Row
from evals.core import Metric, SuiteResult, Table
from evals.results import RunResult


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value).replace("|", "\\|")


def _ci(metric: Metric) -> str:
    return f"[{metric.ci[0]:.4f}, {metric.ci[1]:.4f}]" if metric.ci else "n/a"


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return lines


def _verdict(run: RunResult) -> str:
    if not run.complete:
        return "INCOMPLETE (the run was cut short; these are partial results)"
    if run.baseline_problem:
        return f"NOT JUDGED: {run.baseline_problem}"
    return "PASSED" if run.passed else "FAILED"


def _rows_by_metric(run: RunResult, suite: str) -> dict[str, Row]:
    rows = run.comparison.rows if run.comparison else []
    return {r.metric: r for r in rows if r.suite == suite}


def _state(run: RunResult, result: SuiteResult) -> str:
    """A suite's state as the report and the terminal say it: with no baseline to judge by
    (a new pack's), a suite that ran is "not judged", never "failed"."""
    if result.status in ("error", "skipped"):
        return result.status
    if run.baseline_problem:
        return "not judged"
    return "passed" if run.suite_passed(result.suite) else "failed"


def _suite_section(run: RunResult, result: SuiteResult) -> list[str]:
    status = _state(run, result)
    lines = [f"## {result.suite}: {status}", ""]
    lines.append(f"{result.samples} samples from {result.dataset or 'n/a'}; "
                 f"{result.seconds:.1f} s.")
    if result.error:
        lines += ["", f"**Error:** {result.error}"]
    judged = _rows_by_metric(run, result.suite)
    if result.metrics:
        lines.append("")
        rows = []
        for m in result.metrics:
            row = judged.get(m.name)
            rows.append((m.name, m.value, _ci(m), m.n, row.baseline if row else None,
                         row.delta if row else None, row.tolerance if row else None,
                         (row.status + (f": {row.message}" if row.message and row.status != "ok"
                                        else "")) if row else "", m.description))
        lines += markdown_table(
            ("metric", "value", "95% CI", "n", "baseline", "delta", "tolerance", "verdict",
             "what it is"), rows)
    for name, row in judged.items():
        if row.status in ("missing", "no-baseline") and name not in {m.name for m in
                                                                      result.metrics}:
            lines += ["", f"- `{name}`: {row.status}: {row.message}"]
    for table in result.tables:
        lines += ["", f"### {table.title}", "", *_table(table)]
    if result.notes:
        lines += ["", *[f"- {note}" for note in result.notes]]
    return [*lines, ""]


def _table(table: Table) -> list[str]:
    return markdown_table(table.columns, table.rows)


def markdown(run: RunResult) -> str:
    """The whole run as a Markdown document."""
    lines = ["# Docket eval report", "", f"**Verdict: {_verdict(run)}**", ""]
    lines += [f"- started: {run.started_at}", f"- duration: {run.seconds:.1f} s"]
    lines += [f"- {key}: {value}" for key, value in run.context.items()]
    lines += ["", "| suite | status | metrics | seconds | eval run event |",
              "|---|---|---|---|---|"]
    for r in run.results:
        state = _state(run, r)
        lines.append(f"| {r.suite} | {state} | {len(r.metrics)} | {r.seconds:.1f} | "
                     f"{run.run_ids.get(r.suite, '')} |")
    not_run = [s for s in run.suites_requested if s not in {r.suite for r in run.results}]
    if not_run:
        lines += ["", f"Not run: {', '.join(not_run)}."]
    lines.append("")
    if run.comparison and run.comparison.failures:
        lines += ["## What failed", ""]
        lines += [f"- `{r.suite}.{r.metric}`: {r.status}: {r.message}"
                  for r in run.comparison.failures]
        lines.append("")
    for result in run.results:
        lines += _suite_section(run, result)
    return "\n".join(lines).rstrip() + "\n"


def summary_lines(run: RunResult) -> list[str]:
    """A compact terminal table: one line per metric with value, CI and verdict."""
    out: list[str] = []
    for result in run.results:
        if result.status == "error":
            out.append(f"{result.suite}: ERROR {result.error}")
            continue
        if result.status == "skipped":
            out.append(f"{result.suite}: skipped: {result.error}")
            continue
        state = ("not judged" if run.baseline_problem else
                 "passed" if run.suite_passed(result.suite) else "FAILED")
        out.append(f"{result.suite} ({result.seconds:.1f} s): {state}")
        judged = _rows_by_metric(run, result.suite)
        width = max((len(m.name) for m in result.metrics), default=0)
        for m in result.metrics:
            row = judged.get(m.name)
            verdict = "" if row is None else (row.status.upper() if row.failed else row.status)
            ci = f"  95% CI {_ci(m)}" if m.ci else ""
            out.append(f"  {m.name.ljust(width)}  {m.value:10.4f}{ci}  {verdict}")
    out.append(f"verdict: {_verdict(run)} ({run.seconds:.1f} s)")
    return out


__all__ = ["markdown", "markdown_table", "summary_lines"]
