"""People's names in non-Latin scripts, where the shape of the script makes a rule sound.

:mod:`guardrails.names` reads Latin script. Three other cases, each with evidence of its own
(no list of names in these scripts is shipped):

- **Cyrillic and Greek** capitalise only the first word of a sentence and proper nouns, so
  two or three capitalised words in a row ("Наталья Смирнова", "Νικόλαος Γεωργίου") are a
  name, wherever they stand (a place of two words, "Нижний Новгород", is redacted too: the
  cost is a few words of the note, not a leak);
- **Han, kana and Hangul** have no capitals and no spaces between words: a cue counts,
  an honorific after the name (さん, 様, 氏, 先生, 女士, 씨, 님) or a role before it
  (担保人是, 联系人, 保証人は, 보증인, 我叫, 名前は), and the name is the 2-4 characters
  between the cue and the next punctuation, space or particle. Without a cue, a Chinese
  name is read where its shape is unambiguous: a common family name (the hundred most
  common of China's census, simplified and traditional, less those that also start
  everyday words: 高 "high", 方 "side", 金 "gold", 周 "week", 钱 "money"...) and two
  characters, standing as a clause's subject (at the start of the note or after
  punctuation, followed by a verb or particle such as 会, 是, 说, 已经, 帮) or as a run of
  Han characters of its own inside text in another script ("Co-signer 王志强 will...");
- **Arabic** has no capitals: a very common given name (a short list, words that are also
  ordinary words left out) followed by a family name with the article ("يوسف المنصوري"),
  or ``عبد`` + a name of God ("عبد الرحمن"), or a title (السيد, السيدة, الدكتور).

- **Hebrew** has no capitals either: the same rule as Arabic, a very common given name (words
  that are also ordinary words left out: חיים "life", תמר "date", שירה "poetry"...) followed
  by another Hebrew word ("משה לוינסון").

- **Thai** and **Devanagari** have no capitals: a title joined to the name (นาย, นางสาว;
  श्री, श्रीमती, डॉ.) or a role before it (ผู้ค้ำประกันคือ, गारंटर, मेरे भाई), then one or two
  words (not a verb or postposition after it: है, ने, को...), or a word before the Hindi
  honorific जी.

Names in other scripts without a cue are not found.
Pure regular expressions; a note in ASCII is not read at all.
"""

from __future__ import annotations

import re
import unicodedata

_CYR_GREEK_UPPER = "А-ЯЁЄІЇҐΆΈ-ΏΑ-Ω"
_CYR_GREEK_LOWER = "а-яёєіїґά-ώ'’"
_CAP = rf"[{_CYR_GREEK_UPPER}][{_CYR_GREEK_LOWER}]+(?:-[{_CYR_GREEK_UPPER}][{_CYR_GREEK_LOWER}]+)*"
_CAPITALISED_RUN = re.compile(rf"(?<![\w-]){_CAP}(?:\s+{_CAP}){{1,2}}(?![\w-])")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_KANA = "\u3040-\u30ff"
_HANGUL = "\uac00-\ud7af"
# A role before the name, then the name (2-4 characters of the script) up to a boundary.
_CJK_CUE_BEFORE = re.compile(
    rf"(?:担保人|保证人|联系人|推荐人|证明人|房东|雇主|老板|同事|丈夫|妻子|我叫|名叫|叫做|姓名)"
    rf"(?:是|为|：|:|\s)\s*(?!我|你|您|他|她|本人|自己)([{_HAN}]{{2,4}})"
    rf"(?=[，,。.、；;\s)）]|$|的|会|将|也|和)|"
    rf"(?:保証人|連帯保証人|連絡先|名前|氏名|大家|上司|同僚)(?:は|：|:|\s)\s*"
    rf"([{_HAN}{_KANA}]{{2,5}}?)(?=です|さん|様|氏|[、。，,.\s]|$)|"
    rf"(?:보증인|연대보증인|연락처|이름은|제 이름은|집주인|동료)\s*(?:은|는|:)?\s*"
    rf"([{_HANGUL}]{{2,4}})(?=\s|씨|님|입니다|이|가|[,.。]|$)"
)
# Words that take 님 as a courtesy but are roles, not names (customer, teacher, manager...).
_KOREAN_TITLES = "(?:고객|선생|담당자|사장|부장|과장|팀장|교수|의사|기사|회장|대표|여러분)"
# The name, then an honorific.
_CJK_CUE_AFTER = re.compile(
    rf"(?<![{_HAN}{_KANA}])([{_HAN}]{{2,4}})(?=さん|様|氏|先生|女士|小姐|君)|"
    rf"(?<![{_HANGUL}])(?!{_KOREAN_TITLES})([{_HANGUL}]{{2,4}})"
    rf"(?=\s?(?:씨|님)(?:[이가은는을를의께]|\s|$))"
)

