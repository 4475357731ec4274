"""Number words in six languages besides English: numbers rendered by small spellers
written here (not the module's tables) read back to the same value, and figures in words
become the digits the numeric check reads.

The spellers follow each language's ordinary spelling for 0-1000 (German and Dutch
compounds written as one word, French "quatre-vingt-dix-sept" and "vingt et un", Spanish
"veintidós" and "doscientos", Italian elisions "ventotto" and "centottanta", Portuguese
"cento e vinte e dois"), so a round trip tests the reader against spelling it has not seen.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardrails.number_words import BY_LANGUAGE, as_digits, parse_number


def _units(words: str) -> list[str]:
    return words.split()


DE_UNITS = _units("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf "
                  "dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn")
DE_TENS = _units("- - zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig")


def german(n: int) -> str:
    if n == 1000:
        return "eintausend"
    hundreds, rest = divmod(n, 100)
    head = ("" if hundreds == 0 else "hundert" if hundreds == 1 and n % 2 else
            ("ein" if hundreds == 1 else DE_UNITS[hundreds]) + "hundert")
    if rest == 0:
        return head or "null"
    if rest < 20:
        tail = "ein" if rest == 1 and not head else DE_UNITS[rest]
        tail = "eins" if rest == 1 else tail
    else:
        tens, unit = divmod(rest, 10)
        tail = ((("ein" if unit == 1 else DE_UNITS[unit]) + "und") if unit else "") + \
            DE_TENS[tens]
    return head + tail


FR_UNITS = _units("zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize "
                  "quatorze quinze seize dix-sept dix-huit dix-neuf")
FR_TENS = _units("- - vingt trente quarante cinquante soixante")


def french_below_100(n: int) -> str:
    if n < 20:
        return FR_UNITS[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        return FR_TENS[tens] + ("" if unit == 0 else " et un" if unit == 1 else
                                "-" + FR_UNITS[unit])
    if n < 80:
        return "soixante" + (" et onze" if n == 71 else "-" + FR_UNITS[n - 60])
    if n == 80:
        return "quatre-vingts"
    return "quatre-vingt-" + FR_UNITS[n - 80]


def french(n: int) -> str:
    if n == 1000:
        return "mille"
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return french_below_100(rest)
    head = "cent" if hundreds == 1 else FR_UNITS[hundreds] + (" cents" if rest == 0 else " cent")
    return head if rest == 0 else f"{head} {french_below_100(rest)}"


ES_UNITS = _units("cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece "
                  "catorce quince dieciséis diecisiete dieciocho diecinueve veinte veintiuno "
                  "veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete "
                  "veintiocho veintinueve")
ES_TENS = _units("- - - treinta cuarenta cincuenta sesenta setenta ochenta noventa")
ES_HUNDREDS = _units("- ciento doscientos trescientos cuatrocientos quinientos seiscientos "
                     "setecientos ochocientos novecientos")


def spanish(n: int) -> str:
    if n == 1000:
        return "mil"
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    if rest < 30:
        tail = ES_UNITS[rest]
    else:
        tens, unit = divmod(rest, 10)
        tail = ES_TENS[tens] + (f" y {ES_UNITS[unit]}" if unit else "")
    if hundreds == 0:
        return tail
    return ES_HUNDREDS[hundreds] + ("" if rest == 0 else f" {tail}")


NL_UNITS = _units("nul één twee drie vier vijf zes zeven acht negen tien elf twaalf dertien "
                  "veertien vijftien zestien zeventien achttien negentien")
NL_TENS = _units("- - twintig dertig veertig vijftig zestig zeventig tachtig negentig")


def dutch(n: int) -> str:
    if n == 1000:
        return "duizend"
    hundreds, rest = divmod(n, 100)
    head = "" if hundreds == 0 else ("honderd" if hundreds == 1 else NL_UNITS[hundreds] +
                                     "honderd")
    if rest == 0:
        return head or "nul"
    if rest < 20:
        tail = "een" if rest == 1 and head else NL_UNITS[rest]
    else:
        tens, unit = divmod(rest, 10)
        unit_word = "een" if unit == 1 else NL_UNITS[unit]
        joiner = "ën" if unit_word.endswith("e") else "en"
        tail = (unit_word + joiner if unit else "") + NL_TENS[tens]
    return head + tail


IT_UNITS = _units("zero uno due tre quattro cinque sei sette otto nove dieci undici dodici "
                  "tredici quattordici quindici sedici diciassette diciotto diciannove")
IT_TENS = _units("- - venti trenta quaranta cinquanta sessanta settanta ottanta novanta")


def italian(n: int) -> str:
    if n == 1000:
        return "mille"
    hundreds, rest = divmod(n, 100)
    head = "" if hundreds == 0 else ("cento" if hundreds == 1 else IT_UNITS[hundreds] + "cento")
    if rest == 0:
        return head or "zero"
    if rest < 20:
        tail = IT_UNITS[rest]
    else:
        tens, unit = divmod(rest, 10)
        tens_word = IT_TENS[tens]
        if unit in (1, 8):  # elision: ventuno, ventotto
            tens_word = tens_word[:-1]
        tail = tens_word + ("tré" if unit == 3 else IT_UNITS[unit] if unit else "")
    if head and tail.startswith("o"):  # centottanta, centotto
        head = head[:-1]
    return head + tail


PT_UNITS = _units("zero um dois três quatro cinco seis sete oito nove dez onze doze treze "
                  "catorze quinze dezesseis dezessete dezoito dezenove")
PT_TENS = _units("- - vinte trinta quarenta cinquenta sessenta setenta oitenta noventa")
PT_HUNDREDS = _units("- cento duzentos trezentos quatrocentos quinhentos seiscentos "
                     "setecentos oitocentos novecentos")


def portuguese(n: int) -> str:
    if n == 1000:
        return "mil"
    if n == 100:
        return "cem"
    hundreds, rest = divmod(n, 100)
    if rest < 20:
        tail = PT_UNITS[rest]
    else:
        tens, unit = divmod(rest, 10)
        tail = PT_TENS[tens] + (f" e {PT_UNITS[unit]}" if unit else "")
    if hundreds == 0:
        return tail
    return PT_HUNDREDS[hundreds] + ("" if rest == 0 else f" e {tail}")


# Reading is fast; the first example of a run pays for compiling the tables.
fast = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPELLERS: dict[str, Callable[[int], str]] = {
    "de": german, "fr": french, "es": spanish, "nl": dutch, "it": italian, "pt": portuguese}


@pytest.mark.parametrize("language", sorted(SPELLERS))
@fast
@given(number=st.integers(min_value=0, max_value=1000))
def test_numbers_written_out_read_back_to_their_value(language: str, number: int) -> None:
    written = SPELLERS[language](number)
    assert parse_number(written, BY_LANGUAGE[language]) == number, written


@pytest.mark.parametrize(("language", "number", "written"), [
    ("de", 362, "dreihundertzweiundsechzig"), ("fr", 97, "quatre-vingt-dix-sept"),
    ("fr", 71, "soixante et onze"), ("es", 22, "veintidós"), ("nl", 22, "tweeëntwintig"),
    ("it", 180, "centottanta"), ("it", 28, "ventotto"), ("pt", 122, "cento e vinte e dois"),
])
def test_the_spellers_write_what_a_reader_of_the_language_expects(
        language: str, number: int, written: str) -> None:
    assert SPELLERS[language](number) == written


@fast
@given(number=st.integers(min_value=0, max_value=1000),
       language=st.sampled_from(sorted(SPELLERS)))
def test_a_percentage_in_words_becomes_digits(number: int, language: str) -> None:
    percent = {"de": "Prozent", "fr": "pour cent", "es": "por ciento", "nl": "procent",
               "it": "per cento", "pt": "por cento"}[language]
    text, readings = as_digits(f"risk {SPELLERS[language](number)} {percent}.".lower())
    assert text == f"risk {number} %.", readings


@pytest.mark.parametrize(("written", "digits"), [
    ("un sur vingt", "1 in 20"), ("einer von zwanzig", "1 in 20"), ("uno su venti", "1 in 20"),
    ("één op twintig", "1 in 20"), ("uno de cada veinte", "1 in 20"),
    ("um em cada vinte", "1 in 20"), ("dos tercios", "2 in 3"), ("deux tiers", "2 in 3"),
    ("zwei drittel", "2 in 3"), ("twee derde", "2 in 3"), ("due terzi", "2 in 3"),
    ("dois terços", "2 in 3"), ("la moitié", "1 in 2"), ("vier prozent", "4 %"),
    ("quatre pour cent", "4 %"), ("cuatro por ciento", "4 %"), ("3 von 5", "3 in 5"),
])
def test_fractions_and_percentages_in_words_become_the_forms_the_check_reads(
        written: str, digits: str) -> None:
    assert as_digits(written)[0] == digits


@pytest.mark.parametrize("text", [
    "un véhicule neuf", "une demande", "ein antrag", "eine laufzeit", "een aanvraag",
    "uno de los motivos", "una duración", "um prazo", "uma razão", "due to the duration",
    "sei dank", "in acht nemen", "since sept. 2020", "once again", "seize the chance",
    "62 per cent", "null and void", "de derde factor",
])
def test_words_that_are_also_articles_or_other_words_are_not_read_alone(text: str) -> None:
    assert as_digits(text) == (text, [])
