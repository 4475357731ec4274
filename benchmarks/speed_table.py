"""README's Speed table, measured in one run on one real store.

    python benchmarks/speed_table.py --cases 1000000      # the README's table (~20 min idle)
    python benchmarks/speed_table.py --cases 10000 --out /tmp/table
    python benchmarks/speed_table.py --quick              # smoke run: 200 cases, few repeats

Each headline benchmark in ``benchmarks/`` runs once, in sequence, as its own process, with
``--json FILE``: it measures its figures and their baselines in that process and writes them by
name (``benchmarks/figures.py``). This script measures nothing itself; it reads those files,
puts each figure beside its target and its baseline, and writes

* ``speed_table-<cases>-<date>.json``: every figure of every benchmark, the commit, the date,
  the machine (cores, CPU model) and the load average before and after each benchmark;
* ``speed_table-<cases>-<date>.md``: the table for README (what | figure | target | baseline
  in the same run | ratio), under a line saying commit, date, machine and load.

The store-dependent rows (size, replay, verify, audit, the console, ``docket cases``) use the
real store of ``--cases`` cases made by ``benchmarks/make_store.py``. It is not made here at
that size unless ``--make`` is given: at 1,000,000 cases making it takes about 40 minutes.
Per-case rows (one decision, guardrails, screening, scoring) use the shipped packs and the
models trained for that store, as the benchmarks do. Ingest is measured on 10,000 fresh real
rows (``--ingest-cases``): the per-case rate does not need the big store, and the record of
the big store's own ingest is printed under the table, marked as made apart.

A row that cannot be measured (a benchmark failed, a figure it no longer records, PostgreSQL
unreachable) says why in the table, and the script then exits with status 1: nothing is left
out silently, and a benchmark whose output changed stops the smoke test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.make_store import CACHE, MadeStore, ensure_store, store_name  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


# --- running the benchmarks ------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One benchmark process: its script, its arguments, and why it may not run at all."""

    key: str
    script: str
    args: tuple[str, ...]
    skipped: str | None = None  # the reason it is not run, said in its rows
    deliberate: bool = False  # skipped by choice (--quick), not because it could not run


@dataclass
class Ran:
    """What one benchmark process left: its figures, or why there are none."""

    run: Run
    figures: dict[str, float] = field(default_factory=dict)
    failed: str | None = None
    seconds: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def runs(args: argparse.Namespace, made: MadeStore) -> list[Run]:
    """Every benchmark the table needs, with the sizes and repeats of this mode."""
    quick = args.quick
    models = str(made.data_dir / "models")
    pg_skip = None if postgres_reachable(args.pg_url) else f"no PostgreSQL at {args.pg_url}"
    console_skip = pg_skip or (
        "not run with --quick (each fresh console waits 12 s for a common start)"
        if quick else None
    )  # fmt: skip
    q = ("--quick",) if quick else ()
    ingest = ("--cases", str(args.ingest_cases))
    return [
        Run("events", "bench_events.py", (*q, "--parts", "appends,decision")),
        Run("ingest", "bench_ingest.py", ingest),
        Run("ingest_notes", "bench_ingest.py", (*ingest, "--notes-share", "1.0"),
            "not run with --quick (the row above runs the same benchmark)" if quick else None,
            deliberate=True),
        Run("store", "bench_store.py", ("--store", str(made.path), "--repeats", "1",
                                        "--parts", "size,replay,verify,check,sealed,audit")),
        Run("tui", "bench_tui.py", ("--cases", str(made.cases),
                                    "--repeats", "3" if quick else "20",
                                    "--shell-repeats", "1" if quick else "5")),
        Run("pg_appends", "bench_postgres.py", ("--url", args.pg_url, "--only", "appends",
                                                "--cases", "300" if quick else "5000",
                                                "--repeats", "2" if quick else "5"), pg_skip),
        Run("pg_decision", "bench_postgres.py", ("--url", args.pg_url, "--only", "decision",
                                                 "--decisions", "30" if quick else "300"),
            pg_skip),
        Run("pg_console", "bench_postgres.py", ("--url", args.pg_url, "--only", "console",
                                                "--store-cases", str(args.pg_store_cases),
                                                "--console-repeats", "3"), console_skip,
            deliberate=pg_skip is None),
        Run("decision_path", "bench_decision_path.py", (*q, "--models", models)),
        Run("demand", "bench_demand.py", q),
        Run("guardrails", "bench_guardrails.py", q),
        Run("screening", "bench_note_screening.py", (*q, "--old", "none")),
        Run("drift", "bench_drift.py", q),
    ]


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        from events.store import parse_store_url

        p = parse_store_url(url)
        with psycopg.connect(host=p.host, port=p.port, dbname=p.dbname, user=p.user,
                             password=p.password or None, connect_timeout=5):  # fmt: skip
            return True
    except Exception:  # noqa: BLE001 - any failure to connect means the rows cannot be measured
        return False


