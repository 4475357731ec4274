"""Shared explanation requests for the explainer tests (one German-credit case)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from assistant.domains.credit import WORDS
from assistant.explainers import ExplanationRequest

CREDIT_CSV = (Path(__file__).resolve().parents[2]
              / "assistant" / "domains" / "credit" / "data" / "german_credit.csv")
NUMERIC = {"duration_in_month", "credit_amount", "age_in_years", "present_residence_since",
           "installment_rate_in_percentage_of_disposable_income",
           "number_of_existing_credits_at_this_bank",
           "number_of_people_being_liable_to_provide_maintenance_for"}

PERSONAL = {"name": "Jane Doe", "email": "jane.doe@example.com",
            "phone": "+49 30 1234567", "iban": "DE89 3704 0044 0532 0130 00"}

FEATURES: dict[str, str | int] = {
    "status_of_existing_checking_account": "0 <= ... < 200 DM",
    "duration_in_month": 48,
    "credit_history": "existing credits paid back duly till now",
    "purpose": "radio/television",
    "credit_amount": 5951,
    "savings_account_and_bonds": "... < 100 DM",
    "present_employment_since": "1 <= ... < 4 years",
    "age_in_years": 22,
    "housing": "own",
}
ATTRIBUTIONS = {"duration_in_month": 0.81, "status_of_existing_checking_account": 0.52,
                "age_in_years": 0.31, "credit_amount": 0.2, "purpose": -0.44,
                "housing": -0.12, "credit_history": 0.0}


def credit_request(**changes: Any) -> ExplanationRequest:
    base: dict[str, Any] = {
        "domain": "credit",
        "features": FEATURES,
        "feature_descriptions": {"duration_in_month": "Duration in months",
                                 "credit_amount": "Credit amount (DM)"},
        "p_bad": 0.617,
        "recommended_action": "decline",
        "expected_costs": {"approve": 3.085, "decline": 0.383, "escalate": 0.45},
        "attributions": ATTRIBUTIONS,
        "ood": False,
        "personal": PERSONAL,
        "note": "Please call me on +49 30 1234567 if anything is missing. - Jane Doe",
        "actions": ["approve", "decline", "escalate"],
        "lexicon": WORDS.lexicon,  # as the service passes the pack's words
    }
    base.update(changes)
    return ExplanationRequest(**base)


def credit_rows() -> list[dict[str, str | int]]:
    """All rows of the German credit data as feature dicts (label dropped)."""
    rows: list[dict[str, str | int]] = []
    if not CREDIT_CSV.exists():
        return rows
    with CREDIT_CSV.open(encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            raw.pop("creditability", None)
            rows.append({k: int(v) if k in NUMERIC else v for k, v in raw.items()})
    return rows
