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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from events.case_rule import (
    ASSESSING,
    DECIDING,
    ESCALATED,
    FINAL,
    OUTCOME,
    OUTSIDE,
    OVERRIDDEN,
    SIGNED_OFF,
    CaseRule,
    event_time,
    is_outside,
)
from events.clock_rule import CLOCK_SKEW, ClockRule, Vouched
from events.compression import UnreadableState, head_of, read_state
from events.domain.case_steps import ASSESSED_TOPIC, authors
from events.domain.common import SYSTEM_ROLE
from events.domain.proposals import approval_problem
from events.errors import NotAuthorised
from events.keyring import ENROLLED_TOPIC, REVOKED_TOPIC, KeyRing
from events.signing import batch_message, signature_valid

if TYPE_CHECKING:
    from events.app import DecisionLog

#: The link before the first event.
GENESIS = bytes(32)
CHAIN_TABLE = "docket_chain"
META_TABLE = "docket_meta"
#: One row per saved batch: who signed positions first_id..last_id (see events.signing).
SIGNATURE_TABLE = "docket_signatures"
#: Version of Docket's storage layout (tables, chain algorithm, payload shapes).
#: A store written with another value is refused with IncompatibleStore.
SCHEMA_VERSION = "2"  # 2: signed batches
#: Older layouts a recorder upgrades in place on open (1: events chained, not signed).
UPGRADABLE = ("1",)


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


class Signer(Protocol):
    """A key that signs batches (:class:`events.signing.SigningKey`)."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


class CoSigned:
    """Several keys signing one batch: the acting person's and the components' whose events
    the batch holds (the orchestrator scoring a case opened by a person, say). The key id
    is every key id joined by ``+`` and the signature their 64-byte signatures in that
    order, each over the same message (which names every co-signer, so none can be dropped).
    """

    def __init__(self, *keys: Signer) -> None:
        self.keys = keys

    @property
    def key_id(self) -> str:
        return "+".join(k.key_id for k in self.keys)

    def sign(self, message: bytes) -> bytes:
        return b"".join(k.sign(message) for k in self.keys)


def split_signature(key_id: str, signature: bytes) -> list[tuple[str, bytes]] | None:
    """``[(key id, its 64-byte signature)]`` of a (co-)signed batch; None when malformed."""
    ids = key_id.split("+")
    if len(signature) != 64 * len(ids):
        return None
    return [(k, signature[64 * i : 64 * (i + 1)]) for i, k in enumerate(ids)]


NO_KEY = (
    "recording needs a key: act with your key file (--key FILE or DOCKET_KEY), "
    "or create the first one with `docket keys init`"
)


def sign_batch(
    signer: Signer | None, links: Sequence[tuple[int, str, int, bytes]]
) -> tuple[int, int, str, bytes]:
    """The signature row ``(last_id, first_id, key_id, signature)`` for a batch's links.

    Raises:
        NotAuthorised: no key is held, so nothing may be recorded.
    """
    if signer is None:
        raise NotAuthorised(NO_KEY)
    first, last = links[0][0], links[-1][0]
    message = batch_message(signer.key_id, first, last, links[-1][3])
    return (last, first, signer.key_id, signer.sign(message))


class ChainedRecorder(Protocol):
    """What :func:`verify` needs from a recorder (both Docket recorders provide it)."""

    def select_chain(self, start: int, stop: int | None, limit: int) -> Sequence[tuple[int, bytes]]:
        """Links ``(notification_id, hash)`` with start <= id (<= stop), in order."""
        ...

    def max_chain_id(self) -> int:
        """The highest notification id that has a link (0 when none)."""
        ...

    def max_signature_id(self) -> int:
        """The last position a batch signature covers (0 when none)."""
        ...

    def select_rows(
        self, start: int, limit: int, stop: int | None = None
    ) -> Sequence[tuple[int, str, int, str, bytes]]:
        """Stored events ``(id, originator id as UUID text, version, topic, state)``."""
        ...

    def select_signatures(self, start: int, stop: int) -> Sequence[tuple[int, int, str, bytes]]:
        """Batch signatures ``(last_id, first_id, key_id, signature)`` ending in start..stop."""
        ...

    def signed_from(self) -> int:
        """The first position that must be signed."""
        ...

    def select_case_rows(
        self, originator_ids: Sequence[str], topics: Sequence[str]
    ) -> Sequence[tuple[int, str, int, str, bytes]]:
        """Stored events of the aggregates ``originator_ids`` with one of ``topics``."""
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
        unsigned: Events from before signing began (a store upgraded from storage
            version 1): chained, covered by the first signature after them, not signed.
        notes: Sentences about what holds but deserves a look (emergency stops).
    """

    ok: bool
    checked: int
    first_bad_position: int | None
    reason: str
    head: str = ""
    end: int = 0
    unsigned: int = 0  # events written before the store's events were signed
    #: What holds but someone should know (e.g. every emergency stop of a champion), one
    #: sentence each with its position.
    notes: tuple[str, ...] = ()


