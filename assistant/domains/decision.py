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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from events.domain.case_rules import REASON_CODE
from events.errors import DocketError
from guardrails.facts import Lexicon

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


DEFAULT_REASON_CODES: Mapping[str, str] = MappingProxyType({
    "policy_exception": "Policy exception approved by management",
    "missing_information": "The model lacks information the operator has",
    "data_error": "The case data is wrong",
    "model_disagreement": "The operator judges the case differently",
    "other": "Other (explain in the text)",
})
"""The override reason codes of a pack that declares none (code -> short label)."""


@dataclass(frozen=True)
class Words:
    """How the pack's people speak about a case (used in every screen and message).

    ``risk`` names the risk outcome in prose ("default", "fraud"); ``case`` names one case
    ("application", "transaction"); ``subject`` the one the case is about ("applicant");
    ``risk_event`` completes "the probability that this <case> ..." ("turns out bad", "is
    malignant"); ``note`` is what the subject's free text is called. ``lexicon`` tells the
    explanation checks how prose names the subject, the outcomes and each action, so they
    catch a lie told in the pack's own words (see :class:`guardrails.facts.Lexicon`).
    ``reason_codes`` are the codes an operator gives for overriding a recommendation, each
    with a short label, in the order the console offers them (e.g. ``{"patient_declined":
    "The participant declined the plan", "other": "Other (explain in the text)"}``);
    a code is lower-case letters, digits and '_'. Default: :data:`DEFAULT_REASON_CODES`.
    """

    case: str = "case"
    cases: str = "cases"
    subject: str = "subject"
    risk: str = "risk"
    risk_event: str = "has the risk outcome"
    note: str = "note"
    lexicon: Lexicon = field(default_factory=Lexicon)
    reason_codes: Mapping[str, str] = field(default_factory=lambda: DEFAULT_REASON_CODES)

    def __post_init__(self) -> None:
        codes = self.reason_codes
        if not isinstance(codes, Mapping) or not codes:
            raise _problem("words.reason_codes: declare at least one override reason code "
                           "(code -> short label), or leave it out for the defaults")
        for code, label in codes.items():
            if not isinstance(code, str) or not REASON_CODE.match(code):
                raise _problem(f"words.reason_codes: {code!r} must be lower-case letters, "
                               "digits and '_' (at most 64), starting with a letter")
            if not isinstance(label, str) or not label.strip():
                raise _problem(f"words.reason_codes: {code!r} needs a short label")
        object.__setattr__(self, "reason_codes", MappingProxyType(dict(codes)))
        lexicon = self.lexicon
        patterns = [(kind, pattern) for kind in ("subjects", "risk_terms", "safe_terms",
                                                 "judgement_terms")
                    for pattern in getattr(lexicon, kind)]
        patterns += [("action_forms", forms) for _, forms in lexicon.action_forms]
        patterns += [("action_words", forms) for _, table in lexicon.action_words
                     for _, forms in table]
        patterns += [("feature_words", forms) for _, forms in lexicon.feature_words]
        for kind, pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:  # else the explanation checks fail later
                raise _problem(f"words.lexicon.{kind}: {pattern!r} is not a regular "
                               f"expression ({exc})") from exc

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
class QuantityWords:
    """How a quantity pack's prose names the decided quantity and the realised one.

    The defaults are the newsvendor's (and the demand pack's) words: an ``order`` placed
    against ``demand``. A pack contracting megawatts against the grid's load says
    ``QuantityWords(outcome="load", order="contract", orders="contracts",
    ordered="contracted")``; reasons, quality, health and monitoring then use them.
    """

    outcome: str = "demand"  # the realised quantity: "realised demand", "known load"
    order: str = "order"  # one decided quantity, as a noun: "the policy's order"
    orders: str = "orders"
    ordered: str = "ordered"  # "what was ordered"


NEWSVENDOR_WORDS = QuantityWords()
"""The default words: an order against demand."""


class ShapeError(DocketError, ValueError):
    """A pack declares an impossible quantity decision (names the field and the problem)."""


