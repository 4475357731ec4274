"""The case rule of ``verify``: each decision must agree with the case it decides.

The chain and the signatures prove who wrote each event; they cannot tell a well-signed lie.
An insider holding a valid operator (or senior) key can write, in their own name and signed
with their own key, a decision the service would never record. This rule checks, on the log
itself, that every decision event (``Accepted``, ``Overridden``, ``Escalated``,
``SignedOff``) is consistent with what its case recorded before it:

* the case exists and is a case: a decision on a record that was never opened, or on a
  quarantined record (input rejected, never a case), is named;
* the decision is made in a role the case's pack lets decide (``deciding_roles`` recorded on
  the case), and a case that was escalated is closed only in its senior role (the last one);
* an ``Accepted`` takes the case's recommended action (and order, for a "how much" case),
  never the escalation action, and only when there is a recommendation;
* the case was recommended once (a recommendation written after the assessment, in a
  component's name, would make any decision agree with it);
* an ``Overridden`` or ``SignedOff`` names in ``recommended`` what the case's assessment
  recommended; an override takes another action (or order) than the recommended one, among
  the case's actions, never the escalation action; a sign-off's ``agreed`` says truly whether
  it took the recommended action (and order).

It checks each outcome (``OutcomeRecorded``) too, as the service records one:

* on a case, never on a quarantined record or one never opened (an outcome before the
  decision, which only an outside source may report, is otherwise refused by the decision
  rule of :mod:`events.chain`);
* after a decision whose action reveals an outcome, unless its source names an outside one
  (``outside:NAME``): credit's decline shows no repayment. Which actions reveal none is the
  packs' word, given to the rule by whoever runs ``verify`` (``silent_actions``, by pack:
  the application passes the installed packs'); without it this check is not made;
* with a label the case's pack declared (``outcomes``, recorded on the case with the rest of
  the pack's declaration, so the log needs no pack to read it) and no number, or, on a "how
  much" case (``kind`` "quantity"), with a realised number that is finite, not negative and
  the outcome's text;
* observed (``observed_at``, an ISO-8601 time with an offset) no earlier than the decision
  it follows.

And it checks time runs forward in a case: a decision or an outcome stamped before the case
was opened, or before the decision it follows (an escalation, for a sign-off), is named. The
service stamps each event when it records it.

What the case recorded is read as the case's own readers read it: its events before the
decision (lower versions), the creation event (``Opened``, ``Assessed``, or
``InputQuarantined``) and the last recommendation (a ``Recommended`` event, or the step of
an ``Assessed`` one).

Cost: the walk of :func:`events.chain.verify` decodes no case body. This rule reads only the
cases that a page of the walk decides: once per page, the creation and recommendation
events of those cases in one indexed read (:meth:`select_case_rows`), decoded when their
decision is met. A store of ingested, undecided cases costs it nothing but a scan of each
page's topics; each decision costs about one decode of its case (each decision a person
makes is a signed batch of its own, whose signature check costs more). Each outcome costs
about the same: its case's creation and decisions are read with the page's cases and decoded
with the outcome (its labels and times are on them).

What it cannot see (README, "What `docket verify` guarantees"): a lie that agrees with the
case, such as an operator accepting a recommendation they never looked at, or an outcome
that did not happen; whatever the assessment itself says (a recommendation recorded by a
holder of the orchestrator's key is the case's recommendation); the pack declaration a case
was opened with, unless whoever runs ``verify`` hands in the installed packs' declarations
(``declarations``: then each decided case's is compared with its pack's, and named at its
creation event when false); an event stamped later than it was, which
:mod:`events.clock_rule` names only when something contradicts it; an outside report
observed before its case was opened (the service takes those, as it takes a quantity's
realised value recorded before a decision).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from events.compression import UnreadableState, read_state
from events.domain.case_rules import V1_DECISION

_CASE = "events.domain.case:Case."
OPENED, ASSESSED, QUARANTINED = (_CASE + n for n in ("Opened", "Assessed", "InputQuarantined"))
RECOMMENDED = _CASE + "Recommended"
ACCEPTED, OVERRIDDEN, SIGNED_OFF = (_CASE + n for n in ("Accepted", "Overridden", "SignedOff"))
ESCALATED = _CASE + "Escalated"
OUTCOME = _CASE + "OutcomeRecorded"
#: A case's final decisions (its action is the one an outcome follows).
FINAL = frozenset((ACCEPTED, OVERRIDDEN, SIGNED_OFF))
#: The source prefix of an outcome reported from outside the decision (a bureau).
OUTSIDE = "outside:"
#: The events a person decides a case with: the ones this rule checks.
DECIDING = frozenset((ACCEPTED, OVERRIDDEN, SIGNED_OFF, ESCALATED))
#: What the rule reads of a case it checks: its creation, recommendation and decisions.
_READ = (OPENED, ASSESSED, QUARANTINED, RECOMMENDED, *sorted(DECIDING))
_CREATED = frozenset((OPENED, ASSESSED, QUARANTINED))


class CaseRows(Protocol):
    """What the rule needs from a recorder (both Docket recorders provide it)."""

    def select_case_rows(
        self, originator_ids: Sequence[str], topics: Sequence[str]
    ) -> Sequence[tuple[int, str, int, str, bytes]]: ...


class _Case:
    """What a case recorded before a decision: its name, pack declaration and the last
    recommendation (action, order, the actions it costed)."""

    __slots__ = ("actions", "created", "created_at", "created_position", "declared", "decided",
                 "decided_at", "domain", "label", "later", "quantity", "recommended", "times")

    def __init__(self, rows: Sequence[tuple[int, str, bytes, int]], oid: str) -> None:
        self.created: str | None = None
        self.created_position = 0  # where the creation event lies in the log
        #: When the case was opened, and when (and by which event) it was last decided.
        self.created_at: datetime | None = None
        self.decided: str | None = None
        self.decided_at: datetime | None = None
        self.later = False
        self.domain: Any = None
        self.label = f"case {oid}"
        self.declared: dict[str, Any] = {}
        self.recommended: str | None = None
        self.quantity: Any = None
        self.actions: tuple[str, ...] = ()
        self.times = 0  # how many recommendations it recorded
        for _version, topic, raw, position in rows:  # in version order
            state = _read(raw)
            if topic in DECIDING:
                self.decided, self.decided_at = topic.rpartition(".")[2], _timestamp(state)
            elif topic in _CREATED:
                self.created, self.created_at = topic, _timestamp(state)
                self.created_position = position
                # Opened by a release after the first that signed (an Assessed event, or an
                # Opened one of version 2): every such release compared an outcome's time.
                self.later = topic == ASSESSED or _class_version(state) >= 2
                domain, ref = state.get("domain"), state.get("case_ref")
                self.domain = domain
                if ref:
                    self.label = f"case {domain}/{ref}" if domain else f"case {ref}"
                declared = state.get("decision")
                if topic == OPENED and "class_version" not in state and declared is None:
                    declared = V1_DECISION  # an Opened v1: the log's credit-only decision
                self.declared = declared if isinstance(declared, dict) else {}
                steps = state.get("steps") if topic == ASSESSED else None
                for step in steps if isinstance(steps, list) else ():
                    if isinstance(step, dict) and step.get("event") == "Recommended":
                        self._recommend(step)
            elif topic == RECOMMENDED:
                self._recommend(state)

    def _recommend(self, state: dict[str, Any]) -> None:
        self.times += 1
        self.recommended, self.quantity = state.get("action"), state.get("quantity")
        costs = state.get("expected_costs")
        self.actions = tuple(costs) if isinstance(costs, dict) else ()

    @property
    def roles(self) -> tuple[str, ...]:
        roles = self.declared.get("deciding_roles")
        return tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else ()

    @property
    def escalate_action(self) -> Any:
        return self.declared.get("escalate_action")


def _read(raw: bytes) -> dict[str, Any]:
    """A stored state's JSON object ({} when it is not one; an unreadable state raises
    :class:`~events.compression.UnreadableState`, which the walk reports)."""
    try:
        value = read_state(raw, step_authors=False)
    except UnreadableState:
        raise
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _order(value: Any) -> str:
    return "" if value is None else f" (order {value})"


class CaseRule:
    """The rule, fed by the walk: :meth:`page` before each page, :meth:`check` on each
    decision event of it, :meth:`outcome` on each outcome.

    ``silent_actions``: by pack, the actions whose taking reveals no outcome (the packs'
    declarations; the log does not record them). Holds the final action of each case decided
    so (one entry per declined case), to refuse an outcome following it from no outside source.
    ``hidden_outcomes``: by pack, each action that reveals some outcomes only, with the ones it
    cannot show (a discharge: a benign mass). Such an outcome after it from no outside source
    is noted, not refused: the service recorded them until it refused them (:meth:`unchecked`).
    """

    def __init__(
        self,
        recorder: CaseRows,
        silent_actions: Mapping[str, Collection[str]] | None = None,
        declarations: Mapping[str, Mapping[str, Any]] | None = None,
        hidden_outcomes: Mapping[str, Mapping[str, Collection[str]]] | None = None,
    ) -> None:
        self.recorder = recorder
        self.hidden = {d: {a: frozenset(o) for a, o in by.items()}
                       for d, by in (hidden_outcomes or {}).items()}
        self.partial: dict[str, str] = {}  # case key -> its final action, revealing some only
        self.impossible: list[str] = []  # outcomes such an action cannot show, in words
        self.rows: dict[str, list[tuple[int, str, bytes, int]]] = {}
        self.silent = {d: frozenset(a) for d, a in (silent_actions or {}).items()}
        self.silenced: dict[str, str] = {}  # case key -> its final action, revealing none
        #: By installed pack, the declaration its cases record when they open (None: the
        #: declarations are not compared); cases of other packs are counted, by pack.
        self.declarations = declarations
        self.undeclared: dict[str, set[str]] = {}
        self.compared: set[str] = set()  # the cases whose declaration was compared (keys)
        #: By pack, the creation position of the first case found recording the installed
        #: declaration, and the cases recording another one: (creation position, sentence).
        #: Judged after the walk (:meth:`false_declaration`): a pack may change its
        #: declaration between releases, so a case opened before the first one that records
        #: today's is taken for an earlier version of the pack, said in a note; one opened
        #: after it, while the pack already declared today's, was written around the service.
        self.first_installed: dict[str, int] = {}
        self.differing: dict[str, list[tuple[int, str]]] = {}
        #: When the last decision or outcome checked was recorded (its ``timestamp``).
        self.last_time: datetime | None = None

    def page(self, events: Sequence[tuple[int, str, int, str, bytes]]) -> None:
        """Read, in one go, what the cases decided in this page of the walk, or given an
        outcome in it, recorded: their creation, recommendation and decisions."""
        wanted = list(dict.fromkeys(e[1] for e in events if e[3] in DECIDING or e[3] == OUTCOME))
        self.rows = {}
        if not wanted:
            return
        for _nid, oid, version, topic, state in self.recorder.select_case_rows(wanted, _READ):
            self.rows.setdefault(_key(oid), []).append((version, topic, state, _nid))
        for found in self.rows.values():
            found.sort(key=lambda r: r[0])

    def check(
        self, oid: str, version: int, topic: str, raw: bytes, *, escalated: bool
    ) -> str | None:
        """The problem with the decision event ``topic`` (stored state ``raw``) at
        ``version`` of the case ``oid``, or None. ``escalated``: the case awaits a senior.

        Raises:
            UnreadableState: the decision's own state cannot be read.
        """
        self.last_time = None
        before = [r for r in self.rows.get(_key(oid), ()) if r[0] < version]
        name = topic.rpartition(".")[2]
        try:
            case = _Case(before, oid)
        except UnreadableState as exc:  # e.g. compressed with the words of a pack not installed
            return (f"case {oid}: its {name} event cannot be checked against the case, whose "
                    f"earlier events cannot be read ({exc})")  # fmt: skip
        if case.created is None:
            return (f"{case.label}: its {name} event decides a record that was never opened "
                    "as a case")  # fmt: skip
        if case.created == QUARANTINED:
            return (f"{case.label}: its {name} event decides a quarantined record (its input "
                    "was rejected; it never became a case)")  # fmt: skip
        self._declaration(oid, case)
        if case.times > 1:  # the service recommends once, with the assessment
            return (f"{case.label}: its {name} event follows a second recommendation "
                    f"({case.recommended!r}{_order(case.quantity)}) recorded after the case's "
                    "assessment: a case is recommended once")  # fmt: skip
        state = _read(raw)
        self.last_time = _timestamp(state)
        problem = _timing(case, state) or _problem(case, topic, state, escalated=escalated)
        if problem:
            return f"{case.label}: its {name} event {problem}"
        if topic in FINAL and self.silent:
            action = state.get("action")
            if isinstance(action, str) and action in self.silent.get(case.domain, ()):
                self.silenced[_key(oid)] = action
        if topic in FINAL and self.hidden:
            action = state.get("action")
            if isinstance(action, str) and action in self.hidden.get(case.domain, {}):
                self.partial[_key(oid)] = action
        return None

    def outcome(
        self, oid: str, version: int, raw: bytes, *, decided: bool, signed: bool = True
    ) -> str | None:
        """The problem with the outcome (stored state ``raw``) at ``version`` of the case
        ``oid``, or None. ``decided``: the case was finally decided before it.
        ``signed``: the outcome lies in the signed part of the log. The unsigned past of a
        store upgraded from a release before signing is held only to the outcome being on a
        case: releases before signing recorded outcomes after a silent action (a store made
        at 198211f holds one), while every release that signs refuses them, and the rest of
        :func:`_outcome_problem`.

        Raises:
            UnreadableState: the outcome's own state cannot be read.
        """
        self.last_time = None
        if decided and not signed:  # on a case (checked with its decision); older rules
            return None
        before = [r for r in self.rows.get(_key(oid), ()) if r[0] < version]
        try:
            case = _Case(before, oid)
        except UnreadableState as exc:
            return (f"case {oid}: its OutcomeRecorded event cannot be checked against the "
                    f"case, whose earlier events cannot be read ({exc})")  # fmt: skip
        if case.created is None:
            return (f"case {oid}: its OutcomeRecorded event records an outcome on a record "
                    "that was never opened as a case")  # fmt: skip
        if case.created == QUARANTINED:
            return (f"{case.label}: its OutcomeRecorded event records an outcome on a "
                    "quarantined record (its input was rejected; it never became a case)")
        if not signed:
            return None
        self._declaration(oid, case)
        state = _read(raw)
        self.last_time = _timestamp(state)
        problem = _timing(case, state) or _outcome_problem(case, state)
        if problem:
            return f"{case.label}: its OutcomeRecorded event {problem}"
        action = self.silenced.get(_key(oid)) if decided else None
        if action is not None and not is_outside(state):
            return (f"{case.label}: its OutcomeRecorded event follows the decision {action!r}, "
                    f"which reveals no outcome: only an outside source ('{OUTSIDE}NAME') can "
                    "report one")  # fmt: skip
        partial = self.partial.get(_key(oid)) if decided else None
        label = state.get("outcome")
        if (partial is not None and not is_outside(state)
                and label in self.hidden.get(case.domain, {}).get(partial, ())):
            self.impossible.append(f"{case.label}: {label!r} after {partial!r}")
        return None


    def _declaration(self, oid: str, case: _Case) -> None:
        """Compare (once per case) the pack declaration ``case`` was opened with with its
        installed pack's, noting where it agrees or what differs for
        :meth:`false_declaration`. A case of a pack not installed is counted in
        :attr:`undeclared` instead (see :meth:`unchecked`)."""
        if self.declarations is None or not case.created_position or _key(oid) in self.compared:
            return
        self.compared.add(_key(oid))
        domain = case.domain if isinstance(case.domain, str) else str(case.domain)
        installed = self.declarations.get(domain)
        if installed is None:
            self.undeclared.setdefault(domain, set()).add(_key(oid))
            return
        problem = declaration_problem(case.declared, installed)
        at = case.created_position
        if problem is None:
            first = self.first_installed.get(domain)
            self.first_installed[domain] = at if first is None else min(first, at)
            return
        name = case.created.rpartition(".")[2] if case.created else "creation"
        self.differing.setdefault(domain, []).append((at, (
            f"{case.label}: its {name} event records a declaration of its decision that "
            f"is not its pack's ({domain!r}, as installed): {problem}")))  # fmt: skip

    def false_declaration(self) -> tuple[int, str] | None:
        """After the walk: the first case (its creation position and why) opened with a
        declaration other than its installed pack's although a case of that pack opened
        before it already records the installed one, or None. Such a case was written
        around the service: a decision or outcome judged by it could pass a rule the pack
        does not allow."""
        found: list[tuple[int, str]] = []
        for domain, cases in self.differing.items():
            first = self.first_installed.get(domain)
            if first is not None:
                found += [(at, f"{why}, while case(s) of the pack opened before it, from "
                               f"position {first}, record the installed one; a decision or "
                               "outcome judged by it could pass a rule the pack does not allow")
                          for at, why in cases if at > first]  # fmt: skip
        return min(found) if found else None

    def unchecked(self) -> list[str]:
        """Sentences on the declarations not compared: cases (decided or given an outcome)
        of packs that are not installed where verify runs, and cases opened, before any
        that records the installed declaration, under one the pack no longer makes."""
        notes = [
            f"the pack declaration of {len(keys):,} decided case(s) of pack {domain!r} was not "
            f"compared with the pack, which is not installed here: install it to check them"
            for domain, keys in sorted(self.undeclared.items())
        ]
        for domain, cases in sorted(self.differing.items()):
            first = self.first_installed.get(domain)
            earlier = sorted(c for c in cases if first is None or c[0] < first)
            if earlier:
                since = (f"cases opened from position {first} record the installed one"
                         if first is not None else "no decided case records the installed "
                         "one yet")  # fmt: skip
                notes.append(
                    f"{len(earlier):,} decided case(s) of pack {domain!r} were opened under a "
                    f"declaration the installed pack no longer makes (the first: "
                    f"{earlier[0][1]}); taken for an earlier version of the pack, since "
                    f"{since}")  # fmt: skip
        if self.impossible:
            notes.append(
                f"{len(self.impossible):,} outcome(s) name what their case's final action cannot "
                f"show, from no outside source (the first: {self.impossible[0]}): that action "
                "reveals some outcomes only; recorded by a release before the service refused "
                "them, or written around it")  # fmt: skip
        return notes

    def assessing(self, oid: str, version: int, topic: str, *, decided: bool) -> str | None:
        """The problem with a case's creation (``Opened``, ``Assessed``, ``InputQuarantined``)
        or recommendation event ``topic`` at ``version``, or None. ``decided``: the case was
        decided (or escalated) before it. A case is created by its first event only (a
        creation event later on would start it afresh for every reader), and recommended with
        its assessment, before anyone decides it (one written after the decision would make
        the decision look like another one)."""
        name = topic.rpartition(".")[2]
        if topic in _CREATED:
            if version == 1:
                return None
            return (f"{self._label(oid, version)}: its {name} event at version {version} "
                    "opens the case again: a case is opened once, by its first event")
        if not decided:
            return None
        return (f"{self._label(oid, version)}: its {name} event follows the case's decision: a "
                "case is recommended once, with its assessment, before anyone decides it")

    def _label(self, oid: str, version: int) -> str:
        """How a problem names the case ``oid`` (its pack and reference, read from its
        creation before ``version``: for the problem only)."""
        rows = self.recorder.select_case_rows([oid], sorted(_CREATED))
        before = sorted((v, t, s, n) for n, _o, v, t, s in rows if v < version)
        try:
            return _Case(before[:1], oid).label
        except UnreadableState:
            return f"case {oid}"


def _timestamp(state: dict[str, Any]) -> datetime | None:
    """When an event was recorded (its ``timestamp``, as the log's transcoder stores it)."""
    value = state.get("timestamp")
    if isinstance(value, dict):
        value = value.get("_data_")
    return _aware(value)


def event_time(state: dict[str, Any]) -> datetime | None:
    """When an event was recorded, from its decoded state (None: it names no time)."""
    return _timestamp(state)


def _class_version(state: dict[str, Any]) -> int:
    """The class version of a stored event (1 when it names none, as the library reads it)."""
    version = state.get("class_version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _aware(value: Any) -> datetime | None:
    """An ISO-8601 time with a timezone offset, or None when ``value`` is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _timing(case: _Case, state: dict[str, Any]) -> str | None:
    """A case event (decision or outcome) recorded before the case was opened, or before
    the decision it follows: the service stamps each event when it records it, in order."""
    at = _timestamp(state)
    if at is None:
        return None
    if case.created_at is not None and at < case.created_at:
        return (f"is timed {at.isoformat()}, before the case was opened "
                f"({case.created_at.isoformat()})")  # fmt: skip
    if case.decided_at is not None and at < case.decided_at:
        return (f"is timed {at.isoformat()}, before the case's {case.decided} event it "
                f"follows ({case.decided_at.isoformat()})")  # fmt: skip
    return None


def declaration_problem(recorded: Mapping[str, Any], installed: Mapping[str, Any]) -> str | None:
    """How the declaration a case ``recorded`` when it opened differs from what its pack, as
    ``installed``, declares (None when it agrees). A field the case did not record is no
    difference (cases opened by an older release record fewer); a list it records may hold
    fewer entries than the pack's (a pack that grew), never another, and its deciding roles
    end with the pack's senior role (the one that closes an escalated case). Every other
    field must equal the pack's, and the case may record no field the pack does not
    declare (``outcomes`` on a "how much" case would make labels pass as its outcomes)."""
    for field in ("kind", "escalate_action", "deciding_roles"):  # every release records them
        if field in installed and field not in recorded:
            return f"it records no {field!r}, where the pack declares {installed[field]!r}"
    for field, value in recorded.items():
        if field not in installed:
            return f"it records {field!r} ({value!r}), which the pack does not declare"
        want = installed[field]
        if isinstance(want, list | tuple):
            if not isinstance(value, list) or any(v not in want for v in value):
                return (f"its {field!r} is {value!r}, where the pack declares "
                        f"{list(want)!r}")  # fmt: skip
            if field == "deciding_roles" and value and value[-1] != want[-1]:
                return (f"its deciding roles {value!r} end with {value[-1]!r}, where the "
                        f"pack's senior role is {want[-1]!r}")  # fmt: skip
        elif value != want:
            return f"its {field!r} is {value!r}, where the pack declares {want!r}"
    return None


def _outcome_problem(case: _Case, state: dict[str, Any]) -> str | None:
    """What the service refuses in an outcome, by what the case recorded of its pack.

    * a yes/no case's outcome is one of the labels its pack declared (``outcomes`` on the
      case), and carries no number;
    * a "how much" case's outcome is a number, finite and not negative, whose text is that
      number;
    * it names its source;
    * ``observed_at`` is an ISO-8601 time with an offset, not before the decision the outcome
      follows. Outcomes of version 1 on cases opened as version 1 (both written by the first
      release that signed, which did not compare the times) are not held to the decision's
      time.
    """
    outcome, value = state.get("outcome"), state.get("value")
    labels = case.declared.get("outcomes")
    if isinstance(labels, list):
        if outcome not in labels:
            return (f"records the outcome {outcome!r}, which the case's pack does not declare "
                    f"(its outcomes are {', '.join(map(str, labels))})")  # fmt: skip
        if value is not None:
            return (f"records the outcome {outcome!r} with the number {value!r}: a yes/no "
                    "case's outcome is a label")  # fmt: skip
    elif case.declared.get("kind") == "quantity":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
            value
        ):
            return (f"records {value!r} as the realised quantity: a \"how much\" case's "
                    "outcome must be a number")  # fmt: skip
        if value < 0:
            return (f"records {value:g} as the realised quantity: it must not be "
                    "negative")  # fmt: skip
        if outcome != f"{value:g}":
            return (f"records the outcome {outcome!r} beside the realised quantity {value:g}: "
                    "they must agree")  # fmt: skip
    source = state.get("source")
    if not isinstance(source, str) or not source:
        return f"names {source!r} as its source: an outcome names where it came from"
    observed = _aware(state.get("observed_at"))
    if observed is None:
        return (f"says it was observed at {state.get('observed_at')!r}, which is not an "
                "ISO-8601 time with a timezone offset")  # fmt: skip
    held = _class_version(state) >= 2 or case.later  # see the docstring
    if held and case.decided_at is not None and observed < case.decided_at:
        return (f"says it was observed at {observed.isoformat()}, before the case's "
                f"{case.decided} event it follows ({case.decided_at.isoformat()}): an outcome "
                "cannot be observed before the decision")  # fmt: skip
    return None


def is_outside(state: dict[str, Any]) -> bool:
    """Whether an outcome's stored state names an outside source (``outside:NAME``)."""
    source = state.get("source")
    return isinstance(source, str) and source.startswith(OUTSIDE)


def _key(oid: str) -> str:
    return oid.replace("-", "").lower()


def _problem(case: _Case, topic: str, state: dict[str, Any], *, escalated: bool) -> str | None:
    actor, role = state.get("actor"), state.get("role")
    roles = case.roles
    if roles and role not in roles:
        return (f"was recorded by {actor} as {role!r}, a role this case does not let decide "
                f"(it allows {', '.join(roles)})")  # fmt: skip
    if escalated and topic != ESCALATED and roles and role != roles[-1]:
        return (f"closes an escalated case as {role!r} ({actor}): only its senior role "
                f"({roles[-1]}) may close it")  # fmt: skip
    if topic == ESCALATED:
        return None
    action, quantity = state.get("action"), state.get("quantity")
    rec, rec_qty = case.recommended, case.quantity
    if case.escalate_action is not None and action == case.escalate_action:
        return (f"records the escalation action {action!r} as a final decision: escalating "
                "is no decision")  # fmt: skip
    if topic == ACCEPTED:
        if rec is None:
            return f"accepts {action!r}, but the case has no recommendation to accept"
        if action != rec or quantity != rec_qty:
            return (f"accepts {action!r}{_order(quantity)}, but the case's recommended action "
                    f"is {rec!r}{_order(rec_qty)}")  # fmt: skip
        return None
    if state.get("recommended") != rec:
        return (f"says the recommendation was {state.get('recommended')!r}, but the case's "
                f"assessment recommended {rec!r}")  # fmt: skip
    if case.actions and action not in case.actions:
        return (f"takes {action!r}, which is not one of the case's actions "
                f"({', '.join(case.actions)})")  # fmt: skip
    took_recommended = rec is not None and action == rec and quantity == rec_qty
    if topic == OVERRIDDEN and took_recommended:
        return (f"overrides the recommendation with the recommended action itself "
                f"({action!r}{_order(quantity)})")  # fmt: skip
    if topic == SIGNED_OFF and state.get("agreed") is not took_recommended:
        if state.get("agreed") is True:
            return (f"says the senior agreed with the recommendation ({rec!r}"
                    f"{_order(rec_qty)}) but took {action!r}{_order(quantity)}")  # fmt: skip
        return (f"says the senior did not agree with the recommendation, yet took it "
                f"({action!r}{_order(quantity)})")  # fmt: skip
    return None


#: A case's events :meth:`CaseRule.assessing` checks: its creation and its recommendation.
ASSESSING = _CREATED | {RECOMMENDED}

__all__ = [
    "ASSESSING", "DECIDING", "ESCALATED", "FINAL", "OUTCOME", "OUTSIDE", "OVERRIDDEN",
    "SIGNED_OFF", "CaseRule", "declaration_problem", "event_time", "is_outside",
]