def walk_end(log: DecisionLog) -> int:
    """Where a walk of the whole log (:func:`verify`) ends when it starts now.

    Events, links and batch signatures commit together, so every event or link at or below
    the largest of the three maxima is visible to a walk's reads (the signatures' is read
    first: a batch committed after it raises the others, never it alone). Taking the largest
    keeps a deleted last event (whose link remains) in view, and a cut of the events and
    links whose signatures remain."""
    chained: ChainedRecorder = log.chained_recorder
    signed = chained.max_signature_id()
    return max(signed, int(log.recorder.max_notification_id() or 0), chained.max_chain_id())


def verify(
    log: DecisionLog,
    *,
    page: int = 20000,
    end: int | None = None,
    on_link: Callable[[int, bytes], None] | None = None,
    silent_actions: Mapping[str, Collection[str]] | None = None,
    declarations: Mapping[str, Mapping[str, Any]] | None = None,
    hidden_outcomes: Mapping[str, Mapping[str, Collection[str]]] | None = None,
    now: datetime | None = None,
    vouched: Vouched | None = None,
    clock_skew: timedelta = CLOCK_SKEW,
) -> VerifyReport:
    """Walk every stored event up to a fixed end position; check its link and signature.

    The end is the log's last notification id when the walk starts (or ``end``):
    events appended meanwhile are neither read nor mistaken for a removed event,
    so a verify during busy writing reports only what was really changed.
    Reads pages of events (as stored rows, nothing decoded), the links and the batch
    signatures in the same id range, so memory stays flat but for one number per decided
    case: the decision rule (one decision per case, :class:`_Decisions`) is checked on the
    way, and so is the case rule (:mod:`events.case_rule`: each decision and outcome agrees
    with what its case recorded, and time runs forward in it), which reads, once per page,
    only the cases that page decides or gives an outcome; a case's creation or recommendation
    is checked against the decision rule's numbers (opened once, by its first event;
    recommended before any decision), reading nothing.

    The chain hashes each state as stored (compressed), so no state is inflated for it.
    Signatures (see :mod:`events.signing`): one check per signed batch; every event must
    belong to a batch signed by a key enrolled and not revoked at the batch's first
    position, and an event naming a person as its actor must be signed by that person's
    key, in a role the key holds. Who acted is read from a state's head without inflating
    it (:func:`events.compression.head_of`), an ``Assessed`` event's steps' authors too; a
    state stored before heads existed (or an ``Assessed`` one before heads named its steps'
    authors) is decoded whole, as is every key-ring event (the key ring is rebuilt from the
    enrolment events met on the way). ``on_link(position, link)`` sees every verified link
    (checkpoints). ``silent_actions``: by pack, the actions that reveal no outcome (the
    packs' word): an outcome after one is named unless an outside source reported it.
    ``hidden_outcomes``: by pack, each action that reveals some outcomes only and the ones it
    cannot show: such an outcome after it, from no outside source, is counted in the notes.
    ``declarations``: by installed pack, the declaration its cases record when they open
    (what :meth:`~assistant` packs' ``case_record`` gives): the declaration each decided case
    (or case given an outcome) recorded is compared with it, and a false one is named at the
    case's creation event; cases of a pack not in it are listed in the report's notes. None:
    not compared (the log alone cannot tell a false declaration).
    The clock rule (:mod:`events.clock_rule`) holds the times of the events the walk decodes
    to the log's order, to ``now`` (verify's own clock, the walk's start by default) and to a
    checkpoint's signed time (``vouched``), each within ``clock_skew``.
    """
    chained: ChainedRecorder = log.chained_recorder
    if end is None:
        end = walk_end(log)
    previous = GENESIS
    checked = 0
    start = 1
    signatures = _Signatures(chained.signed_from())
    decisions, policies, ruled, topics = _Decisions(), _Policies(), _RULED, docket_topics()
    # Each decision (and outcome) against what its case recorded before it.
    cases = CaseRule(chained, silent_actions, declarations, hidden_outcomes)
    clock = ClockRule(now or datetime.now(UTC), skew=clock_skew, vouched=vouched)
    # A walk starts at position 1; an event stored below it (a row id of 0 or less) is
    # outside every walk, yet reading its aggregate by id finds it.
    before = chained.select_rows(-(1 << 63), 1, 0)
    if before:
        return _bad(0, before[0][0], "an event is stored before the log's first position "
                                     "(1): it was inserted")  # fmt: skip
    while start <= end:
        events = chained.select_rows(start, page, end)
        stop = events[-1][0] if len(events) == page else end
        links = chained.select_chain(start, stop, page * 2 + 10)
        signatures.load(chained.select_signatures(start, stop))
        cases.page(events)
        li = 0
        for nid, oid, version, topic, state in events:
            # Links without an event before this one: those events were removed.
            if li < len(links) and links[li][0] < nid:
                return _bad(checked, links[li][0], "the event recorded here was removed")
            if li >= len(links) or links[li][0] != nid:
                return _bad(checked, nid, "this event has no link: it was inserted or moved")
            expected = link_hash(previous, nid, oid, version, topic, state)
            if expected != links[li][1]:
                return _bad(checked, nid, "the event or its link was altered or reordered")
            previous = expected
            if on_link is not None:
                on_link(nid, expected)
            if topic not in topics:
                return _bad(checked, nid, _foreign(topic))
            problem = signatures.add(nid, topic, state, expected)
            if problem:
                return _bad(checked - problem[2], problem[0], problem[1])
            late: tuple[int, str] | None = None
            if topic in ruled:  # a case's decision or a policy's event: the rules
                rule = decisions if topic in _DECISION_TOPICS else policies
                try:
                    escalated = topic in _DECIDING and decisions.awaits_senior(oid)
                    wrong: str | None = None
                    if topic == _OUTCOME:  # on a case, after a decision that reveals it
                        wrong = cases.outcome(oid, version, state,
                                              decided=decisions.was_decided(oid),
                                              signed=nid >= signatures.signed_from)
                    wrong = wrong or rule.add(oid, topic, state)
                    if not wrong and topic in _DECIDING:
                        wrong = cases.check(oid, version, topic, state, escalated=escalated)
                except UnreadableState as exc:
                    return _bad(checked, nid, f"this event cannot be read: {exc}")
                if wrong:
                    return _bad(checked, nid, wrong)
                # A decision's or outcome's time the case rule read; a policy event's, again.
                timed = cases.last_time if topic in _DECISION_TOPICS else event_time(_state(state))
                late = clock.add(nid, timed, topic.rpartition(".")[2])
            elif topic in _TIMED:  # few: decoded whole for their time alone
                try:
                    late = clock.add(nid, event_time(_state(state)), topic.rpartition(".")[2])
                except UnreadableState as exc:
                    return _bad(checked, nid, f"this event cannot be read: {exc}")
            elif topic in ASSESSING and nid >= signatures.signed_from:
                # Opened once, first; recommended before anyone decides (cheap: no read).
                after = decisions.was_decided(oid) or decisions.awaits_senior(oid)
                wrong = cases.assessing(oid, version, topic, decided=after)
                if wrong:
                    return _bad(checked, nid, wrong)
            if late is not None:  # an event timed against the log's order or a clock
                at, reason = late
                return _bad(max(0, checked - (nid - at)), at, reason)
            checked += 1
            li += 1
        if li < len(links):
            return _bad(checked, links[li][0], "the event recorded here was removed")
        start = stop + 1
    if signatures.pending:
        first = signatures.pending[0][0]
        return _bad(checked - len(signatures.pending), first, "this event is not signed by anyone")
    if signatures.by_last:  # a batch signed, whose last event is not there
        last = min(signatures.by_last)
        first = signatures.by_last[last][0]
        reason = (f"a batch signature covers positions {first}-{last} but no event is "
                  f"stored at {last}: the events were removed")  # fmt: skip
        return _bad(checked, first, reason)
    false = cases.false_declaration()  # judged once every case of each pack was compared
    if false is not None:
        return _bad(max(0, false[0] - 1), false[0], false[1])
    return VerifyReport(True, checked, None, "", previous.hex(), end, signatures.legacy,
                        notes=tuple(cases.unchecked()))


