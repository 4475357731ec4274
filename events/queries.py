"""Every question the application asks the read models, in one place.

Each query is a typed function over the read-model tables (:mod:`events.readmodels`
owns their schema and keeps them in step with the log). The queue's paged queries, and
their indexes, are in :mod:`events.queue`. The index a query needs is
declared right above it with :func:`_needs`; :class:`events.readmodels.ReadModels`
creates every declared index, so a new query and its index arrive together.

The callers bring the read models up to date first (``ReadModels.catch_up``); a query
only reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

#: A read-model row, column name to value, as SQLite returns it.
Row = dict[str, Any]

#: (table, columns) of every index the queries below need.
INDEXES: list[tuple[str, list[str]]] = []


class Rows(Protocol):
    """What a query needs of the read models: run one SELECT, get rows back."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


def _needs(table: str, *columns: str) -> None:
    INDEXES.append((table, list(columns)))


# --- cases --------------------------------------------------------------------------------


def store_domains(views: Rows) -> list[str]:
    """The domains this store has cases, a policy or models of (sorted).

    Quarantined rows are left out: their domain is whatever a caller claimed.
    """
    # The domains of the cases by a loose index scan: one index seek per domain (a DISTINCT
    # reads every case: 1 s at a million), each kept if it has a case that is not quarantined.
    rows = views.rows(
        "WITH RECURSIVE d(domain) AS (SELECT min(domain) FROM cases UNION ALL "
        "SELECT (SELECT min(domain) FROM cases WHERE domain > d.domain) FROM d "
        "WHERE d.domain IS NOT NULL) "
        "SELECT domain FROM d WHERE domain IS NOT NULL AND EXISTS (SELECT 1 FROM cases c "
        "WHERE c.domain = d.domain AND c.status != 'quarantined') "
        "UNION SELECT DISTINCT domain FROM policy_history "
        "UNION SELECT DISTINCT domain FROM models ORDER BY domain"
    )
    return [str(r["domain"]) for r in rows]


def cases_by_domain(views: Rows) -> dict[str, int]:
    """How many cases (quarantined rows not counted) each domain has in this store."""
    rows = views.rows(
        "SELECT domain, COUNT(*) AS n FROM cases WHERE status != 'quarantined' GROUP BY domain"
    )
    return {str(r["domain"]): int(r["n"]) for r in rows}


