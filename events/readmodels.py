"""Read models: SQLite tables that follow the log, for queues, screens and reports.

The log is the only source of truth; these tables are derived and can be thrown
away and rebuilt (:func:`rebuild`). :meth:`ReadModels.catch_up` reads the log's
notifications after the stored position straight from the recorder (the
library's notification log is capped at 10 per section) and writes the rows and
the new position in ONE SQLite transaction, so a crash or a rerun never applies
an event twice or skips one.

Speed: events are inflated and decoded straight from the stored state
(:func:`events.compression.read_state`; no aggregate or event objects are built), case
rows touched in a batch are kept in a dict and written once per batch with
``executemany``.

Tables (all times ISO-8601 UTC strings; json columns hold JSON text):

* ``cases``: one row per case, current state (status open|escalated|decided|quarantined,
  score, recommendation, expected costs, flags ood/fallback/guardrail/injection/escalated,
  decision, outcome, policy version, aggregate version).
* ``decisions``, ``overrides``, ``outcomes``, ``explanations``: one row per event.
* ``quarantine``: rejected raw input with its problems.
* ``policy_history``, ``models`` (current, with ``champion`` flag), ``model_history``,
  ``eval_runs``, ``alerts``.
* ``_position``: the last notification id applied.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import sqlite_utils
from eventsourcing.utils import get_topic, resolve_topic

from events import queue
from events.case_rows import CASE_TABLES, EVENT_ROW_EVENTS, dumps, event_rows, row_from_state
from events.compression import read_state
from events.domain import Alert, Case, EvalRun, ModelVersion, Policy
from events.domain.case_state import CaseState
from events.errors import StoreError
from events.queries import INDEXES as QUERY_INDEXES

if TYPE_CHECKING:
    from events.app import DecisionLog

Row = dict[str, Any]
#: A stored row as the recorder reads it: (position, originator id, version, topic, state).
StoredRow = tuple[int, str, int, str, bytes]
#: Which of a batch's stored rows one process of a split replay applies.
Share = Callable[[Sequence[StoredRow]], Iterable[StoredRow]]
#: Where a replay's case-table rows go instead of SQLite: (table, rows) per batch
#: (:mod:`events.readmodel_check` hashes them in memory).
CaseRowSink = Callable[[str, list[tuple[Any, ...]]], None]


_T = str
_I = int
_F = float
#: table -> (columns with types, primary key). Order of columns is the insert order. The
#: case tables (``cases`` and its per-event tables) are declared in :mod:`events.case_rows`,
#: beside the code that builds their rows from a case's state.
SCHEMA: dict[str, tuple[dict[str, type], str]] = {
    **CASE_TABLES,
    "policy_history": (
        {
            "position": _I, "domain": _T, "event": _T, "policy_version": _I, "owner_role": _T,
            "changes": _T, "spec": _T, "justification": _T, "actor": _T, "role": _T, "at": _T,
        },
        "position",
    ),
    "models": (
        {
            "model_id": _T, "domain": _T, "model_version": _T, "status": _T, "champion": _I,
            "card": _T, "registered_at": _T, "registered_by": _T, "updated_at": _T,
        },
        "model_id",
    ),
    "model_history": (
        {
            "position": _I, "model_id": _T, "domain": _T, "model_version": _T, "event": _T,
            "status": _T, "champion": _I, "detail": _T, "actor": _T, "role": _T, "at": _T,
        },
        "position",
    ),
    "eval_runs": (
        {
            "run_id": _T, "suite": _T, "passed": _I, "results": _T, "model_versions": _T,
            "actor": _T, "role": _T, "at": _T,
        },
        "run_id",
    ),
    "alerts": (
        {
            "alert_id": _T, "kind": _T, "severity": _T, "details": _T, "raised_at": _T,
            "raised_by": _T, "acknowledged": _I, "acknowledged_by": _T,
            "acknowledged_at": _T,
        },
        "alert_id",
    ),
    "_position": ({"name": _T, "position": _I}, "name"),
}  # fmt: skip


#: Which domain each policy aggregate belongs to (the projection's own lookup table).
_POLICY_IDS: dict[str, type] = {"policy_id": str, "domain": str}


def upsert(table: str) -> str:
    """``INSERT OR REPLACE`` of one row of ``table``, naming its columns.

    Columns are named rather than relied on by position: a file made before a column was
    added has that column last on disk, not where the schema declares it.
    """
    columns = tuple(SCHEMA[table][0]) if table in SCHEMA else ("policy_id", "domain")
    marks = ",".join("?" * len(columns))
    return f"INSERT OR REPLACE INTO {table} ({','.join(columns)}) VALUES ({marks})"


#: Indexes the projection itself needs; the queries' own are declared in events.queries.
INDEXES: list[tuple[str, list[str]]] = [
    ("cases", ["domain", "case_ref"]),
    ("decisions", ["case_id"]),
    ("decisions", ["domain", "at"]),
    ("overrides", ["domain", "reason_code"]),
    ("outcomes", ["case_id"]),
    ("explanations", ["case_id"]),
    ("policy_history", ["domain", "policy_version"]),
    ("model_history", ["model_id"]),
]


def _upcaster(topic: str) -> Callable[[Row], None] | None:
    """If stored events of this topic may be older than their class, a function that
    upcasts a decoded state dict in place (the same ``upcast_vN_vN+1`` the mapper uses)."""
    cls = resolve_topic(topic)
    target = getattr(cls, "class_version", 1)
    if target == 1:
        return None

    def upcast(state: Row) -> None:
        version = state.pop("class_version", 1)
        while version < target:
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1

    return upcast


class _Batch:
    """Everything one transaction will write: each touched case's state (its ``cases`` row
    is written once, from the state after the batch), other rows (appended)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        log: DecisionLog,
        previous: dict[str, CaseState],
        sink: CaseRowSink | None = None,
    ) -> None:
        self.conn = conn
        self.log = log
        self.sink = sink  # the case tables' rows go there instead of SQLite, when set
        self.previous = previous  # states earlier batches of this catch-up left (committed)
        self.states: dict[str, CaseState] = {}
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in SCHEMA}
        # The ``cases`` row of each case the batch has moved on from, made from its state
        # while that state is fresh in the CPU's caches (made at the end of a batch of
        # 10,000 cases it cost three times as much); the case taken last has none yet, and a
        # case taken again loses its row until the batch moves on from it again.
        self.case_rows: dict[str, tuple[Any, ...]] = {}
        self.last: str | None = None

    def before(self, case_id: str, version: int) -> CaseState:
        """The case's state just before its event ``version``: the one this batch or an
        earlier one of this catch-up left, else folded from the case's earlier events."""
        state = self.states.get(case_id) or self.previous.get(case_id)
        if state is None or state.version != version - 1:
            state = case_state(self.log, case_id, version - 1)
        return state

    def case_event(
        self,
        position: int,
        case_id: str,
        version: int,
        name: str,
        topic: str,
        raw: bytes,
        held: CaseState | None,
    ) -> None:
        """Fold the case event ``name`` (stored as ``raw``) into the case's state.

        ``held``: the case's state as this process just saved it. Its events up to its
        version need no decoding: the last one takes ``held`` itself, earlier ones are
        covered by it unless they add a row of their own (then they are folded as usual).
        """
        if held is not None and version <= held.version:
            if version == held.version:
                self.take(case_id, position, name, held)
                return
            if name not in EVENT_ROW_EVENTS:
                return
        payload = decoded(topic, raw, step_authors=False)  # the fold reads no step's author
        at = payload["timestamp"]["_data_"]
        if name in CREATED:
            self.take(case_id, position, name, CaseState.opened(name, payload, at, version))
        else:
            before = self.before(case_id, version)
            self.take(case_id, position, name, before.apply(name, payload, at, version))

    def take(self, case_id: str, position: int, name: str, state: CaseState) -> None:
        """Take ``state``, the case just after its event ``name`` at ``position``."""
        last = self.last
        if case_id != last:
            if last is not None:  # moving on from ``last``: its row, from its latest state
                self.case_rows[last] = row_from_state(last, self.states[last])
            self.case_rows.pop(case_id, None)  # back to an earlier case: its row is stale
            self.last = case_id
        self.states[case_id] = state
        if name in EVENT_ROW_EVENTS:
            for table, row in event_rows(case_id, position, name, state):
                self.rows[table].append(row)

    def add(self, table: str, *values: Any) -> None:
        self.rows[table].append(values)

    def write(self, position: int) -> None:
        c = self.conn
        if self.states:  # each case's row from the state after the batch, in take order
            made = self.case_rows
            states = self.states.items()
            self.rows["cases"] = [made.get(k) or row_from_state(k, s) for k, s in states]
        for table, rows in self.rows.items():
            if not rows:
                continue
            if self.sink is not None and table in CASE_TABLES:
                self.sink(table, rows)
            elif table == "cases" and isinstance(c, sqlite3.Connection):  # (PostgreSQL's
                # counts are kept by statement-level triggers: events.pg_readmodels)
                queue.write_counted(c, upsert(table), rows)
            else:
                c.executemany(upsert(table), rows)
        c.execute("INSERT OR REPLACE INTO _position VALUES ('log', ?)", (position,))


