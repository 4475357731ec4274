"""Tampering with the review itself: hide the evidence, skip the review (26 languages each),
hand over the secrets (17 languages).

The override rules (:mod:`guardrails.override_words`) read a request to drop *the reader's
instructions*; the payload rules (:mod:`guardrails.payload`) one to set *the score* aside or
to dictate the verdict. Three other aims recur in attacks on a reviewed decision, whatever
wraps them (a role-play, an authority claim, a fake error), and each reads as a verb of the
aim near a noun of what it is aimed at, in one clause, in either order (the tables of
:func:`guardrails.override_words.clause_patterns`; a verb negated the language's way does
not count):

- ``suppress_evidence``: delete / hide / leave out / do not mention + the adverse record
  itself (late payments, arrears, defaults, negative entries, collections); warnings,
  flags and alerts only as the risk or fraud flags of a file (to hide the warnings of a
  program is an everyday request); records and documents in general only in English, and
  only kept *from the reviewer or the summary*, or "so the officer does not see";
- ``bypass_review``: skip / bypass / circumvent + the review (review, checks,
  verification, vetting, underwriting); in English also "needs no review", "no need for a
  review of my file", "no human review", "do not escalate it to a human";
- ``secret_request``: reveal / show / include / append + what the reading system holds
  (API keys, access tokens, credentials, the system prompt, internal or hidden
  instructions, its configuration).

The nouns are those of the domain, not of one attack: an applicant narrates ("the bank
removed the late payment", "I asked them to skip the fee") with past forms and other
objects, which are not listed. Pure regular expressions.
"""

from __future__ import annotations

import re

from guardrails.override_words import WordTable, clause_patterns

# -- hide the adverse record -------------------------------------------------------------

