"""``docket ingest`` on real rows: cases/s of CPU and wall, peak memory, and what is left
for the next command, each beside baselines measured in the same run.

    python benchmarks/bench_ingest.py                          # 10,000 and 100,000 cases
    python benchmarks/bench_ingest.py --cases 10000 --notes-share 1.0
    python benchmarks/bench_ingest.py --cases 1000000          # about an hour on 2 busy cores
    python benchmarks/bench_ingest.py --cases 10000 --baseline d55afed --repeats 3

The rows are the shipped German credit applications resampled with unique references
(``benchmarks/make_store.py``: no value invented); ``--notes-share`` gives that share of them
one of the six demo notes, so note screening is measured too. Each measured step is a
separate process, measured from outside (``wait4``: user + system CPU, peak RSS):

* ``docket ingest FILE`` on a copy of a store with keys and a trained champion and shadow
  (the template ``make_store.py`` makes once), then ``docket status``, which pays any
  read-model catch-up the ingest left behind;
* ``docket ingest`` of a 10-row file on another copy: the fixed cost of starting Docket and
  loading the models, reported so the per-case rate can be read net of it;
* baseline 1, reading alone: the same file through the same reader (``cli.files.iter_rows``)
  and the pack's validation, nothing scored or stored;
* baseline 2, raw eventsourcing: the same number of minimal aggregates (one small event
  each) saved with ``Application.save`` in batches of 500 into a plain eventsourcing SQLite
  store (no chain, no signature, no read models): the library's own floor.

With ``--baseline COMMIT`` the ingest (and its start-up) is measured ``--repeats`` times for
this tree and for that commit's code (extracted with ``git archive``), alternating, in the same
run, the two baselines once per repeat; the summary gives mean ± sd of each and the ratios.

The machine is shared: the load average is printed before and after each size.
``--json FILE`` writes the figures of the last size by name (``benchmarks/figures.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import make_store  # noqa: E402

from benchmarks.figures import add_json_option, record, write_json  # noqa: E402

BATCH = 500

#: Runs ``docket`` from the tree named first (its code, not the installed one).
DOCKET_FROM = (
    "import runpy,sys; sys.path.insert(0, sys.argv.pop(1)); "
    "runpy.run_module('cli.main', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class Cost:
    """What one process cost, measured from outside."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    out: str


def wrapped(args: list[str], env: dict[str, str] | None = None) -> Cost:
    """Run ``args`` under a tiny wrapper that waits for it with ``wait4`` and prints its own
    CPU and peak RSS, so each figure is that process's alone."""
    code = (
        "import os,subprocess,sys,time;"
        "t=time.perf_counter();p=subprocess.Popen(sys.argv[1:]);"
        "_,s,u=os.wait4(p.pid,0);"
        "print('@@',time.perf_counter()-t,u.ru_utime+u.ru_stime,u.ru_maxrss/1024,"
        "os.waitstatus_to_exitcode(s),file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                          capture_output=True, check=False)  # fmt: skip
    err = proc.stderr.decode()
    line = next((x for x in err.splitlines() if x.startswith("@@")), None)
    if line is None:
        raise SystemExit(f"{' '.join(args)} gave no measurement: {err[-2000:]}")
    _, wall, cpu, peak, code_ = line.split()
    if int(code_) != 0:
        raise SystemExit(f"{' '.join(args)} failed ({code_}): {err[-2000:]}")
    return Cost(float(wall), float(cpu), float(peak), proc.stdout.decode())


def store_copy(folder: Path) -> make_store.MadeStore:
    """A fresh copy of the template store (keys, trained champion and shadow, no case)."""
    base = make_store.template("credit")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "store.sqlite"
    shutil.copyfile(base.path, path)
    shutil.copyfile(f"{base.path}.views.sqlite", f"{path}.views.sqlite")
    shutil.copytree(base.data_dir, f"{path}.data")
    return make_store.MadeStore(path, Path(f"{path}.data"), 0, "credit")


# --- baselines, each run as its own process (``--baseline-step KIND FILE N``) -----------------


def baseline_read(file: Path) -> None:
    """Reading and validating the file, nothing else."""
    from assistant.domains import get_pack
    from cli.files import iter_rows

    pack = get_pack("credit")
    started = time.process_time()
    sum(1 for row in iter_rows(file) if not isinstance(pack.validate(row), list))
    print(time.process_time() - started)  # CPU of the loop alone, without start-up


def baseline_eventsourcing(folder: Path, n: int) -> None:
    """``n`` minimal aggregates saved in batches through plain eventsourcing on SQLite."""
    from uuid import UUID

    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Item(Aggregate):
        @event("Opened")
        def __init__(self, ref: str) -> None:
            self.ref = ref

    app: Application[UUID] = Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(folder / "raw.sqlite"),
    })  # fmt: skip
    started = time.process_time()
    for start in range(0, n, BATCH):
        app.save(*[Item(f"bench-{i:07d}") for i in range(start, min(n, start + BATCH))])
    print(time.process_time() - started)


