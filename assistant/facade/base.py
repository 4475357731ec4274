"""What every part of the service's door shares: the use cases' context and the domain.

:class:`assistant.service.DocketService` is assembled from the parts in this package, one
concept each; every method hands over to one use-case module (:mod:`assistant.usecases`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.domains import pack_roles
from assistant.usecases import (
    domains,
)
from assistant.usecases.context import Context
from assistant.views import (
    DomainView,
    Identity,
)
from events.app import DecisionLog
from events.readmodels import ReadModels


class Door:
    """The shared context (built by :meth:`assistant.service.DocketService.open`)."""

    _ctx: Context

    # --- what the use cases share ------------------------------------------------------------

    @property
    def log(self) -> DecisionLog:
        return self._ctx.log

    @property
    def views(self) -> ReadModels:
        return self._ctx.views

    @property
    def identity(self) -> Identity:
        """Who is acting; what is recorded from now on is recorded as done by them."""
        return self._ctx.identity

    @identity.setter
    def identity(self, identity: Identity) -> None:
        """Act as another identity; recording needs a held key that backs it."""
        self._ctx.role_named = True
        self._ctx.act(identity)

    def act_in(self, domain: str | None = None) -> Identity:
        """Act from now on in ``domain``'s operator role (else its senior's, else the first of
        its owner, auditor and engineer roles) when no role was named and the acting key holds
        one: the console opened on one pack, by an admin whose key holds every installed
        pack's roles, acts as that pack's operator, and a policy owner of two packs opening it
        on one of them as that pack's owner, not as another pack's. A named role is kept.
        Returns who acts now."""
        roles = pack_roles(self.resolve_domain(domain)).all  # operator and senior first
        with self._ctx.lock:
            return self._ctx.settle_in_pack_role(roles)

    def acting_in(self, roles: Sequence[str]) -> Identity:
        """Who acts for a duty of one of ``roles`` (e.g. a pack's owner role, for its policy
        work): the acting person in the first of them their key holds when no role was named,
        else as they are. Nothing changes (see :meth:`act_in`)."""
        with self._ctx.lock:
            return self._ctx.pack_identity(roles)

    @property
    def store_url(self) -> str:
        return self._ctx.store_url

    @property
    def data_dir(self) -> Path:
        return self._ctx.data_dir

    @property
    def models_dir(self) -> Path:
        return self._ctx.models_dir

    def sync(self) -> int:
        """Bring the read models up to date with the log (by one step at most, when the
        service was opened with ``catch_up_step``); return how many events applied."""
        return self._ctx.sync()

    def event_count(self) -> int:
        """How many events the log holds (its last position)."""
        with self._ctx.lock:
            return self._ctx.log.event_count()

    def behind(self) -> int:
        """How many of the log's events the read models have not applied yet."""
        with self._ctx.lock:
            return self._ctx.views.behind(self._ctx.log)

    # --- domains ------------------------------------------------------------------------------

    def domains(self) -> list[DomainView]:
        """The installed packs with the decision each declares (``docket domains``)."""
        return domains.domains(self._ctx)

    @staticmethod
    def installed_domains() -> list[DomainView]:
        """The installed packs with the decision each declares, read without a store (a
        path where none exists yet stays empty): ``docket domains`` before the first one."""
        return domains.installed()

    def domain(self, name: str | None = None) -> DomainView:
        """One pack's declaration: ``name``, or the domain this store holds (see
        :meth:`resolve_domain`)."""
        return domains.domain_view(self.resolve_domain(name))

    def resolve_domain(self, name: str | None) -> str:
        """``name`` if given, else the one domain this store holds (or the one installed).

        Raises:
            InputRejected: several domains fit; the message lists them.
            NotFound: no installed pack has that name.
        """
        return self._ctx.resolve_domain(name)