def case_state(log: DecisionLog, case_id: str, version: int) -> CaseState:
    """The case ``case_id`` as of its event ``version``, folded from its stored events (one
    indexed range read) by the one fold of a case.

    Raises:
        LookupError: the log holds fewer events of that case.
    """
    state: CaseState | None = None
    for stored in log.recorder.select_events(UUID(case_id), lte=version):
        name = CASE_NAMES[stored.topic]
        payload = decoded(stored.topic, stored.state, step_authors=False)
        at = payload["timestamp"]["_data_"]
        v = stored.originator_version
        state = (CaseState.opened(name, payload, at, v) if state is None
                 else state.apply(name, payload, at, v))  # fmt: skip
    if state is None or state.version != version:
        raise LookupError(f"the log has no event {version} of case {case_id}")
    return state


def shown_case_problem(
    log: DecisionLog, rows: Iterable[Any], known: dict[str, tuple[Any, ...]] | None = None
) -> str | None:
    """How a page of ``cases`` rows (mappings of every column, as the queue reads them)
    differs from the log, or None: each row is compared with the one fold of its case up to
    the version the row names (so a row another console has just moved on is no false
    alarm). A page is a few dozen rows: a few milliseconds. What an edit of the file that
    keeps a row out of the page (a case marked decided so that it leaves the waiting
    queue) does is left to ``docket verify``, which compares every row.

    ``known``: rows found to match before, by case id; a row equal to its entry is not
    folded again, and each row found to match is entered (up to 10,000, then it starts
    afresh)."""
    columns = tuple(CASE_TABLES["cases"][0])
    if known is None:
        known = {}
    for row in rows:
        case_id = row["case_id"]
        values = tuple(row[column] for column in columns)
        if known.get(case_id) == values:
            continue
        name = f"case {row['case_ref']}" if row["case_ref"] else f"case {case_id}"
        try:
            expected = row_from_state(case_id, case_state(log, case_id, int(row["version"])))
        except (LookupError, ValueError, TypeError):
            return (f"the queue's row of {name} names its version {row['version']!r}, which "
                    "the log does not hold")  # fmt: skip
        for column, want in zip(columns, expected, strict=True):
            if row[column] != want:
                return f"the queue's row of {name} differs from the log in {column}"
        if len(known) >= 10_000:
            known.clear()
        known[case_id] = values
    return None


