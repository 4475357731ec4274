"""What the case rule (events/case_rule.py) costs verify's walk: with and without it,
alternating in one process, on a real store before and after half its cases are decided.

    python benchmarks/bench_case_rule.py --cases 20000 --repeats 5

1. the cached real store of ``--cases`` ingested credit cases (``make_store.py``): nothing
   decided, so the rule reads nothing;
2. a copy of it where people decide half the cases, each decision a signed batch of its own as
   the service saves one (per 20 cases: 8 accepted, a recommended escalation closed by a
   senior, 1 overridden, 1 escalated and closed by another senior);
3. the same copy once outcomes are recorded in batches: every approved case's, and every tenth
   declined case's from an outside source.

Both walks are timed ``--repeats`` times each, alternating (``without`` replaces the rule by
one that reads and checks nothing: the walk as before it), and the medians printed, of the
wall time and of this process's CPU time (less moved by other load on a shared machine).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import assistant.domains  # noqa: E402, F401  (registers the packs' store words)
import events.chain as chain  # noqa: E402
from benchmarks.make_store import ensure_store  # noqa: E402
from events.case_rule import CaseRule  # noqa: E402
from events.domain import Case, Key  # noqa: E402
from events.signing import SigningKey  # noqa: E402
from events.store import open_log  # noqa: E402


class _NoRule:
    """The walk as before the rule: nothing read, nothing checked."""

    def __init__(self, recorder: object, silent_actions: object = None) -> None:
        pass

    def page(self, events: object, decided: object = None) -> None:
        pass

    def check(self, *args: object, **kwargs: object) -> None:
        return None

    def outcome(self, *args: object, **kwargs: object) -> None:
        return None

    def assessing(self, *args: object, **kwargs: object) -> None:
        return None


#: What ``docket verify`` tells the rule of the credit pack: a decline reveals no outcome.
SILENT = {"credit": ("decline",)}


def decide_half(store: str, admin_key: Path, cases: int) -> int:
    """People decide half the cases of ``store``; returns how many."""
    log = open_log(store)
    log.signer = SigningKey.load(admin_key)
    people = {}
    for name, roles in (("olga", ["operator"]), ("pete", ["operator", "senior"]),
                        ("sara", ["senior"])):  # fmt: skip
        key = SigningKey.generate()
        log.save(Key.enrol(person=name, public_key=key.public_key, roles=roles,
                           actor="bench-admin", role="admin"))  # fmt: skip
        people[name] = open_log(store)
        people[name].signer = key
    op: dict[str, Any] = {"actor": "olga", "role": "operator"}
    decided = 0
    for i in range(1, cases + 1):
        share = i % 20
        if share >= 10:
            continue
        case = people["olga"].case(Case.id_for("credit", f"bench-{i:07d}"))
        if share < 8:
            case.accept(**op)
            people["olga"].save(case)
            if case.status == "escalated":  # the policy recommended escalation
                case.override(action="decline", reason_code="other", reason_text="checked",
                              actor="sara", role="senior")  # fmt: skip
                people["sara"].save(case)
        elif share == 8:
            other = "approve" if case.recommendation != "approve" else "decline"
            case.override(action=other, reason_code="missing_information",
                          reason_text="knows more", **op)  # fmt: skip
            people["olga"].save(case)
        else:
            case.escalate(reason_text="unsure", **op)
            people["olga"].save(case)
            if case.recommendation != "escalate":
                case.accept(actor="pete", role="senior")
            else:
                case.override(action="approve", reason_code="other", reason_text="ok",
                              actor="pete", role="senior")  # fmt: skip
            people["pete"].save(case)
        decided += 1
    return decided


def record_outcomes(store: str, admin_key: Path, cases: int) -> int:
    """What happened to the decided cases, as ``docket outcomes`` records it (in batches):
    each approved case's outcome, and every tenth declined case's from an outside source
    (the only outcome a decline may have); returns how many."""
    log = open_log(store)
    log.signer = SigningKey.load(admin_key)
    key = SigningKey.generate()
    log.save(Key.enrol(person="otto", public_key=key.public_key, roles=["operator"],
                       actor="bench-admin", role="admin"))  # fmt: skip
    otto = open_log(store)
    otto.signer = key
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    batch: list[Case] = []
    recorded = 0
    for i in range(1, cases + 1):
        if i % 20 >= 10:
            continue
        case = otto.case(Case.id_for("credit", f"bench-{i:07d}"))
        declined = case.decided_action == "decline"
        if declined and i % 10 != 0:
            continue
        case.record_outcome(outcome="good" if i % 3 else "bad", observed_at=later,
                            source="outside:bureau" if declined else "bank",
                            actor="otto", role="operator")  # fmt: skip
        batch.append(case)
        recorded += 1
        if len(batch) == 500:
            otto.save(*batch)
            batch = []
    if batch:
        otto.save(*batch)
    return recorded


def timed(store: str, repeats: int) -> None:
    """Median wall and CPU time of the walk with and without the rule (the CPU time of this
    process is less moved by other load on a shared machine than the wall time)."""
    log = open_log(store)
    times: dict[str, list[float]] = {"without": [], "with": []}
    cpu: dict[str, list[float]] = {"without": [], "with": []}
    checked = 0
    try:
        for r in range(repeats):
            for name in ("without", "with") if r % 2 == 0 else ("with", "without"):
                vars(chain)["CaseRule"] = _NoRule if name == "without" else CaseRule
                t0, c0 = time.perf_counter(), time.process_time()
                report = chain.verify(log, silent_actions=SILENT)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
                assert report.ok, report.reason
                checked = report.checked
    finally:
        vars(chain)["CaseRule"] = CaseRule
    print(f"{checked:,} events, {repeats} walks each, alternating:")
    for name in ("without", "with"):
        w, c = times[name], cpu[name]
        print(f"  {name:7s} the rule: median {statistics.median(w):.3f} s "
              f"(min {min(w):.3f}, max {max(w):.3f}); CPU median {statistics.median(c):.3f} s "
              f"(min {min(c):.3f}, max {max(c):.3f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    made = ensure_store(args.cases)
    print(f"undecided: {made.path}")
    timed(str(made.path), args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "decided.sqlite"
        shutil.copy(made.path, copy)
        decided = decide_half(str(copy), made.key, args.cases)
        print(f"decided: {decided:,} of {args.cases:,} cases, one signed batch each")
        timed(str(copy), args.repeats)
        recorded = record_outcomes(str(copy), made.key, args.cases)
        print(f"outcomes: {recorded:,} recorded on the decided cases")
        timed(str(copy), args.repeats)


if __name__ == "__main__":
    main()
