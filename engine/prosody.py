"""How a line is delivered, shared by every speech backend: prosody and the pauses written in the line.

- `Prosody`: everything an emotion or a style changes in a line (F0 level and range, declination or a final
  rise, tempo, energy and spectral tilt, breath, tremor, whisper), never the speaker's timbre;
- `EMOTIONS` and `STYLES` (with English and Chinese aliases) map the instruction vocabulary to Prosody;
  `combine` stacks them with the user's pitch/volume/pace, and `line_prosody` does all of it for a request;
- pause markers such as "[pause 0.5s]" or "[停顿0.5秒]": `split_pauses` and `line_parts` cut a line into the
  text to speak and exact silences.

The signal processing that applies a Prosody to audio is in engine/speech_dsp.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.backends.base import BackendError, ClipRequest


@dataclass(frozen=True)
class Prosody:
    """Line-level delivery: everything an emotion or style changes (never the speaker's timbre)."""

    pitch_st: float = 0.0  # F0 level offset
    range_factor: float = 1.0  # F0 contour expansion around the line's mean (log domain)
    tempo: float = 1.0  # speaking-rate multiplier (→ 1 / length_scale)
    gain_db: float = 0.0
    tilt_db: float = 0.0  # high-shelf gain above 1.5 kHz: + brighter/pressed, - darker/lax
    noise_scale: float = 0.667  # Piper's generator noise (voice variability)
    noise_w: float = 0.8  # Piper's duration noise (rhythm variability)
    declination_st: float = 0.0  # F0 drift from start to end of the line (negative = falling)
    final_rise_st: float = 0.0  # question/surprise rise over the last 30 % of the line
    tremolo: float = 0.0  # depth of a 5.3 Hz F0 tremor (fraction)
    breath: float = 0.0  # share of noise-excited (aspirated) voice mixed in
    whisper: bool = False


EMOTIONS: dict[str, Prosody] = {
    "neutral": Prosody(),
    "happy": Prosody(2.0, 1.35, 1.06, 2.0, 2.0, 0.75, 0.9),
    "excited": Prosody(3.0, 1.6, 1.12, 3.0, 3.0, 0.8, 1.0),
    "angry": Prosody(1.0, 1.45, 1.08, 4.0, 4.0, 0.7, 0.9, declination_st=-1.0),
    "surprised": Prosody(3.0, 1.6, 1.0, 2.0, 2.0, 0.75, 0.9, final_rise_st=4.0),
    "fearful": Prosody(2.0, 1.2, 1.1, -1.0, 0.0, 0.7, 0.9, tremolo=0.03, breath=0.15),
    "sad": Prosody(-2.0, 0.6, 0.85, -3.0, -4.0, 0.5, 0.6, declination_st=-2.0, breath=0.1),
    "tired": Prosody(-2.5, 0.5, 0.82, -4.0, -4.0, 0.5, 0.5, declination_st=-1.5, breath=0.15),
    "calm": Prosody(-1.0, 0.75, 0.92, -2.0, -2.0, 0.55, 0.6),
    "tender": Prosody(-0.5, 0.85, 0.9, -3.0, -3.0, 0.6, 0.7, breath=0.15),
    "serious": Prosody(-1.0, 0.8, 0.95, 0.0, 0.0, 0.6, 0.7),
    "mysterious": Prosody(-1.5, 0.8, 0.88, -3.0, -3.0, 0.6, 0.7, breath=0.2),
    "disgusted": Prosody(-1.5, 0.9, 0.9, 0.0, -1.0, 0.6, 0.8, declination_st=-1.5),
}
EMOTION_ALIASES = {
    "normal": "neutral", "plain": "neutral", "中性": "neutral", "平淡": "neutral",
    "cheerful": "happy", "joyful": "happy", "glad": "happy", "delighted": "happy", "playful": "happy",
    "开心": "happy", "高兴": "happy", "快乐": "happy", "愉快": "happy",
    "thrilled": "excited", "enthusiastic": "excited", "energetic": "excited", "激动": "excited", "兴奋": "excited",
    "furious": "angry", "mad": "angry", "annoyed": "angry", "irritated": "angry", "生气": "angry", "愤怒": "angry",
    "amazed": "surprised", "astonished": "surprised", "shocked": "surprised", "惊讶": "surprised",
    "scared": "fearful", "afraid": "fearful", "frightened": "fearful", "nervous": "fearful", "anxious": "fearful",
    "worried": "fearful", "terrified": "fearful", "fear": "fearful", "害怕": "fearful", "恐惧": "fearful",
    "紧张": "fearful",
    "sorrowful": "sad", "unhappy": "sad", "melancholy": "sad", "gloomy": "sad", "mournful": "sad",
    "grieving": "sad", "depressed": "sad", "悲伤": "sad", "难过": "sad", "伤心": "sad",
    "sleepy": "tired", "weary": "tired", "exhausted": "tired", "bored": "tired", "疲惫": "tired", "累": "tired",
    "relaxed": "calm", "peaceful": "calm", "soothing": "calm", "serene": "calm", "平静": "calm", "冷静": "calm",
    "gentle": "tender", "warm": "tender", "loving": "tender", "affectionate": "tender", "kind": "tender",
    "温柔": "tender", "温暖": "tender",
    "grave": "serious", "solemn": "serious", "stern": "serious", "严肃": "serious",
    "disgust": "disgusted", "revolted": "disgusted", "厌恶": "disgusted", "恶心": "disgusted",
    "eerie": "mysterious", "suspenseful": "mysterious", "secretive": "mysterious", "神秘": "mysterious",
}

STYLES: dict[str, Prosody] = {
    "narration": Prosody(range_factor=1.1, tempo=0.95),
    "news": Prosody(range_factor=0.9, tempo=1.05, gain_db=1.0, tilt_db=1.0),
    "conversational": Prosody(range_factor=1.05, tempo=1.03),
    "whisper": Prosody(range_factor=0.8, tempo=0.92, gain_db=-12.0, tilt_db=3.0, whisper=True),
    "shouting": Prosody(pitch_st=4.0, range_factor=1.3, tempo=1.06, gain_db=8.0, tilt_db=6.0),
    "soft": Prosody(range_factor=0.9, tempo=0.95, gain_db=-6.0, tilt_db=-3.0, breath=0.1),
    "loud": Prosody(pitch_st=1.0, range_factor=1.1, gain_db=6.0, tilt_db=3.0),
    "dramatic": Prosody(range_factor=1.4, tempo=0.95, gain_db=1.0, tilt_db=1.0),
    "recitation": Prosody(range_factor=1.25, tempo=0.9, gain_db=1.0, tilt_db=1.0),
}
STYLE_ALIASES = {
    "narrator": "narration", "narrating": "narration", "storytelling": "narration", "story": "narration",
    "reading": "narration", "旁白": "narration", "讲故事": "narration", "叙述": "narration", "朗读": "narration",
    "announcer": "news", "broadcast": "news", "formal": "news", "新闻": "news", "播音": "news",
    "casual": "conversational", "chat": "conversational", "dialogue": "conversational", "对话": "conversational",
    "聊天": "conversational",
    "whispering": "whisper", "whispered": "whisper", "hushed": "whisper", "耳语": "whisper", "低语": "whisper",
    "悄悄": "whisper", "悄悄话": "whisper",
    "shout": "shouting", "shouted": "shouting", "yelling": "shouting", "yell": "shouting", "screaming": "shouting",
    "calling": "shouting", "大喊": "shouting", "喊叫": "shouting", "呼喊": "shouting",
    "quiet": "soft", "softly": "soft", "轻声": "soft", "loudly": "loud", "projected": "loud", "大声": "loud",
    "theatrical": "dramatic", "戏剧": "dramatic", "reciting": "recitation", "recital": "recitation",
    "poetry": "recitation", "朗诵": "recitation",
}


def lookup(value: Any, table: dict[str, Prosody], aliases: dict[str, str]) -> tuple[str | None, Prosody | None]:
    """(canonical name, its Prosody): a neutral Prosody when nothing was asked, None when the name is unknown."""
    if not value:
        return None, Prosody()
    key = str(value).strip().lower()
    key = aliases.get(key, key)
    return (key, table[key]) if key in table else (key, None)


def combine(*parts: Prosody) -> Prosody:
    """Stack prosody modifiers: offsets add, factors multiply, breath/tremolo take the stronger."""
    out = Prosody()
    for p in parts:
        out = Prosody(
            pitch_st=out.pitch_st + p.pitch_st,
            range_factor=out.range_factor * p.range_factor,
            tempo=out.tempo * p.tempo,
            gain_db=out.gain_db + p.gain_db,
            tilt_db=out.tilt_db + p.tilt_db,
            noise_scale=p.noise_scale if p.noise_scale != Prosody.noise_scale else out.noise_scale,
            noise_w=p.noise_w if p.noise_w != Prosody.noise_w else out.noise_w,
            declination_st=out.declination_st + p.declination_st,
            final_rise_st=out.final_rise_st + p.final_rise_st,
            tremolo=max(out.tremolo, p.tremolo),
            breath=max(out.breath, p.breath),
            whisper=out.whisper or p.whisper,
        )
    return out


def line_prosody(attrs: dict, warnings: list[str], *, unknown_emotion: str, unknown_style: str
                 ) -> tuple[Prosody, str | None, str | None]:
    """(emotion + style + the user's pitch/volume/pace, emotion name, style name) for a line's attributes.

    An emotion or style without a prosody model is spoken neutrally and reported in `warnings`, worded by the
    backend (`unknown_emotion` / `unknown_style` say what its voice does instead).
    """
    emotion, emotion_p = lookup(attrs.get("emotion"), EMOTIONS, EMOTION_ALIASES)
    if emotion_p is None:
        warnings.append(f"emotion {emotion!r} {unknown_emotion}")
        emotion_p = Prosody()
    style, style_p = lookup(attrs.get("style"), STYLES, STYLE_ALIASES)
    if style_p is None:
        warnings.append(f"style {style!r} {unknown_style}")
        style_p = Prosody()
    pace = 1.0 if attrs.get("pace") is None else float(attrs["pace"])
    if pace <= 0:
        raise ValueError(f"pace is a speaking-rate multiplier and must be > 0 (got {pace})")
    user = Prosody(pitch_st=float(attrs.get("pitch") or 0.0), gain_db=float(attrs.get("volume") or 0.0), tempo=pace)
    return combine(emotion_p, style_p, user), emotion, style


# ---------------------------------------------------------------------------------------------------------
# Pause markers

PAUSE = re.compile(
    r"[\[［【(（]\s*(?:pause|silence|停顿|停頓|暂停|静音)\s*[:：=]?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|毫秒|秒)?)?\s*[\]］】)）]",
    re.IGNORECASE,
)
DEFAULT_PAUSE_S = 0.5  # a marker without a length
_SPEAKABLE = re.compile(r"\w")  # a letter or digit of any script (Han characters included)


def marker_seconds(m: re.Match) -> float:
    """Seconds a PAUSE match asks for (DEFAULT_PAUSE_S when it names no length)."""
    value, unit = m.group(1), (m.group(2) or "s").lower()
    seconds = float(value) if value else DEFAULT_PAUSE_S
    return seconds / 1000.0 if unit.startswith("m") or unit == "毫秒" else seconds


def split_pauses(text: str) -> list[str | float]:
    """Text and pause markers in order: strings to speak, floats for silences in seconds."""
    parts: list[str | float] = []
    pos = 0
    for m in PAUSE.finditer(text):
        chunk = text[pos:m.start()]
        if _SPEAKABLE.search(chunk):
            parts.append(chunk.strip())
        seconds = marker_seconds(m)
        if parts and isinstance(parts[-1], float):
            parts[-1] += seconds
        else:
            parts.append(seconds)
        pos = m.end()
    tail = text[pos:]
    if _SPEAKABLE.search(tail):
        parts.append(tail.strip())
    return parts


def line_parts(request: ClipRequest) -> tuple[str, list[str | float]]:
    """A speech request's line and its parts (split_pauses), refusing lines with nothing to say."""
    text = (request.text or "").strip()
    if not text:
        raise BackendError("speech segment has no text: write the line the character should say")
    parts = split_pauses(text)
    if not any(isinstance(p, str) for p in parts):
        raise BackendError("speech segment has only pause markers: add words to speak")
    return text, parts
