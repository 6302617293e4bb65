"""The score a composition produces and rendering reads: notes on a beat grid, the chords, and the form."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.backends.offline.music.harmony import Chord
from engine.backends.offline.music.spec import MusicSpec


@dataclass
class Note:
    voice: str  # synth voice or drum piece ("kick", "snare", …)
    start: float  # beats from the start of the clip
    dur: float  # beats held
    midi: int
    vel: float  # 0..1
    pan: float = 0.0
    offset: float = 0.0  # seconds after the grid position (strummed strings only)
    gain: float = 1.0  # role level on top of the voice's LEVEL (the tune sits above the accompaniment)


@dataclass
class Section:
    label: str  # A, B, intro, breakdown
    prog: str
    bars: int
    melody: bool
    drums: bool
    energy: float
    variation: int


@dataclass
class Score:
    spec: MusicSpec
    total_beats: float
    final_beat: float  # where the closing tonic chord starts
    notes: list[Note] = field(default_factory=list)
    chords: list[tuple[float, float, Chord]] = field(default_factory=list)  # (start, beats, chord)
    form: list[str] = field(default_factory=list)
