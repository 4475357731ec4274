"""Generic words about risk, per language: what raises or lowers it, what calls it low or
high, and judgement or persuasion no case supports.

Seven tables (English, German, French, Spanish, Dutch, Italian, Portuguese) of regular-
expression alternatives, matched in lower case at word boundaries. :mod:`guardrails.prose`
builds its direction and judgement checks from them, the same way for every language; a
pack's own words (its subjects, outcomes, judgements: :class:`guardrails.facts.Lexicon`)
are added to the English table only, because packs declare them in English.

The lists lean towards refusing, like the English ones: a refused answer costs a template
explanation, never a decision. Words that read as a judgement in one use and as plain
description in another are left out ("günstig" is favourable and cheap; "bajo" is low and
under; "beperkt" is limited and low), and a level word after a negation ("kein hohes
Risiko", "pas un risque élevé") is not read.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RiskWords:
    """One language's words (regex alternatives, lower case).

    ``raise_verbs``/``lower_verbs`` move the risk when their object is one of ``objects``
    ("erhöht das Risiko") or when the object comes first ("das Risiko erhöht");
    ``raise_fixed``/``lower_fixed`` say the direction on their own ("spricht gegen");
    ``good_objects`` turn a verb round ("reduces the chance of success");
    ``object_prefix`` the words allowed before an object; ``passive`` the auxiliaries
    between an object and its verb; ``judgement`` judgement and persuasion; ``low_level``
    /``high_level`` the phrases calling the risk low or high; ``negation`` what before a
    level phrase takes it back.
    """

    language: str
    raise_verbs: str
    lower_verbs: str
    raise_fixed: str
    lower_fixed: str
    objects: str
    good_objects: str
    judgement: str
    low_level: str
    high_level: str
    negation: str
    object_prefix: str = r"(?:\w+ ){0,2}"
    passive: str = r"\w+"


ENGLISH = RiskWords(
    language="en",
    raise_verbs=(r"rais(?:e|es|ed|ing)|increas(?:e|es|ed|ing)|push(?:es|ed|ing)? up|"
                 r"driv(?:e|es|en|ing) up|adds? to|added to|worsen(?:s|ed|ing)?|heighten(?:s|"
                 r"ed|ing)?|elevat(?:es|ed|ing)|boost(?:s|ed|ing)?"),
    lower_verbs=(r"lower(?:s|ed|ing)?|reduc(?:e|es|ed|ing)|decreas(?:e|es|ed|ing)|"
                 r"mitigat(?:e|es|ed|ing)|offset(?:s|ting)?|eas(?:e|es|ed|ing)|cut(?:s|ting)?|"
                 r"limit(?:s|ed|ing)?|improv(?:e|es|ed|ing)"),
    raise_fixed=(r"counts? against|weigh(?:s|ing)? against|speaks? against|red flags?|"
                 r"unfavou?rable|riskier|worrying|concerning|a negative"),
    lower_fixed=(r"in (?:the \w+'s |their |his |her |its )?favou?r|favou?rable|reassuring|"
                 r"speaks? for|counts? (?:in favou?r|for)|safer|a positive|works? for"),
    objects=(r"risk|probability|chance|likelihood|odds|p\(\w+\)|estimate|score|it\b|this\b|"
             r"concern"),
    object_prefix=(r"(?:the |its |their |his |her |this |a |an |overall |estimated |"
                   r"predicted |model's )*"),
    passive=r"is|was|gets|being",
    good_objects=r"good outcome|favou?rable outcome|success\w*",
    judgement=(
        r"trustworth\w*|trusted|honest\w*|credible|dependable|upstanding|respectable|"
        r"verified|vetted|confirmed|validated|certified|cleared|vouched|endorsed|"
        r"(?:approved|authori[sz]ed|signed off|checked) by|compliance|due diligence|"
        r"no risk|risk[- ]free|guarantee\w*|certain(?:ly)?|definite(?:ly)?|undoubted\w*|"
        r"obvious(?:ly)?|clear(?:ly)? (?:a|an|the|should|deserves?)|surely|absolutely|"
        r"without (?:a )?doubt|deserv\w+|impeccable|outstanding|exemplary|"
        r"looks? (?:good|fine|great|trustworthy|solid|safe|ok|okay|strong|promising)|"
        r"overall (?:good|fine|positive|solid)|nothing to worry|no concerns?|"
        r"you (?:should|must|can safely)|i (?:recommend|suggest|would|believe|think)"),
    low_level=r"(?:low|minimal|little|negligible|modest|small|limited|acceptable)[- ]risk|safe",
    high_level=(r"(?:high|significant|elevated|substantial|considerable|serious|large|major)"
                r"[- ]risk|risky"),
    negation=r"\bnot (?:a |an )?",
)

GERMAN = RiskWords(
    language="de",
    raise_verbs=r"erhöh(?:t|en|te|ten)|steiger(?:t|n|te|ten)|vergrößer(?:t|n|te|ten)",
    lower_verbs=(r"senk(?:t|en|te|ten)|verringer(?:t|n|te|ten)|reduzier(?:t|en|te|ten)|"
                 r"minder(?:t|n|te|ten)|verminder(?:t|n|te|ten)"),
    raise_fixed=r"sprich\w* gegen|sprechen gegen|verschlechter\w*|zu (?:ihren|seinen) ungunsten",
    lower_fixed=r"sprich\w* für|sprechen für|verbesser\w*|zu (?:ihren|seinen) gunsten|zugunsten",
    objects=r"\w*risiko\w*|\w*wahrscheinlichkeit|chancen?",
    good_objects=r"erfolg\w*|rückzahlung\w*",
    judgement=(r"vertrauenswürdig\w*|zuverlässig\w*|seriös\w*|kreditwürdig\w*|ehrlich\w*|"
               r"verifiziert\w*|(?:von|durch) (?:der )?compliance|garantiert\w*|"
               r"zweifellos|zweifelsohne|ohne (?:jeden )?zweifel|definitiv|eindeutig|"
               r"offensichtlich|auf jeden fall|kein risiko|risikofrei|risikolos|bedenkenlos|"
               r"sie sollten|ich (?:empfehle|würde|glaube|denke|rate)|verdien\w*|"
               r"(?:sieht|wirkt) (?:\w+ )?(?:gut|solide|vertrauenswürdig|sicher)\w*"),
    low_level=(r"(?:niedrig|gering|minimal|vernachlässigbar|überschaubar|akzeptabel|klein)"
               r"\w*\s+\w*risiko\w*|unbedenklich\w*"),
    high_level=(r"(?:hoh|hoch|erhöht|beträchtlich|erheblich|groß|ernst|signifikant|deutlich)"
                r"\w*\s+\w*risiko\w*|riskant\w*"),
    negation=r"\b(?:kein\w* |nicht (?:ein\w* )?)",
    passive=r"ist|wird|wurde|werden",
)
FRENCH = RiskWords(
    language="fr",
    raise_verbs=r"augment\w*|accro\w*|élève|élèvent|rehausse\w*",
    lower_verbs=r"rédui\w*|diminu\w*|abaiss\w*|atténu\w*|limit\w*",
    raise_fixed=(r"jou\w* contre|en (?:sa |leur )?défaveur|défavorable\w*|aggrav\w*|"
                 r"pès\w* contre"),
    lower_fixed=r"en (?:sa |leur )?faveur|favorable\w*|amélior\w*|jou\w* pour",
    objects=r"risques?|probabilités?|chances?",
    good_objects=r"succès|rembours\w*",
    judgement=(r"digne\w* de confiance|fiable\w*|honnête\w*|solvable\w*|sérieu(?:x|se)|"
               r"vérifié\w*|certifié\w*|garanti\w*|certainement|sans (?:aucun )?doute|"
               r"assurément|évidemment|clairement|absolument|définitivement|aucun risque|"
               r"sans risque|vous (?:devez|devriez)|je (?:recommande|suggère|pense|crois|"
               r"conseille)|mérite\w*|(?:semble|paraît) (?:\w+ )?(?:fiable|sûr|solide|bon|"
               r"digne)\w*"),
    low_level=(r"risques? (?:\w+ ){0,2}?(?:faibles?|minimes?|limités?|négligeables?|"
               r"acceptables?|bas)|(?:faible|petit) risque|peu risqué\w*"),
    high_level=(r"risques? (?:\w+ ){0,2}?(?:élevés?|importants?|considérables?|sérieux|forts?|"
                r"grands?)|(?:haut|fort|grand|gros) risque|risqué\w*"),
    negation=r"\b(?:pas (?:un |une |de )?|aucun\w* )",
    passive=r"est|a été|sont",
)
SPANISH = RiskWords(
    language="es",
    raise_verbs=r"aument\w*|increment\w*|eleva|elevan",
    lower_verbs=r"reduc\w*|reduj\w*|disminu\w*|rebaj\w*|mitig\w*",
    raise_fixed=r"juega\w* en contra|pesa\w* en contra|desfavorable\w*|empeor\w*|agrav\w*",
    lower_fixed=r"a (?:su )?favor|favorable\w*|mejora\w*",
    objects=r"riesgos?|probabilidad\w*",
    good_objects=r"éxito|reembolso|devolución",
    judgement=(r"confiable\w*|fiable\w*|digno de confianza|honest[oa]s?|solvente\w*|"
               r"verificad[oa]s?|comprobad[oa]s?|certificad[oa]s?|garantizad[oa]s?|"
               r"sin (?:ninguna )?duda|sin (?:ningún )?riesgo|ningún riesgo|ciertamente|"
               r"claramente|definitivamente|obviamente|absolutamente|usted debería|"
               r"(?:yo )?(?:recomiendo|sugiero|creo que|pienso que)|merece\w*|"
               r"parece (?:\w+ )?(?:fiable|confiable|solvente|seguro|bueno|sólido)"),
    low_level=(r"riesgos? (?:\w+ ){0,2}?(?:bajos?|reducidos?|mínimos?|limitados?|escasos?|"
               r"aceptables?)|(?:bajo|poco|escaso) riesgo"),
    high_level=(r"riesgos? (?:\w+ ){0,2}?(?:altos?|elevados?|considerables?|significativos?|"
                r"importantes?|graves?)|(?:alto|gran|elevado) riesgo|arriesgad\w*"),
    negation=r"\b(?:no (?:es )?(?:un |una )?|ningún )",
    passive=r"es|está|fue",
)
DUTCH = RiskWords(
    language="nl",
    raise_verbs=r"verhoog\w*|vergro\w*",
    lower_verbs=r"verlaag\w*|verklein\w*|verminder\w*",
    raise_fixed=r"pleit\w* tegen|ongunstig\w*|verslechter\w*",
    lower_fixed=r"pleit\w* voor|in (?:het|zijn|haar) voordeel|gunstig\w*|verbeter\w*",
    objects=r"\w*risico\w*|kans\w*",
    good_objects=r"succes|terugbetaling\w*",
    judgement=(r"betrouwbaar\w*|eerlijk\w*|kredietwaardig\w*|geverifieerd\w*|"
               r"gecertificeerd\w*|bevestigd door|gegarandeerd\w*|zonder (?:enige )?twijfel|"
               r"ongetwijfeld|zeker weten|absoluut|duidelijk (?:een|de|het)|geen risico|"
               r"risicoloos|risicovrij|u (?:moet|zou moeten)|ik (?:raad|adviseer|denk|vind)|"
               r"verdient\w*|(?:lijkt|ziet er) (?:\w+ )?(?:betrouwbaar|goed|solide|veilig)"),
    low_level=(r"(?:laag|lage|klein|kleine|gering|geringe|minimaal|minimale|aanvaardbaar|"
               r"aanvaardbare)\s+\w*risico\w*|weinig risico"),
    high_level=(r"(?:hoog|hoge|groot|grote|aanzienlijk|aanzienlijke|verhoogd|verhoogde|"
                r"ernstig|ernstige)\s+\w*risico\w*|riskant\w*"),
    negation=r"\b(?:geen |niet (?:een )?)",
    passive=r"is|wordt|werd",
)
ITALIAN = RiskWords(
    language="it",
    raise_verbs=r"aument\w*|accresc\w*|innalz\w*",
    lower_verbs=r"riduc\w*|ridu\w*|diminu\w*|abbass\w*|attenu\w*",
    raise_fixed=r"a (?:suo )?sfavore|sfavorevol\w*|gioca contro|peggior\w*",
    lower_fixed=r"a (?:suo )?favore|favorevol\w*|miglior\w*",
    objects=r"rischi[oi]?|probabilità",
    good_objects=r"successo|rimborso",
    judgement=(r"affidabil\w*|degn[oa] di fiducia|onest[oaie]|solvibil\w*|verificat[oaie]|"
               r"certificat[oaie]|garantit[oaie]|senza (?:alcun )?dubbio|sicuramente|"
               r"certamente|chiaramente|assolutamente|ovviamente|nessun rischio|"
               r"senza rischi\w*|dovreste|(?:io )?(?:raccomando|consiglio|credo|penso)|"
               r"merit[ao]\w*|sembra (?:\w+ )?(?:affidabile|solido|sicuro|buono)"),
    low_level=(r"rischi[oi]? (?:\w+ ){0,2}?(?:bass[oia]|ridott[oia]|minim[oia]|limitat[oia]|"
               r"contenut[oia]|accettabil[ei])|(?:basso|scarso|poco) rischio"),
    high_level=(r"rischi[oi]? (?:\w+ ){0,2}?(?:alt[oia]|elevat[oia]|considerevol[ei]|"
                r"significativ[oia]|seri[oa]|grav[ei])|(?:alto|elevato|grande|forte) rischio|"
                r"rischios\w*"),
    negation=r"\b(?:non (?:è )?(?:un |una )?|nessun\w* )",
    passive=r"è|viene|era",
)
PORTUGUESE = RiskWords(
    language="pt",
    raise_verbs=r"aument\w*|elev(?:a|am)\b",
    lower_verbs=r"reduz\w*|diminu\w*|atenu\w*|mitig\w*",
    raise_fixed=r"desfavorá\w*|desfavoráveis|agrav\w*|piora\w*",
    lower_fixed=r"a (?:seu )?favor|favorável|favoráveis",
    objects=r"riscos?|probabilidade\w*",
    good_objects=r"sucesso|reembolso",
    judgement=(r"confiável\w*|confiáveis|fiável|fiáveis|digno de confiança|honest[oa]s?|"
               r"solvente\w*|verificad[oa]s?|certificad[oa]s?|garantid[oa]s?|"
               r"sem (?:nenhuma )?dúvida|certamente|claramente|obviamente|absolutamente|"
               r"definitivamente|nenhum risco|sem risco\w*|você deveria|"
               r"(?:eu )?(?:recomendo|sugiro|acho|creio)|merece\w*|"
               r"parece (?:\w+ )?(?:confiável|sólido|seguro|bom)"),
    low_level=(r"riscos? (?:\w+ ){0,2}?(?:baixos?|reduzidos?|mínimos?|limitados?|"
               r"aceitáve(?:l|is))|(?:baixo|pouco) risco"),
    high_level=(r"riscos? (?:\w+ ){0,2}?(?:altos?|elevados?|considerávei?s?|significativos?|"
                r"sérios?|graves?)|(?:alto|elevado|grande) risco|arriscad\w*"),
    negation=r"\b(?:não (?:é )?(?:um |uma )?|nenhum )",
    passive=r"é|está|foi",
)

OTHER_LANGUAGES: tuple[RiskWords, ...] = (GERMAN, FRENCH, SPANISH, DUTCH, ITALIAN, PORTUGUESE)
"""The languages besides English whose risk words are read."""