# --- the benchmark -----------------------------------------------------------------------------


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} (1/5 min)"


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:9,.0f}/s" if seconds > 0 else "      n/a"


def run_size(n: int, notes_share: float, work: Path) -> dict[str, float]:
    file = work / f"cases-{n}.csv"
    make_store.write_cases(file, "credit", n, notes_share, make_store.SEED)
    tiny = work / "tiny.csv"
    make_store.write_cases(tiny, "credit", 10, notes_share, make_store.SEED + 1)
    print(f"\n{n:,} real rows ({file.stat().st_size / 1e6:.0f} MB CSV), notes on "
          f"{notes_share:.0%} of them; {load()}")

    fixed_store = store_copy(work / "fixed")
    fixed = wrapped([*make_store.DOCKET, "ingest", str(tiny)], fixed_store.env())
    made = store_copy(work / "big")
    ingest = wrapped([*make_store.DOCKET, "ingest", str(file)], made.env())
    status = wrapped([*make_store.DOCKET, "status"], made.env())
    read = wrapped([sys.executable, __file__, "--baseline-step", "read", str(file), str(n)])
    raw = wrapped([sys.executable, __file__, "--baseline-step", "eventsourcing", str(work),
                   str(n)])  # fmt: skip
    size = made.path.stat().st_size
    net_cpu = max(ingest.cpu_s - fixed.cpu_s, 1e-9)

    print(f"  {'step':44s} {'wall':>8s} {'CPU':>8s} {'peak RSS':>9s} {'cases/s CPU':>12s}")
    rows = [
        ("docket ingest", ingest, n),
        ("  start-up (ingest of 10 rows)", fixed, 10),
        ("docket status afterwards (catch-up)", status, 0),
        ("baseline: read + validate only", read, n),
        ("baseline: raw eventsourcing save", raw, n),
    ]
    for what, cost, count in rows:
        print(f"  {what:44s} {cost.wall_s:7.1f}s {cost.cpu_s:7.1f}s {cost.peak_mb:7.0f}MB "
              f"{rate(count, cost.cpu_s) if count else '':>12s}")  # fmt: skip
    print(f"  ingest net of start-up: {rate(n, net_cpu)} of CPU, "
          f"{rate(n, ingest.wall_s - fixed.wall_s)} wall; "
          f"{ingest.out.strip().splitlines()[-1]}")
    read_loop, raw_loop = float(read.out.split()[-1]), float(raw.out.split()[-1])
    print(f"  baselines without their start-up: reading {rate(n, read_loop)}, raw eventsourcing "
          f"{rate(n, raw_loop)} of CPU")
    print(f"  ingest / baseline (cases/s of CPU, net of start-up): {read_loop / net_cpu:.2f}x "
          f"reading alone, {raw_loop / net_cpu:.2f}x raw eventsourcing; store "
          f"{size / n / 1024:.2f} KB per case; {load()}")
    for name, value in (
        ("cases", n), ("notes_share", notes_share), ("ingest_cpu_s", ingest.cpu_s),
        ("ingest_wall_s", ingest.wall_s), ("ingest_peak_mb", ingest.peak_mb),
        ("startup_cpu_s", fixed.cpu_s), ("ingest_net_per_cpu_s", n / net_cpu),
        ("status_cpu_s", status.cpu_s), ("status_wall_s", status.wall_s),
        ("read_per_cpu_s", n / read_loop), ("eventsourcing_per_cpu_s", n / raw_loop),
        ("store_bytes_per_case", size / n),
    ):  # fmt: skip
        record(name, value)
    for folder in (fixed_store.path.parent, made.path.parent):
        shutil.rmtree(folder, ignore_errors=True)
    for done in (file, work / "raw.sqlite"):
        done.unlink(missing_ok=True)
    return {"cases": n, "cpu": ingest.cpu_s, "net_cpu": net_cpu, "wall": ingest.wall_s,
            "peak": ingest.peak_mb, "status_wall": status.wall_s, "read": read_loop,
            "raw": raw_loop}


def mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):,.0f} ± {sd:,.0f}"