@dataclass(frozen=True)
class QuantityShape:
    """A "how much" decision: the order (or staffing level) is a number of ``unit``.

    The loss of ordering ``q`` when ``d`` turns out to be needed is
    ``underage_cost * max(d - q, 0) + overage_cost * max(q - d, 0)``; its minimiser over a
    predictive distribution is the newsvendor critical fractile
    ``underage_cost / (underage_cost + overage_cost)`` of predicted demand.
    """

    target: str  # the numeric outcome, e.g. units demanded in the period
    unit: str  # what one unit of the action is called ("bikes", "cases", "staff hours")
    period: str  # what one case covers ("hour", "day", "delivery")
    step: int  # orders are whole multiples of this pack size
    minimum_order: int  # never recommend fewer (0: ordering nothing is allowed)
    capacity: int  # never recommend more (space, fleet, vendor limit)
    underage_cost: float  # margin lost per unit short
    overage_cost: float  # holding or waste per unit left over
    quantiles: tuple[float, ...]  # levels the specialist predicts, strictly increasing
    interval: tuple[float, float]  # the predictive interval the escalation rule reads
    max_relative_width: float  # escalate when (high - low) / max(median, step) exceeds this
    escalate_on_ood: bool = True
    # Periods between placing an order and the period it covers: the order for period t is
    # decided at t - lead_time, so a model may only learn from periods before that, and every
    # feature must be known then (the pack checks its own features against it).
    lead_time: int = 0
    escalate_action: str = "escalate"  # the action name that sends a case to a person
    order_action: str = "order"  # the action name of "order this quantity"
    cost_unit: str = "cost units"
    kind: Literal["quantity"] = "quantity"

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ShapeError("pack declaration: quantity shape: " + "; ".join(problems))

    def _problems(self) -> list[str]:
        out = []
        if self.step < 1:
            out.append(f"step: must be at least 1, got {self.step}")
        if self.minimum_order < 0:
            out.append(f"minimum_order: must not be negative, got {self.minimum_order}")
        if self.capacity < max(self.minimum_order, self.step):
            out.append(f"capacity: {self.capacity} is below the minimum order or one step "
                       "(bounds need minimum_order <= capacity)")
        if self.step >= 1 and (self.minimum_order % self.step or self.capacity % self.step):
            out.append(f"minimum_order and capacity: must be multiples of the step {self.step}")
        for name in ("underage_cost", "overage_cost"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                out.append(f"{name}: must be a positive number, got {value}")
        qs = self.quantiles
        if not qs or any(not 0 < q < 1 for q in qs) or list(qs) != sorted(set(qs)):
            out.append(f"quantiles: must be strictly increasing levels in (0, 1), got {qs}")
        low, high = self.interval
        if not (low < high and low in qs and high in qs):
            out.append(f"interval: {self.interval} must be two predicted quantiles, low < high")
        if 0.5 not in qs:
            out.append("quantiles: must include the median (0.5)")
        if not self.unit.strip():
            out.append("unit: a quantity needs a unit")
        if not self.max_relative_width > 0:
            out.append(f"max_relative_width: must be positive, got {self.max_relative_width}")
        if self.lead_time < 0:
            out.append(f"lead_time: must not be negative, got {self.lead_time}")
        if self.escalate_action == self.order_action:
            out.append("escalate_action: must differ from order_action")
        return out

    @property
    def critical_fractile(self) -> float:
        """The quantile of demand that minimises expected loss: cu / (cu + co)."""
        return self.underage_cost / (self.underage_cost + self.overage_cost)

    def loss(self, order: float, demand: float) -> float:
        """Cost of ordering ``order`` when ``demand`` was needed."""
        return self.underage_cost * max(demand - order, 0.0) + self.overage_cost * max(
            order - demand, 0.0
        )

    def with_costs(self, underage_cost: float, overage_cost: float) -> QuantityShape:
        """The same shape with the owner's new economics (validated again)."""
        return replace(self, underage_cost=underage_cost, overage_cost=overage_cost)

    def feasible(self, quantity: int) -> str | None:
        """Why ``quantity`` is not an allowed order, or None when it is."""
        if quantity < self.minimum_order or quantity > self.capacity:
            return (f"must be between the minimum order {self.minimum_order} and the capacity "
                    f"{self.capacity} {self.unit}")
        if quantity % self.step:
            return f"must be a multiple of the pack size {self.step} {self.unit}"
        return None


    def case_record(self, roles: Roles) -> dict[str, Any]:
        """What the case aggregate records about this decision when a case opens."""
        return {
            "kind": self.kind,
            "escalate_action": self.escalate_action,
            "order_action": self.order_action,
            "unit": self.unit,
            "target": self.target,
            "deciding_roles": list(roles.deciding),
        }


DecisionShape = ClassificationShape | QuantityShape

__all__ = [
    "DEFAULT_REASON_CODES", "NEWSVENDOR_WORDS", "ROLE_NAME", "ClassificationShape",
    "DecisionShape", "QuantityShape", "QuantityWords", "Roles", "ShapeError", "Words",
]
