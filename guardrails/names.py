"""People's names in free text: cue phrases, a shipped name list, and the shape of a name.

A note names third parties ("my brother Jan Novák will co-sign", "Frau Keller, my
landlady") whose names must not reach an LLM. Three kinds of evidence, from strongest:

1. a **cue**: a title (Mr, Frau, Madame, Señora, Mevrouw...) or a relation ("my
   brother", "meine Vermieterin", "mon frère", "named", "called") followed by one or two
   capitalised words;
2. the **name list** (:mod:`guardrails.name_list`, built from Faker's locales at build
   time and shipped as code): a known given name, capitalised, alone or followed by a
   capitalised word;
3. the **shape** (input only): two or three capitalised words in the middle of a
   sentence, none of them a common word.

Common words that are also names ("May", "Mark", "Will", "Grant"...) never count alone.
In ``strict`` mode (the output check, which must not block faithful explanations) only
cues and a known given name followed by a capitalised word count.
"""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails.name_list import GIVEN_NAMES, SURNAMES
from guardrails.names_scripts import find_script_names

# Capitalised words that are also names in some locale but are ordinary words in notes.
_COMMON = frozenset("""
My Best May June July August April March Will Bill Grant Hope Rose Grace Joy Faith Dawn
Summer Winter Page Bank Hall King Young Long Little Rich Price Bond Green Brown White Black
Gray Grey Don Can Post Loan List German English French Dutch Spanish Italian Polish
Turkish Swedish Credit Duration Purpose Savings Job Housing Property Age Status Amount
Checking Account History Employment Personal Installment Instalment Telephone Foreign Other
Good Bad Approve Decline Escalate Risk Score Model Note Thanks Thank Dear Kind Regards
Please Sorry Hello Hi Yes No New Old North South East West Street Road Avenue Lane Monday
Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter God Guy Man Ben Max
Angel Sunny Ray Wolf Fox Lamb Bird Fish Earnest Sterling Miles Chase Gene Pat Sandy
Van Von De Del Della Di Da Le La Du Mac Bau Haus Hof Berg Wald Stein Kredit Antrag Arbeit
Gehalt Bitte Danke Miete Rente Summe Auto Haus Garten Schule Ende Monat Jahr Frau Herr
Bonus Central Mercedes Golf Polo Ford Opel Audi Fiat Bosch Siemens Lidl Aldi Santander
Customer Service Team Department Support Office Desk Center Centre HR Sales Accounts
""".split())  # noqa: SIM905 - a word list reads better as text

_COMMON_LOWER = frozenset(word.lower() for word in _COMMON)

_TITLE = (r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Herrn|Frau|Fräulein|Monsieur|Madame|"
          r"Mme|Mlle|M\.|Señor|Señora|Señorita|Sr|Sra|Srta|Don|Doña|Heer|Mevrouw|Mevr|Dhr|"
          r"Signor|Signora|Sig|Sig\.ra|Senhor|Senhora|Pan|Pani)\.?")
