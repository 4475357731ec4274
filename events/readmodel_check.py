"""The read-model check of ``docket verify``: is the file what a replay of the log makes?

The file's digest (:func:`digest`) is compared with the digest of a replay of the log up to
the file's own position. That replay is not written anywhere: the case tables' rows (a
million at a million cases) are hashed in memory as the fold produces them
(:class:`_CaseRowDigests`), and only the rare tables (policies, models, evaluations,
alerts), whose projection reads its own earlier rows, go to a small scratch SQLite file.
Writing every row to a scratch file and reading it back cost more than the fold itself.

The digest is the same whichever side it is computed on: per table, SHA-256 over the
SHA-256 of each row in key order, the row as SQLite returns it, serialised by ``marshal``
(format 2: exact for every float, unambiguous for text and NULL, no references or
interning flags, so equal rows give equal bytes; 2.5 times faster than ``repr`` on a case
row: 2.2 against 5.4 µs with its SHA-256). The
digest compares two sides computed by the same Python in one run; it is not a stored
format. A row the fold produces is first put in the form SQLite stores it in (an integer in
a REAL column comes back a float). Anything else SQLite would change (NaN stored as NULL,
a number in a text column...) only makes the two digests differ: the check then replays
the log into a scratch file as before and compares the files (the same digest, and table
by table to name the difference, :func:`events.readmodels.diff_tables`). So the in-memory
digest can make the check slower, never wrong.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import hashlib
import marshal
import multiprocessing
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from events.case_rows import CASE_ID_COLUMN, CASE_TABLES
from events.errors import StoreError
from events.readmodels import (
    _POLICY_IDS,
    SCHEMA,
    ReadModels,
    _cycles_unchecked,
    counts_check,
    diff_tables,
    replayed,
)

if TYPE_CHECKING:
    from events.app import DecisionLog
    from events.readmodel_seal import Seal

Row = tuple[Any, ...]


@dataclass(frozen=True)
class ReadModelReport:
    """Whether the read-model file is what the log says it should be (``docket verify``).

    Attributes:
        ok: True when the position is within the log and the content matches a replay.
        position: The log position the file says it has applied.
        log_end: The log's last position when the check started.
        digest: SHA-256 over every table of the file, as found.
        expected: The same digest over a fresh replay of the log up to ``position``.
        differences: Where they differ (first few rows per table), when they do.
        sealed_at: When the check used a checkpoint's seal (:mod:`events.readmodel_seal`):
            the checkpoint's position (0: a replay of the whole log). The digests are
            then over the file's buckets of cases and its other tables, another function
            of the same rows, so the sentence calls it the "bucket digest" and the whole
            replay's the "table digest": an auditor must not compare one with the other.
        replayed: With a seal, how many cases were replayed (those of the buckets that
            events after the checkpoint touched).
        used: With a seal, whose (:attr:`Seal.source`, in words).
        seal: When the file matched: a seal of it at ``position``, for ``docket verify
            --seal`` to record in the log (with a seal checked, it comes free; after a
            full replay, only when asked for). None otherwise.
    """

    ok: bool
    position: int
    log_end: int
    digest: str
    expected: str
    differences: list[str]
    sealed_at: int = 0
    replayed: int = 0
    used: str = ""
    seal: Seal | None = None

    def sentence(self) -> str:
        if self.position > self.log_end:
            return (f"the read models claim position {self.position} but the log ends at "
                    f"{self.log_end}: they were edited or belong to another store")  # fmt: skip
        if not self.ok:
            first = self.differences[0] if self.differences else "contents differ"
            return (f"the read models differ from a replay of the log up to their position "
                    f"{self.position} ({first}; {len(self.differences)} difference(s)); "
                    "`docket replay` rebuilds them")  # fmt: skip
        if self.sealed_at:
            return (f"read models at position {self.position} of {self.log_end}, bucket digest "
                    f"{self.digest[:16]}, match the log: {self.used or 'a seal'} of position "
                    f"{self.sealed_at}, and a replay of the {self.replayed} case(s) that share "
                    "a bucket with a case changed since")  # fmt: skip
        return (f"read models at position {self.position} of {self.log_end}, table digest "
                f"{self.digest[:16]}, match a replay of the log")  # fmt: skip


def _row_hash(row: Row) -> bytes:
    return hashlib.sha256(marshal.dumps(row, 2)).digest()


def _combined(tables: dict[str, bytes]) -> str:
    """The digest of a whole file from each table's digest (tables in name order)."""
    h = hashlib.sha256()
    for table in sorted(tables):
        h.update(f"\x1e{table}\x1e".encode())
        h.update(tables[table])
    return h.hexdigest()


