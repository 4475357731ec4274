"""Reconciling a bulk outcomes file with what the log knows: a plan, no side effects.

``docket outcomes FILE`` parses the file into rows, looks up the cases they name, calls
:func:`plan_outcomes`, records ``plan.to_record`` and prints the report. Each row gets exactly
one kind:

==============  ========  ========================================================================
kind            recorded  when
==============  ========  ========================================================================
``recorded``    yes       valid, decided case, no outcome yet
``late``        yes       as ``recorded``, but observed more than ``late_after`` after the decision
``duplicate``   no        the case already has this outcome (stored, or earlier in the file)
``conflicting`` no        a different outcome is stored, or the file itself gives several
                          outcomes for one case: needs a correction, never overwritten
``partial``     no        required fields missing (``case_ref``/``case_id``, ``outcome``,
                          ``observed_at``): one :class:`FieldProblem` per field
``invalid``     no        fields present but wrong: unknown outcome label, unparsable time
                          (:mod:`assistant.times`), observed in the future or before the
                          decision, ids disagree
``unknown``     no        no such case
``undecided``   no        the case exists but has no decision yet (unless ``allow_undecided``)
``unobserv-     no        the case's final action reveals no outcome (a declined loan), or not
able``                    this one (a discharge shows a malignancy, never a benign mass), and
                          the row's ``source`` does not name an outside one (``outside:NAME``)
==============  ========  ========================================================================

A row may carry a ``source``; an outcome reported by someone outside the decision (a bureau)
says so with ``outside:NAME`` and is recorded as such. Without one the source is ``bulk``.

Row values may be strings straight from a CSV: they are stripped, empty means missing. Outcome
labels are the pack's, matched as declared; a label differing only in case from exactly one
declared label is read as that label (``BAD`` for ``bad``, ``yes`` for ``Yes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from assistant.times import parse_time
from events.errors import FieldProblem, InputRejected
from events.queries import KnownCase as KnownCase  # what the read model knows of a case

OutcomeKind = Literal[
    "recorded", "late", "duplicate", "conflicting", "partial", "invalid", "unknown", "undecided",
    "unobservable",
]
RECORDABLE: frozenset[str] = frozenset({"recorded", "late"})




@dataclass(frozen=True)
class OutcomeItem:
    """The verdict on one row of the file (``line`` is 1-based, or the row's own ``line``)."""

    line: int
    kind: OutcomeKind
    message: str
    case_id: str | None = None
    case_ref: str | None = None
    outcome: str | None = None
    observed_at: datetime | None = None
    problems: tuple[FieldProblem, ...] = ()
    source: str = "bulk"
    zone_assumed: bool = False  # observed_at had no timezone: read as UTC

    @property
    def will_record(self) -> bool:
        return self.kind in RECORDABLE


@dataclass(frozen=True)
class OutcomePlan:
    items: tuple[OutcomeItem, ...]

    @property
    def to_record(self) -> tuple[OutcomeItem, ...]:
        """Rows the service should record (``case_id``, ``outcome``, ``observed_at`` all set)."""
        return tuple(i for i in self.items if i.will_record)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(i.kind for i in self.items))

    def summary(self) -> str:
        """One line, e.g. ``"7 rows: 4 recorded (1 late), 1 duplicate, 2 conflicting"``."""
        c = self.counts
        recorded = c.get("recorded", 0) + c.get("late", 0)
        parts = [f"{recorded} recorded" + (f" ({c['late']} late)" if c.get("late") else "")]
        for kind in ("duplicate", "conflicting", "partial", "invalid", "unknown", "undecided",
                     "unobservable"):
            if c.get(kind):
                parts.append(f"{c[kind]} {kind}")
        assumed = sum(i.zone_assumed for i in self.items)
        zone = (f"; observed_at had no timezone on {assumed} row(s): UTC assumed"
                if assumed else "")  # fmt: skip
        rows = "1 row" if len(self.items) == 1 else f"{len(self.items)} rows"
        return f"{rows}: " + ", ".join(parts) + zone