# --- other events: one handler per event type: (batch, aggregate id, position, version,
# state, at). They are rare: written straight away with SQL, in the same transaction,
# because some need the current row (model domain, champion flag).

Handler = Callable[[_Batch, str, int, int, Row, str], None]


def _policy(event: str) -> Handler:
    def handle(b: _Batch, oid: str, pos: int, ver: int, s: Row, at: str) -> None:
        c = b.conn
        if event == "created":
            domain, version, owner = s["domain"], 1, s["owner_role"]
            spec, changes = s["spec"], s["spec"]
        else:
            last = _last_policy(c, oid)
            domain, version, owner, spec = last
            changes = None
            if event == "changed":
                version, spec, changes = s["policy_version"], s["spec"], s["changes"]
            else:
                spec = json.loads(spec)
        c.execute(
            upsert("policy_history"),
            (
                pos, domain, event, version, owner,
                None if changes is None else dumps(changes), dumps(spec),
                s.get("justification") or s.get("note"), s["actor"], s["role"], at,
            ),
        )  # fmt: skip
        c.execute(upsert("_policy_ids"), (oid, domain))

    return handle


def _last_policy(c: sqlite3.Connection, policy_id: str) -> tuple[str, int, str, str]:
    row = c.execute(
        "SELECT h.domain, h.policy_version, h.owner_role, h.spec FROM policy_history h "
        "JOIN _policy_ids p ON p.domain = h.domain WHERE p.policy_id = ? "
        "ORDER BY h.position DESC LIMIT 1",
        (policy_id,),
    ).fetchone()
    if row is None:
        raise LookupError(f"read model has no policy {policy_id}; rebuild it")
    return row[0], row[1], row[2], row[3]