SUPPRESS_WORDS: WordTable = {
    # Hiding verbs only: "remove the default" is also what a credit repair narrates ("they
    # agreed to remove the default"), so deleting counts below with a reviewer as target.
    "en": (("hide", "conceal", "suppress", "omit", "leave out", "cover up", "hush up",
            "keep quiet about", "do not mention", "don't mention", "never mention",
            "make no mention of", "say nothing about", "skip over", "gloss over", "leave off",
            "bury", "downplay", "play down"),
           ("late payments?", "missed payments?", "overdue payments?", "arrears", "defaults?",
            "delinquenc(?:y|ies)",
            "negative (?:entry|entries|records?|marks?|items?|information|history|remarks?)",
            "red flags?",
            "(?:risk|fraud|warning|credit|collections?) (?:flags?|alerts?|markers?|notes?)",
            "(?:the|these|my|any|all) (?:flags?|warnings?|alerts?) (?:on|in|against) (?:me|my|the)",
            "collections? (?:entries|accounts|records?)", "bankruptc(?:y|ies)",
            "insolvenc(?:y|ies)", "ccjs?", "county court judg(?:e)?ments?", "charge-?offs?",
            "write-?offs?", "bounced (?:payments|cheques|checks|debits)",
            "returned (?:payments|debits)", "payment problems?"), True),
    "de": (("lösche", "löschen sie", "entferne", "entfernen sie", "verberge", "verbergen sie",
            "verstecke", "verstecken sie", "verschweige", "verschweigen sie", "lass weg",
            "lassen sie weg", "weglassen", "erwähne nicht", "erwähnen sie nicht", "streiche",
            "streichen sie", "unterschlage", "unterdrücke"),
           ("zahlungsrückst(?:a|ä)nd\\w*", "rückst(?:a|ä)nd\\w*", "mahnung\\w*",
            "zahlungsverzug\\w*", "verzug", "negativ\\w* (?:eintr(?:a|ä)g\\w*|merkmal\\w*)",
            "schufa-?eintr(?:a|ä)g\\w*", "zahlungsausf(?:a|ä)ll\\w*", "inkasso\\w*",
            "insolvenz\\w*", "pfändung\\w*", "verspätete\\w* zahlung\\w*"), True),
    "fr": (("supprime", "supprimez", "efface", "effacez", "cachez", "dissimule", "dissimulez",
            "omets", "omettez", "retirez", "ne mentionne pas", "ne mentionnez pas",
            "passe sous silence", "passez sous silence", "tais", "taisez"),
           ("retards? de paiement", "impayés?", "incidents? de paiement", "arriérés?",
            "défauts? de paiement", "signalements?", "fichages?",
            "inscriptions? (?:négatives?|au fichier|au ficp)", "mentions? négatives?"), True),
    "es": (("borra", "borre", "elimina", "elimine", "oculta", "oculte", "esconde", "esconda",
            "omite", "omita", "quita", "quite", "suprime", "suprima", "no menciones", "no mencione",
            "calla", "calle"),
           ("retrasos? (?:en (?:los|el) pagos?|de pago)", "impagos?", "atrasos?", "morosidad",
            "deudas? pendientes", "avisos? de riesgo", "incidencias?", "registros? negativos?",
            "asnef"), True),
    "it": (("cancella", "cancelli", "elimina", "elimini", "nascondi", "nasconda", "ometti",
            "ometta", "rimuovi", "rimuova", "togli", "tolga", "non menzionare", "non menzioni",
            "non citare", "non citi", "taci"),
           ("ritardi (?:nei|di) pagament\\w*", "rate non pagate", "insolut\\w*", "morosit\\w*",
            "arretrati", "segnalazion\\w*", "protest\\w*", "sofferenz\\w*"), True),
    "pt": (("apague", "apaga", "exclua", "oculte", "oculta", "esconda", "esconde", "omita", "omite",
            "remova", "não mencione", "nao mencione", "cale"),
           ("atrasos?", "pagamentos? em atraso", "inadimpl\\w*", "dívidas? em atraso", "alertas?",
            "negativaç\\w*", "sinalizaç\\w*", "restrições"), True),
    "nl": (("verwijder", "wis", "verberg", "verstop", "laat weg", "weglaten", "vermeld niet",
            "noem niet", "verzwijg"),
           ("betalingsachterstand\\w*", "achterstand\\w*", "wanbetaling\\w*",
            "bkr-?registratie\\w*", "negatieve registratie\\w*", "incasso\\w*"), True),
    "pl": (("usuń", "usuńcie", "ukryj", "ukryjcie", "skasuj", "wymaż", "zataj", "zatajcie",
            "nie wspominaj", "nie wspominajcie", "przemilcz"),
           ("zaległoś\\w*", "opóźnie\\w* w spłat\\w*", "zadłuże\\w*", "wpis\\w* w bik",
            "negatywn\\w* wpis\\w*", "windykacj\\w*"), True),
    "ru": (("удали(?:те)?", "скрой(?:те)?", "сотри(?:те)?", "убери(?:те)?", "не упоминай(?:те)?",
            "умолчи(?:те)?", "исключи(?:те)?", "спрячь(?:те)?"),
           ("просроч\\w*", "задолженност\\w*", "долг(?:и|ов|ах)", "негативн\\w* запис\\w*",
            "отметк\\w* о просрочк\\w*"), True),
    "uk": (("видали(?:ть)?", "приховай(?:те)?", "зітри(?:ть)?", "прибери(?:ть)?",
            "не згадуй(?:те)?", "виключи(?:ть)?", "сховай(?:те)?"),
           ("простроч\\w*", "заборгован\\w*", "борг(?:и|ів)", "негативн\\w* запис\\w*"), True),
    "sv": (("radera", "ta bort", "dölj", "göm", "utelämna", "nämn inte", "stryk"),
           ("betalningsanmärkning\\w*", "anmärkning\\w*", "förseningar", "sena betalningar",
            "obetalda skulder", "inkasso\\w*"), True),
    "no": (("slett", "fjern", "skjul", "utelat", "ikke nevn", "nevn ikke", "stryk"),
           ("betalingsanmerkning\\w*", "anmerkning\\w*", "forsinke\\w* betaling\\w*",
            "inkasso\\w*"), True),
    "da": (("slet", "fjern", "skjul", "udelad", "nævn ikke", "stryg"),
           ("betalingsanmærkning\\w*", "restance\\w*", "forsinke\\w* betaling\\w*", "inkasso\\w*",
            "advarsl\\w*", "rki"), True),
    "fi": (("poista", "poistakaa", "piilota", "piilottakaa", "jätä pois", "jättäkää pois",
            "älä mainitse", "älkää mainitko", "salaa"),
           ("maksuhäiriö\\w*", "maksumuistutu\\w*", "myöhästy\\w* maksu\\w*", "perintä\\w*",
            "luottotietomerkinn\\w*"), True),
    "cs": (("smaž(?:te)?", "odstraň(?:te)?", "skryj(?:te)?", "vymaž(?:te)?", "nezmiňuj(?:te)?",
            "vynech(?:te)?", "zataj(?:te)?"),
           ("nedoplat\\w*", "zpožděn\\w* splát\\w*", "prodlení", "negativn\\w* záznam\\w*",
            "exekuc\\w*"), True),
    "tr": (("sil", "silin", "gizle", "gizleyin", "kaldır", "kaldırın", "bahsetme", "bahsetmeyin",
            "çıkar", "çıkarın", "sakla", "saklayın"),
           ("gecikme\\w*", "geciken ödeme\\w*", "gecikmiş ödeme\\w*", "kara liste\\w*", "icra\\w*",
            "olumsuz kayıt\\w*", "takip\\w*"), True),
    "el": (("διάγραψε", "διαγράψτε", "απόκρυψε", "αποκρύψτε", "κρύψε", "κρύψτε", "μην αναφέρεις",
            "μην αναφέρετε", "παράλειψε", "παραλείψτε", "αφαίρεσε", "αφαιρέστε"),
           ("καθυστερ\\w*", "ληξιπρόθεσμ\\w*", "τειρεσία\\w*",
            "αρνητικ\\w* (?:εγγραφ|στοιχεί)\\w*"), True),
    "ro": (("șterge", "ştergeţi", "ștergeți", "sterge", "ascunde", "ascundeți", "ascundeţi",
            "omite", "omiteți", "elimină", "eliminați", "nu menționa", "nu menţiona"),
           ("întârzier\\w*", "restanț\\w*", "restanţ\\w*", "biroul de credit",
            "înregistrări negative"), True),
    "hu": (("töröld", "törölje", "rejtsd el", "rejtse el", "hagyd ki", "hagyja ki", "ne említsd",
            "ne említse", "távolítsd el", "távolítsa el"),
           ("késedelm\\w*", "tartozás\\w*", "hátralék\\w*", "negatív bejegyzés\\w*",
            "bar\\w* lista\\w*"), True),
    "zh": (("删除", "删掉", "刪除", "刪掉", "隐藏", "隱藏", "隐瞒", "隱瞞", "抹去", "抹掉", "去掉",
            "不要提", "别提", "別提", "省略", "略去", "不要写", "不要寫"),
           ("逾期", "拖欠", "欠款", "违约", "違約", "不良记录", "不良記錄", "黑名单", "黑名單",
            "征信记录", "徵信記錄"), False),
    "ja": (("削除", "消して", "消す", "隠して", "隠す", "伏せて", "省いて", "省略", "触れないで",
            "言及しないで", "記載しないで", "書かないで"),
           ("延滞", "滞納", "遅延", "事故情報", "ブラックリスト", "債務整理"), False),
    "ko": (("삭제", "지워", "지우", "숨겨", "숨기", "언급하지 마", "언급하지 말", "생략", "빼고"),
           ("연체", "체납", "불량 기록", "신용불량"), False),
    "ar": (("احذف", "امسح", "أخف", "اخف", "لا تذكر", "أزل", "ازل", "استبعد", "اكتم"),
           ("التأخر", "تأخر", "المتأخرات", "متأخرات", "السجل السلبي", "التعثر"), False),
    "hi": (("हटा दो", "हटाओ", "हटाएं", "हटाइए", "मिटा दो", "मिटाओ", "छिपा दो", "छिपाओ", "छुपाओ",
            "छुपा दो", "ज़िक्र न", "जिक्र न", "उल्लेख न", "उल्लेख मत"),
           ("देरी", "बकाया", "डिफ़ॉल्ट", "डिफॉल्ट", "चूक"), False),
    "vi": (("xóa", "xoá", "che giấu", "giấu", "đừng nhắc", "không nhắc đến", "loại bỏ", "bỏ đi"),
           ("nợ quá hạn", "trễ hạn", "chậm trả", "chậm thanh toán", "nợ xấu"), True),
    "id": (("hapus", "sembunyikan", "hilangkan", "jangan sebutkan", "jangan cantumkan"),
           ("tunggakan", "keterlambatan", "kredit macet", "catatan negatif", "daftar hitam"), True),
}

