"""The committed baseline: the last accepted value of every metric, and the gates.

``evals/baseline.json`` holds, per suite and metric, the accepted ``value``, which way is
``better``, the ``tolerance`` (absolute) a run may fall short of it, and optional hard
limits ``min`` / ``max`` (e.g. the personal-data leak rate has ``max: 0``). A limit with
``enforce: false`` is reported as a warning instead of failing the run (used where the
project reports a shortfall honestly but has not yet made it a gate; ``note`` says why).

:func:`compare` judges a run against it, row by row; :func:`accept` builds the next
baseline from a run, which only the explicit ``docket eval --update-baseline`` writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.core import Better, Metric, SuiteResult
from evals.errors import EvalError, MalformedBaseline, MissingBaseline

FORMAT: Literal["docket-eval-baseline/1"] = "docket-eval-baseline/1"
DEFAULT_PATH = Path(__file__).parent / "baseline.json"
EPSILON = 1e-9  # float noise is never a regression


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    better: Better
    tolerance: float = Field(ge=0)
    min: float | None = None
    max: float | None = None
    enforce: bool = True
    note: str = ""

    @classmethod
    def seeded(cls, metric: Metric) -> Entry:
        """A new entry from what the suite proposes for this metric."""
        return cls(value=metric.value, better=metric.better, tolerance=metric.tolerance,
                   min=metric.min, max=metric.max, enforce=metric.enforce,
                   note=metric.description)


class Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["docket-eval-baseline/1"] = FORMAT
    updated_at: str = ""
    domain: str | None = None  # the pack whose figures these are (None: written before packs)
    suites: dict[str, dict[str, Entry]] = Field(default_factory=dict)


def default_domain(default: Path = DEFAULT_PATH) -> str | None:
    """The pack the default baseline file judges (what ``docket eval`` evaluates unless
    told otherwise on a fresh store), or None without a readable file."""
    try:
        return load(default).domain
    except EvalError:
        return None


def shown(path: Path) -> str:
    """``path`` as a message prints it: relative to the current directory when under it, else
    by its name in the package (``evals/baselines/demand.json``) when it is a shipped file,
    else as given (never an absolute path into the installed source tree)."""
    absolute = path.resolve()
    for base in (Path.cwd().resolve(), DEFAULT_PATH.resolve().parent.parent):
        if absolute.is_relative_to(base):
            return str(absolute.relative_to(base))
    return str(path)


def path_for(domain: str, default: Path = DEFAULT_PATH) -> Path:
    """The baseline a domain's evals are judged against: the default file when it is that
    domain's, else ``baselines/<domain>.json`` beside it (each pack has its own)."""
    try:
        if load(default).domain == domain:
            return default
    except EvalError:
        pass
    return default.parent / "baselines" / f"{domain}.json"


def load(path: Path = DEFAULT_PATH) -> Baseline:
    """Read the baseline file.

    Raises:
        MissingBaseline: no file at ``path``.
        MalformedBaseline: the file is not a baseline (one sentence naming the problem).
    """
    if not path.exists():
        raise MissingBaseline(str(path))
    try:
        return Baseline.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise MalformedBaseline(
            f"eval baseline {path} is malformed at {where}: {first['msg']}") from exc


