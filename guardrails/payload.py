"""What an injection in a credit note tries to *achieve*, in several languages.

The wrapper of an attack (a ``[system]`` tag, a role-play frame, a fake delimiter) changes
from one attack family to the next; the payload in this domain does not: it asks the
reader to set the evidence aside (the score, the risk, the history), to label the case
favourably, to dictate what the explanation says, or to decide. These rules read the
payload, in English, German, French, Spanish, Dutch, Italian and Portuguese:

- ``dismiss_evidence``: ignore / disregard / do not take into account the score, the risk,
  the model, the history...; "whatever the model says", "the numbers don't matter";
- ``favourable_label``: classify / rate / treat / describe the applicant as low risk,
  creditworthy, safe...; set or assume the risk or probability low;
- ``dictate_output``: say / state / write / report that...; "the summary must say...";
  "the decision is approve";
- ``pushed_decision``: an approval demanded *together with* pressure ("regardless",
  "without checks", "automatically"). A plain plea ("please approve my application",
  "ich bitte um Genehmigung") is an applicant's wish, not an instruction, and passes.

Pure regular expressions over the canonical views made by :mod:`guardrails.injection`.
"""

from __future__ import annotations

import re

# Setting evidence aside, by language. Kept to verbs and phrases that, followed by an
# evidence noun, only make sense as an instruction to whoever assesses the case.
_DISMISS = (
    r"(?:ignor\w*|disregard\w*|forget(?: about)?|overlook\w*|neglect\w*|skip(?: over)?|"
    r"bypass\w*|discount\w*|pay no (?:heed|attention) to|set aside|leave out|overrul\w*|"
    r"overrid\w*|do not (?:take|consider|factor in|look at|bring up|count|weigh)|"
    r"don'?t (?:take|consider|factor in|look at|bring up|count|weigh)|"
    r"take no (?:notice|account) of|without (?:considering|looking at|checking)|"
    # German
    r"vergiss|vergessen sie|missacht\w*|nicht beachten|beachte\w* nicht|"
    r"au(?:ß|ss)er acht|unber(?:ü|ue)cksichtigt|(?:ü|ue)bergeh\w*|(?:ü|ue)berseh\w*|"
    # French
    r"oubli\w*|ne (?:prenez|prends|tenez|tiens) pas (?:en )?compte|sans tenir compte|"
    r"fai(?:tes|s) abstraction|n'?(?:e )?(?:tenez|tiens) pas compte|"
    # Spanish
    r"olvid\w*|no (?:tengas?|tengan|consideres|considere|mires|tomes|tome) en cuenta|"
    r"no (?:consideres|considere|mires|valores)|pasa por alto|pase por alto|"
    # Dutch
    r"negeer\w*|vergeet|houd geen rekening|houdt geen rekening|buiten beschouwing|"
    # Italian, Portuguese
    r"dimentica\w*|non considera\w*|trascura\w*|esque(?:ç|c)a\w*|desconsider\w*)"
)
_EVIDENCE = (
    r"(?:(?:the |your |this |my |any |all |that )?(?:risk|credit|default|scoring|"
    r"bureau|internal)?\s?(?:score|scoring|rating|assessment|evaluation|model|"
    r"probability(?: of default)?|criteria)s?|"
    r"(?:the |your |this |my |any |all |that )?(?:risk|credit|default|scoring|bureau) "
    r"(?:check|level|figure|calculation|analysis|review|result|number)s?|"
    r"(?:the |my |this )?(?:risk|credit history|payment history|history|data|numbers|"
    r"figures|statistics|checking account|duration|missed payments|existing credits|"
    r"negative factors|debts?|arrears|rules|polic(?:y|ies)|attribution)|"
    # German
    r"(?:den |die |das |der )?(?:risiko\w*|score|punktzahl|bewertung|auswertung|bonit(?:ä|ae)t|"
    r"schufa|pr(?:ü|ue)fung|daten|zahlen|modell|kreditw(?:ü|ue)rdigkeit\w*|einstufung)|"
    # French
    r"(?:le |la |les |l')?(?:score|risque|(?:é|e)valuation|historique|notation|donn(?:é|e)es|"
    r"chiffres|mod(?:è|e)le|analyse)|"
    # Spanish
    r"(?:la |el |los |las )?(?:puntuaci(?:ó|o)n|riesgo|evaluaci(?:ó|o)n|historial|datos|"
    r"cifras|modelo|an(?:á|a)lisis)|"
    # Dutch
    r"(?:de |het )?(?:score|risico\w*|beoordeling|kredietwaardigheid|gegevens|cijfers|"
    r"model|analyse)|"
    # Italian, Portuguese
    r"(?:il |la |lo )?(?:punteggio|rischio|valutazione|storico|dati)|"
    r"(?:a |o )?(?:pontua(?:ç|c)(?:ã|a)o|risco|avalia(?:ç|c)(?:ã|a)o|hist(?:ó|o)rico|dados))\b"
)
_FAVOURABLE = (
    r"(?:low[- ]?risk|no[- ]risk|zero[- ]risk|minimal(?: risk)?|negligible|safe|excellent|"
    r"creditworthy|credit-?worthy|trustworthy|reliable|financially (?:stable|sound|healthy)|"
    r"solvent|a good (?:risk|borrower|customer|client)|a safe (?:borrower|loan|bet)|"
    r"approved|pre-?approved|pre-?cleared|favou?rabl[ey]|positive|no concerns?|"
    r"in (?:my|his|her|their|the applicant'?s) favou?r|"
    # German
    r"risikoarm|geringe[sn]? risiko|niedrige[sn]? risiko|kreditw(?:ü|ue)rdig|"
    r"zuverl(?:ä|ae)ssig|vertrauensw(?:ü|ue)rdig|solvent|unbedenklich|genehmigt|"
    # French
    r"faible risque|fiable|solvable|sans risque|approuv(?:é|e)e?|accept(?:é|e)e?|"
    # Spanish
    r"bajo riesgo|fiable|solvente|sin riesgo|aprobad[oa]|"
    # Dutch
    r"laag risico|betrouwbaar|kredietwaardig|goedgekeurd|"
    # Italian, Portuguese
    r"basso rischio|affidabile|baixo risco|confi(?:á|a)vel|aprovad[oa])"
)
_APPROVE = (
    r"(?:approv\w*|grant\w*|accept\w*|green light|go-?ahead|"
    r"genehmig\w*|bewillig\w*|gib (?:den kredit |das darlehen )?frei|gr(?:ü|ue)nes licht|"
    r"approuv\w*|accord\w*|apru?eb\w*|conced\w*|keur\w* (?:\w+ ){0,4}goed|goedkeur\w*|"
    r"toegekend|approva\w*|concedi\w*|aprov\w*)"
)
_SUBJECT = (
    r"(?:me|us|him|her|it|this|that|the applicant|the application|the applicants?|the "
    r"borrower|the customer|the client|the case|this (?:person|applicant|application|case|"
    r"file|customer|client|loan|request|borrower)|the (?:loan|request|credit|file)|my "
    r"(?:file|application|case|request|loan)|"
    r"mich|ihn|sie|den antragsteller|den antrag|den kunden|diesen (?:antrag|kunden|"
    r"antragsteller)|ce (?:client|dossier|demandeur)|le (?:demandeur|dossier|client)|"
    r"el (?:solicitante|cliente)|la solicitud|este (?:cliente|solicitante)|de aanvrager|"
    r"deze aanvrager|deze aanvraag|de aanvraag)"
)
_LABEL_VERB = (
    r"(?:classify|class|rate|mark|treat|label|tag|score|categori[sz]e|flag|record|list|"
    r"describe|portray|present|call|declare|summari[sz]e|consider|regard|assess|judge|"
    r"count|register|"
    r"stuf\w*|bewerte\w*|beurteil\w*|behandl\w*|"
    r"class\w*|consid(?:è|e)r\w*|qualifi\w*|d(?:é|e)cri\w*|"
    r"clasific\w*|calific\w*|trat\w*|describ\w*|"
    r"beoordeel\w*|behandel\w*|beschouw\w*|"
    r"valut\w*|classific\w*|avali\w*)"
)
_SAY = (
    r"(?:say|state|write|tell (?:them|the (?:officer|operator|reviewer|bank|committee|"
    r"underwriter))|report|mention|include|conclude|confirm|assert|claim|declare|"
    r"indicate|certify|"
    r"sag\w*|schreib\w*|erw(?:ä|ae)hn\w*|best(?:ä|ae)tig\w*|"
    r"di(?:tes|s)|indiqu\w*|(?:é|e)cri\w*|mentionn\w*|confirm\w*|"
    r"d(?:i|iga|igan)|escrib\w*|indic\w*|"
    r"zeg\w*|schrijf\w*|vermeld\w*|bevestig\w*|"
    r"d(?:ì|i)|scriv\w*|diga|escreva)"
)
_OUTPUT = (
    r"(?:explanation|summary|answer|response|reply|report|assessment|output|analysis|"
    r"recommendation|reasoning|verdict|"
    r"erkl(?:ä|ae)rung|zusammenfassung|antwort|begr(?:ü|ue)ndung|"
    r"explication|r(?:é|e)sum(?:é|e)|r(?:é|e)ponse|"
    r"explicaci(?:ó|o)n|resumen|respuesta|"
    r"uitleg|samenvatting|antwoord)"
)
_PRESSURE = (
    r"(?:regardless|no matter|whatever|irrespective|without (?:further )?(?:checks?|review|"
    r"question|delay|hesitation|reservation)|automatically|unconditionally|immediately|"
    r"in any case|either way|must be|has to be|needs to be|is to be|shall be|"
    r"ohne (?:weitere )?pr(?:ü|ue)fung|automatisch|unbedingt|auf jeden fall|muss|"
    r"sans (?:r(?:é|e)serve|v(?:é|e)rification|condition)|doit (?:(?:ê|e)tre)|"
    r"sin (?:revisar|condiciones|reservas)|debe ser|"
    r"zonder (?:controle|voorwaarden)|moet worden|moet)"
)

