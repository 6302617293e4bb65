"""The instruction vocabulary (InstructAudio interface): natural language ⇄ structured attributes, EN + ZH.

Shared by every backend, offline and neural. Attribute *types* live here; parse/compose below.
Units are chosen so backends can map them directly onto real controls:
- pace: speaking-rate multiplier (1.0 normal, 1.3 fast, 0.75 slow)
- pitch: semitone offset from the voice's natural pitch (+ higher)
- volume: dB offset (+6 loud/shouting, -6 soft)
- tempo_bpm: beats per minute; energy/intensity/brightness: 0..1

Public API: `parse_speech/parse_music/parse_sound(text)`, `parse(kind, text)`, `compose_speech/compose_music/
compose_sound(attrs, language)`, `compose(kind, attrs, language)`, `merge(base, override)`,
`vocabulary(kind, language)` (display words per field, for dropdowns), `choices(kind, language)` (the same as
(word, value) pairs), `instrument_family(name)`.

How parsing works, and the decisions behind it:
- The language is never asked for. Arabic-digit patterns (120 BPM, 1.2x, +2 semitones, D小调) are read first;
  then English vocabulary phrases (one precompiled regex, longest phrase first, hyphens and spaces alike);
  then every run of CJK characters is segmented against the Chinese vocabulary plus a list of function words.
  No Chinese segmenter is installed, so segmentation is a dynamic programme that leaves the fewest characters
  uncovered (then uses the fewest pieces); this beats a greedy longest-match on e.g. "很快乐" (很 + 快乐, not
  很快 + 乐). Mixed EN/ZH text works because both passes run over the whole text.
- Precedence per field: an explicit number beats a word ("slowly, at 0.8x speed" → 0.8), a word beats a
  word's implication ("a young boy": "young" beats the child age implied by "boy"). Between two words of the
  same rank the first one wins and the later, conflicting word goes to `unknown`, so nothing is dropped
  silently ("a sad, tired man" → emotion sad, unknown ["tired"]).
- Negation is cheap and local: a vocabulary word right after not/no/never/without/don't… (optionally with
  too/very/so…) or 不/不要/别/没有/无… (optionally with 太/很…) is not applied; the whole phrase ("not too
  fast", "不要太快") goes to `unknown` so the user sees it was not acted on. Words that contain a negation
  themselves are vocabulary ("no vocals", "不远处", "不安").
- `unknown` holds what was not understood: English content tokens that are neither vocabulary nor stop
  words, leftover Chinese spans (function words trimmed), negated phrases, numbers out of range, and the
  conflicting words above. For sound, the first leftover phrase is the `source` instead ("heavy rain on a
  tin roof, far away" → source "rain on a tin roof").
- Style and volume stay separate: "whispering" sets style only, never volume, because speech backends
  already give each style its own loudness (offline: whisper -12 dB, shouting +8 dB) and an implied volume
  would count twice. To keep them consistent, `merge` drops the base's volume when the override sets a
  loud/quiet style (whisper, shouting) without a volume of its own: a character's "loudly" must not turn the
  line's whisper into a loud whisper.
- Known limits: single-character Chinese words (老, 快, 慢, 大, 远) can match inside unrelated words (老师);
  Chinese numerals (一百二十) are not read, only Arabic digits; a key's tonic may be lower case ("in d minor")
  except "a", which stays the article of "a minor key", while a capital "A minor…" at the start of a sentence
  reads as the key of A; compose writes out-of-vocabulary free text (an accent or environment the tables do
  not know) verbatim, and parse then reports it as unknown.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, Field

Gender = Literal["male", "female"]
Age = Literal["child", "young", "adult", "elderly"]
Mode = Literal["major", "minor"]
Distance = Literal["close", "near", "medium", "far", "distant"]
Vocals = Literal["male", "female", "none"]


class _Attrs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unknown: list[str] = Field(default_factory=list, description="words not understood, kept and reported")

    def controls(self) -> dict:
        """The attributes that are set, without `unknown` — what reaches a backend."""
        return self.model_dump(exclude_none=True, exclude={"unknown"}, exclude_defaults=False)


class SpeechAttributes(_Attrs):
    gender: Gender | None = None
    age: Age | None = None
    emotion: str | None = None  # neutral, happy, sad, angry, fearful, surprised, calm, excited, tender…
    style: str | None = None  # narration, whisper, shouting, news, storytelling, conversational…
    accent: str | None = None  # american, british, …  (free text)
    pace: float | None = None
    pitch: float | None = None
    volume: float | None = None


class MusicAttributes(_Attrs):
    genre: str | None = None
    instruments: list[str] = Field(default_factory=list)
    tempo_bpm: float | None = None
    mood: str | None = None
    key: str | None = None  # tonic, e.g. "A", "F#"
    mode: Mode | None = None
    energy: float | None = None
    brightness: float | None = None  # 0 dark/warm … 1 bright
    # The singer (InstructAudio conditions music on singer gender); "none" = instrumental.
    vocals: Vocals | None = None


class SoundAttributes(_Attrs):
    source: str | None = None
    intensity: float | None = None
    distance: Distance | None = None
    environment: str | None = None  # indoor, outdoor, cave, hall, street…


KINDS = ("speech", "music", "sound")
LANGUAGES = ("en", "zh")
_MODELS: dict[str, type[_Attrs]] = {"speech": SpeechAttributes, "music": MusicAttributes, "sound": SoundAttributes}

# ============================================================================================================
# Vocabulary tables. Per value: English words, Chinese words (first = the display word for dropdowns) and,
# where a bare word would read badly in a sentence, the phrase compose writes. Every phrase compose writes
# must parse back to the same value; tests/test_instruct.py checks that for every value.
# ============================================================================================================


@dataclass(frozen=True)
class _Value:
    value: Any
    en: tuple[str, ...]
    zh: tuple[str, ...]
    say_en: str
    say_zh: str


def _v(value: Any, en: str, zh: str, say_en: str = "", say_zh: str = "") -> _Value:
    en_words = tuple(w.strip() for w in en.split("|") if w.strip())
    zh_words = tuple(w.strip() for w in zh.split("|") if w.strip())
    return _Value(value, en_words, zh_words, say_en or en_words[0], say_zh or zh_words[0])


@dataclass(frozen=True)
class _Compound:
    """A word that sets one field and implies another ("boy": male, and a child unless an age is given)."""

    en: tuple[str, ...]
    zh: tuple[str, ...]
    fields: dict
    implied: dict


def _c(en: str, zh: str, fields: dict, implied: dict) -> _Compound:
    return _Compound(tuple(w for w in en.split("|") if w), tuple(w for w in zh.split("|") if w), fields, implied)


_SPEECH: dict[str, tuple[_Value, ...]] = {
    "gender": (
        _v("male", "man|male|men|males|gentleman|gentlemen|guy|masculine|father|dad|husband|son",
           "男性|男|男人|男声|男士|男子|先生|父亲|爸爸|丈夫|儿子"),
        _v("female", "woman|female|women|females|lady|ladies|feminine|mother|mom|mum|wife|daughter",
           "女性|女|女人|女声|女士|女子|母亲|妈妈|妻子|太太|女儿"),
    ),
    "age": (
        _v("child", "child|children|kid|kids|little|toddler|childlike|childish|young child|small child",
           "孩子|小孩|儿童|孩童|童声|幼儿|小朋友|小孩子"),
        _v("young", "young|youthful|teenage|teenaged|teenager|teen|teens|younger|adolescent|young adult",
           "年轻|青年|青春|年少"),
        _v("adult", "adult|middle-aged|middle aged|mature|grown-up|in middle age", "中年|成年|成熟"),
        _v("elderly", "elderly|old|aged|senior|older|ancient|aging|ageing|elder|grey-haired|gray-haired|white-haired",
           "年迈|老年|年老|苍老|老迈|老人|老人家|上了年纪|老|年长|白发"),
    ),
    "emotion": (
        _v("neutral", "neutral|neutrally|in a neutral tone|flat|flatly|monotone|emotionless|matter-of-fact|"
           "matter-of-factly|unemotional", "平淡|中性|不带感情|毫无感情|没有感情|面无表情",
           say_en="in a neutral tone", say_zh="平淡地"),
        _v("happy", "happy|happily|cheerful|cheerfully|joyful|joyfully|glad|gladly|delighted|merry|merrily|"
           "jolly|upbeat|joyous|laughing|laughs|smiling|smiles|smile|smiled|gleeful|gleefully",
           "开心|高兴|快乐|欢快|愉快|喜悦|兴高采烈|欢喜|笑着", say_en="happily", say_zh="开心地"),
        _v("sad", "sad|sadly|sorrowful|sorrowfully|sorrow|melancholy|melancholic|mournful|mournfully|gloomy|"
           "gloomily|unhappy|depressed|grieving|tearful|tearfully|heartbroken|sadness|crying|sobbing|grief",
           "悲伤|难过|伤心|忧伤|哀伤|悲痛|沮丧|伤感|哭着|哽咽", say_en="sadly", say_zh="悲伤地"),
        _v("angry", "angry|angrily|furious|furiously|annoyed|irritated|irritably|mad|enraged|irate|"
           "indignant|indignantly|in anger|grumpy", "生气|愤怒|恼怒|气愤|暴躁|发火|恼火", say_en="angrily", say_zh="生气地"),
        _v("fearful", "fearful|fearfully|afraid|scared|frightened|terrified|nervous|nervously|anxious|"
           "anxiously|in fear|fear|worried|worriedly|trembling|tremble|trembles|trembled|shaky|shakily",
           "害怕|恐惧|惊恐|胆怯|紧张|担心|着急|焦虑|颤抖|哆嗦",
           say_en="fearfully", say_zh="害怕地"),
        _v("surprised", "surprised|in surprise|astonished|amazed|shocked|in disbelief|surprisedly",
           "惊讶|吃惊|惊奇|震惊|诧异", say_en="in surprise", say_zh="惊讶地"),
        _v("calm", "calm|calmly|peaceful|peacefully|relaxed|serene|serenely|composed|soothing|placid|"
           "tranquil|unruffled|wise", "平静|冷静|镇定|沉着|淡定|从容|心平气和|沉稳", say_en="calmly", say_zh="平静地"),
        _v("excited", "excited|excitedly|enthusiastic|enthusiastically|eager|eagerly|thrilled|energetic|"
           "energetically|animated|lively|excitement", "兴奋|激动|热情|亢奋|雀跃", say_en="excitedly", say_zh="兴奋地"),
        _v("tender", "tender|tenderly|gentle|gently|warm|warmly|loving|lovingly|affectionate|affectionately|"
           "kind|kindly|soft-spoken|caring|sweetly", "温柔|柔和|亲切|深情|温暖|慈祥|和蔼",
           say_en="tenderly", say_zh="温柔地"),
        _v("tired", "tired|wearily|weary|exhausted|sleepy|sleepily|drowsy|fatigued|tiredly|bored",
           "疲惫|疲倦|困倦|累|有气无力|无精打采", say_en="wearily", say_zh="疲惫地"),
        _v("disgusted", "disgusted|in disgust|disgust|disgustedly|contemptuous|contemptuously|scornful|"
           "scornfully", "厌恶|嫌弃|恶心|鄙视", say_en="in disgust", say_zh="厌恶地"),
        _v("serious", "serious|seriously|solemn|solemnly|grave|gravely|stern|sternly|formal|formally",
           "严肃|认真|郑重|庄重", say_en="seriously", say_zh="严肃地"),
        _v("mysterious", "mysterious|mysteriously|secretive|secretively|eerie|eerily|cryptic|cryptically",
           "神秘|诡秘|故弄玄虚", say_en="mysteriously", say_zh="神秘地"),
    ),
    "style": (
        _v("narration", "narration|narrating|narrator|narrative|narrated|voice-over|voiceover|narrates",
           "旁白|叙述|讲述|解说|画外音", say_en="narrating", say_zh="用旁白的语气"),
        _v("whisper", "whisper|whispering|whispered|whispers|whispery|hushed|in a whisper",
           "低声|耳语|悄悄|悄声|轻声细语|窃窃私语|低语|悄悄话", say_en="whispering"),
        _v("shouting", "shouting|shout|shouts|shouted|yelling|yell|yells|yelled|screaming|scream|screams|"
           "hollering", "大喊|喊叫|呐喊|高喊|吼叫|怒吼|大叫|尖叫|呼喊|喊", say_zh="大喊着"),
        _v("news", "news|newscaster|news anchor|newsreader|news reader|reading the news|news broadcast|"
           "newscast", "新闻播报|播报新闻|新闻联播|播报|新闻", say_en="reading the news", say_zh="像新闻播报一样"),
        _v("storytelling", "storytelling|story telling|storyteller|telling a story|tells a story|tell a story|"
           "telling stories|bedtime story", "讲故事|说书|故事", say_en="telling a story", say_zh="像讲故事一样"),
        _v("conversational", "conversational|conversationally|casual|casually|chatting|chatty|chat|"
           "conversation|informal|informally|everyday", "聊天|对话|日常对话|随意|闲聊|口语化|随性",
           say_en="chatting", say_zh="像聊天一样"),
        _v("announcer", "announcer|announcing|announcement|broadcaster|broadcasting|presenter|commentator|"
           "radio host", "播音员|播音|主持人|广播|主持|解说员", say_en="announcing", say_zh="像播音员一样"),
        _v("recitation", "recitation|reciting|recite|recites|declaiming|poetry reading|reciting poetry",
           "朗诵|朗读|吟诵|诗朗诵", say_en="reciting", say_zh="像朗诵一样"),
        _v("dramatic", "dramatic|dramatically|theatrical|theatrically|melodramatic", "戏剧化|戏剧性|夸张|戏剧",
           say_en="dramatically", say_zh="戏剧化地"),
    ),
    "accent": (
        _v("american", "american|general american", "美式|美国|美音"),
        _v("british", "british|received pronunciation|cockney|londoner", "英式|英国|英音|伦敦"),
        _v("australian", "australian|aussie", "澳洲|澳大利亚|澳式"),
        _v("indian", "indian", "印度"),
        _v("scottish", "scottish|scots", "苏格兰"),
        _v("irish", "irish", "爱尔兰"),
        _v("canadian", "canadian", "加拿大"),
        _v("southern", "southern|texan|southern american", "美国南方|南方"),
        _v("french", "french", "法国|法式"),
        _v("german", "german", "德国|德式"),
        _v("spanish", "spanish", "西班牙"),
        _v("italian", "italian", "意大利"),
        _v("russian", "russian", "俄罗斯|俄式"),
        _v("japanese", "japanese", "日本|日式"),
        _v("korean", "korean", "韩国|韩式"),
        _v("chinese", "chinese", "中国"),
        _v("mandarin", "mandarin|mandarin chinese", "普通话|标准普通话"),
        _v("cantonese", "cantonese", "粤语|广东话|港式"),
    ),
    "pace": (
        _v(0.6, "very slowly|very slow|extremely slowly|extremely slow|very slow pace", "非常慢|很慢|极慢|特别慢",
           say_zh="非常慢地"),
        _v(0.75, "slowly|slow|slow-paced|leisurely|unhurried|slow pace|unhurriedly",
           "慢慢|缓慢|慢速|缓缓|慢吞吞|慢悠悠|慢"),
        _v(0.9, "slightly slower|a bit slower|a little slower|somewhat slower|slower|slightly slowly",
           "稍慢|略慢|较慢|慢一点|慢一些|稍微慢", say_zh="稍慢地"),
        _v(1.0, "normal pace|normal speed|normal rate|natural pace|moderate pace|average pace|regular pace|"
           "steady pace", "正常语速|语速正常|正常速度|中等语速|语速适中", say_en="at a normal pace", say_zh="以正常语速"),
        _v(1.15, "slightly faster|a bit faster|a little faster|somewhat faster|faster|briskly|brisk",
           "稍快|略快|较快|快一点|快一些|稍微快", say_zh="稍快地"),
        _v(1.3, "quickly|fast|quick|rapidly|rapid|hurriedly|hurried|fast-paced|swiftly|fast pace",
           "快速|飞快|急促|快|语速快|迅速|匆忙|急忙", say_zh="快速地"),
        _v(1.5, "very quickly|very fast|very rapidly|extremely fast|extremely quickly|very quick",
           "非常快|很快|极快|特别快|飞速", say_zh="非常快地"),
    ),
    "pitch": (
        _v(-7.0, "very deep voice|very deep|very low voice|very low-pitched|very low pitch",
           "非常低沉|极其低沉|很低沉|声音非常低沉", say_en="in a very deep voice", say_zh="声音非常低沉"),
        _v(-4.0, "deep voice|deep|low voice|low-pitched|low pitch|deep-voiced|bass voice|deep-toned",
           "低沉|浑厚|深沉|声音低沉|嗓音低沉", say_en="in a deep voice", say_zh="声音低沉"),
        _v(-2.0, "slightly lower pitch|slightly deeper|a bit deeper|a little deeper|slightly lower-pitched|"
           "deeper|lower pitch", "音调稍低|稍低沉|略低沉|音调略低", say_en="with a slightly lower pitch"),
        _v(0.0, "normal pitch|natural pitch|neutral pitch|usual pitch", "正常音调|音调正常|自然音调",
           say_en="at a normal pitch"),
        _v(2.0, "slightly higher pitch|slightly higher|a bit higher|a little higher|slightly higher-pitched|"
           "higher pitch|higher-pitched", "音调稍高|音调略高|稍高", say_en="with a slightly higher pitch"),
        _v(4.0, "high-pitched|high voice|high pitch|squeaky|shrill|piping",
           "尖细|高音调|音调高|尖锐|高亢|声音尖细|尖声", say_en="in a high-pitched voice", say_zh="声音尖细"),
        _v(7.0, "very high-pitched|very high voice|very high pitch|very squeaky",
           "非常尖细|极其尖细|很尖细|音调很高|声音非常尖细", say_en="in a very high-pitched voice", say_zh="声音非常尖细"),
    ),
    "volume": (
        _v(-12.0, "very quietly|very softly|very quiet|very soft|barely audible|almost inaudible",
           "非常小声|很小声|极小声|非常轻声"),
        _v(-6.0, "quietly|softly|quiet|soft|low volume|softer|quieter", "小声|轻声|轻轻|低音量|音量小|声音小"),
        _v(0.0, "normal volume|moderate volume|normal loudness|usual volume", "正常音量|音量正常|适中音量",
           say_en="at normal volume"),
        _v(6.0, "loudly|loud|loud voice|louder|high volume|forcefully", "大声|高声|响亮|音量大|声音大|洪亮"),
        _v(12.0, "very loudly|very loud|extremely loud|booming|thunderous", "非常大声|很大声|极大声|声如洪钟"),
    ),
}

_SPEECH_COMPOUNDS = (
    _c("boy|boys|schoolboy|little boy", "男孩|小男孩|男孩子|男童", {"gender": "male"}, {"age": "child"}),
    _c("girl|girls|schoolgirl|little girl", "女孩|小女孩|女孩子|女童", {"gender": "female"}, {"age": "child"}),
    _c("lad|young fellow", "小伙子|小伙|男青年", {"gender": "male"}, {"age": "young"}),
    _c("lass|maiden", "姑娘|女青年", {"gender": "female"}, {"age": "young"}),
    _c("", "少年", {"age": "young"}, {"gender": "male"}),
    _c("", "少女", {"age": "young"}, {"gender": "female"}),
    _c("uncle", "大叔|叔叔", {"gender": "male"}, {"age": "adult"}),
    _c("aunt|auntie", "阿姨|大妈|大婶", {"gender": "female"}, {"age": "adult"}),
    _c("grandfather|grandpa|granddad|grandad|old-timer",
       "爷爷|老爷爷|老头|老头儿|老大爷|大爷|老爷子|外公|祖父|老先生|老汉", {"gender": "male"}, {"age": "elderly"}),
    _c("grandmother|grandma|granny|grandmom|crone",
       "奶奶|老奶奶|老太太|老妇人|老婆婆|婆婆|外婆|祖母|姥姥|老大娘|大娘", {"gender": "female"}, {"age": "elderly"}),
)

_TONICS = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B")

_MUSIC: dict[str, tuple[_Value, ...]] = {
    "genre": (
        _v("ambient", "ambient|atmospheric|ambient music|drone|new age|new-age", "氛围音乐|环境音乐|氛围乐|环境乐"),
        _v("cinematic", "cinematic|orchestral|film score|movie score|soundtrack|symphonic|trailer music|film|"
           "film music", "电影配乐|管弦乐|交响乐|影视配乐|电影感|电影音乐|电影"),
        _v("folk", "folk|acoustic folk|folksy|folk song|acoustic", "民谣|民歌"),
        _v("jazz", "jazz|jazzy|swing|bebop|smooth jazz", "爵士乐|爵士|摇摆乐"),
        _v("rock", "rock|rock and roll|indie rock|hard rock|soft rock|punk", "摇滚乐|摇滚|朋克"),
        _v("pop", "pop|pop song|mainstream pop", "流行音乐|流行乐|流行歌曲|流行"),
        _v("electronic", "electronic|edm|techno|electro|house music|trance|synthwave|electronica|dance music|house|"
           "dance", "电子音乐|电子乐|电音|电子"),
        _v("lo-fi", "lo-fi|lofi|chillhop|lo-fi hip hop|lo-fi hip-hop", "低保真|低保真音乐"),
        _v("classical", "classical|baroque|chamber music|neoclassical|chamber", "古典音乐|古典乐|古典|室内乐|巴洛克"),
        _v("blues", "blues|bluesy|delta blues", "布鲁斯|蓝调"),
        _v("hip-hop", "hip-hop|hip hop|hiphop|rap|trap|boom bap", "嘻哈|说唱|饶舌"),
        _v("country", "country|country music|bluegrass|americana", "乡村音乐|乡村"),
        _v("metal", "metal|heavy metal|death metal", "金属乐|重金属|金属"),
        _v("traditional chinese", "traditional chinese|chinese traditional|guofeng|chinese folk|chinese style|"
           "chinese|chinese music", "国风|中国风|古风|民族音乐|民乐", say_en="traditional Chinese"),
        _v("ballad", "ballad|power ballad", "抒情歌|抒情歌曲|情歌"),
        _v("funk", "funk|funky", "放克|芬克"),
        _v("reggae", "reggae|ska|dub", "雷鬼"),
        _v("r&b", "r&b|rnb|rhythm and blues|soul|neo-soul", "节奏布鲁斯|灵魂乐"),
        _v("latin", "latin|bossa nova|salsa|tango", "拉丁|探戈|波萨诺瓦"),
        _v("waltz", "waltz|waltzes|viennese waltz", "圆舞曲|华尔兹"),
        _v("march", "march|marches|marching band|military march", "进行曲"),
    ),
    "instruments": (
        _v("piano", "piano|pianos|grand piano|upright piano|pianoforte|keyboard|solo piano", "钢琴"),
        _v("electric piano", "electric piano|rhodes|wurlitzer|e-piano|epiano|keys", "电钢琴"),
        _v("guitar", "guitar|guitars|acoustic guitar|classical guitar|nylon guitar|fingerpicked guitar",
           "吉他|木吉他|民谣吉他|古典吉他"),
        _v("electric guitar", "electric guitar|electric guitars|distorted guitar", "电吉他"),
        _v("bass", "bass|bass guitar|bassline|bass line|double bass|upright bass|contrabass|sub bass|synth bass|"
           "electric bass", "贝斯|低音贝斯|低音提琴|贝司"),
        _v("strings", "strings|string section|string ensemble|string orchestra|string quartet|string|orchestra",
           "弦乐|弦乐组|弦乐团|弦乐四重奏"),
        _v("violin", "violin|violins|fiddle|solo violin", "小提琴"),
        _v("viola", "viola|violas", "中提琴"),
        _v("cello", "cello|cellos|violoncello", "大提琴"),
        _v("harp", "harp|harps", "竖琴"),
        _v("synth", "synth|synths|synthesizer|synthesiser|synthesizers|analog synth|arpeggiator|synth lead|lead synth",
           "合成器|电子合成器"),
        _v("pad", "pad|pads|synth pad|synth pads|ambient pad", "铺底|合成器铺底|垫音|音垫", say_en="synth pad"),
        _v("flute", "flute|flutes|alto flute", "长笛"),
        _v("dizi", "dizi|bamboo flute|chinese flute", "笛子|竹笛|笛"),
        _v("bells", "bells|bell|chimes|chime|glockenspiel|celesta|music box|tubular bells",
           "钟声|铃铛|钟琴|风铃|八音盒|铃声|编钟"),
        _v("organ", "organ|pipe organ|hammond|church organ|hammond organ|harmonium|reed organ",
           "管风琴|风琴|电风琴|簧风琴"),
        _v("drums", "drums|drum|drum kit|drumkit|drum machine|drumbeat|kick drum|snare|beat|beats",
           "鼓|架子鼓|鼓点|爵士鼓|鼓声"),
        _v("percussion", "percussion|percussive|hand percussion|shaker|tambourine|taiko", "打击乐|打击乐器|太鼓"),
        _v("choir", "choir|chorus|choral|vocal ensemble|voices", "合唱|合唱团|唱诗班"),
        _v("trumpet", "trumpet|trumpets", "小号"),
        _v("brass", "brass|brass section|brass ensemble", "铜管|铜管乐|铜管乐器"),
        _v("horn", "french horn|horn|horns", "圆号"),
        _v("saxophone", "saxophone|sax|saxophones|tenor sax|alto sax", "萨克斯|萨克斯风|萨克斯管"),
        _v("clarinet", "clarinet", "单簧管"),
        _v("oboe", "oboe", "双簧管"),
        _v("marimba", "marimba|xylophone|vibraphone", "马林巴|木琴|颤音琴"),
        _v("ukulele", "ukulele|uke", "尤克里里"),
        _v("accordion", "accordion", "手风琴"),
        _v("guzheng", "guzheng|chinese zither|zither", "古筝|筝"),
        _v("guqin", "guqin", "古琴"),
        _v("erhu", "erhu|chinese fiddle", "二胡|胡琴"),
        _v("pipa", "pipa|chinese lute", "琵琶"),
        _v("xiao", "xiao|chinese vertical flute", "箫|洞箫"),
        _v("koto", "koto|japanese zither", "日本筝|十三弦筝"),
        _v("banjo", "banjo|banjos", "班卓琴"),
        _v("mandolin", "mandolin|mandolins", "曼陀林"),
        _v("lute", "lute|lutes", "鲁特琴"),
        _v("recorder", "recorder|recorders", "竖笛"),
        _v("pan flute", "pan flute|panpipes|pan pipes|panpipe", "排箫|排笛"),
        _v("whistle", "whistle|tin whistle|penny whistle", "哨笛|锡笛"),
        _v("trombone", "trombone|trombones", "长号"),
        _v("tuba", "tuba|tubas", "大号"),
        _v("timpani", "timpani|kettle drums|kettledrums", "定音鼓"),
    ),
    "tempo_bpm": (
        _v(50.0, "largo", "广板"),
        _v(60.0, "very slow|very slowly|extremely slow", "非常慢|极慢|很慢|特别慢", say_en="very slow tempo"),
        _v(66.0, "adagio", "柔板"),
        _v(70.0, "slow|slowly|slow-paced|unhurried|leisurely", "缓慢|慢速|慢节奏|慢|徐缓", say_en="slow tempo"),
        _v(84.0, "andante|walking pace", "行板"),
        _v(96.0, "moderate tempo|moderate|mid-tempo|medium tempo|moderately paced|medium-paced",
           "中速|中等速度|中等节奏"),
        _v(104.0, "moderato", "中板"),
        _v(116.0, "upbeat|bouncy|brisk|up-tempo|uptempo", "轻快|跳跃", say_en="upbeat tempo"),
        _v(128.0, "allegro", "快板"),
        _v(132.0, "fast|fast-paced|quick|rapid|quickly|speedy", "快速|快节奏|快|急速", say_en="fast tempo"),
        _v(140.0, "vivace", "活板"),
        _v(150.0, "very fast|very quick|frantic|breakneck|extremely fast", "非常快|极快|很快|飞快|特别快",
           say_en="very fast tempo"),
        _v(176.0, "presto", "急板"),
    ),
    "mood": (
        _v("sad", "sad|melancholic|melancholy|sorrowful|mournful|somber|sombre|heartbreaking|tragic|gloomy|sadness|"
           "grief|lonely|loneliness",
           "悲伤|忧伤|伤感|哀伤|悲凉|凄凉|难过|悲痛|悲情"),
        _v("happy", "happy|joyful|cheerful|joyous|jubilant|festive|celebratory|merry|feel-good|sunny|excited",
           "欢快|快乐|开心|愉快|喜悦|欢乐|喜庆|欢腾"),
        _v("tense", "tense|suspenseful|suspense|anxious|tension|thriller|nervous|urgent|fearful",
           "紧张|悬疑|不安|焦虑|紧迫|急迫|扣人心弦"),
        _v("calm", "calm|peaceful|serene|relaxing|relaxed|tranquil|soothing|chill|chilled|meditative|restful",
           "宁静|平静|安静|舒缓|放松|祥和|恬静|安详|悠闲|轻松"),
        _v("epic", "epic|heroic|grand|majestic|triumphant|anthemic", "宏大|史诗|壮丽|雄壮|磅礴|激昂|英雄|恢弘"),
        _v("mysterious", "mysterious|mystical|enigmatic|mystery|eerie|otherworldly|magical",
           "神秘|奇幻|诡秘|魔幻|诡异"),
        _v("romantic", "romantic|loving|love|tender|sensual|intimate", "浪漫|深情|温情|甜蜜|柔情"),
        _v("playful", "playful|whimsical|quirky|fun|silly|cheeky", "俏皮|活泼|诙谐|顽皮|调皮|可爱|轻松愉快"),
        _v("nostalgic", "nostalgic|wistful|sentimental|bittersweet|retro|reminiscent|longing",
           "怀旧|思念|怀念|追忆|回忆|惆怅"),
        _v("dark", "dark|ominous|sinister|brooding|menacing|grim|scary|horror", "黑暗|阴暗|阴郁|压抑|阴森|恐怖|暗黑"),
        _v("hopeful", "hopeful|uplifting|optimistic|inspiring|inspirational|encouraging|hope",
           "充满希望|希望|励志|振奋|鼓舞人心|温暖人心"),
        _v("dreamy", "dreamy|ethereal|dreamlike|floating|hazy", "梦幻|空灵|迷幻|朦胧"),
        _v("angry", "angry|furious|rage|raging|wrathful", "愤怒|暴怒|狂怒"),
    ),
    "mode": (
        _v("major", "major|major key|in a major key", "大调", say_en="in a major key"),
        _v("minor", "minor|minor key|in a minor key", "小调", say_en="in a minor key"),
    ),
    "energy": (
        _v(0.2, "low energy|low-energy|subdued|laid-back|laid back|minimal|sparse", "低能量|能量低|克制|内敛|低调"),
        _v(0.3, "gentle|soft|gently|delicate|quiet|softly", "轻柔|柔美|温柔|轻缓|细腻"),
        _v(0.5, "medium energy|moderate energy|mid energy|balanced", "中等能量|能量适中|适中"),
        _v(0.8, "high energy|high-energy|energetic|powerful|lively", "高能量|能量高|充满活力|活力|有力|动感|充沛"),
        _v(0.9, "intense|aggressive|explosive|fierce|driving|hard-hitting", "激烈|强烈|猛烈|狂野|爆发|震撼"),
    ),
    "brightness": (
        _v(0.15, "dark tone|dark timbre|dark sound|dark-sounding|murky|muffled", "暗淡|灰暗|音色暗|晦暗|暗色调|低沉",
           say_zh="音色暗淡"),
        _v(0.3, "mellow|mellowed|soft-toned|smooth", "柔和|醇厚|圆润|醇美", say_zh="音色柔和"),
        _v(0.4, "warm|warmth|warm tone|warm-sounding", "温暖|暖色调|温润", say_zh="音色温暖"),
        _v(0.8, "bright|brightly|crisp|airy|clear", "明亮|清亮|清脆|明快|清澈", say_zh="音色明亮"),
        _v(0.95, "very bright|brilliant|sparkling|shimmering|glittering", "非常明亮|闪亮|晶莹|璀璨|闪耀|耀眼",
           say_zh="音色非常明亮"),
    ),
    "vocals": (
        _v("male", "male vocals|male vocal|male vocalist|male singer|male voice|sung by a man|baritone|tenor",
           "男声|男歌手|男声演唱|男中音|男高音", say_en="with male vocals", say_zh="男声演唱"),
        _v("female", "female vocals|female vocal|female vocalist|female singer|female voice|sung by a woman|"
           "soprano|alto", "女声|女歌手|女声演唱|女高音|女中音", say_en="with female vocals", say_zh="女声演唱"),
        _v("none", "instrumental|no vocals|without vocals|no singing|instrumental only|purely instrumental",
           "纯音乐|无人声|器乐|纯器乐|没有人声|不带人声|不要人声|不需要人声|无需人声"),
    ),
}

_SOUND: dict[str, tuple[_Value, ...]] = {
    "intensity": (
        _v(0.15, "very light|very faint|very soft|barely audible|very gentle|very quiet", "非常轻微|极轻|很轻|隐约"),
        _v(0.3, "light|gentle|soft|faint|quiet|gently|softly|lightly|mild", "轻微|轻轻|轻柔|微弱|细微|柔和"),
        _v(0.5, "moderate|steady|medium intensity|moderate intensity", "中等强度|中等|适中"),
        _v(0.85, "heavy|loud|violent|strong|intense|powerful|fierce|pounding|heavily|loudly",
           "猛烈|剧烈|强烈|大|巨大|响亮|狂暴"),
        _v(1.0, "very heavy|very loud|deafening|torrential|extremely loud|very strong|very violent",
           "震耳欲聋|极其猛烈|非常猛烈|倾盆|非常大|很大"),
    ),
    "distance": (
        _v("close", "close|close up|close-up|up close|right next to|very close|right beside", "近距离|贴近|耳边|特写",
           say_en="close up", say_zh="耳边"),
        _v("near", "nearby|near|close by|near by", "近处|附近|不远处|旁边"),
        _v("medium", "medium distance|mid-distance|middle distance|at a medium distance|moderately far",
           "中等距离|中距离", say_en="at a medium distance"),
        _v("far", "far away|far|far off|in the distance|faraway|afar|from afar|far-off", "远处|远方|远"),
        _v("distant", "distant|in the far distance|very far away|very far|remote|distantly", "遥远|很远|极远|远远|非常远",
           say_en="in the far distance", say_zh="很远的地方"),
    ),
    "environment": (
        _v("indoor", "indoors|indoor|inside|in a room|room|interior", "室内|屋里|屋内|房间", say_zh="在室内"),
        _v("outdoor", "outdoors|outdoor|outside|open air|open-air|in the open", "室外|户外|野外", say_zh="在室外"),
        _v("cave", "cave|cavern|caves|grotto", "山洞|洞穴|岩洞|洞里", say_en="in a cave", say_zh="在山洞里"),
        _v("hall", "hall|concert hall|auditorium|large hall|big hall", "大厅|礼堂|音乐厅",
           say_en="in a hall", say_zh="在大厅里"),
        _v("street", "street|streets|city street|sidewalk|alley|on the road", "街道|街头|大街|马路|街上",
           say_en="on a street", say_zh="在街道上"),
        _v("forest", "forest|woods|woodland|jungle|in the woods", "森林|树林|丛林|林中",
           say_en="in a forest", say_zh="在森林里"),
        _v("city", "city|urban|downtown", "城市|市区|都市", say_en="in a city", say_zh="在城市里"),
        _v("beach", "beach|shore|seaside|coast|seashore", "海边|海滩|沙滩|海岸", say_en="on a beach", say_zh="在海边"),
        _v("underwater", "underwater|under water|under the sea", "水下|水底|海底", say_zh="在水下"),
        _v("church", "church|cathedral|chapel", "教堂", say_en="in a church", say_zh="在教堂里"),
        _v("bathroom", "bathroom|shower|in the bathroom", "浴室|卫生间", say_en="in a bathroom", say_zh="在浴室里"),
        # "car" alone is usually the sound itself (a car passing), so only "in a car" names the place.
        _v("car", "in a car|inside a car|in the car|inside the car|car interior", "车里|车内|车厢",
           say_zh="在车里"),
        _v("tunnel", "tunnel|tunnels|underpass", "隧道|地道", say_en="in a tunnel", say_zh="在隧道里"),
        _v("countryside", "countryside|meadow|farmland|rural|in the fields", "乡村|田野|农村|草地|乡间",
           say_en="in the countryside", say_zh="在乡村"),
    ),
}

# Words a phrase may start with that only grade the next word ("a little sad", "a bit slower"); matched as
# units so that "a little" is not read as the age "little".
_EN_FILLERS = ("a little", "a bit", "a touch", "kind of", "sort of", "a tad")

_EN_STOP = frozenset("""
a an the and or but nor so yet of in on at by for to from with within into onto over under about around
through across as like than then that this these those there here it its is are was were be been being has
have had do does did who whom whose which what while when where he she they them his her hers their theirs
him we us our you your i me my one ones some any all each every both either very quite rather really
somewhat slightly just also too much more most less least bit kind sort type way manner style tone tones
voice voices timbre sound sounds sounding speak speaks speaking spoke spoken say says saying said talk talks
talking read reads reading line lines words word sentence person people someone somebody character speaker
pace speed rate pitch volume level tempo music musical piece track song songs tune melody melodies
instrument instruments instrumentation accompanied accompaniment featuring feature features using use uses
played playing plays key mode feel feeling feels vibe vibes mood atmosphere atmospheric energy background
foreground effect effects sfx audio clip recording not no never without nor s t please make makes made
should would could will can must give gives something thing things around about away together
accent accents approximately roughly almost nearly per sung singing vocals vocal tell tells telling told
ask asks asking asked reply replies replying answer answers answering call calls calling
""".split())

_ZH_NEGATORS = ("不要", "不太", "不是", "不用", "没有", "毫无", "不", "别", "无", "勿", "没")
_ZH_NEG_INTENSIFIERS = ("那么", "过于", "太", "很", "要", "过", "够", "怎么")
# Function words the Chinese segmenter may cut out anywhere (they almost never occur inside a content word).
_ZH_STOP = frozenset("""
的 地 得 了 着 和 与 及 或 并 而 很 在 用 以 把 被 从 向 往 说 讲 带 像 是 个 位 非常 十分 特别 有点 有些 稍微 比较
略微 一点 极其 相当 更加 一位 一个 一名 一首 一段 一种 一些 一下 声音 嗓音 语气 口吻 音色 口音 语速 语调 音调 音量
风格 方式 感觉 氛围 音乐 乐曲 曲子 歌曲 配乐 旋律 节奏 速度 能量 调子 传来 响起 听到 听见 发出 带着 带有 具有 充满
使用 演奏 演唱 伴随 伴随着 以及 并且 而且 但是 同时 然后 说话 讲话 说道 地说 一样 似的 般的 地方 效果 音效 背景 环境
情绪 情感 语言 请 要 需要 一边 然后
""".split())
# Single characters trimmed only from the ends of a leftover span (inside a word they are content: 中国, 上海).
_ZH_EDGE = frozenset("里上中下内也都就对给让有为这那名首段一些点种般似更较稍太最略于啊呀吧呢")

# Families for backends with a small palette (a plucked-string synth voice stands in for the guzheng).
INSTRUMENT_FAMILY = {
    "guzheng": "harp", "guqin": "harp", "pipa": "guitar", "erhu": "violin", "dizi": "flute",
    "ukulele": "guitar", "electric piano": "piano", "viola": "violin", "horn": "brass", "trumpet": "brass",
    "marimba": "bells", "accordion": "organ", "electric guitar": "guitar", "choir": "pad", "xiao": "flute",
    "koto": "harp", "banjo": "guitar", "mandolin": "guitar", "lute": "guitar", "recorder": "flute",
    "pan flute": "flute", "whistle": "flute", "trombone": "brass", "tuba": "brass", "timpani": "percussion",
}

_TABLES: dict[str, dict[str, tuple[_Value, ...]]] = {"speech": _SPEECH, "music": _MUSIC, "sound": _SOUND}

# ============================================================================================================
# Explicit numbers (read before the vocabulary so "120 BPM" is not two unknown tokens).
# ============================================================================================================
_NUM = r"[+\-−]?\d+(?:\.\d+)?"
_UNUM = r"\d+(?:\.\d+)?"
_NEGATIVE_DIRECTIONS = frozenset(
    "lower lowered down below quieter softer reduced decreased less 降低 调低 降 减小 减少".split())


def _float(s: str) -> float:
    return float(s.replace("−", "-"))


def _signed(m: re.Match) -> float:
    value = _float(m.group("n"))
    directions = {m.groupdict().get("pre") or "", m.groupdict().get("post") or ""}
    if directions & _NEGATIVE_DIRECTIONS:
        value = -abs(value)
    return value


def _in_range(field: str, value: float, lo: float, hi: float) -> dict | None:
    return {field: value} if lo <= value <= hi else None


def _fraction(m: re.Match) -> float:
    value = _float(m.group("n"))
    return value / 100.0 if m.groupdict().get("pct") else value


def _age_bucket(years: float) -> str:
    if years < 13:
        return "child"
    if years < 30:
        return "young"
    if years < 60:
        return "adult"
    return "elderly"


def _tonic(letter: str, accidental: str | None, sharp_flat: str | None, zh_prefix: str | None = None) -> str:
    mark = ""
    if accidental in ("#", "♯") or (sharp_flat or "").lower() == "sharp" or zh_prefix == "升":
        mark = "#"
    elif accidental in ("b", "♭") or (sharp_flat or "").lower() == "flat" or zh_prefix == "降":
        mark = "b"
    return letter.upper() + mark


def _key_en(m: re.Match) -> dict:
    out = {"key": _tonic(m.group("t"), m.group("acc"), m.group("sf"))}
    if m.groupdict().get("mode"):
        out["mode"] = "major" if m.group("mode").lower().startswith("maj") else "minor"
    return out


def _key_zh(m: re.Match) -> dict:
    out = {"key": _tonic(m.group("t"), m.group("acc"), None, m.group("pre"))}
    if m.group("mode") != "调":
        out["mode"] = "major" if m.group("mode") == "大调" else "minor"
    return out


@dataclass(frozen=True)
class _NumberRule:
    pattern: re.Pattern
    read: Callable[[re.Match], dict | None]  # None: a number we recognise but cannot accept (out of range)


def _rule(pattern: str, read: Callable[[re.Match], dict | None], flags: int = re.IGNORECASE) -> _NumberRule:
    return _NumberRule(re.compile(pattern, flags), read)


def _en_tonic(letters: str) -> str:
    """A tonic letter from `letters`, then an optional sharp/flat sign or word."""
    return (r"(?<![A-Za-z])(?P<t>[" + letters + r"])(?:(?P<acc>\s*[#♯b♭])|[\s\-]+(?P<sf>(?i:sharp|flat)))?"
            r"(?![A-Za-z0-9#♯])")


def _signed_in(field: str, lo: float, hi: float) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _signed(m), lo, hi)


def _plain_in(field: str, lo: float, hi: float) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _float(m.group("n")), lo, hi)


def _fraction_in(field: str) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _fraction(m), 0.0, 1.0)


def _age_in_years(m: re.Match) -> dict:
    years = 10.0 * float(m.group("d")) if m.groupdict().get("d") else float(m.group("n"))
    return {"age": _age_bucket(years)}


def _tempo_range(m: re.Match) -> dict | None:
    return _in_range("tempo_bpm", (float(m.group("a")) + float(m.group("n"))) / 2, 20, 400)


_PITCH, _VOLUME = _signed_in("pitch", -24, 24), _signed_in("volume", -40, 40)
_PACE, _TEMPO = _plain_in("pace", 0.25, 4), _plain_in("tempo_bpm", 20, 400)
_BPM = r"(?:bpm|beats?\s*(?:per|a|/)\s*min(?:ute)?)(?![a-z])"
_FRACTION = r"\s*(?:of|:|=|at)?\s*(?P<n>" + _UNUM + r")\s*(?P<pct>%)?"

_NUMBER_RULES: dict[str, tuple[_NumberRule, ...]] = {
    "speech": (
        # Chinese rules that carry a direction word go first, so the plain English "3 dB" rule cannot eat
        # the number and lose the sign of "降低3dB".
        _rule(r"(?P<pre>升高|提高|调高|降低|调低|升|降)\s*(?P<n>" + _UNUM + r")\s*个?半音", _PITCH),
        _rule(r"(?:音量)?(?P<pre>提高|增大|加大|调高|升高|降低|减小|调低|减少)\s*(?P<n>" + _UNUM + r")\s*(?:分贝|db)",
              _VOLUME),
        _rule(r"(?:(?P<pre>raised|lowered|up|down|higher|lower)\s+(?:by\s+)?)?(?P<n>" + _NUM
              + r")\s*(?:semi-?tones?|st)(?![a-z])(?:\s+(?P<post>higher|lower|up|down|above|below))?", _PITCH),
        _rule(r"\bpitch(?:ed)?\s*(?:shift(?:ed)?\s*)?(?:of|by|:|=|at)?\s*(?P<n>[+\-−]\d+(?:\.\d+)?)(?![\d.])", _PITCH),
        _rule(r"(?:(?P<pre>louder|quieter|softer|up|down|raised|lowered|boosted|reduced|increased|decreased)"
              r"\s+(?:by\s+)?)?(?P<n>" + _NUM + r")\s*(?:db|dbs|decibels?)(?![a-z])"
              r"(?:\s+(?P<post>louder|quieter|softer|lower|higher|up|down|more|less))?", _VOLUME),
        _rule(r"(?<![\w.])(?P<n>" + _UNUM + r")\s*(?:x|×)(?![a-z])(?:\s+(?:the\s+)?(?:normal\s+)?"
              r"(?:speed|pace|rate))?", _PACE),
        _rule(r"(?<![\w.])(?P<n>" + _UNUM + r")\s+times\s+(?:the\s+)?(?:normal\s+)?(?:speed|pace|rate)", _PACE),
        _rule(r"\b(?:speed|pace|rate)\s*(?:of|:|=)?\s*(?P<n>" + _UNUM + r")\s*x?(?![\w.])", _PACE),
        _rule(r"(?P<n>" + _UNUM + r")\s*倍(?:的语速|语速|速度|速)?", _PACE),
        _rule(r"(?P<n>[+\-]?\d+(?:\.\d+)?)\s*个?半音", _PITCH),
        _rule(r"(?P<n>[+\-]?\d+(?:\.\d+)?)\s*分贝", _VOLUME),
        _rule(r"(?<![\d.])(?P<n>\d{1,3})\s*[\- ]?\s*(?:years?|yrs?)[\- ]?old", _age_in_years),
        _rule(r"\baged?\s+(?P<n>\d{1,3})(?![\d.])", _age_in_years),
        _rule(r"\bin\s+(?:his|her|their|its)\s+(?:early\s+|mid\s+|late\s+)?(?P<d>\d)0'?s\b", _age_in_years),
        _rule(r"(?P<n>\d{1,3})\s*多?岁", _age_in_years),
    ),
    "music": (
        _rule(r"(?<![\d.])(?P<a>" + _UNUM + r")\s*(?:-|–|to)\s*(?P<n>" + _UNUM + r")\s*" + _BPM, _tempo_range),
        _rule(r"(?<![\d.])(?P<n>" + _UNUM + r")\s*" + _BPM, _TEMPO),
        _rule(r"\b(?:bpm|tempo)\s*(?:of|:|=|at|around|about|~)?\s*(?P<n>" + _UNUM + r")(?![\w.%])", _TEMPO),
        _rule(r"每分钟\s*(?P<n>" + _UNUM + r")\s*拍", _TEMPO),
        _rule(r"(?P<n>" + _UNUM + r")\s*拍\s*(?:每分钟|/\s*分钟?)", _TEMPO),
        _rule(r"(?<![\d.])(?P<n>\d{2,3}(?:\.\d+)?)\s*拍", _TEMPO),  # "128拍": a count this size is a tempo
        # Key: a lower-case "a" is the article in "a minor key"; every other letter names a tonic in either case.
        _rule(_en_tonic("A-Gb-g") + r"[\s\-]*(?P<mode>(?i:major|minor))(?![A-Za-z])", _key_en, flags=0),
        _rule(r"(?i:\bkey\s+of\s+)" + _en_tonic("A-Ga-g"), _key_en, flags=0),
        _rule(r"(?<![A-Za-z])(?P<pre>升|降)?\s*(?P<t>[A-Ga-g])\s*(?P<acc>[#♯b♭])?\s*(?P<mode>大调|小调|调)", _key_zh,
              flags=0),
        _rule(r"\benergy\s*(?:level)?" + _FRACTION, _fraction_in("energy")),
        _rule(r"能量" + _FRACTION, _fraction_in("energy")),
        _rule(r"\bbrightness" + _FRACTION, _fraction_in("brightness")),
        _rule(r"亮度" + _FRACTION, _fraction_in("brightness")),
    ),
    "sound": (
        _rule(r"\bintensity" + _FRACTION, _fraction_in("intensity")),
        _rule(r"强度" + _FRACTION, _fraction_in("intensity")),
    ),
}

_EN_NEGATION = re.compile(
    r"(?<![a-z'])(?:not|no|never|without|don't|dont|doesn't|isn't|aren't|neither|nor|non)"
    r"(?:[\s\-]+(?:too|very|so|overly|that|at all|any|a|an|the|much|more|really|particularly|quite|be|being|"
    r"sound|sounding|as|like|overtly|excessively))*[\s\-]+$")
_EN_RUN = re.compile(r"(?:[^\W_]|['&+#\-])+(?:[ \t]+(?:[^\W_]|['&+#\-])+)*")
_SPACES = re.compile(r"[\s\-]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class _Entry:
    fields: tuple[tuple[str, Any], ...]
    implied: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class _Lexicon:
    kind: str
    tables: dict[str, tuple[_Value, ...]]
    by_value: dict[str, dict[Any, _Value]]
    en: dict[str, _Entry]
    zh: dict[str, _Entry]
    en_pattern: re.Pattern
    zh_max: int
    numbers: tuple[_NumberRule, ...]


def _add(table: dict[str, _Entry], phrase: str, entry: _Entry, kind: str) -> None:
    old = table.get(phrase)
    if old is not None and (old.fields, old.implied) != (entry.fields, entry.implied):
        raise AssertionError(f"{kind} vocabulary: {phrase!r} means both {old.fields} and {entry.fields}")
    table[phrase] = entry


@functools.cache
def _lexicon(kind: str) -> _Lexicon:
    """Built on first use per kind (not at import), then shared: parse never recompiles."""
    tables = _TABLES[kind]
    en: dict[str, _Entry] = {}
    zh: dict[str, _Entry] = {}
    for field, values in tables.items():
        for v in values:
            for w in v.en:
                _add(en, _SPACES.sub(" ", w.lower()), _Entry(((field, v.value),)), kind)
            for w in v.zh:
                if not _CJK_RUN.fullmatch(w):
                    raise AssertionError(f"{kind}: Chinese vocabulary word {w!r} must be CJK only")
                if w in _ZH_STOP:
                    raise AssertionError(f"{kind}: {w!r} is both vocabulary and a stop word")
                _add(zh, w, _Entry(((field, v.value),)), kind)
    if kind == "speech":
        for c in _SPEECH_COMPOUNDS:
            entry = _Entry(tuple(c.fields.items()), tuple(c.implied.items()))
            for w in c.en:
                _add(en, _SPACES.sub(" ", w), entry, kind)
            for w in c.zh:
                _add(zh, w, entry, kind)
    for w in _EN_FILLERS:
        en.setdefault(w, _Entry(()))
    # Longest phrase first: Python's alternation takes the first alternative that matches at a position.
    alternatives = sorted(en, key=lambda p: (-len(p), p))
    body = "|".join(r"[\s\-]+".join(re.escape(part) for part in p.split(" ")) for p in alternatives)
    en_pattern = re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")
    by_value = {field: {v.value: v for v in values} for field, values in tables.items()}
    return _Lexicon(kind, tables, by_value, en, zh, en_pattern, max(map(len, zh)), _NUMBER_RULES[kind])


# ============================================================================================================
# Parsing
# ============================================================================================================
_LEVEL_NUMBER, _LEVEL_WORD = 3, 2


@dataclass
class _Hit:
    pos: int
    level: int
    fields: tuple[tuple[str, Any], ...]
    implied: tuple[tuple[str, Any], ...]
    word: str


def _check_kind(kind: str) -> str:
    if kind not in _MODELS:
        raise ValueError(f"unknown attribute kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def _check_language(language: str) -> str:
    lang = str(language or "").strip().lower().replace("_", "-")
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    raise ValueError(f"unsupported language {language!r}; use 'en' or 'zh'")


def _segment_zh(lex: _Lexicon, seg: str) -> list[tuple[str, int, int]]:
    """Cover one CJK run with vocabulary, negated vocabulary and stop words so that the fewest content
    characters stay uncovered, then with the fewest pieces; ties go to vocabulary. Returns
    ("vocab"|"neg"|"stop"|"rest", start, end) pieces. An edge particle left over costs nothing, so "山洞里"
    reads as 山洞 + 里 rather than 山 + 洞里."""
    n = len(seg)
    best: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (uncovered content chars, pieces) for seg[i:]
    choice: list[tuple[str, int]] = [("rest", 1)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options: list[tuple[str, int]] = []
        for length in range(min(lex.zh_max, n - i), 0, -1):
            if seg[i:i + length] in lex.zh:
                options.append(("vocab", length))
        for neg in _ZH_NEGATORS:
            if not seg.startswith(neg, i):
                continue
            for mid in ("",) + _ZH_NEG_INTENSIFIERS:
                k = i + len(neg) + len(mid)
                if mid and not seg.startswith(mid, i + len(neg)):
                    continue
                for length in range(min(lex.zh_max, n - k), 0, -1):
                    if seg[k:k + length] in lex.zh:
                        options.append(("neg", k + length - i))
                        break
        for length in range(min(3, n - i), 0, -1):
            if seg[i:i + length] in _ZH_STOP:
                options.append(("stop", length))
        scored = [((best[i + length][0], best[i + length][1] + 1), (what, length)) for what, length in options]
        unc, pieces = best[i + 1]
        scored.append(((unc + (seg[i] not in _ZH_EDGE), pieces), ("rest", 1)))
        best[i], choice[i] = min(scored, key=lambda sc: sc[0])  # min keeps the first of equals: vocab first
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < n:
        what, length = choice[i]
        if what == "rest" and out and out[-1][0] == "rest" and out[-1][2] == i:
            out[-1] = ("rest", out[-1][1], i + length)
        else:
            out.append((what, i, i + length))
        i += length
    return out


def _trim_zh(span: str) -> str:
    """Drop edge particles from a leftover span, but never cut a two-character word down to one (中国)."""
    if all(ch in _ZH_EDGE for ch in span):
        return ""
    while len(span) > 2 and span[0] in _ZH_EDGE:
        span = span[1:]
    while len(span) > 2 and span[-1] in _ZH_EDGE:
        span = span[:-1]
    return span


def _en_tokens(run: str, start: int) -> list[tuple[str, int, int]]:
    tokens = []
    for m in re.finditer(r"\S+", run):
        tok = m.group().strip("'-")
        if tok.endswith("'s"):
            tok = tok[:-2]
        if tok:
            tokens.append((tok, start + m.start(), start + m.end()))
    return tokens


def _lower_same_length(text: str) -> str:
    # str.lower can lengthen a character (İ → i̇); spans must index the original text, so keep those as is.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _parse(kind: str, text: str) -> _Attrs:
    if not isinstance(text, str):
        raise ValueError(f"instruction must be a string, got {type(text).__name__}")
    lex = _lexicon(kind)
    norm = unicodedata.normalize("NFKC", text)
    low = _lower_same_length(norm)
    buf = list(low)
    hits: list[_Hit] = []
    unknown: list[tuple[int, str]] = []

    def consume(a: int, b: int) -> None:
        buf[a:b] = "\x00" * (b - a)

    def free(a: int, b: int) -> bool:
        return "\x00" not in buf[a:b]

    for rule in lex.numbers:
        for m in rule.pattern.finditer(norm):
            if not free(m.start(), m.end()):
                continue
            fields = rule.read(m)
            if fields is None:
                unknown.append((m.start(), low[m.start():m.end()].strip()))
            else:
                hits.append(_Hit(m.start(), _LEVEL_NUMBER, tuple(fields.items()), (), m.group()))
            consume(m.start(), m.end())

    masked = "".join(buf)
    for m in lex.en_pattern.finditer(masked):
        entry = lex.en[_SPACES.sub(" ", m.group())]
        before = max(0, m.start() - 48)
        neg = _EN_NEGATION.search(masked, before, m.start())
        if neg and entry.fields:
            start = neg.start()
            unknown.append((start, _SPACES.sub(" ", low[start:m.end()])))
            consume(start, m.end())
            continue
        if entry.fields:
            hits.append(_Hit(m.start(), _LEVEL_WORD, entry.fields, entry.implied, m.group()))
        consume(m.start(), m.end())

    leftovers: list[tuple[int, str, Any]] = []  # (pos, "zh", span) | (pos, "en", content tokens)
    masked = "".join(buf)
    for m in _CJK_RUN.finditer(masked):
        base = m.start()
        for what, a, b in _segment_zh(lex, m.group()):
            word = m.group()[a:b]
            if what == "vocab":
                e = lex.zh[word]
                hits.append(_Hit(base + a, _LEVEL_WORD, e.fields, e.implied, word))
            elif what == "neg":
                unknown.append((base + a, word))
            elif what == "rest":
                kept = _trim_zh(word)
                if kept:
                    leftovers.append((base + a + word.index(kept), "zh", kept))
        consume(m.start(), m.end())

    masked = "".join(buf)
    source: str | None = None
    for m in _EN_RUN.finditer(masked):
        content = [t for t in _en_tokens(m.group(), m.start()) if t[0] not in _EN_STOP]
        if content:
            leftovers.append((m.start(), "en", content))
    for pos, lang, item in sorted(leftovers, key=lambda p: p[0]):
        if kind == "sound" and source is None:
            if lang == "zh":
                source = norm[pos:pos + len(item)]
            else:
                source = " ".join(norm[item[0][1]:item[-1][2]].split())
            continue
        if lang == "zh":
            unknown.append((pos, item))
        else:
            unknown.extend((a, tok) for tok, a, _ in item)

    values: dict[str, Any] = {}
    levels: dict[str, int] = {}
    instruments: list[str] = []
    implied: dict[str, Any] = {}
    for hit in sorted(hits, key=lambda h: h.pos):
        conflict = False
        for field, value in hit.fields:
            if field == "instruments":
                if value not in instruments:
                    instruments.append(value)
            elif field not in values or hit.level > levels[field]:
                values[field], levels[field] = value, hit.level
            elif hit.level == levels[field] and values[field] != value:
                conflict = True
        if conflict:
            unknown.append((hit.pos, hit.word.lower()))
            continue
        for field, value in hit.implied:
            implied.setdefault(field, value)
    for field, value in implied.items():
        values.setdefault(field, value)
    if kind == "music":
        values["instruments"] = instruments
    if kind == "sound" and source:
        values["source"] = source
    values["unknown"] = list(dict.fromkeys(w for _, w in sorted(unknown, key=lambda u: u[0])))
    return _MODELS[kind](**values)


def parse_speech(text: str) -> SpeechAttributes:
    """Speech instruction (EN, ZH or mixed) → gender, age, emotion, style, accent, pace, pitch, volume."""
    return _parse("speech", text)  # type: ignore[return-value]


def parse_music(text: str) -> MusicAttributes:
    """Music instruction → genre, instruments, tempo, mood, key/mode, energy, brightness, vocals."""
    return _parse("music", text)  # type: ignore[return-value]


def parse_sound(text: str) -> SoundAttributes:
    """Sound instruction → source (the first phrase the vocabulary does not claim), intensity, distance,
    environment."""
    return _parse("sound", text)  # type: ignore[return-value]


def parse(kind: str, text: str) -> _Attrs:
    """Dispatch on kind: "speech" | "music" | "sound"."""
    return _parse(_check_kind(kind), text)


# ============================================================================================================
# Composing
# ============================================================================================================


def _coerce(model: type[_Attrs], attrs: Any) -> Any:
    if isinstance(attrs, model):
        return attrs
    if isinstance(attrs, Mapping):
        return model.model_validate(dict(attrs))
    raise ValueError(f"expected {model.__name__} or a dict of its fields, got {type(attrs).__name__}")


def _num(x: float) -> str:
    """The shortest decimal that reads back as exactly x (1.2 → "1.2", 120.0 → "120")."""
    for digits in range(0, 18):
        s = f"{x:.{digits}f}"
        if float(s) == x:
            return s
    return repr(float(x))


def _say(lex: _Lexicon, field: str, value: Any, lang: str) -> str | None:
    """The vocabulary's phrase for a value, or None when the value is not in the tables."""
    v = lex.by_value[field].get(value)
    if v is None:
        return None
    return v.say_zh if lang == "zh" else v.say_en


