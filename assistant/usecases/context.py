"""What every use case shares: the log, the read models, who is acting, and the domains.

One :class:`Context` is built by :meth:`assistant.service.DocketService.open` and handed to
the use-case functions (``intake``, ``deciding``, ``explaining``, ...). It owns the
per-domain cache (pack, policy and orchestrator, rebuilt when the policy or the champion
changes) and the lock that lets the console call the service from worker threads. Who
acts, and with which key, is its :class:`~assistant.usecases.acting.Acting` part.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from assistant.domains import (
    available_packs,
    get_pack,
    get_quantity_pack,
    is_quantity_pack,
    pack_roles,
)
from assistant.domains.base import DomainPack
from assistant.forecasting import Forecaster
from assistant.orchestrator import Orchestrator
from assistant.policies import PolicySpec
from assistant.policies.quantity import QuantityPolicy
from assistant.usecases.acting import COMPONENTS, READ_MODELS, SYSTEM, SYSTEM_WHO, Acting, Who
from assistant.views import Identity
from events import queries
from events.app import DecisionLog
from events.deployment import Deployed, Deployments
from events.domain import Alert, Case, Policy
from events.errors import ConflictError, FieldProblem, InputRejected, NotAuthorised, NotFound
from events.keyring import KeyRing
from events.readmodels import ReadModels
from events.signing import SigningKey


@dataclass
class Domain:
    """Everything the decision path needs for one domain, loaded once and reused."""

    pack: DomainPack
    spec: PolicySpec
    policy_version: int
    orchestrator: Orchestrator
    champion: str | None


@dataclass
class QuantityDomain:
    """The decision path of a "how much" pack: its policy and forecaster, loaded once."""

    policy: QuantityPolicy
    policy_version: int
    forecaster: Forecaster
    champion: str | None


def misnamed(ref: str, case_id: UUID | str, opened: object) -> str:
    """Why the read models lie about a case's reference, in words (a rebuild's reason)."""
    return (f"the read models give reference {ref!r} to case {case_id}, which the log opened "
            f"as {opened!r}")  # fmt: skip


@dataclass
class Context(Acting):
    """The shared state of one open store, for one acting identity."""

    log: DecisionLog
    views: ReadModels
    identity: Identity
    store_url: str
    data_dir: Path
    domains: dict[str, Domain] = field(default_factory=dict)
    quantity_domains: dict[str, QuantityDomain] = field(default_factory=dict)
    # Queue totals by (position, filter): counting 100,000 rows costs more than a page.
    counts: dict[tuple[Any, ...], int] = field(default_factory=dict)
    # The TUI calls the service from worker threads; SQLite connections and the domain
    # cache are not shared safely without this.
    lock: threading.RLock = field(default_factory=threading.RLock)
    # Champion and shadow models as the log says (never as the read-model file says).
    deployments: Deployments = field(default_factory=Deployments)
    #: Why the read models were last rebuilt by this context (None: never).
    rebuilt_because: str | None = None
    # Queue rows already found to match the log, by case id (a page shown again, or paged
    # back to, is not folded again unless its row changed).
    shown: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # The private keys this process holds; the acting identity must be backed by one.
    wallet: list[SigningKey] = field(default_factory=list)
    # Who holds which key with which roles, as the log says (refreshed incrementally).
    ring: KeyRing = field(default_factory=KeyRing)
    # False when the role was not named (see Acting.in_pack_role).
    role_named: bool = True

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def artifact_dir(self, version: str) -> Path:
        return self.models_dir / version

    def sync(self, saved: Iterable[Case] = ()) -> int:
        """Bring the read models up to date with the log; return how many events applied.
        ``saved``: cases just saved here, whose states are taken as they are (not re-read)."""
        with self.lock:
            return self.views.catch_up(self.log, saved=saved)

    def domain(self, name: str) -> Domain:
        """The domain's pack, current policy and orchestrator (champion + shadow models)."""
        with self.lock:
            cached = self.domains.get(name)
            policy = self.policy(name)
            found = self.deployed(name)
            if (
                cached
                and cached.policy_version == policy.policy_version
                and cached.champion == found.champion
            ):
                return cached
            pack = get_pack(name)
            spec = PolicySpec.model_validate(policy.spec)
            orchestrator = Orchestrator.from_artifacts(
                pack,
                spec,
                champion=self.artifact_dir(found.champion) if found.champion else None,
                challengers=[self.artifact_dir(v) for v in found.shadows],
                # Every case decided while a stop holds records who stopped it and why.
                no_champion=self.models().stopped(name),
            )
            domain = Domain(pack, spec, policy.policy_version, orchestrator, found.champion)
            self.domains[name] = domain
            return domain

    def resolve_domain(self, domain: str | None) -> str:
        """``domain`` when given (it must be an installed pack); otherwise the one domain
        this store holds, or the one pack installed. Raises InputRejected naming the
        choices when that is ambiguous, NotFound for an unknown pack."""
        if domain:
            if domain not in available_packs():
                get_pack(domain)  # NotFound, listing the installed packs
            return domain
        self.sync()
        installed = available_packs()
        found = [d for d in queries.store_domains(self.views) if d in installed]
        if len(found) == 1:
            return found[0]
        if not found and len(installed) == 1:
            return installed[0]
        where = (f"this store holds {', '.join(found)}" if found
                 else f"the store is empty and the installed packs are {', '.join(installed)}")
        example = (found or installed)[0]
        raise InputRejected([FieldProblem(
            "domain", f"{where}: say which with --domain (e.g. --domain {example})")])

    def quantity_domain(self, name: str) -> QuantityDomain:
        """A quantity pack's current policy and forecaster (champion reloaded on change)."""
        with self.lock:
            cached = self.quantity_domains.get(name)
            policy = self.policy(name)
            found = self.deployed(name)
            if (cached and cached.policy_version == policy.policy_version
                    and cached.champion == found.champion):
                return cached
            spec = QuantityPolicy.model_validate(policy.spec)
            forecaster = Forecaster.from_artifacts(
                get_quantity_pack(name), spec,
                self.artifact_dir(found.champion) if found.champion else None,
            )
            domain = QuantityDomain(spec, policy.policy_version, forecaster, found.champion)
            self.quantity_domains[name] = domain
            return domain

    @staticmethod
    def pack(domain: str) -> DomainPack:
        return get_pack(domain)

    def forget(self, domain: str) -> None:
        """Drop the cached domain (its models changed)."""
        self.domains.pop(domain, None)
        self.quantity_domains.pop(domain, None)

    def policy(self, domain: str) -> Policy:
        """The domain's policy, installed from the pack's default on first use."""
        try:
            return self.log.policy(domain)
        except NotFound:
            spec: PolicySpec | QuantityPolicy = (
                get_quantity_pack(domain).default_policy if is_quantity_pack(domain)
                else get_pack(domain).default_policy
            )
            policy = Policy.create(
                domain=domain,
                spec=spec.model_dump(mode="json"),
                owner_role=spec.owner_role,
                review_every_days=spec.review_every_days,
                actor=SYSTEM.name,
                role=SYSTEM.role,
            )
            if self.log.signer is None:
                return policy  # read-only: the pack's default, recorded by the first writer
            with contextlib.suppress(ConflictError):  # another process installed it just now
                self.log.save(policy)
            return self.log.policy(domain)

    def deployed(self, domain: str) -> Deployed:
        """The domain's champion and shadow models, from the log (see :meth:`models`)."""
        return self.models().deployed(domain)

    def models(self) -> Deployments:
        """Every domain's model versions and their status, folded from the log.

        The read models show the same; when their ``models`` table disagrees with the log
        at the same position (someone edited the file), they are rebuilt from the log and
        an alert says so.
        """
        with self.lock:
            self.sync()
            position, rows, policies = self.views.models_snapshot()
            head = self.log.event_count()
            if position > head:
                self.rebuild_views(f"the read models claim position {position} but the log "
                                   f"ends at {head}")  # fmt: skip
                return self.models()
            if self.deployments.position > position:  # folded further by an earlier call
                self.deployments = Deployments()
            self.deployments.follow(self.log, stop=position)
            problem = self.deployments.disagreement(rows, policies)
            if problem:
                self.rebuild_views(problem)
            return self.deployments

    def rebuild_views(self, reason: str | None = None) -> int:
        """Throw the read models away and rebuild them from the log; return the position.

        With a ``reason`` (the read models disagreed with the log), an alert is raised so
        whoever looks after the store learns that the file was changed behind Docket.
        """
        with self.lock:
            self.views = self.views.rebuilt(self.log)
            self.counts.clear()
            if reason is not None:
                self.rebuilt_because = reason
                alert = Alert.raise_(
                    kind="read_models_rebuilt",
                    severity="critical",
                    details={"message": f"read models rebuilt from the log: {reason}",
                             "reason": reason, "key": f"read_models_rebuilt:{reason}"},
                    actor=READ_MODELS.name,
                    role=READ_MODELS.role,
                )  # fmt: skip
                self.log.save(alert)
                self.views.catch_up(self.log)
            return self.views.position()

    def opened(self, case_id: UUID | str) -> Case.Opened:
        """The event that opened a case: its input, personal details and note."""
        event = self.log.first_event(case_id)
        if isinstance(event, Case.Opened):
            return event
        raise NotFound(f"no case {case_id} was opened")

    def resolve(self, case: str, *, rebuilt: bool = False) -> UUID:
        """The id of the case named by ``case``: its internal id or the reference people see
        (``german-credit-0003``, as in the queue and in input files).

        A reference is looked up in the read models, then checked against the log: a file
        that gives it to another case (edited behind Docket, so that a decision or an audit
        by reference would reach that case) is rebuilt from the log, with an alert.

        Raises:
            NotFound: no case has that id or reference (naming what was given), or the
                reference is used in several domains (naming them).
        """
        text = str(case).strip()
        try:
            return UUID(text)
        except ValueError:
            pass
        found = self._by_ref(text)
        opened = getattr(self.log.first_event(found), "case_ref", None)
        if (opened or "") == text:  # quarantined input without a reference: "" in the file
            return found
        lie = misnamed(text, found, opened)
        if rebuilt:  # a replay of the log itself names it so: no case of that reference
            raise NotFound(f"no case with reference {text!r}: {lie}")
        self.rebuild_views(lie)
        return self.resolve(case, rebuilt=True)

    def _by_ref(self, text: str) -> UUID:
        """The case the read models give the reference ``text`` (see :meth:`resolve`)."""
        self.sync()
        # A rejected row of an outcomes file (kept as a quarantine record under the reference
        # it named, often a mistyped one) is no case: its reference never names it.
        every = [r for r in queries.cases_with_ref(self.views, text)
                 if not r[1].endswith("/outcomes")]
        # A live case wins over quarantined input that happened to carry its reference.
        found = [r for r in every if r[2] != "quarantined"] or every
        if not found:
            raise NotFound(
                f"no case with reference or id {text!r} (the queue and `docket cases` "
                "list the references)"
            )
        if len(found) > 1:
            listed = ", ".join(sorted(f"{case_id} ({domain})" for case_id, domain, _ in found))
            raise NotFound(f"reference {text!r} names several records ({listed}): give the case id")
        return UUID(found[0][0])

    def require_model_manager(self, what: str, domain: str) -> tuple[str, ...]:
        """Refuse unless the acting role manages the domain's models; return those roles.

        The pack declares them (its engineer and policy owner); components acting as
        ``system`` (the demo seeding, eval runs), which no person can claim from the
        command line, may too.
        """
        managers = pack_roles(domain).model_managers
        if self.identity.role not in (*managers, SYSTEM.role):
            who = f"only {' or '.join(managers)} may {what} for {domain}"
            if self.log.signer is None:  # no key: the role is a default, never claimed
                raise NotAuthorised(
                    f"{who}, and you hold no key, so Docket cannot tell who you are: act "
                    "with your key file (--key FILE or DOCKET_KEY) enrolled in one of those "
                    "roles (--role ROLE picks it if the key holds several), or create the "
                    "first one with `docket keys init`"
                )
            raise NotAuthorised(f"{who}, not role {self.identity.role!r}")
        return managers


# The identities and the command-argument type are defined with the acting identity
# (assistant.usecases.acting); every use case imports what it shares from here.
__all__ = [
    "COMPONENTS",
    "READ_MODELS",
    "SYSTEM",
    "SYSTEM_WHO",
    "Context",
    "Domain",
    "QuantityDomain",
    "Who",
]
