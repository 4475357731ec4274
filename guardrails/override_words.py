""""Ignore the instructions" in other languages: one table of verbs and objects per language.

The English rule (:data:`guardrails.injection._OVERRIDE_VERB` near
:data:`guardrails.injection._OVERRIDE_OBJECT`) reads a request to stop following one's
instructions as a *dismissing verb* near an *instruction noun*. Attacks in other languages
say the same with whatever verb the writer reaches for, so each row below translates the
English rule's senses, not single attack strings:

- verbs, in the forms a request takes (imperative, polite imperative, infinitive used as a
  request, negated "follow/obey/take into account/pay attention to"), for the senses
  *ignore, disregard, forget, set aside, leave out of account, skip, discard, neglect,
  overlook, bypass, do not follow/obey/heed*;
- objects: *instructions, directions, guidelines, rules, directives, orders, commands,
  prompts, specifications* (the nouns of the English object list; stems where the
  language inflects).

A sentence holding a verb and an object of one language within :data:`GAP` characters, in
either order (object first is the normal order in Japanese, Korean, Turkish, Hindi and
Persian, and common in the Slavic languages), is an override. Past forms ("I ignored the
rules", "hat die Regeln aufgehoben") are left out where the language marks them, because a
note narrates while an attack commands. Spelling variants a keyboard produces (Romanian
ş/ș, ţ/ț; accents in Greek are kept as written) are listed.
"""

from __future__ import annotations

import re
import unicodedata

# Most characters between a verb and its object (one clause).
GAP = 40
_CLAUSE = r"[^.!?。！？;\n]"