def _finish(parts: list[str], lang: str) -> str:
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if lang == "zh":
        return "，".join(parts) + "。"
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


_EN_WHO = {
    ("male", None): "a man", ("female", None): "a woman",
    (None, "child"): "a child's voice", (None, "young"): "a young voice",
    (None, "adult"): "a middle-aged voice", (None, "elderly"): "an elderly voice",
    ("male", "child"): "a little boy", ("female", "child"): "a little girl",
    ("male", "young"): "a young man", ("female", "young"): "a young woman",
    ("male", "adult"): "a middle-aged man", ("female", "adult"): "a middle-aged woman",
    ("male", "elderly"): "an elderly man", ("female", "elderly"): "an elderly woman",
}
_ZH_WHO = {
    ("male", None): "一位男性", ("female", None): "一位女性",
    (None, "child"): "一个孩子的声音", (None, "young"): "年轻的声音",
    (None, "adult"): "中年的声音", (None, "elderly"): "年迈的声音",
    ("male", "child"): "一个小男孩", ("female", "child"): "一个小女孩",
    ("male", "young"): "一位年轻的男人", ("female", "young"): "一位年轻的女人",
    ("male", "adult"): "一位中年男人", ("female", "adult"): "一位中年女人",
    ("male", "elderly"): "一位年迈的男人", ("female", "elderly"): "一位年迈的女人",
}


