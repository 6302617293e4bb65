"""Who is in the story and how they sound: role words and names (EN + ZH), the characters a plan names,
their voices, and the delivery of their lines.

Gender and age come from the role ("grandmother") or the name ("Anna", "小红"). The voice words around a
person ("an old fisherman", "the nervous boy", "奶奶慢慢地") are read with engine.instruct's speech vocabulary,
so the planner and the speech backends understand the same words. The delivery of a line is a list of keys: a
speech verb's or a role's manner ("whisper", "announce") and those voice words (an emotion as engine.instruct
names it, "quiet"/"loud", "slow"/"fast").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from engine import instruct
from engine.plan import MAX_CAPTION_CHARS, MAX_TEXT_CHARS
from engine.text import CJK, CJK_CLASS

from .draft import Clip
from .names import ZH_SURNAMES, name_gender, zh_name, zh_name_after_role, zh_name_gender, zh_subject_name
from .sound_words import sound_hits
from .wording import EN_STOP, capitalise, words


class Role(NamedTuple):
    en: tuple[str, ...]
    zh: tuple[str, ...]
    gender: str | None
    age: str | None
    name_en: str
    name_zh: str
    delivery: str | None  # how this role usually speaks (a robot: "robotic")


ROLES: list[Role] = [
    Role(("fisherman",), ("渔夫", "渔民", "老渔夫"), "male", "adult", "Fisherman", "渔夫", None),
    Role(("grandson",), ("孙子", "外孙"), "male", "child", "Grandson", "孙子", None),
    Role(("granddaughter",), ("孙女", "外孙女"), "female", "child", "Granddaughter", "孙女", None),
    Role(("grandfather", "grandpa", "granddad", "grandad"), ("爷爷", "外公", "祖父", "姥爷"), "male", "elderly",
     "Grandfather", "爷爷", None),
    Role(("grandmother", "grandma", "granny"), ("奶奶", "外婆", "祖母", "姥姥"), "female", "elderly", "Grandmother", "奶奶", None),
    Role(("old man",), ("老爷爷", "老头", "老大爷"), "male", "elderly", "Old Man", "老爷爷", None),
    Role(("old woman", "old lady"), ("老奶奶", "老太太", "老妇人"), "female", "elderly", "Old Woman", "老奶奶", None),
    Role(("elder",), ("老人", "长者"), None, "elderly", "Elder", "老人", None),
    Role(("man", "gentleman", "guy"), ("男人", "男子", "先生", "男士"), "male", "adult", "Man", "男人", None),
    Role(("woman", "lady"), ("女人", "女子", "女士", "妇人"), "female", "adult", "Woman", "女人", None),
    Role(("boy",), ("男孩", "小男孩", "少年"), "male", "child", "Boy", "男孩", None),
    Role(("girl",), ("女孩", "小女孩", "姑娘", "少女"), "female", "child", "Girl", "女孩", None),
    Role(("child", "kid"), ("孩子", "小孩", "儿童", "小朋友"), None, "child", "Child", "孩子", None),
    Role(("mother", "mom", "mum", "mama", "mommy"), ("妈妈", "母亲", "娘"), "female", "adult", "Mother", "妈妈", None),
    Role(("father", "dad", "papa", "daddy"), ("爸爸", "父亲", "爹"), "male", "adult", "Father", "爸爸", None),
    Role(("son",), ("儿子",), "male", "child", "Son", "儿子", None),
    Role(("daughter",), ("女儿",), "female", "child", "Daughter", "女儿", None),
    Role(("brother",), ("哥哥", "弟弟"), "male", "young", "Brother", "哥哥", None),
    Role(("sister",), ("姐姐", "妹妹"), "female", "young", "Sister", "姐姐", None),
    Role(("uncle",), ("叔叔", "舅舅", "伯伯"), "male", "adult", "Uncle", "叔叔", None),
    Role(("aunt",), ("阿姨", "姑姑", "婶婶"), "female", "adult", "Aunt", "阿姨", None),
    Role(("king",), ("国王",), "male", "adult", "King", "国王", None),
    Role(("queen",), ("王后", "女王"), "female", "adult", "Queen", "王后", None),
    Role(("prince",), ("王子",), "male", "young", "Prince", "王子", None),
    Role(("princess",), ("公主",), "female", "young", "Princess", "公主", None),
    Role(("knight",), ("骑士",), "male", "adult", "Knight", "骑士", None),
    Role(("soldier",), ("士兵", "战士"), "male", "young", "Soldier", "士兵", None),
    Role(("general", "commander"), ("将军", "指挥官", "将领"), "male", "adult", "Commander", "将军", "shout"),
    Role(("captain",), ("船长", "队长", "机长"), "male", "adult", "Captain", "船长", None),
    Role(("sailor",), ("水手",), "male", "adult", "Sailor", "水手", None),
    Role(("pirate",), ("海盗",), "male", "adult", "Pirate", "海盗", None),
    Role(("teacher",), ("老师", "教师"), None, "adult", "Teacher", "老师", None),
    Role(("student",), ("学生",), None, "young", "Student", "学生", None),
    Role(("doctor",), ("医生", "大夫"), None, "adult", "Doctor", "医生", None),
    Role(("nurse",), ("护士",), "female", "adult", "Nurse", "护士", None),
    Role(("detective",), ("侦探", "探长"), None, "adult", "Detective", "侦探", None),
    Role(("police officer", "policeman", "officer", "cop"), ("警察", "警官"), None, "adult", "Officer", "警察", None),
    Role(("farmer",), ("农夫", "农民"), "male", "adult", "Farmer", "农夫", None),
    Role(("hunter",), ("猎人",), "male", "adult", "Hunter", "猎人", None),
    Role(("witch",), ("女巫", "巫婆"), "female", "elderly", "Witch", "女巫", None),
    Role(("wizard",), ("巫师", "魔法师"), "male", "elderly", "Wizard", "巫师", None),
    Role(("stranger", "someone", "somebody"), ("陌生人", "有人"), None, "adult", "Stranger", "陌生人", None),
    Role(("friend",), ("朋友",), None, "adult", "Friend", "朋友", None),
    Role(("neighbour", "neighbor"), ("邻居",), None, "adult", "Neighbour", "邻居", None),
    Role(("guard",), ("卫兵", "守卫"), "male", "adult", "Guard", "卫兵", None),
    Role(("merchant", "vendor", "seller", "shopkeeper"), ("商人", "小贩", "店主", "老板"), None, "adult", "Merchant", "商人", None),
    Role(("waiter", "waitress"), ("服务员",), None, "young", "Waiter", "服务员", None),
    Role(("scientist",), ("科学家",), None, "adult", "Scientist", "科学家", None),
    Role(("robot", "android"), ("机器人",), None, "adult", "Robot", "机器人", "robotic"),
    Role(("astronaut",), ("宇航员",), None, "adult", "Astronaut", "宇航员", None),
    Role(("pilot",), ("飞行员",), None, "adult", "Pilot", "飞行员", None),
    Role(("driver",), ("司机",), "male", "adult", "Driver", "司机", None),
    Role(("conductor",), ("列车员", "乘务员", "售票员"), None, "adult", "Conductor", "列车员", "announce"),
    Role(("librarian",), ("图书管理员",), None, "adult", "Librarian", "图书管理员", None),
    Role(("announcer", "host", "presenter"), ("主持人", "播音员"), None, "adult", "Announcer", "主持人", "announce"),
    Role(("mission control",), ("指挥中心", "控制中心"), None, "adult", "Mission Control", "指挥中心", "announce"),
    Role(("reporter",), ("记者",), None, "adult", "Reporter", "记者", None),
    Role(("narrator",), ("旁白", "讲述者"), None, "adult", "Narrator", "旁白", "narration"),
    Role(("ghost", "ghostly", "spirit", "phantom"), ("幽灵", "鬼魂", "鬼"), None, "adult", "Ghost", "幽灵", "eerie"),
    Role(("monk", "priest"), ("和尚", "牧师", "僧人"), "male", "adult", "Monk", "和尚", None),
    Role(("chef", "cook"), ("厨师",), None, "adult", "Chef", "厨师", None),
    Role(("traveller", "traveler"), ("旅人", "旅行者"), None, "adult", "Traveller", "旅人", None),
    Role(("villager",), ("村民",), None, "adult", "Villager", "村民", None),
    Role(("husband",), ("丈夫",), "male", "adult", "Husband", "丈夫", None),
    Role(("landlady", "shopkeeper's wife"), ("老板娘",), "female", "adult", "Landlady", "老板娘", None),
    Role(("professor",), ("教授",), None, "adult", "Professor", "教授", None),
    Role(("guide", "tour guide"), ("导游", "向导"), None, "adult", "Guide", "导游", None),
    Role(("host", "radio host", "presenter", "dj", "newsreader", "newscaster", "news anchor", "anchor"),
         ("主播", "主持人", "播音员", "新闻主播"), None, "adult", "Host", "主播", "announce"),
    Role(("schoolboy",), ("男生", "男同学"), "male", "young", "Schoolboy", "男生", None),
    Role(("schoolgirl",), ("女生", "女同学"), "female", "young", "Schoolgirl", "女生", None),
    Role(("museum guide", "docent"), ("讲解员",), None, "adult", "Guide", "讲解员", None),
    Role(("veteran", "old soldier"), ("老兵",), "male", "elderly", "Veteran", "老兵", None),
    Role(("waiter", "waitress", "innkeeper's boy"), ("店小二", "服务员", "小二"), None, "adult", "Waiter", "服务员", None),
    Role(("courier", "delivery man", "delivery guy"), ("外卖小哥", "快递员", "快递小哥", "外卖员"), "male", "young",
         "Courier", "外卖小哥", None),
    Role(("protagonist", "hero", "heroine"), ("主人公", "主角"), None, None, "Protagonist", "主人公", None),
    Role(("singer",), ("歌手",), None, "adult", "Singer", "歌手", None),
    Role(("wife",), ("妻子",), "female", "adult", "Wife", "妻子", None),
]
EN_ROLE = {w: i for i, r in enumerate(ROLES) for w in r.en}
_ZH_ROLE_WORDS = {w for r in ROLES for w in r.zh}
ZH_ROLE = sorted(((w, i) for i, r in enumerate(ROLES) for w in r.zh), key=lambda t: -len(t[0]))
_EN_PLURAL = {"men", "women", "children", "people", "fishermen", "kids", "friends", "soldiers", "sailors", "vendors",
              "villagers", "guards", "pirates", "students", "boys", "girls", "merchants", "sellers", "knights",
              "armies", "crowds", "townsfolk", "folks", "passengers", "workers", "they"}

_ZH_ADVERBS = ("轻轻|慢慢|悄悄|大声|小声|低声|轻声|高兴|开心|难过|伤心|生气|愤怒|温柔|平静|兴奋|激动|紧张|害怕|急忙|缓缓|默默|"
               "微笑|哭|笑|叹|颤抖|沉稳|慈祥|认真|得意|无奈|焦急|惊讶|好奇")

# How a speech verb or a role delivers a line: manner key → (English, Chinese) words that engine.instruct reads
# back as a style or emotion.
_MANNERS = {
    "story": ("storytelling voice", "讲故事的语气"),
    "narration": ("narration", "旁白语气"),
    "whisper": ("whispering", "低声耳语"),
    "shout": ("shouting loudly", "大声喊叫"),
    "curious": ("curious, conversational", "好奇的聊天语气"),
    "announce": ("announcer voice", "播音员语气"),
    "explain": ("calm, conversational", "平静的聊天语气"),
    "mumble": ("quietly, mumbling", "小声嘟囔"),
    "urgent": ("urgent, quickly", "急切，快速"),
    "plead": ("sad, pleading", "悲伤地恳求"),
    "reverent": ("quietly, tender", "小声，温柔"),
    "friendly": ("happy, conversational", "开心的聊天语气"),
    "robotic": ("robotic, synthetic voice", "机械合成的声音"),
    "eerie": ("mysterious, breathy", "神秘、带气声"),
}
# Speaking-rate multipliers per delivery key, for the speech-length estimate.
_PACE = {"slow": 0.8, "fast": 1.25, "whisper": 0.9, "story": 0.95, "narration": 0.95, "tired": 0.9, "excited": 1.1,
         "shout": 1.05, "announce": 0.95}
# Besides the manners, a delivery key is an emotion as engine.instruct names it ("sad", "tender") or the direction
# of the loudness or pace it reads; each is written in instruct's display word for this attribute value.
_INSTRUCT_VALUES = {"quiet": ("volume", -6.0), "loud": ("volume", 6.0),
                    "slow": ("pace", 0.75), "fast": ("pace", 1.3)}


# Voice words engine.instruct does not map to an attribute but a voice model (or a person) understands; they are
# kept as written so the speaker sounds as asked.
_TIMBRE_WORDS = ("raspy husky hoarse gravelly gruff croaky croaking breathy nasal smoky silky velvety thin reedy "
                 "rich mellow crisp scratchy throaty quavering wavering lilting sing-song metallic tinny muffled "
                 "slurred drawling sweet sharp icy dry rough booming deep low-pitched high-pitched squeaky shrill "
                 "沙哑 嘶哑 低沉 浑厚 磁性 尖细 尖利 清脆 清亮 洪亮 发抖 甜美 稚嫩 苍老 粗犷 粗哑 气声 鼻音 慵懒 含糊 "
                 "干涩 轻柔").split()


@functools.cache
def _voice_word_patterns() -> tuple[re.Pattern, re.Pattern]:
    """Every word engine.instruct reads as a speech emotion, style, pace, volume or pitch, plus the timbre words:
    (English as whole words, Chinese as written), longest first."""
    from engine.instruct.tables import TABLES

    en, zh = set(), set()
    for attribute, values in TABLES["speech"].items():
        if attribute in ("gender", "age", "accent"):
            continue
        for v in values:
            en.update(w for w in v.en if w)
            zh.update(w for w in v.zh if w)
    for w in _TIMBRE_WORDS:
        (zh if CJK.search(w) else en).add(w)
    alt = lambda ws: "|".join(re.escape(w) for w in sorted(ws, key=len, reverse=True))  # noqa: E731
    return re.compile(rf"(?<![\w-])(?:{alt(en)})(?![\w-])", re.I), re.compile(alt(zh))


def voice_words(text: str) -> list[str]:
    """The voice words of `text` as written ("raspy", "nervously", "in a warm voice" → "warm", 沙哑, 低声), in
    order, each as a delivery entry "~word" (the line's instruction and the voice keep them verbatim)."""
    en, zh = _voice_word_patterns()
    found = [m.group(0).lower() for m in en.finditer(text)] + [m.group(0) for m in zh.finditer(text)]
    found = [w for w in found if w not in EN_ROLE and w not in _ZH_ROLE_WORDS]  # "narrator" is who, not how
    out: list[str] = []
    for w in found:
        if f"~{w}" not in out and not any(w in o for o in out):
            out.append(f"~{w}")
    return out


@functools.cache
def _instruct_words(language: str) -> dict[tuple[str, object], str]:
    return {(field, value): word for field, pairs in instruct.choices("speech", language).items()
            for word, value in pairs}


def _delivery_words(key: str, language: str) -> str | None:
    if key.startswith("~"):  # a voice word as the instruction wrote it
        return key[1:]
    if key in _MANNERS:
        return _MANNERS[key][1 if language == "zh" else 0]
    return _instruct_words(language).get(_INSTRUCT_VALUES.get(key, ("emotion", key)))


@dataclass
class Person:
    """Someone the instruction names, before they become a character."""

    name_en: str
    name_zh: str
    gender: str | None = None
    age: str | None = None
    role_delivery: str | None = None  # the role's usual delivery (robot → robotic)
    delivery: list[str] = field(default_factory=list)  # voice words said about them ("the nervous man")
    plural: bool = False
    pronoun: str | None = None  # "he"/"she" still to be resolved against the cast
    role: str | None = None  # the role's own name ("Grandfather") when named by a role word ("Grandpa")


def role_person(index: int, delivery: list[str]) -> Person:
    role = ROLES[index]
    return Person(role.name_en, role.name_zh, gender=role.gender, age=role.age, role_delivery=role.delivery,
                  delivery=list(delivery), role=role.name_en)


def read_person(phrase: str, language: str) -> Person | None:
    """The person a noun phrase names ("an old fisherman", "her friend Tom", "老渔夫", "小红"), or None."""
    return _read_person_zh(phrase) if language == "zh" else _read_person_en(phrase)


_NOT_A_NAME = set("""one two three four five six seven eight nine ten eleven twelve twenty hundred some many several
every each both all no another other then suddenly later meanwhile finally first next last outside inside somewhere
someone somebody everyone nobody voices sounds""".split())


def _read_person_en(phrase: str) -> Person | None:
    phrase = re.sub(r"(\w)['’]s\b", r"\1", phrase)  # "a woman's shaky whisper": the woman
    original = words(phrase)
    lowered = [w.lower() for w in original]
    if not lowered or len(lowered) > 7:
        return None
    if lowered[-1] in ("he", "him", "she", "her") and len(lowered) <= 2:
        return Person("", "", pronoun="he" if lowered[-1] in ("he", "him") else "she")
    if lowered[0] in ("he", "she") and len(lowered) <= 5:
        return Person("", "", pronoun=lowered[0])  # "he picks up the phone" 
    if lowered[-1] in ("i", "we"):
        return role_person(EN_ROLE["narrator"], [])
    head = lowered[-1]
    if head in _EN_PLURAL or (head.endswith("s") and head[:-1] in EN_ROLE and head not in EN_ROLE):
        return Person(capitalise(lowered[-1]), lowered[-1], plural=True)
    delivery, age = voice_words(phrase), instruct.parse_speech(phrase).age
    role = None
    written = ""
    for i in range(len(lowered) - 1, -1, -1):
        for span in (2, 1):
            candidate = " ".join(lowered[i - span + 1:i + 1]) if i - span + 1 >= 0 else ""
            if candidate in EN_ROLE:
                role = EN_ROLE[candidate]
                written = " ".join(original[i - span + 1:i + 1])
                break
        if role is not None:
            break
    # a proper name wins over a role word ("her friend Tom"), except a capital that only starts the sentence
    for i in range(len(original) - 1, -1, -1):
        w = original[i]
        known = name_gender(w) is not None
        if i == 0 and not known and (role is not None or sound_hits(w, "en") or w.lower() in _NOT_A_NAME):
            continue  # "Thunder rolls", "Two voices": a capital that only starts the sentence
        if (w[0].isupper() and w.lower() not in EN_ROLE and w.lower() not in EN_STOP and w.lower() not in
                ("old", "young", "little", "a", "an", "the", "his", "her", "my", "our", "their", "mr", "mrs", "ms")
                and not voice_words(w) and not instruct.parse_speech(w).accent  # "a French student"
                and not re.search(r"-(?:style|like|esque|ish|type|voiced|sounding)$", w, re.I)):  # "Attenborough-style"
            g = name_gender(w)
            if i > 0 and original[i - 1].lower() in ("mr", "mrs", "ms", "miss", "uncle", "aunt", "grandpa", "grandma"):
                prev = original[i - 1].lower()
                g = g or ("male" if prev in ("mr", "uncle", "grandpa") else "female")
                w = f"{original[i - 1].rstrip('.')}. {w}" if prev in ("mr", "mrs", "ms") else f"{original[i - 1]} {w}"
            return Person(w, w, gender=g, age=age, delivery=delivery)
    if role is not None:
        person = role_person(role, delivery + _descriptors(original, lowered))
        if person.name_en != "Narrator":
            person.name_en = capitalise(" ".join(w[:1].upper() + w[1:] for w in written.split()))  # "Grandpa" as written
        person.age = age or person.age
        person.gender = person.gender or instruct.parse_speech(phrase).gender  # "a female narrator"
        return person
    return None


_PLAIN_WORDS = {"a", "an", "the", "his", "her", "their", "my", "our", "your", "this", "that", "old", "young",
                "little", "male", "female", "elderly", "older", "middle-aged", "teenage", "small", "big", "one"}


def _descriptors(original: list[str], lowered: list[str]) -> list[str]:
    """The words before a role noun that describe the person ("a warm, slightly amused male narrator" → warm,
    slightly amused), as written; gender, age and articles are who they are, not how they sound."""
    head = next((i for i in range(len(lowered) - 1, -1, -1) if lowered[i] in EN_ROLE), len(lowered))
    out, pending = [], ""
    for w, low in zip(original[:head], lowered[:head]):
        if low in _PLAIN_WORDS or low in EN_ROLE or low in EN_STOP:
            pending = ""
            continue
        if low.endswith("ly"):
            pending = f"{pending} {w}".strip()
            continue
        out.append(f"~{(pending + ' ' + w).strip()}")
        pending = ""
    return out


def _subject_role(phrase: str) -> tuple[str, int] | None:
    """(word, role index) of the role a Chinese phrase is about: after its last 的 ("小明的奶奶" is the grandmother),
    else the one named first ("爸爸拉着小女孩" is the father), the longest at the same place (小女孩 over 女孩)."""
    for part in ([phrase.rsplit("的", 1)[1]] if "的" in phrase else []) + [phrase]:
        roles = sorted((part.find(w), -len(w), w, i) for w, i in ZH_ROLE if w in part)
        if roles:
            return roles[0][2], roles[0][3]
    return None


def _read_person_zh(phrase: str) -> Person | None:
    phrase = re.sub(r"^(?:一位|一个|一名|那位|这位|那个|这个|位|个|名|只|一只|那|这)", "", phrase.strip())
    for _ in range(3):
        phrase = re.sub(r"(?:一边|突然|又|也|就|便|还|都|再|在|正在)$", "", phrase)
        phrase = re.sub(r"(?:" + _ZH_ADVERBS + r")(?:地|着)?$", "", phrase)
        phrase = _without_manner(phrase)
        phrase = re.sub(rf"[{CJK_CLASS}](?:着)$", "", phrase) if len(phrase) > 3 else phrase
    phrase = phrase.strip("，,：: ")
    if len(phrase) > 8:
        # "小女孩拉着爸爸的手": a long phrase names whoever it starts with, the one who does the rest
        hits = sorted((phrase.find(w), -len(w), w, i) for w, i in ZH_ROLE if 0 <= phrase.find(w) <= 1)
        head = phrase if hits or not 0 < phrase.find("的") <= 5 else phrase[phrase.find("的") + 1:]  # "掌柜的钱老板…"
        if head != phrase and len(head) <= 8:
            person = _read_person_zh(head)  # "沙哑的中年男声旁白": the modifiers say how they sound
            if person is not None:
                person.delivery += [w for w in voice_words(phrase[:len(phrase) - len(head)]) if w not in person.delivery]
                return person
        hits = hits or sorted((head.find(w), -len(w), w, i) for w, i in ZH_ROLE if 0 <= head.find(w) <= 1)
        if hits and (hits[0][0] == 0 or head[0] in ZH_SURNAMES):
            at, _, w, i = hits[0]
            person = role_person(i, voice_words(head[:at + len(w)]))
            person.name_zh = w
            name = head[:at + len(w)] if at == 1 else zh_name_after_role(head[len(w):])  # 钱老板; 向导扎西
            if name and (at == 1 or not any(r in name for r, _ in ZH_ROLE)):
                person.name_zh = person.name_en = name
            return person
        name = zh_name(phrase) or zh_subject_name(phrase)
        return Person(name, name, gender=zh_name_gender(name)) if name else None
    if not phrase:
        return None
    # 老师 and 老板 are a teacher and a boss: engine.instruct would read their 老 as old
    unaged = re.sub("老师|老板", "", phrase)
    delivery, age = voice_words(unaged), instruct.parse_speech(unaged).age
    if phrase in ("他", "她") or (phrase[:1] in "他她" and phrase[1:2] not in "们的" and len(phrase) <= 6):
        return Person("", "", pronoun="he" if phrase[0] == "他" else "she")  # "他接起来": he, picking up
    if phrase in ("我", "我们"):
        return role_person(EN_ROLE["narrator"], [])
    if phrase.endswith("们"):
        return Person(phrase, phrase, plural=True)
    role = _subject_role(phrase)
    if role:
        w, i = role
        person = role_person(i, delivery)
        person.name_zh = w  # named as written: 外婆 is not renamed 奶奶
        at = phrase.index(w)
        if at > 0 and phrase[at - 1] in ZH_SURNAMES and (at == 1 or phrase[at - 2] in "的，, "):
            person.name_zh = person.name_en = phrase[at - 1:at + len(w)]  # "钱老板", "王阿姨": surname and role
            person.age = age or person.age
            return person
        named = phrase[at + len(w):]
        if not (2 <= len(named) <= 3 and re.fullmatch(rf"[{CJK_CLASS}]+", named)):
            named = zh_name_after_role(named) or ""  # "女儿小桃跑进来", "向导扎西咳嗽了两声": the name before the action
        if 2 <= len(named) <= 3 and CJK.fullmatch(named[0]) and not any(r in named for r, _ in ZH_ROLE) \
                and not voice_words(named) and not sound_hits(named, "zh"):
            person.name_zh = person.name_en = named  # "女儿小桃": the role tells who, the name is what she is called
            person.age = age or person.age
            person.gender = person.gender or instruct.parse_speech(unaged).gender
            return person
        if len(phrase) <= 5:
            person.name_zh = re.sub(rf"^(?:的|[{CJK_CLASS}]{{0,4}}的)", "", phrase)  # "小明的奶奶" → "奶奶"
        person.age = age or person.age
        person.gender = person.gender or instruct.parse_speech(unaged).gender  # "女声旁白"
        return person
    tail = phrase.rsplit("的", 1)[-1]  # "逗哏的李大嘴": who comes after the last 的
    name = zh_name(phrase) or zh_subject_name(phrase) or (zh_name(tail) or zh_subject_name(tail) if tail != phrase
                                                          else None)
    if name is None and len(phrase) <= 3 and re.fullmatch(rf"[{CJK_CLASS}]+", phrase) and zh_name_gender(phrase) \
            and not voice_words(phrase):
        name = phrase  # "春梅", "建国": a given name alone
    if name:
        return Person(name, name, gender=zh_name_gender(name), age=age, delivery=delivery)
    return None


_EN_NOUN_PHRASE_END = re.compile(r"\s+(?:in|with|on|at|from|of|by|near|behind|beside|inside|outside|across|into|who|"
                                 r"that|which|wearing|holding|standing|sitting|leaning|over|under|through|to|for|"
                                 r"warms up|says|asks|calls|reads)\b.*$", re.I)
_EN_PREPOSITION_START = re.compile(r"\s*(?:with|in|on|at|from|of|by|near|under|over|through|into|across|behind|"
                                   r"beside|like|as|for|to|without)\b", re.I)
_EN_DETERMINERS = {"a", "an", "the", "his", "her", "their", "my", "our", "your", "this", "that", "one", "two",
                   "some", "another"}
_ZH_FEMALE_MARKS = "女娘妈姐妹婆嫂姨奶姑媳妞"
# Last characters of a Chinese noun that names a person (教授 aside: roles are read first)
_ZH_PERSON_ENDS = "人者员家师生手工客哥姐妹弟爷奶叔姨娘婆公子孩娃宝主长官兵侠匠夫妇嫂爸妈童君士"
_ZH_ACTION_STARTS = set("跑走站坐转回进出笑哭拿看听喊叫说在从向对把被一又也就还都突忽便正边轻低大小慢快")
_ZH_MALE_MARKS = "男爷叔伯哥弟爹夫公舅"


def _without_manner(phrase: str) -> str:
    """"主人公小林迷迷糊糊地" → "主人公小林": a manner adverb in 地 at the end, the longest that leaves someone."""
    if phrase.endswith("地"):
        for n in (4, 3, 2):
            if len(phrase) - n - 1 >= 2 and CJK.fullmatch(phrase[-n - 1]):
                return phrase[:-n - 1]
    return phrase


def person_in(phrase: str, language: str, guess: bool = True) -> Person | None:
    """Who a phrase before a speech verb or a colon names: a known role or name (read_person), else any noun phrase
    that reads as someone ("a husky-voiced jazz singer in her fifties" → Jazz Singer, "一个六十多岁的老教授" → 老教授),
    with the gender and age the phrase states. Without `guess`, only a known role or name counts."""
    if language != "zh" and _EN_PREPOSITION_START.match(phrase):
        return None  # "with a Scottish burr" says how someone sounds, not who
    core = phrase if language == "zh" else _EN_NOUN_PHRASE_END.sub("", phrase)  # "… with a Texas drawl" is not a name
    person = read_person(core, language)
    if person is None and guess:  # not a known role or name: any noun phrase that reads as someone
        person = _someone_zh(phrase) if language == "zh" else _someone_en(phrase)
    if person is not None and language != "zh":
        if person.gender is None:
            person.gender = ("female" if re.search(r"\b(?:she|her|herself)\b", phrase, re.I) else
                             "male" if re.search(r"\b(?:he|his|him|himself)\b", phrase, re.I) else None)
        if not person.pronoun:  # an age the phrase states beats the role's usual one ("a woman in her seventies")
            person.age = instruct.parse_speech(phrase).age or person.age
    return person


def _someone_en(phrase: str) -> Person | None:
    text = re.sub(r"^\s*(?:and|then|while|as|but|so|now|suddenly|finally)\b\s*", "", phrase.strip(), flags=re.I)
    core = _EN_NOUN_PHRASE_END.sub("", text)
    if sound_hits(core, "en"):
        return None  # "a dog barks" is a sound, not a speaker
    tokens = words(core)
    if not tokens or len(tokens) > 6 or tokens[-1].lower().endswith(("ing", "ed")):
        return None
    determined = tokens[0].lower() in _EN_DETERMINERS or tokens[0][0].isupper()
    if not determined and not re.search(r"(?:er|or|ist|ian|ant|ent|man|woman)$", tokens[-1].lower()):
        return None  # "steady and slow" describes someone; "fast-talking auctioneer" is someone
    kept = [w for w in tokens if w.lower() not in _EN_DETERMINERS and "-" not in w and w.lower() not in EN_STOP
            and not voice_words(w) and not w.lower().endswith("ly") and instruct.parse_speech(w).age is None]
    if not kept:
        return None
    head = " ".join(kept[-2:])
    voice = instruct.parse_speech(text)
    gender = voice.gender or ("female" if re.search(r"\b(?:she|her|herself)\b", text, re.I) else
                              "male" if re.search(r"\b(?:he|his|him|himself)\b", text, re.I) else None)
    name = " ".join(w[:1].upper() + w[1:] for w in head.split())
    return Person(name, name, gender=gender, age=voice.age, delivery=voice_words(text))


def _someone_zh(phrase: str) -> Person | None:
    text = re.sub(r"^(?:一位|一个|一名|那位|这位|那个|这个|两位|几位)", "", phrase.strip(" ，,：:"))
    if sound_hits(text, "zh") or "地" in text or re.match(r"[不没很太略有非十用]", text) or \
            re.search(r"(?:语气|声音|口吻|嗓音|语调)$", text):
        return None  # a sound, or how something is done (不紧不慢地…), not someone
    head = text.split("的")[-1] if "的" in text else text
    head = _without_manner(re.sub(r"(?:在|对着|朝着|向着)[^，,]*$", "", head))
    if (not 2 <= len(head) <= 5 or not CJK.fullmatch(head[0]) or not CJK.fullmatch(head[-1])
            or re.search(r"[地着了得过]", head) or voice_words(head)  # "打着哈欠" is what someone does
            or not (head[-1] in _ZH_PERSON_ENDS or re.search("[男女]", head))):  # "语速很慢" is how they speak
        return None
    voice = instruct.parse_speech(re.sub("老师|老板", "", text))
    gender = voice.gender or ("female" if any(c in _ZH_FEMALE_MARKS for c in head) else
                              "male" if any(c in _ZH_MALE_MARKS for c in head) else None)
    return Person(head, head, gender=gender, age=voice.age, delivery=voice_words(text))


def names_a_person(body: str, language: str) -> bool:
    """Does the clause say who makes its sound ("A scientist laughs", "他咳嗽")?"""
    if language == "zh":
        return any(w in body for w, _ in ZH_ROLE) or bool(re.search(r"[他她]", body))
    first = [w.lower() for w in words(body)[:5]]
    return any(w in EN_ROLE or w in ("he", "she") or name_gender(w) is not None for w in first)


def person_phrase(person: Person, language: str) -> str:
    """Who speaks, as a voice description: "an elderly man", "一个小女孩"."""
    if person.name_en == "Narrator":
        who_zh = {"male": "男声", "female": "女声"}.get(person.gender or "", "成年")
        who_en = {"male": "male", "female": "female"}.get(person.gender or "", "adult")
        calm = not person.delivery  # a narrator is calm unless the instruction says how they sound
        return (f"一位{'平静的' if calm else ''}{who_zh}旁白" if language == "zh" else
                f"a {'calm ' if calm else ''}{who_en} narrator")
    if person.name_en == "Robot":
        return "一个机器人" if language == "zh" else "a robot"
    if person.name_en == "Ghost":
        return "一个幽灵" if language == "zh" else "a ghostly figure"
    key = (person.gender, person.age)
    if language == "zh":
        return {("male", "elderly"): "一位年迈的男性", ("female", "elderly"): "一位年迈的女性", (None, "elderly"): "一位老人",
                ("male", "child"): "一个小男孩", ("female", "child"): "一个小女孩", (None, "child"): "一个孩子",
                ("male", "young"): "一位年轻男性", ("female", "young"): "一位年轻女性", (None, "young"): "一个年轻人",
                ("male", "adult"): "一位成年男性", ("female", "adult"): "一位成年女性", ("male", None): "一位成年男性",
                ("female", None): "一位成年女性"}.get(key, "一位成年人")
    return {("male", "elderly"): "an elderly man", ("female", "elderly"): "an elderly woman",
            (None, "elderly"): "an elderly person", ("male", "child"): "a little boy",
            ("female", "child"): "a little girl", (None, "child"): "a child", ("male", "young"): "a young man",
            ("female", "young"): "a young woman", (None, "young"): "a young person", ("male", "adult"): "a man", ("female", "adult"): "a woman",
            ("male", None): "a man", ("female", None): "a woman"}.get(key, "an adult")


def delivery_phrase(keys: list[str], language: str) -> str:
    """The first five distinct delivery keys in words: "calm storytelling voice, raspy, sadly"."""
    seen: list[str] = []
    for k in keys:
        if k and _delivery_words(k, language) and k not in seen:
            seen.append(k)
    phrases = [_delivery_words(k, language) for k in seen[:5]]
    return ("，" if language == "zh" else ", ").join(phrases)


@dataclass
class CastMember:
    name: str
    person: Person
    voice: str = ""  # the character's voice instruction, fixed by their first line


def _named_by_role(person: Person, zh: bool) -> bool:
    """Is the person called by a role word ("Grandpa", "外婆"), not by a name of their own ("小桃")?"""
    name = person.name_zh if zh else person.name_en.lower()
    return name in (_ZH_ROLE_WORDS if zh else EN_ROLE) or name == (person.role or "").lower()


class Cast:
    """The characters of one story, named in the plan's language, and who was named or spoke last."""

    def __init__(self, language: str):
        self.language = language
        self.members: dict[str, CastMember] = {}
        self.speakers: list[str] = []  # who spoke, most recent last
        self.mentioned: list[str] = []  # everyone named so far (speakers and people making sounds), for he/she
        self.group: tuple[str | None, str | None] | None = None  # "三个女生", "two old men": who the named ones are

    def join(self, person: Person) -> str:
        """Register (or find) the character a person is, and return its name."""
        if person.pronoun == "last":  # "Says, '…'", "温柔地说：" — the person just named speaks
            return self.mentioned[-1] if self.mentioned else self.narrator()
        if person.pronoun:
            want = "male" if person.pronoun == "he" else "female"
            for name in reversed(self.mentioned):
                member = self.members[name]
                if member.person.gender == want:
                    return name
                if member.person.gender is None and member.person.name_en != "Narrator":
                    member.person.gender = want  # "A detective knocks. … he shouts": the detective is a man
                    return name
            person = role_person(EN_ROLE["man" if want == "male" else "woman"], [])
        zh = self.language == "zh"
        name = person.name_zh if zh else person.name_en
        if name not in self.members and person.role and _named_by_role(person, zh):
            # "a grandfather … Grandpa says": one person however the role is worded
            same = [m.name for m in self.members.values() if m.person.role == person.role
                    and _named_by_role(m.person, zh)]
            if same:
                name = same[0]
        existing = self.members.get(name)
        if existing is not None:
            known = existing.person
            if ((known.gender in (None, person.gender) or person.gender is None)
                    and (known.age in (None, person.age) or person.age is None)):
                known.gender = known.gender or person.gender
                known.age = known.age or person.age
                return name
            # a different person with the same role: "Old Man" beside "Man", then "Man 2"
            prefix = {"elderly": ("Old", "老"), "young": ("Young", "年轻"), "child": ("Little", "小")}.get(person.age or "")
            name = (prefix[1] + name if zh else f"{prefix[0]} {name}") if prefix else name
            n = 2
            base = name
            while name in self.members and (self.members[name].person.gender,
                                            self.members[name].person.age) != (person.gender, person.age):
                name = f"{base}{n}" if zh else f"{base} {n}"
                n += 1
            if name in self.members:
                return name
        if self.group and person.name_en != "Narrator" and not person.pronoun:
            # "宿舍熄灯后，三个女生…朵朵说": a name the story gives one of the group is one of them
            person.gender = person.gender or self.group[0]
            person.age = person.age or self.group[1]
        self.members[name] = CastMember(name, person)
        self.mentioned.append(name)
        return name

    def narrator(self) -> str:
        return self.join(role_person(EN_ROLE["narrator"], []))

    def bring_forward(self, name: str) -> None:
        """`name` is now the most recently named person (what "he" or "she" refers to)."""
        if name in self.mentioned:
            self.mentioned.remove(name)
        self.mentioned.append(name)

    def spoke(self, name: str) -> None:
        """`name` speaks next (an unattributed quotation answers the speaker before)."""
        if name not in self.speakers[-1:]:
            self.speakers.append(name)

    def line(self, scene: int, name: str, text: str, delivery: list[str], quoted: bool, written: bool) -> Clip:
        """A spoken line by `name`; the speaker's first line also fixes their voice."""
        member = self.members[name]
        person = member.person
        zh = self.language == "zh"
        keys = [d for d in delivery if d] + ([person.role_delivery] if person.role_delivery else []) + person.delivery
        if not member.voice:
            lasting = ([person.role_delivery] if person.role_delivery and person.name_en != "Narrator" else []) + \
                person.delivery + [d for d in delivery if d == "story"]
            how = delivery_phrase(lasting, self.language)
            member.voice = person_phrase(person, self.language) + (("，" if zh else ", ") + how if how else "")
        pace = instruct.parse_speech(" ".join(k[1:] for k in keys if k.startswith("~"))).pace or 1.0
        for k in keys:
            pace *= _PACE.get(k, 1.0)
        how = delivery_phrase(keys, self.language)
        who = person_phrase(person, self.language)
        if zh:
            caption = f"{who}在说话" + (f"，{how}" if how else "") + "。"
        else:
            caption = f"{capitalise(who)} speaking" + (f", {how}" if how else "") + "."
        self.spoke(name)
        self.bring_forward(name)
        return Clip("speech", scene, caption=caption[:MAX_CAPTION_CHARS], text=text.strip()[:MAX_TEXT_CHARS],
                    character=name, instruction=how, pace=pace, quoted=quoted, written=written)


_GROUP_ZH = re.compile(r"(?:[两三四五六七八九十几]|一群|一帮|一对)(?:个|位|名)?(女生|女孩子?|小姑娘|姑娘|姐妹|女人|女士|男生|男孩子?|"
                       r"小伙子|兄弟|男人|孩子|小朋友|老人|老太太|老头)")
_GROUP_EN = re.compile(r"\b(?:two|three|four|five|six|several|a group of|a bunch of|a pair of)\s+(?:[a-z-]+\s+)?"
                       r"(girls|boys|women|men|sisters|brothers|kids|children|teenagers|teens)\b", re.I)


def read_group(story: str, language: str) -> tuple[str | None, str | None] | None:
    """(gender, age) of the one group of people the story introduces ("三个女生", "two old men"), if any."""
    hits = list((_GROUP_ZH if language == "zh" else _GROUP_EN).finditer(story))
    if len(hits) != 1:
        return None  # no group, or several: nobody can be placed in one
    voice = instruct.parse_speech(hits[0].group(0))
    age = "young" if hits[0].group(1) in ("女生", "男生", "teenagers", "teens") else voice.age
    return (voice.gender, age) if voice.gender or age else None


def someone_or_the_last(phrase: str, language: str) -> Person | None:
    """The person a phrase before a speech verb names; a phrase with no one in it ("Says,", "温柔地说") means the
    person just named."""
    person = read_person(phrase, language)
    if person is not None:
        return person
    if language == "zh":
        rest = re.sub(rf"(?:{_ZH_ADVERBS})(?:地|着)?|[地着了又也就便还都再在正，,：:\s]", "", phrase)
        empty = not rest
    else:
        empty = not [w for w in words(phrase) if w.lower() not in EN_STOP and not voice_words(w)
                     and not w.lower().endswith("ly")]
    return Person("", "", pronoun="last") if empty else None


def note_subject(cast: Cast, body: str, reading_language: str) -> None:
    """Someone making a sound ('A detective knocks') may be 'he' or 'she' in the next sentence."""
    if reading_language == "zh":
        head = body[:8]
        hit = next(((w, i) for w, i in ZH_ROLE if w in head), None)
        person = role_person(hit[1], []) if hit else None
        if person is None and head[:1] in ("他", "她"):
            person = Person("", "", pronoun="he" if head[0] == "他" else "she")
            cast.bring_forward(cast.join(person))
            return
    else:
        first = body.split()
        person = None
        for n in (3, 2):
            person = _read_person_en(" ".join(first[:n]))
            if person:
                break
    if person and not person.pronoun and not person.plural and person.name_en not in ("Stranger", "Narrator"):
        cast.bring_forward(cast.join(person))
    if reading_language != "zh":
        # "teaches his granddaughter to fish": the granddaughter is someone "she" may be next
        for m in re.finditer(r"\b(?:his|her|their|my|our)\s+((?:little\s+|baby\s+|older\s+|younger\s+)?[a-z]+)\b", body):
            other = _read_person_en(m.group(1))
            if other and not other.pronoun and not other.plural and other.name_en not in ("Narrator",) and \
                    m.group(1).split()[-1] in EN_ROLE:
                cast.join(other)