@cache
def docket_topics() -> frozenset[str]:
    """Every topic Docket writes: each event class of its aggregates, as ``get_topic`` spells
    it. The rules of :func:`verify` know events by these exact strings, yet eventsourcing
    reads a stored topic by importing what it names, so another spelling of the same class
    (``events.domain:Case.Accepted``, through the package's re-export) is read, folded and
    shown as the event itself: a second decision or a policy change stored so, signed in its
    author's own name, passed every rule."""
    from eventsourcing.domain import DomainEvent  # noqa: PLC0415
    from eventsourcing.utils import get_topic  # noqa: PLC0415

    from events import domain  # noqa: PLC0415

    kinds = (domain.Case, domain.Policy, domain.Key, domain.ModelVersion, domain.Alert,
             domain.EvalRun, domain.ReadModelSeal, domain.ExplorationBudget)  # fmt: skip
    return frozenset(
        get_topic(value)
        for kind in kinds
        for value in vars(kind).values()
        if isinstance(value, type) and issubclass(value, DomainEvent)
    )


def _foreign(topic: str) -> str:
    """Why an event stored under ``topic`` (not one :func:`docket_topics` holds) fails."""
    name = topic.rpartition(":")[2]
    same = sorted(t for t in docket_topics() if t.rpartition(":")[2] == name)
    if same:
        return (f"this event's topic {topic!r} is another spelling of {same[0]!r}: it would be "
                "read as that event yet escape the rules verify keys on the topic")  # fmt: skip
    return f"this event's topic {topic!r} is not one Docket writes"


