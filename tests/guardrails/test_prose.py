"""Sentence-level prose checks: each lie refused by the right rule, honest prose passes."""

from __future__ import annotations

import pytest

from assistant.domains.credit import WORDS as CREDIT_WORDS
from guardrails.facts import CaseFacts, Lexicon
from guardrails.prose import check_prose

# Credit's words, as its pack declares them: the checks read the pack's lexicon.
FACTS = CaseFacts(
    lexicon=CREDIT_WORDS.lexicon,
    features={"duration_in_month": 48, "credit_amount": 5951, "purpose": "radio/television",
              "status_of_existing_checking_account": "0 <= ... < 200 DM", "age_in_years": 22},
    attributions={"duration_in_month": 0.8, "credit_amount": 0.2, "purpose": -0.4,
                  "status_of_existing_checking_account": 0.5, "age_in_years": 0.0},
    recommended_action="decline",
    p_bad=0.617,
    expected_costs={"approve": 3.085, "decline": 0.383, "escalate": 0.45},
    actions=("approve", "decline", "escalate"),
    labels={"duration_in_month": "Duration in months", "credit_amount": "Credit amount"},
    note="I have worked at the same bakery for eleven years and always paid on time.",
)


def blocked(summary: str, facts: CaseFacts = FACTS) -> set[str]:
    return {v.rule for v in check_prose(summary, facts) if v.failed}


@pytest.mark.parametrize(
    "summary",
    [
        "Decline: a 62% chance of default, driven by the 48-month duration.",
        "Recommendation: decline; the model estimates sixty-two percent.",
        "Decline. Roughly three in five similar cases default, more than half of them.",
        "Decline rather than approve: approve would cost 3.08 per case against 0.383.",
        "Expected cost per case: decline 0.383, escalate 0.45, approve 3.09.",
        "The 48-month duration raises the risk; the purpose lowers it.",
        "The risk is raised by the duration of 48 months, while the purpose works in the "
        "applicant's favour.",
        "The credit amount of 5,951 DM adds to the risk, and the account balance "
        "'0 <= ... < 200 DM' counts against the applicant.",
        "Three factors drive this: duration, account status and amount.",
        "Decline; the estimate is less reliable because the case is unusual.",
        "The applicant is not low risk: p(bad) is 0.617.",
    ],
)
def test_honest_prose_passes(summary: str) -> None:
    assert blocked(summary) == set(), [v for v in check_prose(summary, FACTS) if v.failed]


@pytest.mark.parametrize(
    ("summary", "rule"),
    [
        ("Approve: the risk is 62%.", "prose_actions"),
        ("The application should be granted.", "prose_actions"),
        ("We recommend acceptance of the loan.", "prose_actions"),
        ("Do not decline this case.", "prose_actions"),
        ("Refer it to a senior before anything else.", "prose_actions"),
        ("Only 4% of such cases default.", "prose_numbers"),
        ("About one in twenty such applicants default.", "prose_numbers"),
        ("Just a quarter of these loans go bad.", "prose_numbers"),
        ("The risk is only seven percent.", "prose_numbers"),
        ("The applicant earns 4,200 DM a month.", "prose_numbers"),
        ("Fewer than 1 in 10 default.", "prose_numbers"),
        ("Less than 90% of them default.", "prose_numbers"),
        ("The duration lowers the risk.", "prose_directions"),
        ("The purpose raises the risk.", "prose_directions"),
        ("The purpose counts against the applicant.", "prose_directions"),
        ("The 48-month duration improves the chance of repayment.", "prose_directions"),
        ("The age of 22 increases the risk.", "prose_directions"),  # zero attribution
        ("The applicant looks trustworthy overall.", "prose_judgement"),
        ("Income verified by compliance.", "prose_judgement"),
        ("This is definitely the right call.", "prose_judgement"),
        ("The applicant is low risk.", "prose_judgement"),
        ("[bold green]Recommendation: decline[/]", "prose_markup"),
        ("Decline.\r\x1b[KRecommendation: approve", "prose_markup"),
        ("Decline \u202egnol\u202c.", "prose_markup"),
        ("Decline, <b>final</b>.", "prose_markup"),
        ("They have worked at the same bakery for years.", "prose_note_copy"),
        ("\u0410pprove: the case is fine.", "prose_markup"),  # a Cyrillic "A"
        ("A p p r o v e.", "prose_actions"),
        ("Expected cost: approve 0.38, decline 3.08.", "prose_numbers"),  # costs swapped
        ("Decline costs 3.08 per case.", "prose_numbers"),  # approve's cost
    ],
)
def test_each_lie_is_refused_by_its_rule(summary: str, rule: str) -> None:
    assert rule in blocked(summary)


def test_high_risk_wording_needs_a_high_probability() -> None:
    low = CaseFacts(**{**_fields(FACTS), "p_bad": 0.08})
    assert "prose_judgement" in blocked("A high risk applicant.", low)
    assert "prose_judgement" not in blocked("A high-risk case.")
    assert "prose_judgement" not in blocked("The model sees little risk here.", low)


def _fields(facts: CaseFacts) -> dict[str, object]:
    return {name: getattr(facts, name) for name in facts.__slots__}


