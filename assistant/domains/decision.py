"""What a pack declares about its decision: its shape, who owns it, and the words it uses.

Everything below the pack (the case aggregate, the policy, the console, the evals) reads
these declarations instead of naming a domain's actions, outcomes or roles. Two shapes exist:

* :class:`ClassificationShape`: a yes/no decision. The specialist predicts the probability of
  the pack's risk outcome; the actions are named; one of them hands the case to a senior.
* :class:`QuantityShape`: a decision whose action is a quantity (how much to order or staff).

:meth:`ClassificationShape.case_record` / :meth:`QuantityShape.case_record` give the plain JSON
the case aggregate records when it opens, so the log (which imports nothing from here) knows
which action escalates, which outcomes a case may have and which roles decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""A role name: lower-case letters, digits and underscores (e.g. ``card_portfolio_owner``)."""


def _problem(message: str) -> ValueError:
    return ValueError(f"pack declaration: {message}")


@dataclass(frozen=True)
class Roles:
    """Who does what in a pack's decision.

    ``owner`` may change the pack's policy; ``operator`` decides cases; ``senior`` decides the
    cases sent up; ``engineer`` trains and promotes models; ``auditor`` reads everything and
    may record a policy review.
    """

    owner: str
    operator: str = "operator"
    senior: str = "senior"
    engineer: str = "engineer"
    auditor: str = "auditor"

    def __post_init__(self) -> None:
        names = self.all
        for name in names:
            if not ROLE_NAME.match(name):
                raise _problem(f"role {name!r} must be lower-case letters, digits and '_'")
        if len(set(names)) != len(names):
            raise _problem(f"roles must be distinct, got {', '.join(names)}")

    @property
    def all(self) -> tuple[str, ...]:
        return (self.operator, self.senior, self.owner, self.auditor, self.engineer)

    @property
    def deciding(self) -> tuple[str, ...]:
        """The roles that decide cases: the operator, then the senior reviewer."""
        return (self.operator, self.senior)

    @property
    def model_managers(self) -> tuple[str, ...]:
        """The roles that may register, shadow, promote and retire models."""
        return (self.engineer, self.owner)


@dataclass(frozen=True)
class Words:
    """How the pack's people speak about a case (used in every screen and message).

    ``risk`` names the risk outcome in prose ("default", "fraud"); ``case`` names one case
    ("application", "transaction"); ``subject`` the one the case is about ("applicant").
    """

    case: str = "case"
    cases: str = "cases"
    subject: str = "subject"
    risk: str = "risk"

    @property
    def per_case(self) -> str:
        return f"per {self.case}"

    def probability(self) -> str:
        """The label of the specialists' score, e.g. ``p(default)``."""
        return f"p({self.risk})"


@dataclass(frozen=True)
class ClassificationShape:
    """A yes/no decision: named actions and a two-label outcome.

    ``risk_outcome`` is the outcome the specialists give the probability of (credit's "bad").
    ``reveals[action]`` lists the outcomes that can be observed after taking ``action`` (a
    declined loan never shows whether it would have been repaid: ``decline -> {}``); actions
    not listed reveal every outcome.
    """

    outcomes: tuple[str, ...]
    risk_outcome: str
    actions: tuple[str, ...]
    escalate_action: str
    reveals: Mapping[str, frozenset[str]] = field(default_factory=dict)
    kind: Literal["classification"] = "classification"

    def __post_init__(self) -> None:
        if len(self.outcomes) != 2 or len(set(self.outcomes)) != 2:
            raise _problem(f"a yes/no decision needs two distinct outcomes, got {self.outcomes}")
        if self.risk_outcome not in self.outcomes:
            raise _problem(f"risk outcome {self.risk_outcome!r} is not one of {self.outcomes}")
        if len(set(self.actions)) != len(self.actions):
            raise _problem(f"actions must be distinct, got {self.actions}")
        if self.escalate_action not in self.actions:
            raise _problem(f"escalation action {self.escalate_action!r} is not an action")
        if len(self.actions) < 2:
            raise _problem("at least one action besides escalation is needed")
        for action, seen in self.reveals.items():
            if action not in self.actions:
                raise _problem(f"reveals names an unknown action {action!r}")
            if not seen <= set(self.outcomes):
                raise _problem(f"reveals[{action!r}] names unknown outcomes {sorted(seen)}")
        full = frozenset(self.outcomes)
        object.__setattr__(
            self, "reveals",
            MappingProxyType({a: frozenset(self.reveals.get(a, full)) for a in self.actions}),
        )

    @property
    def safe_outcome(self) -> str:
        """The outcome that is not the risk outcome."""
        return next(o for o in self.outcomes if o != self.risk_outcome)

    @property
    def decisive_actions(self) -> tuple[str, ...]:
        """The actions that settle a case (everything but escalation)."""
        return tuple(a for a in self.actions if a != self.escalate_action)

    def case_record(self, roles: Roles) -> dict[str, Any]:
        """What the case aggregate records about this decision when a case opens."""
        return {
            "kind": self.kind,
            "actions": list(self.actions),
            "escalate_action": self.escalate_action,
            "outcomes": list(self.outcomes),
            "deciding_roles": list(roles.deciding),
        }


@dataclass(frozen=True)
class QuantityShape:
    """A decision whose action is a quantity (filled in by the demand pack's work).

    ``unit`` names what is counted ("bikes", "staff hours"); the order is clipped to
    [``minimum``, ``maximum``] and rounded to multiples of ``step``. The outcome is a number
    (realized demand), so the case records no outcome labels.
    """

    unit: str
    escalate_action: str
    minimum: float = 0.0
    maximum: float = float("inf")
    step: float = 1.0
    kind: Literal["quantity"] = "quantity"

    def __post_init__(self) -> None:
        if not self.unit.strip():
            raise _problem("a quantity needs a unit")
        if not (0 <= self.minimum <= self.maximum) or self.step <= 0:
            raise _problem("quantity bounds need 0 <= minimum <= maximum and step > 0")

    def case_record(self, roles: Roles) -> dict[str, Any]:
        """What the case aggregate records about this decision when a case opens."""
        return {
            "kind": self.kind,
            "escalate_action": self.escalate_action,
            "unit": self.unit,
            "deciding_roles": list(roles.deciding),
        }


DecisionShape = ClassificationShape | QuantityShape

__all__ = ["ROLE_NAME", "ClassificationShape", "DecisionShape", "QuantityShape", "Roles", "Words"]
