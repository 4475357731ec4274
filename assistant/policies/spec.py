"""The policy a named owner is accountable for: actions, costs and escalation rules.

A :class:`PolicySpec` is plain data: it round-trips through JSON (``docket backtest --policy
FILE``) and every change to it is recorded as an event by the owner role. It says nothing
about models; :mod:`assistant.policies.recommend` turns a calibrated probability into an
action under it.

Cost semantics
--------------
``costs[action][outcome]`` is the cost of taking ``action`` when ``outcome`` happens. The
row of the escalation action is the *review cost* (a senior reviewer's time). The reviewer's
judgement earns no credit: an escalated case is charged its review cost *on top of* the cost
of the action the policy would otherwise have taken (see ``recommend``). That keeps escalation
from looking free in a backtest and means escalation is driven by the band / OOD rules, never
by cost minimisation alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.policies.exploration import Exploration
from events.domain.common import field_problems
from events.errors import FieldProblem, InputRejected


class PolicySpec(BaseModel):
    """An owned decision policy for one domain (immutable; change it with :meth:`with_changes`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    domain: str = Field(description="Domain pack this policy belongs to, e.g. 'credit'.")
    actions: tuple[str, ...] = Field(description="Every action the policy may recommend.")
    outcomes: tuple[str, ...] = Field(description="Every outcome a case can have.")
    risk_outcome: str = Field(description="The outcome the specialists' probability is of.")
    escalate_action: str = Field(description="Action that hands the case to a senior reviewer.")
    costs: dict[str, dict[str, float]] = Field(
        description="costs[action][outcome]: cost of the action when the outcome happens; "
        "the escalation row is the review cost, charged on top of the otherwise chosen action."
    )
    escalate_band: tuple[float, float] = Field(
        description="Escalate when the risk probability lies in [low, high] (inclusive). "
        "An empty band (low > high) disables it."
    )
    escalate_on_ood: bool = Field(
        default=True, description="Escalate cases the out-of-distribution check flags."
    )
    exploration: Exploration = Field(
        default_factory=Exploration,
        description="The owner's exploration budget: a small randomised share of cases near "
        "the break-even, logged with propensities (off by default).",
    )
    owner_role: str = Field(description="Role allowed to change it (the pack's owner role).")
    review_every_days: int = Field(default=90, ge=1, description="Review cadence in days.")

    @model_validator(mode="after")
    def _consistent(self) -> PolicySpec:
        problems: list[str] = []
        if self.escalate_action not in self.actions:
            problems.append(f"escalate_action {self.escalate_action!r} is not one of the actions")
        if len(self.decisive_actions) < 1:
            problems.append("at least one action besides escalation is needed")
        if len(self.outcomes) != 2 or self.risk_outcome not in self.outcomes:
            problems.append("outcomes must be two labels, one of them the risk_outcome")
        for action in self.actions:
            row = self.costs.get(action)
            if row is None:
                problems.append(f"costs has no row for action {action!r}")
                continue
            for outcome in self.outcomes:
                cost = row.get(outcome)
                if cost is None:
                    problems.append(f"costs[{action!r}] has no cost for outcome {outcome!r}")
                elif not math.isfinite(cost) or cost < 0:
                    problems.append(f"costs[{action!r}][{outcome!r}] must be finite and >= 0")
        for action in self.costs:
            if action not in self.actions:
                problems.append(f"costs names an unknown action {action!r}")
        low, high = self.escalate_band
        if not (0.0 <= low <= 1.0 and 0.0 <= high <= 1.0):
            problems.append("escalate_band bounds must lie in [0, 1]")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def decisive_actions(self) -> tuple[str, ...]:
        """The actions that settle a case (everything but escalation)."""
        return tuple(a for a in self.actions if a != self.escalate_action)

    @property
    def review_cost(self) -> float:
        """What a senior's second look costs: the escalate action's cost when the risk
        happens (the pack's escalation row; 0 when the policy has no escalation)."""
        return float(self.costs.get(self.escalate_action, {}).get(self.risk_outcome, 0.0))

    def best_action_for(self, outcome: str) -> str:
        """The decisive action that costs least when ``outcome`` happens (e.g. decline for bad)."""
        return min(self.decisive_actions, key=lambda action: self.costs[action][outcome])

    @cached_property
    def safe_outcome(self) -> str:
        """The outcome that is not the risk outcome (e.g. 'good')."""
        return next(o for o in self.outcomes if o != self.risk_outcome)

    # --- JSON -----------------------------------------------------------------------------

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> PolicySpec:
        """Parse a policy; raises InputRejected naming each problem."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise InputRejected(field_problems(exc, "policy")) from exc

    @classmethod
    def from_file(cls, path: str | Path) -> PolicySpec:
        """Read a policy JSON file (``docket backtest --policy FILE``)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputRejected([FieldProblem("policy", f"cannot read {path}: {exc}")]) from exc
        return cls.from_json(text)

    def with_changes(self, changes: Mapping[str, Any]) -> PolicySpec:
        """A new spec with ``changes`` applied (e.g. ``{"escalate_band": [0.1, 0.3]}``).

        ``costs`` may be partial: given rows/outcomes replace the current ones.
        Raises InputRejected naming each problem.
        """
        data = json.loads(self.model_dump_json())
        # An outcome the policy does not know is refused like an unknown action (checked
        # here, on the change, so a store holding an old policy still loads).
        new_costs = changes.get("costs")
        if isinstance(new_costs, Mapping):
            unknown = [
                f"costs[{action!r}] names an unknown outcome {outcome!r} (one of "
                f"{', '.join(self.outcomes)})"
                for action, row in new_costs.items() if isinstance(row, Mapping)
                for outcome in row if outcome not in self.outcomes
            ]  # fmt: skip
            if unknown:
                raise InputRejected([FieldProblem("policy.costs", u) for u in unknown])
        for key, value in changes.items():
            if key == "exploration" and isinstance(value, Mapping):
                data["exploration"] = {**data.get("exploration", {}), **value}
            elif key == "costs" and isinstance(value, Mapping):
                for action, row in value.items():
                    merged = dict(data["costs"].get(action, {}))
                    merged.update(row if isinstance(row, Mapping) else {"?": row})
                    data["costs"][action] = merged
            else:
                data[key] = value
        try:
            return PolicySpec.model_validate(data)
        except ValidationError as exc:
            raise InputRejected(field_problems(exc, "policy")) from exc
