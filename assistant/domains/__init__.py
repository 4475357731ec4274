"""Domain packs: what Docket knows about each decision domain.

Adding a domain
---------------
1. Write a package with a pydantic input schema, baseline rules, a default
   :class:`~assistant.policies.PolicySpec` and its data (see ``assistant/domains/credit``).
2. Expose a zero-argument factory returning a :class:`DomainPack`.
3. Register it: either add it to ``BUILTIN`` below, call :func:`register_pack` at start-up, or
   (for a separate distribution) declare an entry point in the ``docket.domains`` group::

       [project.entry-points."docket.domains"]
       insurance = "my_package.insurance:make_pack"

The orchestrator, the store and the TUI only see :class:`DomainPack`; nothing else changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points

from assistant.domains.base import CaseInput, Dataset, DomainPack
from assistant.domains.decision import (
    ClassificationShape,
    DecisionShape,
    QuantityShape,
    Roles,
    Words,
)
from events.errors import NotFound

PackFactory = Callable[[], DomainPack]

BUILTIN: dict[str, str] = {"credit": "assistant.domains.credit:make_pack"}
_registered: dict[str, PackFactory] = {}
_cache: dict[str, DomainPack] = {}


def register_pack(name: str, factory: PackFactory) -> None:
    """Make ``get_pack(name)`` return ``factory()`` (replaces an earlier registration)."""
    _registered[name] = factory
    _cache.pop(name, None)


def available_packs() -> list[str]:
    plugins = {ep.name for ep in entry_points(group="docket.domains")}
    return sorted(set(BUILTIN) | set(_registered) | plugins)


def get_pack(name: str) -> DomainPack:
    """The domain pack called ``name`` (built once, then cached). Raises NotFound."""
    if name in _cache:
        return _cache[name]
    factory = _registered.get(name)
    if factory is None and name in BUILTIN:
        module, _, attr = BUILTIN[name].partition(":")
        factory = getattr(importlib.import_module(module), attr)
    if factory is None:
        for ep in entry_points(group="docket.domains", name=name):
            factory = ep.load()
    if factory is None:
        raise NotFound(f"no domain pack {name!r}; available: {', '.join(available_packs())}")
    pack = factory()
    _cache[name] = pack
    return pack


def known_roles() -> tuple[str, ...]:
    """Every role some installed pack declares (operator, senior, owner, auditor, engineer)."""
    seen: dict[str, None] = {}
    for name in available_packs():
        for role in get_pack(name).roles.all:
            seen.setdefault(role, None)
    return tuple(seen)


__all__ = [
    "CaseInput",
    "ClassificationShape",
    "Dataset",
    "DecisionShape",
    "DomainPack",
    "QuantityShape",
    "Roles",
    "Words",
    "available_packs",
    "get_pack",
    "known_roles",
    "register_pack",
]