def compose_speech(attrs: SpeechAttributes | Mapping, language: str = "en") -> str:
    """Speech attributes → one natural instruction, e.g. "An elderly man, whispering sadly, slowly." or
    "一位年迈的男人，低声悲伤地慢慢说。"; parse_speech gives the same attributes back."""
    a: SpeechAttributes = _coerce(SpeechAttributes, attrs)
    lang = _check_language(language)
    lex = _lexicon("speech")
    # Values outside the tables (free text) are written as given; parse then reports them as unknown.
    style = (_say(lex, "style", a.style, lang) or a.style) if a.style else None
    emotion = (_say(lex, "emotion", a.emotion, lang) or a.emotion) if a.emotion else None
    pace = None
    if a.pace is not None:
        pace = _say(lex, "pace", a.pace, lang) or (f"以{_num(a.pace)}倍速" if lang == "zh" else
                                                    f"at {_num(a.pace)}x speed")
    pitch = None
    if a.pitch is not None:
        pitch = _say(lex, "pitch", a.pitch, lang)
        if pitch is None:
            n = _num(abs(a.pitch))
            if lang == "zh":
                pitch = f"{'升高' if a.pitch > 0 else '降低'}{n}个半音"
            else:
                pitch = f"{n} semitone{'' if n == '1' else 's'} {'higher' if a.pitch > 0 else 'lower'}"
    volume = None
    if a.volume is not None:
        volume = _say(lex, "volume", a.volume, lang)
        if volume is None:
            n = _num(abs(a.volume))
            if lang == "zh":
                volume = f"音量{'提高' if a.volume > 0 else '降低'}{n}分贝"
            else:
                volume = f"{n} dB {'louder' if a.volume > 0 else 'quieter'}"
    accent = None
    if a.accent:
        known = lex.by_value["accent"].get(a.accent)
        if lang == "zh":
            accent = f"带{known.say_zh if known else a.accent}口音"
        else:
            word = a.accent.title()
            accent = f"with {_article(word)} {word} accent"

    if lang == "zh":
        verb = ""
        if style or emotion or pace:
            verb = (style or "") + (emotion or "") + (pace or "") + "说"
        parts = [_ZH_WHO.get((a.gender, a.age), ""), verb, accent, pitch, volume]
        return _finish(parts + list(a.unknown), lang)
    verb = ""
    if style or emotion:
        verb = " ".join(p for p in (style or "speaking", emotion) if p)
    parts = [_EN_WHO.get((a.gender, a.age), ""), verb, pace, accent, pitch, volume]
    return _finish(parts + list(a.unknown), lang)


