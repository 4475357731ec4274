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
                if n.topic == ENROLLED_TOPIC:
                    self.enrolled(n.id, state)
                else:
                    self.revoked(n.id, state, state["timestamp"].isoformat())
            self.position = found[-1].id if len(found) == page else end
        return self
