"""A checkpoint's read-model seal: check the read models without replaying the whole log.

Why: ``docket verify`` checks the read-model file against a replay of the log up to the
file's position (:mod:`events.readmodel_check`). At a million cases that replay is
about 30 s on two cores, and it is the same work every time: almost every case's rows
were already right at the last check. A signed checkpoint (:mod:`events.checkpoint`)
therefore carries a seal of what a replay of the log up to its position P makes: the
cases are split into B buckets by the last hex digits of their id (uniform: a uuid's
hash), and the seal holds one 16-byte digest per bucket over that bucket's rows in every
case table (each row hashed as the full check hashes it, a table's hashes sorted). The
seal is made from a replay when the checkpoint is exported, never from the file, and the
checkpoint's signature covers it.

The check of a file at position Q >= P (:func:`check_since`):

1. the cases with an event in (P, Q] (stored rows read, nothing decoded): their
   buckets are *touched*, the others hold exactly the rows they held at P;
2. the file's own digest of every bucket (every case-table row read and hashed once) and of
   each other table;
3. beside it, in a process of its own, one pass over the log up to Q applying every case of
   the touched buckets (those the log holds: a case the file left out is replayed too) and
   every event that is not a case's: what the file's touched buckets and other tables must
   hold;
4. every untouched bucket's digest must equal the seal's, every touched one the replay's.

Anything that does not match gives ``None``: the caller then runs the full check, which
names the difference. The seal can make the check faster, never let an edit through: an
edited, removed or added row changes its bucket's digest, and the expected digest of
each bucket comes either from the signed seal (no event since touched it) or from a replay.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import tempfile
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from events.case_rows import CASE_ID_COLUMN, CASE_TABLES
from events.readmodel_check import _CaseRowDigests, _row_hash, expected_rows, other_digests
from events.readmodels import CASE_NAMES, ReadModels, StoredRow, _cycles_unchecked

if TYPE_CHECKING:
    from events.app import DecisionLog

#: Bytes of each bucket's digest (a truncated SHA-256: an edit must hit one fixed value).
DIGEST_BYTES = 16
#: About this many cases per bucket, and at most this many buckets (16 bytes each: the seal
#: of a million cases is 1 MB, 1.4 MB in the checkpoint's JSON). Each case changed since
#: the checkpoint costs the replay of its bucket: at a million cases, 2,000 cases changed
#: took 12.2-12.6 s with 65,536 buckets against 13.1-15.4 s with 32,768.
CASES_PER_BUCKET = 16
MAX_BUCKETS = 1 << 16
#: Beyond this share of buckets touched since the checkpoint, the seal is not used: its
#: replay of the touched buckets runs in one process beside the file's reading, the full
#: check's replay is shared by every core, so past about a quarter the full check is faster.
MOST_TOUCHED = 0.25
#: What an empty bucket's digest is.
_EMPTY = hashlib.sha256(b"docket-bucket").digest()[:DIGEST_BYTES]


@dataclass(frozen=True)
class Seal:
    """Per bucket of cases, the digest of its case-table rows in a replay up to
    ``position``."""

    position: int
    buckets: int
    digests: bytes  # buckets * DIGEST_BYTES
    #: Whose seal, in words, for the report ("the checkpoint's seal", "alice's seal
    #: (auditor, recorded at position 1000051)").
    source: str = "the checkpoint's seal"

    def of(self, bucket: int) -> bytes:
        return self.digests[bucket * DIGEST_BYTES : (bucket + 1) * DIGEST_BYTES]

    def to_json(self) -> dict[str, Any]:
        return {"buckets": self.buckets, "digests": base64.b64encode(self.digests).decode()}

    @classmethod
    def from_json(cls, position: int, data: Any, source: str = "the checkpoint's seal") -> Seal:
        """The seal a checkpoint (or a seal in the log) carries. Raises ValueError when it
        is malformed."""
        if not isinstance(data, dict):
            raise ValueError("read_models is not an object")
        buckets = data.get("buckets")
        if not isinstance(buckets, int) or not 1 <= buckets <= MAX_BUCKETS:
            raise ValueError("read_models.buckets is not a number of buckets")
        digests = base64.b64decode(str(data.get("digests", "")), validate=True)
        if len(digests) != buckets * DIGEST_BYTES:
            raise ValueError("read_models.digests does not hold one digest per bucket")
        return cls(position, buckets, digests, source)


@dataclass(frozen=True)
class RecordedSeal:
    """The newest seal the log holds (``docket verify --seal``) and who recorded it. The
    chain walk of the same ``verify`` checks the event it was read from, and its signer's
    right to the role it names, like every other event."""

    seal: Seal
    at: int  # the position of the event that records it
    actor: str
    role: str


def recorded_seal(log: DecisionLog) -> RecordedSeal | None:
    """The newest seal recorded in ``log``; None when there is none, or when it cannot be
    read as one (then the full check runs, and the walk judges the event)."""
    from events.compression import read_state  # the log's own decoding

    found = log.chained_recorder.last_seal()
    if found is None:
        return None
    at, raw = found
    try:
        state = read_state(raw)
        position = state["position"]
        actor, role = str(state["actor"]), str(state["role"])
        if not isinstance(position, int) or not 1 <= position < at:
            return None  # a seal vouches for what came before it
        source = f"{actor}'s seal ({role}, recorded at position {at})"
        seal = Seal.from_json(position, state, source)
    except (ValueError, KeyError, TypeError):
        return None
    return RecordedSeal(seal, at, actor, role)


def bucket_of(case_id: str, buckets: int) -> int:
    """The bucket of a case. Raises ValueError (or TypeError) for what is not a case id."""
    return int(case_id[-4:], 16) % buckets


def buckets_for(cases: int) -> int:
    """How many buckets a seal of ``cases`` cases uses: a power of two, about
    :data:`CASES_PER_BUCKET` cases in each, at most :data:`MAX_BUCKETS`."""
    wanted = max(1, -(-cases // CASES_PER_BUCKET))
    return min(MAX_BUCKETS, 1 << (wanted - 1).bit_length())


def _bucket_digests(
    rows_of: Callable[[str], Iterable[tuple[int, bytes]]],
    wanted: Container[int] | None = None,
) -> dict[int, bytes]:
    """Each bucket's digest (only those in ``wanted``, when given) from ``rows_of(table)``:
    a table's rows as (bucket, row hash), in any order. Per table (in name order), the
    SHA-256 of its row hashes in the bucket, sorted: each hash covers its whole row, key
    included, so sorting them makes the digest independent of the order rows are read in
    (the file is read in its storage order, a replay's rows come as the fold makes them).
    A table with no row in a bucket adds nothing to its digest (both sides follow the same
    rule)."""
    hashers: dict[int, Any] = {}
    for table in sorted(CASE_TABLES):
        held: dict[int, list[bytes]] = defaultdict(list)
        for bucket, row_hash in rows_of(table):
            if wanted is None or bucket in wanted:
                held[bucket].append(row_hash)
        marker = f"\x1e{table}\x1e".encode()
        for bucket, hashes in held.items():
            if bucket not in hashers:
                hashers[bucket] = hashlib.sha256(b"docket-bucket")
            hashes.sort()
            hashers[bucket].update(marker + hashlib.sha256(b"".join(hashes)).digest())
    return {b: h.digest()[:DIGEST_BYTES] for b, h in hashers.items()}


def _replayed(rows: _CaseRowDigests, buckets: int) -> Callable[[str], Iterable[tuple[int, bytes]]]:
    """A replay's case-table rows as :func:`_bucket_digests` takes them."""

    def rows_of(table: str) -> Iterable[tuple[int, bytes]]:
        return ((bucket_of(case_id, buckets), h) for case_id, h in rows.by_case(table))

    return rows_of


def seal_at(log: DecisionLog, position: int) -> Seal:
    """The seal of a replay of ``log`` up to ``position`` (a checkpoint's export; the
    replay is the full check's, shared between processes on a large store)."""
    with tempfile.TemporaryDirectory() as tmp:
        _, rows = expected_rows(log, position, Path(tmp) / "seal.sqlite")
    return seal_of(rows, position)


def seal_of(rows: _CaseRowDigests, position: int) -> Seal:
    """The seal of a replay's case rows (up to ``position``)."""
    buckets = buckets_for(rows.cases)
    found = _bucket_digests(_replayed(rows, buckets))
    return Seal(position, buckets, b"".join(found.get(b, _EMPTY) for b in range(buckets)))


@dataclass(frozen=True)
class SealedCheck:
    """What :func:`check_since` found when the file matched."""

    digest: str  # over the file's bucket digests and its other tables
    replayed: int  # cases replayed (those of the touched buckets)
    touched: int  # cases with an event after the seal
    seal: Seal  # the file's buckets, now checked: a seal of the file's position


def check_since(log: DecisionLog, readmodels: ReadModels, seal: Seal) -> SealedCheck | None:
    """Whether the file (at its own position, the caller holding a read snapshot) is what a
    replay of ``log`` makes, using ``seal`` for every bucket no event touched since; None
    when anything differs or cannot be told (the caller runs the full check).

    The replay of the touched buckets reads the log, not the file, so on a SQLite store it
    runs in a process of its own while this one reads the file."""
    from events.replay_parts import workers_for  # built on readmodels (a cycle at import)

    position = readmodels.position()
    if position < seal.position:
        return None
    touched = _cases_touched(log, seal.position, position)
    buckets = {bucket_of(c, seal.buckets) for c in touched}
    if len(buckets) > seal.buckets * MOST_TOUCHED:
        return None  # the full check, its replay shared between processes, costs less
    scratch = str(readmodels.path.parent)
    with ExitStack() as stack:
        pending: Future[_Replayed] | None = None
        if workers_for(log, position) > 1:  # a large SQLite log, from a one-thread process
            context = multiprocessing.get_context("fork")
            pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=context))
            pending = pool.submit(_replay_buckets, log.url, seal.buckets, buckets, position,
                                  scratch)  # fmt: skip
        try:
            found = _file_buckets(readmodels, seal.buckets)
        except (ValueError, TypeError):  # a row whose case id is no case id: an edit
            return None
        mine = other_digests(readmodels)
        if any(found.get(b, _EMPTY) != seal.of(b) for b in range(seal.buckets)
               if b not in buckets):  # fmt: skip
            return None
        if pending is not None:
            replayed = pending.result()
        else:
            replayed = _replay_buckets(log, seal.buckets, buckets, position, scratch)
    if replayed.position != position or replayed.others != mine:
        return None
    if any(replayed.digests.get(b, _EMPTY) != found.get(b, _EMPTY) for b in buckets):
        return None
    digests = b"".join(found.get(b, _EMPTY) for b in range(seal.buckets))
    summary = hashlib.sha256(digests)
    for table in sorted(mine):
        summary.update(f"\x1e{table}\x1e".encode() + mine[table])
    return SealedCheck(summary.hexdigest(), replayed.cases, len(touched),
                       Seal(position, seal.buckets, digests, "this check"))  # fmt: skip


