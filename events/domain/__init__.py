"""Docket's aggregates: the decision case, the policy, model versions, eval runs, alerts."""

from events.domain.case import DECIDING_ROLES, FLAGGING_VERDICTS, OUTCOMES, REASON_CODES, Case
from events.domain.common import ROLES, docket_id
from events.domain.keys import KEY_ADMIN, Key
from events.domain.modelversion import ModelVersion
from events.domain.policy import Policy
from events.domain.records import SEVERITIES, Alert, EvalRun

__all__ = [
    "DECIDING_ROLES",
    "FLAGGING_VERDICTS",
    "KEY_ADMIN",
    "OUTCOMES",
    "REASON_CODES",
    "ROLES",
    "SEVERITIES",
    "Alert",
    "Case",
    "EvalRun",
    "Key",
    "ModelVersion",
    "Policy",
    "docket_id",
]
