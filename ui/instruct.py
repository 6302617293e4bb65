"""Instruct tab handlers (the InstructAudio interface): speech, music and dialogue straight from an instruction,
the instruction composed from dropdowns, and one line under several instructions. Same conventions as
handlers.py: the Workspace comes in and goes out first; fixable errors become gr.Error."""

from __future__ import annotations

import gradio as gr

from engine import direct

from . import format as fmt
from .handlers import ensure_ws
from .views import clip_png, save_figure, write_audio
from .workspace import Workspace

def compose_preview(kind: str, language: str, gender, age, emotion, style, accent, pace, genre, instruments,
                    tempo, mood) -> str:
    try:
        return direct.compose_instruction(kind or "speech", language, {
            "gender": gender, "age": age, "emotion": emotion, "style": style, "accent": accent, "pace": pace,
            "genre": genre, "instruments": instruments or [], "tempo_bpm": tempo, "mood": mood})
    except ValueError as e:
        raise gr.Error(str(e)) from None


def instruct_language(language: str):
    """Dropdown words follow the instruction language; selections reset (the words differ)."""
    lang = "zh" if language == "zh" else "en"
    fields = [("speech", f) for f in direct.SPEECH_FIELDS] + [("music", f) for f in direct.MUSIC_FIELDS]
    return tuple(gr.Dropdown(choices=direct.field_choices(kind, field, lang), value=[] if field == "instruments"
                             else None) for kind, field in fields)


def instruct_kind(kind: str):
    """Show the controls that matter for the kind: (speech attrs, music attrs, instruction box, voices table,
    music length). A dialogue takes its voices from the table, one instruction per speaker."""
    return (gr.Group(visible=kind == "speech"), gr.Group(visible=kind == "music"),
            gr.Textbox(visible=kind != "dialogue"), gr.Dataframe(visible=kind == "dialogue"),
            gr.Number(visible=kind == "music"))


def run_instruct(kind: str, instruction: str, text: str, voices, language: str, seed: float | None,
                 duration: float | None, ws: Workspace | None, progress=gr.Progress()):
    """Speech, music or a dialogue straight from an instruction. Returns (ws, audio, understood, spectrogram)."""
    ws = ensure_ws(ws)
    kind = (kind or "speech").lower()
    lang = language if language in ("en", "zh") else None
    progress(0.1, desc=f"Generating {kind}")
    studio = ws.studio
    try:
        if kind == "speech":
            out = studio.speak(text, instruction, lang, int(seed or 0))
            understood = fmt.understood_markdown("speech", out.understood, out.unknown)
        elif kind == "music":
            out = studio.compose(instruction, text, duration or 10, lang, int(seed or 0))
            understood = fmt.understood_markdown("music", out.understood, out.unknown)
        elif kind == "dialogue":
            out = studio.dialogue(text, direct.parse_voices(voices), lang, int(seed or 0))
            understood = "\n\n".join(fmt.understood_markdown(f"speech · {spk}", a, [])
                                     for spk, a in out.understood.items())
            if out.unknown:
                understood += "\n\nnot understood (ignored): " + ", ".join(f"“{u}”" for u in out.unknown)
        else:
            raise ValueError(f"unknown kind {kind!r}; use speech, music or dialogue")
    except ValueError as e:
        raise gr.Error(str(e)) from None
    if out.warnings:
        understood += "\n\n" + "\n".join(f"- ⚠ {w}" for w in out.warnings)
    path = write_audio(ws, out.audio, out.sample_rate, f"{kind}.wav")
    subs = [{"text": c, "timestamp": [a, b]} for a, b, c in out.cues] or None
    return ws, gr.Audio(value=path, subtitles=subs), understood, clip_png(ws, out.audio, out.sample_rate, kind)


def run_contrast(line: str, instructions: str, language: str, seed: float | None, ws: Workspace | None,
                 progress=gr.Progress()):
    """One line under 2–4 instructions: players side by side and overlaid pitch/energy contours.
    Returns (ws, audio 1..4, contours image)."""
    from engine.viz import contours_figure

    ws = ensure_ws(ws)
    lang = language if language in ("en", "zh") else None
    try:
        items = direct.contrast_instructions(instructions)
        progress(0.1, desc="Rendering the line under each instruction")
        results = ws.studio.contrast(line, items, lang, int(seed or 0))
    except ValueError as e:
        raise gr.Error(str(e)) from None
    players = []
    for i in range(direct.MAX_CONTRAST):
        if i < len(results):
            label, out = results[i]
            players.append(gr.Audio(value=write_audio(ws, out.audio, out.sample_rate, f"contrast{i + 1}.wav"),
                                    label=f"{i + 1}. {label}", visible=True))
        else:
            players.append(gr.Audio(value=None, visible=False))
    image = save_figure(ws, "contours.png", lambda: contours_figure(
        [(f"{i + 1}. {label}"[:40], out.audio, out.sample_rate) for i, (label, out) in enumerate(results)]))
    return (ws, *players, image)