def _cases_touched(log: DecisionLog, after: int, upto: int) -> set[str]:
    """The cases with an event in positions (after, upto]."""
    touched: set[str] = set()
    start = after + 1
    while start <= upto:
        rows = log.chained_recorder.select_rows(start, 20000, upto)
        if not rows:
            break
        touched.update(oid for _, oid, _, topic, _ in rows if topic in CASE_NAMES)
        start = rows[-1][0] + 1
    return touched


def _file_buckets(readmodels: ReadModels, buckets: int) -> dict[int, bytes]:
    """The file's digest of every bucket. Each table is read in its storage order (in key
    order, a table keyed by case id is read at random: 3 times slower at a million cases)."""

    def rows_of(table: str) -> Iterable[tuple[int, bytes]]:
        columns, _ = CASE_TABLES[table]
        column = CASE_ID_COLUMN[table]
        cursor = readmodels.conn.execute(f"SELECT {','.join(columns)} FROM {table}")
        while rows := cursor.fetchmany(2000):
            for row in rows:
                yield bucket_of(row[column], buckets), _row_hash(row)

    return _bucket_digests(rows_of)


@dataclass(frozen=True)
class _Replayed:
    """A replay of the touched buckets' cases and of every other event."""

    position: int  # where it stopped
    digests: dict[int, bytes]  # the touched buckets'
    others: dict[str, bytes]  # the digest of each table that is not a case table
    cases: int  # how many cases it replayed


