"""Figures written in words, read as digits: English, German, French, Spanish, Dutch,
Italian and Portuguese.

An explanation may write the risk as "zweiundsechzig Prozent", "un sur vingt" or "dos
tercios"; :func:`as_digits` rewrites such figures to the forms the numeric check reads
("62 %", "1 in 20", "2 in 3"), so a figure in words is checked against the case exactly as
one in digits is (:mod:`guardrails.prose`).

Each language is a table (:class:`NumberWords`), not code: the words with their values,
the words that multiply ("hundert", "mille"), the joiners ("und", "et", "y"), how a
percentage, a fraction ("von", "sur", "de cada") and a share ("Drittel", "tiers") are said,
and the counted nouns after which a small number is a count ("drei Faktoren"). One reader
serves every table: words are read left to right, each adding its value, a hundred word
multiplying what came before it and a thousand word closing a group, which is how all seven
languages compose numbers ("quatre-vingt-dix-sept" is 80 + 10 + 7, "dreihundertzweiund-
sechzig" is 3 x 100 + 2 + 60). Compounds written as one word (German, Dutch, Italian) are
cut into the table's words, longest first.

Words that are also something else are not read standing alone: articles that are the
word for one ("un", "ein", "een", "uno", "um"), "neuf" (new), "sept" (Sept.), "due" and
"sei" (English "due", German "sei"), "acht" (Dutch "in acht nemen", so in both tables),
"once" and "seize" (English words), "cent" (English "per cent"), "null". In a percentage
or a fraction ("un pour cent", "einer von zwanzig") they are read.

English phrases are read by their own small grammar here too (``english``), kept as the
numeric check has always read them; the other six come through the tables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NumberWords:
    """How one language writes numbers, percentages and fractions (all lower case).

    ``values``: each word's value (compound parts included: "vent" for Italian "ventuno");
    ``hundreds``/``thousands``: words multiplying the number before them by 100 / 1000;
    ``joiners``: words between the parts of one number ("und", "et");
    ``alone``: words not read as a number when they stand alone;
    ``percent``: the words after a number that make it a percentage (regex alternatives);
    ``out_of``: the words between a count and a total ("sur", "de cada");
    ``shares``: the words after a count naming a share ("tiers": 3);
    ``half``: the words meaning one half with nothing before them ("la moitié");
    ``counted``: nouns after which a small number counts things (regex alternatives);
    ``cues``: the words, besides number words, one of which every figure holds (the
    connectors, "Prozent", "moitié"; a word of five letters or more also as a stem): a
    text holding no cue and no number word of the language is not searched for it.
    """

    language: str
    values: Mapping[str, int]
    hundreds: tuple[str, ...]
    thousands: tuple[str, ...]
    joiners: tuple[str, ...]
    alone: frozenset[str]
    percent: str
    out_of: str
    shares: Mapping[str, int]
    half: str
    counted: str
    more: str = ""
    less: str = ""
    cues: str = ""


def _table(words: str, start: int = 0) -> dict[str, int]:
    """``"null eins zwei"`` -> {"null": 0, "eins": 1, "zwei": 2}; ``a|b`` share a value."""
    table: dict[str, int] = {}
    for value, spellings in enumerate(words.split(), start=start):
        for spelling in spellings.split("|"):
            table[spelling] = value
    return table


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _tens(words: str) -> dict[str, int]:
    """Twenty to ninety, ten apart (``a|b`` spellings share a value)."""
    return {spelling: 20 + 10 * index for index, spellings in enumerate(words.split())
            for spelling in spellings.split("|")}


GERMAN = NumberWords(
    language="de",
    values=_table("null eins|ein|eine|einen|einem|einer|eines zwei drei vier fünf sechs "
                  "sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn "
                  "siebzehn achtzehn neunzehn")
    | _tens("zwanzig dreißig|dreissig vierzig fünfzig sechzig siebzig achtzig neunzig"),
    hundreds=("hundert",), thousands=("tausend",), joiners=("und",),
    alone=_words("null ein eine einen einem einer eines acht"),
    percent=r"prozent\w*", out_of=r"von|aus|auf", half=r"(?:die |der )?hälfte",
    shares={"drittel": 3, "viertel": 4, "fünftel": 5, "sechstel": 6, "zehntel": 10,
            "zwanzigstel": 20, "hundertstel": 100},
    counted=r"faktor\w*|gr[üu]nd\w*|merkmal\w*|punkt\w*|aspekt\w*|signal\w*|jahr\w*|"
            r"monat\w*|person\w*",
    more=r"mehr als|über|höher als|mindestens|gut",
    less=r"weniger als|unter|höchstens|bis zu|knapp",
    cues="prozent von aus auf hälfte",
)
FRENCH = NumberWords(
    language="fr",
    values=_table("zéro un|une deux trois quatre cinq six sept huit neuf dix onze douze "
                  "treize quatorze quinze seize")
    | _tens("vingt|vingts trente quarante cinquante soixante")
    | {"quatre-vingt": 80, "quatre-vingts": 80, "quatre vingt": 80, "quatre vingts": 80},
    hundreds=("cent", "cents"), thousands=("mille",), joiners=("et",),
    alone=_words("un une sept neuf seize cent cents"),
    percent=r"pour ?cent|p\.\s?cent", out_of=r"sur|de", half=r"(?:la )?moitié",
    shares={"tiers": 3, "quart": 4, "quarts": 4, "cinquième": 5, "cinquièmes": 5,
            "dixième": 10, "dixièmes": 10, "vingtième": 20, "centième": 100},
    counted=r"facteur\w*|raison\w*|élément\w*|point\w*|aspect\w*|critère\w*|an\w*|mois|"
            r"personne\w*",
    more=r"plus de|plus que|au moins|supérieure? à|au-delà de",
    less=r"moins de|moins que|au plus|jusqu'à|inférieure? à",
    cues="sur de moitié",
)
SPANISH = NumberWords(
    language="es",
    values=_table("cero uno|un|una dos tres|trés cuatro cinco seis siete ocho nueve diez "
                  "once doce trece catorce quince dieciséis|dieciseis diecisiete dieciocho "
                  "diecinueve veinte veintiuno|veintiún|veintiuna veintidós|veintidos "
                  "veintitrés|veintitres veinticuatro veinticinco veintiséis|veintiseis "
                  "veintisiete veintiocho veintinueve")
    | _tens("veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa")
    | {"cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
       "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
       "quinientas": 500, "seiscientos": 600, "seiscientas": 600, "setecientos": 700,
       "setecientas": 700, "ochocientos": 800, "ochocientas": 800, "novecientos": 900,
       "novecientas": 900},
    hundreds=(), thousands=("mil",), joiners=("y",),
    alone=_words("un uno una once"),
    percent=r"por ?ciento", out_of=r"de cada|de|entre", half=r"(?:la )?mitad",
    shares={"tercio": 3, "tercios": 3, "cuarto": 4, "cuartos": 4, "quinto": 5,
            "quintos": 5, "décimo": 10, "décimos": 10},
    counted=r"factor\w*|raz[oó]n\w*|elemento\w*|punto\w*|aspecto\w*|motivo\w*|año\w*|"
            r"mes\w*|persona\w*",
    more=r"más de|más que|al menos|superior a|por encima de",
    less=r"menos de|menos que|como máximo|hasta|por debajo de|inferior a",
    cues="de cada entre mitad",
)
DUTCH = NumberWords(
    language="nl",
    values=_table("nul één|een|eén twee drie vier vijf zes zeven acht negen tien elf twaalf "
                  "dertien veertien vijftien zestien zeventien achttien negentien")
    | _tens("twintig dertig veertig vijftig zestig zeventig tachtig negentig"),
    hundreds=("honderd",), thousands=("duizend",), joiners=("en", "ën"),
    alone=_words("nul een eén acht"),
    percent=r"procent\w*", out_of=r"op de|op|van de|van|uit", half=r"(?:de )?helft",
    shares={"derde": 3, "derden": 3, "kwart": 4, "vijfde": 5, "tiende": 10},
    counted=r"factor\w*|reden\w*|punt\w*|aspect\w*|kenmerk\w*|jaar\w*|maand\w*|"
            r"person\w*",
    more=r"meer dan|ruim|minstens|boven|hoger dan",
    less=r"minder dan|hoogstens|onder|lager dan|tot",
    cues="procent op van uit helft",
)
ITALIAN = NumberWords(
    language="it",
    values=_table("zero uno|un|una due tre|tré quattro cinque sei sette otto nove dieci "
                  "undici dodici tredici quattordici quindici sedici diciassette diciotto "
                  "diciannove")
    | _tens("venti|vent trenta|trent quaranta|quarant cinquanta|cinquant sessanta|sessant "
            "settanta|settant ottanta|ottant novanta|novant"),
    hundreds=("cento", "cent"), thousands=("mille", "mila"), joiners=(),
    alone=_words("un uno una due sei cent"),
    percent=r"per ?cento", out_of=r"su ogni|su|ogni|di", half=r"(?:la )?metà",
    shares={"terzo": 3, "terzi": 3, "quarto": 4, "quarti": 4, "quinto": 5, "quinti": 5,
            "decimo": 10, "decimi": 10},
    counted=r"fattor\w*|ragion\w*|element\w*|punt\w*|aspett\w*|motiv\w*|ann\w*|mes\w*|"
            r"person\w*",
    more=r"più d(?:i|el|ella|ei|elle)|oltre|almeno|superiore a",
    less=r"meno d(?:i|el|ella|ei|elle)|al massimo|fino a|sotto|inferiore a",
    cues="su ogni di metà",
)
PORTUGUESE = NumberWords(
    language="pt",
    values=_table("zero um|uma dois|duas três|tres quatro cinco seis sete oito nove dez "
                  "onze doze treze catorze|quatorze quinze dezesseis|dezasseis "
                  "dezessete|dezassete dezoito dezenove|dezanove")
    | _tens("vinte trinta quarenta cinquenta sessenta setenta oitenta noventa")
    | {"cem": 100, "cento": 100, "duzentos": 200, "duzentas": 200, "trezentos": 300,
       "trezentas": 300, "quatrocentos": 400, "quatrocentas": 400, "quinhentos": 500,
       "quinhentas": 500, "seiscentos": 600, "seiscentas": 600, "setecentos": 700,
       "setecentas": 700, "oitocentos": 800, "oitocentas": 800, "novecentos": 900,
       "novecentas": 900},
    hundreds=(), thousands=("mil",), joiners=("e",),
    alone=_words("um uma"),
    percent=r"por ?cento", out_of=r"em cada|em|de cada|de", half=r"(?:a )?metade",
    shares={"terço": 3, "terços": 3, "quarto": 4, "quartos": 4, "quinto": 5, "quintos": 5,
            "décimo": 10, "décimos": 10},
    counted=r"fator\w*|factor\w*|raz\w*|element\w*|ponto\w*|aspecto\w*|motivo\w*|ano\w*|"
            r"m[eê]s\w*|pessoa\w*",
    more=r"mais d[eao]|mais que|pelo menos|acima d[eao]|superior a",
    less=r"menos d[eao]|menos que|no máximo|até|abaixo d[eao]|inferior a",
    cues="em de cada metade",
)

LANGUAGES: tuple[NumberWords, ...] = (GERMAN, FRENCH, SPANISH, DUTCH, ITALIAN, PORTUGUESE)
"""The languages besides English whose figures in words are read."""
BY_LANGUAGE = {words.language: words for words in LANGUAGES}


def _longest_first(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Compiled:
    words: NumberWords
    numbers: tuple[str, ...]  # the table's words, longest first (for cutting compounds)
    figure: re.Pattern[str]  # a figure: percentage, fraction, share, half or a number


def _compiled(words: NumberWords) -> _Compiled:
    return _compiled_for(words.language)


@functools.cache
def _compiled_for(language: str) -> _Compiled:
    words = BY_LANGUAGE[language]
    parts = _longest_first([*words.values, *words.hundreds, *words.thousands])
    joiner = f"(?:{_longest_first(words.joiners)})" if words.joiners else "(?!)"
    # One number: table words, written together, with hyphens or spaces, or joined.
    number = (rf"(?:{parts})(?:(?:[-\s]+(?:{joiner}[-\s]+)?|{joiner}|-)?(?:{parts}))*"
              rf"(?!\w)")
    count = rf"(?:(?<![\w.,])\d+(?![\d.,]\d)|(?<!\w){number})"
    shares = _longest_first(words.shares)
    figure = (
        rf"(?P<pn>{count})\s*(?:{words.percent})(?!\w)"
        rf"|(?P<fn>{count})\s+(?:{words.out_of})\s+(?P<fd>{count})"
        rf"|(?P<sn>{count})[\s-]+(?P<sd>{shares})(?!\w)"
        rf"|(?<!\w)(?P<half>{words.half})(?!\w)"
        rf"|(?<!\w)(?P<n>{number})"
    )
    numbers = tuple(sorted([*words.values, *words.hundreds, *words.thousands], key=len,
                           reverse=True))
    return _Compiled(words, numbers, re.compile(figure))


def parse_number(text: str, words: NumberWords) -> int | None:
    """The value of ``text`` written in ``words`` ("dreihundertzweiundsechzig" -> 362),
    digits as they are, or None when it is not one number of the table."""
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    pieces = _pieces(re.sub(r"[-\s]+", " ", text), words)
    if not pieces:
        return None
    total = current = 0
    for word in pieces:
        if word in words.hundreds:
            current = max(current, 1) * 100
        elif word in words.thousands:
            total += max(current, 1) * 1000
            current = 0
        elif word in words.values:
            current += words.values[word]
    return total + current


def _pieces(text: str, words: NumberWords) -> list[str] | None:
    """``text`` cut into the table's words and joiners (a compound may need another cut
    than the longest first: Italian "centottanta" is "cent" + "ottanta", not "cento")."""
    if not text.strip():
        return []
    text = text.lstrip()
    for word in _compiled(words).numbers:
        if text.startswith(word) and (rest := _after(text[len(word):], words)) is not None:
            return [word, *rest]
    return None


def _after(text: str, words: NumberWords) -> list[str] | None:
    """The pieces after a number word: nothing, more number words, or a joiner and more."""
    rest = _pieces(text, words)
    if rest is not None:
        return rest
    stripped = text.lstrip()
    for joiner in words.joiners:
        if stripped.startswith(joiner) and (after := _pieces(stripped[len(joiner):], words)):
            return after
    return None


def languages_in(text: str) -> list[NumberWords]:
    """The languages whose figures ``text`` (lower case) may hold: those with a number word
    or a cue among its words. Checking each word once (cached) is what keeps English-only
    text from paying for six more languages' patterns."""
    found: set[str] = set()
    for token in set(_TOKEN.findall(text)):
        found.update(_languages_of(token))
    return [words for words in LANGUAGES if words.language in found]


