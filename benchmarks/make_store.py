"""Make a real store of N cases, through exactly the commands a user runs, and cache it.

    python benchmarks/make_store.py --cases 100000                 # credit, no notes
    python benchmarks/make_store.py --cases 10000 --notes-share 0.2
    python benchmarks/make_store.py --cases 5000 --domain demand
    python benchmarks/make_store.py --cases 100000 --out /tmp/big.sqlite --fresh

What the cases are: **real rows resampled**. Each case is one row of a shipped real data set
(credit: the 1,000 Statlog German Credit applications; demand: the 8,645 Capital Bikeshare hours
of 2011), drawn with replacement by a seeded generator and given a unique case reference
(``bench-0000001``, ...). No value is invented, but a store of 1,000,000 cases holds each
credit applicant about 1,000 times over, so it is a real-shaped load, not a million different
people. The label column (``creditability``, ``bikers``) is left out, as in production.
With ``--notes-share F`` a share F of the credit cases (seeded) carries one of the six notes
of ``assistant/domains/credit/data/demo_notes.jsonl``: those notes (and their contact
details) were written by the Docket authors to exercise the guardrails, not by applicants.

How it is made (the real product path, each step a ``docket`` subprocess with its own data
directory, so keys and model files live beside the store):

1. once per domain, a template store: ``docket keys init`` (you become its admin) and
   ``docket --role engineer train DOMAIN`` (champion + shadow, as a user would);
2. per size, a copy of the template, then ``docket ingest FILE`` of the resampled CSV;
3. ``docket status``, so the read models are up to date when a benchmark opens the store
   (timed apart: it is the catch-up the next command would otherwise pay).

The result is cached: ``/tmp/docket-stores/<domain>-<N>[-notes<F>].sqlite`` (its read models
``….sqlite.views.sqlite`` beside it, its data directory ``….data/`` with ``keys/default.key``
and ``models/``). Other benchmarks call :func:`ensure_store` to reuse it; a file
``….made.json`` records how and when it was made and what the making cost (wall, CPU, peak
RSS of each step). A lock file keeps two benchmarks from making the same store at once.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("DOCKET_BENCH_STORES", "/tmp/docket-stores"))
DOCKET = [sys.executable, "-m", "cli.main"]
SEED = 17


@dataclass(frozen=True)
class MadeStore:
    """A store made by this script: its URL (a SQLite path) and the data directory its
    commands need (``DOCKET_DATA_DIR``: the admin key and the model files)."""

    path: Path
    data_dir: Path
    cases: int
    domain: str

    def env(self) -> dict[str, str]:
        """The environment a ``docket`` subprocess needs to act on this store."""
        return {**os.environ, "DOCKET_DATA_DIR": str(self.data_dir), "DOCKET_STORE": str(self.path)}

    @property
    def key(self) -> Path:
        return self.data_dir / "keys" / "default.key"


@dataclass(frozen=True)
class Step:
    """What one ``docket`` subprocess cost."""

    what: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float

    def line(self) -> str:
        return (
            f"  {self.what:34s} {self.wall_s:8.1f} s wall {self.cpu_s:8.1f} s CPU "
            f"{self.peak_rss_mb:8.0f} MB peak RSS"
        )


def run(what: str, args: list[str], env: dict[str, str]) -> Step:
    """Run ``docket ARGS`` and measure it: wall, CPU and peak RSS of that process alone."""
    t = time.perf_counter()
    process = subprocess.Popen([*DOCKET, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - t
    process.returncode = os.waitstatus_to_exitcode(status)
    out = process.stdout.read().decode() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"`docket {' '.join(args)}` failed (exit {process.returncode}): {out}")
    step = Step(what, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    print(step.line(), flush=True)
    return step


def labelled_rows(domain: str) -> tuple[list[dict[str, Any]], str]:
    """The shipped real rows of ``domain`` with their label, and the label's name."""
    if domain == "credit":
        source = ROOT / "assistant" / "domains" / "credit" / "data" / "german_credit.csv"
        with source.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        label = "creditability"
    elif domain == "demand":
        sys.path.insert(0, str(ROOT))
        from assistant.domains.demand import make_pack

        rows = [dict(r) for r in make_pack().history.rows]  # with last week's demand
        label = "bikers"
    else:
        raise SystemExit(f"--domain must be credit or demand, not {domain!r}")
    return rows, label


def real_rows(domain: str) -> tuple[list[dict[str, Any]], str]:
    """The shipped real rows of ``domain`` without their label, and the label's name."""
    rows, label = labelled_rows(domain)
    return [{k: v for k, v in r.items() if k != label} for r in rows], label


def demo_notes() -> list[dict[str, str]]:
    path = ROOT / "assistant" / "domains" / "credit" / "data" / "demo_notes.jsonl"
    notes = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [{k: v for k, v in n.items() if k != "row"} for n in notes]


