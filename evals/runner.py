"""Run suites against a service, judge them against the baseline, write results as they come.

A suite that crashes becomes an ``error`` result (one sentence) and the others still run;
the JSON result and the report are rewritten after every suite, so a run cut short leaves
what it had. Each suite run is recorded in the store as an ``EvalRun`` event.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.views import Identity
from evals import baseline as baseline_file
from evals.core import EvalContext, Progress, SuiteResult, no_progress, run_task
from evals.errors import EvalError, MissingBaseline, SuiteSkipped
from evals.registry import Registry, default_registry
from evals.report import markdown
from evals.results import RunResult
from events.errors import DocketError

if TYPE_CHECKING:
    from assistant.service import DocketService

#: Who the evals act as when they open their own temporary store.
EVALS_IDENTITY = Identity("docket/evals", "system")


@contextmanager
def temporary_service(identity: Identity = EVALS_IDENTITY) -> Iterator[DocketService]:
    """A service on a fresh store and data directory, removed afterwards."""
    from assistant.service import DocketService

    with tempfile.TemporaryDirectory(prefix="docket-evals-") as folder:
        root = Path(folder)
        service = DocketService.open(str(root / "evals.sqlite"), data_dir=root / "data")
        # A fresh store: the evals enrol their own admin, then act with a key of their own.
        service.init_keys("evals-admin")
        service.enrol_held(identity)
        service.identity = identity
        try:
            yield service
        finally:
            service.close()


def one_sentence(exc: BaseException) -> str:
    """Docket's errors already are one sentence; anything else gets its type named."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, DocketError) else f"{type(exc).__name__}: {text}"