# language: (verbs, objects, whether words stand between word boundaries).
# Scripts written without spaces between words (Chinese, Japanese, Thai) and those whose
# words take prefixes and suffixes written together (Arabic, Hebrew, Persian) are
# matched as substrings.
OVERRIDE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "de": (("ignorier\\w*", "vergiss", "vergesst", "vergessen sie", "missachte\\w*",
            "verwirf", "verwerft", "verwerfen", "verwerfen sie", "übergeh\\w*",
            "überspring\\w*", "außer acht", "ausser acht", "nicht beachten", "nicht befolgen",
            "nicht berücksichtigen", "beachte nicht", "beachten sie nicht", "befolge nicht",
            "vernachlässige", "hinwegsetzen", "setz dich über", "setzen sie sich über",
            "streiche", "lösche",
            # the English verb in a German sentence ("Bitte ignore die Regeln")
            "ignore"),
           ("anweisung(?:en)?", "regeln?", "vorgaben?", "richtlinien?", "befehle?n?",
            "instruktion\\w*", "vorschrift\\w*", "direktive\\w*", "weisung\\w*", "prompts?",
            "systemprompt\\w*", "anordnung\\w*", "bestimmungen"), True),
    "fr": (("ignore", "ignorez", "ignorer", "oublie", "oubliez", "oublier",
            "laisse de côté", "laissez de côté", "écarte", "écartez", "passe outre",
            "passez outre", "ne tiens pas compte", "ne tenez pas compte",
            "ne tiens plus compte", "ne tenez plus compte", "ne pas tenir compte",
            "fais abstraction", "faites abstraction", "néglige", "négligez", "contourne",
            "contournez", "outrepasse", "outrepassez", "n'obéis plus", "n'obéissez plus",
            "ne suis plus", "ne suivez plus", "ne respecte plus", "ne respectez plus"),
           ("consignes?", "instructions?", "directives?", "règles?", "indications",
            "ordres", "prompts?", "ce qui précède"), True),
    "es": (("ignora", "ignore", "ignoren", "ignorar", "olvida", "olvide", "olviden",
            "olvidar", "haz caso omiso", "haga caso omiso", "hagan caso omiso",
            "hacer caso omiso", "no hagas caso", "no haga caso", "no tengas en cuenta",
            "no tenga en cuenta", "no tomes en cuenta", "no tome en cuenta", "descarta",
            "descarte", "omite", "omita", "pasa por alto", "pase por alto", "desestima",
            "desestime", "desatiende", "desatienda", "sáltate", "no sigas", "no siga"),
           ("instrucciones", "indicaciones", "reglas", "normas", "directrices", "órdenes",
            "pautas", "consignas", "directivas", "lo anterior", "prompts?"), True),
    "it": (("ignora", "ignori", "ignorare", "dimentica", "dimentichi", "dimenticare",
            "non considerare", "non consideri", "non tenere conto", "non tener conto",
            "non tenga conto", "tralascia", "tralasci", "trascura", "trascuri", "scarta",
            "scarti", "lascia perdere", "lasci perdere", "non seguire", "non segua",
            "non rispettare", "non rispetti", "salta"),
           ("istruzioni", "indicazioni", "regole", "direttive", "linee guida", "norme",
            "ordini", "comandi", "consegne", "prompts?"), True),
    "pt": (("ignore", "ignora", "ignorar", "esqueça", "esqueca", "esquece", "esquecer",
            "desconsidere", "desconsidera", "desconsiderar", "não leve em conta",
            "nao leve em conta", "não considere", "nao considere", "despreze", "descarte",
            "deixe de lado", "pule", "não siga", "nao siga", "não obedeça"),
           ("instruções", "instrucoes", "orientações", "orientacoes", "regras", "diretrizes",
            "normas", "ordens", "comandos", "indicações", "indicacoes", "prompts?"), True),
    "nl": (("negeer", "negeren", "vergeet", "overslaan", "buiten beschouwing",
            "houd geen rekening", "hou geen rekening", "geen rekening houden", "terzijde",
            "naast je neer", "volg niet", "niet volgen", "niet opvolgen", "passeer",
            "sla(?!-)"),  # "sla de richtlijnen over" (overslaan, split); not "SLA-"
           ("instructies", "regels", "richtlijnen", "aanwijzingen", "opdrachten",
            "voorschriften", "bevelen", "prompts?"), True),
    "sv": (("ignorera", "strunta i", "bortse från", "bortse fran", "glöm", "glom",
            "hoppa över", "åsidosätt", "negligera", "bry dig inte om", "följ inte",
            "lyd inte", "lägg åt sidan", "förbise"),
           ("instruktion\\w*", "regl\\w*", "riktlinje\\w*", "anvisning\\w*", "direktiv\\w*",
            "kommando\\w*", "föreskrift\\w*"), True),
    "no": (("ignorer", "ignorere", "se bort fra", "glem", "hopp over", "overse",
            "tilsidesett", "ikke følg", "ikke adlyd", "bry deg ikke om"),
           ("instruks\\w*", "instruksjon\\w*", "regl\\w*", "retningslinje\\w*",
            "anvisning\\w*", "direktiv\\w*", "ordre\\w*", "kommando\\w*"), True),
    "da": (("ignorer", "ignorere", "se bort fra", "glem", "spring over", "overse",
            "tilsidesæt", "følg ikke", "ikke følg", "adlyd ikke"),
           ("instruks\\w*", "instruktion\\w*", "regl\\w*", "retningslinje\\w*",
            "anvisning\\w*", "direktiv\\w*", "ordre\\w*", "kommando\\w*"), True),
    "fi": (("unohda", "unohtakaa", "ohita", "ohittakaa", "sivuuta", "sivuuttakaa",
            "jätä huomiotta", "jättäkää huomiotta", "älä välitä", "älkää välittäkö",
            "älä noudata", "älkää noudattako", "älä huomioi", "hylkää"),
           ("ohje\\w*", "ohjeistu\\w*", "sääntö\\w*", "säännö\\w*", "määräy\\w*",
            "käsky\\w*", "komen\\w*", "kehote\\w*"), True),
    "pl": (("zignoruj\\w*", "ignoruj\\w*", "zapomnij\\w*", "pomiń\\w*", "pomijaj\\w*",
            "zlekceważ\\w*", "lekceważ\\w*", "odrzuć\\w*", "nie zwracaj uwagi",
            "nie bierz pod uwagę", "nie uwzględniaj", "nie stosuj się", "nie przestrzegaj",
            "nie słuchaj"),
           ("polece\\w*", "instrukcj\\w*", "reguł\\w*", "zasad(?:y|a|ami|om|ach)?", "wytyczn\\w*",
            "wskazów\\w*", "rozkaz\\w*", "komend\\w*"), True),
    "cs": (("ignoruj(?:te)?", "nevšímej si", "nevšímejte si", "zapomeň\\w*", "přeskoč(?:te)?",
            "nedbej", "nedbejte", "neber ohled", "neberte ohled", "nedodržuj\\w*",
            "nerespektuj\\w*", "zahoď\\w*", "neřiď se", "neřiďte se"),
           ("pokyn\\w*", "instrukc\\w*", "pravid\\w*", "směrnic\\w*", "příkaz\\w*",
            "nařízení"), True),
    "sk": (("ignoruj\\w*", "zabudni\\w*", "nevšímaj si", "nevšímajte si", "preskoč(?:te)?",
            "neber ohľad", "neberte ohľad", "nedodržiavaj\\w*", "neriaď sa"),
           ("pokyn\\w*", "inštrukci\\w*", "pravidl\\w*", "príkaz\\w*", "smernic\\w*"), True),
    "ru": (("игнорир\\w*", "проигнорир\\w*", "забудь\\w*", "забыть", "не учитывай\\w*",
            "не учитывать", "отбрось\\w*", "отбросить", "пренебреги\\w*", "пренебречь",
            "оставь\\w* без внимания", "не обращай\\w* внимания", "не следуй\\w*",
            "не выполняй\\w*", "не принимай\\w* во внимание", "не слушай\\w*",
            "пропусти(?:те)?", "отмени(?:те)?", "обойди(?:те)?", "не соблюдай\\w*", "наплюй\\w*"),
           ("инструкци\\w*", "указани\\w*", "правил(?:а|о|ам|ами|ах)?",
            "команд(?:а|ы|у|ой|ам|ами|ах)?",
            "директив\\w*", "распоряжени\\w*", "предписани\\w*", "промпт\\w*"), True),
    "uk": (("ігноруй\\w*", "проігноруй\\w*", "знехтуй\\w*", "нехтуй\\w*", "забудь\\w*",
            "не зважай\\w*", "не враховуй\\w*", "відкинь\\w*", "пропусти(?:ть|те)?",
            "не виконуй\\w*", "не дотримуйся", "не дотримуйтеся", "не слухай\\w*",
            "облиш\\w*", "не звертай\\w* уваги"),
           ("інструкці\\w*", "вказівк\\w*", "вказівок", "правил(?:а|о|ам|ами|ах)?",
            "команд(?:а|и|у|ою|ам|ами|ах)?",
            "настанов\\w*", "розпоряджен\\w*", "директив\\w*", "припис\\w*"), True),
    "bg": (("игнорирай(?:те)?", "забрави", "забравете", "пренебрегни", "пренебрегнете",
            "не обръщай\\w* внимание", "не спазвай(?:те)?", "пропусни", "пропуснете"),
           ("инструкци\\w*", "указани\\w*", "правила\\w*", "команди\\w*", "заповеди\\w*",
            "насоки\\w*"), True),
    "sh": (("ignoriši", "ignorišite", "ignoriraj", "ignorirajte", "zanemari", "zanemarite",
            "zaboravi", "zaboravite", "preskoči", "preskočite", "ne obaziri se", "ne poštuj",
            "ne poštujte"),
           ("uputstv\\w*", "upute", "uputa", "instrukcij\\w*", "pravil\\w*", "naredb\\w*",
            "smjernic\\w*", "smernic\\w*"), True),
    "el": (("αγνόησε", "αγνοήστε", "αγνόησέ", "παράβλεψε", "παραβλέψτε", "ξέχασε",
            "ξεχάστε", "μην λαμβάνεις υπόψη", "μη λαμβάνεις υπόψη", "μην λάβεις υπόψη",
            "μη λάβετε υπόψη", "μην λάβετε υπόψη", "μην ακολουθείς", "μην ακολουθήσεις",
            "μην ακολουθείτε", "αψήφησε", "αψηφήστε", "παράκαμψε", "παρακάμψτε",
            "απόρριψε", "απορρίψτε", "μη δίνεις σημασία", "μην δίνεις σημασία"),
           ("οδηγί\\w*", "οδηγιών", "κανόν\\w*", "κανονισμ\\w*", "εντολ\\w*", "υποδείξ\\w*",
            "διαταγ\\w*", "προτροπ\\w*"), True),
    "ro": (("ignoră", "ignora", "ignorați", "ignoraţi", "uită", "uitați", "uitaţi",
            "nu ține cont", "nu ţine cont", "nu țineți cont", "nu ţineţi cont",
            "nu lua în seamă", "nu luați în seamă", "nu luaţi în seamă", "treci peste",
            "treceți peste", "neglijează", "neglijați", "sari peste", "nu respecta",
            "nu urma"),
           ("instrucțiuni\\w*", "instrucţiuni\\w*", "reguli\\w*", "regulile", "indicați\\w*",
            "indicaţi\\w*", "directive\\w*", "comenzi\\w*", "ordine\\w*"), True),
    "hu": (("hagyd figyelmen kívül", "hagyja figyelmen kívül", "figyelmen kívül",
            "felejtsd el", "felejtse el", "ne törődj", "ne törődjön", "ne foglalkozz",
            "ugord át", "ugorja át", "ne kövesd", "ne kövesse", "vesd el", "vesse el"),
           ("utasítás\\w*", "szabály\\w*", "irányelv\\w*", "előírás\\w*", "parancs\\w*"),
           True),
    "tr": (("yok say", "yok sayın", "görmezden gel", "görmezden gelin", "unut", "unutun",
            "dikkate alma", "dikkate almayın", "göz ardı et", "göz ardı edin", "önemseme",
            "önemsemeyin", "boşver", "aldırma", "aldırmayın", "uyma", "uymayın", "atla",
            "atlayın"),
           ("talimat\\w*", "kural\\w*", "komut\\w*", "yönerge\\w*", "direktif\\w*",
            "emirleri", "yönlendirme\\w*"), True),
    "et": (("ignoreeri", "ignoreerige", "unusta", "unustage", "jäta tähelepanuta",
            "ära järgi", "ärge järgige"),
           ("juhis\\w*", "juhend\\w*", "reegl\\w*", "käsk\\w*"), True),
    "lv": (("ignorē", "ignorējiet", "aizmirsti", "aizmirstiet", "neņem vērā",
            "neņemiet vērā", "neievēro"),
           ("instrukcij\\w*", "noteikum\\w*", "norādījum\\w*"), True),
    "lt": (("ignoruok", "ignoruokite", "pamiršk", "pamirškite", "neatsižvelk\\w*",
            "nepaisyk\\w*"),
           ("instrukcij\\w*", "taisykl\\w*", "nurodym\\w*"), True),
    "ca": (("ignora", "oblida", "no tinguis en compte", "no tingui en compte"),
           ("instruccions", "regles", "indicacions", "directrius"), True),
    "id": (("abaikan", "lupakan", "jangan hiraukan", "jangan pedulikan", "jangan ikuti",
            "lewati", "jangan endahkan", "acuhkan", "tidak usah hiraukan"),
           ("instruksi", "perintah", "aturan", "petunjuk", "arahan", "pedoman",
            "peraturan", "ketentuan"), True),
    "vi": (("bỏ qua", "phớt lờ", "quên", "đừng để ý", "không cần để ý", "đừng quan tâm",
            "không cần quan tâm", "lờ đi", "gạt bỏ", "đừng tuân theo", "đừng làm theo",
            "bất chấp"),
           ("hướng dẫn", "chỉ dẫn", "chỉ thị", "quy tắc", "quy định", "mệnh lệnh",
            "chỉ lệnh", "nguyên tắc", "lệnh"), True),
    "sw": (("puuza", "puuzeni", "sahau", "sahauni", "usijali", "msijali", "achana na",
            "usifuate", "msifuate", "ruka"),
           ("maagizo", "maelekezo", "sheria", "amri", "miongozo", "mwongozo"), True),
    "ar": (("تجاهل", "انس(?:ى)?(?!\\w)", "أهمل", "اهمل", "لا تلتفت", "لا تأخذ", "لا تعر",
            "تخط(?:ى)?(?!\\w)", "لا تتبع", "لا تلتزم", "أغفل", "اغفل", "تناس(?!\\w)", "لا تهتم",
            "اترك"),
           ("تعليمات", "الأوامر", "أوامر", "القواعد", "قواعد", "الإرشادات", "إرشادات",
            "توجيهات", "التوجيهات"), False),
    "he": (("התעלם", "התעלמי", "התעלמו", "שכח", "שכחי", "שכחו", "אל תתחשב",
            "אל תשים לב", "דלג", "אל תציית", "עקוף", "אל תקשיב"),
           ("הוראות", "הנחיות", "כללים", "פקודות", "כללי"), False),
    "fa": (("نادیده بگیر", "نادیده", "فراموش کن", "فراموش کنید", "توجه نکن", "رعایت نکن",
            "صرف نظر کن", "صرف‌نظر کن", "اعتنا نکن", "پیروی نکن"),
           ("دستورالعمل", "دستورات", "دستور", "قوانین", "قواعد", "راهنمایی", "رهنمود"),
           False),
    "hi": (("अनदेखा", "नज़रअंदाज़", "नजरअंदाज", "भूल जा", "भूल जाओ", "भूल जाइए", "अवहेलना",
            "उपेक्षा", "ध्यान न", "ध्यान मत", "पालन न", "पालन मत", "छोड़ दो", "दरकिनार"),
           ("निर्देश", "नियम", "आदेश", "हिदायत"), False),
    "zh": (("忽略", "忽视", "忽視", "无视", "無視", "不要理会", "不要理會", "不理会", "不理會",
            "不要理睬", "别管", "別管", "不用管", "不必理会", "无需理会", "不予理会",
            "置之不理", "不要遵守", "不要遵循", "不要听从", "不要聽從", "抛开", "拋開", "撇开",
            "跳过", "跳過", "忘记", "忘記", "忘掉"),
           ("指令", "指示", "规则", "規則", "命令", "提示词", "提示詞", "指引",
            "准则", "準則", "上面的规定", "上面的規定", "以上规定", "以上規定", "以上的规定",
            "上述规定", "上述規定", "之前的规定", "之前的規定", "前面的规定", "前面的規定"),
           False),
    "ja": (("無視", "忘れ", "気にせず", "気にしない", "従わない", "従わず", "従うな",
            "顧みず", "構わず", "スキップ", "破棄", "捨て"),
           ("指示", "命令", "ルール", "規則", "プロンプト", "指令", "ガイドライン", "制約"), False),
    "ko": (("무시", "잊어", "잊으", "신경 쓰지 마", "신경쓰지 마", "따르지 마", "따르지 말",
            "건너뛰", "버려", "개의치"),
           ("지시", "명령", "규칙", "지침", "프롬프트", "가이드라인"), False),
    "th": (("เพิกเฉย", "ละเว้น", "ไม่ต้องสนใจ", "ลืม", "ข้าม", "ไม่ต้องทำตาม", "อย่าทำตาม"),
           ("คำสั่ง", "คำแนะนำ", "กฎ", "ข้อกำหนด", "แนวทาง"), False),
}