def table_digest(readmodels: ReadModels, table: str) -> bytes:
    """SHA-256 over the hash of each of ``table``'s rows, in key order. Its declared columns
    are read by name (a file made before a column was added holds it last on disk)."""
    columns, pk = SCHEMA.get(table, (_POLICY_IDS, "policy_id"))
    h = hashlib.sha256()
    cursor = readmodels.conn.execute(f"SELECT {','.join(columns)} FROM {table} ORDER BY {pk}")
    while rows := cursor.fetchmany(2000):
        h.update(b"".join(_row_hash(tuple(r)) for r in rows))
    return h.digest()


def other_digests(readmodels: ReadModels) -> dict[str, bytes]:
    """:func:`table_digest` of every table but the case tables (policies, models, alerts...,
    which a replay writes to a file rather than hashing in memory)."""
    return {t: table_digest(readmodels, t) for t in readmodels.table_names()
            if t not in CASE_TABLES}  # fmt: skip


def digest(readmodels: ReadModels) -> str:
    """SHA-256 over every table's rows in key order (the caller holds a read snapshot)."""
    return _combined({t: table_digest(readmodels, t) for t in readmodels.table_names()})


class _CaseRowDigests:
    """Where a checking replay's case-table rows go (:attr:`ReadModels.case_sink`): the hash
    of each, as SQLite would give it back, by its key: the case id for ``cases`` and
    ``quarantine`` (a later row of a case replaces its earlier one, as ``INSERT OR REPLACE``
    does), the position for the per-event tables. A table's digest takes its rows' hashes in
    key order, as :func:`table_digest` reads the file. Keyed rather than hashed as they come,
    so the rows of several processes' shares of the cases (:func:`_shared_digests`) merge.
    """

    def __init__(self) -> None:
        self.keyed: dict[str, dict[Any, bytes]] = {t: {} for t in CASE_TABLES}
        # The case each per-event row (keyed by position) belongs to: a checkpoint's seal
        # groups rows by case (events.readmodel_seal).
        self.case_of: dict[str, dict[Any, str]] = {
            t: {} for t in CASE_TABLES if CASE_ID_COLUMN[t] != 0
        }
        # Per table and row shape (the type of each value): the values SQLite gives back
        # in another type (an integer in a REAL column, a bool in an INTEGER one), and as
        # which. A few shapes cover every row.
        self.casts: dict[tuple[str, tuple[type, ...]], dict[int, type]] = {}

    def __call__(self, table: str, rows: list[Row]) -> None:
        keyed = self.keyed[table]
        for row in rows:
            keyed[row[0]] = _row_hash(self._as_stored(table, row))
        case_of = self.case_of.get(table)
        if case_of is not None:
            column = CASE_ID_COLUMN[table]
            for row in rows:
                case_of[row[0]] = row[column]

    def _as_stored(self, table: str, row: Row) -> Row:
        shape = (table, tuple(map(type, row)))
        casts = self.casts.get(shape)
        if casts is None:
            columns = CASE_TABLES[table][0].values()
            casts = self.casts[shape] = {
                i: kind
                for i, (kind, found) in enumerate(zip(columns, shape[1], strict=True))
                if (kind is float and found in (int, bool)) or (kind is int and found is bool)
            }
        if not casts:
            return row
        return tuple(casts[i](v) if i in casts else v for i, v in enumerate(row))

    def merge(self, other: _CaseRowDigests) -> None:
        """Take another share's rows (no key is in two shares: a case is in one)."""
        for table, rows in other.keyed.items():
            self.keyed[table].update(rows)
        for table, cases in other.case_of.items():
            self.case_of[table].update(cases)

    @property
    def cases(self) -> int:
        """How many cases the rows are of (each has one ``cases`` or ``quarantine`` row)."""
        return len(self.keyed["cases"]) + len(self.keyed["quarantine"])

    def by_case(self, table: str) -> Iterator[tuple[str, bytes]]:
        """``table``'s rows as (case id, row hash), in no particular order."""
        rows = self.keyed[table]
        case_of = self.case_of.get(table)
        if case_of is None:
            return iter(rows.items())
        return ((case_of[key], row_hash) for key, row_hash in rows.items())

    def digests(self) -> dict[str, bytes]:
        found = {}
        for table, rows in self.keyed.items():
            h = hashlib.sha256()
            h.update(b"".join(rows[k] for k in sorted(rows)))
            found[table] = h.digest()
        return found