def compose_music(attrs: MusicAttributes | Mapping, language: str = "en") -> str:
    """Music attributes → e.g. "Sad jazz music, with piano and bass, in A minor, at 80 BPM." or
    "悲伤的爵士乐，使用钢琴和贝斯，A小调，每分钟80拍。"."""
    a: MusicAttributes = _coerce(MusicAttributes, attrs)
    lang = _check_language(language)
    lex = _lexicon("music")
    zh = lang == "zh"

    def say(field: str, value: Any) -> str:
        return _say(lex, field, value, lang) or str(value)

    mood = say("mood", a.mood) if a.mood else ""
    genre = say("genre", a.genre) if a.genre else ""
    if zh:
        head = f"{mood}的{genre or '音乐'}" if mood else genre
    else:
        head = " ".join(p for p in (mood, genre, "music") if p) if (mood or genre) else ""
    instruments = ""
    if a.instruments:
        names = [say("instruments", i) for i in a.instruments]
        joined = names[0] if len(names) == 1 else ("、".join(names[:-1]) + "和" + names[-1] if zh
                                                   else ", ".join(names[:-1]) + " and " + names[-1])
        instruments = ("使用" if zh else "with ") + joined
    key = ""
    if a.key:
        if zh:
            key = a.key + ("大调" if a.mode == "major" else "小调" if a.mode == "minor" else "调")
        else:
            key = f"in {a.key} {a.mode}" if a.mode else f"in the key of {a.key}"
    elif a.mode:
        key = say("mode", a.mode)
    tempo = ""
    if a.tempo_bpm is not None:
        word = _say(lex, "tempo_bpm", a.tempo_bpm, lang)
        if word:
            tempo = f"{word}的节奏" if zh else word
        else:
            tempo = f"每分钟{_num(a.tempo_bpm)}拍" if zh else f"at {_num(a.tempo_bpm)} BPM"
    energy = ""
    if a.energy is not None:
        energy = _say(lex, "energy", a.energy, lang) or (f"能量{_num(a.energy)}" if zh else f"energy {_num(a.energy)}")
    brightness = ""
    if a.brightness is not None:
        brightness = _say(lex, "brightness", a.brightness, lang) or (
            f"亮度{_num(a.brightness)}" if zh else f"brightness {_num(a.brightness)}")
    vocals = say("vocals", a.vocals) if a.vocals else ""
    return _finish([head, instruments, vocals, key, tempo, energy, brightness] + list(a.unknown), lang)