def _bad(checked: int, position: int, reason: str) -> VerifyReport:
    return VerifyReport(False, checked, position, reason)


class _Signatures:
    """The signature side of :func:`verify`: batches, the key ring, who wrote what."""

    def __init__(self, signed_from: int = 1) -> None:
        self.signed_from, self.legacy = signed_from, 0
        self.ring = KeyRing()
        self.enrolled_topic, self.revoked_topic = ENROLLED_TOPIC, REVOKED_TOPIC
        self.by_last: dict[int, tuple[int, str, bytes]] = {}
        self.pending: list[tuple[int, str, bytes]] = []

    def load(self, rows: Sequence[tuple[int, int, str, bytes]]) -> None:
        for last_id, first_id, key_id, signature in rows:
            self.by_last[last_id] = (first_id, key_id, signature)

    def add(
        self, position: int, topic: str, raw: bytes, link: bytes
    ) -> tuple[int, str, int] | None:
        """Take one verified event; at the end of its batch, check the batch.

        Returns ``(position, reason, how many events counted as checked come after the
        bad one)`` for the first bad event, or None.
        """
        if position < self.signed_from:  # the store's unsigned past (still chained)
            if topic in (self.enrolled_topic, self.revoked_topic):
                # Keys came with signing: a store's unsigned past holds no key-ring event.
                # Where signing began is a row any writer of the store can change; moved
                # past the first enrolment, it would leave every event unsigned.
                return (position, f"a key-ring event lies before the position signing is said "
                        f"to begin ({self.signed_from}, in {META_TABLE}): that position was "
                        "moved to leave signed events unchecked", 0)  # fmt: skip
            self.legacy += 1
            return None
        self.pending.append((position, topic, raw))
        found = self.by_last.pop(position, None)
        if found is None:
            return None
        batch, self.pending = self.pending, []
        first_id, key_id, signature = found
        before = len(batch) - 1
        if first_id != batch[0][0]:
            return (batch[0][0], "the batch signatures were regrouped or removed", before)
        try:
            whos = [_who(topic, s) for _, topic, s in batch]
        except UnreadableState as exc:
            return (batch[0][0], f"an event of positions {first_id}-{position} cannot be read: "
                    f"{exc}", before)  # fmt: skip
        parts = split_signature(key_id, signature)
        if parts is None:
            return (batch[0][0], "the batch signature is malformed", before)
        message = batch_message(key_id, first_id, position, link)
        signers = []
        for part_id, part in parts:
            signer = self.ring.valid(part_id, first_id)
            if signer is None and not self.ring.keys and len(parts) == 1:
                signer = self._genesis(part_id, batch, whos)
            if signer is None:
                return (
                    batch[0][0],
                    f"signed by key {part_id}, which was not enrolled (or was revoked) here",
                    before,
                )
            if not signature_valid(signer.public_key, message, part):
                return (
                    batch[0][0],
                    f"the signature of positions {first_id}-{position} does not match "
                    f"{signer.person}'s key: the events were forged or altered",
                    before,
                )
            signers.append(signer)
        # A batch holds thousands of events by a handful of (actor, role) pairs: each pair
        # is judged once, until a key-ring event in the batch changes the ring.
        judged: dict[tuple[Any, Any], str | None] = {}
        for i, ((pos, topic, _raw), who) in enumerate(zip(batch, whos, strict=True)):
            after = before - i  # events of this batch after the bad one
            for pair in authors(who):  # an Assessed event: its steps' authors too
                try:
                    problem = judged[pair]
                except KeyError:
                    problem = judged[pair] = self._authorship(signers, *pair)
                except TypeError:  # an actor or role that is not a string: judge it as it is
                    problem = self._authorship(signers, *pair)
                if problem:
                    return (pos, problem, after)
            problem = _by_component(topic, who)
            if problem:
                return (pos, problem, after)
            if topic in _DECIDING and not any(s.person == who.get("actor")
                                                     for s in signers):  # fmt: skip
                # A component with no key of its own is vouched for by its signer (above),
                # but a decision's four eyes compare names: one made up hides who decided.
                return (pos, _not_in_own_name(who.get("actor")), after)
            if topic in (self.enrolled_topic, self.revoked_topic):
                if not any("admin" in s.roles for s in signers):
                    return (pos, f"{signers[0].person} changed the key ring without the admin "
                                 "role", after)  # fmt: skip
                if topic == self.enrolled_topic:
                    self.ring.enrolled(pos, who)
                else:
                    self.ring.revoked(pos, who)
                judged.clear()
        return None

    def _genesis(self, key_id: str, batch: list[Any], states: list[dict[str, Any]]) -> Any:
        # ``states``: what _who gave, the whole state for the key-ring events read here.
        """The store's first key enrols itself, as an admin, in the batch it signs."""
        for (_, topic, _), state in zip(batch, states, strict=True):
            if (
                topic == self.enrolled_topic
                and state.get("key_id") == key_id
                and "admin" in state.get("roles", ())
                and state.get("actor") == state.get("person")
            ):
                self.ring.enrolled(batch[0][0], state)
                return self.ring.keys[key_id]
        return None

    def _authorship(self, signers: list[Any], actor: Any, role: Any) -> str | None:
        """An event naming a person must be signed by them, in a role they hold; one naming
        an enrolled component (``docket/orchestrator``...) must be co-signed by its key."""
        if not isinstance(actor, str):
            return None
        for signer in signers:
            if actor == signer.person:
                if role not in signer.roles:
                    return f"{actor} acted as {role!r}, a role their key was not enrolled with"
                return None
        names = " and ".join(f"{s.person}'s" for s in signers)
        if actor.startswith("docket/") and role == "system":
            if actor in self.ring.people():
                return (f"recorded as done by the component {actor}, which holds an enrolled "
                        f"key, but signed only by {names} key")  # fmt: skip
            return None  # a component with no key of its own, run by the signer (older stores)
        return f"recorded as done by {actor} but signed by {names} key"