def expected_rows(
    log: DecisionLog, position: int, scratch: Path
) -> tuple[dict[str, bytes], _CaseRowDigests]:
    """A replay of ``log`` up to ``position``: the digest of each table but the case
    tables, and the case tables' rows hashed in memory (the other tables are replayed in a
    scratch file at ``scratch``). On a large SQLite log the
    cases are split between processes as a replay splits them
    (:mod:`events.replay_parts`): this one folds share 0 and every other event, each other
    process one share of the cases, and their row hashes are merged here."""
    from events import replay_parts  # built on readmodels (a cycle at import time)

    workers = replay_parts.workers_for(log, position)
    rows = _CaseRowDigests()
    with ExitStack() as stack:
        others: list[Future[tuple[int, _CaseRowDigests]]] = []
        if workers > 1:  # forked before this process opens anything below
            context = multiprocessing.get_context("fork")
            pool = stack.enter_context(ProcessPoolExecutor(workers - 1, mp_context=context))
            others = [pool.submit(_share_digests, log.url, position, k, workers)
                      for k in range(1, workers)]  # fmt: skip
        views = ReadModels(scratch, _scratch=True)
        try:
            views.case_sink = rows
            only = replay_parts.share(0, workers) if workers > 1 else None
            with _cycles_unchecked():
                views.catch_up(log, batch=10000, stop=position, only=only)
            found = other_digests(views)
        finally:
            views.close()
        for done in others:
            share_position, share_rows = done.result()  # a share's error is raised here
            if share_position != position:
                raise RuntimeError(f"a share of the check ended at position {share_position}, "
                                   f"not at {position}")  # fmt: skip
            rows.merge(share_rows)
    return found, rows


def _share_digests(
    url: str, position: int, index: int, count: int
) -> tuple[int, _CaseRowDigests]:
    """In a child process: share ``index`` of ``count`` of the cases replayed up to
    ``position``, hashed in memory; returns the position reached and the rows' hashes."""
    from events import replay_parts
    from events.store import open_log

    gc.disable()  # this process only replays, then exits (see readmodels._CycleCollector)
    log = open_log(url)  # its own connections, not the parent's
    rows = _CaseRowDigests()
    with tempfile.TemporaryDirectory() as tmp:
        views = ReadModels(Path(tmp) / "share.sqlite", _scratch=True)
        try:
            views.case_sink = rows
            views.catch_up(log, batch=10000, stop=position,
                           only=replay_parts.share(index, count))  # fmt: skip
            reached = views.position()
        finally:
            views.close()
    return reached, rows


