"""What the console needs from :class:`assistant.service.DocketService`, and how it calls it.

The console talks to the service and nothing else. :class:`DocketPort` names the
methods it uses, so tests can pass a fake with the same shape. :class:`ServiceCaller`
runs every call on one dedicated thread, so the service (which is synchronous and may
hold SQLite connections) is never used from two threads at once and the UI never
blocks on it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, ParamSpec, Protocol, TypeVar

from assistant.views import (
    AuditView,
    CaseDetail,
    Decision,
    DomainView,
    ExplanationView,
    HealthView,
    Identity,
    PolicyPreview,
    PolicyView,
    QueuePage,
    QueueQuery,
    StatusView,
)
from events.errors import DocketError

P = ParamSpec("P")
T = TypeVar("T")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class DocketPort(Protocol):
    """The subset of ``DocketService`` the console calls."""

    def sync(self) -> int: ...

    def queue(self, query: QueueQuery = ...) -> QueuePage: ...

    def case(self, case_id: str) -> CaseDetail: ...

    def decide(self, case_id: str, decision: Decision) -> CaseDetail: ...

    def explain(self, case_id: str) -> ExplanationView: ...

    def audit(self, case_id: str, as_of: datetime | None = None) -> AuditView: ...

    def resolve_domain(self, name: str | None) -> str: ...

    def domain(self, name: str | None = None) -> DomainView: ...

    def policy(self, domain: str) -> PolicyView: ...

    def preview_policy(self, domain: str, changes: Mapping[str, Any]) -> PolicyPreview: ...

    def change_policy(
        self, domain: str, changes: Mapping[str, Any], justification: str
    ) -> PolicyView: ...

    def health(self, domain: str) -> HealthView: ...

    def status(self) -> StatusView: ...


def identity_of(service: object) -> Identity:
    """Who is acting. Adapter: the service does not (yet) promise an ``identity`` attribute.

    Looks for ``service.identity`` (an :class:`Identity`), then ``service.whoami()``.
    """
    found = getattr(service, "identity", None)
    if found is None:
        whoami = getattr(service, "whoami", None)
        if callable(whoami):
            found = whoami()
    if isinstance(found, Identity):
        return found
    name = getattr(found, "name", None)
    role = getattr(found, "role", None)
    if isinstance(name, str) and isinstance(role, str):
        return Identity(name, role)
    return Identity("unknown", "unknown")


def identity_in(service: object, domain: str) -> Identity:
    """Who acts in the console opened on ``domain``: the service is asked to act in that
    pack's operator role when no role was named (``act_in``; fakes of the port may lack it)."""
    act_in = getattr(service, "act_in", None)
    if callable(act_in):
        act_in(domain)
    return identity_of(service)


class ServiceFailure(DocketError):
    """The service failed in a way it did not name; shown as one sentence, not a crash."""


class ServiceCaller:
    """Runs blocking service calls on one dedicated thread, awaited from the event loop.

    The UI thread never waits on the store or a model. Errors that are not
    :class:`DocketError` become :class:`ServiceFailure` (one sentence, not a crash).
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docket-service")

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        call = functools.partial(fn, *args, **kwargs)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, call)
        except DocketError:
            raise
        except Exception as exc:
            raise ServiceFailure(f"{type(exc).__name__}: {exc}") from exc

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
