"""Audio straight from an instruction (the InstructAudio interface): speech, music and dialogue, and the same line
under several instructions (contrast). Plain functions over an engine session, reached through engine.studio."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import instruct
from .audio import resample
from .backends.base import CancelToken, ClipRequest
from .text import has_cjk

# "A: line", "Anna：line" (full-width colon for Chinese); the speaker tag is short and has no colon
_LINE = re.compile(r"^\s*([^:：\n]{1,32}?)\s*[:：]\s*(\S.*)$")
PAUSE_S = 0.35
MAX_DIALOGUE_LINES = 40
MAX_CONTRAST = 4
SPEECH_FIELDS = ("gender", "age", "emotion", "style", "accent", "pace")
MUSIC_FIELDS = ("genre", "instruments", "tempo_bpm", "mood")


@dataclass
class Rendered:
    audio: np.ndarray  # float32 mono or (n, 2)
    sample_rate: int
    understood: dict[str, Any]  # attribute controls actually sent to the model
    unknown: list[str]
    cues: list[tuple[float, float, str]]  # (start, end, text) subtitles
    warnings: list[str]


def detect_language(text: str, default: str = "en") -> str:
    return "zh" if has_cjk(text) else default


def resolve_language(language: str | None, *texts: str) -> str:
    if language in ("en", "zh"):
        return language
    return detect_language(" ".join(t or "" for t in texts))


# --- dropdown ⇄ attributes ---------------------------------------------------------------------------------
def field_choices(kind: str, field: str, language: str) -> list[tuple[str, str]]:
    """Dropdown (label, value) pairs; values are strings (Gradio dropdown values), "" = not set."""
    pairs = instruct.choices(kind, "zh" if language == "zh" else "en").get(field, [])
    return [(word, _value_key(value)) for word, value in pairs]


def _value_key(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def attribute_value(kind: str, field: str, key: Any) -> Any:
    """A dropdown value back to the attribute value (pace 0.75, tempo 120.0, gender "male"…)."""
    if key in (None, "", []):
        return None
    for _, value in instruct.choices(kind, "en").get(field, []):
        if _value_key(value) == str(key):
            return value
    raise ValueError(f"{key!r} is not a {kind} {field}; pick one from the list")


def compose_instruction(kind: str, language: str, values: dict[str, Any]) -> str:
    """Dropdown values → the natural-language instruction (engine.instruct.compose)."""
    lang = "zh" if language == "zh" else "en"
    if kind in ("speech", "dialogue"):
        attrs = {f: attribute_value("speech", f, values.get(f)) for f in SPEECH_FIELDS}
        return instruct.compose("speech", {k: v for k, v in attrs.items() if v is not None}, lang)
    if kind == "music":
        attrs: dict[str, Any] = {}
        for f in ("genre", "tempo_bpm", "mood"):
            v = attribute_value("music", f, values.get(f))
            if v is not None:
                attrs[f] = v
        inst = values.get("instruments") or []
        attrs["instruments"] = [attribute_value("music", "instruments", i) for i in inst]
        return instruct.compose("music", attrs, lang)
    raise ValueError(f"unknown kind {kind!r}; use speech, music or dialogue")


# --- rendering -------------------------------------------------------------------------------------------
def _mono(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float32)
    return a.mean(axis=1) if a.ndim == 2 else a


def speech_request(text: str, instruction: str, language: str, seed: int) -> ClipRequest:
    attrs = instruct.parse("speech", instruction)
    return ClipRequest(kind="speech", text=text, instruction=instruction, attributes=attrs.controls(),
                       language=language, seed=int(seed))


def render_speech(session, text: str, instruction: str, language: str | None, seed: int,
                  cancel: CancelToken | None = None) -> Rendered:
    if not (text or "").strip():
        raise ValueError("type the text to speak")
    lang = resolve_language(language, text)
    req = speech_request(text.strip(), instruction or "", lang, seed)
    clip = session.generate(req, cancel)
    parsed = instruct.parse("speech", instruction or "")
    return Rendered(_mono(clip.audio), clip.sample_rate, req.attributes, parsed.unknown,
                    [(0.0, clip.duration, text.strip())], list(clip.warnings))


def render_music(session, instruction: str, lyrics: str, duration: float, language: str | None, seed: int,
                 cancel: CancelToken | None = None) -> Rendered:
    if not (instruction or "").strip():
        raise ValueError("describe the music (genre, instrument, tempo, mood) or pick them from the lists")
    duration = float(duration or 0)
    if not 1 <= duration <= 120:
        raise ValueError(f"music length must be 1–120 seconds (got {duration:g})")
    parsed = instruct.parse("music", instruction)
    req = ClipRequest(kind="music", caption=instruction, text=lyrics or "", instruction=instruction,
                      attributes=parsed.controls(), duration=duration,
                      language=resolve_language(language, instruction, lyrics), seed=int(seed))
    clip = session.generate(req, cancel)
    cues = [(0.0, clip.duration, lyrics.strip())] if (lyrics or "").strip() else []
    return Rendered(np.asarray(clip.audio, np.float32), clip.sample_rate, req.attributes, parsed.unknown, cues,
                    list(clip.warnings))


def parse_script(script: str) -> list[tuple[str, str]]:
    """'A: Hello.' lines → [(speaker, line)]. Every non-empty line needs a speaker tag."""
    out = []
    for i, raw in enumerate((script or "").splitlines(), 1):
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        if not m:
            raise ValueError(f"dialogue line {i}: start it with a speaker and a colon, e.g. 'A: Hello there.' "
                             f"(got {raw.strip()[:40]!r})")
        out.append((m.group(1).strip(), m.group(2).strip()))
    if not out:
        raise ValueError("write the dialogue as lines like 'A: Hello.' and 'B: Hi!'")
    if len(out) > MAX_DIALOGUE_LINES:
        raise ValueError(f"a dialogue here has at most {MAX_DIALOGUE_LINES} lines (got {len(out)}); "
                         f"use the Story tab for longer scripts")
    return out


def parse_voices(table: Any) -> dict[str, str]:
    """Voices table (speaker, voice instruction) → dict; blank rows ignored."""
    from .edit import cell_text, table_records

    voices = {}
    for rec in table_records(table, ["speaker", "voice"]):
        name, voice = cell_text(rec.get("speaker")), cell_text(rec.get("voice"))
        if name:
            voices[name] = voice
    return voices


def render_dialogue(session, script: str, voices: dict[str, str], language: str | None, seed: int,
                    cancel: CancelToken | None = None, pause: float = PAUSE_S) -> Rendered:
    lines = parse_script(script)
    lang = resolve_language(language, script)
    speakers = list(dict.fromkeys(s for s, _ in lines))
    parts: list[np.ndarray] = []
    cues: list[tuple[float, float, str]] = []
    warnings: list[str] = []
    understood: dict[str, Any] = {}
    unknown: list[str] = []
    sr = None
    t = 0.0
    missing = [s for s in speakers if not voices.get(s)]
    if missing:
        warnings.append(f"no voice instruction for {', '.join(missing)}: the default voice is used")
    for speaker, line in lines:
        if cancel is not None:
            cancel.check()
        voice = voices.get(speaker, "")
        # one seed per speaker keeps each speaker's voice the same on every line
        req = speech_request(line, voice, lang, int(seed) + speakers.index(speaker))
        clip = session.generate(req, cancel)
        a = _mono(clip.audio)
        if sr is None:
            sr = clip.sample_rate
        elif clip.sample_rate != sr:
            a = resample(a, clip.sample_rate, sr)
        if parts:
            parts.append(np.zeros(int(pause * sr), np.float32))
            t += pause
        parts.append(a)
        cues.append((round(t, 3), round(t + a.shape[0] / sr, 3), f"{speaker}: {line}"))
        t += a.shape[0] / sr
        understood[speaker] = req.attributes
        parsed = instruct.parse("speech", voice)
        unknown += [u for u in parsed.unknown if u not in unknown]
        warnings += [w for w in clip.warnings if w not in warnings]
    return Rendered(np.concatenate(parts).astype(np.float32), int(sr), understood, unknown, cues, warnings)


def contrast_instructions(text: str) -> list[str]:
    items = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if not 2 <= len(items) <= MAX_CONTRAST:
        raise ValueError(f"write 2 to {MAX_CONTRAST} instructions, one per line (got {len(items)})")
    return items


def render_contrast(session, line: str, instructions: list[str], language: str | None, seed: int,
                    cancel: CancelToken | None = None) -> list[tuple[str, Rendered]]:
    """The same line under each instruction, with the same seed so only the instruction differs."""
    if not (line or "").strip():
        raise ValueError("type the line to speak")
    return [(ins, render_speech(session, line, ins, language, seed, cancel)) for ins in instructions]