# -- skip the review -----------------------------------------------------------------------
# Imperatives only: "no need for a review" / "keine Prüfung nötig" / "不需要审核" is as often a
# statement about the applicant's job or car as a demand, so "no need" counts only in the
# English phrasings below that point at this case ("no need for a review here").

BYPASS_WORDS: WordTable = {
    "en": (("skip", "bypass", "circumvent", "sidestep", "get around", "go around", "waive",
            "dispense with", "do without", "forgo", "forego", "cut out"),
           ("(?:manual |human |standard |usual |normal |further |additional |credit |"
            "identity |kyc |aml |fraud |background |affordability |income |internal |"
            "second |risk )*(?:review|reviews|checks|check|verification|vetting|"
            "scrutiny|underwriting|due diligence|sign-?off|oversight|four-eyes|"
            "escalation|approval process|compliance)(?! fees?| charges?| dates?| periods?|"
            "-?ups?|-?ins?)",), True),
    "de": (("überspring\\w*", "umgeh\\w*", "verzichte auf", "verzichten sie auf"),
           ("prüfung\\w*", "überprüfung\\w*", "kontrolle\\w*", "freigabe\\w*",
            "begutachtung\\w*", "vier-augen-prinzip"), True),
    "fr": (("saute", "sautez", "contourne", "contournez", "passe outre", "passez outre",
            "dispense de", "dispensez de", "évite", "évitez"),
           ("vérifications?", "contrôles?(?! technique)", "examens?", "revue",
            "validation humaine", "relecture", "analyse manuelle"), True),
    "es": (("salta", "sáltate", "salte", "sáltese", "omite", "omita", "elude", "eluda",
            "evita", "evite"),
           ("revisión", "revisiones", "verificaci(?:ó|o)n\\w*", "comprobaci(?:ó|o)n\\w*",
            "controles", "supervisión humana", "validación"), True),
    "it": (("salta", "salti", "bypassa", "aggira", "aggiri", "evita", "eviti"),
           ("revision\\w*", "verifica", "verifiche", "controlli", "istruttoria",
            "supervisione umana"), True),
    "pt": (("pule", "pula", "contorne", "contorna", "dispense", "dispensa", "evite"),
           ("revisão", "revisões", "verificaç(?:ão|ões)", "análise manual", "checagem",
            "conferência"), True),
    "nl": (("sla", "overslaan", "omzeil", "omzeilen"),
           ("controle\\w*", "beoordeling\\w*", "toetsing", "verificatie", "keuring"), True),
    "pl": (("pomiń", "pomińcie", "omiń", "ominąć"),
           ("weryfikacj\\w*", "kontrol\\w*", "sprawdzani\\w*", "przegląd\\w*"), True),
    "ru": (("пропусти(?:те)?", "обойди(?:те)?", "минуя"),
           ("проверк\\w*", "верификаци\\w*", "рассмотрени\\w*"), True),
    "uk": (("пропусти(?:ть)?", "оминь", "обійди(?:ть)?", "минаючи"),
           ("перевірк\\w*", "верифікаці\\w*", "розгляд\\w*"), True),
    "sv": (("hoppa över", "kringgå", "strunta i"),
           ("granskning\\w*", "kontroll\\w*", "prövning\\w*", "verifiering\\w*"), True),
    "no": (("hopp over", "omgå"),
           ("gjennomgang\\w*", "kontroll\\w*", "vurdering\\w*", "verifisering\\w*"), True),
    "da": (("spring over", "omgå"),
           ("gennemgang\\w*", "kontrol\\w*", "vurdering\\w*", "verificering\\w*"), True),
    "fi": (("ohita", "ohittakaa"),
           ("tarkast\\w*", "tarkistu\\w*", "käsittely\\w*"), True),
    "cs": (("přeskoč(?:te)?", "obejdi(?:te)?"),
           ("kontrol\\w*", "ověřen\\w*", "prověrk\\w*", "přezkum\\w*"), True),
    "tr": (("atla", "atlayın", "es geç", "es geçin"),
           ("inceleme\\w*", "kontrol\\w*", "denetim\\w*", "doğrulama\\w*"), True),
    "el": (("παράκαμψε", "παρακάμψτε"),
           ("έλεγχ\\w*", "ελέγχ\\w*", "επαλήθευσ\\w*", "εξέτασ\\w*"), True),
    "ro": (("sari peste", "săriți peste", "ocolește", "ocoliți"),
           ("verificar\\w*", "verificăr\\w*", "control\\w*", "analiz\\w*"), True),
    "hu": (("kerüld meg", "kerülje meg", "ugord át", "ugorja át"),
           ("ellenőrzés\\w*", "felülvizsgálat\\w*", "vizsgálat\\w*", "átvilágítás\\w*"), True),
    "zh": (("跳过", "跳過", "绕过", "繞過", "绕开", "繞開", "免去", "免除", "省去"),
           ("审核", "審核", "审查", "審查", "复核", "複核", "核查", "人工审核", "风控", "風控"),
           False),
    "ja": (("スキップ", "飛ばして", "省いて", "省略", "回避"),
           ("審査", "チェック", "レビュー", "承認手続"), False),
    "ko": (("건너뛰", "생략", "우회"),
           ("심사", "검토", "검증", "심의"), False),
    "ar": (("تخط", "تجاوز"),
           ("المراجعة", "مراجعة", "التدقيق", "تدقيق", "الفحص", "التحقق"), False),
    "hi": (("छोड़ दो", "छोड़ दें"),
           ("समीक्षा", "जाँच", "जांच", "सत्यापन"), False),
    "vi": (("bỏ qua", "lách"),
           ("thẩm định", "xét duyệt", "xác minh", "rà soát"), True),
    "id": (("lewati", "lewatkan"),
           ("pemeriksaan", "verifikasi", "peninjauan", "pengecekan"), True),
}