_MODEL_STATUS = {
    "promoted": "champion",
    "demoted": "registered",
    "shadow_started": "shadow",
    "retired": "retired",
}


def _model(event: str) -> Handler:
    def handle(b: _Batch, oid: str, pos: int, ver: int, s: Row, at: str) -> None:
        c = b.conn
        if event == "registered":
            c.execute(
                upsert("models"),
                (oid, s["domain"], s["version"], "registered", 0, dumps(s["card"]), at,
                 s["actor"], at),
            )  # fmt: skip
            detail: Any = s["card"]
        else:
            status = _MODEL_STATUS[event]
            if event == "promoted":  # one champion per domain: the latest promoted
                c.execute(
                    "UPDATE models SET champion = 0 WHERE champion = 1 AND domain = "
                    "(SELECT domain FROM models WHERE model_id = ?)",
                    (oid,),
                )
            champion_sql = "1" if event == "promoted" else "0"
            c.execute(
                f"UPDATE models SET status = ?, champion = {champion_sql}, updated_at = ? "
                "WHERE model_id = ?",
                (status, at, oid),
            )
            detail = s.get("evidence", s.get("reason"))
        found = c.execute(
            "SELECT domain, model_version, status, champion FROM models WHERE model_id = ?", (oid,)
        ).fetchone()
        if found is None:
            raise LookupError(f"read model has no model {oid}; rebuild it")
        c.execute(
            upsert("model_history"),
            (pos, oid, found[0], found[1], event, found[2], found[3], dumps(detail),
             s["actor"], s["role"], at),
        )  # fmt: skip

    return handle


def _eval_recorded(b: _Batch, oid: str, pos: int, ver: int, s: Row, at: str) -> None:
    b.add(
        "eval_runs", oid, s["suite"], int(s["passed"]), dumps(s["results"]),
        dumps(s["model_versions"]), s["actor"], s["role"], at,
    )  # fmt: skip


def _alert(event: str) -> Handler:
    def handle(b: _Batch, oid: str, pos: int, ver: int, s: Row, at: str) -> None:
        if event == "raised":
            b.conn.execute(
                upsert("alerts"),
                (oid, s["kind"], s["severity"], dumps(s["details"]), at, s["actor"], 0,
                 None, None),
            )  # fmt: skip
        elif event == "escalated":  # the latest severity and measure replace the old ones
            b.conn.execute(
                "UPDATE alerts SET severity = ?, details = ? WHERE alert_id = ?",
                (s["severity"], dumps(s["details"]), oid),
            )
        else:  # acknowledged, or resolved because the condition recovered
            b.conn.execute(
                "UPDATE alerts SET acknowledged = 1, acknowledged_by = ?, acknowledged_at = ? "
                "WHERE alert_id = ?",
                (s["actor"], at, oid),
            )

    return handle


