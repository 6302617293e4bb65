"""The instruction vocabulary (InstructAudio interface): natural language ⇄ structured attributes, EN + ZH.

Shared by every backend, offline and neural. Attribute *types* live here; parse/compose below.
Units are chosen so backends can map them directly onto real controls:
- pace: speaking-rate multiplier (1.0 normal, 1.3 fast, 0.75 slow)
- pitch: semitone offset from the voice's natural pitch (+ higher)
- volume: dB offset (+6 loud/shouting, -6 soft)
- tempo_bpm: beats per minute; energy/intensity/brightness: 0..1
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Gender = Literal["male", "female"]
Age = Literal["child", "young", "adult", "elderly"]
Mode = Literal["major", "minor"]
Distance = Literal["close", "near", "medium", "far", "distant"]


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


class SoundAttributes(_Attrs):
    source: str | None = None
    intensity: float | None = None
    distance: Distance | None = None
    environment: str | None = None  # indoor, outdoor, cave, hall, street…
