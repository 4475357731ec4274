"""Personal data written in prose: addresses, dates of birth, ID numbers, disguised contacts.

Each finder returns ``(kind, start, end)`` spans; :mod:`guardrails.pii` merges them with
the checksum recognisers (IBAN, card) and the declared values. Kinds:

- ``ADDRESS``: a street with a house number ("Bergstraße 12", "12 rue de la Paix",
  "221B Baker Street", "Calle Mayor 5", "Kerkstraat 12a"), and a postcode with its town
  ("10115 Berlin", "SW1A 1AA", "1012 AB Amsterdam", "NY 10001");
- ``BIRTH_DATE``: a date next to a birth cue ("born on 3 March 1985", "DOB: 03/03/85",
  "geboren am 3.3.1985", "né le 3 mars 1985", and in words: "born on the third of March,
  nineteen eighty-five");
- ``NATIONAL_ID``: passport, identity card, tax, social security and national insurance
  numbers after their cue, and the shapes that need no cue (US SSN, UK NINO, Italian
  codice fiscale, Spanish DNI/NIE);
- ``EMAIL``: addresses written to dodge a pattern ("ana [at] example [dot] com",
  "ana(at)example.de", "ana at example dot com", "ana @ example . com");
- ``PHONE``: numbers spelled out in words ("zero one seven six ...", "null eins sieben").
"""

from __future__ import annotations

import re

from guardrails.prefilter import RuleSet

_F = re.IGNORECASE

_STREET_WORD = (
    r"(?:street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|dr\.?|way|close|court|"
    r"place|square|terrace|crescent|grove|gardens|boulevard|blvd\.?|"
    r"straße|strasse|str\.|allee|platz|weg|gasse|ring|damm|ufer|chaussee|"
    r"straat|laan|plein|gracht|kade|singel|dijk|"
    r"vej|gade|katu|tie|utca|ulice|ulica|gatan|vägen|veien|gata)"
)
_COMPOUND = (r"(?:straße|strasse|str\.|allee|platz|weg|gasse|damm|ufer|straat|laan|plein|"
             r"gracht|kade|singel|dijk|vej|gade|katu|utca|gatan|vägen|veien)")
_ADDRESS_CUE = (r"(?:live[sd]? (?:at|in|on)|living (?:at|in|on)|address(?: is)?:?|"
                r"moved to|move to|sent to|wohne (?:in der|in|am|an der|im)|wohnhaft in|"
                r"adresse:?|anschrift:?|j'habite(?: au| à| rue)?|vivo en|domicilio:?|"
                r"woon(?: op| aan| in)?|adres:?|flat at|house at)")
_UNIT = (r"(?:,?\s+(?:piso|planta|puerta|apt\.?|apartment|flat|suite|wohnung|whg\.?|étage|"
         r"bus|stock|og|esc\.?)\s*\w{1,4})")
_STREET_PREFIX = (
    r"(?:rue|avenue|av\.|boulevard|bd|chemin|allée|impasse|place|quai|"
    r"calle|c/|avenida|avda\.?|plaza|paseo|carrer|camino|rambla|ronda|travesía|"
    r"via|viale|piazza|corso|largo|vicolo|rua|travessa|praça)"
)
_HOUSE = r"\d{1,4}\s?[a-zA-Z]?(?:\s?[-/]\s?\d{1,4}[a-zA-Z]?)?"
_NAMEWORDS = r"[A-ZÀ-ÞĀ-ſ][\w'’.\-]*(?:\s+[\w'’.\-]+){0,3}?"