def cases_by_status(views: Rows, *, counts_kept: bool = False) -> dict[str, int]:
    """How many cases there are of each status: from the queue's kept counts
    (:data:`events.queue.COUNTS_TABLE`, a few dozen rows) when the read models keep them,
    else by counting every case (which grows with the store)."""
    if counts_kept:
        rows = views.rows(
            "SELECT status, sum(n) AS n FROM case_counts WHERE status != '' "
            "GROUP BY status HAVING sum(n) > 0"
        )
    else:
        rows = views.rows("SELECT status, count(*) AS n FROM cases GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def quarantined_outcome_rows(views: Rows) -> int:
    """How many of the quarantined records are rejected rows of outcome files, not case
    input (``docket outcomes`` keeps them as ``<domain>/outcomes``). Reads the quarantine
    table, whose size is the rejected rows', not the store's."""
    rows = views.rows("SELECT count(*) AS n FROM quarantine WHERE domain LIKE ?", ["%/outcomes"])
    return int(rows[0]["n"]) if rows else 0


_needs("cases", "case_ref")


def cases_with_ref(views: Rows, case_ref: str) -> list[tuple[str, str, str]]:
    """(case id, domain, status) of every record whose reference is ``case_ref``: at most
    one case per domain, plus any quarantined input that carried the same reference."""
    rows = views.rows("SELECT case_id, domain, status FROM cases WHERE case_ref = ?", [case_ref])
    return [(r["case_id"], r["domain"], r["status"]) for r in rows]


def case_ref_of(views: Rows, case_id: str) -> str | None:
    """The reference people see for the case ``case_id``; None if no case has that id."""
    rows = views.rows("SELECT case_ref FROM cases WHERE case_id = ?", [case_id])
    return str(rows[0]["case_ref"]) if rows and rows[0]["case_ref"] else None


_needs("cases", "domain", "status")


def has_cases(views: Rows, domain: str) -> bool:
    """Whether ``domain`` has any case that is not quarantined input."""
    return bool(
        views.rows(
            "SELECT 1 FROM cases WHERE domain = ? AND status != 'quarantined' LIMIT 1", [domain]
        )
    )


@dataclass(frozen=True)
class KnownCase:
    """A case an outcome may name, with when it was decided and any outcome recorded."""

    case_id: str
    case_ref: str | None = None
    decided_at: datetime | None = None  # None: not decided yet
    outcome: str | None = None  # outcome already recorded, if any
    final_action: str | None = None  # the action finally taken (None: none yet)


def known_cases(
    views: Rows, domain: str, named: Iterable[str] | None = None
) -> list[KnownCase]:
    """The cases of ``domain`` an outcome may name (quarantined input left out).

    With ``named`` (the case ids and references a file gives), only those cases are read,
    through the primary key and the (domain, case_ref) index, a chunk at a time: recording a
    batch of outcomes costs the batch, not the store. Without it, every case of the domain.
    """
    select = (
        "SELECT case_id, case_ref, decided_at, outcome, decided_action, status FROM cases "
        "WHERE status != 'quarantined'"
    )
    if named is None:
        rows = views.rows(f"{select} AND domain = ?", [domain])
    else:
        wanted = sorted(set(named))
        found: dict[str, Row] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            # Two queries, not one with OR: SQLite would scan the domain for the OR. By id, the
            # domain as an expression keeps its indexes out of the plan: for a long IN list SQLite
            # chose a scan of one of them over the key (1.5 s for 500 ids at 1M cases).
            for clause in (f"domain || '' = ? AND case_id IN ({marks})",
                           f"domain = ? AND case_ref IN ({marks})"):
                for row in views.rows(f"{select} AND {clause}", [domain, *chunk]):
                    found.setdefault(row["case_id"], row)
        rows = list(found.values())
    return [
        KnownCase(
            r["case_id"],
            r["case_ref"],
            datetime.fromisoformat(r["decided_at"]) if r["decided_at"] else None,
            r["outcome"],
            # Waiting for a senior: the action recorded is the escalation, not a decision.
            r["decided_action"] if r["status"] != "escalated" else None,
        )
        for r in rows
    ]


#: Case ids or references looked up per query.
_CHUNK = 500


_needs("cases", "domain", "opened_at")


def latest_cases(views: Rows, domain: str, limit: int) -> list[Row]:
    """The latest ``limit`` cases opened in ``domain`` (decided or not, quarantined input
    left out), oldest first: id, when opened, the champion's risk probability (None when the
    baseline rules decided alone) and the out-of-distribution flag."""
    rows = views.rows(
        "SELECT case_id, opened_at, p_bad, ood FROM cases "
        "WHERE domain = ? AND status != 'quarantined' ORDER BY opened_at DESC LIMIT ?",
        [domain, limit],
    )
    return rows[::-1]


def recent_scores(views: Rows, domain: str, limit: int) -> list[float]:
    """The champion's p(bad) of the latest ``limit`` cases opened in ``domain``."""
    rows = views.rows(
        "SELECT p_bad FROM cases WHERE domain = ? AND p_bad IS NOT NULL "
        "ORDER BY opened_at DESC LIMIT ?",
        [domain, limit],
    )
    return [float(r["p_bad"]) for r in rows]


_needs("cases", "domain", "explored", "recommended_at")


def exploration_spent(views: Rows, domain: str, since: str) -> float:
    """The expected extra cost of the cases of ``domain`` explored at or after ``since`` (an
    ISO-8601 UTC time: the start of the budget's month)."""
    rows = views.rows(
        "SELECT COALESCE(SUM(explore_regret), 0) AS spent FROM cases "
        "WHERE domain = ? AND explored = 1 AND recommended_at >= ?",
        [domain, since],
    )
    return float(rows[0]["spent"]) if rows else 0.0


def last_change(views: Rows, domain: str) -> Row | None:
    """The latest change to what decides ``domain``'s cases: a policy version (installed or
    changed) or a model promoted to champion; ``at`` (ISO time) and ``what`` it was."""
    rows = views.rows(
        "SELECT at, what FROM ("
        "SELECT at, 'policy v' || policy_version AS what FROM policy_history "
        "WHERE domain = ? AND event IN ('created', 'changed') "
        "UNION ALL SELECT at, 'model ' || model_version AS what FROM model_history "
        "WHERE domain = ? AND event = 'promoted') ORDER BY at DESC LIMIT 1",
        [domain, domain],
    )
    return rows[0] if rows else None


# --- decisions ------------------------------------------------------------------------------

_needs("decisions", "domain", "position")


_needs("cases", "domain", "decided_at")


def decision_rows(
    views: Rows, domain: str, limit: int | None = None, since: str | None = None
) -> list[Row]:
    """One row per decided case, as the monitoring functions expect (first-stage decision).

    A senior's second-stage decision on an escalated case does not count as a decision of
    its own; the escalation row carries the senior's final action (or none yet).

    ``limit``: only the latest this many decided cases (by their last decision), and/or
    ``since`` (ISO time): only cases last decided at or after it; so the cost is bounded by
    the window, not by the size of the store.
    """
    select = (
        "SELECT d.case_id, d.operator, d.kind AS decision_kind, d.reason_code, "
        "d.recommended AS recommended_action, d.action AS decided_action, d.at AS decided_at, "
        "c.outcome, c.ood, c.decided_action AS final_action "
        "FROM decisions d JOIN cases c USING (case_id) "
    )
    if limit is None and since is None:
        rows = views.rows(select + "WHERE d.domain = ? ORDER BY d.position", [domain])
    else:
        rows = views.rows(
            select + "WHERE d.case_id IN (SELECT case_id FROM cases WHERE domain = ? AND "
            "decided_at >= ? ORDER BY decided_at DESC LIMIT ?) ORDER BY d.position",
            [domain, since or "", -1 if limit is None else limit],
        )
    first: dict[str, Row] = {}
    for row in rows:
        if row["case_id"] in first:
            continue
        if row["decision_kind"] == "escalated":
            # The senior's final action (an escalation itself records no action).
            row["decided_action"] = row["final_action"] or None
        row["ood"] = bool(row["ood"])
        first[row["case_id"]] = row
    return list(first.values())


_needs("cases", "domain", "outcome_at")


def outcome_rows(views: Rows, domain: str, limit: int) -> list[Row]:
    """The latest ``limit`` cases of ``domain`` with a recorded outcome and a model score,
    by observation time, oldest first: the score the case was decided on, the final action
    (an escalated case: the senior's), the outcome and when it was observed.

    ``outcome_at IS NOT NULL`` bounds the index range to the cases with an outcome: without
    it, a store with fewer outcomes than ``limit`` walked every case of the domain."""
    rows = views.rows(
        "SELECT case_id, p_bad, decided_action AS action, outcome, outcome_at AS observed_at, "
        "decided_at FROM cases WHERE domain = ? AND outcome_at IS NOT NULL "
        "AND outcome IS NOT NULL AND p_bad IS NOT NULL ORDER BY outcome_at DESC LIMIT ?",
        [domain, limit],
    )
    return rows[::-1]


# --- explanations ---------------------------------------------------------------------------

_needs("explanations", "case_id", "position")


def latest_explanation(views: Rows, case_id: str) -> Row | None:
    rows = views.rows(
        "SELECT * FROM explanations WHERE case_id = ? ORDER BY position DESC LIMIT 1",
        [case_id],
    )
    return rows[0] if rows else None


# --- models and eval runs -------------------------------------------------------------------


_needs("models", "model_version")


def model_row(views: Rows, version: str) -> Row | None:
    rows = views.rows("SELECT * FROM models WHERE model_version = ?", [version])
    return rows[0] if rows else None


def model_rows(views: Rows, domain: str | None = None) -> list[Row]:
    """Registered model versions (of ``domain``, or all), oldest first."""
    sql = "SELECT * FROM models" + (" WHERE domain = ?" if domain else "")
    return views.rows(sql + " ORDER BY registered_at", [domain] if domain else [])


def model_card(views: Rows, version: str | None) -> dict[str, Any]:
    row = model_row(views, version or "")
    return dict(json.loads(row["card"] or "{}")) if row else {}


_needs("eval_runs", "at")


def eval_verdicts(views: Rows) -> dict[str, dict[str, bool | None]]:
    """Each model version's latest verdict per eval suite (None: not judged, as when the
    pack had no eval baseline yet)."""
    verdicts: dict[str, dict[str, bool | None]] = {}
    rows = views.rows("SELECT suite, passed, results, model_versions FROM eval_runs ORDER BY at")
    for run in rows:
        judged = json.loads(run["results"] or "{}").get("judged", True)
        for version in json.loads(run["model_versions"] or "[]"):
            verdicts.setdefault(version, {})[run["suite"]] = (
                bool(run["passed"]) if judged else None)
    return verdicts


# --- policies and alerts --------------------------------------------------------------------

_needs("policy_history", "domain", "position")


def policy_domains(views: Rows) -> list[str]:
    """Every domain with a policy installed."""
    rows = views.rows("SELECT DISTINCT domain FROM policy_history ORDER BY domain")
    return [str(r["domain"]) for r in rows]


def policy_history(views: Rows, domain: str) -> list[Row]:
    return views.rows("SELECT * FROM policy_history WHERE domain = ? ORDER BY position", [domain])


def current_policy_versions(views: Rows) -> dict[str, int]:
    """Each domain's current policy version."""
    rows = views.rows("SELECT domain, max(policy_version) AS v FROM policy_history GROUP BY domain")
    return {r["domain"]: int(r["v"]) for r in rows}


_needs("alerts", "acknowledged", "raised_at")


def open_alerts(views: Rows) -> list[Row]:
    """Unacknowledged alerts, newest first, with their details decoded."""
    rows = views.rows(
        "SELECT * FROM alerts WHERE acknowledged = 0 OR acknowledged IS NULL "
        "ORDER BY raised_at DESC"
    )
    return [{**r, "details": json.loads(r["details"] or "{}")} for r in rows]