HANDLERS: dict[str, Handler] = {
    get_topic(Policy.Created): _policy("created"),
    get_topic(Policy.Changed): _policy("changed"),
    get_topic(Policy.Reviewed): _policy("reviewed"),
    get_topic(Policy.SignedOff): _policy("signed_off"),
    get_topic(ModelVersion.Registered): _model("registered"),
    get_topic(ModelVersion.Promoted): _model("promoted"),
    get_topic(ModelVersion.Demoted): _model("demoted"),
    get_topic(ModelVersion.ShadowStarted): _model("shadow_started"),
    get_topic(ModelVersion.Retired): _model("retired"),
    get_topic(EvalRun.Recorded): _eval_recorded,
    get_topic(Alert.Raised): _alert("raised"),
    get_topic(Alert.Acknowledged): _alert("acknowledged"),
    get_topic(Alert.Escalated): _alert("escalated"),
    get_topic(Alert.Resolved): _alert("resolved"),
}
#: Case event topics -> event names: these are folded into the case's state, not handled.
CASE_NAMES: dict[str, str] = {
    get_topic(cls): cls.__name__
    for cls in (
        Case.Opened, Case.Assessed, Case.InputQuarantined, Case.Scored, Case.Forecast,
        Case.FellBackToBaseline, Case.Recommended, Case.InputFlagged, Case.Explained,
        Case.Accepted, Case.Overridden, Case.Escalated, Case.SignedOff, Case.OutcomeRecorded,
    )
}  # fmt: skip
#: How many case states a catch-up carries from batch to batch (the most recently touched).
#: A state holds its events' payloads, about 8 KB for a credit case: at most ~80 MB while a
#: long catch-up (a replay) runs; nothing is kept between catch-ups.
CARRIED_STATES = 10_000

#: The events that start a case (no state before them).
CREATED = frozenset({"Opened", "Assessed", "InputQuarantined"})
UPCASTERS: dict[str, Callable[[Row], None] | None] = {
    t: _upcaster(t) for t in (*HANDLERS, *CASE_NAMES)
}


def decoded(topic: str, raw: bytes, *, step_authors: bool = True) -> Row:
    """A stored event's state as a plain dict, upcast to its class's current version.

    ``step_authors=False``: for the case's fold, which reads no step's author (see
    :func:`events.compression.read_state`: checked, not written into the steps)."""
    state: Row = read_state(raw, step_authors=step_authors)
    upcast = UPCASTERS[topic]
    if upcast is not None:
        upcast(state)
    return state


#: Page cache of a scratch file being replayed into, in KiB (SQLite's default is 2 MiB).
SCRATCH_CACHE_KB = 128 * 1024


