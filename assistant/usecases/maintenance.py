"""The log itself: verify the hash chain, rebuild the read models, check them."""

from __future__ import annotations

from assistant.usecases.context import Context
from events.chain import VerifyReport
from events.chain import verify as verify_chain
from events.readmodels import ReadModelReport, check, verify_against_log


def verify(ctx: Context) -> VerifyReport:
    return verify_chain(ctx.log)


def verify_read_models(ctx: Context) -> ReadModelReport:
    """Whether the read-model file, as found, is what the log says (position and digest)."""
    with ctx.lock:
        return verify_against_log(ctx.log, ctx.views)


def replay(ctx: Context) -> int:
    """Rebuild every read model from the log; return the number of events replayed."""
    return ctx.rebuild_views()


def replay_check(ctx: Context) -> list[str]:
    """Where the read models differ from a fresh replay (empty: they agree)."""
    with ctx.lock:
        return check(ctx.log, ctx.views)
