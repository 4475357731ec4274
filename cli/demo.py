"""``docket demo``: a store seeded with real credit applications, ready for an operator.

Everything goes through :class:`~assistant.service.DocketService`, like any front end:

1. a champion model: trained and registered if the store has none (about 35 s);
2. the queue: the first ``cases`` applications of the Statlog German Credit data, opened
   as cases (six of them carry illustrative applicant notes and contact details, see
   ``assistant/domains/credit/data/PROVENANCE.md``);
3. history: the last applications of the data set, which the champion was never trained
   on, are recorded as past decisions that followed the recommendation (the demo's risk
   owner turns on a 10% exploration first), each with its real outcome only where the
   action reveals one (approved cases): a declined applicant carries no outcome, as in
   production. So the health screen and the decision-quality report show out-of-sample
   figures that rest on the outcomes a real log would have.

Seeding is idempotent: running it twice opens nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.views import Accept, Identity, QueueQuery

if TYPE_CHECKING:
    from assistant.service import DocketService, SigningKey

DOMAIN = "credit"
HISTORY_OPERATOR = Identity("demo-history", "operator")
DEMO_SYSTEM = Identity("docket/demo", "system")  # trains the demo's models, as a component
DEMO_OWNER = Identity("demo-risk-owner", "risk_owner")  # proposes the demo's exploration
DEMO_CHECKER = Identity("rita", "risk_owner")  # approves it: a policy change takes two people


#: The demo's people besides you, with their key files in ``<data dir>/keys/demo``: use
#: ``--key`` with one of them to act as a second person (a senior reviewer, the policy's
#: owner approving your proposal, ...).
DEMO_PEOPLE: dict[str, tuple[str, ...]] = {
    "docket/demo": ("system",),
    "demo-history": ("operator",),
    "demo-risk-owner": ("risk_owner",),
    "sam": ("senior",),
    "rita": ("risk_owner",),
    "erin": ("engineer",),
}


def enrol_demo_people(service: DocketService, key_dir: Path, me: str,
                      people: Mapping[str, tuple[str, ...]] = DEMO_PEOPLE) -> list[str]:
    """Make sure the store has keys: yours (the first admin, if it has none) and the demo
    ``people``'s, held by this process so the seeding can act as them. Returns summary lines.
    """
    lines: list[str] = []
    if not service.enrolled_keys():
        from assistant import config
        from assistant.service import SigningKey

        path = config.default_key_path()
        existing = SigningKey.load(path) if path.exists() else None
        key = service.init_keys(me, existing)
        if existing is None:
            key.save(path)
        lines.append(f"your key {key.key_id} ({me}, admin and every role): {path}")
    enrolled = {k.key_id for k in service.enrolled_keys() if not k.revoked}
    for person, roles in people.items():
        key = _demo_key(key_dir / f"{person.replace('/', '_')}.key")
        if key.key_id not in enrolled:
            service.enrol(person, roles, key.public_key)
        service.add_key(key)
    named = ", ".join(f"{person} {roles[0]}" for person, roles in people.items()
                      if "system" not in roles and not person.startswith(HISTORY_OPERATOR.name))
    lines.append(f"demo people's keys ({named}): {key_dir}")
    if service.enrol_components():  # scoring, explaining, alerting: each signs as itself
        lines.append("Docket's components (orchestrator, explainer, monitor, read models) "
                     "hold keys of their own, enrolled by you")
    return lines


def _demo_key(path: Path) -> SigningKey:
    from assistant.service import SigningKey

    if path.exists():
        return SigningKey.load(path)
    key = SigningKey.generate()
    key.save(path)
    return key


@contextmanager
def acting_as(service: DocketService, identity: Identity) -> Iterator[None]:
    """Record what happens inside the block as done by ``identity``."""
    acting = service.identity
    service.identity = identity
    try:
        yield
    finally:
        service.identity = acting


def demo_notes() -> dict[int, dict[str, str]]:
    """Illustrative notes and contact details by data-set row (0-based)."""
    text = (
        resources.files("assistant.domains.credit")
        .joinpath("data/demo_notes.jsonl")
        .read_text(encoding="utf-8")
    )
    notes: dict[int, dict[str, str]] = {}
    for line in text.splitlines():
        if line.strip():
            item = json.loads(line)
            notes[int(item.pop("row"))] = item
    return notes


def seed_demo(
    service: DocketService,
    *,
    cases: int = 200,
    history: int = 300,
    progress: Callable[[int, int], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[str]:
    """Seed ``service``'s store; return a short summary for the terminal.

    ``progress(done, total)`` follows the queue's cases as they open; ``on_step`` hears of
    every other step (training folds, the past decisions, every 50 of them) as it starts, so
    no step of the first run (about 35 s of training) sits silent.
    """
    step = on_step or (lambda text: None)
    lines: list[str] = []
    label = service.label_field(DOMAIN)
    data = service.dataset(DOMAIN)
    cases = max(0, min(cases, len(data)))
    history = max(0, min(history, len(data) - cases))
    # History comes from the last applications of the data set, which the champion never
    # sees in training: its scores on them, and every quality figure, are out of sample.
    candidates = list(range(len(data) - history, len(data))) if history else []
    if not any(m.status == "champion" for m in service.models(DOMAIN)):
        step("training the credit models (first run only)")
        with acting_as(service, DEMO_SYSTEM):
            lines += service.train(DOMAIN, holdout=candidates, on_step=on_step)
    notes = demo_notes()

    def application(index: int) -> dict[str, Any]:
        row = {k: v for k, v in data[index].items() if k != label}
        return {**row, **notes.get(index, {}), "case_ref": f"german-credit-{index + 1:04d}"}

    if candidates:
        # Before the queue opens: cases recommended under the old policy would all show STALE.
        step("the demo's risk owner proposes 10% exploration; a second owner approves it")
        explore_for_history(service)
    step(f"opening {cases} applications as the queue")
    queue = service.ingest(DOMAIN, [application(i) for i in range(cases)], progress=progress)
    step(f"assessing {len(candidates)} held-out applications for the history")
    # History: held-out applications whose recommendation was a final action (escalated ones
    # would still be waiting for a senior reviewer, so they would sit in the queue).
    assessed = service.assess(DOMAIN, [application(i) for i in candidates])
    chosen = [i for i, a in zip(candidates, assessed, strict=True) if a.action != "escalate"]
    chosen = chosen[:history]
    past_rows = [application(i) for i in chosen]
    step(f"opening {len(past_rows)} past applications")
    past = service.ingest(DOMAIN, past_rows)
    decided = _record_history(service, past.opened, [data[i][label] for i in chosen], past_rows,
                              step)
    status = service.status()
    lines.append(
        f"opened {len(queue.opened)} case(s) for the queue ({len(queue.duplicates)} already there)"
    )
    lines.append(f"recorded {decided} past decision(s) on applications the champion never "
                 "trained on, with their real outcome where the action reveals one (approved "
                 "cases, including those approved by exploration)")
    lines.append(f"store: {status.store_url}")
    lines.append(
        "cases: " + ", ".join(f"{k} {v}" for k, v in sorted(status.cases_by_status.items()))
    )
    lines.append(f"champion: {status.champion}")
    return lines


def explore_for_history(service: DocketService) -> None:
    """The demo's risk owner turns exploration on (once) before the history is decided, so
    the log can support off-policy estimates: 10% of cases take the runner-up action, any
    case eligible (regret cap 5, the largest cost)."""
    if service.policy(DOMAIN).exploration.get("rate"):
        return
    with acting_as(service, DEMO_OWNER):
        proposed = service.change_policy(
            DOMAIN, {"exploration": {"rate": 0.1, "max_regret": 5.0}},
            "demo: explore 10% of cases so quality can be measured on outcomes declines hide",
        )
    with acting_as(service, DEMO_CHECKER):  # four eyes: a second risk owner approves
        service.approve_policy_change(DOMAIN, proposed.pending[-1].number)


def _record_history(
    service: DocketService,
    opened: list[str],
    outcomes: list[str],
    rows: list[dict[str, Any]],
    step: Callable[[str], None],
) -> int:
    """Past cases: the recommendation was followed, and the data set says what happened."""
    if not opened:
        return 0
    by_ref = {row["case_ref"]: outcome for row, outcome in zip(rows, outcomes, strict=True)}
    with acting_as(service, HISTORY_OPERATOR):
        page = service.queue(
            QueueQuery(statuses=("open",), search="german-credit-", limit=len(by_ref) + 10_000)
        )
        wanted = set(opened)
        count = 0
        for row in page.rows:
            if row.case_id not in wanted:
                continue
            service.decide(row.case_id, Accept())
            # Selective labels: a declined applicant never shows whether they would repay.
            if service.reveals_outcome(DOMAIN, row.recommendation, by_ref[row.case_ref]):
                # Observed after the decision (the log refuses an outcome seen before it).
                service.record_outcome(row.case_id, by_ref[row.case_ref], datetime.now(UTC),
                                       source="data set label")
            count += 1
            if count % 50 == 0 or count == len(wanted):
                step(f"recorded {count} of {len(wanted)} past decisions with their outcomes")
        return count
