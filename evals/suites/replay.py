"""Replay determinism: a generated history replays into identical read models.

In a fresh temporary store the suite opens cases from historical rows (plus malformed rows,
which are quarantined), then decides them as operators do: accepts, overrides with a reason,
escalations decided by a senior, a policy change by its owner, and outcomes arriving later.
It then rebuilds the read models from the log and compares them with the ones that followed
the log live (``replay_check() == []``), replays in place and checks again, and verifies
the hash chain.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.views import Accept, Escalate, Identity, Override
from evals.core import Dataset, EvalContext, Metric, Sample, Scores, Solved, Table, Task
from evals.datasets.credit import features_only
from evals.registry import suite
from events.errors import InputRejected

if TYPE_CHECKING:
    from assistant.service import DocketService

CASES = 60


def malformed(row: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Two broken copies of a real row: a field of the wrong type, and one missing."""
    first = next(iter(row))
    return ({first: "not a value of this field"}, {first: None})


def identities(service: DocketService, domain: str) -> tuple[Identity, Identity, Identity]:
    """The fixture's operator, senior reviewer and policy owner, in the pack's roles."""
    roles = service.domain(domain).roles
    return (Identity("fixture-operator", roles["operator"]),
            Identity("fixture-senior", roles["senior"]),
            Identity("fixture-owner", roles["owner"]))


@dataclass(frozen=True)
class History:
    differences: list[str]
    differences_after_replay: list[str]
    chain_ok: bool
    counts: dict[str, int]


def dataset(ctx: EvalContext) -> Dataset:
    label = ctx.service.label_field(ctx.domain)
    rows = ctx.service.dataset(ctx.domain)[:CASES]
    cases = [{**features_only(r, label), "case_ref": f"replay-{i:03d}"}
             for i, r in enumerate(rows)]
    bad = [{**features_only(rows[i], label), **broken, "case_ref": f"replay-bad-{i}"}
           for i, broken in enumerate(malformed(features_only(rows[0], label)))]
    outcomes = [str(r[label]) for r in rows]
    return Dataset("generated", (Sample("history", {"cases": cases, "malformed": bad},
                                        target=outcomes),),
                   source=f"{len(cases)} historical rows + {len(bad)} malformed, "
                          "decided by a script")


def _other_action(service: DocketService, domain: str, recommended: str | None) -> str:
    """A decisive action other than the recommended one (never the escalation)."""
    view = service.domain(domain)
    return next(a for a in view.actions if a not in (recommended, view.escalate_action))


def override_code(service: DocketService, domain: str) -> str:
    """The reason code the fixture overrides with: one the pack declares (credit's and the
    neutral defaults' `missing_information`, else the pack's first)."""
    codes = list(service.domain(domain).reason_codes)
    return "missing_information" if "missing_information" in codes else codes[0]


def generate(service: DocketService, senior: DocketService, owner: DocketService,
             domain: str, sample: Sample, checker: DocketService) -> dict[str, int]:
    """Write the history through the service, as operators would; return what was done."""
    counts = {"opened": 0, "quarantined": 0, "accepted": 0, "overridden": 0, "escalated": 0,
              "senior_decided": 0, "outcomes": 0, "policy_changes": 0}
    report = service.ingest(domain, sample.input["cases"] + sample.input["malformed"])
    counts["opened"], counts["quarantined"] = len(report.opened), len(report.rejected)
    outcomes: list[str] = sample.target
    decided: list[tuple[str, str]] = []
    code = override_code(service, domain)
    for i, case_id in enumerate(report.opened):
        kind = i % 5
        if kind == 0 or kind == 4:
            service.decide(case_id, Accept())
            counts["accepted"] += 1
        elif kind == 1:
            detail = service.case(case_id)
            service.decide(case_id, Override(_other_action(service, domain,
                                                           detail.recommendation),
                                             code, "fixture: more seen than the model"))
            counts["overridden"] += 1
        elif kind == 2:
            service.decide(case_id, Escalate("fixture: unusual purpose"))
            senior.decide(case_id, Accept())
            counts["escalated"] += 1
            counts["senior_decided"] += 1
        else:
            continue  # left open
        decided.append((case_id, outcomes[i]))
        if i == CASES // 2:
            proposed = owner.change_policy(domain, {"escalate_band": [0.15, 0.21]},
                                           "fixture: review capacity grew")
            # Four eyes: a second risk owner approves before the change takes effect.
            checker.approve_policy_change(domain, proposed.pending[-1].number)
            counts["policy_changes"] += 1
    for n, (case_id, outcome) in enumerate(decided):
        if n % 3 != 2:  # some outcomes are not known yet
            try:
                service.record_outcome(case_id, outcome, datetime.now(UTC), source="fixture")
            except InputRejected:  # its action cannot show it (a declined loan): an outside report
                service.record_outcome(case_id, outcome, datetime.now(UTC),
                                       source="outside:fixture")
            counts["outcomes"] += 1
    return counts


def solve(ctx: EvalContext, samples: Sequence[Sample]) -> list[History]:
    from assistant.service import DocketService

    histories = []
    for sample in samples:
        with tempfile.TemporaryDirectory(prefix="docket-replay-") as folder:
            store, data = str(Path(folder) / "replay.sqlite"), Path(folder) / "data"
            admin = DocketService.open(store, data_dir=data)
            admin.init_keys("evals-admin")
            operator, senior_who, owner_who = identities(ctx.service, ctx.domain)
            people = (operator, senior_who, owner_who,
                      Identity("fixture-second-owner", owner_who.role))  # fmt: skip
            held = [admin.enrol_held(who) for who in people]
            admin.close()
            service, senior, owner, checker = (
                DocketService.open(store, keys=[key], role=who.role, data_dir=data)
                for key, who in zip(held, people, strict=True)
            )
            try:
                ctx.step("generating history", 0, 1)
                counts = generate(service, senior, owner, ctx.domain, sample, checker)
                ctx.step("comparing read models", 0, 1)
                differences = service.replay_check()
                service.replay()
                again = service.replay_check()
                chain_ok = bool(service.verify().ok)
            finally:
                for opened in (service, senior, owner, checker):
                    opened.close()
        histories.append(History(differences, again, chain_ok, counts))
    return histories


def score(solved: Sequence[Solved]) -> Scores:
    history: History = solved[0].output
    metrics = [
        Metric("read_model_differences", float(len(history.differences)), n=1, better="lower",
               tolerance=0.0, max=0.0,
               description="differences between live read models and a rebuild from the log"),
        Metric("differences_after_replay", float(len(history.differences_after_replay)), n=1,
               better="lower", tolerance=0.0, max=0.0,
               description="differences after replaying in place"),
        Metric("chain_verified", 1.0 if history.chain_ok else 0.0, n=1, better="higher",
               tolerance=0.0, min=1.0, description="the log's hash chain verifies"),
    ]
    tables = [Table("Generated history", ("step", "count"), tuple(history.counts.items()))]
    problems = [*history.differences, *history.differences_after_replay][:20]
    if problems:
        tables.append(Table("Differences", ("difference",), tuple((p,) for p in problems)))
    return Scores(metrics, tables)


@suite("replay", summary="a generated history replays into identical read models")
def replay() -> Task:
    return Task("replay", __doc__ or "", dataset, solve, score)