# China's most common family names (census order, simplified then traditional), less those
# that also begin everyday words (高 high, 方 side, 于 at, 石 stone, 金 gold, 白 white,
# 常 often, 文 text, 万 ten thousand, 马 horse/马上, 张 sheet, 周 week, 林 forest, 江 river,
# 龙 dragon, 田 field, 任 any, 史 history, 段 section, 易 easy, 武 martial, 黄 yellow,
# 夏 summer, 钱 money, 陆 land, 程 程序, 许 许多, 曾 曾经, 余 remaining, 丁, 毛 hair,
# 康 health, 汤 soup, 雷 thunder, 孔 hole, 向 towards, 严 strict, 付 pay, 谢 thanks, 叶 leaf,
# 董 董事, 方 ...).
_HAN_SURNAMES = (
    "王李刘陈杨赵吴徐孙朱胡郭何罗郑梁宋唐韩邓冯曹彭肖潘袁蔡蒋杜魏苏吕卢姚沈钟姜崔谭范"
    "汪廖韦贾邹熊孟秦邱侯尹薛闫雷黎陶贺郝顾龚邵覃戴莫赖乔"
    "陳楊趙吳孫鄭韓鄧馮蔣蘇呂盧鍾譚賈鄒閆陶賀龔賴喬劉羅梁"
)
# What follows a subject: a verb or particle that a name is the subject of.
_AFTER_SUBJECT = (r"(?:会|會|是|说|說|将|將|也|和|跟|与|與|在|已经|已經|已|给|給|帮|幫|为|為|替|"
                  r"来|來|去|要|能|可以|负责|負責|愿意|願意|同意|答应|答應|借|还|還|向|每|打电话|打電話|"
                  r"先生|女士|小姐|"
                  # a time word between the subject and its verb (陈美玲昨天打电话…)
                  r"昨天|今天|明天|刚才|剛才|上周|上週|上个月|上個月|下周|下週|去年|今年|最近|曾经|曾經)")
# What opens a clause before its subject: a time word or a connective (two characters each,
# for fixed-width lookbehinds).
_BEFORE_SUBJECT = "|".join(f"(?<={w})" for w in (
    "去年", "今年", "明年", "昨天", "今天", "明天", "现在", "現在", "后来", "後來", "但是",
    "因为", "因為", "所以", "而且", "另外", "目前", "最近", "之前", "以后", "以後"))
_HAN_SUBJECT_NAME = re.compile(
    rf"(?:^|(?<=[，,。.、；;：:！!？?\s）)])|{_BEFORE_SUBJECT})"
    rf"([{_HAN_SURNAMES}][{_HAN}]{{2}})(?={_AFTER_SUBJECT})"
)
# A run of two to four Han characters standing alone inside text in another script.
_HAN_RUN_ALONE = re.compile(
    rf"(?<![{_HAN}{_KANA}{_HANGUL}])[{_HAN_SURNAMES}][{_HAN}]{{1,3}}(?![{_HAN}{_KANA}{_HANGUL}])"
)
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")

# Common Arabic given names that are not also common words (كريم "generous", سعيد "happy",
# جمال "beauty", نور "light", أمل "hope" and the like are left out).
_ARABIC_GIVEN = (
    "محمد|أحمد|محمود|مصطفى|يوسف|إبراهيم|خالد|عمر|حسن|حسين|طارق|وليد|ياسر|فيصل|سلمان|"
    "عثمان|بلال|حمزة|زياد|رامي|هشام|عادل|نبيل|مروان|أنس|إياد|معاذ|فاطمة|عائشة|مريم|زينب|"
    "خديجة|سارة|ليلى|رانيا|سلمى|هند|دينا|ريم|نادية|لينا|رشا|سعاد"
)
_ARABIC_WORD = "[\u0621-\u064a\u0671-\u06d3]+"
_ARABIC_NAME = re.compile(
    rf"(?<![\u0600-\u06ff])(?:(?:{_ARABIC_GIVEN})\s+(?!الله\b)ال{_ARABIC_WORD}"
    rf"(?:\s+ال{_ARABIC_WORD})?|عبد\s?(?:ال{_ARABIC_WORD})(?:\s+ال{_ARABIC_WORD})?|"
    rf"(?:السيد|السيدة|الدكتور|الدكتورة|الأستاذ|الأستاذة)\s+{_ARABIC_WORD}"
    rf"(?:\s+{_ARABIC_WORD})?)(?![\u0600-\u06ff])"
)