def drawn_cases(
    domain: str, cases: int, notes_share: float, seed: int
) -> Iterator[tuple[str, dict[str, Any], dict[str, str] | None]]:
    """The seeded draw behind a store: each case's reference, its real row *with* its label,
    and its note (or None). The store holds the rows without the label; a benchmark that
    records outcomes regenerates this draw to give each case its real label."""
    base, _ = labelled_rows(domain)
    notes = demo_notes() if notes_share > 0 else []
    draw = random.Random(seed)
    for i in range(cases):
        row = draw.choice(base)
        note = draw.choice(notes) if notes and draw.random() < notes_share else None
        yield f"bench-{i + 1:07d}", row, note


def write_cases(path: Path, domain: str, cases: int, notes_share: float, seed: int) -> None:
    """``cases`` real rows drawn with replacement (seeded), each with a unique reference."""
    base, label = real_rows(domain)
    fields = ["case_ref", *base[0]]
    if notes_share > 0:
        fields += sorted({k for n in demo_notes() for k in n})
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for ref, row, note in drawn_cases(domain, cases, notes_share, seed):
            case = {"case_ref": ref, **{k: v for k, v in row.items() if k != label}}
            writer.writerow({**case, **(note or {})})


def store_name(domain: str, cases: int, notes_share: float) -> str:
    return f"{domain}-{cases}" + (f"-notes{notes_share:g}" if notes_share > 0 else "")


def companions(path: Path) -> list[Path]:
    """The files and folder that belong to the store at ``path``."""
    return [path, Path(f"{path}.views.sqlite"), Path(f"{path}.data"), Path(f"{path}.made.json")]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def template(domain: str) -> MadeStore:
    """A store with the admin key and trained models and no case (made once per domain)."""
    path = CACHE / f"{domain}-template.sqlite"
    made = MadeStore(path, Path(f"{path}.data"), 0, domain)
    with locked(path):
        if Path(f"{path}.made.json").exists():
            return made
        for part in companions(path):
            shutil.rmtree(part) if part.is_dir() else part.unlink(missing_ok=True)
        print(f"making the {domain} template (keys init, train) in {path}", flush=True)
        steps = [
            run("docket keys init", ["keys", "init", "--person", "bench-admin"], made.env()),
            run(f"docket train {domain}", ["--role", "engineer", "train", domain], made.env()),
        ]
        record(made, steps, {})
    return made


def record(made: MadeStore, steps: list[Step], how: dict[str, Any]) -> None:
    Path(f"{made.path}.made.json").write_text(
        json.dumps(
            {
                "cases": made.cases,
                "domain": made.domain,
                "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "load": os.getloadavg(),
                **how,
                "steps": [s.__dict__ for s in steps],
            },
            indent=2,
        )
    )


def ensure_store(
    cases: int,
    domain: str = "credit",
    *,
    notes_share: float = 0.0,
    out: Path | None = None,
    seed: int = SEED,
    fresh: bool = False,
) -> MadeStore:
    """The cached real store of ``cases`` cases, made first if it is not there yet."""
    path = out or CACHE / f"{store_name(domain, cases, notes_share)}.sqlite"
    made = MadeStore(path, Path(f"{path}.data"), cases, domain)
    with locked(path):
        if not fresh and Path(f"{path}.made.json").exists():
            return made
        base = template(domain)
        for part in companions(path):
            shutil.rmtree(part) if part.is_dir() else part.unlink(missing_ok=True)
        print(f"making {path}: {cases:,} real {domain} rows resampled (seed {seed})", flush=True)
        shutil.copyfile(base.path, path)
        shutil.copyfile(f"{base.path}.views.sqlite", f"{path}.views.sqlite")
        shutil.copytree(base.data_dir, made.data_dir)
        file = path.parent / f"{path.stem}.cases.csv"
        t = time.perf_counter()
        write_cases(file, domain, cases, notes_share, seed)
        print(f"  wrote {file.name} in {time.perf_counter() - t:.1f} s", flush=True)
        try:
            steps = [
                run(f"docket ingest ({cases:,} cases)", ["ingest", str(file)], made.env()),
                run("docket status (read-model catch-up)", ["status"], made.env()),
            ]
        finally:
            file.unlink(missing_ok=True)
        size = path.stat().st_size
        print(f"  store {size / 1e6:,.0f} MB ({size / max(cases, 1) / 1024:.2f} KB per case)")
        record(made, steps, {"notes_share": notes_share, "seed": seed, "store_bytes": size})
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--domain", default="credit", choices=["credit", "demand"])
    parser.add_argument("--notes-share", type=float, default=0.0,
                        help="share of credit cases carrying a note (0-1)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=None,
                        help="store path (default: the cache, /tmp/docket-stores/...)")
    parser.add_argument("--fresh", action="store_true", help="make it again even if cached")
    args = parser.parse_args()
    if args.notes_share and args.domain != "credit":
        parser.error("--notes-share applies to the credit domain only")
    print(f"load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} (1/5-minute averages)")
    made = ensure_store(
        args.cases, args.domain, notes_share=args.notes_share, out=args.out, seed=args.seed,
        fresh=args.fresh,
    )
    print(f"store: {made.path}\ndata dir: {made.data_dir}")
    print(f"use: DOCKET_DATA_DIR={made.data_dir} docket --store {made.path} tui")
    print(Path(f"{made.path}.made.json").read_text())


if __name__ == "__main__":
    main()
