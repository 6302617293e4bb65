"""Hybrid planning: a language model writes the creative part of a plan (events, captions, lines, voices, music);
the hard facts the rules read from the instruction (engine/backends/offline/planner/facts.py) are merged in and win.

- every quoted line appears verbatim with its speaker: the model's closest line is corrected (paraphrase, wrong
  speaker), or the line is inserted after the previous asked line when the model left it out;
- every speaker of an asked line exists, with the voice the instruction describes (the model's extra words kept);
- every music request's stated fields (genre, instruments, BPM, key, mode, mood) are the music's, written back in
  engine.instruct's words; a request the model ignored becomes a music event;
- every named sound event is heard: one the model left out is inserted in story order.
Each correction is reported in the plan's notes. Timing is fitted afterwards, by the planner's own code.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from engine import instruct

from .llm_planner import LLMCharacter, LLMEvent, LLMPlan
from .offline.planner.facts import Facts
from .offline.planner.sound_words import SOUND_BY_KEY
from .offline.planner.wording import pattern

SAME_LINE = 0.55  # similarity above which the model's line is taken to be the asked one, rephrased


def _norm(text: str) -> str:
    return re.sub(r"[^\w']+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def _event(kind: str, caption: str = "", text: str = "", character: str = "", instruction: str = "",
           seconds: str = "4") -> LLMEvent:
    return LLMEvent(kind=kind, track="foreground", caption=caption, seconds=seconds, character=character, text=text,
                    instruction=instruction, start_event="", end_event="")


def merge_facts(plan: LLMPlan, facts: Facts) -> tuple[LLMPlan, list[str]]:
    """The model's plan with the instruction's hard facts merged in (they win), and a note per correction."""
    zh = facts.language == "zh"
    notes: list[str] = []
    foreground = [e.model_copy() for e in plan.events if e.track == "foreground"]
    background = []
    for e in plan.events:  # a bed keeps the events it covers as objects, renumbered after insertions
        if e.track != "background":
            continue
        first = _at(foreground, e.start_event, 0)
        last = _at(foreground, e.end_event, len(foreground) - 1)
        background.append((e.model_copy(), first, last))

    _merge_lines(foreground, facts, notes, zh)
    characters = _merge_voices(plan.characters, facts)
    _merge_music(foreground, facts, notes, zh)
    _merge_events(foreground, facts, notes, zh)

    events = []
    for bed, first, last in background:
        if first is not None and last is not None:
            bed.start_event, bed.end_event = str(foreground.index(first) + 1), str(foreground.index(last) + 1)
        events.append(bed)
    return plan.model_copy(update={"events": events + foreground, "characters": characters}), notes


def _at(foreground: list[LLMEvent], number: str, default: int) -> LLMEvent | None:
    if not foreground:
        return None
    k = int(number) - 1 if str(number).strip().isdigit() else default
    return foreground[min(max(k, 0), len(foreground) - 1)]


def _merge_lines(foreground: list[LLMEvent], facts: Facts, notes: list[str], zh: bool) -> None:
    taken: set[int] = set()
    previous: LLMEvent | None = None
    for line in facts.lines:
        candidates = [e for e in foreground if e.kind == "speech" and id(e) not in taken]
        best = max(candidates, key=lambda e: _similarity(e.text, line.text), default=None)
        if best is not None and _similarity(best.text, line.text) >= SAME_LINE:
            if _norm(best.text) != _norm(line.text) or best.character != line.speaker:
                notes.append(f"已按指令原文恢复台词“{line.text}”（{line.speaker}）。" if zh else
                             f"Kept the asked line \"{line.text}\" verbatim with its speaker {line.speaker} (the "
                             f"model wrote \"{best.text}\" for {best.character or 'nobody'}).")
            best.text, best.character = line.text, line.speaker
            best.instruction = _with_words(best.instruction, line.instruction)
            taken.add(id(best))
            previous = best
            continue
        new = _event("speech", text=line.text, character=line.speaker, instruction=line.instruction)
        at = foreground.index(previous) + 1 if previous is not None else next(
            (i for i, e in enumerate(foreground) if e.kind == "speech"), len(foreground))
        foreground.insert(at, new)
        taken.add(id(new))
        previous = new
        notes.append(f"模型漏掉了台词“{line.text}”（{line.speaker}），已按指令补上。" if zh else
                     f"Added the asked line \"{line.text}\" ({line.speaker}), which the model left out.")


def _with_words(written: str, asked: str) -> str:
    """The model's delivery words, after the instruction's own (which come first and are never dropped)."""
    asked_words = [w.strip() for w in re.split(r"[,，、]", asked or "") if w.strip()]
    extra = [w.strip() for w in re.split(r"[,，、]", written or "") if w.strip() and w.strip() not in asked_words]
    return ", ".join(asked_words + extra)


def _merge_voices(characters: list[LLMCharacter], facts: Facts) -> list[LLMCharacter]:
    out = [c.model_copy() for c in characters]
    by_name = {c.name: c for c in out}
    for name, voice in facts.voices.items():
        if name in by_name:
            by_name[name].voice = _with_words(by_name[name].voice, voice)
        else:
            out.append(LLMCharacter(name=name, voice=voice))
    return out


def _merge_music(foreground: list[LLMEvent], facts: Facts, notes: list[str], zh: bool) -> None:
    music = [e for e in foreground if e.kind == "music"]
    for k, asked in enumerate(facts.music):
        asked = asked.model_copy(update={"unknown": []})
        if k < len(music):
            event = music[k]
            written = instruct.parse_music(f"{event.instruction}. {event.caption}").model_copy(update={"unknown": []})
            merged = instruct.merge(written, asked)
            if merged.controls() != written.controls():
                notes.append(f"音乐已按指令的要求调整：{_fields(asked)}。" if zh else
                             f"The music follows what was asked: {_fields(asked)}.")
            event.instruction = instruct.compose_music(merged, facts.language)
        else:
            described = instruct.compose_music(asked, facts.language)
            foreground.append(_event("music", caption=described, instruction=described, seconds="10"))
            notes.append(f"模型漏掉了要求的音乐，已补上：{described}" if zh else
                         f"Added the asked music the model left out: {described}")


def _fields(asked: instruct.MusicAttributes) -> str:
    """The stated music fields, plainly: "70 BPM, D minor, piano, sad"."""
    parts = []
    if asked.tempo_bpm:
        parts.append(f"{asked.tempo_bpm:g} BPM")
    if asked.key or asked.mode:
        parts.append(" ".join(x for x in (asked.key, asked.mode) if x))
    parts += [x for x in (asked.genre, *asked.instruments, asked.mood) if x]
    return ", ".join(parts)


def _merge_events(foreground: list[LLMEvent], facts: Facts, notes: list[str], zh: bool) -> None:
    language = facts.language
    heard = [e for e in foreground if e.kind == "sound"]
    previous: LLMEvent | None = None
    for event in facts.events:
        match = next((e for e in heard if _same_event(e.caption, event, language)), None)
        if match is not None:
            previous = match
            continue
        new = _event("sound", caption=event.caption)
        # in story order: after the last asked sound that is there, else first (a story opens with its scene)
        foreground.insert(foreground.index(previous) + 1 if previous is not None else 0, new)
        heard.append(new)
        previous = new
        notes.append(f"模型漏掉了要求的声音“{event.caption}”，已补上。" if zh else
                     f"Added the asked sound \"{event.caption}\", which the model left out.")


def _same_event(caption: str, event, language: str) -> bool:
    """Does a caption the model wrote describe this asked event (the same sound word, or mostly the same words)?"""
    for key in event.sound_keys:
        sound = SOUND_BY_KEY.get(key)
        if sound and (pattern(sound.en, sound.zh, "en").search(caption) or pattern(sound.en, sound.zh, "zh").search(caption)):
            return True
    return _similarity(caption, event.caption) >= 0.6