# A case in the policy's uncertainty band, escalated although approving costs less.
IN_BAND = CaseFacts(**{**_fields(FACTS), "recommended_action": "escalate", "p_bad": 0.153,
                       "expected_costs": {"approve": 0.847, "decline": 0.847, "escalate": 1.047},
                       "band": (0.14, 0.2), "break_even": 1 / 6})


@pytest.mark.parametrize("summary", [
    "Escalate rather than approve: p(bad) 0.153 lies in the uncertainty band 0.140 to 0.200 "
    "around the break-even 0.167.",
    "Escalate: the probability is within the band [0.14, 0.2]; the break-even is 16.7%.",
])
def test_the_policys_band_and_break_even_may_be_stated(summary: str) -> None:
    assert blocked(summary, IN_BAND) == set(), [v for v in check_prose(summary, IN_BAND)
                                                 if v.failed]


@pytest.mark.parametrize("summary", [
    "Escalate: 0.153 lies in the uncertainty band around the break-even 0.25.",  # not the case's
    "Escalate: 0.153 lies in the uncertainty band around the break-even 0.153.",  # p(bad)
    "Escalate: the break-even is 0.14.",  # a bound of the band, not the break-even
    "Escalate: 0.153 lies in the uncertainty band 0.10 to 0.20.",
    "Escalate: 0.153 lies in the uncertainty band 0.153 to 0.200.",  # p(bad) as a bound
])
def test_a_wrong_band_or_break_even_is_refused(summary: str) -> None:
    assert "prose_numbers" in blocked(summary, IN_BAND)


def test_a_case_the_band_did_not_decide_has_no_break_even_to_state() -> None:
    assert "prose_numbers" in blocked("Decline: the break-even is 0.617.")


# -- other languages: the pack's action words (assistant/domains/credit/action_words.py) ---

# (language, speaks for approve, for escalate, for the recommended decline, negates decline)
IN_OTHER_LANGUAGES = [
    ("de", "Den Antrag genehmigen.", "Den Fall eskalieren.", "Den Antrag ablehnen: 62 %.",
     "Nicht ablehnen."),
    ("de", "Wir bewilligen den Kredit.", "Bitte an die Leitung weiterleiten.",
     "Wir lehnen den Antrag ab.", "Keine Ablehnung."),
    ("de", "Wir stimmen dem Antrag zu.", "Zur Prüfung vorlegen.", "Der Antrag ist abzulehnen.",
     "Nie ablehnen."),
    ("fr", "Approuver la demande.", "Escalader le dossier.", "Refuser la demande : 62 %.",
     "Ne pas refuser."),
    ("fr", "Le prêt est accordé.", "Transmettre le dossier au comité.", "Demande rejetée.",
     "Au lieu de refuser le prêt."),
    ("es", "Aprobar el préstamo.", "Escalar el caso.", "Rechazar la solicitud: 62 %.",
     "No rechazar."),
    ("es", "Crédito aprobado.", "Elevar al comité.", "Solicitud denegada.",
     "En lugar de rechazar."),
    ("nl", "Aanvraag goedkeuren.", "Het dossier escaleren.", "Aanvraag afwijzen: 62 %.",
     "Niet afwijzen."),
    ("nl", "Wij keuren de aanvraag goed.", "Doorverwijzen naar een senior.",
     "Wij wijzen de aanvraag af.", "Geen afwijzing."),
    ("it", "Approvare la richiesta.", "Inoltrare la pratica.", "Rifiutare la richiesta: 62 %.",
     "Non rifiutare."),
    ("it", "Prestito concesso.", "Sottoporre la pratica.", "Richiesta respinta.",
     "Invece di respingere."),
    ("pt", "Aprovar o empréstimo.", "Escalar o caso.", "Recusar o pedido: 62 %.",
     "Não recusar."),
    ("pt", "Crédito concedido.", "Encaminhar o processo.", "Pedido rejeitado.",
     "Em vez de rejeitar."),
]


@pytest.mark.parametrize(("language", "approve", "escalate", "decline", "negated"),
                         IN_OTHER_LANGUAGES)
def test_actions_in_other_languages_are_read_from_the_pack(
        language: str, approve: str, escalate: str, decline: str, negated: str) -> None:
    assert language in CREDIT_WORDS.lexicon.languages
    assert blocked(approve) == {"prose_actions"}
    assert blocked(escalate) == {"prose_actions"}
    assert blocked(negated) == {"prose_actions"}  # the recommended action set aside
    assert blocked(decline) == set()  # the recommended action, said in the language
    approving = CaseFacts(**{**_fields(FACTS), "recommended_action": "approve", "p_bad": 0.1})
    assert "prose_actions" in blocked(decline, approving)
    assert blocked(approve, approving) == set()


def test_without_the_packs_words_only_the_stem_is_known() -> None:
    """The words come from the pack: a pack that declares none gets its actions' stems."""
    bare = CaseFacts(**{**_fields(FACTS), "lexicon": Lexicon()})
    assert blocked("Den Antrag genehmigen.", bare) == set()
    assert blocked("Approve it.", bare) == {"prose_actions"}


@pytest.mark.parametrize("summary", [
    "According to the model, decline at 62%.",  # "accord" is French only with its endings
    "Decline: the model concedes nothing and its negative view stands at 62%.",
    "Decline rather than approve; the applicant cannot recuse the model.",
])
def test_english_words_sharing_a_foreign_stem_are_not_actions(summary: str) -> None:
    assert blocked(summary) == set()