def execute(run: Run, work: Path, log: Path) -> Ran:
    """Run one benchmark, its output appended to ``log``; its figures, or why there are none."""
    ran = Ran(run, load_before=os.getloadavg())
    if run.skipped:
        ran.failed, ran.load_after = run.skipped, ran.load_before
        return ran
    out = work / f"{run.key}.json"
    command = [sys.executable, str(ROOT / "benchmarks" / run.script), *run.args, "--json", str(out)]
    print(f"[{time.strftime('%H:%M:%S')}] {run.key}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"\n### {run.key}: {' '.join(command)}\n")
        sink.flush()
        done = subprocess.run(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                              check=False)  # fmt: skip
    ran.seconds = time.perf_counter() - started
    ran.load_after = os.getloadavg()
    if done.returncode != 0:
        ran.failed = f"{run.script} failed (exit {done.returncode}; its output is in {log})"
    elif not out.exists():
        ran.failed = f"{run.script} wrote no figures (--json)"
    else:
        ran.figures = json.loads(out.read_text(encoding="utf-8"))
    print(f"    {ran.seconds:.0f} s, load {ran.load_before[0]:.1f} -> {ran.load_after[0]:.1f}"
          + (f"; NOT MEASURED: {ran.failed}" if ran.failed else ""), flush=True)  # fmt: skip
    return ran


# --- the table ---------------------------------------------------------------------------------


class Missing(KeyError):
    """A benchmark ran but did not record a figure this table reads (its output changed)."""


class Figures:
    """One benchmark's figures; a name it did not record raises :class:`Missing`."""

    def __init__(self, ran: Ran) -> None:
        self.ran = ran

    def __getitem__(self, name: str) -> float:
        if name not in self.ran.figures:
            raise Missing(f"{self.ran.run.script} no longer records {name!r}")
        return self.ran.figures[name]


@dataclass(frozen=True)
class Row:
    """One line of the table: the benchmark it reads, and how its cells are made."""

    what: str
    source: str  # a Run key
    target: str
    cells: Callable[[Figures], tuple[str, str, float, bool | None]]  # figure, baseline, ratio, met


def n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def processes(count: float) -> str:
    return "1 process" if count == 1 else f"{count:.0f} processes"


def ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def rows(cases: int) -> list[Row]:
    """Every row of the table, in README's order. Ratios are figure ÷ baseline."""
    big = f"{cases:,}-case store"
    return [
        Row("appending decisions in batches (SQLite, hash-chained, signed)", "events",
            "≥ 10,000 events/s", lambda f: (
                f"{n(f['append_events_per_s'])} events/s ({n(f['append_events'])} events)",
                f"raw `executemany` {n(f['append_raw_rows_per_s'])} rows/s",
                f["append_events_per_s"] / f["append_raw_rows_per_s"],
                f["append_events_per_s"] >= 10_000)),
        Row("one operator decision, durable commit (SQLite)", "events", "p99 < 20 ms",
            lambda f: (
                f"p50 {ms(f['decision_p50_ms'])} ms, p99 {ms(f['decision_p99_ms'])} ms "
                f"({n(f['decisions'])} decisions)",
                f"raw single-row commit p99 {ms(f['decision_raw_p99_ms'])} ms",
                f["decision_p99_ms"] / f["decision_raw_p99_ms"], f["decision_p99_ms"] < 20)),
        Row("`docket ingest` of fresh real rows, no notes (own process, CPU net of start-up)",
            "ingest", "≥ 5,000 cases/s of CPU", lambda f: ingest_cells(f, 5_000)),
        Row("`docket ingest`, a note on every case", "ingest_notes", "≥ 2,000 cases/s of CPU",
            lambda f: ingest_cells(f, 2_000)),
        Row("the next command after that ingest (`docket status`)", "ingest",
            "no catch-up left", lambda f: (
                f"{f['status_cpu_s']:.2f} s CPU", f"start-up (ingest of 10 rows) "
                f"{f['startup_cpu_s']:.2f} s CPU", f["status_cpu_s"] / f["startup_cpu_s"], None)),
        Row(f"store size, {big}", "store", "≤ 2,500 B/case", lambda f: (
            f"log {n(f['log_bytes_per_case'])} B/case + read models "
            f"{n(f['read_model_bytes_per_case'])}",
            f"the log's event states as JSON {n(f['state_json_bytes_per_case'])} B/case "
            f"(stored: {n(f['state_bytes_per_case'])})",
            f["log_bytes_per_case"] / f["state_json_bytes_per_case"],
            f["log_bytes_per_case"] <= 2_500)),
        Row(f"full replay into the read models (`docket replay`: `rebuild`), {big}", "store",
            "≥ 100,000 events/s", lambda f: (
                f"{n(f['events'] / f['replay_shared_s'])} events/s ({n(f['events'])} events in "
                f"{f['replay_shared_s']:.1f} s by {processes(f['replay_workers'])}; CPU "
                f"{f['replay_shared_cpu_s']:.1f} s); in one process "
                f"{n(f['events'] / f['replay_one_s'])}/s",
                f"raw reading of the same rows {n(f['events'] / f['raw_read_s'])} rows/s",
                f["raw_read_s"] / f["replay_shared_s"],
                f["events"] / f["replay_shared_s"] >= 100_000)),
        Row(f"`docket verify` with no seal (a log no one sealed): chain + signature walk, then "
            f"the read-model check, {big}",
            "store", "1M events < 15 s (≥ 66,667 events/s)", verify_cells),
        Row(f"`docket verify` against a read-model seal (the log's own, recorded by `verify "
            f"--seal`, or `--checkpoint FILE`'s): the same walk, the read models checked "
            f"against the seal, {big}", "store", "1M events < 15 s (≥ 66,667 events/s)",
            lambda f: (
                f"{f['verify_sealed_whole_s']:.1f} s for {n(f['events'])} events "
                f"({n(f['events'] / f['verify_sealed_whole_s'])}/s), the seal "
                f"{n(f['sealed_since'])} events old: {n(f['sealed_replayed'])} cases replayed "
                f"(exporting the seal: {f['seal_s']:.1f} s)",
                f"`docket verify` with no seal {f['verify_full_whole_s']:.1f} s",
                f["verify_sealed_whole_s"] / f["verify_full_whole_s"],
                f["events"] / f["verify_sealed_whole_s"] >= 1_000_000 / 15)),
        Row(f"`docket audit` of the case half-way, {big}", "store", "< 1 s", lambda f: (
            f"median {ms(f['audit_median_ms'])} ms, max {ms(f['audit_max_ms'])} ms",
            f"reading the case's stored events {ms(f['audit_raw_median_ms'])} ms",
            f["audit_median_ms"] / f["audit_raw_median_ms"], f["audit_max_ms"] < 1000)),
        Row(f"console on the {big}: opening, then first queue paint", "tui",
            "first paint < 500 ms", lambda f: (
                f"{ms(f['open_service_s'] * 1000)} ms, then {ms(f['first_paint_s'] * 1000)} ms",
                f"200-case store: first paint {ms(f['baseline_first_paint_s'] * 1000)} ms",
                f["first_paint_s"] / f["baseline_first_paint_s"], f["first_paint_s"] < 0.5)),
        Row(f"console on the {big}: key to redraw p95, next page / open case / open case "
            "cold", "tui", "< 50 ms p95", lambda f: (
                " / ".join(f"{ms(f[k] * 1000)}" for k in CONSOLE_KEYS) + " ms",
                "200-case store: " + " / ".join(f"{ms(f['baseline_' + k] * 1000)}"
                                                for k in CONSOLE_KEYS) + " ms",
                max(f[k] / f["baseline_" + k] for k in CONSOLE_KEYS),
                all(f[k] < 0.05 for k in CONSOLE_KEYS))),
        Row(f"`docket cases` on the {big} (a subprocess): first page / `--after` a case "
            "half-way", "tui", "flat in queue size", lambda f: (
                f"{f['cases_first_page_s']:.2f} / {f['cases_after_middle_s']:.2f} s",
                f"200-case store: {f['baseline_cases_first_page_s']:.2f} / "
                f"{f['baseline_cases_after_middle_s']:.2f} s; Python + CLI start "
                f"{f['python_start_s']:.2f} s",
                f["cases_after_middle_s"] / f["baseline_cases_after_middle_s"], None)),
        Row("PostgreSQL: appending decisions in batches (hash-chained, signed)", "pg_appends",
            "≥ 0.8× plain eventsourcing", lambda f: (
                f"{n(f['append_events_per_s'])} events/s ({n(f['append_cases'])} cases × "
                f"{n(f['append_repeats'])} repeats)",
                f"plain eventsourcing, same server: {n(f['append_plain_events_per_s'])} "
                "events/s", f["append_ratio"], f["append_ratio"] >= 0.8)),
        Row("PostgreSQL: one operator decision (load, decide, durable commit)", "pg_decision",
            "p50 < 5 ms idle", lambda f: (
                f"p50 {ms(f['decision_p50_ms'])} ms, p99 {ms(f['decision_p99_ms'])} ms "
                f"({n(f['decisions'])} decisions)",
                f"plain eventsourcing p50 {ms(f['decision_plain_p50_ms'])} ms; raw INSERT + "
                f"COMMIT p50 {ms(f['decision_raw_p50_ms'])} ms",
                f["decision_p50_ms"] / f["decision_plain_p50_ms"], f["decision_p50_ms"] < 5)),
        Row("PostgreSQL: a new console's open + first page (a real store copied in; size in "
            "the cell), in a fresh process: one alone / two at once", "pg_console",
            "< 2 s; two no more than one", lambda f: (
                f"{f['console_fresh_s']:.2f} / {f['console_two_s']:.2f} s "
                f"({n(f['console_cases'])} cases, {n(f['console_events'])} events)",
                f"the same open on SQLite {f['console_sqlite_s']:.2f} s", f["console_two_ratio"],
                f["console_fresh_s"] < 2 and f["console_two_ratio"] <= 1.0)),
        Row("one case: validate → score → attributions → OOD → policy (logistic / trees)",
            "decision_path", "p99 < 2 ms", lambda f: (
                f"p99 {ms(f['case_logreg_p99_ms'])} / {ms(f['case_gbt_p99_ms'])} ms",
                f"the same path through scikit-learn p50 {ms(f['case_sklearn_p50_ms'])} ms, "
                f"p99 {ms(f['case_sklearn_p99_ms'])} ms",
                f["case_logreg_p50_ms"] / f["case_sklearn_p50_ms"],
                max(f["case_logreg_p99_ms"], f["case_gbt_p99_ms"]) < 2)),
        Row("batch scoring, 1 thread (logistic / trees; size in the cell)", "decision_path",
            "≥ 100,000 cases/s", lambda f: (
                f"{n(f['batch_logreg_1_thread_per_s'])} / {n(f['batch_gbt_1_thread_per_s'])} "
                f"cases/s ({n(f['batch_rows'])} cases)",
                f"scikit-learn {n(f['batch_sklearn_logreg_per_s'])} / "
                f"{n(f['batch_sklearn_gbt_per_s'])} cases/s",
                f["batch_logreg_1_thread_per_s"] / f["batch_sklearn_logreg_per_s"],
                min(f["batch_logreg_1_thread_per_s"], f["batch_gbt_1_thread_per_s"])
                >= 100_000)),
        Row("one demand hour: validate → five quantiles → OOD → order", "demand",
            "p99 < 2 ms", lambda f: (
                f"p50 {ms(f['hour_p50_ms'])} ms, p99 {ms(f['hour_p99_ms'])} ms",
                f"scikit-learn's five pipelines p50 {ms(f['hour_sklearn_p50_ms'])} ms",
                f["hour_p50_ms"] / f["hour_sklearn_p50_ms"], f["hour_p99_ms"] < 2)),
        Row("output guardrails on one explanation (the pack's words, seven languages)",
            "guardrails", "p99 < 5 ms", lambda f: (
                f"p50 {ms(f['check_output_p50_ms'])} ms, p99 {ms(f['check_output_p99_ms'])} ms",
                f"`json.loads` + pydantic p50 {ms(f['bare_validate_p50_ms'])} ms",
                f["check_output_p50_ms"] / f["bare_validate_p50_ms"],
                f["check_output_p99_ms"] < 5)),
        Row("screening one note: learned detector / whole input step (redaction, rules, "
            "detector)", "screening", "detector p99 < 2 ms", lambda f: (
                f"p50 {ms(f['detector_p50_ms'])} / {ms(f['input_step_p50_ms'])} ms, p99 "
                f"{ms(f['detector_p99_ms'])} / {ms(f['input_step_p99_ms'])} ms",
                f"`str.lower` + split p50 {ms(f['lower_split_p50_ms'])} ms",
                f["detector_p50_ms"] / f["lower_split_p50_ms"], f["detector_p99_ms"] < 2)),
        Row("template explanation", "guardrails", "p99 < 1 ms", lambda f: (
            f"p99 {ms(f['template_explain_p99_ms'])} ms",
            f"`json.dumps` of its payload p99 {ms(f['dumps_p99_ms'])} ms",
            f["template_explain_p99_ms"] / f["dumps_p99_ms"], f["template_explain_p99_ms"] < 1)),
        Row("drift over recent cases (size in the cell)", "drift", "< 5 s", lambda f: (
            f"{f['drift_rows_s']:.2f} s ({n(f['cases'])} cases × {n(f['features'])} features)",
            f"a Python loop computing PSI alone {f['naive_psi_s']:.2f} s",
            f["drift_rows_s"] / f["naive_psi_s"], f["drift_rows_s"] < 5)),
    ]


CONSOLE_KEYS = ("page_p95_s", "open_case_p95_s", "open_case_cold_p95_s")


def ingest_cells(f: Figures, target: float) -> tuple[str, str, float, bool | None]:
    rate = f["ingest_net_per_cpu_s"]
    return (f"{n(rate)} cases/s ({n(f['cases'])} cases; peak RSS {n(f['ingest_peak_mb'])} MB)",
            f"plain eventsourcing saving as many aggregates {n(f['eventsourcing_per_cpu_s'])}/s; "
            f"reading + validating {n(f['read_per_cpu_s'])}/s",
            rate / f["eventsourcing_per_cpu_s"], rate >= target)  # fmt: skip


def verify_cells(f: Figures) -> tuple[str, str, float, bool | None]:
    total = f["verify_whole_s"]  # the walk, and the read-model check in a child beside it
    return (f"{total:.1f} s for {n(f['events'])} events ({n(f['events'] / total)}/s): walk "
            f"{f['verify_walk_s']:.1f} s beside the read-model check {f['verify_check_s']:.1f} s",
            f"reading every row + one SHA-256 each {f['verify_floor_s']:.1f} s",
            total / f["verify_floor_s"], f["events"] / total >= 1_000_000 / 15)  # fmt: skip


@dataclass(frozen=True)
class Line:
    """A row as it ends up: its cells, or why it was not measured."""

    what: str
    target: str
    figure: str = ""
    baseline: str = ""
    ratio: float | None = None
    met: bool | None = None
    load: str = ""
    not_measured: str | None = None
    deliberate: bool = False  # not measured by choice (--quick): not a failure


def lines(table: list[Row], ran: Mapping[str, Ran]) -> list[Line]:
    done = []
    for row in table:
        source = ran[row.source]
        load = f"{source.load_before[0]:.1f}–{source.load_after[0]:.1f}"
        if source.failed:
            done.append(Line(row.what, row.target, load=load, not_measured=source.failed,
                             deliberate=source.run.deliberate))
            continue
        try:
            figure, baseline, ratio, met = row.cells(Figures(source))
        except Missing as missing:
            done.append(Line(row.what, row.target, load=load, not_measured=str(missing.args[0])))
            continue
        done.append(Line(row.what, row.target, figure, baseline, ratio, met, load))
    return done


def markdown(header: str, table: list[Line]) -> str:
    out = [header, "", "| what | figure | target | baseline in the same run | ratio | load |",
           "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for line in table:
        if line.not_measured:
            out.append(f"| {line.what} | not measured: {line.not_measured} | {line.target} | — "
                       f"| — | {line.load} |")  # fmt: skip
            continue
        verdict = {True: " (met)", False: " (missed)", None: ""}[line.met]
        ratio = f"{line.ratio:.2f}×" if line.ratio is not None else "—"
        out.append(f"| {line.what} | {line.figure} | {line.target}{verdict} | {line.baseline} | "
                   f"{ratio} | {line.load} |")  # fmt: skip
    return "\n".join(out) + "\n"


# --- the run -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for text in cpuinfo.read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "cpu": model, "system": platform.platform(),
            "python": platform.python_version()}  # fmt: skip


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()  # fmt: skip

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def made_record(made: MadeStore) -> str:
    """The big store's own making (its ingest), from its ``.made.json``: not this run."""
    record = json.loads(Path(f"{made.path}.made.json").read_text())
    ingest = next((s for s in record["steps"] if s["what"].startswith("docket ingest")), None)
    if ingest is None:
        return f"The {made.cases:,}-case store's record has no ingest step."
    load = record.get("load", [0.0])[0]
    return (f"Made apart, not in this run: the {made.cases:,}-case store was made by "
            f"`make_store.py` through `docket ingest` at {record['made_at']} (load {load:.1f} "
            f"then): {ingest['wall_s']:,.0f} s wall, {ingest['cpu_s']:,.0f} s CPU "
            f"({made.cases / ingest['cpu_s']:,.0f} cases/s of CPU), peak RSS "
            f"{ingest['peak_rss_mb']:,.0f} MB.")  # fmt: skip


def the_store(args: argparse.Namespace) -> MadeStore:
    path = CACHE / f"{store_name('credit', args.cases, 0.0)}.sqlite"
    if not (args.make or args.quick) and not Path(f"{path}.made.json").exists():
        raise SystemExit(f"no finished store of {args.cases:,} cases at {path}: make it with "
                         f"`python benchmarks/make_store.py --cases {args.cases}` (or --make)")
    return ensure_store(args.cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=None,
                        help="the real store's size (default 1,000,000; 200 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: small sizes, few repeats (the figures mean little)")
    parser.add_argument("--ingest-cases", type=int, default=None,
                        help="fresh rows ingested (default 10,000; 200 with --quick)")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--pg-store-cases", type=int, default=10_000,
                        help="the real store copied into PostgreSQL for the console row")
    parser.add_argument("--make", action="store_true", help="make the store if it is missing")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results",
                        help="folder for the JSON, the markdown and the benchmarks' output")
    args = parser.parse_args()
    args.cases = args.cases or (200 if args.quick else 1_000_000)
    args.ingest_cases = args.ingest_cases or (200 if args.quick else 10_000)
    made = the_store(args)
    started = datetime.now(UTC)
    stem = f"speed_table-{args.cases}-{started:%Y-%m-%dT%H%M}"
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"{stem}.log"
    print(f"store {made.path}; benchmarks' output in {log}", flush=True)
    ran: dict[str, Ran] = {}
    with tempfile.TemporaryDirectory() as work:
        for run in runs(args, made):
            ran[run.key] = execute(run, Path(work), log)
    table = lines(rows(args.cases), ran)
    where = machine()
    loads = [x[0] for r in ran.values() if not r.run.skipped for x in (r.load_before, r.load_after)]
    header = (f"Measured in one run by `python benchmarks/speed_table.py"
              f"{' --quick' if args.quick else ''} --cases {args.cases}` at {commit()}, "
              f"{started:%Y-%m-%d %H:%M} UTC, on {where['cores']} cores ({where['cpu']}), "
              f"load average {min(loads, default=0):.1f}–{max(loads, default=0):.1f} (1 min; each "
              "row's in its last "
              "column). Ratios are figure ÷ baseline.")  # fmt: skip
    text = markdown(header, table) + "\n" + made_record(made) + "\n"
    (args.out / f"{stem}.md").write_text(text, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps({
        "commit": commit(), "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"), "machine": where,
        "store": {"path": str(made.path), "cases": made.cases}, "quick": args.quick,
        "benchmarks": {key: {"script": r.run.script, "args": list(r.run.args),
                             "seconds": r.seconds, "load_before": r.load_before,
                             "load_after": r.load_after, "not_measured": r.failed,
                             "figures": r.figures} for key, r in ran.items()},
        "rows": [line.__dict__ for line in table],
    }, indent=2) + "\n", encoding="utf-8")  # fmt: skip
    print("\n" + text + f"\nwrote {args.out / stem}.md and .json")
    missing = [line for line in table if line.not_measured and not line.deliberate]
    if missing:
        raise SystemExit(f"{len(missing)} row(s) not measured: "
                         + "; ".join(f"{m.what}: {m.not_measured}" for m in missing))


if __name__ == "__main__":
    main()