ADDRESS_PATTERNS = (
    # After a cue ("I live at", "new address:", "moved to", "wohne in der"): the words up to
    # and including a house number, and the unit after it.
    re.compile(rf"\b(?i:{_ADDRESS_CUE})\s*((?:[^\W\d][\w.'’\-]*,?\s+){{0,5}}?{_HOUSE}\b"
               rf"(?!\s*(?i:months?|years?|dm|eur|€|%|times|km))(?:{_UNIT})?)"),
    re.compile(rf"\b{_ADDRESS_CUE}\s*((?:flat|apartment|apt\.?|suite|unit)\s+\w+"
               rf"(?:,?\s+[^\W\d][\w.'’\-]*){{1,4}})", _F),
    # Bergstraße 12 / Kerkstraat 12a / Georg-Schober-Straße 7 / Schilcherring 838
    re.compile(rf"\b[A-ZÀ-Þ][\w\-]{{2,}}?(?i:{_COMPOUND}|ring)\s+{_HOUSE}\b(?:{_UNIT})?"),
    # Baker Street 221B / Avenue Foch 12
    re.compile(rf"\b{_NAMEWORDS}\s+(?i:{_STREET_WORD})\s+{_HOUSE}\b"),
    # 221B Baker Street / 12 High St
    re.compile(rf"\b{_HOUSE}\s+(?:{_NAMEWORDS}\s+){{0,1}}{_NAMEWORDS}\s+(?i:{_STREET_WORD})"
               rf"(?!\w)"),
    # 12 rue de la Paix / 12, avenue Foch / Calle Mayor 5 / Via Roma 10
    re.compile(rf"\b{_HOUSE},?\s+{_STREET_PREFIX}(?:\s+[\w'’\-]+){{1,4}}", _F),
    re.compile(rf"\b{_STREET_PREFIX}\s+(?:[\w'’\-]+\s+){{0,4}}?[\w'’\-]+,?\s+{_HOUSE}\b"
               rf"(?:{_UNIT})?", _F),
    # Postcodes with their town: 10115 Berlin / 75008 Paris / 1012 AB Amsterdam
    re.compile(r"\b(?:[A-Z]{1,2}-)?\d{4,5}\s+(?:[A-Z]{2}\s+)?[A-ZÀ-Þ][a-zà-ÿß]+(?:[- ][A-ZÀ-Þ]"
               r"[a-zà-ÿß]+)?\b"),
    # UK postcodes: SW1A 1AA, M1 1AE, B33 8TH
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"),
    # US: NY 10001 / zip 10001-1234
    re.compile(r"\b(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?|(?:zip|postcode|post code|postal code|"
               r"plz|code postal|c\.p\.|cp|postcode)\s*:?\s*[A-Z\d]{3,5}(?:[- ]?[A-Z\d]{2,4})?)"
               r"\b", _F),
)

_MONTHS = (r"(?:jan(?:uary|vier|uar|uari|eiro)?|feb(?:ruary|ruar|ruari)?|févr(?:ier)?|"
           r"mar(?:ch|s|zo)?|mär(?:z)?|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|may|mai|mei|mayo|"
           r"maggio|jun(?:e|i|io)?|juin|giugno|jul(?:y|i|io)?|juil(?:let)?|luglio|"
           r"aug(?:ust|ustus)?|août|ago(?:sto)?|sep(?:t|tember|tembre|tiembre)?|set(?:tembre)?|"
           r"oct(?:ober|obre|ubre)?|okt(?:ober)?|ott(?:obre)?|nov(?:ember|embre|iembre)?|"
           r"dec(?:ember)?|dez(?:ember)?|déc(?:embre)?|dic(?:iembre|embre)?)\.?")
_DATE = (rf"(?:\d{{1,2}}[./\-]\d{{1,2}}[./\-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|"
         rf"\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s+(?:of\s+)?{_MONTHS}\s+\d{{4}}|"
         rf"{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
_BIRTH_CUE = (r"(?:born(?:\s+on)?|birth\s*date|date\s+of\s+birth|d\.?o\.?b\.?|birthday|"
              r"geboren(?:\s+am)?|geb\.|geburtsdatum|né(?:e)?\s+le|date\s+de\s+naissance|"
              r"nacid[oa]\s+el|fecha\s+de\s+nacimiento|geboren\s+op|geboortedatum|"
              r"nat[oa]\s+il|data\s+di\s+nascita)")
BIRTH_DATE = re.compile(rf"\b{_BIRTH_CUE}\s*:?\s*(?:the\s+)?({_DATE})", _F)
# The same date in words, as an answer may echo it to dodge the digits: "born on the third
# of March, nineteen eighty-five", "born in March 1985".
_NUMBER_WORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
                r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|and)")
_ORDINAL_WORD = (r"(?:(?:twenty|thirty)[\s\-])?(?:first|second|third|fourth|fifth|sixth|"
                 r"seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|"
                 r"fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
                 r"thirtieth)")
_SPELLED_DATE = (rf"(?:in\s+)?(?:(?:\d{{1,2}}(?:st|nd|rd|th|er|\.)?|{_ORDINAL_WORD})\s+"
                 rf"(?:of\s+)?)?{_MONTHS}\b(?:\s+(?:the\s+)?{_ORDINAL_WORD})?"
                 rf"(?:,?\s+(?:in\s+)?(?:\d{{2,4}}|{_NUMBER_WORD}(?:[\s\-]+{_NUMBER_WORD})*)\b)?")
