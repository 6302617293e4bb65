"""The hard facts of an instruction: what it states explicitly, read by the rules planner's reading (one reader for
both planners). A language model's plan is merged with these and they win (engine/backends/llm_facts.py): an asked
quote appears verbatim with its speaker, an asked BPM is the music's BPM, a named event is heard.

`read_facts(instruction)` → `Facts`: the quoted lines with their speakers and voices, every character's voice, the
music fields each music request states, the sound events named (captions in the instruction's words), the target
length and whether it was stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import instruct
from engine.text import detect_language

from .cast import Cast, person_phrase
from .draft import Draft
from .durations import DEFAULT_DURATION_S, parse_duration
from .reading import read_story
from .wording import strip_lead


@dataclass(frozen=True)
class Line:
    text: str
    speaker: str
    instruction: str  # how the instruction says it is delivered ("whispering, raspy")


@dataclass(frozen=True)
class Event:
    caption: str  # in the instruction's words
    sound_keys: tuple[str, ...]  # the sound words it names (planner/sound_words.py), for matching a paraphrase


@dataclass
class Facts:
    language: str
    target_seconds: float
    length_stated: bool
    lines: list[Line] = field(default_factory=list)
    voices: dict[str, str] = field(default_factory=dict)  # speaker → voice instruction
    music: list[instruct.MusicAttributes] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def read_facts(instruction: str, duration: float | None = None, language: str | None = None) -> Facts:
    reading_language = detect_language(instruction)
    language = language or reading_language
    said, story = parse_duration(instruction.strip())
    target = float(duration or said or DEFAULT_DURATION_S)
    draft = Draft(instruction, target, reading_language, language, 0, Cast(language))
    read_story(draft, strip_lead(story, reading_language).strip())
    facts = Facts(language, target, duration is not None or said is not None)
    for clip in draft.foreground():
        if clip.kind == "speech" and clip.quoted and clip.character:
            facts.lines.append(Line(clip.text, clip.character, clip.instruction))
        elif clip.kind == "sound" and not clip.written:
            facts.events.append(Event(clip.caption, clip.sound_keys))
    for name in dict.fromkeys(line.speaker for line in facts.lines):
        member = draft.cast.members[name]
        facts.voices[name] = member.voice or person_phrase(member.person, language)
    facts.music = [m for m in draft.asked_music if m.controls() != {"instruments": []}]
    return facts