def compose_sound(attrs: SoundAttributes | Mapping, language: str = "en") -> str:
    """Sound attributes → e.g. "Heavy rain, far away, in a cave." or "远处传来猛烈的雨，在山洞里。"."""
    a: SoundAttributes = _coerce(SoundAttributes, attrs)
    lang = _check_language(language)
    lex = _lexicon("sound")
    zh = lang == "zh"
    intensity_word = _say(lex, "intensity", a.intensity, lang) if a.intensity is not None else None
    intensity_number = ""
    if a.intensity is not None and intensity_word is None:
        intensity_number = f"强度{_num(a.intensity)}" if zh else f"intensity {_num(a.intensity)}"
    distance = _say(lex, "distance", a.distance, lang) if a.distance else None
    environment = (_say(lex, "environment", a.environment, lang) or a.environment) if a.environment else None
    if zh:
        noun = a.source or ("声音" if (intensity_word or distance) else "")
        described = f"{intensity_word}的{noun}" if intensity_word else noun
        head = f"{distance}传来{described}" if distance else described  # 远处传来猛烈的雷声
        parts = [head, intensity_number, environment]
    else:
        noun = a.source or ("sound" if intensity_word else "")
        head = " ".join(p for p in (intensity_word, noun) if p)
        parts = [head, intensity_number, distance, environment]
    text = _finish(parts + list(a.unknown), lang)
    if not zh and a.source and not intensity_word and text.startswith(a.source[:1].upper()):
        text = a.source[:1] + text[1:]  # keep the source exactly as given (parse keeps its case)
    return text


