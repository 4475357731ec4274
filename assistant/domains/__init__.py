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

A pack declares its decision (actions, escalation action, outcome labels), its roles and its
words (:mod:`assistant.domains.decision`); the core reads those declarations, and each case
records them when it opens. README's "Adding a domain" says what works without a core change
and what is not generic yet. A pack may ship ``data/store_words.json`` (made once by
``scripts/make_store_words.py``, then frozen): its field names and values join the store's
compression dictionary for its events (registered below, at import, so any store holding
its cases can be read).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.domains.base import CaseInput, Dataset, DomainPack, FairnessGroup
from assistant.domains.decision import (
    ClassificationShape,
    DecisionShape,
    QuantityShape,
    Roles,
    Words,
)
from events.compression import register_words
from events.errors import NotFound

if TYPE_CHECKING:
    from assistant.domains.demand import QuantityPack

PackFactory = Callable[[], DomainPack]

BUILTIN: dict[str, str] = {"credit": "assistant.domains.credit:make_pack"}
#: Packs whose decision is a quantity ("how much to order"): see assistant.domains.demand.
QUANTITY_BUILTIN: dict[str, str] = {"demand": "assistant.domains.demand:make_pack"}
_quantity_cache: dict[str, QuantityPack] = {}
_registered: dict[str, PackFactory] = {}
_cache: dict[str, DomainPack] = {}


def _register_store_words() -> None:
    """Add each shipped pack's frozen store words to the compression dictionaries."""
    for name in (*BUILTIN, *QUANTITY_BUILTIN):
        path = Path(__file__).parent / name / "data" / "store_words.json"
        if path.exists():
            found = json.loads(path.read_text(encoding="utf-8"))
            register_words(found["marker"].encode(), found["words"].encode())


_register_store_words()


def register_pack(name: str, factory: PackFactory) -> None:
    """Make ``get_pack(name)`` return ``factory()`` (replaces an earlier registration)."""
    _registered[name] = factory
    _cache.pop(name, None)


def available_packs() -> list[str]:
    plugins = {ep.name for ep in entry_points(group="docket.domains")}
    return sorted(set(BUILTIN) | set(QUANTITY_BUILTIN) | set(_registered) | plugins)


def is_quantity_pack(name: str) -> bool:
    """Whether ``name`` is a pack whose decision is a quantity."""
    return name in QUANTITY_BUILTIN and name not in _registered


def get_quantity_pack(name: str) -> QuantityPack:
    """The quantity pack called ``name`` (built once). Raises NotFound."""
    if name not in _quantity_cache:
        if not is_quantity_pack(name):
            raise NotFound(f"no quantity pack {name!r}; available: "
                           f"{', '.join(sorted(QUANTITY_BUILTIN))}")
        module, _, attr = QUANTITY_BUILTIN[name].partition(":")
        _quantity_cache[name] = getattr(importlib.import_module(module), attr)()
    return _quantity_cache[name]


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
    if factory is None and is_quantity_pack(name):
        raise NotFound(f"{name!r} decides a quantity (how much to order), so this command "
                       "does not apply to it")
    if factory is None:
        raise NotFound(f"no domain pack {name!r}; available: {', '.join(available_packs())}")
    pack = factory()
    _cache[name] = pack
    return pack


def pack_roles(name: str) -> Roles:
    """The roles the pack called ``name`` declares (a quantity pack declares its owner)."""
    if is_quantity_pack(name):
        return Roles(owner=get_quantity_pack(name).owner_role)
    return get_pack(name).roles


def known_roles() -> tuple[str, ...]:
    """Every role some installed pack declares (operator, senior, owner, auditor, engineer)."""
    seen: dict[str, None] = {}
    for name in available_packs():
        for role in pack_roles(name).all:
            seen.setdefault(role, None)
    return tuple(seen)


__all__ = [
    "CaseInput",
    "ClassificationShape",
    "Dataset",
    "DecisionShape",
    "DomainPack",
    "FairnessGroup",
    "QuantityShape",
    "Roles",
    "Words",
    "available_packs",
    "get_pack",
    "known_roles",
    "pack_roles",
    "get_quantity_pack",
    "is_quantity_pack",
    "register_pack",
]
