"""The application service: the only door into Docket.

The CLI, the TUI and the evals open cases, decide, record outcomes and change policies
through :class:`DocketService`, so every action is validated, authorised and logged the
same way. Writes go to the log (``events``); reads come from the read models, which
follow the log (:meth:`DocketService.sync`).

This class is a thin facade, assembled from the parts in :mod:`assistant.facade` (cases,
governance, monitoring, the log, people), one concept each: each method hands over to one
use-case module in :mod:`assistant.usecases` (intake, deciding, explaining, reading, policy, models,
training, monitoring, evaluation, maintenance), all sharing one
:class:`~assistant.usecases.context.Context`. Read those modules top-down to see how a
request becomes events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from assistant import config
from assistant.facade.cases import CasesDoor
from assistant.facade.governance import GovernanceDoor
from assistant.facade.log import LogDoor
from assistant.facade.monitoring import MonitoringDoor
from assistant.facade.people import PeopleDoor
from assistant.usecases.context import SYSTEM, Context
from assistant.usecases.keys import load_component_keys
from assistant.views import Identity
from events.app import DecisionLog
from events.domain import KEY_ADMIN
from events.errors import ModelError, NotAuthorised
from events.readmodels import ReadModels
from events.signing import SigningKey, parse_public_key
from events.store import open_log, open_readmodels, setup_postgres


class DocketService(CasesDoor, GovernanceDoor, MonitoringDoor, LogDoor, PeopleDoor):
    """Everything a front end may do. Construct with :meth:`open`."""

    def __init__(
        self,
        log: DecisionLog,
        views: ReadModels,
        *,
        identity: Identity,
        store_url: str,
        data_dir: Path,
    ) -> None:
        self._ctx = Context(log, views, identity, store_url, data_dir)

    @classmethod
    def open(
        cls,
        store: str | None = None,
        *,
        identity: Identity | None = None,
        keys: Sequence[SigningKey] = (),
        role: str | None = None,
        data_dir: str | Path | None = None,
        catch_up_step: int | None = None,
        on_catch_up: Callable[[int], None] | None = None,
    ) -> DocketService:
        """Open (or create) the store at ``store`` (SQLite path or ``postgresql://`` URL).

        With ``catch_up_step`` (the console), read models far behind the log are brought
        up to date at most that many events per :meth:`sync`, never all at once here.
        Otherwise they are brought up to date here, and ``on_catch_up`` is first told how
        many events that applies (a front end says why it waits).

        Who acts comes from ``keys`` (the private keys held): with no ``identity``, the
        holder of the first key as enrolled in the log, in ``role`` (one the key holds)
        or else its first role. Without a key the service reads but records nothing.

        Raises:
            StoreUnavailable / IncompatibleStore: one clear sentence, no traceback.
            NotAuthorised: the key is not enrolled, or does not hold ``role``.
        """
        folder = Path(data_dir) if data_dir else config.data_dir()
        url = store or config.default_store()
        log = open_log(url)
        views = open_readmodels(url, folder, log=log)
        views.step = catch_up_step
        if views.added_columns and views.position() > 0:
            # Made by an older Docket: the new columns are empty for the events already
            # applied (e.g. which cases were explored), so refill them from the log.
            views = views.rebuilt(log)
        anonymous = Identity(config.default_operator(), role or "operator")
        service = cls(log, views, identity=identity or anonymous, store_url=url, data_dir=folder)
        service._ctx.wallet.extend(keys)
        # Docket's components co-sign what they record with their own keys (see
        # ``enrol_components``); held here so every process recording for them can.
        log.component_key_dir = str(config.component_key_dir(folder))
        service._ctx.wallet.extend(load_component_keys(config.component_key_dir(folder)))
        if identity is None and keys:
            record = service._ctx.holder(keys[0])
            if record is None:
                service.close()
                raise NotAuthorised(
                    f"key {keys[0].key_id} is not enrolled in this store (or was revoked); "
                    "an admin enrols it with `docket keys enrol`"
                )
            if role is not None and role not in record.roles:
                service.close()
                raise NotAuthorised(
                    f"{record.person}'s key does not hold role {role!r} (it holds "
                    f"{', '.join(record.roles)}); a role must be granted by an admin"
                )
            identity = Identity(record.person, role or record.roles[0])
            # A key holding several packs' roles, no role named: each pack's own is used.
            service._ctx.role_named = role is not None
        service._ctx.act(identity or anonymous)
        if on_catch_up is not None and catch_up_step is None and (behind := service.behind()):
            on_catch_up(behind)
        service.sync()
        return service

    @staticmethod
    def setup_postgres(store: str, writer: str, *, password: str | None = None) -> list[str]:
        """As the PostgreSQL store's owner: tables, append-only triggers, and a ``writer``
        role with INSERT and SELECT only (see :mod:`events.pg_guard`); what was done."""
        return setup_postgres(store, writer, password=password)

    def close(self) -> None:
        """Close the store; waits for a read in progress on another thread (the console's
        workers) instead of closing its connections under it."""
        with self._ctx.lock:
            self._ctx.views.close()
            self._ctx.log.close()


#: The role that manages keys (and may seal the read models), beside the packs' roles.
ADMIN_ROLE = KEY_ADMIN

__all__ = [
    "ADMIN_ROLE", "SYSTEM", "DocketService", "ModelError", "SigningKey", "parse_public_key",
]  # fmt: skip