class ReadModels:
    """The read-model SQLite file. Safe to open from several processes.

    Args:
        path: The SQLite file (created with its tables and indexes if missing).
    """

    #: Columns an existing file lacked and was given (empty for the events already applied,
    #: so such a file is rebuilt on opening). PostgreSQL read models add them in place.
    added_columns: tuple[str, ...] = ()
    #: Whether the queue's counts are kept in a table (:data:`events.queue.COUNTS_TABLE`).
    keeps_case_counts: bool = True
    #: When set, :meth:`catch_up` applies at most this many events a call: a console on
    #: read models far behind the log (a store's first console, before ``docket
    #: setup-postgres`` or ``docket replay`` built them) stays responsive and its timer
    #: brings them up to date step by step, instead of freezing until all are applied.
    step: int | None = None
    #: When set, the case tables' rows are handed to it instead of written (a checking
    #: replay that digests them in memory, :mod:`events.readmodel_check`).
    case_sink: CaseRowSink | None = None

    def __init__(self, path: str | Path, *, _scratch: bool = False) -> None:
        self.path = Path(path)
        self._scratch = _scratch
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        # Front ends call from worker threads; the service serialises access with a lock,
        # so the connection may be shared across threads.
        self.conn = sqlite3.connect(
            self.path, isolation_level=None, timeout=30, check_same_thread=False
        )
        # Derived data: a power cut may lose the last commits, never corrupt or
        # split rows from their position (WAL keeps each transaction atomic).
        # A scratch file being rebuilt is private and renamed into place only when
        # complete (a failed build is thrown away), so it needs no journal, no syncing
        # and no indexes until the end, and it gets a larger page cache: its case rows
        # go in by random case id (at a million cases 1.4 µs of a replay's ~50 µs an
        # event went to the journal, more to reading back evicted index pages).
        if _scratch:
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute(f"PRAGMA cache_size=-{SCRATCH_CACHE_KB}")
        else:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        # sqlite-utils turns recursive triggers on, which the queue's counts rely on (an
        # INSERT OR REPLACE then fires the delete trigger: events.queue.counts_schema).
        self.db = sqlite_utils.Database(self.conn, recursive_triggers=True)
        self._create()

    def _create(self) -> None:
        added: list[str] = []
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for table, (columns, pk) in SCHEMA.items():
                if not self.db[table].exists():
                    self.db.create_table(table, columns, pk=pk)
                else:  # a file made before a column was added: add it (rows keep NULL)
                    existing = self.db.table(table)
                    have = set(existing.columns_dict)
                    for name, kind in columns.items():
                        if name not in have:
                            existing.add_column(name, kind)
                            added.append(f"{table}.{name}")
            if not self.db["_policy_ids"].exists():
                self.db.create_table("_policy_ids", _POLICY_IDS, pk="policy_id")
            if not self._scratch:
                self._create_indexes()
            self.conn.execute("COMMIT")
        except sqlite_utils.db.NoTable as exc:  # a view where a table belongs: an edited file
            self.conn.execute("ROLLBACK")
            raise StoreError(
                f"the read-model file {self.path} was edited ({exc}); delete it and run "
                "`docket replay` to rebuild it from the log"
            ) from exc
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.added_columns = tuple(added)

    def _create_indexes(self) -> None:
        for table, cols in [*INDEXES, *QUERY_INDEXES, *queue.INDEXES]:
            self.db.table(table).create_index(cols, if_not_exists=True)
        # Partial indexes (the queue's flagged cases): sqlite-utils makes only full ones.
        for table, cols, flag in queue.PARTIAL_INDEXES:
            name = f"idx_{table}_{'_'.join(cols)}_{flag}"
            self.conn.execute(
                f"CREATE INDEX IF NOT EXISTS [{name}] ON [{table}] ({', '.join(cols)}) "
                f"WHERE {flag} = 1"
            )
        for name in queue.OBSOLETE_INDEXES:
            self.conn.execute(f"DROP INDEX IF EXISTS [{name}]")
        if not self.db[queue.COUNTS_TABLE].exists():  # filled from the rows there are
            for statement in queue.counts_schema():
                self.conn.execute(statement)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ReadModels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def position(self) -> int:
        """The last notification id applied (0 when empty)."""
        row = self.conn.execute("SELECT position FROM _position WHERE name='log'").fetchone()
        return int(row[0]) if row else 0

    def catch_up(
        self,
        log: DecisionLog,
        *,
        batch: int = 5000,
        stop: int | None = None,
        saved: Iterable[Case] = (),
        only: Share | None = None,
    ) -> int:
        """Apply every event recorded after :meth:`position` (up to ``stop``, when given);
        return how many were applied.

        Each batch of ``batch`` notifications is one transaction: rows and position
        together. The position is re-read inside the transaction (BEGIN IMMEDIATE
        locks out other writers), so two processes catching up at once cannot
        apply the same events twice. With :attr:`step` set (and no ``stop``), at most
        ``step`` events are applied.

        Case events are folded into each case's :class:`CaseState` (the state before an
        event is the batch's own, or is folded once from the case's stored events).
        ``saved``: cases this process has just saved (no pending events left): their
        events up to the aggregate's version are taken from the aggregate's state instead
        of being decoded and folded again (only the notification rows are read, to keep
        the log's order and to find events others wrote in between).
        ``only``: which of the rows read it applies (a replay split over processes applies
        one share of the cases in each, :mod:`events.replay_parts`); the position still
        moves past every row read.
        """
        position = self.position()
        if position >= log.event_count():
            # Up to date: no write transaction (nor, on PostgreSQL, the projection's lock),
            # so consoles opening together on current read models never wait for each other.
            return 0
        if stop is None and self.step is not None:
            stop = position + self.step
            batch = min(batch, self.step)
        known = {str(c.id): c.state for c in saved if not c.pending_events}
        applied = 0
        # The states earlier batches left (bounded): a case decided, or given its outcome,
        # a few batches after it was opened is not folded again from the log.
        previous: dict[str, CaseState] = {}
        while True:
            n, more = self._apply_batch(log, batch, stop, known, previous, only)
            applied += n
            if not more:
                return applied

    def _apply_batch(
        self,
        log: DecisionLog,
        limit: int,
        stop: int | None,
        known: dict[str, CaseState],
        previous: dict[str, CaseState],
        only: Share | None = None,
    ) -> tuple[int, bool]:
        """Apply one batch; return (events applied, whether more may follow). ``previous``
        holds the case states earlier batches left (at most :data:`CARRIED_STATES`, the
        most recently touched); this batch's are added."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = self.position() + 1
            rows = log.chained_recorder.select_rows(start, limit, stop)
            more = len(rows) == limit
            if not rows:
                conn.execute("ROLLBACK")
                return 0, False
            b = _Batch(conn, log, previous, self.case_sink)
            handlers = HANDLERS
            case_names = CASE_NAMES
            for nid, oid, version, topic, raw in rows if only is None else only(rows):
                name = case_names.get(topic)
                if name is not None:
                    b.case_event(nid, oid, version, name, topic, raw, known.get(oid))
                    continue
                handler = handlers.get(topic)
                if handler is None:
                    continue  # an event type this version does not project
                state = decoded(topic, raw)
                handler(b, oid, nid, version, state, state["timestamp"]["_data_"])
            b.write(rows[-1][0])
            conn.execute("COMMIT")
            for case_id, left in b.states.items():  # the newest last, the oldest dropped
                previous.pop(case_id, None)
                previous[case_id] = left
            for case_id in list(islice(previous, max(0, len(previous) - CARRIED_STATES))):
                del previous[case_id]
            return len(rows), more
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # --- reading helpers (the service builds views from these) --------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read query and return rows as dicts."""
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def models_snapshot(self) -> tuple[int, list[Row], dict[str, int]]:
        """The position, the ``models`` rows and each domain's latest policy version, read
        in one snapshot (so a process catching up meanwhile cannot pair rows with another
        position)."""
        self.conn.execute("BEGIN")  # deferred: the snapshot starts at the first read
        try:
            position = self.position()
            models = self.rows("SELECT domain, model_version, status, champion FROM models")
            policies = self.rows(
                "SELECT domain, max(policy_version) AS v FROM policy_history "
                "WHERE event IN ('created', 'changed') GROUP BY domain"
            )
            return position, models, {str(r["domain"]): int(r["v"]) for r in policies}
        finally:
            self.conn.execute("COMMIT")

    def table_names(self) -> list[str]:
        return [*SCHEMA, "_policy_ids"]

    def rebuilt(self, log: DecisionLog) -> ReadModels:
        """These read models thrown away and rebuilt from the whole log (this object is
        closed; use the one returned, which keeps :attr:`step`)."""
        self.close()
        fresh = rebuild(log, self.path)
        fresh.step = self.step
        return fresh

    def behind(self, log: DecisionLog) -> int:
        """How many of the log's events these read models have not applied yet."""
        return max(0, log.event_count() - self.position())


