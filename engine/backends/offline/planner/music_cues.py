"""Music the instruction asks for ("sad piano at the end", "soft music throughout", "开头响起欢快的吉他音乐"):
where it goes (intro, ending, inline, or a bed under everything) and its caption and instruction.

Captions keep the instruction's own mood words ("eerie", "triumphant") when the plan is in the instruction's
language; the instruction the renderer reads is written in engine.instruct's words.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from engine import instruct
from engine.plan import MAX_CAPTION_CHARS

from .cast import read_person
from .draft import Clip, Draft
from .events import split_simultaneous
from .scenes import enter_scene
from .sound_words import ANIMALS, sound_hits
from .wording import as_sentence, pattern


class MusicWord(NamedTuple):
    en: str  # English regex
    name_en: str
    zh: str  # Chinese regex
    name_zh: str


class Mood(NamedTuple):
    key: str
    en: str
    zh: str
    tempo: str  # tempo when the instruction names none
    instrument: str  # instrument when the instruction names none (nor a genre)


_INSTRUMENTS = [
    MusicWord(r"music box", "music box", r"八音盒", "八音盒"), MusicWord(r"piano", "piano", r"钢琴", "钢琴"),
    MusicWord(r"violins?", "violin", r"小提琴", "小提琴"), MusicWord(r"cellos?", "cello", r"大提琴", "大提琴"),
    MusicWord(r"acoustic guitar|guitars?", "guitar", r"吉他", "吉他"),
    MusicWord(r"strings", "strings", r"(?<!管)弦乐", "弦乐"),
    MusicWord(r"orchestra\w*|symphon\w*", "orchestral", r"管弦|交响", "管弦乐"),
    MusicWord(r"flutes?", "flute", r"长笛|笛子|竹笛|(?<!汽)笛声", "笛子"), MusicWord(r"harps?", "harp", r"竖琴", "竖琴"),
    MusicWord(r"choir|chorus", "choir", r"合唱", "合唱"), MusicWord(r"organ", "organ", r"管风琴", "管风琴"),
    MusicWord(r"saxophone|sax", "saxophone", r"萨克斯", "萨克斯"), MusicWord(r"trumpets?", "trumpet", r"小号", "小号"),
    MusicWord(r"synth\w*", "synthesizer", r"合成器", "电子合成器"),
    MusicWord(r"accordion", "accordion", r"手风琴", "手风琴"), MusicWord(r"bagpipes?", "bagpipes", r"风笛", "风笛"),
    MusicWord(r"banjo", "banjo", r"班卓琴", "班卓琴"), MusicWord(r"ukulele", "ukulele", r"尤克里里", "尤克里里"),
    MusicWord(r"harmonica", "harmonica", r"口琴", "口琴"), MusicWord(r"erhu", "erhu", r"二胡", "二胡"),
    MusicWord(r"guzheng", "guzheng", r"古筝", "古筝"), MusicWord(r"pipa", "pipa", r"琵琶", "琵琶"),
    MusicWord(r"(?:upright|double|electric) bass|bass guitar|bass ?lines?", "bass", r"贝斯|低音提琴", "贝斯"),
    MusicWord(r"xun|ocarina", "xun", r"埙|陶笛", "埙"), MusicWord(r"square[- ]wave|chiptunes?|8-bit", "synth",
                                                               r"芯片音乐", "合成器"),
]
_MOODS = [
    Mood("sad", r"sad|melanchol\w*|sorrowful|mournful|somber|sombre|tragic|wistful|nostalgic", r"悲伤|忧伤|哀伤|伤感|凄凉|怀旧",
         "slow", "piano"),
    Mood("happy", r"happy|cheerful|joyful|upbeat|bright|playful|whimsical|lively|festive", r"欢快|快乐|愉快|明快|轻快|喜庆",
         "upbeat", "acoustic guitar"),
    Mood("calm", r"calm|peaceful|gentle|soft|serene|tender|soothing|relaxing|warm|dreamy|quiet",
         r"轻柔|柔和|平静|宁静|温柔|舒缓|安静", "slow", "piano and strings"),
    Mood("tense", r"tense|suspense\w*|ominous|dark|dramatic|menacing|urgent", r"紧张|悬疑|压抑|急促", "fast", "low strings"),
    Mood("epic", r"epic|heroic|triumphant|grand|majestic|victorious|rousing|stirring", r"激昂|雄壮|恢弘|史诗|壮阔|胜利",
         "fast", "orchestral"),
    Mood("eerie", r"eerie|spooky|creepy|mysterious|haunting|uncanny|ghostly", r"阴森|诡异|神秘|恐怖", "slow", "strings"),
    Mood("romantic", r"romantic|loving", r"浪漫|甜蜜", "slow", "piano and violin"),
]
_MOOD_BY_KEY = {m.key: m for m in _MOODS}
_MOOD_WORDS_ZH = {"sad": "悲伤", "happy": "欢快", "calm": "轻柔", "tense": "紧张", "epic": "激昂", "eerie": "阴森",
                  "romantic": "浪漫"}
_DEFAULT_INSTRUMENT_ZH = {"piano": "钢琴", "acoustic guitar": "吉他", "piano and strings": "钢琴和弦乐",
                          "low strings": "低音弦乐", "orchestral": "管弦乐", "strings": "弦乐",
                          "piano and violin": "钢琴和小提琴"}
_TEMPO_EN = [("slow", r"slow\w*|adagio|lento"), ("fast", r"fast|quick|rapid|driving|allegro"),
             ("upbeat", r"upbeat|lively|bouncy"), ("moderate", r"moderate|medium tempo")]
_TEMPO_ZH = [("slow", r"缓慢|慢"), ("fast", r"快速|急促"), ("upbeat", r"轻快|明快")]
_TEMPO_WORDS_ZH = {"slow": "缓慢", "fast": "快速", "upbeat": "轻快", "moderate": "中速"}
_GENRES = [
    MusicWord(r"jazz", "jazz", r"爵士", "爵士"), MusicWord(r"folk", "folk", r"民谣", "民谣"),
    MusicWord(r"classical", "classical", r"古典", "古典"), MusicWord(r"ambient", "ambient", r"氛围", "氛围"),
    MusicWord(r"rock", "rock", r"摇滚", "摇滚"), MusicWord(r"\bpop\b", "pop", r"流行", "流行"),
    MusicWord(r"blues", "blues", r"蓝调|布鲁斯", "蓝调"), MusicWord(r"lullab\w+", "lullaby", r"摇篮曲", "摇篮曲"),
    MusicWord(r"waltz", "waltz", r"圆舞曲", "圆舞曲"), MusicWord(r"march", "march", r"进行曲", "进行曲"),
    MusicWord(r"hymn", "hymn", r"圣歌|赞美诗", "圣歌"), MusicWord(r"electronic", "electronic", r"电子乐|电子音乐", "电子"),
]
_SOURCE = re.compile(r"(?:an? |the )?(?:old |scratchy |crackly |tinny |distant )?(?:vinyl(?: records?)?|record player|"
                     r"gramophone|phonograph|radio|jukebox|cassette(?: player)?|tape deck|loudspeaker)s?|黑胶唱片|唱片机|唱片|"
                     r"留声机|收音机|电台|点唱机|录音机|磁带|喇叭|音箱", re.I)
_FORM_GENRES = {"lullaby", "waltz", "march", "hymn"}  # a form follows its instrument ("piano lullaby", but "jazz piano")

# Instrument names engine.instruct knows that are music wherever they appear; bells, drums, horns and whistles
# are often sounds of the scene (church bells, war drums, a car horn), so they only count beside a music word.
_SOUNDS_TOO = {"bell", "bells", "chime", "chimes", "drum", "drums", "beat", "beats", "horn", "horns", "french horn",
               "whistle", "keys", "voices", "pad", "pads", "string", "percussion", "shaker", "recorder", "recorders",
               "organ", "钟声", "铃铛", "风铃", "铃声", "鼓", "鼓声", "鼓点", "笛", "筝", "八音盒", "钟琴", "编钟", "哨笛"}


def _instrument_words(language: str) -> str:
    words = set(instruct.field_words("music", "instruments", language))
    return "|".join(sorted((re.escape(w) for w in words if w.lower() not in _SOUNDS_TOO), key=len, reverse=True))


EN_MUSIC = re.compile(r"\b(?:music|musical|musician|melod(?:y|ies)|tunes?|songs?|soundtrack|score|lullab(?:y|ies)|"
                      r"hymns?|ballad|waltz|symphony|sings?|singing|sang|hums? a tune|jazz|blues|classical|techno|"
                      r"hip-hop|lo-fi|" + "|".join(i.en for i in _INSTRUMENTS) + "|" + _instrument_words("en") + r")\b",
                      re.I)
ZH_MUSIC = re.compile(r"音乐|乐曲|配乐|旋律|曲子|钢琴曲|歌曲|歌声|唱歌|唱着|唱起|一首歌|摇篮曲|交响|管弦|长调|呼麦|山歌|" +
                      "|".join(i.zh for i in _INSTRUMENTS) + "|" + _instrument_words("zh"))
_MUSIC_END = re.compile(r"\b(?:at the end|in the end|ending|ends?(?: the story| it| with)?|outro|closing|closes?|to close|"
                        r"finally|at last|credits|finale)\b|结尾|最后|结束|收尾|片尾|尾声", re.I)
_MUSIC_INTRO = re.compile(r"\b(?:intro|introduction|opening|opens?(?: with)?|begins? with|starts? with|at the (?:start|"
                          r"beginning)|first)\b|开头|开场|片头|序曲|一开始", re.I)
_MUSIC_BED = re.compile(r"\b(?:throughout|in the background|background|underneath|under everything|bed|all along|"
                        r"the whole time|accompan\w+|all the while)\b|背景|全程|贯穿|始终|伴随|一直", re.I)


_BPM_NUMBER = re.compile(r"\d+\s*(?:bpm|beats? (?:per|a) minute)|每分钟\s*\d+\s*拍|\d+\s*拍", re.I)


def asked_music(text: str) -> instruct.MusicAttributes:
    """What a music request asks for in engine.instruct's words (genre, instruments, BPM, key, mode, mood…), without
    the words it did not understand."""
    return instruct.parse_music(text).model_copy(update={"unknown": []})


def music_details_only(clause: str, language: str) -> bool:
    """A clause that only adds to a music request ("每分钟70拍", "D小调", "at 85 BPM", "in a minor key"): it names
    a tempo, key, mode or mood and nothing that sounds or speaks."""
    if (ZH_MUSIC if language == "zh" else EN_MUSIC).search(clause):
        return False  # a music request of its own
    asked = instruct.parse_music(clause)
    if not (asked.tempo_bpm or asked.key or asked.mode or asked.mood or asked.genre or asked.instruments):
        return False
    leftover = "".join(asked.unknown)
    return not sound_hits(clause, language) and len(re.sub(r"\W", "", leftover)) <= 2


def find_music(draft: Draft, body: str) -> tuple[str, str] | None:
    """(the music clause, sounds heard at the same time) when the clause asks for music, else None."""
    language = draft.reading_language
    main, tail = split_simultaneous(body, language)
    found = ZH_MUSIC.findall(main) if language == "zh" else EN_MUSIC.findall(main)
    if not found and _SOURCE.search(main) and re.search(r"\bplay(?:s|ing|ed)?\b|放着|播放|在放|放的|传出", main, re.I):
        found = [_SOURCE.search(main).group(0)]  # "a radio inside the cab was playing something Romanian and sad"
    if not found:
        # no music word, but a genre, a key or a number of beats per minute is a music request too
        asked = asked_music(main)
        played = asked.instruments and re.search(r"\bplay(?:s|ing|ed)?\b|strum\w*|弹|拉|吹|奏", main, re.I)
        if not (asked.genre or asked.key or _BPM_NUMBER.search(main) or played):  # "有人弹 ukulele" is music too
            return None
        found = [asked.genre or ""]
    singing_only = all(re.fullmatch(r"sings?|singing|sang|唱着|唱起|歌声", f, re.I) for f in found)
    if singing_only and any(k in ANIMALS for k, _ in sound_hits(main, language)):
        return None  # "birds sing" is birdsong
    return main, tail


def add_music(draft: Draft, clause: str, main: str) -> None:
    """Place the music `main` describes; `clause` (with its connectors) says where it goes."""
    caption, instruction = _describe(draft, main)
    draft.asked_music.append(asked_music(main))
    if _MUSIC_BED.search(clause):
        draft.music_beds.append((caption, instruction))
        return
    clip = Clip("music", -1, caption=caption, instruction=instruction, weight=3.0)
    target = draft.target_seconds
    if _MUSIC_END.search(clause):
        clip.min_s = clip.max_s = min(12.0, max(6.0, 0.12 * target))
        draft.ending.append(clip)
    elif _MUSIC_INTRO.search(clause):
        clip.min_s = clip.max_s = min(10.0, max(4.0, 0.08 * target))
        draft.intro.append(clip)
    else:
        scene_index, _ = enter_scene(draft, main)
        clip.scene = scene_index
        clip.min_s, clip.max_s = 4.0, 28.0
        draft.scenes[scene_index].clips.append(clip)


def _describe(draft: Draft, text: str) -> tuple[str, str]:
    """(caption, instruction): up to two moods, a tempo, up to three instruments or a genre, and the singer."""
    language = draft.reading_language
    zh_in = language == "zh"
    moods: list[tuple[str, str]] = []  # (mood key, the word as written)
    for mood in _MOODS:
        for m in pattern(mood.en, mood.zh, language).finditer(text):
            moods.append((mood.key, m.group(0).lower()))
    moods.sort(key=lambda t: text.lower().find(t[1]))
    seen, unique = set(), []
    for key, written in moods:
        if written not in seen:
            seen.add(written)
            unique.append((key, written))
    moods = unique[:2]
    found = []
    for word in _INSTRUMENTS:
        m = pattern(word.en, word.zh, language).search(text)
        if m:
            found.append((m.start(), word.name_en, word.name_zh))
    instruments = [(en, zh) for _, en, zh in sorted(found)][:3]
    genre = next(((g.name_en, g.name_zh) for g in _GENRES if pattern(g.en, g.zh, language).search(text)), None)
    asked = asked_music(text)
    named = _display_words("instruments")
    if asked.instruments and {named[i][0] for i in asked.instruments} != {en for en, _ in instruments}:
        instruments = [named[i] for i in asked.instruments][:3]  # "electric piano" is not a piano
    if asked.genre and genre is None:
        genre = _display_words("genre")[asked.genre]
    tempo = next((key for key, pat in (_TEMPO_ZH if zh_in else _TEMPO_EN) if pattern(pat, pat, language).search(text)),
                 None)
    mood = _MOOD_BY_KEY[moods[0][0]] if moods else None
    if tempo is None:
        tempo = mood.tempo if mood else "moderate"
    if not instruments and not genre:
        default = mood.instrument if mood else "piano"
        instruments = [(default, _DEFAULT_INSTRUMENT_ZH[default])]
    if genre and genre[0] == "lullaby" and not instruments:
        instruments = [("piano", "钢琴")]
    vocal = ""
    if re.search(r"\bsings?\b|singing|sang" if not zh_in else r"唱", text, re.I):
        singer = read_person(re.split(r"\bsings?\b|singing|sang|唱", text, maxsplit=1, flags=re.I)[0], language)
        gender = singer.gender if singer else None
        vocal = draft.say({"male": "male vocals", "female": "female vocals"}.get(gender, "vocals"),
                          {"male": "男声演唱", "female": "女声演唱"}.get(gender, "人声演唱"))
    if draft.language == "zh":
        mood_words = [written if zh_in else _MOOD_WORDS_ZH[key] for key, written in moods]
        tempo_zh = _TEMPO_WORDS_ZH.get(tempo, "中速")
        head = "、".join(mood_words + ([] if tempo_zh in mood_words else [tempo_zh]))
        body = "和".join(zh for _, zh in instruments) if instruments else ""
        if genre:
            if genre[0] in _FORM_GENRES:
                body = body + genre[1]
            else:
                body = (genre[1] + body) if body else genre[1] + "音乐"
        instruction = f"{head}的{body}" + (f"，{vocal}" if vocal else "")
        caption = f"一段{head}的{body}" + ("" if body.endswith(("乐", "曲")) else "曲") + "。"
    else:
        mood_words = [written if not zh_in else key for key, written in moods]
        tempo_word = [] if tempo in mood_words or (tempo == "moderate" and not mood_words) else [tempo]
        head = ", ".join(mood_words + tempo_word)
        body = " and ".join(en for en, _ in instruments)
        if genre:
            if genre[0] in _FORM_GENRES:
                body = f"{body} {genre[0]}".strip()
            else:
                body = f"{genre[0]} {body}".strip() if body else f"{genre[0]} music"
        instruction = (f"{head} {body}" if head else f"{body}, moderate tempo") + (f", {vocal}" if vocal else "")
        noun = "" if re.search(r"music|lullaby", body) else " piece"
        phrase = f"{head} {body}{noun}".strip()
        article = "" if phrase.endswith("music") else ("an " if phrase[0] in "aeiou" else "a ")
        caption = as_sentence(article + phrase, "en")
    # what was asked wins over the planner's defaults (an asked BPM, key or genre is the music's); written in
    # engine.instruct's words so the composer reads exactly these values back
    resolved = instruct.merge(instruct.parse_music(instruction).model_copy(update={"unknown": []}), asked)
    instruction = instruct.compose_music(resolved, draft.language)
    caption = _with_asked_details(caption, asked, draft.language)
    if language == draft.language and not (moods or asked.instruments or asked.genre or found):
        caption = as_sentence(text, language)  # "晨练的人打太极放的音乐": no instrument or mood named, the asked words say what
    source = _SOURCE.search(text)
    if source and language == draft.language and source.group(0) not in caption:
        # "an old vinyl record of a ragtime tune": where the music comes from is part of what is heard
        body, where = caption.rstrip("。."), source.group(0)
        if language != "zh":
            where = where[0].lower() + where[1:]
            where = where if re.match(r"(?:an?|the) ", where) else ("an " if where[0] in "aeiou" else "a ") + where
        caption = f"{body}，从{where}里传出。" if language == "zh" else f"{body}, from {where}."
    return caption[:MAX_CAPTION_CHARS], instruction[:MAX_CAPTION_CHARS]


@functools.cache
def _display_words(attribute: str) -> dict[str, tuple[str, str]]:
    """engine.instruct's value → (English, Chinese) display word, for one music attribute."""
    en = {v: w for w, v in instruct.choices("music", "en")[attribute]}
    zh = {v: w for w, v in instruct.choices("music", "zh")[attribute]}
    return {v: (en[v], zh.get(v, en[v])) for v in en}


def _with_asked_details(caption: str, asked: instruct.MusicAttributes, language: str) -> str:
    """The caption, plus the asked tempo, key and genre when it does not say them yet."""
    zh = language == "zh"
    details = []
    if asked.tempo_bpm and f"{asked.tempo_bpm:g}" not in caption:
        details.append(f"每分钟{asked.tempo_bpm:g}拍" if zh else f"{asked.tempo_bpm:g} BPM")
    if asked.key:
        mode = {"major": "大调", "minor": "小调"}.get(asked.mode or "", "调") if zh else f" {asked.mode or 'key'}"
        details.append(f"{asked.key}{mode}" if zh else f"in {asked.key}{mode}")
    if not details:
        return caption
    body = caption.rstrip("。.")
    return (body + "，" + "，".join(details) + "。") if zh else (body + ", " + ", ".join(details) + ".")
