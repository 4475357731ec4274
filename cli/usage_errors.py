"""Click's usage errors in Docket's words: ``error: FIELD: problem`` on one line.

Docket's own errors name the field and the problem in one sentence (``error: --as-of:
'yesterday' is not a time ...``). Click's usage errors (a missing argument, an unknown
option, a value outside its choices, a number that is not one) used to arrive in click's
own four-line shape (``Usage: ...``, ``Try ...``, a blank line, ``Error: Missing argument
'CASE'.``). :func:`sentence` says the same thing the way Docket's own errors do, and ends
with the command's usage and where its help is; the exit code stays 2 (a usage error).
"""

from __future__ import annotations

from collections.abc import Sequence

import click


class KnowsItsUsage(click.Command):
    """A command whose parse errors carry its context, so their sentence can end with its
    usage (click's option parser raises some, e.g. an option given no value, without it)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if exc.ctx is None:
                exc.ctx = ctx
            raise


class GroupKnowsItsUsage(KnowsItsUsage, click.Group):
    """A subgroup (``docket keys``) whose commands' parse errors carry their context."""

    command_class = KnowsItsUsage


def _unquoted(text: str) -> str:
    return text.strip().strip("'\"")


def _field(exc: click.UsageError) -> str | None:
    """The parameter a usage error concerns, as a user types it (``CASE``, ``--status``)."""
    hint = getattr(exc, "param_hint", None)
    if hint is not None:
        hints = [hint] if isinstance(hint, str) else list(hint)
        return " / ".join(_unquoted(h) for h in hints)
    param = getattr(exc, "param", None)
    if isinstance(param, click.Argument):
        return param.human_readable_name
    if isinstance(param, click.Option):
        long = [opt for opt in param.opts if opt.startswith("--")]
        return (long or param.opts)[0]
    option = getattr(exc, "option_name", None)
    return _unquoted(option) if option else None


def _problem(exc: click.UsageError) -> str:
    message = exc.message.strip().rstrip(".")
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        extra = (param.type.get_missing_message(param=param, ctx=exc.ctx)
                 if param is not None else None)  # fmt: skip
        return "missing" + (f"; {extra[0].lower()}{extra[1:].rstrip('.')}" if extra else "")
    if isinstance(exc, click.NoSuchOption):
        return "no such option" + _did_you_mean(exc.possibilities)
    command = getattr(exc, "command_name", None)
    if command is not None:  # click's NoSuchCommand (8.4+)
        return (f"{command!r} is not a command"
                + _did_you_mean(getattr(exc, "possibilities", None)))  # fmt: skip
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in message:
        return "needs a value"
    if message.startswith("Got unexpected extra argument"):
        extra = message.partition("(")[2].rstrip(")")
        return f"unexpected extra argument{'s' if ' ' in extra else ''}: {extra}"
    for click_words, ours in _NUMBERS:
        message = message.replace(click_words, ours)
    if message[:1].isupper() and not message[1:2].isupper():
        return message[0].lower() + message[1:]
    return message


#: Click's words for a value that is not a number, and a newcomer's.
_NUMBERS = (
    ("is not a valid integer range", "is not a whole number"),
    ("is not a valid integer", "is not a whole number"),
    ("is not a valid float range", "is not a number"),
    ("is not a valid float", "is not a number"),
)


def _did_you_mean(possibilities: Sequence[str] | None) -> str:
    return f"; did you mean {' or '.join(possibilities)}?" if possibilities else ""


def sentence(exc: click.UsageError) -> str:
    """One line, as Docket's own errors read: the field, the problem, then the usage."""
    field = _field(exc)
    problem = _problem(exc)
    text = f"{field}: {problem}" if field and not problem.startswith(repr(field)) else problem
    ctx = exc.ctx
    if ctx is None:
        return text
    usage = " ".join([ctx.command_path, *ctx.command.collect_usage_pieces(ctx)])
    return f"{text} (usage: {usage}; `{ctx.command_path} --help` says more)"


__all__ = ["GroupKnowsItsUsage", "KnowsItsUsage", "sentence"]