#: A case's events that only Docket's components record (the orchestrator's assessment
#: steps, the explainer's explanation), in role ``system``; as steps of an ``Assessed``
#: event too, which names each step's author.
_COMPONENTS_ONLY = frozenset(
    "events.domain.case:Case." + n
    for n in ("Scored", "Recommended", "Explained", "FellBackToBaseline", "Forecast",
              "InputFlagged")
)  # fmt: skip


def _by_component(topic: str, who: Mapping[str, Any]) -> str | None:
    """The problem with a component's event (or an assessment's step) recorded in a
    person's role: a score, a recommendation or an explanation the service records only in a
    component's name, which the next operator reads as Docket's. None when there is none."""
    if topic in _COMPONENTS_ONLY:
        if who.get("role") != SYSTEM_ROLE:
            return (f"{who.get('actor')} recorded this {topic.rpartition('.')[2]} event as "
                    f"{who.get('role')!r}: only Docket's components (role {SYSTEM_ROLE!r}) "
                    "record one")  # fmt: skip
    elif topic == ASSESSED_TOPIC:
        steps = who.get("steps")
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, Mapping) and step.get("role") != SYSTEM_ROLE:
                return (f"{step.get('actor')} recorded a step of the case's assessment as "
                        f"{step.get('role')!r}: only Docket's components (role "
                        f"{SYSTEM_ROLE!r}) record its steps")  # fmt: skip
    return None


