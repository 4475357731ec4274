"""Credit's features as German, French, Spanish, Dutch, Italian and Portuguese prose names them.

An answer in another language names a feature by a translated word ("Laufzeit", "durée",
"looptijd"), not by the English label; the direction check ties "senkt das Risiko" to the
feature named before it only if it knows that word (:class:`guardrails.facts.Lexicon`,
``feature_words``). Each entry is a regular-expression alternation matched in lower case as
whole words. A word is listed only when it names that one feature and nothing else a credit
explanation says in passing: German "Zweck" alone ("zu diesem Zweck") or "Alter" alone
(also English "alter") are left out, their compounds and phrases are kept.
"""

from __future__ import annotations

FEATURE_WORDS: tuple[tuple[str, str], ...] = (
    ("duration_in_month",
     r"laufzeit\w*|kreditlaufzeit\w*|durée|duración|plazo|looptijd\w*|durata|prazo|duração"),
    ("credit_amount",
     r"kreditbetrag\w*|kreditsumme\w*|darlehensbetrag\w*|betrag\w*|montant|importe|monto|"
     r"cuantía|kredietbedrag\w*|bedrag\w*|importo|montante|valor do (?:crédito|empréstimo)"),
    ("status_of_existing_checking_account",
     r"girokonto\w*|kontostand\w*|compte courant|comptes courants|cuenta corriente|"
     r"betaalrekening\w*|lopende rekening|rekening-courant|conto corrente|conta corrente"),
    ("credit_history",
     r"kredithistorie|kreditgeschichte|zahlungshistorie|historique (?:de crédit|des crédits|"
     r"de remboursement)|historial (?:crediticio|de crédito|de pagos)|kredietgeschiedenis|"
     r"kredietverleden|storia creditizia|storico creditizio|histórico de crédito"),
    ("purpose",
     r"verwendungszweck\w*|kreditzweck\w*|objet du (?:crédit|prêt)|finalidad|"
     r"bestedingsdoel|doel van de lening|doel van het krediet|finalità|finalidade"),
    ("savings_account_and_bonds",
     r"ersparnis\w*|sparkont\w*|sparguthaben|spareinlage\w*|épargne|ahorros?|spaargeld|"
     r"spaarrekening\w*|risparmi\w*|poupança"),
    ("present_employment_since",
     r"beschäftigungsdauer|anstellung|beschäftigung|ancienneté|antigüedad|dienstverband|"
     r"dienstjaren|anzianità|impiego|antiguidade|emprego"),
    ("installment_rate_in_percentage_of_disposable_income",
     r"ratenhöhe|monatsrate\w*|ratenbelastung|mensualité\w*|taux d'effort|cuota\w*|"
     r"aflossing\w*|afbetaling\w*|rata|rate mensili|prestação|prestações"),
    ("age_in_years",
     r"lebensalter\w*|(?:das|dem|des|sein\w*|ihr\w*|im|junge\w*|hohe\w*|niedrige\w*) alter|"
     r"âge|edad|leeftijd|età|idade"),
    ("property",
     r"eigentum\w*|immobilie\w*|patrimoine|propriété|patrimonio|propiedad\w*|eigendom\w*|"
     r"proprietà|património|patrimônio|propriedade\w*"),
    ("housing",
     r"wohnsituation|wohnverhältnis\w*|logement|vivienda|woonsituatie|huisvesting|"
     r"abitazione|alloggio|habitação|moradia"),
    ("job",
     r"beruf\w*|berufliche\w* stellung|profession|métier|profesión|ocupación|beroep\w*|"
     r"professione|mestiere|profissão|ocupação"),
    ("other_debtors_or_guarantors",
     r"bürge\w*|mitschuldner\w*|mitantragsteller\w*|garant|garants|garante|garantes|"
     r"avalista\w*|fiador\w*|borg\w*|fideiussor\w*"),
    ("other_installment_plans",
     r"(?:andere|anderen|weitere|weiteren) ratenkredit\w*|autres crédits|otros créditos|"
     r"andere leningen|andere kredieten|altri finanziamenti|altri prestiti|outros créditos|"
     r"outros empréstimos"),
    ("number_of_existing_credits_at_this_bank",
     r"bestehende\w* kredite\w*|crédits existants|créditos existentes|bestaande kredieten|"
     r"crediti esistenti"),
    ("present_residence_since",
     r"wohndauer|résidence|residencia|woonduur|residenza|residência"),
    ("number_of_people_being_liable_to_provide_maintenance_for",
     r"unterhaltspflicht\w*|unterhaltsberechtigt\w*|personnes à charge|personas a cargo|"
     r"personen ten laste|persone a carico|dependentes|pessoas a cargo"),
    ("telephone", r"telefon|téléphone|teléfono|telefoon|telefono|telefone"),
)
"""Per feature, the words naming it in other languages (``Lexicon.feature_words``)."""
