"""``docket eval``: run the eval suites, judge them against the baseline, write the results.

Registered lazily on the ``docket`` group (:mod:`cli.app`); ``register(cli)`` adds it eagerly::

    docket eval                       # every suite, in a fresh temporary store
    docket eval redteam replay        # some suites
    docket eval --list                # what suites there are
    docket eval --json                # the JSON result on stdout instead of the table
    docket eval --report report.md    # the Markdown report there (default: eval-results/)
    docket eval --update-baseline     # accept this run as evals/baseline.json (explicit)
    docket eval --use-store           # evaluate the store's deployed models; record there

Exit code 0 when every suite ran and the baseline passes (or was just updated), else 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli.usage_errors import KnowsItsUsage
from evals import baseline as baseline_file
from evals.registry import default_registry
from evals.report import summary_lines
from evals.runner import run, update_baseline, write_outputs
from events.errors import DocketError

DEFAULT_OUT = Path("eval-results")


class ProgressLine:
    """``progress(suite, stage, done, total)`` drawn as one updating line on stderr."""

    def __init__(self, total_suites: int) -> None:
        self.total = total_suites
        self.index = 0
        self.suite = ""
        self.last = ""
        self.tty = sys.stderr.isatty()

    def __call__(self, suite: str, stage: str, done: int, total: int) -> None:
        if suite != self.suite:
            self.suite, self.index = suite, self.index + 1
        count = f" {done}/{total}" if total > 1 else ""
        text = f"[{self.index}/{self.total}] {suite}: {stage}{count}"
        if self.tty:
            click.echo("\r\033[K" + text, nl=stage in ("ok", "error"), err=True)
        elif text != self.last and (total <= 1 or done in (0, total)):
            # A one-step stage is reported as it starts and as it ends (0 of 1, 1 of 1)
            # with the same words: a log shows it once.
            click.echo(text, err=True)
        self.last = text


@click.command("eval", cls=KnowsItsUsage)
@click.argument("suites", nargs=-1)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the JSON result on stdout instead of the table."
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown report to this file [default: OUT/report.md].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Directory for results.json (rewritten after every suite) and the report.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The committed baseline to judge against [default: the pack's own, "
    "evals/baseline.json for credit, else evals/baselines/DOMAIN.json].",
)
@click.option(
    "--update-baseline",
    "update_baseline_flag",
    is_flag=True,
    help="Accept this run's figures as the baseline for the suites run (refused when "
    "a suite fails to run or an enforced limit is breached).",
)
@click.option(
    "--use-store",
    is_flag=True,
    help="Evaluate the models deployed in the configured store and record the eval "
    "runs there [default: a fresh temporary store, models trained from the "
    "shipped data].",
)
@click.option("--domain", default=None,
              help="The pack to evaluate (default: the one the store holds, or the one "
                   "installed); judged against its own baseline (see --baseline).")
@click.option("--list", "list_only", is_flag=True, help="List the suites and exit.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    suites: tuple[str, ...],
    as_json: bool,
    report_path: Path | None,
    out_dir: Path,
    baseline_path: Path | None,
    update_baseline_flag: bool,
    use_store: bool,
    domain: str | None,
    list_only: bool,
) -> None:
    """Run the eval SUITES (all when none is named) and judge them against the baseline."""
    registry = default_registry()
    if list_only:
        for spec in registry.specs():
            click.echo(f"{spec.name:14} {spec.summary}")
        return
    try:
        specs = registry.resolve(suites)
        service = ctx.obj.service if use_store and ctx.obj is not None else None
        if domain is None:
            domain = (service.resolve_domain(None) if service is not None
                      else baseline_file.default_domain())
        if baseline_path is None:
            baseline_path = baseline_file.path_for(domain) if domain else baseline_file.DEFAULT_PATH
        results_path, report_path = out_dir / "results.json", report_path or out_dir / "report.md"
        result = run(
            list(suites),  # as asked (none: every suite), so the sentences repeat the command
            service=service,
            domain=domain,
            registry=registry,
            baseline_path=baseline_path,
            results_path=results_path,
            report_path=report_path,
            progress=ProgressLine(len(specs)),
        )
        if update_baseline_flag:
            accepted = update_baseline(result, baseline_path)
            result.baseline_problem = None
            result.comparison = baseline_file.compare(result.results, accepted)
            click.echo(
                f"baseline updated for {', '.join(r.suite for r in result.results)} "
                f"({sum(len(v) for v in accepted.suites.values())} metrics in all) in "
                f"{baseline_file.shown(baseline_path)}",
                err=True,
            )
            write_outputs(result, results_path, report_path)
        if as_json:
            click.echo(json.dumps(result.to_dict(), indent=2))
        else:
            for line in summary_lines(result):
                click.echo(line)
            if result.comparison and result.comparison.failures:
                click.echo("")
                for line in baseline_file.diff_lines(result.comparison, only_notable=True):
                    click.echo(line)
            if result.baseline_problem:
                click.echo(result.baseline_problem)
        click.echo(f"results: {results_path}; report: {report_path}", err=True)
    except DocketError as exc:
        raise click.ClickException(str(exc)) from exc
    if not result.passed:
        ctx.exit(1)


def register(cli_group: click.Group) -> None:
    """Add ``docket eval`` to the ``docket`` command group."""
    cli_group.add_command(eval_command)


__all__ = ["eval_command", "register"]
