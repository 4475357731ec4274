"""Every user command at 10k, 100k and 1M real cases: which costs are flat and which grow.

    python benchmarks/scale_run.py                                  # 10,000 100,000 1,000,000
    python benchmarks/scale_run.py --cases 10000 100000 --outcomes 500
    python benchmarks/scale_run.py --skip replay@1000000 --json /tmp/scale.json

For each size the real store of :mod:`make_store` (real credit rows resampled, made through
``docket ingest``; made first if it is not cached) is **copied** into a scratch folder, so the
commands that write (decide, outcomes, monitor's alerts, replay) never touch the cache. Then
each command a user runs is run as its own ``docket`` subprocess, exactly as typed, and measured
alone (wall, CPU, peak RSS through ``os.wait4``):

* ``docket --help``: Python + the CLI starting and stopping, the **baseline** of every row,
  measured at each size in the same run (its drift between sizes is the machine's load);
* ``status``; ``cases`` (first page) and ``cases --after`` the case half-way through the queue;
  ``audit`` of that case; ``decide --accept`` of the next one;
* ``outcomes FILE`` for a batch of N cases (``--outcomes``): before it, N cases of the queue are
  accepted in one untimed setup process through the application service, and FILE gives each
  decided case its **real label** (the label column of the real row the store's seeded draw
  gave that case: :func:`make_store.drawn_cases` regenerates the draw); a declined case's
  outcome comes from ``outside:bureau``, as only an outside source can report it;
* ``quality``, ``monitor`` (drift is part of monitor), ``verify``, ``replay`` and
  ``checkpoint export``.

A command that runs longer than ``--timeout`` is killed and reported as such; ``--skip
CMD@SIZE`` leaves one out (say why in what you publish). The table shows, per command and size,
wall s, CPU s and peak MB, then CPU and wall as ratios to the first size's figure (flat ≈ 1);
the JSON (``--json``) holds every measurement, the load before and after each size and the
machine.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_store import DOCKET, ROOT, SEED, MadeStore, drawn_cases, ensure_store  # noqa: E402

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
COMMANDS = ("start-up (docket --help)", "ingest (made.json)", "status", "cases (first page)",
            "cases --after half-way", "audit", "decide --accept", "outcomes", "quality", "monitor",
            "verify", "replay", "checkpoint export")  # fmt: skip
SHORT = {c: c.split(" ")[0] for c in COMMANDS}


@dataclass(frozen=True)
class Measured:
    """One command at one size: what it cost, or why there is no figure."""

    size: int
    command: str
    wall_s: float | None
    cpu_s: float | None
    peak_mb: float | None
    exit_code: int | None
    note: str = ""


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


def measure(size: int, what: str, args: Sequence[str], env: dict[str, str],
            timeout: float) -> Measured:
    """Run ``docket ARGS``: wall, CPU (user + system) and peak RSS of that process alone."""
    started = time.perf_counter()
    process = subprocess.Popen([*DOCKET, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    output = process.stdout.read() if process.stdout else b""  # drains the pipe as it goes
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
    if killed.is_set():
        found = Measured(size, what, None, cpu, peak, None, f"killed after {timeout:.0f} s")
    elif code != 0 and what != "outcomes":  # outcomes exits 1 only when nothing was recorded
        tail = output.decode(errors="replace").strip().splitlines()[-3:]
        found = Measured(size, what, wall, cpu, peak, code, " / ".join(tail))
    else:
        found = Measured(size, what, wall, cpu, peak, code)
    shown = f"{found.wall_s:8.2f} s" if found.wall_s is not None else "       —  "
    print(f"  {what:28s} {shown} wall {cpu:8.2f} s CPU {peak:7.0f} MB  {found.note}",
          flush=True)
    if what == "outcomes":
        print("    " + output.decode(errors="replace").splitlines()[0], flush=True)
    return found


def copy_store(made: MadeStore, into: Path) -> MadeStore:
    """A scratch copy of a cached store (with its WAL, read models and data directory)."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    path = into / made.path.name
    for suffix in ("", "-wal", ".views.sqlite", ".views.sqlite-wal"):
        source = Path(f"{made.path}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{path}{suffix}")
    shutil.copytree(made.data_dir, f"{path}.data")
    return MadeStore(path, Path(f"{path}.data"), made.cases, made.domain)


