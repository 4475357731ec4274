"""Who acts: keys held, enrolled and revoked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant import config
from assistant.facade.base import Door
from assistant.usecases import keys as people
from assistant.views import (
    Identity,
    KeyView,
)
from events.signing import SigningKey


class PeopleDoor(Door):
    # --- keys ----------------------------------------------------------------------------------

    def init_keys(self, person: str, key: SigningKey | None = None) -> SigningKey:
        """The store's first key (``key``, or a new one): ``person`` becomes its admin and
        holds every role a person can hold."""
        return people.init(self._ctx, person, key=key)

    def enrol(
        self, person: str, roles: Sequence[str], public_key: bytes | None = None
    ) -> tuple[str, SigningKey | None]:
        """Enrol a key for ``person`` with ``roles`` (admins only); a new pair if no key."""
        return people.enrol(self._ctx, person, list(roles), public_key)

    def revoke_key(self, key_id: str, reason: str) -> KeyView:
        return people.revoke(self._ctx, key_id, reason)

    def enrolled_keys(self) -> list[KeyView]:
        return people.list_keys(self._ctx)

    def enrol_held(self, identity: Identity) -> SigningKey:
        """Enrol a new key for ``identity`` (admins only) and hold it in this process.

        For one process acting as several people on a store it set up itself (the evals'
        temporary stores, benchmarks); people normally hold only their own key.
        """
        _, made = self.enrol(identity.name, [identity.role])
        assert made is not None
        self.add_key(made)
        return made

    def add_key(self, key: SigningKey) -> None:
        """Hold another private key in this process (see :attr:`identity`)."""
        people.add_key(self._ctx, key)

    def enrol_components(self) -> list[str]:
        """Give Docket's components keys of their own (admins only), kept in the data
        directory's ``keys/components``; returns the names enrolled now."""
        return people.enrol_components(self._ctx, self.component_key_dir())

    def component_key_dir(self) -> Path:
        """Where this store's process keeps the components' key files."""
        return config.component_key_dir(self._ctx.data_dir)