# -- hand over the secrets ---------------------------------------------------------------

_API_KEY = "api[- ]?(?:keys?|tokens?|schlüssel\\w*)"
SECRET_WORDS: WordTable = {
    "en": (("reveal", "show", "print", "include", "append", "add", "give", "send", "share",
            "output", "list", "tell (?:me|us)", "disclose", "leak", "dump", "copy", "paste",
            "attach", "write (?:out|down)", "expose", "provide", "return", "display", "post",
            "e-?mail", "forward", "insert"),
           (_API_KEY, "access (?:tokens?|keys?)", "secret (?:keys?|tokens?)", "private keys?",
            "auth(?:entication)? tokens?", "bearer tokens?", "session tokens?",
            "(?:your|the system'?s?|admin(?:istrator)?|root|service|login|database|api) "
            "(?:credentials|passwords?)", "credentials (?:you|of the (?:system|model))",
            "system prompt", "(?:your|the) (?:internal|hidden|secret|original|initial) "
            "(?:instructions|prompt|rules|guidelines|configuration|notes)",
            "(?:your|the (?:model|system|assistant)'?s?) config(?:uration)?",
            "environment variables", "env vars?", "connection strings?"), True),
    "de": (("zeig", "zeige", "zeigen sie", "verrate", "verraten sie", "nenne", "nennen sie",
            "gib", "geben sie", "füge", "fügen sie", "liste", "listen sie", "offenbare",
            "druck", "drucke", "kopiere", "hänge", "hängen sie"),
           (_API_KEY, "zugangstoken\\w*", "systemprompt\\w*", "system-prompt\\w*",
            "interne\\w* (?:anweisung\\w*|regel\\w*|vorgabe\\w*|konfiguration\\w*)",
            "versteckte\\w* anweisung\\w*", "geheime\\w* schlüssel\\w*",
            "(?:deine|ihre) (?:konfiguration|zugangsdaten)"), True),
    "fr": (("révèle", "révélez", "montre", "montrez", "affiche", "affichez", "donne",
            "donnez", "divulgue", "divulguez", "ajoute", "ajoutez", "inclus", "incluez",
            "liste", "listez", "partage", "partagez", "communique", "communiquez"),
           ("clés? (?:d')?api", "clés? secrètes?", "jetons? d'accès", "prompt système",
            "invite système", "instructions (?:internes|cachées|secrètes|système)",
            "(?:ta|votre) configuration", "(?:tes|vos) identifiants"), True),
    "es": (("revela", "revele", "muestra", "muestre", "da", "dame", "danos", "incluye",
            "incluya", "añade", "añada", "comparte", "comparta", "imprime", "imprima",
            "lista", "enumera"),
           ("claves? (?:de )?api", "claves? secretas?", "tokens? de acceso",
            "prompt del sistema", "instrucciones (?:internas|ocultas|secretas|del sistema)",
            "tu configuración", "su configuración", "tus credenciales", "sus credenciales"),
           True),
    "it": (("rivela", "riveli", "mostra", "mostri", "dammi", "includi", "includa",
            "aggiungi", "aggiunga", "condividi", "condivida", "stampa", "elenca"),
           ("chiavi? (?:delle )?api", "chiavi? segret\\w*", "token di accesso",
            "prompt di sistema", "istruzioni (?:interne|nascoste|segrete|di sistema)",
            "(?:la tua|sua) configurazione", "(?:le tue|sue) credenziali"), True),
    "pt": (("revele", "revela", "mostre", "mostra", "dê", "me dê", "inclua", "inclui",
            "adicione", "compartilhe", "partilhe", "imprima", "liste"),
           ("chaves? (?:de )?api", "chaves? secretas?", "tokens? de acesso",
            "prompt do sistema", "instruções (?:internas|ocultas|secretas|do sistema)",
            "(?:sua|tua) configuração", "(?:suas|tuas) credenciais"), True),
    "nl": (("toon", "laat zien", "geef", "onthul", "voeg", "deel", "print", "noem"),
           ("api-?sleutel\\w*", _API_KEY, "geheime sleutel\\w*", "toegangstoken\\w*",
            "systeemprompt\\w*", "interne instructies", "verborgen instructies",
            "je configuratie", "uw configuratie"), True),
    "pl": (("pokaż", "ujawnij", "podaj", "dołącz", "dodaj", "wypisz", "wydrukuj", "udostępnij"),
           ("klucz\\w* api", _API_KEY, "token\\w* dostępu", "prompt\\w* systemow\\w*",
            "wewnętrzn\\w* instrukcj\\w*", "ukryt\\w* instrukcj\\w*", "swoją konfiguracj\\w*"),
           True),
    "ru": (("покажи(?:те)?", "раскрой(?:те)?", "выведи(?:те)?", "дай(?:те)?", "добавь(?:те)?",
            "перечисли(?:те)?", "сообщи(?:те)?", "напиши(?:те)?"),
           ("api[- ]?ключ\\w*", "ключ\\w* api", _API_KEY, "токен\\w* доступа",
            "системн\\w* промпт\\w*", "системн\\w* подсказк\\w*",
            "внутренн\\w* инструкци\\w*", "скрыт\\w* инструкци\\w*", "свою конфигураци\\w*",
            "секретн\\w* ключ\\w*"), True),
    "uk": (("покажи(?:ть)?", "розкрий(?:те)?", "виведи(?:ть)?", "дай(?:те)?", "додай(?:те)?",
            "перелічи(?:ть)?", "напиши(?:ть)?"),
           ("api[- ]?ключ\\w*", "ключ\\w* api", _API_KEY, "токен\\w* доступу",
            "системн\\w* промпт\\w*", "внутрішн\\w* інструкці\\w*", "прихован\\w* інструкці\\w*",
            "секретн\\w* ключ\\w*"), True),
    "sv": (("visa", "avslöja", "ge", "lägg till", "skriv ut", "dela", "lista"),
           ("api-?nyck\\w*", _API_KEY, "hemliga nycklar", "åtkomsttoken\\w*",
            "systemprompt\\w*", "interna instruktioner", "dolda instruktioner"), True),
    "tr": (("göster", "gösterin", "açıkla", "ver", "verin", "ekle", "ekleyin", "paylaş",
            "yazdır", "listele"),
           ("api anahtar\\w*", _API_KEY, "gizli anahtar\\w*", "erişim token\\w*",
            "sistem istem\\w*", "sistem prompt\\w*", "iç talimat\\w*", "gizli talimat\\w*"),
           True),
    "zh": (("透露", "显示", "顯示", "展示", "告诉我", "告訴我", "给我", "給我", "附上", "加上",
            "列出", "输出", "輸出", "泄露", "洩露", "打印"),
           ("api密钥", "API密钥", "api 密钥", "api金鑰", "密钥", "密鑰", "系统提示", "系統提示",
            "内部指令", "內部指令", "隐藏指令", "隱藏指令", "访问令牌", "訪問令牌", "配置信息"),
           False),
    "ja": (("教えて", "見せて", "表示して", "出力して", "追加して", "付けて", "開示して",
            "書いて", "列挙して"),
           ("apiキー", "APIキー", "シークレットキー", "アクセストークン", "システムプロンプト",
            "内部の指示", "隠された指示", "設定情報"), False),
    "ko": (("알려", "보여", "출력", "추가", "공개", "적어"),
           ("api 키", "API 키", "api키", "비밀 키", "액세스 토큰", "시스템 프롬프트",
            "내부 지침", "숨겨진 지시"), False),
    "ar": (("اكشف", "أظهر", "اظهر", "اعرض", "أعطني", "اعطني", "أضف", "اضف", "شارك"),
           ("مفاتيح api", "مفتاح api", "المفاتيح السرية", "موجه النظام", "التعليمات الداخلية",
            "التعليمات المخفية", "رموز الوصول"), False),
    "hi": (("दिखाओ", "दिखाइए", "बताओ", "बताइए", "जोड़ो", "जोड़ें", "प्रकट करो"),
           ("api की", "एपीआई की", "सिस्टम प्रॉम्प्ट", "आंतरिक निर्देश", "छिपे निर्देश",
            "गुप्त कुंजी"), False),
}