def _words(value: Any) -> bool:
    """A reason as the service records one: a string that is not blank."""
    return isinstance(value, str) and bool(value.strip())


def _not_in_own_name(actor: Any) -> str:
    """Why a case's decision (or escalation) naming ``actor``, who did not sign it, fails."""
    if not isinstance(actor, str):
        return ("this event names no one as the person who escalated or decided the case: a "
                "case is decided by a person in their own name")  # fmt: skip
    return (f"a case is decided by a person in their own name: this event names {actor}, "
            "whose key did not sign it")  # fmt: skip


# A case's topics, as the case rule names them. An outcome from an outside source
# (``is_outside``, a bureau) is the only outcome of a yes/no case recorded before its
# decision; a quantity's outcome (its realised ``value``, demand) may come first.
_FINAL, _ESCALATED, _SIGNED_OFF = FINAL, ESCALATED, SIGNED_OFF
_OUTCOME, _OVERRIDDEN = OUTCOME, OVERRIDDEN
#: Decisions that go against the recommendation carry a reason (the service's rule).
_REASONED = frozenset((_OVERRIDDEN, _SIGNED_OFF))
_DECISION_TOPICS = _FINAL | {_ESCALATED, _OUTCOME}
#: Made by a person in their own name, never a component (an outcome may come from a feed).
_DECIDING = DECIDING