def save(baseline: Baseline, path: Path = DEFAULT_PATH) -> None:
    text = json.dumps(baseline.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(path.suffix + ".tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


# --- comparing a run with the baseline -------------------------------------------------------

Status = Literal["ok", "improved", "new", "warn", "regressed", "breach", "missing",
                 "no-baseline", "error", "skipped"]
FAILING: frozenset[str] = frozenset({"regressed", "breach", "missing", "no-baseline", "error"})


@dataclass(frozen=True)
class Row:
    """One line of the diff table."""

    suite: str
    metric: str
    status: Status
    baseline: float | None = None
    current: float | None = None
    tolerance: float | None = None
    better: Better | None = None
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]

    def suite_passed(self, suite: str) -> bool:
        return not any(r.failed for r in self.rows if r.suite == suite)

    @property
    def passed(self) -> bool:
        return not any(r.failed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.failed]


def judge(suite: str, metric: Metric, entry: Entry) -> Row:
    """One metric against its baseline entry: limits first, then the tolerance."""
    value = metric.value

    def row(status: Status, message: str = "") -> Row:
        return Row(suite, metric.name, status, entry.value, value, entry.tolerance,
                   entry.better, message)

    limit = None
    if entry.min is not None and value < entry.min - EPSILON:
        limit = f"below the limit {entry.min:g}"
    elif entry.max is not None and value > entry.max + EPSILON:
        limit = f"above the limit {entry.max:g}"
    if limit:
        why = f" ({entry.note})" if entry.note else ""
        if entry.enforce:
            return row("breach", limit + why)
        return row("warn", limit + why + "; not enforced")
    shortfall = entry.value - value if entry.better == "higher" else value - entry.value
    if shortfall > entry.tolerance + EPSILON:
        return row("regressed", f"worse than the baseline by {shortfall:.4g} "
                                f"(tolerance {entry.tolerance:g})")
    if -shortfall > entry.tolerance + EPSILON:
        return row("improved", "better than the baseline beyond tolerance; "
                               "consider `docket eval --update-baseline`")
    return row("ok")


def compare(results: Sequence[SuiteResult], baseline: Baseline) -> Comparison:
    """Every metric of every suite that ran, against the baseline."""
    rows: list[Row] = []
    for result in results:
        if result.status == "error":
            rows.append(Row(result.suite, "(suite)", "error", message=result.error or "failed"))
            continue
        if result.status == "skipped":
            rows.append(Row(result.suite, "(suite)", "skipped", message=result.error or ""))
            continue
        entries = baseline.suites.get(result.suite)
        if entries is None:
            rows.append(Row(result.suite, "(suite)", "no-baseline",
                            message="this suite has no baseline yet; accept it with "
                                    "`docket eval --update-baseline`"))
            continue
        for metric in result.metrics:
            entry = entries.get(metric.name)
            if entry is None:
                rows.append(Row(result.suite, metric.name, "new", current=metric.value,
                                better=metric.better, message="not in the baseline yet"))
            else:
                rows.append(judge(result.suite, metric, entry))
        produced = {m.name for m in result.metrics}
        rows += [Row(result.suite, name, "missing", baseline=entry.value,
                     message="in the baseline but no longer produced")
                 for name, entry in entries.items() if name not in produced]
    return Comparison(rows)


def limits_only(results: Iterable[SuiteResult]) -> Baseline:
    """What a run with no baseline yet can still be judged on: each metric against the hard
    limits its suite proposes (``min`` / ``max``), never against an earlier value."""
    return Baseline(suites={r.suite: {m.name: Entry.seeded(m) for m in r.metrics}
                            for r in results if r.status == "ok"})


def accept(
    results: Iterable[SuiteResult], current: Baseline | None, domain: str | None = None
) -> Baseline:
    """The next baseline: the run's values, keeping each kept metric's gates.

    Only suites that ran are replaced; others are kept as they are.

    Raises:
        EvalError: a suite failed to run, or an enforced limit is breached (a leak is
            never accepted as the new normal).
    """
    suites = {name: dict(entries) for name, entries in (current.suites if current else {}).items()}
    for result in results:
        if result.status == "error":
            raise EvalError(f"suite {result.suite} did not run ({result.error}); fix it before "
                            "updating the baseline")
        if result.status == "skipped":
            continue  # does not apply to this domain: nothing to accept
        old = suites.get(result.suite, {})
        new: dict[str, Entry] = {}
        for metric in result.metrics:
            entry = old.get(metric.name) or Entry.seeded(metric)
            entry = entry.model_copy(update={"value": metric.value})
            row = judge(result.suite, metric, entry)
            if row.status == "breach":
                raise EvalError(f"{result.suite}.{metric.name} = {metric.value:.4g} is "
                                f"{row.message}; the baseline cannot accept it")
            new[metric.name] = entry
        suites[result.suite] = new
    return Baseline(updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    domain=domain or (current.domain if current else None), suites=suites)


# --- the diff table ----------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def diff_lines(comparison: Comparison, *, only_notable: bool = False) -> list[str]:
    """A plain-text diff table; with ``only_notable``, the rows that are not plain ok."""
    rows = [r for r in comparison.rows if not only_notable or r.status != "ok"]
    header = ("suite", "metric", "baseline", "current", "delta", "tol", "status")
    table = [header] + [
        (r.suite, r.metric, _number(r.baseline), _number(r.current),
         "" if r.delta is None else f"{r.delta:+.4f}",
         "" if r.tolerance is None else f"{r.tolerance:g}",
         r.status.upper() if r.failed else r.status)
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
           for line in table]
    out.insert(1, "  ".join("-" * w for w in widths))
    for r in rows:
        if r.message and r.status != "ok":
            out.append(f"{r.suite}.{r.metric}: {r.message}")
    return out


__all__ = [
    "DEFAULT_PATH", "FAILING", "Baseline", "Comparison", "Entry", "Row", "accept", "compare",
    "default_domain", "diff_lines", "judge", "limits_only", "load", "path_for", "save",
]