@dataclass
class _Parsed:
    line: int
    case_id: str | None
    case_ref: str | None
    outcome: str
    observed_at: datetime
    case: KnownCase
    source: str = "bulk"
    zone_assumed: bool = False


def named_cases(rows: Iterable[Mapping[str, object]]) -> set[str]:
    """The case ids and references ``rows`` give: the only cases :func:`plan_outcomes` needs
    to know, so a batch of outcomes reads its own cases and not the whole store."""
    return {text for row in rows for key in ("case_id", "case_ref")
            if (text := _text(row.get(key))) is not None}


def plan_outcomes(
    rows: Sequence[Mapping[str, object]],
    known: Iterable[KnownCase],
    *,
    now: datetime,
    outcomes: Sequence[str],
    late_after: timedelta = timedelta(days=365),
    allow_undecided: bool = False,
    refusal: Callable[[str | None, str, str], str | None] | None = None,
) -> OutcomePlan:
    """Classify every row (see the module docstring); the plan keeps the file's order.

    ``known`` holds the cases the rows might name (found by ``case_id`` or ``case_ref``).
    ``observed_at`` takes the forms of :mod:`assistant.times`; without a timezone it is read
    as UTC, and the summary says on how many rows.
    ``refusal(final_action, source, outcome)`` says why the outcome may not follow that
    action (see :func:`assistant.evaluation.observation.outcome_refusal`); None: every
    action reveals every outcome.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    by_id: dict[str, KnownCase] = {}
    by_ref: dict[str, KnownCase] = {}
    for case in known:
        by_id[case.case_id] = case
        if case.case_ref is not None:
            by_ref[case.case_ref] = case

    verdicts: dict[int, OutcomeItem] = {}
    parsed: list[tuple[int, _Parsed]] = []
    for index, row in enumerate(rows):
        result = _parse_row(index, row, by_id, by_ref, now, tuple(outcomes))
        if isinstance(result, OutcomeItem):
            verdicts[index] = result
        else:
            parsed.append((index, result))

    in_file: dict[str, set[str]] = {}
    for _, p in parsed:
        in_file.setdefault(p.case.case_id, set()).add(p.outcome)
    seen: set[str] = set()
    for index, p in parsed:
        verdicts[index] = _judge(
            p, in_file[p.case.case_id], seen, late_after, allow_undecided, refusal
        )
    return OutcomePlan(tuple(verdicts[i] for i in range(len(rows))))


def _judge(
    p: _Parsed,
    file_outcomes: set[str],
    seen: set[str],
    late_after: timedelta,
    undecided: bool,
    refusal: Callable[[str | None, str, str], str | None] | None,
) -> OutcomeItem:
    case = p.case

    def item(kind: OutcomeKind, message: str, *problems: FieldProblem) -> OutcomeItem:
        return OutcomeItem(
            p.line, kind, message, case.case_id, case.case_ref or p.case_ref, p.outcome,
            p.observed_at, problems, p.source, p.zone_assumed,
        )  # fmt: skip

    if case.decided_at is None and not undecided:
        return item("undecided", "case has no decision yet: outcome not attributable")
    if case.decided_at is not None and p.observed_at < case.decided_at:
        return item(
            "invalid",
            "observed before the decision",
            FieldProblem("observed_at", f"before the decision at {case.decided_at.isoformat()}"),
        )
    why = refusal(case.final_action, p.source, p.outcome) if refusal is not None else None
    if why is not None and case.decided_at is not None:
        # Named: the case, and (in ``why``) the action and the outcome it cannot show.
        return item("unobservable", f"case {_shown(case.case_ref or case.case_id)}: {why}",
                    FieldProblem("source", why))
    if case.outcome is not None:
        if case.outcome == p.outcome:
            return item("duplicate", f"outcome {p.outcome!r} already recorded: skipped")
        return item(
            "conflicting",
            f"recorded outcome is {case.outcome!r}, file says {p.outcome!r}:"
            " not overwritten, needs a correction",
        )
    if len(file_outcomes) > 1:
        listed = " and ".join(sorted(file_outcomes))
        return item("conflicting", f"the file gives both {listed} for this case: none recorded")
    if case.case_id in seen:
        return item("duplicate", f"outcome {p.outcome!r} repeated in the file: skipped")
    seen.add(case.case_id)
    if case.decided_at is not None and p.observed_at - case.decided_at > late_after:
        days = (p.observed_at - case.decided_at).days
        return item("late", f"recorded; observed {days} days after the decision")
    return item("recorded", "recorded")


def declared_label(text: str, labels: Sequence[str]) -> str | None:
    """The declared label ``text`` names: itself, or the one label equal to it ignoring case."""
    if text in labels:
        return text
    folded = [label for label in labels if label.casefold() == text.casefold()]
    return folded[0] if len(folded) == 1 else None


def _parse_row(
    index: int,
    row: Mapping[str, object],
    by_id: Mapping[str, KnownCase],
    by_ref: Mapping[str, KnownCase],
    now: datetime,
    outcomes: tuple[str, ...],
) -> _Parsed | OutcomeItem:
    line = _line(row, index)
    case_id, case_ref = _text(row.get("case_id")), _text(row.get("case_ref"))
    outcome_text, time_value = _text(row.get("outcome")), row.get("observed_at")
    if isinstance(time_value, str):
        time_value = time_value.strip() or None

    missing = []
    if case_id is None and case_ref is None:
        missing.append(FieldProblem("case_ref", "missing (give case_ref or case_id)"))
    if outcome_text is None:
        missing.append(FieldProblem("outcome", "missing"))
    if time_value is None:
        missing.append(FieldProblem("observed_at", "missing"))
    if missing:
        listed = ", ".join(p.field for p in missing)
        return OutcomeItem(line, "partial", f"missing {listed}", case_id, case_ref,
                           outcome_text, None, tuple(missing))  # fmt: skip

    problems = []
    outcome = declared_label(outcome_text or "", outcomes)
    if outcome is None:
        outcome = outcome_text or ""
        problems.append(FieldProblem("outcome", f"must be one of {', '.join(outcomes)}"))
    observed_at, time_problem, zone_assumed = _time(time_value, now)
    if time_problem is not None:
        problems.append(time_problem)
    by_case_id = by_id.get(case_id) if case_id is not None else None
    by_case_ref = by_ref.get(case_ref) if case_ref is not None else None
    both_given = case_id is not None and case_ref is not None
    if both_given and (by_case_id or by_case_ref) and by_case_id != by_case_ref:
        found = by_case_ref.case_id if by_case_ref else None
        problems.append(FieldProblem(
            "case_id", f"{_shown(case_id)} does not match case_ref {_shown(case_ref)} ({found})"
        ))
    if problems:
        listed = "; ".join(str(p) for p in problems)
        return OutcomeItem(line, "invalid", listed, case_id, case_ref, outcome_text,
                           observed_at, tuple(problems), zone_assumed=zone_assumed)  # fmt: skip
    case = by_case_id or by_case_ref
    if case is None or observed_at is None:
        return OutcomeItem(line, "unknown", f"no case {_shown(case_ref or case_id)}", case_id,
                           case_ref, outcome, observed_at, zone_assumed=zone_assumed)  # fmt: skip
    return _Parsed(line, case_id, case_ref, outcome, observed_at, case,
                   _text(row.get("source")) or "bulk", zone_assumed)


def _time(value: object, now: datetime) -> tuple[datetime | None, FieldProblem | None, bool]:
    """``(moment, problem, whether UTC was assumed)`` for an ``observed_at`` value."""
    try:
        given = parse_time(value, "observed_at")
    except InputRejected as exc:
        return None, exc.problems[0], False
    if given.at > now:
        return given.at, FieldProblem("observed_at", "is in the future"), not given.zone_given
    return given.at, None, not given.zone_given


def _shown(text: str | None) -> str:
    """A reference from the file as it can be printed on one line: quoted and escaped when
    it holds a line break or another character a terminal would not show as written."""
    return str(text) if text is not None and text.isprintable() else repr(text)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _line(row: Mapping[str, object], index: int) -> int:
    value = row.get("line")
    return value if isinstance(value, int) and not isinstance(value, bool) else index + 1
