"""Credit's actions in the languages an explanation may slip into (German, French, Spanish,
Dutch, Italian, Portuguese).

An LLM asked for English can still answer "Antrag genehmigen" or "aprobar el préstamo"; the
prose check reads every mention of an action against the recommended one, so it must know
these words too (:class:`guardrails.facts.Lexicon`, ``action_words``). Each entry is a
regular-expression alternation matched case-insensitively at a word start: stems where the
stem names nothing else ("genehmig", "aprob"), exact endings where the stem is also an
English word ("accord" -> "accordé", not "according"; "conced" -> "concedido", not
"concede"; "neg" -> "negado", not "negative"). Verbs with a split particle are listed in
their split order too ("keur ... goed", "lehnen ... ab").
"""

from __future__ import annotations

_DE = (
    ("approve", r"genehmig\w*|bewillig\w*|freigeb\w*|freigegeben\w*|freizugeben|"
                r"zustimm\w*|zugestimmt|stimm\w* (?:\w+ ){0,3}zu\b|befürwort\w*|"
                r"zusag\w*|zugesagt\w*"),
    ("decline", r"ablehn\w*|abgelehnt\w*|abzulehnen|lehn\w* (?:\w+ ){0,3}ab\b|"
                r"zurückweis\w*|zurückgewiesen\w*|zurückzuweisen|versag\w*|absag\w*|"
                r"abgesagt"),
    ("escalate", r"eskalier\w*|weiterleit\w*|weitergeleitet|weiterzuleiten|"
                 r"zur (?:prüfung|überprüfung) vorleg\w*"),
)
_FR = (
    ("approve", r"approuv\w*|accord(?:er|ez|ons|é|ée|és|ées|e|ent)\b|"
                r"accept(?:er|ez|ons|é|ée|és|ées|e|ent)\b|valid(?:er|ez|ons|é|ée|és|ées)\b|"
                r"octroy\w*|octroi\w*|autoris(?:er|ez|é|ée|és|ées)\b"),
    ("decline", r"refus\w*|rejet\w*|rejeter|rejett\w*|d[ée]clin(?:er|ez|ons|é|ée|és|ées)\b"),
    ("escalate", r"escalad\w*|transmett\w* (?:le dossier|la demande)|"
                 r"soumett\w* (?:le dossier|la demande)"),
)
_ES = (
    ("approve", r"aprob\w*|aprueb\w*|conced(?:er|ido|ida|idos|idas|emos|a|an)\b|"
                r"concesión|otorg\w*|acept(?:ar|ado|ada|ados|adas|amos|e|en|a|o)\b|"
                r"autoriz\w*"),
    ("decline", r"rechaz\w*|deneg\w*|deniega\w*|neg(?:ar|ado|ada|ados|adas)\b|"
                r"desestim\w*"),
    ("escalate", r"escal(?:ar|ado|ada|amos|e|en)\b|elev(?:ar|ado|ada) (?:a|al)\b"),
)
_NL = (
    ("approve", r"goedkeur\w*|goedgekeurd\w*|goed te keuren|keur\w* (?:\w+ ){0,3}goed\b|"
                r"toeken\w*|toegekend\w*|geaccepteerd\w*|accepteren|verleen\w*|verleend"),
    ("decline", r"afwijz\w*|afgewezen\w*|af te wijzen|wij[sz]\w* (?:\w+ ){0,3}af\b|"
                r"weiger\w*|geweigerd\w*"),
    ("escalate", r"escaler\w*|geëscaleerd\w*|doorverwijz\w*|doorverwezen|doorsturen|"
                 r"doorgestuurd"),
)
_IT = (
    ("approve", r"approv\w*|accord(?:are|ato|ata|ati|ate|iamo)\b|"
                r"conced(?:ere|iamo)\b|concess[oaie]\b|accett\w*|autorizz\w*"),
    ("decline", r"rifiut\w*|respin\w*|declin(?:are|ato|ata|iamo)\b|neg(?:are|ato|ata)\b|"
                r"rigett\w*"),
    ("escalate", r"inoltr\w*|scal(?:are|ato|ata)\b|sottopo\w*|trasmett\w*"),
)
_PT = (
    ("approve", r"aprov\w*|conced(?:er|ido|ida|idos|idas|emos|a)\b|concessão|"
                r"defer(?:ir|ido|ida|imento)\b|aceit\w*|autoriz\w*"),
    ("decline", r"recus(?:ar|ad\w*|amos|a|o)\b|rejeit\w*|indefer\w*|neg(?:ar|ado|ada|ados|adas)\b"),
    ("escalate", r"escal(?:ar|ado|ada|amos|e)\b|escalon\w*|encaminh\w*|remet\w*"),
)

ACTION_WORDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("de", _DE), ("fr", _FR), ("es", _ES), ("nl", _NL), ("it", _IT), ("pt", _PT),
)
"""Per language, per action, the words that mean it (``Lexicon.action_words``)."""