class _Decisions:
    """The decision rule of a case (:mod:`events.domain.case_deciding`), checked on the log
    itself: a case is decided once (accepted, overridden, or escalated and then closed by a
    senior other than whoever escalated it). The service enforces it; a key holder
    writing around the service could otherwise record a second decision in their own name,
    which the queue would show while the case's audit showed the first.

    A case's outcome (what quality and retraining learn from) is recorded once too (before
    the decision only from an outside source, or as a quantity's realised value), and a
    decision against the recommendation (an override, a senior's sign-off of another action)
    carries a reason code and text: those events are decoded whole (few beside the rest).

    Holds one 128-bit number per decided case and one per case with an outcome (about 75 MB
    a million)."""

    def __init__(self) -> None:
        self.decided: set[int] = set()
        self.outcomes: set[int] = set()
        self.escalated: dict[int, Any] = {}  # awaiting a senior: who escalated

    def was_decided(self, oid: str) -> bool:
        """Whether the case ``oid`` has a final decision (so far in the walk)."""
        try:
            return int(oid.replace("-", ""), 16) in self.decided
        except ValueError:
            return False

    def awaits_senior(self, oid: str) -> bool:
        """Whether the case ``oid`` was escalated and not yet closed."""
        try:
            return int(oid.replace("-", ""), 16) in self.escalated
        except ValueError:
            return False

    def add(self, oid: str, topic: str, raw: bytes) -> str | None:
        """Take a decision event of the case ``oid``; the rule it breaks, or None.

        Raises:
            UnreadableState: an escalation or sign-off whose head cannot be read.
        """
        try:
            case = int(oid.replace("-", ""), 16)
        except ValueError:  # not a case id: the chain has judged it already
            return None
        if topic == _OUTCOME:
            if case in self.outcomes:
                return "this case's outcome was already recorded: an outcome is recorded once"
            if case not in self.decided:  # rare: decoded whole
                state = _state(raw)
                if state.get("value") is None and not is_outside(state):
                    return (
                        "an outcome recorded on a case not yet decided: only an outside "
                        f"source ('{OUTSIDE}NAME') may report one before the decision"
                    )
            self.outcomes.add(case)
            return None
        if case in self.decided:
            return "this case was already decided: a case is decided once"
        if topic == _ESCALATED:
            if case in self.escalated:
                return "this case was already escalated and awaits a senior reviewer"
            escalator = _who(topic, raw).get("actor")
            if not isinstance(escalator, str):  # the sign-off's four eyes compare names
                return "this escalation names no one as the person who escalated the case"
            self.escalated[case] = escalator
            return None
        if topic in _REASONED:
            state = _state(raw)  # overrides and sign-offs: a minority, decoded whole
            disagrees = state.get("agreed") is not True or (
                state.get("action") != state.get("recommended")
            )
            if (topic == _OVERRIDDEN or disagrees) and not (
                _words(state.get("reason_code")) and _words(state.get("reason_text"))
            ):
                return ("this case was decided against its recommendation without a reason: "
                        "an override (or a senior's other action) needs a reason code and "
                        "text")  # fmt: skip
        escalator = self.escalated.pop(case, None)
        if escalator is None:
            if topic == _SIGNED_OFF:
                return "a sign-off of a case nobody escalated"
        elif _who(topic, raw).get("actor") == escalator:
            # (Stores written before sign-offs existed close an escalation by an accept or
            # an override: the same rule.)
            return (f"{escalator} escalated this case, so another senior reviewer must "
                    "close it")  # fmt: skip
        self.decided.add(case)
        return None


_POLICY = "events.domain.policy:Policy."
_POLICY_CREATED, _PROPOSED = _POLICY + "Created", _POLICY + "ChangeProposed"
_PROPOSAL_DECIDED, _POLICY_CHANGED = _POLICY + "ProposalDecided", _POLICY + "Changed"
_POLICY_TOPICS = frozenset((_POLICY_CREATED, _PROPOSED, _PROPOSAL_DECIDED, _POLICY_CHANGED))
_RULED = _DECISION_TOPICS | _POLICY_TOPICS
#: The events besides decisions, outcomes and policies whose time the clock rule reads
#: (decoded for it alone): models' and eval runs', few and small. A case's other events,
#: alerts, the exploration budget's (one per explored case), read-model seals (up to a
#: megabyte each) and the key ring's (a key is valid from its enrolment's position, whatever
#: its time says) are not.
_TIMED = frozenset(
    t for t in docket_topics()
    if t.startswith("events.domain.modelversion:") or ":EvalRun." in t
)