def run_suite(task_name: str, registry: Registry, ctx: EvalContext) -> SuiteResult:
    started = time.perf_counter()
    try:
        return run_task(registry.resolve([task_name])[0].task(), ctx)
    except SuiteSkipped as exc:
        return SuiteResult(task_name, "skipped", error=str(exc),
                           seconds=time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - one suite's crash must not lose the others
        return SuiteResult(task_name, "error", error=one_sentence(exc),
                           seconds=time.perf_counter() - started)


def _recorded(result: SuiteResult, run: RunResult) -> dict[str, Any]:
    failures = [r for r in (run.comparison.failures if run.comparison else [])
                if r.suite == result.suite]
    return {
        "status": result.status,
        "error": result.error,
        "seconds": round(result.seconds, 3),
        "samples": result.samples,
        "metrics": {m.name: {"value": m.value, "ci": list(m.ci) if m.ci else None}
                    for m in result.metrics},
        "failures": [f"{r.metric}: {r.status} {r.message}".strip() for r in failures],
        "baseline_problem": run.baseline_problem,
    }


def write_outputs(run: RunResult, results_path: Path | None, report_path: Path | None) -> None:
    if results_path:
        run.write_json(results_path)
    if report_path:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(markdown(run), encoding="utf-8")


def run(
    names: Sequence[str] = (),
    *,
    service: DocketService | None = None,
    domain: str | None = None,
    registry: Registry | None = None,
    baseline_path: Path | None = baseline_file.DEFAULT_PATH,
    results_path: Path | None = None,
    report_path: Path | None = None,
    progress: Progress = no_progress,
    record: bool = True,
    _store_note: str = "",
) -> RunResult:
    """Run the named suites (all when empty) and judge them against the baseline.

    With no ``service``, a temporary store is opened (and removed afterwards): the models
    are trained from the domain's shipped data, so a run is reproducible anywhere.
    ``baseline_path=None`` skips the judgement (e.g. when accepting a new baseline).

    Raises:
        UnknownSuite: before anything runs.
    """
    registry = registry or default_registry()
    specs = registry.resolve(names)
    if service is None and domain is None:
        domain = baseline_file.default_domain()  # a fresh store: the default file's pack
    if service is None:
        with temporary_service() as temporary:
            return run(names, service=temporary, domain=domain, registry=registry,
                       baseline_path=baseline_path, results_path=results_path,
                       report_path=report_path, progress=progress, record=record,
                       _store_note=" (temporary: removed after the run, with its eval-run events)")
    if domain is None and not any(view.cases for view in service.domains()):
        domain = baseline_file.default_domain()  # an empty store: the default file's pack
    domain = service.resolve_domain(domain)
    started = time.perf_counter()
    result = RunResult(started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                       suites_requested=[s.name for s in specs],
                       context={"store": service.store_url + _store_note, "domain": domain})
    baseline: baseline_file.Baseline | None = None
    first_run = False
    if baseline_path is not None:
        try:
            baseline = baseline_file.load(baseline_path)
        except MissingBaseline:
            result.baseline_problem = _first_run(names, domain, baseline_path)
            first_run = True  # judged on its suites' own hard limits only
        except EvalError as exc:
            result.baseline_problem = str(exc)
        if baseline is not None and baseline.domain not in (None, domain):
            shown = baseline_file.shown(baseline_path)
            result.baseline_problem = (f"{shown} holds the {baseline.domain} baseline, "
                                       f"not {domain}'s: judge {domain} against its own")
            baseline = None
    ctx = EvalContext(service, domain=domain, progress=progress)
    try:
        for spec in specs:
            progress(spec.name, "starting", 0, 1)
            outcome = run_suite(spec.name, registry, ctx)
            result.results.append(outcome)
            if first_run:
                result.comparison = baseline_file.compare(
                    result.results, baseline_file.limits_only(result.results))
            elif baseline is not None:
                result.comparison = baseline_file.compare(result.results, baseline)
            if record:
                try:
                    result.run_ids[spec.name] = service.record_eval_run(
                        spec.name, _recorded(outcome, result), result.suite_passed(spec.name))
                except Exception as exc:  # noqa: BLE001 - the figures still count
                    outcome.notes.append(f"could not record the eval run: {one_sentence(exc)}")
            progress(spec.name, outcome.status, 1, 1)
            result.seconds = time.perf_counter() - started
            write_outputs(result, results_path, report_path)
        result.complete = True
        result.context["champion"] = _champion(service, domain)
    finally:
        result.seconds = time.perf_counter() - started
        write_outputs(result, results_path, report_path)
    return result


def _first_run(names: Sequence[str], domain: str, path: Path) -> str:
    """One sentence for a pack with no baseline yet: what was judged, how to record one."""
    shown = baseline_file.shown(path)
    where = "" if path == baseline_file.path_for(domain) else f" --baseline {shown}"
    command = " ".join(["docket eval", *names, f"--domain {domain}{where} --update-baseline"])
    return (f"{domain} has no eval baseline yet (no file at {shown}), so these figures were "
            f"checked only against their suites' own limits; once they look right, record "
            f"them as its first baseline with `{command}`")


def _champion(service: DocketService, domain: str) -> str:
    try:
        champions = [m.version for m in service.models(domain) if m.status == "champion"]
    except DocketError:
        return "unknown"
    return ", ".join(champions) or "none (baseline rules)"


def update_baseline(run_result: RunResult, path: Path = baseline_file.DEFAULT_PATH
                    ) -> baseline_file.Baseline:
    """Accept ``run_result`` as the new baseline for the suites it ran (explicit only)."""
    if not run_result.complete:
        raise EvalError("the run did not complete; the baseline is left as it was")
    current = baseline_file.load(path) if path.exists() else None
    domain = run_result.context.get("domain")
    if current is not None and current.domain not in (None, domain):
        raise EvalError(f"{path} holds the {current.domain} baseline; {domain}'s has its own "
                        "file")
    accepted = baseline_file.accept(run_result.results, current, domain)
    baseline_file.save(accepted, path)
    return accepted


__all__ = [
    "EVALS_IDENTITY", "one_sentence", "run", "temporary_service", "update_baseline",
    "write_outputs",
]