def tamper_rules() -> list[tuple[str, re.Pattern[str]]]:
    """(rule name, pattern) for every language of the three families, and the English
    phrasings a verb-and-noun table cannot hold."""
    rules = [(name, pattern)
             for name, table in (("suppress_evidence", SUPPRESS_WORDS),
                                 ("bypass_review", BYPASS_WORDS),
                                 ("secret_request", SECRET_WORDS))
             for pattern in clause_patterns(table)]
    rules += [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _ENGLISH]
    return rules


# Whoever reads the case (not the bank as a whole: "remove my old address from the bank's
# records" is a request about data protection).
_READER = (r"(?:reviewers?|officers?|underwriters?|analysts?|operators?|humans?|"
           r"committee|auditors?|compliance)")
_REVIEWER = rf"(?:{_READER}|bank|lender|manager)"
_ENGLISH = (
    # Records in general, kept from whoever reviews them.
    ("suppress_evidence",
     r"(?<!not )(?<!n't )\b(?:delete|remove|hide|erase|conceal|suppress|omit|leave out|drop|"
     r"keep|exclude|withhold|strip|scrub|wipe|purge)\b[^.!?\n]{0,40}?\b(?:records?|"
     r"documents?|files?|entries|notes?|evidence|history|information|details|flags?|late "
     r"payments?|arrears|defaults?|warnings?)\b[^.!?\n]{0,30}?\b(?:from|out of) "
     rf"(?:the |your |any |a |my )?(?:summary|report|review|explanation|assessment|output|"
     rf"analysis|{_READER})"),
    ("suppress_evidence",
     rf"\bso (?:that )?(?:the |my |a |no |any )?{_REVIEWER}\b[^.!?\n]{{0,20}}?"
     r"(?:doesn'?t|does not|won'?t|will not|cannot|can'?t|never|do(?:es)?n'?t|do not) "
     r"(?:see|notice|find|know|learn|spot)\b"),
    # The review declared unnecessary, or the human kept out of it.
    ("bypass_review",
     r"\b(?:needs?|requires?|require|deserves?|merits?|warrants?) no (?:further |manual |"
     r"human |additional |extra |more )?(?:review|checks?|verification|scrutiny|vetting|"
     r"approval|underwriting)\b|"
     r"\bno need (?:for|of|to) (?:a |an |any |the )?(?:further |manual |human |additional |"
     r"extra |credit |standard |usual )*(?:review|check|checks|verification|vetting|scrutiny|"
     r"underwrit\w*)\b[^.!?\n]{0,25}?\b(?:here|this (?:file|case|application|loan|request|"
     r"time|one)|my (?:file|case|application|loan|request)|in my case)\b|"
     r"\bno (?:human|manual) (?:review|reviewer|check|checks|oversight|approval|involvement|"
     r"intervention|sign-?off|in the loop|needed|necessary|required)\b|"
     r"\bwithout (?:any )?(?:human|manual) (?:review|check|checks|oversight|approval|"
     r"involvement|sign-?off)\b|"
     r"\b(?:do not|don'?t|never|no need to) (?:escalate|refer|forward|route|send|pass|hand) "
     r"(?:this|it|the (?:case|file|application|request)|my (?:file|application|case))"
     rf"(?: on)? to (?:a |the |any )?{_REVIEWER}\b"),
    # What the reader holds, asked for in other words: "what is your API key".
    ("secret_request",
     r"\bwhat (?:is|are) (?:your|the (?:system'?s?|model'?s?)) (?:api[- ]?keys?|access "
     r"tokens?|credentials|passwords?|secret keys?|configuration|config)\b"),
)
