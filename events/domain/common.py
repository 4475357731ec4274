"""Shared building blocks for the aggregates: roles, ids, boundary validation.

Events must stay plain and stable: every payload is made of ``str``, ``int``,
finite ``float``, ``bool``, ``None``, ``list`` and ``dict`` with ``str`` keys, so
the stored JSON never depends on a Python class that may change. Command
arguments are checked here, at the boundary, and bad arguments raise
:class:`events.errors.InputRejected` naming each field, before any event exists.

Versioning: every event class declares ``class_version = 1``. When a payload
must change shape, bump it to 2 and add a static ``upcast_v1_v2(state: dict)``
on the event class that rewrites the old stored dict in place; eventsourcing's
mapper calls it when it reads a version-1 event, so stored events are never
rewritten (the hash chain forbids that anyway). See ``Case.Escalated``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from hashlib import sha1
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

from events.errors import FieldProblem, InputRejected, NotAuthorised

#: The role of Docket's own components (actor like ``docket/orchestrator``). Every other
#: role is a pack's (``assistant.domains.Roles``): the log checks only that a role is a
#: well-formed name, and each aggregate checks the roles its commands allow, which the
#: pack handed it as data (a case's deciding roles, a policy's owner, a model's managers).
SYSTEM_ROLE = "system"

#: A role name: lower-case letters, digits and underscores (e.g. ``card_portfolio_owner``).
ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

#: Namespace for Docket's deterministic ids (uuid5). Never change it: ids in
#: existing stores were derived from it.
DOCKET_NAMESPACE = UUID("5d0c4e7e-2f1b-5a43-9c6d-0d0c4e7e2f1b")

JSON = Any  # a plain JSON value; checked at run time by plain_json()


_NAMESPACE_BYTES = DOCKET_NAMESPACE.bytes


def docket_id(*parts: str) -> UUID:
    """Deterministic id from its natural key, e.g. ``docket_id("case", "credit", "A17")``:
    ``uuid5(DOCKET_NAMESPACE, ":".join(parts))``, computed as ``uuid.uuid5`` computes it
    without its import on every call (a third of its cost; one id a case on ingest)."""
    digest = sha1(_NAMESPACE_BYTES + ":".join(parts).encode()).digest()
    return UUID(bytes=digest[:16], version=5)


class Args(BaseModel):
    """Base for command-argument models: strict about unknown fields and NaN/inf."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


A = TypeVar("A", bound=Args)


def validate(model: type[A], **kwargs: Any) -> A:
    """Validate command arguments with ``model``; raise InputRejected naming every bad field."""
    try:
        return model(**kwargs)
    except ValidationError as exc:
        raise InputRejected(field_problems(exc)) from exc


def fields_of(args: Args) -> dict[str, Any]:
    """The validated fields of ``args`` as a dict: what ``model_dump()`` gives for a model of
    plain fields (no nested models, no extra fields), without walking the values again
    (``model_dump`` was about a third of a case event's validation on a bulk ingest)."""
    return dict(vars(args))


def field_problems(exc: ValidationError, whole: str = "input") -> list[FieldProblem]:
    """Pydantic's errors as Docket's, one per field (``whole`` names errors of no field)."""
    return [
        FieldProblem(
            ".".join(str(p) for p in err["loc"]) or whole,
            err["msg"].removeprefix("Value error, "),  # pydantic's wording, not ours
        )
        for err in exc.errors()
    ]


#: Scalar types that are plain JSON as they are (``float`` is checked for finiteness).
_SCALARS = frozenset({str, int, bool, type(None)})


def plain_json(value: Any, field: str) -> Any:
    """Return a deep copy of ``value`` if it is plain JSON, else raise InputRejected.

    Tuples become lists (that is what JSON gives back anyway, so a round trip is exact).
    """
    if type(value) is dict:  # most payloads: scalars, or lists of scalars, by name
        copied = _shallow_copy(value)
        if copied is not None:
            return copied
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputRejected([FieldProblem(field, "must be a finite number")])
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputRejected([FieldProblem(field, f"key {key!r} is not a string")])
            out[key] = plain_json(item, f"{field}.{key}")
        return out
    if isinstance(value, (list, tuple)):
        return [plain_json(item, f"{field}[{i}]") for i, item in enumerate(value)]
    raise InputRejected([FieldProblem(field, f"{type(value).__name__} is not plain JSON")])


def _shallow_copy(value: dict[Any, Any]) -> dict[str, Any] | None:
    """A copy of a dict of str keys to plain scalars or lists of them (exact str/int/bool/
    None, finite float), or None when anything else is in it (the full walk then decides).
    The walk below would give the same copy; this takes one pass and no recursion."""
    scalars, finite = _SCALARS, math.isfinite
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if type(key) is not str:
            return None
        if kind is list:
            for element in item:
                kind = type(element)
                if not (kind in scalars or (kind is float and finite(element))):
                    return None
            item = list(item)
        elif not (kind in scalars or (kind is float and finite(item))):
            return None
        out[key] = item
    return out


def check_identity(actor: str, role: str, allowed: tuple[str, ...] | None = None) -> None:
    """Every event names who acted, in a well-formed role; ``allowed`` (when given) lists
    the roles that may do this. Raise InputRejected / NotAuthorised otherwise."""
    problems = []
    if not isinstance(actor, str) or not actor.strip():
        problems.append(FieldProblem("actor", "must name the acting person or component"))
    if not isinstance(role, str) or not ROLE_NAME.match(role):
        problems.append(
            FieldProblem(
                "role",
                f"must be a role name: lower-case letters, digits and '_' (got {str(role)[:40]!r})",
            )
        )
    if problems:
        raise InputRejected(problems)
    if allowed is not None and role not in allowed:
        raise NotAuthorised(f"role {role!r} may not do this (allowed: {', '.join(allowed)})")
