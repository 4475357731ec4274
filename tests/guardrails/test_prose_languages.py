"""The prose checks outside English: number words, fractions and percentages written out,
judgement and persuasion, low/high-risk wording and directions, in German, French, Spanish,
Dutch, Italian and Portuguese, against the same case as the English checks
(tests/guardrails/test_prose.py: p(bad) 0.617, duration 48 months raising the risk)."""

from __future__ import annotations

import pytest

from guardrails import number_words, risk_words
from guardrails.prose import _other_languages, check_prose
from tests.guardrails.test_prose import FACTS


def refusals(summary: str) -> dict[str, str]:
    return {v.rule: v.detail for v in check_prose(summary, FACTS) if v.failed}


# language -> faithful summaries: true figures in words, and the words that are also
# articles or other words ("un", "ein", "een", "uno", "um", "neuf", "sept", "due")
FAITHFUL = {
    "de": ["Ablehnen: das Ausfallrisiko liegt bei zweiundsechzig Prozent, mehr als die "
           "Hälfte; ein Antrag mit einer Laufzeit von 48 Monaten erhöht das Risiko.",
           "Ablehnen: etwa drei von fünf solchen Anträgen fallen aus, es besteht ein hohes "
           "Risiko.",
           "Ablehnen. Drei Faktoren sprechen dafür, eine Laufzeit von 48 Monaten vor allem."],
    "fr": ["Refuser : un risque de défaut de soixante-deux pour cent, environ trois sur cinq ; "
           "une durée de 48 mois augmente le risque.",
           "Refuser : le véhicule est neuf, mais le risque est élevé, plus de la moitié.",
           "Refuser : ce n'est pas un risque faible ; sept ou trois facteurs, un seul neuf."],
    "es": ["Rechazar: el riesgo es del sesenta y dos por ciento, más de la mitad; una duración "
           "de 48 meses aumenta el riesgo.",
           "Rechazar: uno de los motivos es un riesgo alto, unos tres de cada cinco."],
    "nl": ["Afwijzen: een risico van tweeënzestig procent, meer dan de helft; de looptijd van "
           "48 maanden verhoogt het risico.",
           "Afwijzen: een hoog risico, ongeveer drie op vijf; neem dit in acht."],
    "it": ["Rifiutare: il rischio è del sessantadue per cento, più della metà; una durata di "
           "48 mesi aumenta il rischio.",
           "Rifiutare: uno dei motivi è un rischio elevato, circa tre su cinque, due to the "
           "duration."],
    "pt": ["Recusar: o risco é de sessenta e dois por cento, cerca de três em cada cinco; um "
           "prazo de 48 meses aumenta o risco.",
           "Recusar: uma das razões é um risco elevado, mais da metade."],
}


@pytest.mark.parametrize(("language", "summary"),
                         [(lang, s) for lang, texts in FAITHFUL.items() for s in texts])
def test_faithful_prose_in_each_language_passes(language: str, summary: str) -> None:
    assert refusals(summary) == {}, (language, summary)


# language -> (lie, the rule that refuses it, the phrase the reason must name)
LIES = [
    ("de", "Ablehnen, obwohl nur einer von zwanzig Anträgen ausfällt.", "prose_numbers",
     "einer von zwanzig"),
    ("de", "Ablehnen, das Risiko liegt nur bei vier Prozent.", "prose_numbers",
     "vier prozent"),
    ("de", "Ablehnen, aber der Antragsteller ist vertrauenswürdig.", "prose_judgement",
     "vertrauenswürdig"),
    ("de", "Ablehnen: die Laufzeit von 48 Monaten senkt das Risiko.", "prose_directions",
     "duration_in_month lowers"),
    ("de", "Ablehnen, obwohl es ein geringes Risiko ist.", "prose_judgement",
     "geringes risiko"),
    ("fr", "Refuser, bien que seulement un sur vingt fasse défaut.", "prose_numbers",
     "un sur vingt"),
    ("fr", "Refuser : un risque de quatre pour cent.", "prose_numbers", "quatre pour cent"),
    ("fr", "Refuser, mais le demandeur est tout à fait digne de confiance.",
     "prose_judgement", "digne de confiance"),
    ("fr", "Refuser : la durée de 48 mois réduit le risque.", "prose_directions",
     "duration_in_month lowers"),
    ("es", "Rechazar, aunque solo uno de cada veinte incumple.", "prose_numbers",
     "uno de cada veinte"),
    ("es", "Rechazar, aunque solo un cuarto de los casos incumple.", "prose_numbers",
     "un cuarto"),
    ("es", "Rechazar; sin duda el solicitante es solvente.", "prose_judgement", "sin duda"),
    ("nl", "Afwijzen, hoewel slechts één op twintig niet betaalt.", "prose_numbers",
     "één op twintig"),
    ("nl", "Afwijzen, maar de aanvrager is betrouwbaar.", "prose_judgement", "betrouwbaar"),
    ("nl", "Afwijzen, al is het een laag risico.", "prose_judgement", "laag risico"),
    ("it", "Rifiutare, anche se solo uno su venti è insolvente.", "prose_numbers",
     "uno su venti"),
    ("it", "Rifiutare, ma il richiedente è affidabile.", "prose_judgement", "affidabile"),
    ("it", "Rifiutare: la durata di 48 mesi riduce il rischio.", "prose_directions",
     "duration_in_month lowers"),
    ("pt", "Recusar, embora apenas um em cada vinte não pague.", "prose_numbers",
     "um em cada vinte"),
    ("pt", "Recusar: dois terços dos casos pagam, risco de vinte por cento.", "prose_numbers",
     "vinte por cento"),
    ("pt", "Recusar, mas o requerente é confiável.", "prose_judgement", "confiável"),
    ("pt", "Recusar, embora seja um risco baixo.", "prose_judgement", "risco baixo"),
]


