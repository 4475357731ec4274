"""The ``docket`` command group: who is acting, on which store, and one-sentence errors.

The CLI is the top layer (the composition root): it wires the application service
(:mod:`assistant.service`), the operator console (:mod:`tui`) and the eval runner
(:mod:`evals`) together, which is why it lives beside them and not inside ``assistant``.
Every command acts through :class:`assistant.service.DocketService`. Errors that Docket
raises on purpose (:class:`events.errors.DocketError`) are printed as one clear sentence
with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import functools
import gc
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from assistant import config
from cli import usage_errors
from events.errors import (
    DocketError,
    FieldProblem,
    InputRejected,
    NotAuthorised,
    StoreUnavailable,
)

if TYPE_CHECKING:  # keeps start-up fast: the service loads on first use
    from assistant.service import DocketService, SigningKey

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What every command needs: where the store is and which key acts."""

    def __init__(
        self, store: str, key: str | None, role: str | None, operator: str | None = None
    ) -> None:
        self.store = store
        self.key_path = Path(key) if key else None
        self.role = role
        self.operator = operator
        self._service: DocketService | None = None
        #: Set by the console before it opens the service (see DocketService.open).
        self.catch_up_step: int | None = None

    def held_key(self) -> SigningKey | None:
        """The key this command acts with: ``--key``/``DOCKET_KEY``, else the local default."""
        from assistant.service import SigningKey

        if self.key_path is not None:
            return SigningKey.load(self.key_path)
        default = config.default_key_path()
        return SigningKey.load(default) if default.exists() else None

    @property
    def service(self) -> DocketService:
        if self._service is None:
            from assistant.service import DocketService

            missing = config.missing_store(self.store)
            if missing is not None and _reads_only():
                raise StoreUnavailable(
                    f"no store at {missing}: `docket demo` or `docket ingest FILE` creates one"
                )
            key = self.held_key()
            try:
                service = DocketService.open(
                    self.store, keys=[key] if key else [], role=self.role,
                    catch_up_step=self.catch_up_step, on_catch_up=_say_behind,
                )  # fmt: skip
            except NotAuthorised as exc:
                # Reading needs no key: the data directory's default key, made for another
                # store, is set aside (never a key named with --key or DOCKET_KEY).
                if key is None or self.key_path is not None or not _reads_without_key():
                    raise
                click.echo(f"note: {str(exc).split(';')[0]}; reading without a key", err=True)
                service = DocketService.open(
                    self.store, keys=[], role=self.role, catch_up_step=self.catch_up_step,
                    on_catch_up=_say_behind)
            if key is not None and self.operator and service.identity.name != self.operator:
                service.close()
                raise NotAuthorised(
                    f"the key held belongs to {service.identity.name}, not {self.operator}"
                )
            self._service = service
        return self._service


#: Commands that only read the store: on a path where no store exists they say so
#: instead of creating an empty store (and its folders). Others create one.
#: (``docket policy`` and ``docket models`` still answer on a fresh path: the pack's
#: default policy, and how to train.)
READ_ONLY_COMMANDS = frozenset({
    "status", "audit", "verify", "cases", "replay", "backtest", "quality", "explain",
    "decide", "tui",
})  # fmt: skip


#: Commands that record nothing: the default key, when it is not enrolled in the store, is
#: set aside for them (``docket policy``, not ``docket policy set``).
READS_WITHOUT_KEY = frozenset({
    "status", "audit", "cases", "backtest", "quality", "domains", "reasons", "models",
    "policy", "assess", "sample", "figures",
})  # fmt: skip


#: Read models at least this far behind the log make a command say why it waits.
SAY_BEHIND = 20_000


def say_long(doing: str, events: int, cost: str) -> None:
    """Say on stderr, before a command works through a log of at least :data:`SAY_BEHIND`
    events, what it is doing and what that costs, so a long wait never looks like a freeze."""
    if events >= SAY_BEHIND:
        click.echo(f"{doing} {events:,} events: {cost}", err=True)


