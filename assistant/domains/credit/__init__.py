"""The credit domain: Statlog German Credit applications (1,000 real cases, 1994).

Feature choice
--------------
* ``personal_status_and_sex`` and ``foreign_worker`` are *protected* characteristics (sex,
  marital status, nationality). They are validated and recorded with the case, so outcomes can
  be monitored by group, but they are never model features: a lender may not decide on them,
  and a model that sees them can learn historical discrimination. Dropping them does not make
  the model fair by itself (other attributes may proxy for them); it removes direct use.
* ``age_in_years`` is kept as a feature, deliberately. Age is also a protected ground in
  anti-discrimination law, but credit law in many jurisdictions permits it in an empirically
  derived, statistically sound scoring system as long as older applicants are not
  disadvantaged, and it carries real signal here (younger applicants default more often).
  Monitoring should report outcomes by age band; a deployment that must not use age can build
  a pack with ``make_pack(use_age=False)``.
* Contact details (``name``, ``email``, ``phone``, ``iban``) and the applicant's free-text
  ``applicant_note`` may come with a case; they are never features.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domains.base import DomainPack
from assistant.domains.credit.action_words import ACTION_WORDS
from assistant.domains.credit.fairness import FAIRNESS_GROUPS
from assistant.domains.credit.feature_words import FEATURE_WORDS
from assistant.domains.credit.rules import DESCRIPTION, credit_rules
from assistant.domains.credit.schema import CreditApplication
from assistant.domains.decision import ClassificationShape, Roles, Words
from assistant.policies import PolicySpec
from guardrails.facts import Lexicon

DATA_PATH = Path(__file__).parent / "data" / "german_credit.csv"
DATA_SHA256 = "2c0bae00275c028fc853a1ea72cc7a68002c3f6876c41300c5c948711540c8c6"

CATEGORICAL = (
    "status_of_existing_checking_account",
    "credit_history",
    "purpose",
    "savings_account_and_bonds",
    "present_employment_since",
    "other_debtors_or_guarantors",
    "property",
    "other_installment_plans",
    "housing",
    "job",
    "telephone",
)
NUMERIC = (
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
)
PROTECTED = ("personal_status_and_sex", "foreign_worker")

REVIEW_COST = 0.1
"""Cost of a senior review, in the cost matrix's unit (declining a good applicant = 1).

An assumption to revisit with the policy owner: roughly an hour of a senior reviewer against
the margin lost on a declined good loan. It is charged on top of the cost of the action the
policy would otherwise take, so escalation never looks free.
"""

DECISION = ClassificationShape(
    outcomes=("good", "bad"),
    risk_outcome="bad",
    actions=("approve", "decline", "escalate"),
    escalate_action="escalate",
    # A declined applicant never shows whether the loan would have been repaid. Escalation is
    # not listed (so it reveals both): what is seen depends on the senior's final action.
    reveals={"approve": frozenset({"good", "bad"}), "decline": frozenset()},
)
ROLES = Roles(owner="risk_owner")
WORDS = Words(
    case="application", cases="applications", subject="applicant", risk="bad",
    risk_event="turns out bad", note="applicant's note",
    lexicon=Lexicon(
        subjects=(r"applicants?", r"borrowers?", r"customers?", r"clients?", r"payers?"),
        risk_terms=(r"default\w*", r"bad"),
        safe_terms=(r"repay\w*", r"paying back", r"pay back", r"creditworth\w*", r"approval"),
        judgement_terms=(r"creditworthy",),
        action_forms=(
            ("approve", r"approv\w*|grant(?:s|ed|ing)?\b|accept(?:s|ed|ing|ance)?\b|"
                        r"go[- ]ahead|green[- ]light\w*|sign(?:ed)?[- ]off"),
            ("decline", r"declin\w*|reject\w*|den(?:y|ied|ies|ial|ying)\b|refus\w*|"
                        r"turn(?:s|ed|ing)? (?:it |this |the \w+ )?down"),
            ("escalate", r"escalat\w*|referr\w*|refer (?:it|the case|this case|the application) "
                         r"to|senior review|second (?:look|review|opinion)"),
        ),
        action_words=ACTION_WORDS,
        feature_words=FEATURE_WORDS,
    ),
    reason_codes={
        "policy_exception": "Policy exception approved by management",
        "missing_information": "The model lacks information the operator has",
        "data_error": "The case data is wrong",
        "customer_relationship": "Existing customer relationship",
        "model_disagreement": "Operator judges the risk differently",
        "other": "Other (explain in the text)",
    },
)

DEFAULT_POLICY = PolicySpec(
    domain="credit",
    actions=("approve", "decline", "escalate"),
    outcomes=("good", "bad"),
    risk_outcome="bad",
    escalate_action="escalate",
    costs={
        "approve": {"good": 0.0, "bad": 5.0},
        "decline": {"good": 1.0, "bad": 0.0},
        "escalate": {"good": REVIEW_COST, "bad": REVIEW_COST},
    },
    escalate_band=(0.14, 0.20),
    escalate_on_ood=True,
    owner_role="risk_owner",
    review_every_days=90,
)


def make_pack(*, use_age: bool = True) -> DomainPack:
    """Build the credit pack (``use_age=False`` drops age from the model features)."""
    numeric = NUMERIC if use_age else tuple(n for n in NUMERIC if n != "age_in_years")
    return DomainPack(
        name="credit",
        description="Consumer credit applications (Statlog German Credit, 1,000 real cases).",
        input_model=CreditApplication,
        categorical=CATEGORICAL,
        numeric=numeric,
        protected=PROTECTED,
        feature_rationale=__doc__ or "",
        personal_fields=("name", "email", "phone", "iban"),
        note_field="applicant_note",
        decision=DECISION,
        roles=ROLES,
        words=WORDS,
        label_field="creditability",
        default_policy=DEFAULT_POLICY,
        baseline_rules=credit_rules,
        baseline_description=DESCRIPTION,
        data_path=DATA_PATH,
        data_sha256=DATA_SHA256,
        fairness_groups=FAIRNESS_GROUPS,
    )


__all__ = ["DATA_SHA256", "DEFAULT_POLICY", "WORDS", "make_pack"]
