"""Stored event states are compressed: zlib with a preset dictionary of our event shapes.

Why: a case's events are small JSON documents that repeat the same keys, wrappers and
values in every case (``"timestamp":{"_type_":"datetime_iso",...``, ``"actor":"docket/
orchestrator","role":"system"``...). zlib alone halves them; a preset dictionary holding
those shapes saves another fifth, because each event is compressed on its own (any event
must stay readable by itself). Measured on a real 10,000-case store: 4.1 KB of JSON per
case became 2.1 KB (plain zlib: 2.4 KB).

The library's hook does it: :class:`DocketCompressor` is eventsourcing's ``Compressor``
(``COMPRESSOR_TOPIC``), so every event object reads back exactly as written. Readers that
take stored rows directly (the read models' fast path, ``verify``) call :func:`decompress`.

What this must never break:

* **Old stores**: events written before compression are plain JSON (first byte ``{``),
  which is never a zlib header, so :func:`decompress` returns them as they are.
* **The hash chain and signatures** cover the *stored* bytes (compressed), so verify
  needs no recompression; and since the dictionary is fixed, the same stored bytes
  always mean the same event. :data:`DICTIONARY` must therefore NEVER change: a new
  dictionary is added beside it under its own id (zlib writes the dictionary's
  Adler-32 into every stream, so each stored state names the dictionary it needs).
* **A hostile row** (a store edited by hand): a state that inflates past
  :data:`MAX_STATE` bytes, is cut short, or names an unknown dictionary raises
  :class:`UnreadableState` with one sentence, never a memory blow-up.

**Who acted, readable without inflating** (the *headed* layout, written by Docket since
December 2026): ``verify`` must check every event's ``actor`` and ``role`` against the
keys that signed its batch, and inflating + decoding a whole state only for those two fields
cost ~80 % of a verify. A headed state is ``0x01 | head | body``: the head holds the
state's ``actor`` and ``role`` (those present) as short UTF-8 strings (layout in
:func:`_split`), the body the rest of the state as JSON, compressed as above. Both are in
the stored bytes, so the chain and the batch signatures cover them exactly as before; a
state's ``actor``/``role`` are its head's (a reader drops any found in the body, which the
writer never puts there), so what verify checks is what every reader sees. States written
before stay as they are and are read (and verified, by inflating) as before.

**zstd bodies** (the *headed zstd* layout, written since December 2026): a headed state
whose first byte is ``0x02`` instead of ``0x01`` holds the same head, then the 4-byte id of
its dictionary (the same frozen words as above, used by zstd as a raw-content dictionary),
then a zstd frame of the body (with its content size and checksum). On 20,000 real credit
events of the 250,000-case store, measured in one run: zlib inflated a body in 6.3 µs (most
of it starting a stream with a 4 KB dictionary), zstd in 2.2 µs, and a whole state decoded
in 5.8 µs instead of 9.9; at :data:`ZSTD_LEVEL` zstd writes a body in the time ISA-L's zlib
takes (11.4 against 10.3 µs) and 3 % smaller (270 against 279 B). The words stay frozen for
both codecs; states written with ``0x01`` heads or as zlib streams are read as before,
forever.

**The steps' authors in the head** (flag bit 2, :data:`STEP_AUTHORS`, written since
December 2026): a bulk ingest records each case as ONE ``Case.Assessed`` event whose
``steps`` each name who recorded them (the orchestrator, while the head names the person who
ingested), so verify had to inflate and decode every such event whole for those authors: on
a 1,000,000-case store the walk took 39 s instead of 11. A state whose ``steps`` are objects
that all name their actor and role as short strings now keeps those authors in its head:
after the event's own actor and role, the distinct authors other than the event's own (a
small table; Docket's components, which record nearly every step, by one byte from a
frozen list, :data:`KNOWN_AUTHORS`) and one index byte per step (layout in
:func:`_step_authors`): on a real 100,000-case store a state grew by 1.7 B (933.6 against
931.9 B) and the log file by 8 B a case, where spelling the orchestrator out in each head
cost 200 B a case (three rows of ~1 KB fitted in a SQLite page where four had). The writer
takes ``actor`` and ``role`` out of each step of the body (as it takes the event's own out
of the body) and every reader (:func:`read_state`, :func:`decompress`, so the mapper,
the fold, the audit and the read models) puts them back at the end of each step, where the
step builders write them: the same logical state as before. So verify reads every author
from the head without inflating, and what it checks is what every reader sees. What this
must never break:

* **No second source of a step's author**: a head naming the steps' authors beside a body
  whose ``steps`` are not exactly as many objects, or one of which still names its own
  ``actor`` or ``role``, is a hostile row (Docket never writes one): every reader refuses
  it as :class:`UnreadableState` in one sentence, never reconciles the two. (The walk of
  ``verify`` judges every author such a head names, and reads no body; the replay that
  ``docket verify`` checks the read models with reads every body, and stops at such a row.)
* **Old states**: ``0x01`` and ``0x02`` heads without bit 2 (their steps' authors in the
  body), zlib streams and plain JSON read and verify as before (verify inflates such an
  ``Assessed`` event, as it did), forever. A Docket from before this layout refuses a state
  with bit 2 as a head holding "other fields" rather than misreading it.
* **The chain and the signatures** cover the stored bytes, head included, as before.
* :data:`KNOWN_AUTHORS` is frozen like the dictionary: stored heads name its entries by
  position, so a new component is appended, never put in another's place.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Callable
from typing import Any, NoReturn

import orjson
import zstandard
from eventsourcing.persistence import Compressor

from events.errors import StoreError

#: The preset dictionary of storage version 1: the JSON shapes of our events, rarest
#: first (zlib reaches the end of a dictionary most cheaply, so the case events that
#: fill a store come last). Frozen: see the module docstring. Names no domain.
DICTIONARY = (
    b'"key_id":"person":"public_key":"roles":["admin",'
    b'"originator_topic":"events.domain.keys:Key"'
    b'"originator_topic":"events.domain.records:Alert","kind":"severity":"details":'
    b'"originator_topic":"events.domain.records:EvalRun","suite":"results":"passed":'
    b'"model_versions":'
    b'"originator_topic":"events.domain.modelversion:ModelVersion","version":"card":'
    b'"managers":"evidence":"reason":'
    b'"originator_topic":"events.domain.policy:Policy","owner_role":"spec":"changes":'
    b'"policy_version":"justification":"proposal":"base_version":"approved":"proposed_by":'
    b'"originator_topic":"events.domain.case:Case","raw":"problems":[{"field":"problem":'
    b'"outcome":"observed_at":"source":"value":null,'
    b'"action":"recommended":"agreed":"reason_code":"reason_text":"quantity":null,'
    b'"explainer":"template","text":"summary":"claims":"verdicts":[{"rule":"outcome":"pass",'
    b'"detail":"fallback_reason":null,"flags":[{"kind":"injection",'
    b'"levels":[0.05,0.25,0.5,0.75,0.95],"quantiles":['
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-01T00:00:00.000000+00:00"},'
    b'"originator_topic":"events.domain.case:Case","domain":"","case_ref":"","input":{"'
    b'"personal":{},"note":null,"decision":{"kind":"classification","actions":["'
    b'"escalate_action":"","outcomes":["","deciding_roles":["","actor":"","role":"",'
    b'"class_version":2}'
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-01T00:00:00.000000+00:00"},'
    b'"action":"","source":"model","policy_id":"","policy_version":1,"expected_costs":{"'
    b'"reasons":[": expected cost ","ood_reasons":[],"propensities":{"'
    b'"explored":false,"propensity_source":"logged","quantity":null,"quantiles":{},'
    b'"baseline_quantity":null,"actor":"docket/orchestrator","role":"system","class_version":4}'
    b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-12-01T00:00:00.000000+00:00"},'
    b'"specialist":"","model_version":"","model_sha256":"","p_bad":0.0,"attributions":{"'
    b'":0.0,"ood":false,"ood_score":0.0,"latency_ms":0.0,"shadow":false,"shadow":true,'
    b'"actor":"docket/orchestrator","role":"system"}'
)
#: zlib's name for :data:`DICTIONARY` (its Adler-32), written into every stream header.
DICTIONARY_ID = zlib.adler32(DICTIONARY)
#: Every dictionary a stored state may name, by id. Add, never replace or remove.
DICTIONARIES: dict[int, bytes] = {DICTIONARY_ID: DICTIONARY}
#: ``(marker, dictionary)`` chosen for a state that contains ``marker``: a pack's
#: dictionary (see :func:`register_words`), newest first.
_CHOSEN: list[tuple[bytes, bytes]] = []
#: The largest state a reader inflates (far above any real event: notes and raw input
#: are capped at ingest); a state inflating beyond it is refused.
MAX_STATE = 64 * 1024 * 1024
#: zlib level: 1 compresses these small documents within 3 % of level 9, faster. (Only a
#: state without a head is written as a zlib stream now: headed bodies go to zstd.)
LEVEL = 1


class UnreadableState(StoreError, ValueError):
    """A stored state that cannot be inflated (cut short, too large, unknown dictionary)."""


#: Where more words may come from when a state names a dictionary not registered yet (the
#: domain packs: one installed as an entry point is built, and its words registered, only
#: when first used, which may be after its events are read). Each is called again on every
#: unknown dictionary; words already registered are not read twice.
_WORD_SOURCES: list[Callable[[], object]] = []


def on_unknown_dictionary(source: Callable[[], object]) -> None:
    """Call ``source`` (which registers words) before refusing an unknown dictionary."""
    if source not in _WORD_SOURCES:
        _WORD_SOURCES.append(source)


def _dictionary(dict_id: int) -> bytes:
    """The words of dictionary ``dict_id``, looked for in every word source if need be.

    Raises:
        UnreadableState: no installed pack ships them (one sentence saying what to do).
    """
    found = DICTIONARIES.get(dict_id)
    for source in list(_WORD_SOURCES) if found is None else ():
        source()
        found = DICTIONARIES.get(dict_id)
        if found is not None:
            break
    if found is None:
        raise UnreadableState(
            f"the event was compressed with dictionary {dict_id:08x}, which this Docket does "
            "not know: install (or register) the domain pack whose data/store_words.json "
            "holds those words, or a newer Docket, to read it; the store is unchanged"
        )
    return found


def register_words(marker: bytes, words: bytes) -> int:
    """Add a domain pack's frozen words (its field names and values as they appear in
    event JSON) to :data:`DICTIONARY`, for states that contain ``marker`` (a name only that
    pack's events hold); return the combined dictionary's id.

    Most of a case's bytes are the pack's own field names (in its input and in each score's
    attributions), which the shared dictionary cannot know. The words must never change
    once stores hold states compressed with them: a pack adds a new words file instead.
    """
    combined = DICTIONARY + words
    if len(combined) > 32 * 1024:
        raise ValueError("a zlib dictionary holds at most 32 KB; use fewer words")
    dict_id = zlib.adler32(combined)
    if DICTIONARIES.setdefault(dict_id, combined) != combined:  # pragma: no cover
        raise ValueError(f"dictionary id {dict_id:08x} is taken by other words")
    if (marker, combined) not in _CHOSEN:
        _CHOSEN.insert(0, (marker, combined))
    return dict_id


#: First byte of a headed state with a zlib body (see the module docstring): never ``{``
#: nor a zlib header. Read forever; new states are written :data:`HEADED_ZSTD`.
HEADED = 0x01
#: First byte of a headed state whose body is a dictionary id and a zstd frame.
HEADED_ZSTD = 0x02
#: zstd level of a body: at 4 these small states are 3 % smaller than zlib's and written
#: about as fast as the fastest zlib measured (3: faster, 4 % larger; 6: 6 % smaller, 60 %
#: slower); reading costs the same at any level.
ZSTD_LEVEL = 4
#: The fields a headed state keeps outside its compressed body, in its head.
HEAD_FIELDS = ("actor", "role")
#: Bit of a head's flags: the head names the author of each of the body's ``steps``
#: (:func:`_step_authors`), which the body's steps do not.
STEP_AUTHORS = 0b100
#: Every flag a head may hold.
_FLAGS = 0b11 | STEP_AUTHORS
#: Step authors a head names by one index byte from :data:`_OWN_INDICES` on, ``0x80 + i``:
#: Docket's components (``assistant.usecases.acting.COMPONENTS``), which record the steps
#: of nearly every ``Assessed`` event (the orchestrator); a head spelling out
#: ``docket/orchestrator`` would add 27 bytes to every case's state, which packed three
#: rows in a SQLite page where four fitted (+17 % log file at 100,000 cases, measured).
#: Frozen like :data:`DICTIONARY`: stored heads name these by position; append, never
#: change or remove.
KNOWN_AUTHORS: tuple[tuple[str, str], ...] = (
    ("docket/orchestrator", "system"),
    ("docket/explainer", "system"),
    ("docket/monitor", "system"),
    ("docket/readmodels", "system"),
)
#: Index bytes below it name the event's own author and the head's table; from it on,
#: :data:`KNOWN_AUTHORS`.
_OWN_INDICES = 0x80
_KNOWN_INDEX = {pair: _OWN_INDICES + i for i, pair in enumerate(KNOWN_AUTHORS)}
_HEAD_KEYS = frozenset(HEAD_FIELDS)
_ZSTD_HEAD = bytes([HEADED_ZSTD])
#: The first bytes of headed states (either body).
_HEADS = frozenset((bytes([HEADED]), _ZSTD_HEAD))


class DocketCompressor(Compressor):
    """eventsourcing ``Compressor``: who acted in a head, the rest a zstd frame with
    :data:`DICTIONARY` (or a pack's words added to it, for a state that holds that pack's
    marker) as its raw-content dictionary; reads old plain JSON and older zlib states as
    they are."""

    def compress(self, data: bytes) -> bytes:
        return pack_state(data)

    def decompress(self, data: bytes) -> bytes:
        return decompress(data)


def _words_for(data: bytes) -> bytes:
    """The dictionary ``data``'s content calls for (a pack's, else the shared one)."""
    return next((found for marker, found in _CHOSEN if marker in data), DICTIONARY)


def deflate(data: bytes) -> bytes:
    """``data`` compressed with the dictionary its content calls for (a zlib stream)."""
    zdict = _words_for(data)
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    return packer.compress(data) + packer.flush()


class _Zstd(threading.local):
    """zstd compressors and decompressors by dictionary id, one set per thread (a zstd
    context must not be used by two threads at once)."""

    def __init__(self) -> None:
        self.packers: dict[int, zstandard.ZstdCompressor] = {}
        self.readers: dict[int, zstandard.ZstdDecompressor] = {}


_zstd = _Zstd()


def _zstd_dict(dict_id: int) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(_dictionary(dict_id),
                                         dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def squeeze(data: bytes) -> bytes:
    """``data`` as the body of a :data:`HEADED_ZSTD` state: the 4-byte id of the dictionary
    its content calls for, then a zstd frame with its content size and checksum (as zlib's
    Adler-32 did: a damaged state is refused when read, not decoded into other values)."""
    words = _words_for(data)
    dict_id = zlib.adler32(words)
    packer = _zstd.packers.get(dict_id)
    if packer is None:
        packer = _zstd.packers[dict_id] = zstandard.ZstdCompressor(
            level=ZSTD_LEVEL, dict_data=_zstd_dict(dict_id), write_checksum=True,
            write_content_size=True, write_dict_id=False,
        )  # fmt: skip
    return dict_id.to_bytes(4, "big") + packer.compress(data)


def unsqueeze(body: bytes) -> bytes:
    """The JSON of a :data:`HEADED_ZSTD` state's body.

    Raises:
        UnreadableState: the body is cut short, damaged, declares more than
            :data:`MAX_STATE` bytes, or names a dictionary this Docket does not know.
    """
    dict_id = int.from_bytes(body[:4], "big")
    reader = _zstd.readers.get(dict_id)
    if reader is None:
        reader = _zstd.readers[dict_id] = zstandard.ZstdDecompressor(
            dict_data=_zstd_dict(dict_id)
        )
    frame = body[4:]
    try:
        size = zstandard.frame_content_size(frame)
    except zstandard.ZstdError as exc:
        raise UnreadableState(f"the event's compressed content is damaged ({exc})") from exc
    if size > MAX_STATE or size < 0:  # -1: a frame that does not say (never written so)
        raise UnreadableState(f"the event inflates beyond {MAX_STATE:,} bytes; refused")
    try:
        return reader.decompress(frame)
    except zstandard.ZstdError as exc:
        if "full frame" in str(exc):  # the frame ends before its declared content
            raise UnreadableState(f"the event's compressed content is cut short ({exc})") from exc
        raise UnreadableState(f"the event's compressed content is damaged ({exc})") from exc


def pack_state(data: bytes) -> bytes:
    """The stored form of a state's JSON ``data``: headed when it is a JSON object whose
    actor and role (those present) are short strings (every event Docket writes), a plain
    zlib stream otherwise (and for the rare state orjson cannot re-encode exactly: ``NaN``,
    integers beyond 64 bits)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return deflate(data)
    head = split_head(value) if isinstance(value, dict) else None
    if head is None:
        return deflate(data)
    return head + squeeze(orjson.dumps(value))