def catch_up(log: DecisionLog, readmodels: ReadModels, *, batch: int = 5000) -> int:
    """Module-level form of :meth:`ReadModels.catch_up`."""
    return readmodels.catch_up(log, batch=batch)


def rebuild(
    log: DecisionLog,
    path: str | Path,
    *,
    batch: int = 10000,
    stop: int | None = None,
    workers: int | None = None,
) -> ReadModels:
    """Rebuild the read models at ``path`` from the whole log (up to ``stop``, when given;
    ``workers``: as for :func:`replayed`).

    Builds into a scratch file beside ``path`` and renames it over ``path``, so a
    reader never sees a half-built file (readers holding the old file keep it).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=target.name + ".", suffix=".rebuild", dir=target.parent)
    os.close(fd)
    os.unlink(scratch)
    fresh = replayed(log, scratch, batch=batch, stop=stop, workers=workers)
    try:
        fresh._create_indexes()  # faster in one go than maintained row by row
        fresh.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        fresh.close()
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(scratch, target)
    return ReadModels(target)


def replayed(
    log: DecisionLog,
    path: str | Path,
    *,
    batch: int = 10000,
    stop: int | None = None,
    workers: int | None = None,
) -> ReadModels:
    """A replay of the log (up to ``stop``) into a new private file at ``path``, its tables
    only: the queries' indexes and the queue's counts are left out (:func:`rebuild` adds
    them in one go; a check that reads the tables in key order needs none of them).

    ``workers``: how many processes share the replay, each folding its share of the cases
    (:mod:`events.replay_parts`); by default as many as the machine has cores when the
    log is large and a SQLite file, else one (this process).
    """
    from events import replay_parts  # built on this module (a cycle at import time)

    if workers is None:
        workers = replay_parts.workers_for(log, stop)
    if workers > 1:
        return replay_parts.replayed_in_parts(log, path, batch=batch, stop=stop, workers=workers)
    fresh = ReadModels(path, _scratch=True)
    try:
        with _cycles_unchecked():
            fresh.catch_up(log, batch=batch, stop=stop)
    except BaseException:
        fresh.close()
        raise
    return fresh


class _CycleCollector:
    """Python's cycle collector held off while a replay runs (threads may replay at once;
    the collector is turned back on, if it was on, when the last one ends).

    A replay allocates millions of small dicts and states, none of them in a reference
    cycle (each is freed by its count as its batch ends), and the collector would scan the
    ones alive again and again: 20-25 % of a replay's CPU on a real store (measured with
    ``benchmarks/bench_store.py``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.was_enabled = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        with self.lock:
            if self.running == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if self.running == 0 and self.was_enabled:
                    gc.enable()