# Roles a form or a note names a person by, in the languages of the relation cues.
_ROLE_LABEL = (
    r"(?:guarantor|co-?signer|co-?borrower|contact(?: person)?|"
    r"beneficiary|referee|landlord|landlady|next of kin|emergency contact|account holder|"
    r"witness|spouse|signatory|employer contact|line manager|"
    r"ansprechpartner(?:in)?|kontaktperson|bürge|bürgin|begünstigte[rn]?|"
    r"mitantragsteller(?:in)?|vermieter(?:in)?|kontoinhaber(?:in)?|"
    r"bénéficiaire|personne (?:de contact|à contacter)|garant|co-?emprunteur|caution|"
    r"titulaire(?: du compte)?|"
    r"beneficiario|persona de contacto|avalista|fiador|titular|cotitular|"
    r"contactpersoon|begunstigde|borg|medeaanvrager|rekeninghouder|"
    r"beneficiário|fiadora?|garante|referente|intestatario|"
    r"poręczyciel|kontaktní osoba|ručitel|kezes|kapcsolattartó|garantă?|kontaktperson|"
    r"borgensman|takaaja|yhteyshenkilö|kefil)"
)
_RELATION = (
    r"(?:my|our|his|her|their|the applicant's)\s+(?:(?:ex-?|late|former|new|elder|older|"
    r"younger|step-?)\s*)?(?:wife|husband|partner|spouse|fianc[ée]e?|brother|sister|father|"
    r"mother|dad|mum|mom|son|daughter|uncle|aunt|cousin|nephew|niece|grand(?:mother|father|"
    r"son|daughter)|friend|neighbou?r|landlord|landlady|employer|boss|manager|colleague|"
    r"co-?signer|guarantor|flatmate|roommate|tenant|accountant|lawyer|doctor|adviser|advisor)"
    r"|(?:mein|meine|meinem|meiner|meinen|unser|unsere)\s+(?:Frau|Mann|Ehemann|Ehefrau|"
    r"Partner|Partnerin|Bruder|Schwester|Vater|Mutter|Sohn|Tochter|Onkel|Tante|Cousin|"
    r"Cousine|Freund|Freundin|Nachbar|Nachbarin|Vermieter|Vermieterin|Chef|Chefin|Kollege|"
    r"Kollegin|Bürge|Bürgin)"
    r"|(?:mon|ma|notre)\s+(?:mari|femme|épouse|époux|frère|sœur|soeur|père|mère|fils|fille|"
    r"oncle|tante|cousin|cousine|ami|amie|voisin|voisine|propriétaire|patron|patronne|"
    r"collègue|garant)"
    r"|(?:mi|nuestro|nuestra)\s+(?:esposo|esposa|marido|mujer|pareja|hermano|hermana|padre|"
    r"madre|hijo|hija|tío|tía|primo|prima|amigo|amiga|vecino|vecina|casero|casera|jefe|"
    r"jefa|compañero|compañera|avalista)"
    r"|(?:mijn|onze)\s+(?:vrouw|man|partner|broer|zus|vader|moeder|zoon|dochter|oom|tante|"
    r"vriend|vriendin|buurman|buurvrouw|huisbaas|baas|collega|borg)"
    r"|(?:the\s+|a\s+)?(?:guarantor|co-?signer|landlord|landlady|contact person|reference|"
    r"Bürge|Bürgin|Vermieter|Vermieterin|garant|avalista|borg)\s+(?:is|was|will be|ist|"
    r"war|est|es|era|was)"
    r"|(?:named|called|namens|nommée?|llamad[oa]|genaamd|signed by|co-signed by|"
    r"guaranteed by|on behalf of|care of|c/o)"
    # A role written as a form label: "Contact person: ...", "Ansprechpartner: ...".
    rf"|{_ROLE_LABEL}\s*:"
)
_UPPER = r"[A-ZÀ-ÖØ-ÞĀ-ſ]"
_LOWER = r"[a-zß-öø-ÿā-ſ'’]"
_CAP = rf"{_UPPER}{_LOWER}+(?:-{_UPPER}{_LOWER}+)*"
_CUED = re.compile(rf"(?:\b{_TITLE}|\b(?i:{_RELATION}))[,:]?\s+((?:{_CAP})(?:\s+{_CAP}){{0,2}})")
# A note written all in lower case ("guarantor is priya ramanathan") has no capitals to go
# by: after a cue, two words that are not function words.
_LOWER_WORD = r"[a-zß-öø-ÿā-ſ][a-zß-öø-ÿā-ſ'’\-]+"
_CUED_LOWER = re.compile(rf"\b(?:{_RELATION})[,:]?\s+({_LOWER_WORD})\s+({_LOWER_WORD})\b")
_FUNCTION_WORDS = frozenset("""
a an the my his her their our your its this that these those is was will be been being not
no also and or but who which what whom whose willing happy able ready going from at in on of
for to with by me him us them it someone somebody nobody unknown still already currently
now here there same you i we they he she has have had can could would should may might
very just only retired employed unemployed self working works lives living mein meine
sein seine ist war und oder mon ma son sa est et mi su es y mijn zijn is en
""".split())  # noqa: SIM905 - a word list reads better as text
# What a person, not a firm or a place, does as a sentence's subject: a capitalised pair
# at the start of a sentence followed by one of these is a name even when its given name
# is not on the list ("Antonija Hodžić has agreed to co-sign").
_PERSON_VERB = re.compile(
    r"\s+(?:(?:is|was|has been) (?:my|our|a (?:close )?friend)|"
    r"(?:has |have )?agreed to|will (?:co-?sign|guarantee|vouch|confirm|sign|act as|stand)|"
    r"(?:has )?(?:co-?signed|signed|vouched|guaranteed)|co-?signs|can (?:confirm|vouch)|"
    r"is willing to|(?:is|was) (?:born|married|employed|retired)|"
    r"(?:ist|war) (?:mein|meine|unser|unsere)|hat (?:zugestimmt|unterschrieben|gebürgt)|"
    r"wird (?:bürgen|unterschreiben|bestätigen)|bürgt|"
    r"(?:est|était) (?:mon|ma|notre)|a (?:accepté|signé)|se porte garant|"
    r"(?:es|era) (?:mi|nuestro|nuestra)|ha (?:aceptado|firmado)|"
    r"(?:is|was) (?:mijn|onze)|heeft (?:getekend|toegezegd))\b",
    re.IGNORECASE,
)
_PAIR = re.compile(rf"\b({_CAP})((?:\s+{_CAP}){{1,2}})")
_SINGLE = re.compile(rf"\b{_CAP}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*)$")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    given = frozenset(GIVEN_NAMES.split()) - _COMMON
    family = frozenset(SURNAMES.split()) - _COMMON
    return given, family