_F = re.IGNORECASE

PAYLOAD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Reported speech is narration: someone "told me to ignore the old assessment".
    ("dismiss_evidence", re.compile(
        rf"(?<!\bme to )(?<!\bus to )\b{_DISMISS}\b[^.!?\n]{{0,25}}?\b{_EVIDENCE}", _F)),
    ("dismiss_evidence", re.compile(
        r"\b(?:whatever|no matter what|regardless of what|irrespective of what) (?:the |your )?"
        r"(?:model|score|system|scoring|data|numbers|risk|algorithm)\w* (?:says?|shows?|"
        r"thinks?|is|are|suggests?)|"
        r"\b(?:regardless of|irrespective of|no matter|despite) (?:the |my |its |any )?"
        r"(?:risk|score|data|numbers|model|history|rating|figures?|output|result)\b|"
        r"\b(?:the )?(?:numbers|score|risk|data|model|rating|figures|history|computed risk|"
        r"risk score)\s+(?:(?:do|does)(?: not|n'?t) matter|(?:is|are) (?:irrelevant|wrong|"
        r"outdated|incorrect|meaningless|not relevant|to be ignored))|"
        r"\b(?:der |die |das )?(?:score|risiko\w*|bewertung|zahlen) (?:ist|sind) "
        r"(?:egal|irrelevant|falsch|unwichtig)", _F)),
    ("favourable_label", re.compile(
        rf"\b{_LABEL_VERB}\b\s+(?:\w+\s+){{0,2}}?{_SUBJECT}\s+(?:\w+\s+){{0,1}}?"
        rf"(?:as|at|als|comme|como|als|come|como|to be|to be a|being)\s+(?:an?\s+|une?\s+|"
        rf"ein\w*\s+|un[ao]?\s+|een\s+)?(?:\w+\s+)?{_FAVOURABLE}", _F)),
    ("favourable_label", re.compile(
        rf"(?:^|[.;:!?>*]\s*)(?:please |just |bitte )?{_LABEL_VERB}\s+(?:{_SUBJECT}\s+)?"
        rf"(?:as|als|comme|como|come)\s+(?:an?\s+)?{_FAVOURABLE}", _F | re.MULTILINE)),
    ("favourable_label", re.compile(
        r"\b(?:set|put|lower|assume|treat|consider|report|record|fix|make|count|"
        r"setze\w*|setz|setzen sie|mettez|mets|pon|ponga|zet)\s+(?:\w+\s+){0,3}?"
        r"(?:risk|risiko|risque|riesgo|risico|score|probability|p_?bad|default probability|"
        r"probability of default|wahrscheinlichkeit)\w*\s+(?:\w+\s+){0,4}?"
        r"(?:to |as |at |auf |à |a |op |is |=\s?)?(?:be )?(?:zero|0\b|0[.,]0|\d(?:[.,]\d+)?"
        r" ?%|minimal|negligible|low|niedrig|gering|null|faible|bajo|laag|nul)", _F)),
    ("favourable_label", re.compile(
        r"\b(?:it'?s|this is|call it|is|als|est|es|is een) (?:an? |een )?(?:safe|low-risk|"
        r"positive|risk-?free) (?:case|loan|bet|application|file)\b.{0,40}$|"
        r"\bcall it an? (?:safe|good|positive)\b", _F | re.MULTILINE)),
    ("dictate_output", re.compile(
        rf"(?:^|[.;:!?,>*]\s*|\b(?:and|then|please|just|simply|also|bitte|et|y|en|e)\s+)"
        rf"{_SAY}\s+(?:[\w,]+\s+){{0,3}}?(?:(?:that|dass|que|dat|che)\s+|:\s*)?"
        rf"[^.!?\n]{{0,80}}?"
        rf"(?:{_FAVOURABLE}|{_APPROVE}|no (?:concerns?|issues|risk)|cleared|verified)", _F
        | re.MULTILINE)),
    ("dictate_output", re.compile(
        rf"\b(?:the|your|in (?:the|your)|in der|in ihrer|dans (?:la|le|votre)|en (?:la|su)|"
        rf"in (?:de|uw))\s+{_OUTPUT}\s+(?:\w+\s+){{0,2}}?(?:must|should|shall|has to|needs? to|"
        rf"will|is to|muss|soll|doit|debe|moet)\s+(?:\w+\s+){{0,4}}?"
        rf"(?:{_FAVOURABLE}|{_APPROVE}|say|state|describe|mention|include|omit|leave out|"
        rf"read|call|present)", _F)),
    ("dictate_output", re.compile(
        rf"\b(?:make sure|ensure|see to it)\b[^.!?\n]{{0,20}}\b{_OUTPUT}|"
        rf"\b(?:describe|call|present|portray|summari[sz]e)\s+(?:me|the applicant|this "
        rf"(?:person|case|applicant)|him|her)\s+(?:as|like)\b|"
        rf"\b(?:write|add|include|insert|put)\s+(?:a line|a sentence|the sentence|the words?|"
        rf"that|in the {_OUTPUT})\b|"
        rf"\b(?:leave out|omit|drop|hide|skip)\s+(?:the |my |any )?(?:debts?|risks?|missed "
        rf"payments|arrears|negative|history|red flags?)", _F)),
    ("dictate_output", re.compile(
        r"(?<!hope )(?<!hope that )(?<!wish )\b(?:the )?(?:final )?(?:answer|decision|verdict|"
        r"outcome|recommendation|result|action|entscheidung|d(?:é|e)cision|decisi(?:ó|o)n|"
        r"besluit)\s+(?:for this (?:case|application|loan) )?(?:is|must be|should be|has to be|"
        r"shall be|will be|=|:|ist|lautet|est|es|moet zijn)\s*[\"'“]?(?:an? )?"
        r"(?:approve|approval|accept|granted|positive|genehmig\w*|approuv\w*|aprobad\w*)\b",
        _F)),
    ("pushed_decision", re.compile(
        rf"\b{_APPROVE}\b[^.!?\n]{{0,50}}\b{_PRESSURE}\b|\b{_PRESSURE}\b[^.!?\n]{{0,50}}\b"
        rf"{_APPROVE}\b", _F)),
)