def _replay_buckets(
    log: DecisionLog | str, buckets: int, touched: set[int], position: int, scratch: str
) -> _Replayed:
    """Replay up to ``position`` every case of the ``touched`` buckets (read off the log, so
    a case the file left out is replayed too) and every event that is not a case's, into a
    scratch file in the folder ``scratch``. ``log``: the log, or its URL in a child process
    (which opens its own connections)."""
    if isinstance(log, str):
        from events.store import open_log

        log = open_log(log)
    case_names = CASE_NAMES

    def mine(rows: Sequence[StoredRow]) -> list[StoredRow]:
        return [row for row in rows if row[3] not in case_names
                or bucket_of(row[1], buckets) in touched]  # fmt: skip

    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        views = ReadModels(Path(tmp) / "sealed.sqlite", _scratch=True)
        try:
            rows = _CaseRowDigests()
            views.case_sink = rows
            with _cycles_unchecked():
                views.catch_up(log, batch=10000, stop=position, only=mine)
            return _Replayed(
                views.position(),
                _bucket_digests(_replayed(rows, buckets), touched),
                other_digests(views),
                rows.cases,
            )
        finally:
            views.close()


__all__ = [
    "RecordedSeal",
    "Seal",
    "SealedCheck",
    "bucket_of",
    "buckets_for",
    "check_since",
    "recorded_seal",
    "seal_at",
    "seal_of",
]