@pytest.mark.parametrize(("language", "summary", "rule", "phrase"), LIES)
def test_each_lie_in_each_language_is_refused_naming_the_phrase(
        language: str, summary: str, rule: str, phrase: str) -> None:
    found = refusals(summary)
    assert rule in found, (language, found)
    assert phrase in found[rule], found[rule]


def test_a_level_word_after_a_negation_is_not_read() -> None:
    for summary in ("Ablehnen: kein geringes Risiko.", "Refuser : pas un risque faible.",
                    "Afwijzen: geen laag risico.", "Rechazar: no es un riesgo bajo."):
        assert refusals(summary) == {}, summary


def test_english_prose_does_not_run_the_other_languages() -> None:
    """The gates: an English answer with no word of another language's tables runs none of
    their patterns (the cost English-only text would otherwise pay)."""
    english = ("Decline recommended for «PERSON_1»: the model puts the risk of default at "
               "62%, mainly because of the 48-month duration and the 5,951 DM amount.")
    assert _other_languages().runnable(english.lower()) == []
    assert number_words.languages_in(english.lower()) == []
    assert number_words.as_digits(english.lower())[1] == []
    assert [w.language for w in number_words.languages_in("zweiundsechzig prozent")] == ["de"]
    german = "das ausfallrisiko ist hoch und vertrauenswürdig"
    assert {rule.name for rule in _other_languages().runnable(german)} == {"de"}
    assert {words.language for words in risk_words.OTHER_LANGUAGES} == {
        words.language for words in number_words.LANGUAGES}


# Figures as the other languages write them: a decimal comma, a dot between thousands.
DECIMAL_COMMAS_FAITHFUL = [
    "Ablehnen: das Ausfallrisiko liegt bei 61,7 %, mehr als die Hälfte.",
    "Refuser : un risque de défaut de 61,7 %, une durée de 48 mois.",
    "Ablehnen: Wahrscheinlichkeit 0,617; Betrag 5.951 DM; Kosten 3,085 gegen 0,383.",
    "Afwijzen: het bedrag is 5.951,00 DM en het risico 62 procent.",
    "Decline: amount 5,951 DM, risk 61.7%, 48 months.",  # English as before
]


@pytest.mark.parametrize("summary", DECIMAL_COMMAS_FAITHFUL)
def test_a_true_figure_with_a_decimal_comma_or_dotted_thousands_passes(summary: str) -> None:
    assert refusals(summary) == {}, summary


@pytest.mark.parametrize(("summary", "phrase"), [
    ("Ablehnen, obwohl das Risiko nur 12,5 % beträgt.", "12,5"),
    ("Refuser : le risque est de 0,05 seulement.", "0,05"),
    ("Ablehnen: der Betrag ist 4.951 DM.", "4.951"),
    ("Decline: the amount is 1,234 DM.", "1,234"),
])
def test_a_false_figure_written_the_same_way_is_refused(summary: str, phrase: str) -> None:
    found = refusals(summary)
    assert "prose_numbers" in found, found
    assert phrase in found["prose_numbers"], found


# A direction stated about a feature named in another language: the credit pack's
# feature words tie "Laufzeit", "durée", "plazo" … to duration_in_month (raises the risk)
# and "Verwendungszweck", "finalidad" … to purpose (lowers it).
@pytest.mark.parametrize("summary", [
    "Ablehnen: die Laufzeit senkt das Risiko.",
    "Refuser : la durée réduit le risque.",
    "Rechazar: el plazo reduce el riesgo.",
    "Afwijzen: de looptijd verlaagt het risico.",
    "Rifiutare: la durata riduce il rischio.",
    "Recusar: o prazo reduz o risco.",
    "Ablehnen: der Verwendungszweck erhöht das Risiko.",
    "Rechazar: la finalidad aumenta el riesgo.",
])
def test_a_flipped_direction_about_a_feature_named_in_another_language_is_refused(
        summary: str) -> None:
    assert "prose_directions" in refusals(summary), summary


@pytest.mark.parametrize("summary", [
    "Ablehnen: die Laufzeit erhöht das Risiko, der Verwendungszweck senkt es.",
    "Refuser : la durée augmente le risque.",
    "Afwijzen: de looptijd verhoogt het risico.",
    "Recusar: o prazo aumenta o risco.",
])
def test_the_true_direction_about_a_feature_named_in_another_language_passes(
        summary: str) -> None:
    assert refusals(summary) == {}, summary