def known_given_name(word: str) -> bool:
    return word in _lists()[0]


def find_names(text: str, *, strict: bool = False) -> list[tuple[int, int]]:
    """Spans of people's names in ``text``, in order, not overlapping."""
    given, family = _lists()
    spans: list[tuple[int, int]] = []
    for match in _CUED.finditer(text):
        words = match.group(1).split()
        # "my brother Jan" but not "my employer Siemens Bank": keep words that could name
        # a person (not a common word) and stop at the first that cannot.
        kept = []
        for word in words:
            if word in _COMMON:
                break
            kept.append(word)
        if kept:
            start = match.start(1)
            spans.append((start, start + len(" ".join(kept))))
    for match in _PAIR.finditer(text):
        first, rest = match.group(1), match.group(2).split()
        if first in _COMMON or any(w in _COMMON for w in rest):
            continue
        mid_sentence = not _SENTENCE_START.search(text[:match.start()])
        # Mid-sentence capitalised pairs are names more often than not in a note (places
        # and firms mostly carry a common word: "Deutsche Bank", "New York").
        if first in given or first.split("-")[0] in given or (not strict and (
                mid_sentence or _PERSON_VERB.match(text, match.end()))):
            spans.append((match.start(), match.end()))
    if not strict and not any(ch.isupper() for ch in text):
        for match in _CUED_LOWER.finditer(text):
            if not {match.group(1), match.group(2)} & (_FUNCTION_WORDS | _COMMON_LOWER):
                spans.append((match.start(1), match.end(2)))
    if not strict:
        spans += find_script_names(text)
        for match in _SINGLE.finditer(text):
            # A lone given name at the start of a sentence is too often a verb ("Mark
            # this", "Will you"): only mid-sentence.
            if match.group(0) in given and not _SENTENCE_START.search(text[:match.start()]):
                spans.append((match.start(), match.end()))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