def verify_against_log(
    log: DecisionLog, readmodels: ReadModels, seal: Seal | None = None, *, to_seal: bool = False
) -> ReadModelReport:
    """Check the read-model file as found (nothing is caught up or changed): its recorded
    position must be within the log, and its content must equal a fresh replay of the log
    up to that position (compared by digest, then table by table when they differ).

    ``seal``: a checkpoint's seal (:mod:`events.readmodel_seal`), verified by the caller.
    When the file matches it, only the cases sharing a bucket with a case changed since
    are replayed; when anything differs, the whole replay runs and names the difference.
    ``to_seal``: after a whole replay that matches, also make the file's seal (the report's
    ``seal``; a few seconds at a million cases).
    """
    from events.readmodel_seal import check_since, seal_of  # built on this module

    log_end = log.event_count()
    conn = readmodels.conn
    conn.execute("BEGIN")  # one snapshot: position and rows of the same moment
    try:
        position = readmodels.position()
        miscounted = counts_check(readmodels)
        if seal is not None and position <= log_end and not miscounted:
            sealed = check_since(log, readmodels, seal)
            if sealed is not None:
                return ReadModelReport(True, position, log_end, sealed.digest, sealed.digest,
                                       [], seal.position, sealed.replayed, seal.source,
                                       sealed.seal)  # fmt: skip
        found = digest(readmodels)
        if position > log_end:
            return ReadModelReport(False, position, log_end, found, "", [])
        made: Seal | None = None
        with tempfile.TemporaryDirectory(dir=readmodels.path.parent) as tmp:
            others, rows = expected_rows(log, position, Path(tmp) / "digest.sqlite")
            expected = _combined(others | rows.digests())
            if to_seal and expected == found and position > 0:
                made = seal_of(rows, position)
            del rows  # a million rows' hashes: not kept while a difference is looked for
            differences: list[str] = []
            if expected != found:  # a difference to name, or rows to compare as stored
                scratch = replayed(log, Path(tmp) / "verify.sqlite", stop=position)
                try:
                    expected = digest(scratch)
                    if expected != found:
                        differences = diff_tables(readmodels, scratch)
                finally:
                    scratch.close()
    finally:
        conn.execute("COMMIT")
    ok = expected == found and not miscounted
    differences += miscounted
    return ReadModelReport(ok, position, log_end, found, expected, differences,
                           seal=made if ok else None)  # fmt: skip


def in_background(
    log: DecisionLog, readmodels: ReadModels, seal: Seal | None = None, *, to_seal: bool = False
) -> Callable[[], ReadModelReport] | None:
    """:func:`verify_against_log` started in a child process, so that ``docket verify``
    walks the chain meanwhile (the two read the same rows and share nothing else); the
    function returned waits for its report. None when it cannot be forked: a PostgreSQL
    store or read models, a log only this process can open, or a process running other
    threads (see :func:`events.replay_parts.workers_for`).

    The child opens its own connections (a SQLite connection must never cross a fork) and
    takes its own snapshot of the file, as the check in this process would.
    """
    from events.replay_parts import _sqlite_file  # built on readmodels (a cycle at import)

    if type(readmodels) is not ReadModels or not _sqlite_file(log):
        return None
    if threading.active_count() > 1:
        return None
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    # Not a daemon: a large check shares its replay with processes of its own, which a
    # daemon may not start. It leads a process group of its own instead, which this
    # process ends (the check and its helpers) if it stops first (a tampered chain).
    child = context.Process(
        target=_check_in_child, args=(log.url, str(readmodels.path), seal, to_seal, sending),
        daemon=False,
    )
    child.start()
    sending.close()
    ending = functools.partial(_end_group, child)
    atexit.register(ending)

    def result() -> ReadModelReport:
        try:
            outcome = receiving.recv()
        except EOFError:
            outcome = "the read-model check's process ended without a report"
        finally:
            receiving.close()
            child.join()
            atexit.unregister(ending)
        if isinstance(outcome, str):
            raise StoreError(outcome)
        assert isinstance(outcome, ReadModelReport)
        return outcome

    return result


def _end_group(child: multiprocessing.process.BaseProcess) -> None:
    """At exit: end the check's process group (the check and any share it started) if it is
    still running."""
    if child.is_alive() and child.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        child.join()


def _check_in_child(
    url: str, path: str, seal: Seal | None, to_seal: bool, sending: Connection
) -> None:
    """In a child process: check the read models at ``path`` against the log at ``url`` and
    send the report (or the error, as a sentence)."""
    from events.store import open_log

    os.setpgrp()  # its group: ended whole if the parent stops first (_end_group)
    try:
        views = ReadModels(path)
        try:
            sending.send(verify_against_log(open_log(url), views, seal, to_seal=to_seal))
        finally:
            views.close()
    except Exception as exc:  # reported by the parent, which raises it
        sending.send(f"the read-model check failed: {type(exc).__name__}: {exc}")
    finally:
        sending.close()


__all__ = ["ReadModelReport", "digest", "in_background", "table_digest", "verify_against_log"]
