"""The decision log: an eventsourcing ``Application`` over the hash-chained store.

Open it with :func:`events.store.open_log`, never directly (the store module
picks the backend, checks the store and translates errors). Keep a reference
to the log while you use it: its ``__del__`` closes the connection pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from events.chain import NO_KEY, CoSigned, Signer
from events.domain import Case, ModelVersion, Policy
from events.domain.case import logical_events
from events.domain.case_steps import authors
from events.errors import ConflictError, NotAuthorised, NotFound

A = TypeVar("A", bound=Aggregate)


class DecisionLog(Application[UUID]):
    """The one source of truth: every case, decision, policy and model event.

    Attributes:
        url: The store URL it was opened with (password removed), for messages.
    """

    name = "DecisionLog"  # fixes the PostgreSQL table name (decisionlog_events)
    is_snapshotting_enabled = False
    url: str = ""
    #: Keys of Docket's components held by this process, by component name
    #: (``docket/orchestrator``...): each co-signs the batches holding its events.
    component_keys: Mapping[str, Signer] = MappingProxyType({})  # replaced per log
    #: Components enrolled with a key of their own (as the key ring said when last asked):
    #: recording in their name without holding their key is refused.
    enrolled_components: frozenset[str] = frozenset()
    #: Where this process looks for those keys (set by whoever opens the log), so a
    #: refusal can say which folder to copy them into.
    component_key_dir: str = ""

    @property
    def chained_recorder(self) -> Any:
        """The recorder, typed loosely: both Docket recorders offer ``select_chain``."""
        return self.recorder

    # --- writing -------------------------------------------------------------------------

    @property
    def signer(self) -> Signer | None:
        """The key that signs every batch this log saves (None: nothing may be saved)."""
        return getattr(self.recorder, "signer", None)

    @signer.setter
    def signer(self, key: Signer | None) -> None:
        self.recorder.signer = key  # type: ignore[attr-defined]

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save the pending events of all ``objs`` in ONE transaction (all or nothing),
        signed by :attr:`signer`.

        Raises:
            NotAuthorised: no key is held.
            ConflictError: another writer saved one of these aggregates first.
        """
        acting = self.signer
        if acting is None:
            raise NotAuthorised(NO_KEY)
        cosigners = self._cosigners(objs, acting)
        if cosigners:
            self.signer = CoSigned(acting, *cosigners)
        try:
            return self._save(objs, kwargs)
        except IntegrityError as exc:
            raise ConflictError(
                "another writer changed the same record first; reload and try again"
            ) from exc
        finally:
            self.signer = acting

    def _cosigners(self, objs: tuple[Any, ...], acting: Signer) -> list[Signer]:
        """The held keys of the components whose events are among ``objs``' pending ones."""
        if not self.component_keys and not self.enrolled_components:
            return []
        names = {
            actor
            for obj in objs
            for event in getattr(obj, "pending_events", ())
            for actor, _ in authors(vars(event))  # an Assessed event's steps' too
            if isinstance(actor, str)
        }
        missing = sorted((names & self.enrolled_components) - set(self.component_keys))
        if missing:
            raise NotAuthorised(
                f"recording for {missing[0]} needs its key, which this process does not hold "
                "(copy the component key files into "
                f"{self.component_key_dir or 'the data directory’s keys/components'}, "
                "or point DOCKET_DATA_DIR at the data directory that holds them)"
            )
        return [key for name, key in sorted(self.component_keys.items())
                if name in names and key.key_id != acting.key_id]  # fmt: skip

    def _save(self, objs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``Application.save`` (same steps, same order), except that an aggregate is
        recognised by its class: the library checks every object against a typing
        Protocol, which walks the protocol's attributes each time (about 8 % of a bulk
        ingest's CPU on Python 3.11)."""
        processing = ProcessingEvent[UUID]()
        taken: list[tuple[Aggregate, list[Any]]] = []
        for obj in objs:
            if isinstance(obj, Aggregate):
                events = list(obj.collect_events())
                taken.append((obj, events))
                processing.events.extend(events)
                processing.aggregates[obj.id] = obj
            else:
                processing.collect_events(obj)
        processing.saved_kwargs.update(kwargs)
        try:
            recordings = self._record(processing)
        except BaseException:
            # The library has already taken the events off the aggregates; a refused
            # transaction recorded none of them, so they go back: a caller that retries
            # (saving only the new ones of a batch) must not save empty aggregates and
            # then acknowledge cases that were never recorded.
            for obj, events in taken:
                obj.pending_events[:0] = events
            raise
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # the library's deprecated hook, as it calls it
        return recordings

    def save_in_batches(
        self,
        aggregates: Iterable[Aggregate],
        *,
        batch_size: int = 500,
        on_commit: Callable[[list[UUID]], None] | None = None,
    ) -> int:
        """Save many aggregates, ``batch_size`` per transaction; return how many were saved.

        ``on_commit(ids)`` runs after each batch is durably committed: only then
        may a caller acknowledge those ids to anyone.
        """
        saved = 0
        batch: list[Aggregate] = []
        for aggregate in aggregates:
            batch.append(aggregate)
            if len(batch) >= batch_size:
                saved += self._save_batch(batch, on_commit)
                batch = []
        if batch:
            saved += self._save_batch(batch, on_commit)
        return saved

    def _save_batch(
        self, batch: list[Aggregate], on_commit: Callable[[list[UUID]], None] | None
    ) -> int:
        self.save(*batch)
        if on_commit is not None:
            on_commit([a.id for a in batch])
        return len(batch)

    def update(
        self, aggregate_id: UUID | str, change: Callable[[A], object], *, attempts: int = 5
    ) -> A:
        """Read-modify-write one aggregate with optimistic concurrency.

        Loads the aggregate, applies ``change`` (a command such as
        ``lambda case: case.accept(actor=..., role=...)``) and saves. When another
        process saved first, reloads and applies ``change`` again, so the command
        sees the other writer's events: a second decision then raises
        ``AlreadyDecided`` rather than silently winning.

        Raises:
            NotFound: no such aggregate.
            ConflictError: still conflicting after ``attempts`` tries.
            DocketError: whatever the command raises (AlreadyDecided, InputRejected ...).
        """
        for _ in range(attempts):
            aggregate: A = self.get(aggregate_id)
            change(aggregate)
            try:
                self.save(aggregate)
            except ConflictError:
                continue
            return aggregate
        raise ConflictError(f"record {aggregate_id} kept changing under us; try again")

    def update_many(
        self,
        changes: Iterable[tuple[UUID | str, Callable[[Any], object]]],
        *,
        batch_size: int = 500,
    ) -> int:
        """Apply many read-modify-write changes, committing ``batch_size`` records per
        transaction instead of one each; return how many changes were applied.

        Each batch loads its records, applies each change and saves them together. If
        another writer saved one of them first, that batch is redone one change at a time
        through :meth:`update` (which reloads and retries), so nothing is lost or doubled.
        When a change raises, the changes before it in its batch are saved first and the
        error propagates, as :meth:`update` one by one would have left them.
        """
        applied = 0
        batch: list[tuple[UUID | str, Callable[[Any], object]]] = []
        for item in changes:
            batch.append(item)
            if len(batch) >= batch_size:
                applied += self._update_batch(batch)
                batch = []
        if batch:
            applied += self._update_batch(batch)
        return applied

    def _update_batch(self, batch: list[tuple[UUID | str, Callable[[Any], object]]]) -> int:
        loaded: dict[UUID | str, Any] = {}
        done = 0
        try:
            for aggregate_id, change in batch:
                if aggregate_id not in loaded:
                    loaded[aggregate_id] = self.get(aggregate_id)
                change(loaded[aggregate_id])
                done += 1
        finally:  # a change that raised leaves the ones before it to be saved
            if done:
                try:
                    self.save(*loaded.values())
                except ConflictError:
                    for aggregate_id, change in batch[:done]:
                        self.update(aggregate_id, change)
        return done

    # --- reading -------------------------------------------------------------------------

    def get(self, aggregate_id: UUID | str) -> Any:
        """Current state of any aggregate. Raises NotFound."""
        uid = aggregate_id if isinstance(aggregate_id, UUID) else _parse_uuid(aggregate_id)
        try:
            return self.repository.get(uid)
        except AggregateNotFoundError as exc:
            raise NotFound(f"no record with id {aggregate_id}") from exc

    def case(self, case_id: UUID | str) -> Case:
        """The case with this id. Raises NotFound."""
        found = self.get(case_id)
        if not isinstance(found, Case):
            raise NotFound(f"{case_id} is not a case")
        return found

    def policy(self, domain: str) -> Policy:
        """The domain's policy. Raises NotFound."""
        found = self.get(Policy.id_for(domain))
        assert isinstance(found, Policy)
        return found

    def model_version(self, domain: str, version: str) -> ModelVersion:
        """A registered model version. Raises NotFound."""
        found = self.get(ModelVersion.id_for(domain, version))
        assert isinstance(found, ModelVersion)
        return found

    def events_of(self, aggregate_id: UUID | str) -> list[Any]:
        """Every event of one record, oldest first, upcast to today's event classes; a case's
        ``Assessed`` event as the logical events it stands for (``Opened``, ``Scored`` ...:
        see :func:`events.domain.case.logical_events`)."""
        uid = aggregate_id if isinstance(aggregate_id, UUID) else _parse_uuid(aggregate_id)
        to_domain = self.mapper.to_domain_event
        return [e for s in self.recorder.select_events(uid) for e in logical_events(to_domain(s))]

    def first_event(self, aggregate_id: UUID | str) -> Any | None:
        """The event that created one record (one row read), upcast; None if there is none
        (a case's ``Assessed`` event: the ``Opened`` it stands for)."""
        uid = aggregate_id if isinstance(aggregate_id, UUID) else _parse_uuid(aggregate_id)
        found = self.recorder.select_events(uid, limit=1)
        return logical_events(self.mapper.to_domain_event(found[0]))[0] if found else None

    def events_of_kind(self, *kinds: type[Any], page: int = 5000) -> Iterator[Any]:
        """Every event of these classes in log order, upcast, read a page at a time."""
        topics = [get_topic(kind) for kind in kinds]
        start = 1
        while True:
            found = self.recorder.select_notifications(start, page, topics=topics)
            if not found:
                return
            for notification in found:
                yield self.mapper.to_domain_event(notification)
            start = found[-1].id + 1

    def exists(self, aggregate_id: UUID) -> bool:
        """Whether any event was recorded for this id (cheap: reads at most one row)."""
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def originator_at(self, position: int) -> UUID | None:
        """The record (e.g. case) whose event sits at this log position; None if none does."""
        found = self.recorder.select_notifications(position, 1)
        if not found or found[0].id != position:
            return None
        originator = found[0].originator_id
        return originator if isinstance(originator, UUID) else UUID(str(originator))

    def event_count(self) -> int:
        """The highest notification id: how many events the log holds (ids have no gaps
        on SQLite; on PostgreSQL rolled-back inserts can leave gaps)."""
        return int(self.recorder.max_notification_id() or 0)


def _parse_uuid(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as exc:
        raise NotFound(f"{text!r} is not a record id") from exc