def compose(kind: str, attrs: _Attrs | Mapping, language: str = "en") -> str:
    """Dispatch on kind: attributes → instruction text in "en" or "zh"."""
    return {"speech": compose_speech, "music": compose_music, "sound": compose_sound}[_check_kind(kind)](
        attrs, language)


# ============================================================================================================
# Merging and vocabulary for the UI
# ============================================================================================================
_LOUDNESS_STYLES = frozenset({"whisper", "shouting"})


def merge(base: _Attrs, override: _Attrs) -> _Attrs:
    """Overlay `override` (a line's instruction) on `base` (the character's voice): every field the override
    sets wins (a non-empty instrument list replaces the base's), `unknown` lists are concatenated. When the
    override sets a loudness style (whisper, shouting) but no volume, the base's volume is dropped so the
    style's own loudness applies."""
    if type(base) is not type(override) or not isinstance(base, _Attrs):
        raise ValueError(f"merge needs two attribute objects of the same type, got {type(base).__name__} "
                         f"and {type(override).__name__}")
    out: dict[str, Any] = {}
    for field in type(base).model_fields:
        b, o = getattr(base, field), getattr(override, field)
        if field == "unknown":
            out[field] = list(dict.fromkeys(b + o))
        elif isinstance(o, list):
            out[field] = list(o) if o else list(b)
        else:
            out[field] = o if o is not None else b
    if isinstance(override, SpeechAttributes) and override.style in _LOUDNESS_STYLES and override.volume is None:
        out["volume"] = None
    return type(base)(**out)