SETUP = """
import json, sys
from assistant.service import DocketService, SigningKey
from assistant.views import Accept, QueueQuery
store, key, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
service = DocketService.open(store, keys=[SigningKey.load(key)], role="operator")
decided = {}
page = service.queue(QueueQuery(statuses=("open",), limit=n))
for row in page.rows:
    detail = service.decide(row.case_id, Accept())
    if detail.decision is not None and detail.decision.action:
        decided[row.case_ref] = detail.decision.action
service.close()
print(json.dumps(decided))
"""


def decide_batch(made: MadeStore, n: int) -> dict[str, str]:
    """Accept the first ``n`` open cases of the queue through the application service (one
    untimed process): the decisions ``docket outcomes`` then needs. Case reference -> action."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", SETUP, str(made.path), str(made.key), str(n)],
        cwd=ROOT, env=made.env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    decided: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  (setup: {len(decided)} of {n} cases accepted in "
          f"{time.perf_counter() - started:.1f} s, untimed)", flush=True)
    return decided


def outcomes_file(made: MadeStore, decided: dict[str, str], path: Path) -> int:
    """Each decided case's real outcome: the label of the real row the seeded draw gave it."""
    observed = datetime.now(UTC).isoformat()
    labels = {ref: row["creditability"]
              for ref, row, _ in drawn_cases(made.domain, made.cases, 0.0, SEED) if ref in decided}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_ref", "outcome", "observed_at", "source"])
        for ref, action in decided.items():
            writer.writerow([ref, labels[ref], observed,
                             "loan book" if action == "approve" else "outside:bureau"])
    return len(decided)


def made_ingest(made: MadeStore) -> Measured:
    """What ``docket ingest`` of this store cost when :mod:`make_store` made it (its own
    process, measured the same way, at the load and on the code of that moment)."""
    record = json.loads(Path(f"{made.path}.made.json").read_text())
    step = next(s for s in record["steps"] if s["what"].startswith("docket ingest"))
    load = "/".join(f"{x:.1f}" for x in record["load"])
    return Measured(made.cases, "ingest (made.json)", step["wall_s"], step["cpu_s"],
                    step["peak_rss_mb"], 0, f"made {record['made_at']} at load {load}")


def run_size(size: int, args: argparse.Namespace) -> tuple[list[Measured], dict[str, Any]]:
    print(f"\n{size:,} cases: making or finding the store (load {load_line()})", flush=True)
    cached = ensure_store(size)
    started = time.perf_counter()
    made = copy_store(cached, args.work / f"credit-{size}")
    print(f"  copied to {made.path} in {time.perf_counter() - started:.1f} s", flush=True)
    env = {**made.env(), "DOCKET_ROLE": "operator"}
    half = f"bench-{size // 2:07d}"
    info: dict[str, Any] = {"size": size, "store": str(cached.path), "load_before": load_line(),
                            "store_bytes": cached.path.stat().st_size}
    results: list[Measured] = [made_ingest(cached)]

    def run(what: str, *command: str, role: str = "operator") -> None:
        if f"{SHORT[what]}@{size}" in args.skip or SHORT[what] in args.skip:
            print(f"  {what:28s} skipped (--skip)", flush=True)
            results.append(Measured(size, what, None, None, None, None, "skipped"))
            return
        results.append(measure(size, what, command, {**env, "DOCKET_ROLE": role}, args.timeout))

    run("start-up (docket --help)", "--help")
    run("status", "status")
    run("cases (first page)", "cases")
    run("cases --after half-way", "cases", "--after", half)
    run("audit", "audit", half)
    run("decide --accept", "decide", f"bench-{size // 2 + 1:07d}", "--accept")
    if "outcomes" in args.skip or f"outcomes@{size}" in args.skip:
        results.append(Measured(size, "outcomes", None, None, None, None, "skipped"))
    else:
        decided = decide_batch(made, args.outcomes)
        file = made.path.parent / "outcomes.csv"
        info["outcomes_rows"] = outcomes_file(made, decided, file)
        run("outcomes", "outcomes", str(file))
    run("quality", "quality")
    run("monitor", "monitor")
    run("verify", "verify", role="auditor")
    run("replay", "replay", role="engineer")
    run("checkpoint export", "checkpoint", "export", str(made.path.parent / "checkpoint.json"),
        role="auditor")
    info["load_after"] = load_line()
    if not args.keep:
        shutil.rmtree(made.path.parent)
    return results, info