_TOKEN = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=8192)
def _languages_of(token: str) -> tuple[str, ...]:
    """The languages in which ``token`` is a number word (or a compound of them) or a cue."""
    return tuple(words.language for words in LANGUAGES if _pieces(token, words)
                 or token in words.shares or any(
                     token == cue or (len(cue) >= 5 and token.startswith(cue))
                     for cue in words.cues.split()))


@dataclass(frozen=True, slots=True)
class Reading:
    """A figure written in words, and the digits it was rewritten to."""

    written: str
    digits: str


# A decimal comma ("61,7 %", "0,851", "2.800,00", as German, French, Spanish, Dutch,
# Italian and Portuguese write them): a comma before one, two or four or more digits, after
# a lone 0, or after dot-grouped thousands. "5,951" stays the English thousands it usually
# is (three digits after a comma), and so does "1,234,567".
_DECIMAL_COMMA = re.compile(r"(?<![\d.,])([1-9]\d{0,2}(?:\.\d{3})+|\d+),(\d+)(?![\d,])")


def _decimal_commas(text: str, readings: list[Reading]) -> str:
    def point(match: re.Match[str]) -> str:
        whole, fraction = match.group(1), match.group(2)
        if len(fraction) == 3 and whole != "0" and "." not in whole:
            return match.group(0)
        digits = f"{whole.replace('.', '')}.{fraction}"
        readings.append(Reading(match.group(0), digits))
        return digits

    return _DECIMAL_COMMA.sub(point, text)


