"""Careplan: intensify a participant's diabetes care plan or keep standard follow-up.

Written from README's "Adding a domain" only. The data is the diabetes study of Efron, Hastie,
Johnstone and Tibshirani (2004) as scikit-learn ships it (provenance in data/PROVENANCE.md);
the outcome is whether the one-year disease-progression score reached 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.domains import ClassificationShape, DomainPack, FairnessGroup, Roles, Words
from assistant.policies import PolicySpec
from guardrails.facts import Lexicon

DATA = Path(__file__).parent / "data" / "diabetes_progression.csv"
DATA_SHA256 = "da918dfe57a4378129461c274ffd998ba4563b74246714da1d6ebc20aa6f796f"

ACTIONS = ("intensify", "standard", "case_conference")
OUTCOMES = ("held", "worsened")


class CheckUp(BaseModel):
    """One participant's baseline check-up."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    age: int = Field(ge=18, le=100, description="Age in years")
    sex: int = Field(ge=1, le=2, description="Sex as the study coded it (1 or 2); protected")
    bmi: float = Field(ge=10, le=70, description="Body mass index (kg/m²)")
    bp: float = Field(ge=40, le=200, description="Average blood pressure (mm Hg)")
    tc: float = Field(ge=50, le=400, description="Total serum cholesterol (mg/dL)")
    ldl: float = Field(ge=10, le=350, description="Low-density lipoproteins (mg/dL)")
    hdl: float = Field(ge=10, le=150, description="High-density lipoproteins (mg/dL)")
    tch: float = Field(ge=1, le=12, description="Total cholesterol / HDL ratio")
    ltg: float = Field(ge=2, le=8, description="Log of serum triglycerides level")
    glu: float = Field(ge=40, le=200, description="Blood sugar level (mg/dL)")


def baseline_rules(row: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """The programme's checklist before any model: obesity or high triglycerides intensify."""
    if float(row["bmi"]) >= 30:
        return "intensify", "obese", ("body mass index of 30 or more",)
    if float(row["ltg"]) >= 5.0:
        return "intensify", "high-triglycerides", ("log triglycerides of 5.0 or more",)
    return "standard", "no-flag", ("neither checklist flag present",)


def _sex(values: Mapping[str, Any]) -> str:
    value = values.get("sex")
    return f"sex {value}" if value in (1, 2) else "?"


def make_pack() -> DomainPack:
    return DomainPack(
        name="careplan",
        description="intensify a participant's diabetes care plan or keep standard follow-up",
        input_model=CheckUp,
        categorical=(),
        numeric=("age", "bmi", "bp", "tc", "ldl", "hdl", "tch", "ltg", "glu"),
        protected=("sex",),
        feature_rationale="Age, body mass index, blood pressure and the six serum measurements "
                          "are the study's baseline variables; sex is recorded for fairness "
                          "checks and never scored.",
        personal_fields=("phone",),
        note_field="coordinator_note",
        decision=ClassificationShape(
            outcomes=OUTCOMES, risk_outcome="worsened", actions=ACTIONS,
            escalate_action="case_conference"),
        roles=Roles(owner="programme_director", operator="care_coordinator",
                    senior="endocrinologist", engineer="data_steward",
                    auditor="quality_auditor"),
        label_field="progression",
        default_policy=PolicySpec(
            domain="careplan", actions=ACTIONS, outcomes=OUTCOMES, risk_outcome="worsened",
            escalate_action="case_conference",
            costs={"intensify": {"held": 1.0, "worsened": 1.5},
                   "standard": {"held": 0.0, "worsened": 5.0},
                   "case_conference": {"held": 0.2, "worsened": 0.2}},
            escalate_band=(0.17, 0.28), owner_role="programme_director"),
        baseline_rules=baseline_rules,
        baseline_description="Intensify when body mass index is 30 or more or log "
                             "triglycerides 5.0 or more; otherwise standard follow-up.",
        data_path=DATA,
        data_sha256=DATA_SHA256,
        words=Words(
            case="check-up", cases="check-ups", subject="participant", risk="progression",
            risk_event="progresses within a year", note="coordinator note",
            lexicon=Lexicon(
                subjects=(r"participants?",),
                risk_terms=(r"progress\w*", r"worsen\w*"),
                safe_terms=(r"stable", r"held"),
                action_forms=(("intensify", r"intensif\w*|step \w+ up"),
                              ("standard", r"standard follow-up|routine care"),
                              ("case_conference", r"case conference")),
            ),
            reason_codes={
                "participant_preference": "The participant chose otherwise",
                "comorbidity": "Another condition changes the plan",
                "recent_results": "Newer results than the check-up",
                "model_disagreement": "The coordinator judges the progression differently",
                "other": "Other (explain in the text)",
            }),
        fairness_groups=(FairnessGroup("sex", _sex, ("sex 1", "sex 2")),),
    )