def _say_behind(events: int) -> None:
    """Say so, on stderr, when opening the store must first bring read models far behind the
    log up to date: on a store copied in (an auditor's copy) or with its read-model file
    removed, that is about a minute a million events, which should never look like a freeze."""
    if events >= SAY_BEHIND:
        click.echo(
            f"the read models are {events:,} events behind the log (a new read-model file, or "
            "a store copied in): catching up first, a minute or two per million events",
            err=True,
        )


def _running(commands: frozenset[str]) -> bool:
    """Whether the command being run is one of ``commands`` (``docket models``, not
    ``docket models promote``)."""
    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split()[1:] if ctx is not None else []
    return len(words) == 1 and words[0] in commands


def _reads_only() -> bool:
    """Whether the command being run only reads the store."""
    return _running(READ_ONLY_COMMANDS)


def _reads_without_key() -> bool:
    """Whether the command being run records nothing (a key not enrolled is set aside)."""
    return _running(READS_WITHOUT_KEY)


pass_context = click.make_pass_decorator(Context)


def domain_argument(required: bool = False) -> Callable[[F], F]:
    """DOMAIN as an argument or as ``--domain NAME``, as the other commands take it.

    README says commands that concern one domain take ``--domain NAME`` (or a ``DOMAIN``
    argument); a newcomer who typed ``docket quality --domain demand`` was told there is no
    such option. Both spellings reach the command as its ``domain`` parameter; naming two
    different domains is a usage error.
    """

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def merged(*args: Any, domain: str | None = None, domain_option: str | None = None,
                   **kwargs: Any) -> Any:
            if domain and domain_option and domain != domain_option:
                raise click.UsageError(
                    f"DOMAIN {domain!r} and --domain {domain_option!r} name two domains: "
                    "give one")
            chosen = domain or domain_option
            if required and not chosen:
                raise click.UsageError("Missing argument 'DOMAIN' (or --domain NAME).")
            return command(*args, domain=chosen, **kwargs)

        click.argument("domain", required=False)(merged)
        click.option("--domain", "domain_option", metavar="NAME", default=None,
                     help="The domain (the same as the DOMAIN argument).")(merged)
        return merged  # type: ignore[return-value]

    return decorate


def as_options(exc: InputRejected, option_of: dict[str, str]) -> InputRejected:
    """``exc`` with each problem named by the option the person typed (``--reason-code: ...``,
    ``--explore: must be ...``), not the service's inner field (``reason_code``,
    ``exploration.rate``); a field no option sets keeps its name."""
    problems = [
        FieldProblem(option_of.get(p.field, p.field),
                     re.sub(r"^Input should be ", "must be ", p.problem))
        for p in exc.problems
    ]
    return InputRejected(problems, exc.case_id)


def fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


class DocketGroup(usage_errors.KnowsItsUsage, click.Group):
    """Turns Docket's own errors into one clear sentence and an exit code of 1, and click's
    usage errors into one sentence in the same shape (exit code 2).

    Commands that live in the packages above the service (``docket eval`` runs the evals)
    are imported only when used, so ``docket status`` starts fast.
    """

    lazy_commands: dict[str, str] = {"eval": "cli.eval_command:eval_command"}
    command_class = usage_errors.KnowsItsUsage
    group_class = usage_errors.GroupKnowsItsUsage  # `docket keys`, `docket policy`

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            import importlib

            module, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `docket` alone: the help, as click shows it
        except click.UsageError as exc:  # a global option's bad value (`--role`)
            fail(usage_errors.sentence(exc), exc.exit_code)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `docket keys` alone: that group's help
        except click.UsageError as exc:  # click's own: missing, unknown, not a choice
            fail(usage_errors.sentence(exc), exc.exit_code)
        except click.ClickException as exc:  # a command's own, in click's shape
            fail(exc.format_message(), exc.exit_code)
        except InputRejected as exc:
            if len(exc.problems) < 2:
                fail(str(exc))
            # Several problems: one line each, said once (not again joined in the summary).
            click.secho(f"error: input rejected ({len(exc.problems)} problems):", fg="red",
                        err=True)
            for problem in exc.problems:
                click.secho(f"  {problem.field}: {problem.problem}", fg="red", err=True)
            sys.exit(1)
        except DocketError as exc:
            fail(str(exc))


