"""Who holds which key, with which roles, read from the log's enrolment events.

The key ring is folded from ``Key.Enrolled`` and ``Key.Revoked`` events in log order,
so it answers "was this key valid, and for whom, at position N?". The service uses
it to decide who is acting (:meth:`KeyRing.refresh` reads only what is new), and
:func:`events.chain.verify` rebuilds it while walking the log so every signature is
checked against the keys enrolled *at that point*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from events.domain.keys import Key

if TYPE_CHECKING:
    from events.app import DecisionLog

ENROLLED_TOPIC = get_topic(Key.Enrolled)
REVOKED_TOPIC = get_topic(Key.Revoked)


@dataclass
class KeyRecord:
    """One enrolled key. Positions are notification ids in the log."""

    key_id: str
    person: str
    public_key: bytes
    roles: tuple[str, ...]
    enrolled_at: int
    enrolled_by: str
    revoked_at: int | None = None
    revoked_time: str = ""

    def valid_at(self, position: int) -> bool:
        """Enrolled at or before ``position`` and not revoked before it."""
        return self.enrolled_at <= position and (
            self.revoked_at is None or position < self.revoked_at
        )


@dataclass
class KeyRing:
    """Keys by id, with the log position read so far."""

    keys: dict[str, KeyRecord] = field(default_factory=dict)
    position: int = 0
    #: Batches ``(first, last)`` found signed by an admin (see :meth:`refresh`).
    vouched: set[tuple[int, int]] = field(default_factory=set)

    def enrolled(self, position: int, state: dict[str, Any]) -> None:
        key_id = str(state["key_id"])
        if key_id in self.keys:  # enrolled once by construction (aggregate id); keep first
            return
        self.keys[key_id] = KeyRecord(
            key_id=key_id,
            person=str(state["person"]),
            public_key=bytes.fromhex(str(state["public_key"])),
            roles=tuple(state["roles"]),
            enrolled_at=position,
            enrolled_by=str(state.get("actor", "")),
        )

    def revoked(self, position: int, state: dict[str, Any], time: str = "") -> None:
        record = self.keys.get(str(state["key_id"]))
        if record is not None and record.revoked_at is None:
            record.revoked_at = position
            record.revoked_time = time

    def valid(self, key_id: str, position: int) -> KeyRecord | None:
        record = self.keys.get(key_id)
        return record if record is not None and record.valid_at(position) else None

    def _vouched(self, log: DecisionLog, position: int, state: dict[str, Any]) -> bool:
        """Whether the key-ring event at ``position`` belongs to a batch signed by an admin
        (the store's first key may enrol itself as one, in the batch it signs).

        The service acts on the key ring at once, long before anyone runs ``verify``: an
        enrolment inserted into the store by someone who is not an admin (with raw SQL, their
        own key's signature or none) would otherwise let its key act, in any role, until
        ``verify`` named it. The batch's links are recomputed from the link before it, so its
        signature covers exactly these events. Key-ring batches are small and few.
        """
        from events.chain import (  # noqa: PLC0415 (chain imports this module)
            GENESIS,
            chain_links,
            split_signature,
        )
        from events.signing import batch_message, signature_valid  # noqa: PLC0415

        chained = log.chained_recorder
        batch = None
        for reach in (64, 1 << 40):  # a key-ring batch ends a few events after its own
            batch = next((b for b in chained.select_signatures(position, position + reach)
                          if b[1] <= position), None)  # fmt: skip
            if batch is not None:
                break
        if batch is None:
            return False
        last, first, key_id, signature = batch
        if (first, last) in self.vouched:
            return True
        if first == 1:
            previous = GENESIS
        else:
            found = chained.select_chain(first - 1, first - 1, 1)
            if not found:
                return False
            previous = bytes(found[0][1])
        rows = chained.select_rows(first, last - first + 1, last)
        if not rows or rows[-1][0] != last:
            return False
        message = batch_message(key_id, first, last, chain_links(previous, rows)[-1][3])
        for part_id, part in split_signature(key_id, bytes(signature)) or []:
            record = self.valid(part_id, first)
            if record is None and not self.keys and state.get("key_id") == part_id:
                # the store's first key, enrolling itself as an admin
                roles = state.get("roles")
                if not isinstance(roles, list | tuple) or "admin" not in roles:
                    continue
                if state.get("actor") != state.get("person"):
                    continue
                try:
                    public_key = bytes.fromhex(str(state.get("public_key", "")))
                except ValueError:
                    continue
            elif record is not None and "admin" in record.roles:
                public_key = record.public_key
            else:
                continue
            if signature_valid(public_key, message, part):
                self.vouched.add((first, last))
                return True
        return False

    def people(self) -> set[str]:
        return {record.person for record in self.keys.values()}

    def refresh(self, log: DecisionLog, *, page: int = 1000) -> KeyRing:
        """Read the enrolment and revocation events recorded since the last refresh."""
        topics = [ENROLLED_TOPIC, REVOKED_TOPIC]
        # The end first: an event committed while we read is picked up next time.
        end = int(log.recorder.max_notification_id() or 0)
        while self.position < end:
            found = log.recorder.select_notifications(
                self.position + 1, page, stop=end, topics=topics
            )
            for n in found:
                event = log.mapper.to_domain_event(n)
                state = vars(event)
                if not self._vouched(log, n.id, state):
                    continue  # not an admin's: written into the store (verify names it)
                if n.topic == ENROLLED_TOPIC:
                    self.enrolled(n.id, state)
                else:
                    self.revoked(n.id, state, state["timestamp"].isoformat())
            self.position = found[-1].id if len(found) == page else end
        return self
