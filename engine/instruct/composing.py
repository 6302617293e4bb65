"""Attributes → text (the words compose writes parse back to the same values), merging a line's instruction over
a character's voice, and the display words and values the UI's dropdowns offer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


from .attributes import Attributes, MusicAttributes, SoundAttributes, SpeechAttributes
from .tables import INSTRUMENT_FAMILY, TONICS
from .parsing import Lexicon, check_kind, check_language, lexicon


def _coerce(model: type[Attributes], attrs: Any) -> Any:
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


def _say(lex: Lexicon, field: str, value: Any, lang: str) -> str | None:
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
    lang = check_language(language)
    lex = lexicon("speech")
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
    lang = check_language(language)
    lex = lexicon("music")
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
    lang = check_language(language)
    lex = lexicon("sound")
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


def compose(kind: str, attrs: Attributes | Mapping, language: str = "en") -> str:
    """Dispatch on kind: attributes → instruction text in "en" or "zh"."""
    return {"speech": compose_speech, "music": compose_music, "sound": compose_sound}[check_kind(kind)](
        attrs, language)


# ============================================================================================================
# Merging and vocabulary for the UI
# ============================================================================================================
_LOUDNESS_STYLES = frozenset({"whisper", "shouting"})


def merge(base: Attributes, override: Attributes) -> Attributes:
    """Overlay `override` (a line's instruction) on `base` (the character's voice): every field the override
    sets wins (a non-empty instrument list replaces the base's), `unknown` lists are concatenated. When the
    override sets a loudness style (whisper, shouting) but no volume, the base's volume is dropped so the
    style's own loudness applies."""
    if type(base) is not type(override) or not isinstance(base, Attributes):
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
    lex = lexicon(check_kind(kind))
    lang = check_language(language)
    out: dict[str, list[tuple[str, Any]]] = {}
    for field, values in lex.tables.items():
        out[field] = [((v.zh if lang == "zh" else v.en)[0], v.value) for v in values]
    if kind == "music":
        out["key"] = [(t, t) for t in TONICS]
    return out


def vocabulary(kind: str, language: str = "en") -> dict[str, list[str]]:
    """Per field, the known words (one display word per value) in the given language, for UI dropdowns.
    Each word parses back to its value on its own; keys are tonic names (C, C#, Db…)."""
    return {field: [w for w, _ in pairs] for field, pairs in choices(kind, language).items()}


def field_words(kind: str, field: str, language: str = "en") -> list[str]:
    """Every word that names a value of one field, synonyms included ("fingerpicked guitar", "木吉他"), for readers
    that look for the vocabulary in free text."""
    lex = lexicon(check_kind(kind))
    lang = check_language(language)
    return [w for v in lex.tables[field] for w in (v.zh if lang == "zh" else v.en)]


def instrument_family(name: str) -> str:
    """The Western family a backend with a small palette can use for an instrument (guzheng → harp)."""
    return INSTRUMENT_FAMILY.get(name, name)
