"""Test people: keys enrolled in one store by a root admin, as a deployment would do.

Roles come from the log (``docket keys enrol``), never from what a test passes, so a
test acting as ``("rita", "risk_owner")`` first has rita's key enrolled with that role.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.service import DocketService
from assistant.views import PolicyView
from events.signing import SigningKey

ROOT = "root"
#: The People of each store open in this test process (see :meth:`People.of`).
_BY_STORE: dict[str, People] = {}


class People:
    """Keys for ``(name, role)`` pairs in the store at ``store``, made on first use."""

    def __init__(self, store: str, data_dir: Path) -> None:
        self.store, self.data_dir = store, data_dir
        self.keys: dict[tuple[str, str], SigningKey] = {}
        self._admin: DocketService | None = None
        _BY_STORE[store] = self

    @classmethod
    def of(cls, store: str, data_dir: Path) -> People:
        """The People of ``store`` (made on first use), for helpers given only a service."""
        return _BY_STORE.get(store) or cls(store, data_dir)

    def admin(self) -> DocketService:
        """The root admin's service (the store's first key, made here if none)."""
        if self._admin is None:
            service = DocketService.open(self.store, data_dir=self.data_dir)
            self.root = service.init_keys(ROOT)
            self._admin = service
        return self._admin

    def key(self, name: str, role: str) -> SigningKey:
        """A key enrolled for ``name`` holding ``role``."""
        found = self.keys.get((name, role))
        if found is None:
            admin = self.admin()
            if name == ROOT:
                found = self.root
            else:
                _, made = admin.enrol(name, [role])
                assert made is not None
                found = made
            self.keys[(name, role)] = found
        return found

    def save(self, name: str, role: str, folder: Path) -> Path:
        """Write ``name``'s key for ``role`` to a file (for the CLI's ``--key``)."""
        path = folder / f"{name.replace('/', '_')}-{role}.key"
        if not path.exists():
            self.key(name, role).save(path)
        return path

    def close(self) -> None:
        _BY_STORE.pop(self.store, None)
        if self._admin is not None:
            self._admin.close()


def change_policy_now(
    service: DocketService, domain: str, changes: Mapping[str, Any], justification: str
) -> PolicyView:
    """Propose a change with ``service`` and have a second person holding the owner role
    approve it (four eyes), for tests whose subject is what the changed policy does."""
    proposed = service.change_policy(domain, changes, justification)
    people = People.of(service.store_url, service.data_dir)
    owner = proposed.owner_role
    checker = DocketService.open(service.store_url, keys=[people.key("rob", owner)], role=owner,
                                 data_dir=service.data_dir)  # fmt: skip
    try:
        checker.approve_policy_change(domain, proposed.pending[-1].number)
    finally:
        checker.close()
    return service.policy(domain)
