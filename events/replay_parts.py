"""A replay of the log shared by several processes, each folding its share of the cases.

Why: a replay (``docket replay``, and the read-model check of ``docket verify``, which
replays the log up to the file's position) is Python work on one core: each event is read,
inflated, decoded and folded into its case's state, and the rows are written. On a real
store that is about 23 µs of CPU per event, 23 s for a million events, while the
machine has a second core doing nothing for it.

How the work splits: a case event changes only its own case's rows (the fold of a case
reads nothing but that case's earlier events), so the cases split cleanly. Process ``k``
of ``n`` replays, with the very code of a one-process replay
(:meth:`ReadModels.catch_up`, given :func:`share`), the events of the cases whose id
falls in share ``k``; share 0 also takes every other event (policies, models,
evaluations, alerts), whose handlers read each other's rows. Each writes a file of its
own; the others' case rows are then copied into share 0's file, which becomes the result.
Every process reads every stored row (cheap next to decoding: about a tenth of a replay)
and skips the ones not in its share. Any two shares hold different rows, so the copy
inserts (never replaces): a row found twice would stop the replay with an error.

Only a SQLite store opened from its path is split (each process opens its own
connections: a SQLite connection must never cross a fork); a PostgreSQL store, or a log
too small to repay starting processes (:data:`SPLIT_FROM`), is replayed in one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sqlite3
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from events.case_rows import CASE_TABLES
from events.readmodels import CASE_NAMES, ReadModels, Share, StoredRow, _cycles_unchecked
from events.store import open_log, parse_store_url

if TYPE_CHECKING:
    from events.app import DecisionLog

#: Events below which a replay stays in one process: starting a process, opening the log
#: in it and copying its rows cost more than they save on a few tens of thousands.
SPLIT_FROM = 50_000
#: The most processes a replay uses (each reads every row, so more stop paying off).
MAX_WORKERS = 4


def workers_for(log: DecisionLog, stop: int | None) -> int:
    """How many processes should replay ``log`` (up to ``stop``): the machine's cores (at
    most :data:`MAX_WORKERS`) for a SQLite file of at least :data:`SPLIT_FROM` events,
    else 1."""
    if not _sqlite_file(log):
        return 1
    end = log.event_count() if stop is None else stop
    if end < SPLIT_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _sqlite_file(log: DecisionLog) -> bool:
    url = getattr(log, "url", "")
    if not url or parse_store_url(url).kind != "sqlite":
        return False
    return Path(url).is_file()  # not ":memory:", nor a store only this process can see


def share(index: int, count: int) -> Share:
    """The rows share ``index`` of ``count`` applies: the events of the cases whose id ends
    in a number that leaves ``index`` divided by ``count``, and, for share 0, every event
    that is not a case's. (The last four hex digits of a case id are uniform: its uuid5 or
    uuid4 hash.)"""
    case_names = CASE_NAMES
    first = index == 0

    def mine(rows: Sequence[StoredRow]) -> Iterable[StoredRow]:
        return [
            row
            for row in rows
            if (int(row[1][-4:], 16) % count == index if row[3] in case_names else first)
        ]

    return mine


def replayed_in_parts(
    log: DecisionLog, path: str | Path, *, batch: int, stop: int | None, workers: int
) -> ReadModels:
    """The tables of a replay of ``log`` up to ``stop`` (by default its last event when
    this starts), built by ``workers`` processes, in a new file at ``path``: the same
    rows as a one-process replay (:func:`events.readmodels.replayed`).

    Raises:
        RuntimeError: a share ended at another position, or two shares held one row.
    """
    end = log.event_count() if stop is None else stop  # every share stops at the same event
    target = Path(path)
    parts = [target.with_name(f"{target.name}.share{k}") for k in range(1, workers)]
    # Forked before this process replays (nothing it opens below crosses into a child).
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:
            others = [
                pool.submit(_replay_share, log.url, str(part), batch, end, k, workers)
                for k, part in enumerate(parts, start=1)
            ]
            fresh = ReadModels(target, _scratch=True)
            try:
                with _cycles_unchecked():
                    fresh.catch_up(log, batch=batch, stop=end, only=share(0, workers))
                for done in others:
                    done.result()  # a share's error is raised here
                for part in parts:
                    _copy_cases(fresh, part)
            except BaseException:
                fresh.close()
                raise
    finally:
        for part in parts:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{part}{suffix}").unlink(missing_ok=True)
    return fresh


def _replay_share(url: str, path: str, batch: int, end: int, index: int, count: int) -> None:
    """In a child process: replay share ``index`` of ``count`` into the file ``path``."""
    gc.disable()  # this process only replays, then exits (see readmodels._CycleCollector)
    log = open_log(url)  # its own connections, not the parent's
    views = ReadModels(path, _scratch=True)
    try:
        views.catch_up(log, batch=batch, stop=end, only=share(index, count))
    finally:
        views.close()


def _copy_cases(into: ReadModels, part: Path) -> None:
    """Copy a share's case rows into ``into`` (plain inserts: a row in both is an error).

    Raises:
        RuntimeError: the share ended at another position than ``into``, or a row was
            already there.
    """
    conn = into.conn
    conn.execute("ATTACH DATABASE ? AS share", (str(part),))
    try:
        found = conn.execute("SELECT position FROM share._position WHERE name = 'log'").fetchone()
        if found is None or found[0] != into.position():
            raise RuntimeError(
                f"a share of the replay ended at position {found and found[0]}, not at "
                f"{into.position()}"
            )
        conn.execute("BEGIN")
        try:
            for table, (columns, _) in CASE_TABLES.items():
                names = ",".join(columns)
                copy = f"INSERT INTO main.{table} ({names}) SELECT {names} FROM share.{table}"
                conn.execute(copy)
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise RuntimeError(f"two shares of the replay hold one row: {exc}") from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute("DETACH DATABASE share")