def split_head(state: dict[str, Any]) -> bytes | None:
    """The head a headed state keeps for ``state`` (see :func:`_split`), taking its actor and
    role out of ``state``; None, ``state`` untouched, when it has neither or either is not a
    ``str`` of at most 255 UTF-8 bytes (never so in Docket's events: such a state is stored
    whole). The mapper calls it on an event's fields before encoding them, which stores the
    same bytes as :func:`pack_state` of the whole state's JSON without decoding it again.

    A state with ``steps`` that each name their author (an ``Assessed`` event) keeps those
    authors in the head too (see :func:`_step_authors`): ``state["steps"]`` is replaced by
    copies of its steps without their actor and role (the steps themselves, which the
    event object may share, are not changed). Steps that do not all name their author as
    short strings stay in the body as they are (verify then reads the state whole)."""
    if _HEAD_KEYS.isdisjoint(state):
        return None
    head = bytearray([HEADED_ZSTD, 0])
    for bit, key in enumerate(HEAD_FIELDS):
        if key in state:
            field = state[key]
            if type(field) is not str:
                return None
            text = field.encode()
            if len(text) > 255:
                return None
            head[1] |= 1 << bit
            head += bytes([len(text)]) + text
    steps = state.get("steps")
    table = _step_table(state, steps) if isinstance(steps, list) else None
    if table is not None and isinstance(steps, list):
        head[1] |= STEP_AUTHORS
        head += table
        state["steps"] = [_without_author(step) for step in steps]
    for key in HEAD_FIELDS:
        state.pop(key, None)
    return bytes(head)


