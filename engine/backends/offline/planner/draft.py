"""The working state of one planning run: the clips being planned, the scenes they sit in, and what the
planner has read so far. The other modules of the planner read and extend a `Draft`; `assembly` turns it
into a Plan.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .wording import pattern

if TYPE_CHECKING:
    from .cast import Cast


@dataclass
class StoryRequest:
    """'X tells a story': the lines are written from the story bank once every clause has been read."""

    topic: str
    teller: str
    listener: str | None
    delivery: list[str]


@dataclass
class Clip:
    """A foreground segment being planned."""

    kind: str
    scene: int = -1  # index into Draft.scenes; -1: outside scenes (intro / ending music)
    caption: str = ""
    text: str = ""
    character: str | None = None
    instruction: str = ""
    one_shot: bool = False  # a single event (no fades) rather than a sound that goes on
    min_s: float = 2.0
    max_s: float = 28.0
    weight: float = 1.0  # share of the free time, relative to the other clips
    pace: float = 1.0  # speaking-rate multiplier for the length estimate
    written: bool = False  # written by the planner (droppable when time is short)
    quoted: bool = False  # spoken text quoted in the instruction
    story: StoryRequest | None = None  # a story still to be written (replaced by its lines)
    reply: bool = False  # a listener's interjection inside a written story
    duration: float = 0.0
    sound_keys: tuple[str, ...] = ()


@dataclass
class Scene:
    """Clauses that share a place, time of day and weather; each scene gets one ambience bed."""

    place: str | None = None  # a Setting key
    time: str | None = None  # a TimeOfDay key
    weather: str | None = None
    indoor: bool = False  # heard indoors (a room is named, or its things are: a microwave, 防盗门)
    room: bool = False  # a room is named ("inside", "屋里"): it may get a room's ambience
    outdoor: bool = False  # something says it is outside ("in the yard", "exterior"), with no place named
    ambient: list[str] = field(default_factory=list)  # sound keys heard under the scene (in its bed)
    sound_keys: list[str] = field(default_factory=list)  # sound keys heard in the scene (material for beats)
    clips: list[Clip] = field(default_factory=list)
    heard: set[str] = field(default_factory=set)  # sound descriptions already used (beats avoid them)


class Draft:
    """One planning run: what has been read from the instruction and planned so far."""

    def __init__(self, instruction: str, target_seconds: float, reading_language: str, language: str, seed: int,
                 cast: Cast):
        self.instruction = instruction
        self.target_seconds = target_seconds
        self.reading_language = reading_language  # the language the instruction is written in (how to read it)
        self.language = language  # the plan's language (what to write)
        self.rng = random.Random(seed)
        self.cast = cast
        self.notes: list[str] = []
        self.scenes: list[Scene] = [Scene()]
        self.intro: list[Clip] = []
        self.ending: list[Clip] = []
        self.music_beds: list[tuple[str, str]] = []  # (caption, instruction) of music under everything
        self.asked_music: list = []  # engine.instruct.MusicAttributes each music request states (the hard facts)
        self.quotes: list[str] = []  # quoted lines, hidden behind markers while the story is read
        self.recognised = 0  # clauses understood (sound, speech or music)
        self.story_text = ""
        self.weather_cleared = False  # the last clause ended the weather ("the rain stops")
        self.lead_pad = 0.0  # silence before the first clip, when a second or two is left and nothing can stretch
        self.pause_extra = 0.0  # silence added between clips when the instruction gives too little to fill the story

    def say(self, en: str, zh: str) -> str:
        """The text in the plan's language."""
        return zh if self.language == "zh" else en

    def find(self, en: str, zh: str, text: str) -> re.Match | None:
        """Search `text` for a vocabulary entry in the instruction's language."""
        return pattern(en, zh, self.reading_language).search(text)

    def foreground(self) -> list[Clip]:
        """Every foreground clip in story order."""
        return self.intro + [c for s in self.scenes for c in s.clips] + self.ending
