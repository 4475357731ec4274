"""What front ends see: plain, immutable views returned by :class:`assistant.service.DocketService`.

The TUI, the CLI and the evals read these and nothing else, so a screen never
needs to know how the log or the read models are stored.
"""

from __future__ import annotations

from assistant.views.acting import (
    Accept,
    Decision,
    Escalate,
    Identity,
    KeyView,
    Override,
)
from assistant.views.case import (
    AttributionView,
    AuditView,
    CaseDetail,
    CaseState,
    DecisionView,
    ExplanationView,
    FieldView,
    QuantityView,
    RecommendationState,
    SeenState,
    TimelineEntry,
    VerdictView,
)
from assistant.views.evaluation import (
    AssessmentView,
    DraftView,
    FairnessGroupsView,
    QuantityAssessmentView,
    QuantityPreviewView,
    SimulationView,
)
from assistant.views.flags import (
    BADGES,
    FLAGS,
    STALE_COME_FIRST,
    STALE_IS_SHOWN,
    STATUS_FILTERS,
    Flag,
    flag_named,
    inert,
    is_stale_word,
    parse_flag,
    split_filter,
)
from assistant.views.health import (
    AlertView,
    CalibrationBand,
    HealthView,
    IngestReport,
    ModelView,
    OverrideEffect,
    StatusView,
)
from assistant.views.policy import (
    BacktestView,
    DomainView,
    OrderArmView,
    OrderBacktestView,
    PolicyChangeView,
    PolicyPreview,
    PolicyView,
    PromotionProposalView,
    ProposalView,
)
from assistant.views.queue import (
    FIRST_PAGE,
    QueuePage,
    QueueQuery,
    QueueRow,
)
from assistant.views.words import WordsView
from events.errors import senior_reviewer

__all__ = [
    "Decision",
    "Flag",
    "Accept",
    "AlertView",
    "AssessmentView",
    "QuantityAssessmentView",
    "QuantityPreviewView",
    "AttributionView",
    "AuditView",
    "BADGES",
    "BacktestView",
    "CalibrationBand",
    "CaseDetail",
    "CaseState",
    "DecisionView",
    "DomainView",
    "DraftView",
    "FairnessGroupsView",
    "Escalate",
    "ExplanationView",
    "FIRST_PAGE",
    "FLAGS",
    "FieldView",
    "HealthView",
    "Identity",
    "IngestReport",
    "KeyView",
    "ModelView",
    "OrderArmView",
    "OrderBacktestView",
    "Override",
    "OverrideEffect",
    "PolicyChangeView",
    "PolicyPreview",
    "PolicyView",
    "PromotionProposalView",
    "ProposalView",
    "QuantityView",
    "QueuePage",
    "QueueQuery",
    "QueueRow",
    "STATUS_FILTERS",
    "STALE_COME_FIRST",
    "STALE_IS_SHOWN",
    "SimulationView",
    "StatusView",
    "RecommendationState",
    "SeenState",
    "TimelineEntry",
    "VerdictView",
    "WordsView",
    "flag_named",
    "inert",
    "is_stale_word",
    "parse_flag",
    "senior_reviewer",
    "split_filter",
]
