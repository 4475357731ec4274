"""Tamper evidence: every stored event is chained by SHA-256 to the one before it.

Link ``n`` is ``sha256(link[n-1] | notification id | originator id | version |
topic | state)``, written by the recorders (:mod:`events.recorders`) in the same
transaction as the events themselves, so a committed event always has its link.
:func:`verify` recomputes the chain from the stored events and reports the first
position where an event was altered, removed, inserted or moved by raw SQL.

What it cannot see: someone who rewrites every later event *and* every later
link with this public algorithm, or who cuts the tail of both tables. Keep
:attr:`VerifyReport.head` somewhere else (a ticket, an email) to catch those.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from events.app import DecisionLog

#: The link before the first event.
GENESIS = bytes(32)
CHAIN_TABLE = "docket_chain"
META_TABLE = "docket_meta"
#: Version of Docket's storage layout (tables, chain algorithm, payload shapes).
#: A store written with another value is refused with IncompatibleStore.
SCHEMA_VERSION = "1"


def link_hash(
    previous: bytes,
    notification_id: int,
    originator_id: str,
    version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """One link of the chain. Fields are separated and the state length-prefixed,
    so no two different events can produce the same hashed byte string."""
    h = hashlib.sha256(previous)
    h.update(
        f"\x1f{notification_id}\x1f{originator_id}\x1f{version}\x1f{topic}\x1f{len(state)}\x1f".encode()
    )
    h.update(state)
    return h.digest()


def chain_links(
    previous: bytes, rows: Iterable[tuple[int, str, int, str, bytes]]
) -> list[tuple[int, str, int, bytes]]:
    """Links for new rows ``(notification_id, originator_id, version, topic, state)``."""
    links = []
    for nid, oid, version, topic, state in rows:
        previous = link_hash(previous, nid, oid, version, topic, state)
        links.append((nid, oid, version, previous))
    return links


class ChainedRecorder(Protocol):
    """What :func:`verify` needs from a recorder (both Docket recorders provide it)."""

    def select_chain(self, start: int, stop: int | None, limit: int) -> Sequence[tuple[int, bytes]]:
        """Links ``(notification_id, hash)`` with start <= id (<= stop), in order."""
        ...

    def max_chain_id(self) -> int:
        """The highest notification id that has a link (0 when none)."""
        ...


@dataclass(frozen=True)
class VerifyReport:
    """Result of walking the chain.

    Attributes:
        ok: True when every stored event matches its link.
        checked: How many events were checked (up to the first bad one).
        first_bad_position: Notification id of the first bad event or link, else None.
        reason: One sentence on what is wrong ("" when ok).
        head: Hex of the last link (keep it elsewhere to detect tail truncation).
        end: The last position checked, fixed when the walk started.
    """

    ok: bool
    checked: int
    first_bad_position: int | None
    reason: str
    head: str = ""
    end: int = 0


def verify(log: DecisionLog, *, page: int = 5000, end: int | None = None) -> VerifyReport:
    """Walk every stored event up to a fixed end position and check its link.

    The end is the log's last notification id when the walk starts (or ``end``):
    events appended meanwhile are neither read nor mistaken for a removed event,
    so a verify during busy writing reports only what was really changed.
    Reads pages of events and the links in the same id range, so memory stays
    flat and a 100k-event store takes about a second.
    """
    recorder = log.recorder
    chained: ChainedRecorder = log.chained_recorder
    if end is None:
        # Events and links commit together, so every event or link at or below the
        # larger of the two maxima is visible to the reads below. Taking the larger
        # one keeps a deleted last event (whose link remains) in view.
        end = max(int(recorder.max_notification_id() or 0), chained.max_chain_id())
    previous = GENESIS
    checked = 0
    start = 1
    while start <= end:
        events = recorder.select_notifications(start, page, stop=end)
        stop = events[-1].id if len(events) == page else end
        links = list(chained.select_chain(start, stop, page * 2 + 10))
        li = 0
        for n in events:
            # Links without an event before this one: those events were removed.
            if li < len(links) and links[li][0] < n.id:
                return _bad(checked, links[li][0], "the event recorded here was removed")
            if li >= len(links) or links[li][0] != n.id:
                return _bad(checked, n.id, "this event has no link: it was inserted or moved")
            expected = link_hash(
                previous, n.id, str(n.originator_id), n.originator_version, n.topic, n.state
            )
            if expected != links[li][1]:
                return _bad(checked, n.id, "the event or its link was altered or reordered")
            previous = expected
            checked += 1
            li += 1
        if li < len(links):
            return _bad(checked, links[li][0], "the event recorded here was removed")
        start = stop + 1
    return VerifyReport(True, checked, None, "", previous.hex(), end)


def _bad(checked: int, position: int, reason: str) -> VerifyReport:
    return VerifyReport(False, checked, position, reason)
