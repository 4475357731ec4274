"""Owned decision policies: cost matrix, escalation rules, recommendation and backtest."""

from assistant.policies.backtest import ArmResult, BacktestReport, backtest
from assistant.policies.recommend import (
    BaselineDecision,
    OodLike,
    Recommendation,
    baseline_recommendation,
    decision_threshold,
    expected_costs,
    recommend,
)
from assistant.policies.spec import PolicySpec
from assistant.stats import Interval

__all__ = [
    "ArmResult",
    "BacktestReport",
    "BaselineDecision",
    "Interval",
    "OodLike",
    "PolicySpec",
    "Recommendation",
    "backtest",
    "baseline_recommendation",
    "decision_threshold",
    "expected_costs",
    "recommend",
]
