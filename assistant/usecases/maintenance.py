"""The log itself: verify the hash chain, rebuild the read models, check them."""

from __future__ import annotations

from assistant.usecases.context import Context
from events.chain import VerifyReport
from events.chain import verify as verify_chain
from events.readmodels import check, rebuild


def verify(ctx: Context) -> VerifyReport:
    return verify_chain(ctx.log)


def replay(ctx: Context) -> int:
    """Rebuild every read model from the log; return the number of events replayed."""
    with ctx.lock:
        path = ctx.views.path
        ctx.views.close()
        ctx.views = rebuild(ctx.log, path)
        return ctx.views.position()


def replay_check(ctx: Context) -> list[str]:
    """Where the read models differ from a fresh replay (empty: they agree)."""
    with ctx.lock:
        return check(ctx.log, ctx.views)