def run_compared(
    n: int, notes_share: float, work: Path, trees: dict[str, Path], repeats: int
) -> None:
    """``docket ingest`` of the same ``n`` rows by each tree's code, alternating, ``repeats``
    times; the two baselines once per repeat. Rates are cases/s of CPU net of start-up."""
    file = work / f"cases-{n}.csv"
    make_store.write_cases(file, "credit", n, notes_share, make_store.SEED)
    tiny = work / "tiny.csv"
    make_store.write_cases(tiny, "credit", 10, notes_share, make_store.SEED + 1)
    print(f"\n{n:,} real rows, notes on {notes_share:.0%} of them, {repeats} repeats; {load()}")
    rates: dict[str, list[float]] = {name: [] for name in trees}
    peaks: dict[str, list[float]] = {name: [] for name in trees}
    read_rates: list[float] = []
    raw_rates: list[float] = []
    for r in range(repeats):
        for name, tree in trees.items():
            docket = [sys.executable, "-c", DOCKET_FROM, str(tree)]
            fixed_store, made = store_copy(work / "fixed"), store_copy(work / "big")
            fixed = wrapped([*docket, "ingest", str(tiny)], fixed_store.env())
            ingest = wrapped([*docket, "ingest", str(file)], made.env())
            rates[name].append(n / max(ingest.cpu_s - fixed.cpu_s, 1e-9))
            peaks[name].append(ingest.peak_mb)
            print(f"  run {r + 1} {name:8s}: {rates[name][-1]:7,.0f} cases/s CPU net of start-up "
                  f"({ingest.cpu_s:.1f} s CPU, start-up {fixed.cpu_s:.1f} s, {ingest.wall_s:.1f} s "
                  f"wall, peak {ingest.peak_mb:.0f} MB); {load()}")  # fmt: skip
            for folder in (fixed_store.path.parent, made.path.parent):
                shutil.rmtree(folder, ignore_errors=True)
        read = wrapped([sys.executable, __file__, "--baseline-step", "read", str(file), str(n)])
        raw = wrapped([sys.executable, __file__, "--baseline-step", "eventsourcing", str(work),
                       str(n)])  # fmt: skip
        (work / "raw.sqlite").unlink(missing_ok=True)
        read_rates.append(n / float(read.out.split()[-1]))
        raw_rates.append(n / float(raw.out.split()[-1]))
        print(f"  run {r + 1} baselines: reading + validating {read_rates[-1]:,.0f}/s, raw "
              f"eventsourcing {raw_rates[-1]:,.0f}/s of CPU; {load()}")
    print(f"summary ({n:,} rows, notes {notes_share:.0%}, {repeats} runs, mean ± sd, cases/s of "
          "CPU net of start-up):")
    for name in trees:
        print(f"  {name:8s} {mean_sd(rates[name]):>16s}/s  peak RSS {max(peaks[name]):.0f} MB  "
              f"= {statistics.mean(rates[name]) / statistics.mean(raw_rates):.3f}x raw "
              "eventsourcing")
    names = list(trees)
    for other in names[1:]:
        ratio = statistics.mean(rates[names[0]]) / statistics.mean(rates[other])
        print(f"  {names[0]} / {other}: {ratio:.2f}x")
    print(f"  baselines: raw eventsourcing {mean_sd(raw_rates)}/s; reading + validating "
          f"{mean_sd(read_rates)}/s; {load()}")
    file.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--notes-share", type=float, default=0.0)
    parser.add_argument("--baseline", metavar="COMMIT", default=None,
                        help="also measure this commit's code, alternating, in the same run")
    parser.add_argument("--repeats", type=int, default=3, help="with --baseline")
    parser.add_argument("--baseline-step", nargs=3, metavar=("KIND", "PATH", "N"),
                        help=argparse.SUPPRESS)  # fmt: skip
    add_json_option(parser)
    args = parser.parse_args()
    if args.baseline_step:
        kind, path, n = args.baseline_step
        if kind == "read":
            baseline_read(Path(path))
        else:
            baseline_eventsourcing(Path(path), int(n))
        return
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    print(f"bench_ingest: {os.cpu_count()} CPUs, {load()}; machine shared with other work")
    with tempfile.TemporaryDirectory(dir=os.environ.get("DOCKET_BENCH_TMP")) as work:
        if args.baseline:
            head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                  capture_output=True, check=True).stdout.strip()  # fmt: skip
            baseline = Path(work) / "baseline"
            baseline.mkdir()
            archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True,
                                     capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
            trees = {head: ROOT, args.baseline: baseline}
            for n in args.cases:
                run_compared(n, args.notes_share, Path(work), trees, args.repeats)
            return
        for n in args.cases:
            run_size(n, args.notes_share, Path(work))
    write_json(args.json)


if __name__ == "__main__":
    main()
