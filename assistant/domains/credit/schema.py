"""Input schema of a credit application (Statlog German Credit attributes).

Category labels are the data set's own decoded labels, spelled exactly as in the shipped CSV.
Several numeric attributes are *coded* on small ordinal scales by the original data set
(e.g. the instalment rate is 1..4, not a percentage); their descriptions say so.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _not_bool(value: object) -> object:
    # pydantic's lax mode reads True as 1; a boolean is never a valid count or amount
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


Count = Annotated[int, BeforeValidator(_not_bool)]
Amount = Annotated[float, BeforeValidator(_not_bool)]

CheckingAccount = Literal[
    "... < 0 DM",
    "0 <= ... < 200 DM",
    "... >= 200 DM / salary assignments for at least 1 year",
    "no checking account",
]
CreditHistory = Literal[
    "no credits taken/ all credits paid back duly",
    "all credits at this bank paid back duly",
    "existing credits paid back duly till now",
    "delay in paying off in the past",
    "critical account/ other credits existing (not at this bank)",
]
Purpose = Literal[
    "car (new)",
    "car (used)",
    "furniture/equipment",
    "radio/television",
    "domestic appliances",
    "repairs",
    "education",
    "retraining",
    "business",
    "others",
]
Savings = Literal[
    "... < 100 DM",
    "100 <= ... < 500 DM",
    "500 <= ... < 1000 DM",
    "... >= 1000 DM",
    "unknown/ no savings account",
]
Employment = Literal[
    "unemployed",
    "... < 1 year",
    "1 <= ... < 4 years",
    "4 <= ... < 7 years",
    "... >= 7 years",
]
PersonalStatusSex = Literal[
    "male : divorced/separated",
    "female : divorced/separated/married",
    "male : single",
    "male : married/widowed",
]
OtherDebtors = Literal["none", "co-applicant", "guarantor"]
Property = Literal[
    "real estate",
    "building society savings agreement/ life insurance",
    "car or other, not in attribute Savings account/bonds",
    "unknown / no property",
]
OtherPlans = Literal["bank", "stores", "none"]
Housing = Literal["rent", "own", "for free"]
Job = Literal[
    "unemployed/ unskilled - non-resident",
    "unskilled - resident",
    "skilled employee / official",
    "management/ self-employed/ highly qualified employee/ officer",
]
Telephone = Literal["none", "yes, registered under the customers name"]
ForeignWorker = Literal["yes", "no"]


class CreditApplication(BaseModel):
    """One credit application: the 20 Statlog attributes (no contact details, no note)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    status_of_existing_checking_account: CheckingAccount = Field(
        description="Balance of the applicant's checking account at this bank (DM), or none."
    )
    duration_in_month: Count = Field(ge=1, le=120, description="Loan duration in months (1-120).")
    credit_history: CreditHistory = Field(description="Repayment history of earlier credits.")
    purpose: Purpose = Field(description="What the loan is for.")
    credit_amount: Amount = Field(
        gt=0, le=1_000_000, description="Amount requested in Deutsche Mark (DM), > 0."
    )
    savings_account_and_bonds: Savings = Field(description="Savings and bonds held (DM).")
    present_employment_since: Employment = Field(description="Time in current employment.")
    installment_rate_in_percentage_of_disposable_income: Count = Field(
        ge=1, le=4,
        description="Instalment as a share of disposable income, coded 1-4 by the data set "
        "(1: >= 35%, 2: 25-35%, 3: 20-25%, 4: < 20%).",
    )
    personal_status_and_sex: PersonalStatusSex = Field(
        description="Sex and marital status. PROTECTED: recorded, never a model feature."
    )
    other_debtors_or_guarantors: OtherDebtors = Field(
        description="Other debtors or guarantors on the loan."
    )
    present_residence_since: Count = Field(
        ge=1, le=4, description="Years at present residence, coded 1-4 by the data set."
    )
    property: Property = Field(description="Most valuable property held.")
    age_in_years: Count = Field(ge=18, le=100, description="Age in years (18-100).")
    other_installment_plans: OtherPlans = Field(description="Other instalment plans running.")
    housing: Housing = Field(description="Housing situation.")
    number_of_existing_credits_at_this_bank: Count = Field(
        ge=1, le=4, description="Existing credits at this bank, coded 1-4 by the data set."
    )
    job: Job = Field(description="Employment category.")
    number_of_people_being_liable_to_provide_maintenance_for: Count = Field(
        ge=1, le=2, description="People the applicant provides for, coded 1-2 by the data set."
    )
    telephone: Telephone = Field(description="Telephone registered under the applicant's name.")
    foreign_worker: ForeignWorker = Field(
        description="Whether the applicant is a foreign worker. PROTECTED: recorded, never a "
        "model feature."
    )
