"""A second yes/no pack, written from README's "Adding a domain" alone: refer a breast mass
for biopsy or not, on the real Breast Cancer Wisconsin (Diagnostic) data.

It shares no name with credit: its actions are ``discharge`` / ``biopsy`` / ``review``
(``review`` hands the case to a consultant), its outcome is ``malignant`` = ``No`` / ``Yes``,
its cases are decided by a ``radiologist`` and, once sent up, by a ``consultant``, and its
policy is owned by a ``clinical_lead``. It has no categorical feature, no personal details
and no free-text note. Tests register it with ``register_pack("biopsy", make_pack)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from assistant.domains import ClassificationShape, DomainPack, Roles, Words
from assistant.policies import PolicySpec
from guardrails.facts import Lexicon

DATA_PATH = Path(__file__).parent / "data" / "wdbc.csv"
DATA_SHA256 = "84eefd3854bab8537ddb031b27e9c0c4ed58a584fd856d790002c810d6096afb"

MEASURES = {
    "radius": "mean distance from centre to points on the perimeter (pixels)",
    "texture": "standard deviation of grey-scale values",
    "perimeter": "perimeter of the nucleus (pixels)",
    "area": "area of the nucleus (square pixels)",
    "smoothness": "local variation in radius lengths",
    "compactness": "perimeter^2 / area - 1.0",
    "concavity": "severity of concave portions of the contour",
    "concave_points": "number of concave portions of the contour",
    "symmetry": "symmetry of the nucleus",
    "fractal_dimension": "coastline approximation - 1",
}
STATISTICS = {
    "mean": "mean over the nuclei in the image of the {}",
    "error": "standard error over the nuclei in the image of the {}",
    "worst": "mean of the three largest values in the image of the {}",
}
NUMERIC = tuple(
    f"{stat}_{measure}" if stat != "error" else f"{measure}_error"
    for stat in STATISTICS
    for measure in MEASURES
)


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=False)


def _fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for stat, template in STATISTICS.items():
        for measure, what in MEASURES.items():
            name = f"{stat}_{measure}" if stat != "error" else f"{measure}_error"
            fields[name] = (float, Field(ge=0.0, description=template.format(what)))
    return fields


FineNeedleAspirate = create_model("FineNeedleAspirate", __base__=_Base, **_fields())

DECISION = ClassificationShape(
    outcomes=("No", "Yes"),
    risk_outcome="Yes",
    actions=("discharge", "biopsy", "review"),
    escalate_action="review",
)
ROLES = Roles(owner="clinical_lead", operator="radiologist", senior="consultant")
WORDS = Words(
    case="scan", cases="scans", subject="patient", risk="malignancy", risk_event="is malignant",
    lexicon=Lexicon(
        subjects=(r"patients?", r"wom[ae]n"),
        risk_terms=(r"malignan\w*", r"cancer\w*", r"carcinoma\w*"),
        safe_terms=(r"benign",),
        action_forms=(
            ("discharge", r"discharg\w*|send (?:her|him|them|the patient) home|"
                          r"no further (?:action|tests?|investigation)"),
            ("biopsy", r"biops\w*|tissue sample|(?:needle|core) sampl\w*"),
            ("review", r"review\w*|consultant|second (?:look|opinion)"),
        ),
    ),
)

DEFAULT_POLICY = PolicySpec(
    domain="biopsy",
    actions=DECISION.actions,
    outcomes=DECISION.outcomes,
    risk_outcome="Yes",
    escalate_action="review",
    # Missing a malignancy costs far more than an unneeded biopsy (an assumption for the
    # clinical lead to set): discharge|Yes 20, biopsy|No 1, a consultant's review 0.2.
    costs={
        "discharge": {"No": 0.0, "Yes": 20.0},
        "biopsy": {"No": 1.0, "Yes": 0.0},
        "review": {"No": 0.2, "Yes": 0.2},
    },
    escalate_band=(0.03, 0.08),
    escalate_on_ood=True,
    owner_role="clinical_lead",
    review_every_days=30,
)

BASELINE = "biopsy when the worst radius exceeds 16 pixels or the worst concave points 0.12; " \
           "otherwise discharge."


def rules(row: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """A size-and-shape checklist (not fitted to the data)."""
    if row["worst_radius"] > 16:
        return "biopsy", "large", (f"worst radius {row['worst_radius']:.1f} > 16",)
    if row["worst_concave_points"] > 0.12:
        return "biopsy", "irregular", ("worst concave points > 0.12",)
    return "discharge", "small-regular", ("small and regular nuclei",)


def make_pack() -> DomainPack:
    return DomainPack(
        name="biopsy",
        description="Refer a breast mass for biopsy (Breast Cancer Wisconsin, 569 real cases).",
        input_model=FineNeedleAspirate,
        categorical=(),
        numeric=NUMERIC,
        protected=(),
        feature_rationale=__doc__ or "",
        personal_fields=(),
        note_field="",
        decision=DECISION,
        roles=ROLES,
        words=WORDS,
        label_field="malignant",
        default_policy=DEFAULT_POLICY,
        baseline_rules=rules,
        baseline_description=BASELINE,
        data_path=DATA_PATH,
        data_sha256=DATA_SHA256,
    )


def make_tissue_pack() -> DomainPack:
    """The same pack as a clinic would declare what it sees: the tissue sample shows whether
    the mass was malignant, a discharged patient shows nothing (a review decides nothing
    itself). Its revealing action is neither the first nor the accepting one, nor named
    approve: the selective-labels simulations' test pack."""
    pack = make_pack()
    tissue = dataclasses.replace(DECISION, reveals={
        "discharge": frozenset(), "biopsy": frozenset(DECISION.outcomes)})
    return dataclasses.replace(pack, decision=tissue)


def make_clinic_pack() -> DomainPack:
    """The tissue pack as a clinic that follows its patients declares it: a discharged
    patient shows a malignancy when she comes back, never that the mass was benign
    (``discharge`` reveals ``Yes`` only, a partial action). The selective-labels simulations'
    test pack for an action that reveals some outcomes only."""
    pack = make_pack()
    clinic = dataclasses.replace(DECISION, reveals={
        "discharge": frozenset({"Yes"}), "biopsy": frozenset(DECISION.outcomes)})
    return dataclasses.replace(pack, decision=clinic)