class _Policies:
    """Four eyes on a policy (:meth:`events.domain.policy.Policy.approve`), checked on the log
    itself: a ``Changed`` event counts only right after its approver approved a pending
    proposal of exactly those changes, made by another person, in the policy's owner role.
    The policy in force is read from the log, so a change written around the service by an
    owner alone would otherwise decide. Policy events are few: each is decoded whole."""

    def __init__(self) -> None:
        self.owner: dict[str, str] = {}  # policy id -> its owner role
        self.domain: dict[str, str] = {}  # policy id -> its domain
        self.pending: dict[tuple[str, Any], tuple[Any, Any]] = {}  # -> (proposer, changes)
        self.approved: dict[str, tuple[Any, Any]] = {}  # policy id -> (approver, changes)
        self.spec: dict[str, dict[str, Any]] = {}  # policy id -> the policy in force
        self.version: dict[str, Any] = {}  # policy id -> its version number

    def add(self, oid: str, topic: str, raw: bytes) -> str | None:
        """Take a policy event; the rule it breaks, or None.

        Raises:
            UnreadableState: a state that cannot be read.
        """
        state = _state(raw)
        actor, role = state.get("actor"), state.get("role")
        if topic == _POLICY_CREATED:
            self.owner[oid] = str(state.get("owner_role"))
            self.domain[oid] = str(state.get("domain"))
            spec = state.get("spec")
            self.spec[oid] = dict(spec) if isinstance(spec, dict) else {}
            self.version[oid] = 1
            self.approved.pop(oid, None)
            return None
        approved = self.approved.pop(oid, None)  # only the very next event may use it
        if topic == _PROPOSED:
            self.pending[(oid, state.get("proposal"))] = (actor, state.get("changes"))
        elif topic == _PROPOSAL_DECIDED:
            found = self.pending.pop((oid, state.get("proposal")), None)
            if state.get("approved") is True:
                if found is None:
                    return (f"{actor} approved policy proposal #{state.get('proposal')}, which "
                            "is not pending")  # fmt: skip
                problem = approval_problem(str(found[0]), str(actor), str(role),
                                           (self.owner.get(oid, "?"),))  # fmt: skip
                if problem:
                    return f"a policy proposal approved against four eyes: {problem}"
                self.approved[oid] = (actor, found[1])
        elif topic == _POLICY_CHANGED:
            changes = state.get("changes")
            if approved is None or approved != (actor, changes):
                return (f"{actor} ({role}) changed the {self.domain.get(oid, '?')} policy "
                        "without a pending proposal of that change approved by a second person "
                        f"holding its owner role ({self.owner.get(oid, '?')})")  # fmt: skip
            # The policy in force is the event's spec (and version), not its changes: they
            # must be the approved changes applied to the policy before them.
            before = self.spec.get(oid, {})
            expected = {**before, **changes} if isinstance(changes, dict) else None
            version = self.version.get(oid, 1)
            if state.get("spec") != expected or state.get("policy_version") != version + 1:
                return (f"{actor} ({role}) installs another policy than the approved change: "
                        f"version {state.get('policy_version')!r} with a spec other than "
                        f"version {version}'s with the changes proposed")  # fmt: skip
            self.spec[oid], self.version[oid] = state["spec"], version + 1
        return None


#: Topics whose whole state verify reads (the key ring is rebuilt from them).
_WHOLE = frozenset((ENROLLED_TOPIC, REVOKED_TOPIC))


def _who(topic: str, raw: bytes) -> dict[str, Any]:
    """What verify needs of a state: who acted (its head, when it has one; an ``Assessed``
    event's head names its steps' authors too, in a form :func:`authors` reads), or the
    whole state for a key-ring event, for an ``Assessed`` event whose head does not name its
    steps' authors (stored before heads did: each step names who recorded it in the body)
    and for a state stored before heads existed.

    Raises:
        UnreadableState: a head or compressed state that cannot be read.
    """
    if topic not in _WHOLE:
        head = head_of(raw)
        if head is not None and (topic != ASSESSED_TOPIC or "steps" in head):
            return head
    return _state(raw)


def _state(raw: bytes) -> dict[str, Any]:
    """The JSON object of a stored state ({} when it is not one).

    Raises:
        UnreadableState: a compressed state that cannot be inflated.
    """
    try:
        value = read_state(raw)
    except UnreadableState:
        raise
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
