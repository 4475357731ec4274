"""The log itself: verify the hash chain, rebuild the read models, check them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from assistant.usecases.context import Context
from events import checkpoint, queries
from events.chain import VerifyReport, walk_end
from events.chain import verify as verify_chain
from events.checkpoint import CheckpointReport
from events.deployment import Deployments
from events.readmodel_check import ReadModelReport, in_background, verify_against_log
from events.readmodel_seal import Seal, seal_at
from events.readmodels import check
from events.signing import SigningKey


def verify(
    ctx: Context, *, end: int | None = None, on_link: Callable[[int, bytes], None] | None = None
) -> VerifyReport:
    """The chain and signatures (:func:`events.chain.verify`), then the four-eyes rule on
    every model promotion up to the same end: a promotion recorded without a second
    person's approval (even correctly signed) is reported at its position. Every champion
    stopped by one person (the emergency stop) is listed in the report's ``notes``."""
    report = verify_chain(ctx.log, end=end, on_link=on_link)
    if not report.ok:
        return report
    fold = Deployments()
    fold.follow(ctx.log, stop=report.end)
    if fold.unapproved:
        position, reason = fold.unapproved[0]
        return replace(report, ok=False, first_bad_position=position, reason=reason)
    # The deliberate exception to four eyes: one person may stop a champion. It holds, and
    # every such stop is listed, naming who, when and why.
    notes = tuple(f"emergency stop at position {p}: {s}" for p, s in fold.stops)
    return replace(report, notes=notes)


def export_checkpoint(ctx: Context) -> dict[str, Any]:
    """A checkpoint of the log signed by the acting person's key (see events.checkpoint),
    with the seal of the read models a replay up to its position makes (so that a later
    ``verify`` against it replays only what changed since: events.readmodel_seal)."""
    who = ctx.who  # any enrolled person may vouch for what they verified
    key = ctx.log.signer
    assert isinstance(key, SigningKey)  # who succeeded: a held, enrolled key signs

    def sealed(position: int) -> dict[str, Any]:
        return seal_at(ctx.log, position).to_json()

    return checkpoint.export(ctx.log, key, who["actor"], key.public_key, read_models=sealed)


def verify_checkpoint(ctx: Context, data: Any) -> CheckpointReport:
    """Whether the log still holds the checkpoint's prefix unchanged; what was cut or
    rewritten otherwise. Needs no key."""
    return checkpoint.check(ctx.log, data)


def verify_against(ctx: Context, data: Any) -> tuple[CheckpointReport, VerifyReport | None]:
    """:func:`verify_checkpoint` and :func:`verify` in one walk of the log: the checkpoint's
    verdict, and the whole log's report (None when the checkpoint's own signature or signer
    failed, before any walk)."""
    made = checkpoint.claim(ctx.log, data)
    if isinstance(made, CheckpointReport):
        return made, None
    seen: dict[int, bytes] = {}
    last = walk_end(ctx.log)
    report = verify(ctx, end=last, on_link=checkpoint.landmark_keeper(made, seen))
    return checkpoint.judge(made, report, seen, last), report


def checkpoint_seal(ctx: Context, data: Any) -> Seal | None:
    """The read-model seal a checkpoint carries, when its signature holds by a key enrolled
    in the log (None otherwise, or for a checkpoint made before seals: the full check)."""
    made = checkpoint.claim(ctx.log, data)
    if isinstance(made, CheckpointReport) or "read_models" not in made.data:
        return None
    try:
        return Seal.from_json(made.position, made.data["read_models"])
    except ValueError:  # signed, so written so by its exporter: the full check runs
        return None


def record_at(ctx: Context, position: int) -> str:
    """The record holding the event at ``position``, in words: ``case german-credit-0003
    (id ...)`` for a case, ``record <id>`` otherwise, "" when no event sits there (e.g.
    it was removed)."""
    originator = ctx.log.originator_at(position)
    if originator is None:
        return ""
    with ctx.lock:
        ctx.views.catch_up(ctx.log)
        ref = queries.case_ref_of(ctx.views, str(originator))
    return f"case {ref} (id {originator})" if ref else f"record {originator}"


def verify_read_models(ctx: Context, seal: Seal | None = None) -> ReadModelReport:
    """Whether the read-model file, as found, is what the log says (position and digest);
    with a checkpoint's ``seal``, replaying only what changed since when it matches."""
    with ctx.lock:
        return verify_against_log(ctx.log, ctx.views, seal)


def start_read_model_check(ctx: Context, seal: Seal | None = None) -> Callable[[], ReadModelReport]:
    """:func:`verify_read_models` started now, in a child process when it can be (so the
    chain walk runs beside it); call the function returned for the report."""
    with ctx.lock:
        forked = in_background(ctx.log, ctx.views, seal)
    return forked if forked is not None else lambda: verify_read_models(ctx, seal)


def replay(ctx: Context) -> int:
    """Rebuild every read model from the log; return the number of events replayed."""
    return ctx.rebuild_views()


def replay_check(ctx: Context) -> list[str]:
    """Where the read models differ from a fresh replay (empty: they agree)."""
    with ctx.lock:
        return check(ctx.log, ctx.views)
