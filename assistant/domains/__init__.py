"""Domain packs: what Docket knows about each decision domain.

Adding a domain
---------------
1. Write a package with a pydantic input schema, baseline rules, a default
   :class:`~assistant.policies.PolicySpec` and its data (see ``assistant/domains/credit``).
2. Expose a zero-argument factory returning a :class:`DomainPack` (a yes/no decision) or a
   :class:`~assistant.domains.quantity.QuantityPack` (a "how much" decision; see
   ``assistant/domains/demand``).
3. Register it: either add it to ``BUILTIN`` below, call :func:`register_pack` at start-up, or
   (for a separate distribution) declare an entry point in the ``docket.domains`` group::

       [project.entry-points."docket.domains"]
       insurance = "my_package.insurance:make_pack"

A pack declares its decision (actions, escalation action, outcome labels), its roles and its
words (:mod:`assistant.domains.decision`); the core reads those declarations, and each case
records them when it opens. README's "Adding a domain" says what works without a core change
and what is not generic yet. A pack may ship ``data/store_words.json`` (made once by
``scripts/make_store_words.py``, then frozen): its field names and values join the store's
compression dictionary for its events: a shipped pack's at import, a registered pack's
(``register_pack`` or an entry point) from beside the factory's module when it is
registered or first built, and every installed pack's when a stored state names words not
registered yet, so any store holding its cases can be read.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path

from assistant.domains.base import CaseInput, Dataset, DomainPack, FairnessGroup
from assistant.domains.decision import (
    ClassificationShape,
    DecisionShape,
    QuantityShape,
    QuantityWords,
    Roles,
    Words,
)
from assistant.domains.quantity import QuantityPack
from events.compression import on_unknown_dictionary, register_words
from events.errors import DocketError, NotFound

AnyPack = DomainPack | QuantityPack
PackFactory = Callable[[], AnyPack]

BUILTIN: dict[str, str] = {"credit": "assistant.domains.credit:make_pack"}
#: Packs whose decision is a quantity ("how much to order"): see assistant.domains.quantity.
QUANTITY_BUILTIN: dict[str, str] = {"demand": "assistant.domains.demand:make_pack"}
_quantity_cache: dict[str, QuantityPack] = {}
_registered: dict[str, PackFactory] = {}
_cache: dict[str, DomainPack] = {}


_words_read: set[Path] = set()


class StoreWordsError(DocketError, ValueError):
    """A pack's ``data/store_words.json`` that cannot be used (names the file)."""


def store_words_path(factory: object) -> Path | None:
    """Where the pack ``factory`` builds keeps its store words: ``data/store_words.json``
    beside the module that defines the factory (None: a factory from no file)."""
    module = sys.modules.get(str(getattr(factory, "__module__", "")))
    file = getattr(module, "__file__", None)
    return Path(file).parent / "data" / "store_words.json" if file else None


def pack_store_words_path(name: str) -> Path | None:
    """Where the installed pack called ``name`` keeps (or would keep) its store words."""
    return store_words_path(_factory(name))


def load_store_words(path: Path | None) -> bool:
    """Add the frozen store words at ``path`` (if there is such a file, once) to the
    compression dictionaries; True when they are registered.

    Raises:
        StoreWordsError: the file is not what ``scripts/make_store_words.py`` writes.
    """
    if path is None or path in _words_read or not path.is_file():
        return path in _words_read
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        register_words(str(found["marker"]).encode(), str(found["words"]).encode())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problem = f"no {exc} field" if isinstance(exc, KeyError) else str(exc)
        raise StoreWordsError(f"{path} is not a store words file ({problem}); remake it with "
                              "scripts/make_store_words.py before any store uses it") from exc
    _words_read.add(path)
    return True


def load_pack_words(path: Path | None) -> None:
    """Register ``path`` and the pack's later words files beside it (``store_words_2.json``
    after a schema change, ...; the newest then compresses new events)."""
    if path is not None:
        found = path.parent.glob("store_words*.json")
        for each in sorted(found, key=lambda p: (len(p.name), p.name)):
            load_store_words(each)


def _register_store_words() -> None:
    """Add each shipped pack's frozen store words to the compression dictionaries."""
    for name in (*BUILTIN, *QUANTITY_BUILTIN):
        load_pack_words(Path(__file__).parent / name / "data" / "store_words.json")


def _every_packs_store_words() -> None:
    """A state names a dictionary not registered yet: register the words of every installed
    pack (an entry point's pack is otherwise read only when first used)."""
    for name in available_packs():
        load_pack_words(pack_store_words_path(name))


_register_store_words()
on_unknown_dictionary(_every_packs_store_words)


