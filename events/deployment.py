"""Which model versions decide (the champion and shadow set of every domain) and which
policy version holds, from the log.

The read models show the same thing (the ``models`` table), but a read-model file is a
plain SQLite file anyone with access to the disk can edit, so nothing that decides a case
reads it: :class:`Deployments` folds the model-version events of the log itself. It
follows the log incrementally (only events after the last position it saw are read), so
after a first pass over the log (a few hundred ms on a 500,000-event store, paid once per
process) each look-up reads only the new tail.

The rules are the read model's: a version is registered, then promoted (champion), put in
shadow, demoted (back to registered) or retired; the champion of a domain is the latest
promoted version that has not since been demoted, shadowed or retired.

Four eyes, decided here on the log rather than trusted from whoever wrote it: a
``Promoted`` event counts only when it follows an approval of a pending proposal of
that version by a second person holding one of its manager roles
(:func:`events.domain.proposals.approval_problem`), or when it installs a domain's
very first champion. Any other promotion changes nothing that decides; it is listed in
:attr:`Deployments.unapproved` for ``docket verify``. The read-model file records every
promotion as written, so the fold also keeps that view (``recorded``) to tell a file
edited behind Docket's back from a log holding an unapproved promotion.

The one exception, on purpose: taking the champion out of service (retired, or demoted or
shadowed other than by an approved promotion's own demotion) counts when one person does
it, because an emergency stop must not wait. Each is kept in :attr:`Deployments.stops`
naming who, when and why, for ``docket verify`` and for the cases decided meanwhile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

from events.domain import ModelVersion, Policy
from events.domain.common import SYSTEM_ROLE
from events.domain.proposals import approval_problem

if TYPE_CHECKING:
    from events.app import DecisionLog

_STATUS: dict[type, str] = {
    ModelVersion.Registered: "registered",
    ModelVersion.Promoted: "champion",
    ModelVersion.Demoted: "registered",
    ModelVersion.ShadowStarted: "shadow",
    ModelVersion.Retired: "retired",
}
_PROPOSALS = (ModelVersion.PromotionProposed, ModelVersion.PromotionDecided)
TOPICS = [get_topic(kind) for kind in (*_STATUS, *_PROPOSALS, Policy.Created, Policy.Changed)]


@dataclass(frozen=True)
class Deployed:
    """Which model versions of a domain decide (champion) and which run in shadow."""

    champion: str | None
    shadows: list[str]


@dataclass(frozen=True)
class PendingPromotion:
    """A proposed promotion waiting for a second person."""

    domain: str
    version: str
    proposal: int
    by: str
    at: str
    reason: str
    base_champion: str


@dataclass
class _Model:
    domain: str
    version: str
    status: str  # as the four-eyes rule counts it
    managers: tuple[str, ...] = ()
    recorded: str = ""  # as written in the log (what the read-model file shows)
    pending: dict[int, PendingPromotion] = field(default_factory=dict)
    approved: bool = False  # an approval waits for its Promoted event


@dataclass
class Deployments:
    """Model lifecycle of every domain, folded from the log (see the module docstring).

    Attributes:
        position: The last notification id folded in.
    """

    position: int = 0
    #: By installed pack, the roles that manage its models (the pack's word, handed in by
    #: whoever folds; empty: a model's registration is taken at its word). A registration
    #: naming other manager roles is listed in :attr:`unapproved`, and those roles manage
    #: nothing.
    pack_managers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``(position, sentence)`` of every promotion that did not count (see the module doc).
    unapproved: list[tuple[int, str]] = field(default_factory=list)
    #: ``(position, sentence)`` of every emergency stop: a champion taken out of service by
    #: one person (retired, demoted or shadowed other than by an approved promotion),
    #: naming who, when and why. The deliberate exception to four eyes: it counts.
    stops: list[tuple[int, str]] = field(default_factory=list)
    _stopped: dict[str, str] = field(default_factory=dict)  # domain -> its latest stop
    _models: dict[str, _Model] = field(default_factory=dict)  # by model (aggregate) id
    _champions: dict[str, str] = field(default_factory=dict)  # domain -> version
    _recorded: dict[str, str] = field(default_factory=dict)  # champions as written
    _had_champion: set[str] = field(default_factory=set)  # domains that ever had one
    _policy_domains: dict[str, str] = field(default_factory=dict)  # policy id -> domain
    _policy_versions: dict[str, int] = field(default_factory=dict)  # domain -> version
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def follow(self, log: DecisionLog, *, stop: int | None = None, page: int = 5000) -> None:
        """Fold the model events recorded after :attr:`position`, up to ``stop`` (default:
        the log's last event when called)."""
        with self._lock:
            end = int(log.recorder.max_notification_id() or 0) if stop is None else stop
            while self.position < end:
                found = log.recorder.select_notifications(
                    self.position + 1, page, stop=end, topics=TOPICS
                )
                for notification in found:
                    event = log.mapper.to_domain_event(notification)
                    self._apply(str(notification.originator_id), event, notification.id)
                # Fewer than a page: nothing more of ours up to the end, so skip past every
                # other event too and the next look-up reads only what comes after.
                self.position = end if len(found) < page else found[-1].id

    def _apply(self, key: str, event: object, position: int = 0) -> None:
        if isinstance(event, Policy.Created):
            self._policy_domains[key] = event.domain
            self._policy_versions[event.domain] = 1
            return
        if isinstance(event, Policy.Changed):
            if key in self._policy_domains:
                self._policy_versions[self._policy_domains[key]] = event.policy_version
            return
        if isinstance(event, ModelVersion.Registered):
            managers = tuple(event.managers)
            declared = self.pack_managers.get(event.domain)
            if declared is not None and any(m not in declared for m in managers):
                self.unapproved.append((position, (
                    f"{event.actor} ({event.role}) registered {event.domain}'s model "
                    f"{event.version} with manager roles {', '.join(managers)}, where the pack's "
                    f"are {', '.join(declared)}: the roles it adds manage nothing")))  # fmt: skip
                managers = tuple(m for m in managers if m in declared)
            self._models[key] = _Model(event.domain, event.version, "registered", managers,
                                       "registered")  # fmt: skip
            return
        model = self._models.get(key)
        if model is None:  # an event of a model never registered: not ours to guess
            return
        if isinstance(event, _PROPOSALS):
            self._proposal(model, event)
            return
        status = _STATUS.get(type(event))
        if status is None:
            return
        model.recorded = status
        _set_champion(self._recorded, model, status)
        if isinstance(event, ModelVersion.Promoted) and not self._counts(model, event, position):
            return
        if status != "champion" and self._champions.get(model.domain) == model.version:
            self._stop(model, event, status, position)
        elif status == "champion":
            self._stopped.pop(model.domain, None)
        model.status = status
        _set_champion(self._champions, model, status)
        if status == "champion":
            self._had_champion.add(model.domain)

    def _stop(self, model: _Model, event: Any, status: str, position: int) -> None:
        """The champion leaves service by one person's act: an emergency stop, on record."""
        verb = {"retired": "retired", "registered": "demoted", "shadow": "put in shadow"}[status]
        reason = getattr(event, "reason", "") or "no reason given"
        sentence = (
            f"{event.actor} ({event.role}) {verb} {model.domain}'s champion {model.version} at "
            f"{event.timestamp.isoformat(timespec='seconds')}, alone (an emergency stop: the "
            f"baseline rules decide until a promotion is approved): {reason}"
        )
        self.stops.append((position, sentence))
        self._stopped[model.domain] = sentence

    def _proposal(self, model: _Model, event: object) -> None:
        if isinstance(event, ModelVersion.PromotionProposed):
            model.pending[event.proposal] = PendingPromotion(
                model.domain, model.version, event.proposal, event.actor,
                event.timestamp.isoformat(), event.reason, event.base_champion,
            )  # fmt: skip
        elif isinstance(event, ModelVersion.PromotionDecided):
            found = model.pending.pop(event.proposal, None)
            model.approved = bool(
                event.approved and found is not None
                and approval_problem(found.by, event.actor, event.role, model.managers) is None
            )  # fmt: skip

    def _counts(self, model: _Model, event: ModelVersion.Promoted, position: int) -> bool:
        """Whether a promotion takes effect: approved by a second manager, or the domain's
        first champion. Otherwise it is listed in :attr:`unapproved`."""
        approved, model.approved = model.approved, False
        if approved:
            return True
        if model.domain not in self._had_champion:  # the first: by a manager, alone
            if event.role in model.managers or event.role == SYSTEM_ROLE:  # as the aggregate
                return True
            self.unapproved.append((position, (
                f"{event.actor} ({event.role}) installed {model.version} as {model.domain}'s "
                f"first champion without a manager role ({', '.join(model.managers)}); it does "
                "not count")))  # fmt: skip
            return False
        self.unapproved.append((position, (
            f"{event.actor} ({event.role}) promoted {model.version} to {model.domain}'s "
            "champion without a pending proposal approved by a second person holding a "
            f"manager role ({', '.join(model.managers)}); it does not count"
        )))  # fmt: skip
        return False

    # --- answers ---------------------------------------------------------------------------

    def deployed(self, domain: str) -> Deployed:
        """The domain's champion and shadow versions, in registration order."""
        with self._lock:
            shadows = [
                m.version for m in self._models.values()
                if m.domain == domain and m.status == "shadow"
            ]  # fmt: skip
            return Deployed(self._champions.get(domain), shadows)

    def pending(self, domain: str | None = None) -> list[PendingPromotion]:
        """Promotions proposed and waiting for a second person, oldest first."""
        with self._lock:
            found = [p for m in self._models.values() for p in m.pending.values()
                     if domain is None or p.domain == domain]  # fmt: skip
            return sorted(found, key=lambda p: p.at)

    def stopped(self, domain: str) -> str | None:
        """Why ``domain`` has no champion when an emergency stop took it out (None: it has
        one, or never had one)."""
        with self._lock:
            return None if domain in self._champions else self._stopped.get(domain)

    def had_champion(self, domain: str) -> bool:
        """Whether a promotion of ``domain`` ever counted (after that, four eyes)."""
        with self._lock:
            return domain in self._had_champion

    def champions(self) -> list[tuple[str, str]]:
        """(domain, version) of every champion."""
        with self._lock:
            return sorted(self._champions.items())

    def everywhere(self) -> list[str]:
        """Every champion and shadow version, across domains."""
        with self._lock:
            return [
                m.version for m in self._models.values()
                if m.status == "shadow" or self._champions.get(m.domain) == m.version
            ]  # fmt: skip

    def domain_of(self, version: str) -> str | None:
        """The domain a registered version belongs to (None: no such version)."""
        with self._lock:
            return next((m.domain for m in self._models.values() if m.version == version), None)

    def status(self, domain: str, version: str) -> str:
        """``champion``, ``shadow``, ``registered``, ``retired`` or ``unknown``."""
        with self._lock:
            if self._champions.get(domain) == version:
                return "champion"
            found = next((m for m in self._models.values()
                          if m.domain == domain and m.version == version), None)  # fmt: skip
            if found is None:
                return "unknown"
            return "registered" if found.status == "champion" else found.status

    def policy_version(self, domain: str) -> int | None:
        """The domain's policy version by the log (None: no policy yet)."""
        with self._lock:
            return self._policy_versions.get(domain)

    def disagreement(
        self, rows: list[dict[str, Any]], policies: dict[str, int] | None = None
    ) -> str | None:
        """How the read model's ``models`` rows (domain, model_version, status, champion)
        and latest policy version per domain disagree with the log's :class:`Deployments`
        at the same position, in one sentence; None when they agree."""
        with self._lock:
            if policies is not None and policies != self._policy_versions:
                domain = sorted(
                    set(policies) ^ set(self._policy_versions)
                    or {d for d in policies if policies[d] != self._policy_versions.get(d)}
                )[0]
                return (
                    f"the read model says {domain}'s policy is version "
                    f"{policies.get(domain)}, the log {self._policy_versions.get(domain)}"
                )
            return self._disagreement(rows)

    def _as_recorded(self, domain: str) -> Deployed:
        """The champion and shadows as the events were written (the read-model file's view,
        which shows an unapproved promotion that :meth:`deployed` does not count)."""
        shadows = [m.version for m in self._models.values()
                   if m.domain == domain and m.recorded == "shadow"]  # fmt: skip
        return Deployed(self._recorded.get(domain), shadows)

    def _disagreement(self, rows: list[dict[str, Any]]) -> str | None:
        domains = {str(r["domain"]) for r in rows} | {m.domain for m in self._models.values()}
        for domain in sorted(domains):
            mine = [r for r in rows if r["domain"] == domain]
            truth = self._as_recorded(domain)
            champions = sorted(str(r["model_version"]) for r in mine if r["champion"])
            if champions != ([truth.champion] if truth.champion else []):
                named = " and ".join(champions) or "no model"
                return (f"the read model names {named} as {domain}'s champion, the log "
                        f"{truth.champion or 'none'}")  # fmt: skip
            shadows = sorted(str(r["model_version"]) for r in mine if r["status"] == "shadow")
            if shadows != sorted(truth.shadows):
                return (
                    f"the read model runs {', '.join(shadows) or 'nothing'} in shadow for "
                    f"{domain}, the log {', '.join(sorted(truth.shadows)) or 'nothing'}"
                )
            registered = sorted(str(r["model_version"]) for r in mine)
            known = sorted(m.version for m in self._models.values() if m.domain == domain)
            if registered != known:
                return f"the read model lists other {domain} model versions than the log"
        return None


def _set_champion(champions: dict[str, str], model: _Model, status: str) -> None:
    """Track a domain's champion as ``model`` takes ``status``."""
    if status == "champion":
        champions[model.domain] = model.version
    elif champions.get(model.domain) == model.version:
        del champions[model.domain]