@click.group(cls=DocketGroup)
@click.option(
    "--store",
    envvar="DOCKET_STORE",
    default=None,
    help="Event store: a SQLite file path or a postgresql:// URL. "
    "Default: docket.sqlite in the user data directory (see `docket status`).",
)
@click.option(
    "--key",
    envvar="DOCKET_KEY",
    default=None,
    help="Your key file: who you are is its enrolment in the log. "
    "Default: the key `docket keys init` made in the data directory.",
)
@click.option(
    "--role",
    envvar="DOCKET_ROLE",
    default=None,
    callback=lambda _ctx, _param, value: None if value is None else known_role(value),
    help="Which of your key's enrolled roles to act in (default: the pack's own role for what "
    "the command does, if the key holds it, else the key's first): one a domain pack "
    "declares (`docket domains` lists them), or admin.",
)
@click.option(
    "--operator",
    envvar="DOCKET_OPERATOR",
    default=None,
    help="Check that the key held is this person's (it grants nothing).",
)
@click.version_option(package_name="docket")
@click.pass_context
def cli(
    ctx: click.Context, store: str | None, key: str | None, role: str | None, operator: str | None
) -> None:
    """Docket: from a model's score to an owned, explained, audited decision."""
    ctx.obj = Context(store or config.default_store(), key, role, operator)


def known_role(role: str) -> str:
    """``role`` if an installed pack declares it, or admin; otherwise a one-sentence usage
    error."""
    from assistant.domains import known_roles
    from assistant.service import ADMIN_ROLE

    roles = (*known_roles(), ADMIN_ROLE)
    if role not in roles:
        raise click.BadParameter(f"{role!r} is not a role of any installed pack: "
                                 f"use one of {', '.join(roles)}", param_hint="'--role'")
    return role


def steps(label: str) -> Callable[[str], None]:
    """A step callback for long work (training, cross-validation): one line per step on
    stderr with the seconds since the start, so no step sits silent and ``--json`` output
    on stdout stays clean."""
    started = time.monotonic()

    def step(text: str) -> None:
        click.echo(f"[{time.monotonic() - started:5.1f} s] {label}: {text}", err=True)

    return step


#: Allocations (net of frees) between two young-generation collections while a long command
#: runs with its start-up frozen (CPython's default is 700).
YOUNG_THRESHOLD = 50_000


@contextmanager
def startup_frozen() -> Iterator[None]:
    """Leave what start-up made (modules, the service, the store's connections) out of the
    full garbage collections of one long command, as the console does once it has painted.

    CPython's full collection walks every tracked object, and a bulk ingest triggers one
    every few batches: with Docket's imports alive, those walks were about 9 % of an
    ingest's CPU (measured with ``gc.callbacks`` on 20,000 real credit rows: 13 full
    collections, 0.40 s of 7.4 s). ``gc.freeze()`` moves everything alive now to the
    permanent generation; what the command makes afterwards is collected as before, so its
    memory stays flat. A bulk ingest makes and drops many short-lived containers (rows,
    events, steps), so the young generation is collected every :data:`YOUNG_THRESHOLD`
    allocations instead of every 700: on 5,000 real rows with notes the collector's CPU
    went from 0.14 s to 0.05-0.08 s. On the way out the frozen objects and the collector's
    thresholds are handed back.
    """
    gc.freeze()
    saved = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)
        gc.unfreeze()


def progress(label: str) -> Callable[[int, int], None]:
    """A progress callback ``(done, total)`` drawing a bar on stderr (a running count
    when ``total`` is 0: a file read as it goes has no known length)."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total <= 0:
            if sys.stderr.isatty():
                click.echo(f"\r{label}: {done:,} rows", nl=False, err=True)
            return
        bar = state.get("bar")
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"], state["done"] = bar, 0
        bar.update(done - state["done"])
        state["done"] = done
        if done >= total:
            bar.__exit__(None, None, None)

    return update