def as_digits(text: str) -> tuple[str, list[Reading]]:
    """``text`` (lower case) with the figures of every language written as digits, and
    what was rewritten. English goes last (its "one in twenty" forms are the targets)."""
    readings: list[Reading] = []
    text = _decimal_commas(text, readings)
    languages = languages_in(text)
    # Percentages and fractions first in every language, then lone numbers: Italian
    # "cento" alone is a hundred, but in Portuguese "por cento" it makes a percentage.
    for lone in (False, True):
        for words in languages:
            text = _rewrite(text, words, readings, lone)
    return english(text, readings), readings


def _rewrite(text: str, words: NumberWords, readings: list[Reading], lone: bool) -> str:
    counted = re.compile(rf"\s+(?:[^\W\d]+\s+){{0,2}}?(?:{words.counted})(?!\w)")

    def value(written: str) -> int | None:
        return parse_number(written, words)

    def figure(match: re.Match[str]) -> str:
        said = match.group(0)
        if match.group("pn"):
            digits = _known(value(match.group("pn")), "{} %")
        elif match.group("fn"):
            num, den = value(match.group("fn")), value(match.group("fd"))
            if counted.match(text, match.end()):  # "drei von fünf Faktoren": a count
                digits = _known(den, "{}")
            else:
                digits = None if num is None or den is None else f"{num} in {den}"
        elif match.group("sn"):
            digits = _known(value(match.group("sn")), f"{{}} in {words.shares[match.group('sd')]}")
        elif match.group("half"):
            digits = "1 in 2"
        elif not lone or said.strip() in words.alone:
            return said
        else:
            digits = _known(value(said), "{}")
        if digits is None or digits == said:
            return said
        readings.append(Reading(said.strip(), digits))
        return digits

    return _compiled(words).figure.sub(figure, text)