# Common Hebrew given names that are not also common words.
_HEBREW_GIVEN = (
    "משה|דוד|יוסף|אברהם|יצחק|יעקב|שמואל|דניאל|מיכאל|אהרון|אליהו|שלמה|בנימין|יונתן|איתי|"
    "אורי|יוסי|אריאל|נתנאל|עידו|ליאור|שרה|רחל|לאה|רבקה|מרים|אסתר|חנה|נועה|יעל|דנה|אורית|"
    "רותם|גלית|אפרת|הילה|רונית|סיגל|אילנה|יוסף"
)
_HEBREW_NAME = re.compile(
    rf"(?<![\u0590-\u05ff])(?:{_HEBREW_GIVEN})\s+[\u05d0-\u05ea]{{2,}}(?![\u0590-\u05ff])"
)


# Thai writes a name as given name, space, family name, after a title joined to it (นาย,
# นางสาว, นาง, ดร.) or a role (ผู้ค้ำประกัน "guarantor", ผู้ติดต่อ "contact", ชื่อ "name",
# optionally คือ "is"). Titles that begin other words are excluded (นายจ้าง employer,
# นายหน้า broker, นางฟ้า angel, นางแบบ model).
_THAI_WORD = "[\u0e01-\u0e4e]{2,20}"
_THAI_NAME = re.compile(unicodedata.normalize(  # as canonical() reads the note (ำ is split)
    "NFKC",
    rf"(?:(?:นางสาว|นาง(?!ฟ้า|แบบ|สาว)|นาย(?!จ้าง|หน้า|ทุน|ก\b)|ดร\.)\s?|"
    rf"(?:ผู้ค้ำประกัน|ผู้ติดต่อ|ผู้รับผลประโยชน์|ผู้กู้ร่วม|เจ้าของบ้าน|ชื่อ)"
    rf"\s*(?:คือ|ชื่อ|:)?\s*)(?!คือ|ชื่อ|เป็น)({_THAI_WORD}(?:\s{_THAI_WORD})?)"))
# Devanagari (Hindi, Marathi, Nepali) has no capitals: a title (श्री, श्रीमती, सुश्री, डॉ.,
# कुमारी), a role (गारंटर, जमानतदार "guarantor", संपर्क व्यक्ति "contact person", नाम "name",
# a relative after मेरा/मेरी/मेरे "my"), then one or two words that are not the verb or a
# postposition; or a word before the honorific जी.
_DEVANAGARI_WORD = "[\u0900-\u0963\u0966-\u097f]+"
_DEVANAGARI_STOP = ("(?:है|हैं|था|थी|थे|और|ने|को|का|की|के|से|में|पर|भी|ही|जी|हूँ|हूं|"
                    "होंगे|होंगी|होगा|होगी|एक|यह|वह)")
_DEVANAGARI_NAME = re.compile(
    rf"(?<![\u0900-\u097f])(?:श्रीमती|सुश्री|श्री|कुमारी|डॉ\.?|डॉक्टर|"
    rf"(?:गारंटर|जमानतदार|ज़मानतदार|संपर्क व्यक्ति|सह-आवेदक|लाभार्थी|नाम)\s*(?:है|:|-)?|"
    rf"(?:मेरा|मेरी|मेरे)\s+(?:भाई|बहन|पिता|माता|पत्नी|पति|दोस्त|मित्र|बेटा|बेटी|चाचा|मामा|"
    rf"मकान मालिक))\s+(?!{_DEVANAGARI_STOP}(?![\u0900-\u097f]))"
    rf"({_DEVANAGARI_WORD}(?:\s+(?!{_DEVANAGARI_STOP}(?![\u0900-\u097f])){_DEVANAGARI_WORD})?)|"
    rf"(?<![\u0900-\u097f])(?!{_DEVANAGARI_STOP}(?![\u0900-\u097f]))({_DEVANAGARI_WORD})"
    rf"(?=\s+जी(?![\u0900-\u097f]))"
)


def find_script_names(text: str) -> list[tuple[int, int]]:
    """Spans of names in Cyrillic, Greek, Han, kana, Hangul, Arabic, Hebrew, Thai or
    Devanagari script in ``text``."""
    if text.isascii():
        return []
    spans = [(m.start(), m.end()) for m in _CAPITALISED_RUN.finditer(text)]
    spans += [(m.start(), m.end()) for m in _ARABIC_NAME.finditer(text)]
    spans += [(m.start(), m.end()) for m in _HEBREW_NAME.finditer(text)]
    spans += [(m.start(1), m.end(1)) for m in _HAN_SUBJECT_NAME.finditer(text)]
    if _LATIN_WORD.search(text):
        spans += [(m.start(), m.end()) for m in _HAN_RUN_ALONE.finditer(text)]
    for pattern in (_CJK_CUE_BEFORE, _CJK_CUE_AFTER, _THAI_NAME, _DEVANAGARI_NAME):
        for match in pattern.finditer(text):
            group = next(i for i in range(1, (pattern.groups or 0) + 1) if match.group(i))
            spans.append((match.start(group), match.end(group)))
    return spans
