"""Encoding event states: orjson for events whose payload is plain JSON by construction.

eventsourcing's ``JSONTranscoder`` encodes with the standard library's ``json`` and a
``default`` hook for its custom types; on a bulk ingest that was about 8 % of the CPU (four
events a case). orjson writes the same JSON (compact, UTF-8, keys in order) several times
faster, but it differs from the library's encoder on a few types, silently: it writes a
``UUID`` as a string and an ``Enum`` by its value (the library wraps a UUID as
``{"_type_": "uuid_hex", ...}`` and refuses an Enum) and a NaN as ``null``.

So :class:`DocketMapper` uses orjson only for event classes that declare
``plain_payload = True``: events whose commands check every field is a string, a finite
number, a bool, None, or lists and dicts of those (``plain_json`` or a pydantic model
with ``allow_inf_nan=False``), plus the ``timestamp`` every event has. Anything else in such
a state (an integer beyond 64 bits, a ``str`` subclass, a datetime other than ``datetime``
itself) makes orjson refuse, and the library's encoder writes the state as it always did.
Either way the stored JSON decodes to the same values with the library's decoder (orjson
spells some floats differently, ``1e-5`` for ``1e-05``, the same number); the hash chain and
signatures cover the stored bytes as written, so nothing needs the two to agree byte for
byte.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic

from events.compression import DocketCompressor, UnreadableState, split_head, squeeze

#: Leave datetimes (and str/int/dict/list subclasses, dataclasses) to :func:`_default`,
#: which accepts exactly ``datetime`` and refuses the rest.
_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
)  # fmt: skip


def _default(value: Any) -> Any:
    """The library's ``datetime_iso`` form for a ``datetime``; anything else is refused
    (the caller then encodes the state with the library's own encoder)."""
    if type(value) is datetime:
        return {"_type_": "datetime_iso", "_data_": value.isoformat()}
    raise TypeError(type(value).__name__)


#: The types a plain-payload event's fields may have (their contents are checked by the
#: event's command; its fields themselves are checked here, cheaply).
_FIELD_TYPES = frozenset({str, int, bool, type(None), dict, list, datetime})


def encode_plain(state: dict[str, Any]) -> bytes | None:
    """``state`` as JSON bytes, or None when it holds anything but plain JSON and
    ``datetime`` (the caller falls back to the library's encoder)."""
    for value in state.values():
        kind = type(value)
        if kind not in _FIELD_TYPES and not (kind is float and math.isfinite(value)):
            return None
    try:
        return orjson.dumps(state, default=_default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None


class DocketMapper(Mapper[UUID]):
    """eventsourcing's ``Mapper`` (``MAPPER_TOPIC``) with orjson for plain-payload events;
    every other event, and reading, is the library's unchanged (except that a state Docket
    cannot read stays :class:`UnreadableState`, one sentence, instead of the library's
    wrapper, which no front end would know to show as a sentence)."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            return super().to_domain_event(stored_event)
        except MapperDeserialisationError as exc:
            if not isinstance(exc.__cause__, UnreadableState):
                raise
            kind = stored_event.topic.rpartition(":")[2]
            raise UnreadableState(
                f"{kind} {stored_event.originator_version} of {stored_event.originator_id} "
                f"cannot be read: {exc.__cause__}") from exc

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        kind = type(domain_event)
        if not getattr(kind, "plain_payload", False) or self.cipher is not None:
            return super().to_stored_event(domain_event)
        # The library's steps (see Mapper.to_stored_event), with a faster encoder.
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(kind, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        # Docket's compressor keeps who acted (and who recorded each of an Assessed event's
        # steps) in a head beside the compressed body: taken out of the fields here (the
        # steps as copies, the event's own untouched), the body is encoded once (pack_state
        # would decode the whole state's JSON again to split it; the stored bytes are the
        # same).
        head = split_head(state) if isinstance(self.compressor, DocketCompressor) else None
        encoded = encode_plain(state)
        if encoded is None:
            return super().to_stored_event(domain_event)
        if head is not None:
            encoded = head + squeeze(encoded)
        elif self.compressor:
            encoded = self.compressor.compress(encoded)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(kind),
            state=encoded,
        )