def _known(value: int | None, form: str) -> str | None:
    return None if value is None else form.format(value)


# -- English ---------------------------------------------------------------------------------

_UNITS = _table("zero one two three four five six seven eight nine ten eleven twelve "
                "thirteen fourteen fifteen sixteen seventeen eighteen nineteen")
_TENS = _tens("twenty thirty forty fifty sixty seventy eighty ninety")
_WORD_VALUE = _UNITS | _TENS
_NUM_WORD = "(?:" + "|".join(sorted([*_WORD_VALUE, "hundred", "thousand"], key=len,
                                    reverse=True)) + ")"
_NUM_PHRASE = re.compile(rf"\b{_NUM_WORD}(?:(?:-|\s+|(?<=hundred)\s+and\s+){_NUM_WORD})*\b")
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fifth": 5, "sixth": 6,
                 "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "twentieth": 20,
                 "hundredth": 100}
_FRACTION_WORD = re.compile(
    rf"\b(\d+|a|an|one)[- ]({'|'.join(_DENOMINATORS)})s?\b|\b(half)\b")


def english(text: str, readings: list[Reading] | None = None) -> str:
    """English number words as digits ("sixty-two percent" -> "62 percent", "a third" ->
    "1 in 3")."""

    def phrase(match: re.Match[str]) -> str:
        total = current = 0
        for word in re.split(r"[-\s]+", match.group(0)):
            if word == "and":
                continue
            if word == "hundred":
                current = max(current, 1) * 100
            elif word == "thousand":
                total += max(current, 1) * 1000
                current = 0
            else:
                current += _WORD_VALUE[word]
        return _noted(match.group(0), str(total + current))

    def fraction(match: re.Match[str]) -> str:
        if match.group(3):
            return _noted(match.group(0), "1 in 2")
        count = match.group(1)
        count = "1" if count in ("a", "an", "one") else count
        return _noted(match.group(0), f"{count} in {_DENOMINATORS[match.group(2)]}")

    def _noted(written: str, digits: str) -> str:
        if readings is not None and not written.isdigit():
            readings.append(Reading(written, digits))
        return digits

    return _FRACTION_WORD.sub(fraction, _NUM_PHRASE.sub(phrase, text))


def comparisons() -> tuple[str, str]:
    """Every language's "more than" and "less than" words (regex alternatives)."""
    return ("|".join(w.more for w in LANGUAGES if w.more),
            "|".join(w.less for w in LANGUAGES if w.less))


def counted_nouns() -> str:
    """Every language's counted nouns (regex alternatives)."""
    return "|".join(w.counted for w in LANGUAGES)