def choices(kind: str, language: str = "en") -> dict[str, list[tuple[str, Any]]]:
    """Per field, (display word, attribute value) pairs in the given language — dropdown choices."""
    lex = _lexicon(_check_kind(kind))
    lang = _check_language(language)
    out: dict[str, list[tuple[str, Any]]] = {}
    for field, values in lex.tables.items():
        out[field] = [((v.zh if lang == "zh" else v.en)[0], v.value) for v in values]
    if kind == "music":
        out["key"] = [(t, t) for t in _TONICS]
    return out


def vocabulary(kind: str, language: str = "en") -> dict[str, list[str]]:
    """Per field, the known words (one display word per value) in the given language, for UI dropdowns.
    Each word parses back to its value on its own; keys are tonic names (C, C#, Db…)."""
    return {field: [w for w, _ in pairs] for field, pairs in choices(kind, language).items()}


def instrument_family(name: str) -> str:
    """The Western family a backend with a small palette can use for an instrument (guzheng → harp)."""
    return INSTRUMENT_FAMILY.get(name, name)


__all__ = [
    "Age", "Distance", "Gender", "INSTRUMENT_FAMILY", "KINDS", "LANGUAGES", "Mode", "MusicAttributes",
    "SoundAttributes", "SpeechAttributes", "Vocals", "choices", "compose", "compose_music", "compose_sound",
    "compose_speech", "instrument_family", "merge", "parse", "parse_music", "parse_sound", "parse_speech",
    "vocabulary",
]