# A verb negated is a reminder, not an override ("N'oubliez pas les consignes", "vergiss
# nicht die Regeln", "不要忘记规则"): the negation written before or after the verb.
NEGATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "de": ((), ("nicht",)), "nl": ((), ("niet",)), "sv": ((), ("inte",)),
    "no": ((), ("ikke",)), "da": ((), ("ikke",)), "fr": (("n'", "n’"), ()),
    "es": (("no ",), ()), "it": (("non ",), ()), "pt": (("não ", "nao "), ()),
    "ca": (("no ",), ()), "ru": (("не ",), ()), "uk": (("не ",), ()), "bg": (("не ",), ()),
    "pl": (("nie ",), ()), "hu": (("ne ",), ()), "ro": (("nu ",), ()), "fi": (("älä ",), ()),
    "id": (("jangan ",), ()), "vi": (("đừng ", "không "), ()),
    "zh": (("不要", "不", "别", "別", "勿"), ()), "ja": ((), ("ない", "ず", "ぬ")),
    "he": (("אל ", "ת"), ()),
    # English rows are :mod:`guardrails.tamper_words`' (the override rule is in injection.py).
    "en": (("not ", "n't ", "never ", "want to ", "trying to ", "try to ", "going to "), ()),
}


def _alternation(words: tuple[str, ...], bounded: bool,
                 negation: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> str:
    body = "|".join(sorted({unicodedata.normalize("NFKC", w) for w in words}, key=len,
                           reverse=True))
    before = "".join(f"(?<!{re.escape(n)})" for n in negation[0])
    after = "".join(f"(?!\\s*{re.escape(n)})" for n in negation[1])
    if bounded:
        return rf"(?<!\w){before}(?:{body})(?!\w){after}"
    return f"{before}(?:{body}){after}"


#: One language's row: (verbs, objects, whether words stand between word boundaries).
WordTable = dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]


def clause_patterns(table: WordTable, gap: int = GAP) -> list[re.Pattern[str]]:
    """One pattern per language of ``table``: a verb and an object of that language within
    ``gap`` characters of one clause, in either order; a verb negated the language's way
    (:data:`NEGATIONS`) does not count."""
    patterns = []
    for language, (verbs, objects, bounded) in table.items():
        verb = _alternation(verbs, bounded, NEGATIONS.get(language, ((), ())))
        obj = _alternation(objects, bounded)
        patterns.append(re.compile(
            rf"{verb}{_CLAUSE}{{0,{gap}}}?{obj}|{obj}{_CLAUSE}{{0,{gap}}}?{verb}",
            re.IGNORECASE))
    return patterns


def override_patterns() -> list[re.Pattern[str]]:
    """One pattern per language: a verb and an object of that language in one clause."""
    return clause_patterns(OVERRIDE_WORDS)
