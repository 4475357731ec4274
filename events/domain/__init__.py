"""Docket's aggregates: the decision case, the policy, model versions, eval runs, alerts,
keys and the monthly exploration ledger."""

from events.domain.case import DECISION_KEYS, FLAGGING_VERDICTS, REASON_CODE, Case
from events.domain.common import ROLE_NAME, SYSTEM_ROLE, docket_id
from events.domain.exploration import ExplorationBudget
from events.domain.keys import KEY_ADMIN, Key
from events.domain.modelversion import ModelVersion
from events.domain.policy import Policy
from events.domain.records import SEVERITIES, Alert, EvalRun, ReadModelSeal

__all__ = [
    "DECISION_KEYS",
    "FLAGGING_VERDICTS",
    "KEY_ADMIN",
    "REASON_CODE",
    "ROLE_NAME",
    "SYSTEM_ROLE",
    "SEVERITIES",
    "Alert",
    "Case",
    "EvalRun",
    "ExplorationBudget",
    "Key",
    "ModelVersion",
    "Policy",
    "ReadModelSeal",
    "docket_id",
]
