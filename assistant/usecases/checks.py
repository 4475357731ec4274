"""Checks on what people type before anything is recorded: names, free text, case ids.

Each refuses bad input with one sentence naming the field (InputRejected / NotFound)."""

from __future__ import annotations

from uuid import UUID

from assistant.views import Identity
from events.domain import SYSTEM_ROLE
from events.errors import FieldProblem, InputRejected, NotFound
from guardrails.plain_text import person_name_problem, plain_text_problem


def check_identity(identity: Identity) -> None:
    """Refuse a name that is not plain, or a person posing as a component.

    Raises:
        InputRejected: naming the ``operator`` field and the problem (a control or
            bidirectional character, or a ``docket/`` name claimed by a person).
    """
    name = identity.name
    if identity.role == SYSTEM_ROLE:  # Docket's own components: any plain name
        problem = plain_text_problem(name) or (None if name.strip() else "must not be empty")
    else:
        problem = person_name_problem(name)
    if problem:
        raise InputRejected([FieldProblem("operator", f"{problem} ({name!r})")])


def require_plain(field_name: str, text: str, *, free_text: bool = True) -> None:
    """Refuse reason text or a reference holding control, bidirectional or invisible
    characters (``\\n`` and ``\\t`` allowed in free text). Raises InputRejected."""
    problem = plain_text_problem(text, free_text=free_text)
    if problem:
        raise InputRejected([FieldProblem(field_name, problem)])


def case_uuid(case_id: str) -> UUID:
    """A case id from the command line or a screen. Raises NotFound for anything else."""
    try:
        return UUID(str(case_id))
    except ValueError as exc:
        raise NotFound(f"{case_id!r} is not a case id (see `docket status` / the queue)") from exc