BIRTH_DATE_WORDS = re.compile(rf"\b{_BIRTH_CUE}\s*:?\s*(?:the\s+)?({_SPELLED_DATE})", _F)

_ID_CUE = (r"(?:passport|passport\s+(?:no|number|nr)|id\s+card|identity\s+card|national\s+id|"
           r"id\s+(?:no|number|nr)|social\s+security(?:\s+number)?|national\s+insurance"
           r"(?:\s+number)?|ni\s+number|tax\s+(?:id|number|code|identification\s+number)|"
           r"driver'?s\s+licen[cs]e(?:\s+(?:no|number))?|"
           r"reisepass(?:nummer)?|passnummer|personalausweis(?:nummer)?|ausweis(?:nummer)?|"
           r"steuer-?id|steuernummer|steueridentifikationsnummer|sozialversicherungsnummer|"
           r"passeport|carte\s+d'identité|numéro\s+fiscal|numéro\s+de\s+sécurité\s+sociale|"
           r"pasaporte|paspoort|burgerservicenummer|"
           r"passaporto|carta\s+d'identità|codice\s+fiscale)")
NATIONAL_ID = (
    # The cue in any case (or an upper-case acronym), the number in capitals and digits.
    re.compile(rf"(?:\b(?i:{_ID_CUE})|\b(?:SSN|TIN|DNI|NIE|NIF|NSS|BSN|NINO))\b\.?\s*"
               rf"(?i:(?:no|nr|number|nummer|n°|#)\.?\s*)?(?i:is\s+|:\s*|-\s*)?"
               rf"((?=[A-Z0-9\- ]*\d[A-Z0-9\- ]*\d)[A-Z0-9]{{1,10}}"
               rf"(?:[\- ][A-Z0-9]{{2,10}}){{0,3}})\b"),
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US SSN
    re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"),  # UK NINO
    re.compile(r"\b[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]\b"),  # codice fiscale
    re.compile(r"\b[XYZ]?\d{7,8}-?[A-Z]\b"),  # DNI / NIE
)

_AT = r"(?:\s*[\[({<]\s*(?:at|ät|@)\s*[\])}>]\s*|\s+(?:at|ät)\s+|\s*@\s+|\s+@\s*)"
_DOT = r"(?:\s*[\[({<]\s*(?:dot|punkt|point|punto|.)\s*[\])}>]\s*|\s+(?:dot|punkt)\s+|\s+\.\s+|\.)"
OBFUSCATED_EMAIL = re.compile(
    rf"\b[\w.+\-]{{1,64}}{_AT}[\w\-]{{1,63}}(?:{_DOT}[\w\-]{{1,63}}){{0,3}}{_DOT}[a-z]{{2,12}}\b",
    _F)

_DIGIT_WORDS = (r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|"
                r"null|eins|zwei|zwo|drei|vier|fünf|sechs|sieben|acht|neun|"
                r"zéro|un|deux|trois|quatre|cinq|sept|huit|neuf|"
                r"cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|"
                r"nul|een|twee|drie|vier|vijf|zes|zeven|acht|negen)")
SPELLED_PHONE = re.compile(
    rf"\b(?:{_DIGIT_WORDS}|\d)(?:[\s,\-/]+(?:double\s+|doppel\s*)?(?:{_DIGIT_WORDS}|\d)){{6,15}}\b",
    _F)


# Each pattern runs only when the literals it needs are in the text (see prefilter).
_PROSE_RULES = RuleSet([("EMAIL", OBFUSCATED_EMAIL), ("BIRTH_DATE", BIRTH_DATE),
                        ("BIRTH_DATE", BIRTH_DATE_WORDS),
                        *(("NATIONAL_ID", pattern) for pattern in NATIONAL_ID),
                        *(("ADDRESS", pattern) for pattern in ADDRESS_PATTERNS),
                        ("PHONE", SPELLED_PHONE)])


def prose_personal_data(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of addresses, birth dates, ID numbers and disguised contacts."""
    found: list[tuple[str, int, int]] = []
    for rule in _PROSE_RULES.runnable(text):
        group = 1 if rule.pattern.groups else 0
        for match in rule.pattern.finditer(text):
            if rule.name == "EMAIL" and "@" in match.group(0) and not re.search(
                    r"\s", match.group(0)):
                continue  # a plain address: the e-mail recogniser's, not a disguised one
            if rule.name == "PHONE" and sum(
                    not ch.isdigit() for ch in match.group(0) if ch.isalpha()) < 3:
                continue  # digits only: the phone recogniser's
            found.append((rule.name, match.start(group), match.end(group)))
    return found