def register_pack(name: str, factory: PackFactory) -> None:
    """Make ``name`` the pack ``factory()`` returns, a yes/no :class:`DomainPack` or a
    :class:`QuantityPack` (replaces an earlier registration and a built-in of that name).
    A ``data/store_words.json`` beside the factory's module joins the store's compression
    dictionaries now, before any of the pack's events is written or read.

    Raises:
        StoreWordsError: that file is not a store words file.
    """
    load_pack_words(store_words_path(factory))
    _registered[name] = factory
    _cache.pop(name, None)
    _quantity_cache.pop(name, None)


def available_packs() -> list[str]:
    plugins = {ep.name for ep in entry_points(group="docket.domains")}
    return sorted(set(BUILTIN) | set(QUANTITY_BUILTIN) | set(_registered) | plugins)


def _factory(name: str) -> PackFactory | None:
    """How to build the pack called ``name``: a registration wins over a built-in, which
    wins over an entry point (None: no such pack)."""
    factory = _registered.get(name)
    if factory is None:
        builtin = BUILTIN.get(name) or QUANTITY_BUILTIN.get(name)
        if builtin is not None:
            module, _, attr = builtin.partition(":")
            factory = getattr(importlib.import_module(module), attr)
    if factory is None:
        for ep in entry_points(group="docket.domains", name=name):
            try:
                factory = ep.load()
            except Exception as exc:  # the pack's own code: say which, in one sentence
                raise _not_built(name, exc, f"entry point {ep.value}") from exc
            load_pack_words(store_words_path(factory))  # before its events are written
    return factory


def _not_built(name: str, exc: Exception, where: str = "") -> DocketError:
    """One sentence for a pack whose module or factory fails (a traceback would hide which
    pack, and every command listing the packs would end in it)."""
    if isinstance(exc, DocketError):
        return exc
    detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return DocketError(f"pack {name!r} could not be built{f' ({where})' if where else ''}: "
                       f"{type(exc).__name__}: {detail[:400]}")


def _built(name: str) -> AnyPack | None:
    """The pack called ``name``, built once and cached by kind (None: no such pack)."""
    if name in _cache:
        return _cache[name]
    if name in _quantity_cache:
        return _quantity_cache[name]
    factory = _factory(name)
    if factory is None:
        return None
    try:
        pack = factory()
    except Exception as exc:
        raise _not_built(name, exc) from exc
    if isinstance(pack, QuantityPack):
        _quantity_cache[name] = pack
    elif isinstance(pack, DomainPack):
        _cache[name] = pack
    else:
        raise DocketError(f"the factory of pack {name!r} returned {type(pack).__name__}, not a "
                        "DomainPack or a QuantityPack")
    return pack


def is_quantity_pack(name: str) -> bool:
    """Whether ``name`` is a pack whose decision is a quantity (built-in or registered)."""
    if name in _quantity_cache:
        return True
    if name in _cache:
        return False
    if name not in _registered:
        if name in QUANTITY_BUILTIN:
            return True
        if name in BUILTIN or not _plugin_named(name):
            return False
    return isinstance(_built(name), QuantityPack)


@cache
def _plugin_names() -> frozenset[str]:
    """The packs installed distributions declare (read once: scanning the installed
    distributions takes milliseconds, and lookups of unknown names are frequent)."""
    return frozenset(ep.name for ep in entry_points(group="docket.domains"))


def _plugin_named(name: str) -> bool:
    return name in _plugin_names()


def get_quantity_pack(name: str) -> QuantityPack:
    """The quantity pack called ``name`` (built once). Raises NotFound."""
    pack = _built(name) if is_quantity_pack(name) else None
    if not isinstance(pack, QuantityPack):
        quantity = [n for n in available_packs() if is_quantity_pack(n)]
        raise NotFound(f"no quantity pack {name!r}; available: {', '.join(quantity)}")
    return pack


def get_pack(name: str) -> DomainPack:
    """The yes/no domain pack called ``name`` (built once, then cached). Raises NotFound."""
    pack = _built(name)
    if isinstance(pack, QuantityPack):
        raise NotFound(f"{name!r} decides a quantity ({pack.shape.unit} per "
                       f"{pack.shape.period}), so this command does not apply to it")
    if pack is None:
        raise NotFound(f"no domain pack {name!r}; available: {', '.join(available_packs())}")
    return pack


def pack_roles(name: str) -> Roles:
    """The roles the pack called ``name`` declares."""
    if is_quantity_pack(name):
        return get_quantity_pack(name).roles
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
    "QuantityWords",
    "Roles",
    "QuantityPack",
    "StoreWordsError",
    "Words",
    "available_packs",
    "get_pack",
    "known_roles",
    "pack_roles",
    "get_quantity_pack",
    "is_quantity_pack",
    "load_pack_words",
    "load_store_words",
    "pack_store_words_path",
    "register_pack",
    "store_words_path",
]