def _without_author(step: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``step`` (which names its actor and role: :func:`_step_table` checked) without
    them, the other keys in their order (a C copy, then two deletions: a fifth of a filtering
    comprehension's time, three steps a case on ingest)."""
    copied = dict(step)
    del copied["actor"], copied["role"]
    return copied


def _step_table(state: dict[str, Any], steps: list[Any]) -> bytes | None:
    """The step-authors part of a head for ``steps`` (layout in :func:`_step_authors`), or
    None when a step is not an object naming its actor and role as strings of at most 255
    UTF-8 bytes, or there are none, or more than 255 steps or :data:`_OWN_INDICES` authors
    of their own."""
    if not steps or len(steps) > 255:
        return None
    own_actor, own_role = state.get("actor"), state.get("role")
    index: dict[tuple[str, str], int] = {}
    if type(own_actor) is str and type(own_role) is str:
        index[(own_actor, own_role)] = 0  # the event's own author, in the head already
    first_extra = len(index)
    table = bytearray()
    order = bytearray()
    for step in steps:
        if type(step) is not dict:
            return None
        actor, role = step.get("actor"), step.get("role")
        if type(actor) is not str or type(role) is not str:
            return None
        found = index.get((actor, role))
        if found is None:
            found = _KNOWN_INDEX.get((actor, role))
        if found is None:
            if len(index) >= _OWN_INDICES:
                return None
            a, r = actor.encode(), role.encode()
            if len(a) > 255 or len(r) > 255:
                return None
            found = index[(actor, role)] = len(index)
            table += bytes([len(a)]) + a + bytes([len(r)]) + r
        order.append(found)
    return bytes([len(index) - first_extra]) + table + bytes([len(order)]) + order


def is_compressed(data: bytes) -> bool:
    """Whether ``data`` is stored compressed (a zlib stream, or headed); plain JSON starts
    with ``{``, which is neither."""
    if data[:1] in _HEADS:
        return True
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The head (who acted) and the body of a headed state: ``0x01 (or 0x02) | flags | for
    each field present (bit 0 actor, bit 1 role): its UTF-8 length (1 byte) and text |
    (bit 2, :data:`STEP_AUTHORS`) the steps' authors, see :func:`_step_authors` | body``.
    With bit 2 the head's ``"steps"`` is a list of ``{"actor": ..., "role": ...}``, one per
    step of the body, in order.

    Raises:
        UnreadableState: the head is cut short, names unknown fields, or is not UTF-8.
    """
    flags = data[1] if len(data) > 1 else 0
    if flags in (0b11, _FLAGS) and len(data) > 3:  # as Docket writes them: no loop
        at = 3 + data[2]
        end = at + 1 + data[at] if at < len(data) else len(data) + 1
        if end <= len(data):
            try:
                actor, role = data[3:at].decode(), data[at + 1 : end].decode()
            except UnicodeDecodeError:
                pass  # named below
            else:
                head: dict[str, Any] = {"actor": actor, "role": role}
                if flags & STEP_AUTHORS:  # an Assessed event
                    head["steps"], end = _step_authors(data, end, head)
                return head, data[end:]
    if flags & ~_FLAGS:
        raise UnreadableState("the event's head (who acted) holds other fields")
    head = {}
    at = 2
    for bit, key in enumerate(HEAD_FIELDS):
        if flags >> bit & 1:
            head[key], at = _text(data, at)
    if flags & STEP_AUTHORS:
        head["steps"], at = _step_authors(data, at, head)
    return head, data[at:]


def _text(data: bytes, at: int) -> tuple[str, int]:
    """The short UTF-8 string at ``at`` of a head (its length, 1 byte, then its text), and
    where the head goes on.

    Raises:
        UnreadableState: the head is cut short or not UTF-8 there.
    """
    if at >= len(data) or at + 1 + data[at] > len(data):
        raise UnreadableState("the event's head (who acted) is cut short")
    end = at + 1 + data[at]
    try:
        return data[at + 1 : end].decode(), end
    except UnicodeDecodeError as exc:
        raise UnreadableState("the event's head (who acted) is not UTF-8") from exc


def _step_authors(
    data: bytes, at: int, head: dict[str, Any]
) -> tuple[list[dict[str, str]], int]:
    """Who recorded each step, from the head at ``at``: ``count of authors of the state's own
    beyond the event's own author (1 byte) | each one's actor and role (as the event's own:
    UTF-8 length and text) | count of steps (1 byte) | one byte per step: its author's
    index``. Indices below :data:`_OWN_INDICES` count the event's own ``(actor, role)`` (index
    0, when the head names both) and then the state's own authors in order; from
    :data:`_OWN_INDICES` on they name Docket's components (:data:`KNOWN_AUTHORS`), which
    record nearly every step and so cost one byte, not their names. Returns the steps'
    authors (one dict per step; steps by the same author share it) and where the body
    starts.

    Raises:
        UnreadableState: the head is cut short, not UTF-8, or a step's index names no
            author.
    """
    authors: list[tuple[str, str]] = []
    if "actor" in head and "role" in head:
        authors.append((head["actor"], head["role"]))
    if at >= len(data):
        raise UnreadableState("the event's head (who acted) is cut short")
    extra, at = data[at], at + 1
    for _ in range(extra):
        actor, at = _text(data, at)
        role, at = _text(data, at)
        authors.append((actor, role))
    if at >= len(data) or at + 1 + data[at] > len(data):
        raise UnreadableState("the event's head (who acted) is cut short")
    end = at + 1 + data[at]
    own = min(len(authors), _OWN_INDICES)
    made: dict[int, dict[str, str]] = {}  # one dict an author, made only when a step names it
    steps = []
    for i in data[at + 1 : end]:
        step = made.get(i)
        if step is None:
            if i < own:
                who = authors[i]
            elif _OWN_INDICES <= i < _OWN_INDICES + len(KNOWN_AUTHORS):
                who = KNOWN_AUTHORS[i - _OWN_INDICES]
            else:
                raise UnreadableState("the event's head names a step author it does not hold")
            step = made[i] = {"actor": who[0], "role": who[1]}
        steps.append(step)
    return steps, end


def head_of(data: bytes) -> dict[str, Any] | None:
    """Who acted, as a headed state records it (``{"actor": ..., "role": ...}``, the fields
    present, and ``"steps"``: ``[{"actor": ..., "role": ...}, ...]``, one per step, when the
    head names the steps' authors), read without inflating anything; None for a state
    stored otherwise (decode it whole to learn who acted).

    Raises:
        UnreadableState: the head is damaged (see :func:`_split`).
    """
    if data[:1] not in _HEADS:
        return None
    return _split(data)[0]


def dictionary_of(data: bytes) -> int | None:
    """The id of the dictionary a stored state was compressed with (None: none)."""
    if data[:1] == _ZSTD_HEAD:
        return int.from_bytes(_split(data)[1][:4], "big")
    if data[:1] == b"\x01":
        data = _split(data)[1]
    if not is_compressed(data) or not data[1] & 0x20:
        return None
    return int.from_bytes(data[2:6], "big")


def decompress(data: bytes) -> bytes:
    """The JSON of a stored state: inflated when compressed, as it is otherwise (a headed
    state's head joins the body's object: same meaning, keys in another order).

    Raises:
        UnreadableState: a compressed state that is cut short, inflates beyond
            :data:`MAX_STATE`, or names a dictionary this Docket does not know.
    """
    if data[:1] in _HEADS:
        head, body = _split(data)
        text = unsqueeze(body) if data[:1] == _ZSTD_HEAD else inflate(body)
        if "steps" in head or b'"actor"' in text or b'"role"' in text:  # maybe in the body
            merged = _merged(_body(text), head)
            return json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode()
        if not head:
            return text
        head_text = orjson.dumps(head)
        return head_text if text.strip() == b"{}" else text.rstrip()[:-1] + b"," + head_text[1:]
    return inflate(data)


def inflate(data: bytes) -> bytes:
    """A zlib stream inflated (with the dictionary it names); plain JSON as it is.

    Raises:
        UnreadableState: see :func:`decompress`.
    """
    if not is_compressed(data) or data[:1] in _HEADS:
        return data
    zdict = b""
    if data[1] & 0x20:  # FDICT: the next four bytes name the dictionary
        zdict = _dictionary(int.from_bytes(data[2:6], "big"))
    try:
        inflater = zlib.decompressobj(15, zdict=zdict) if zdict else zlib.decompressobj(15)
        out = inflater.decompress(data, MAX_STATE)
    except zlib.error as exc:
        raise UnreadableState(f"the event's compressed content is damaged ({exc})") from exc
    if inflater.unconsumed_tail:
        raise UnreadableState(f"the event inflates beyond {MAX_STATE:,} bytes; refused")
    if not inflater.eof:
        raise UnreadableState("the event's compressed content is cut short")
    return out


def read_state(raw: bytes, *, step_authors: bool = True) -> Any:
    """The decoded JSON of a stored state, for readers that take rows directly (replay,
    verify). orjson decodes these states about three times faster than ``json.loads``
    (measured in ``benchmarks/bench_store.py``); the few states it refuses (a quarantined
    input holding ``NaN``, integers beyond 64 bits) are decoded by ``json.loads``, which
    wrote them.

    ``step_authors=False`` (the case's fold, which reads no step's author): a head's steps'
    authors are checked exactly as they are otherwise (the body's steps as many objects as
    the head names, none naming its own author, every index naming an author; a hostile row
    raises the same :class:`UnreadableState`) but not written into the steps, which then
    hold neither ``actor`` nor ``role``. Everything else is the same state.

    Raises:
        UnreadableState: a compressed state that cannot be inflated.
        ValueError: a state that is not JSON.
    """
    first = raw[:1]
    if first == _ZSTD_HEAD:
        if len(raw) > 3 and raw[1] == _FLAGS:  # an Assessed event as Docket writes it
            return _read_assessed(raw, step_authors)
        head, body = _split(raw)
        return _merged(_body(unsqueeze(body)), head, step_authors)
    if first == b"\x01":
        head, body = _split(raw)
        return _merged(_body(inflate(body)), head, step_authors)
    text = inflate(raw)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


#: The author each step index of a head names when the state has no authors of its own
#: beyond the event's (index 0, filled per state): :data:`KNOWN_AUTHORS` from
#: :data:`_OWN_INDICES` on.
_KNOWN_BY_INDEX: dict[int, tuple[str, str]] = {
    _OWN_INDICES + i: pair for i, pair in enumerate(KNOWN_AUTHORS)
}
#: The step indices such a head may hold: the event's own author (0) and the known ones.
_NAMED_INDICES = frozenset((0, *_KNOWN_BY_INDEX))


def _read_assessed(raw: bytes, step_authors: bool) -> dict[str, Any]:
    """:func:`read_state` of a :data:`HEADED_ZSTD` state with every head flag (an
    ``Assessed`` event: actor, role, steps' authors), the same value and the same errors as
    the general path (``_split``, ``unsqueeze``, ``_body``, ``_merged``) without building a
    head: a replay reads one a case. Any head other than the usual one (cut short, not
    UTF-8, the state's own step authors, an index naming no author) takes the general path,
    which reads it (or refuses it) as before."""
    n = len(raw)
    at = 3 + raw[2]
    end = at + 1 + raw[at] if at < n else n + 1
    if end < n and raw[end] == 0:  # no step authors of the state's own (the usual case)
        count = end + 1
        body = count + 1 + raw[count] if count < n else n + 1
        if body <= n:
            try:
                actor, role = raw[3:at].decode(), raw[at + 1 : end].decode()
            except UnicodeDecodeError:
                body = n + 1  # named by the general path
            order = raw[count + 1 : body]
            by_index = _KNOWN_BY_INDEX
            if body <= n and _NAMED_INDICES.issuperset(order):
                value = _body(unsqueeze(raw[body:]))
                value.pop("actor", None)  # any the body holds are dropped (see _merged)
                value.pop("role", None)
                value["actor"], value["role"] = actor, role
                steps = value.get("steps")
                if type(steps) is not list or len(steps) != len(order):
                    _refuse_steps(value, len(order))  # the count differs
                for step in steps:
                    if type(step) is not dict or "actor" in step or "role" in step:
                        _refuse_steps(value, len(order))
                if step_authors:
                    own = (actor, role)
                    for step, i in zip(steps, order, strict=True):
                        step["actor"], step["role"] = by_index[i] if i else own
                return value
    head, rest = _split(raw)
    return _merged(_body(unsqueeze(rest)), head, step_authors)


def _refuse_steps(body: dict[str, Any], count: int) -> NoReturn:
    """Raise what :func:`_put_back` names for a body whose steps disagree with a head naming
    ``count`` steps' authors (its sentences are the only ones)."""
    _put_back(body, [{}] * count, write=False)
    raise AssertionError("the steps agree with the head")  # pragma: no cover


def _merged(
    body: dict[str, Any], head: dict[str, Any], step_authors: bool = True
) -> dict[str, Any]:
    """A headed state's object: its body with its head's actor and role (any the body
    holds are dropped: the writer never puts them there, and verify checks the head), and
    each step's actor and role when the head names them (checked but not written when
    ``step_authors`` is false, see :func:`read_state`).

    Raises:
        UnreadableState: the head names the steps' authors and the body's steps are not as
            many, or one is not an object, or one names its author itself.
    """
    steps = head.pop("steps", None)
    for key in HEAD_FIELDS:
        body.pop(key, None)
    body.update(head)
    if steps is not None:
        _put_back(body, steps, step_authors)
    return body


def _put_back(body: dict[str, Any], authors: list[dict[str, str]], write: bool = True) -> None:
    """Each of the body's steps given its author as the head names it (appended: the keys
    Docket's step builders write last; only checked when ``write`` is false).

    Raises:
        UnreadableState: see :func:`_merged`: never reconciled, a row written so is hostile.
    """
    steps = body.get("steps")
    if type(steps) is not list or len(steps) != len(authors):
        held = f"{len(steps)} steps" if type(steps) is list else "no steps"
        raise UnreadableState(
            f"the event's head names the authors of {len(authors)} steps but its body holds "
            f"{held}"
        )
    for step, author in zip(steps, authors, strict=True):
        if type(step) is not dict:
            raise UnreadableState("a step in the event's body is not a JSON object")
        if "actor" in step or "role" in step:
            raise UnreadableState(
                "a step in the event's body names its own author beside the head that names it"
            )
        if write:
            step.update(author)


def _body(text: bytes) -> dict[str, Any]:
    """The JSON object of a headed state's body.

    Raises:
        UnreadableState: the body is not a JSON object.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise UnreadableState("the event's body is not JSON") from exc
    if not isinstance(value, dict):
        raise UnreadableState("the event's body is not a JSON object")
    return value