_cycles_unchecked = _CycleCollector().paused


def check(log: DecisionLog, readmodels: ReadModels) -> list[str]:
    """Rebuild into a scratch file and compare every table with ``readmodels``.

    First brings ``readmodels`` up to date (so only real divergence shows), then fixes
    the end position: it reads ``readmodels`` inside one read transaction (a snapshot,
    so another process catching up meanwhile changes nothing it sees) and rebuilds the
    scratch copy only up to that snapshot's position. Decisions appended during the
    check are therefore never reported as differences. Returns one line per
    difference; an empty list means identical.
    """
    readmodels.catch_up(log)
    conn = readmodels.conn
    conn.execute("BEGIN")  # deferred: the snapshot is taken by the first read below
    try:
        end = readmodels.position()
        with tempfile.TemporaryDirectory(dir=readmodels.path.parent) as tmp:
            scratch = replayed(log, Path(tmp) / "check.sqlite", stop=end)
            try:
                return diff_tables(readmodels, scratch) + counts_check(readmodels)
            finally:
                scratch.close()
    finally:
        conn.execute("COMMIT")


def counts_check(readmodels: ReadModels) -> list[str]:
    """The queue's kept counts against the case rows (derived, so outside the digest)."""
    return queue.counts_differences(readmodels) if readmodels.keeps_case_counts else []


def diff_tables(actual: ReadModels, expected: ReadModels) -> list[str]:
    """Differences between two read-model files, table by table."""
    problems: list[str] = []
    for table in expected.table_names():
        pk = SCHEMA[table][1] if table in SCHEMA else "policy_id"
        want = {r[pk]: r for r in expected.rows(f"SELECT * FROM {table}")}
        have = {r[pk]: r for r in actual.rows(f"SELECT * FROM {table}")}
        missing = [k for k in want if k not in have]
        extra = [k for k in have if k not in want]
        changed = [k for k in want if k in have and want[k] != have[k]]
        if missing:
            problems.append(f"{table}: {len(missing)} rows missing, first {pk}={missing[0]}")
        if extra:
            problems.append(f"{table}: {len(extra)} rows not in the log, first {pk}={extra[0]}")
        for key in changed[:5]:
            cols = [c for c in want[key] if want[key][c] != have[key].get(c)]
            # The reference people use for the case (as the log has it), beside its id.
            ref = want[key].get("case_ref")
            named = f"{pk}={key}" + (f" (case {ref})" if ref else "")
            problems.append(f"{table}: {named} differs in {', '.join(cols)}")
        if len(changed) > 5:
            problems.append(f"{table}: {len(changed) - 5} more rows differ")
    return problems
