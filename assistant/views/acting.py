"""Who acts, with which key, and the decisions an operator can take."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """The person or component acting, e.g. ``Identity("ana", "operator")``."""

    name: str
    role: str


@dataclass(frozen=True)
class KeyView:
    """One enrolled key: whose, with which roles, enrolled by whom, revoked or not."""

    key_id: str
    person: str
    roles: tuple[str, ...]
    enrolled_at: int  # log position
    enrolled_by: str
    revoked: bool
    revoked_at: str  # ISO time, "" when not revoked


# --- decisions an operator can take ---------------------------------------------------------


@dataclass(frozen=True)
class Accept:
    """Take the recommended action."""


@dataclass(frozen=True)
class Override:
    """Take another action; the reason code (one the case's pack declares: see
    ``DomainView.reason_codes``) and text are mandatory. For a "how much"
    decision, ``quantity`` is the order placed instead (``action`` is then the order action)."""

    action: str
    reason_code: str
    reason_text: str
    quantity: int | None = None


@dataclass(frozen=True)
class Escalate:
    """Send the case to a senior reviewer."""

    reason_text: str = ""


Decision = Accept | Override | Escalate