def table(results: list[Measured], sizes: Sequence[int]) -> list[str]:
    """Command x size: wall s, CPU s, peak MB; then CPU and wall against the first size."""
    by = {(r.size, r.command): r for r in results}
    head = f"{'command':28s}" + "".join(f" | {f'{s:,} cases':>24s}" for s in sizes)
    ratio_head = "".join(f" | CPU, wall ×{sizes[0] // 1000}k at {s // 1000}k" for s in sizes[1:])
    lines = [head + ratio_head, f"{'':28s}" + " | wall s  CPU s  peak MB" * len(sizes)]
    for command in COMMANDS:
        cells = []
        for s in sizes:
            r = by.get((s, command))
            if r is None or r.cpu_s is None:
                cells.append(f"{(r.note if r else '—')[:24]:>24s}")
            elif r.wall_s is None:
                over = "> " + r.note.split()[-2] + " s"
                cells.append(f"{over:>7s} {r.cpu_s:6.1f} {r.peak_mb:8.0f}")
            else:
                failed = "!" if r.exit_code not in (0, None) else " "
                cells.append(f"{r.wall_s:7.2f} {r.cpu_s:6.2f} {r.peak_mb:7.0f}{failed}")
        ratios = []
        first = by.get((sizes[0], command))
        for s in sizes[1:]:
            r = by.get((s, command))
            if first and r and first.cpu_s and r.cpu_s and first.wall_s and r.wall_s:
                ratios.append(f"{r.cpu_s / first.cpu_s:9.2f}, {r.wall_s / first.wall_s:5.2f}")
            else:
                ratios.append(f"{'—':>16s}")
        lines.append(f"{command:28s}" + "".join(f" | {c}" for c in cells)
                     + "".join(f" | {x:>23s}" for x in ratios))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--outcomes", type=int, default=1000,
                        help="cases decided (untimed) and then given outcomes in one file")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds after which a command is killed and reported as such")
    parser.add_argument("--skip", nargs="*", default=[],
                        help="CMD or CMD@SIZE to leave out, e.g. replay@1000000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/docket-scale-run"),
                        help="scratch folder for the store copies")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the store copies")
    args = parser.parse_args()
    sizes = sorted(args.cases)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(),
               "python": platform.python_version(), "commit": commit,
               "started": datetime.now(UTC).isoformat(timespec="seconds")}
    print(f"scale run on {machine['cpus']} CPUs, {machine['platform']}, commit {commit}; "
          f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    results: list[Measured] = []
    infos = []
    for size in sizes:
        found, info = run_size(size, args)
        results += found
        infos.append(info)
    print("\nload (1/5/15-minute) before/after each size: "
          + "; ".join(f"{i['size']:,}: {i['load_before']} / {i['load_after']}" for i in infos))
    for line in table(results, sizes):
        print(line)
    print("! = the command failed (see its note in the JSON); the baseline row is Python + the "
          "CLI starting: subtract it to see a command's own cost")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "sizes": infos,
                                         "results": [asdict(r) for r in results]}, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
