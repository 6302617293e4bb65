"""The attribute types an instruction is read into (speech, music, sound), with the units backends map onto
real controls (see the package docstring)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


Gender = Literal["male", "female"]
Age = Literal["child", "young", "adult", "elderly"]
Mode = Literal["major", "minor"]
Distance = Literal["close", "near", "medium", "far", "distant"]
Vocals = Literal["male", "female", "none"]


class Attributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unknown: list[str] = Field(default_factory=list, description="words not understood, kept and reported")

    def controls(self) -> dict:
        """The attributes that are set, without `unknown` — what reaches a backend."""
        return self.model_dump(exclude_none=True, exclude={"unknown"}, exclude_defaults=False)


class SpeechAttributes(Attributes):
    gender: Gender | None = None
    age: Age | None = None
    emotion: str | None = None  # neutral, happy, sad, angry, fearful, surprised, calm, excited, tender…
    style: str | None = None  # narration, whisper, shouting, news, storytelling, conversational…
    accent: str | None = None  # american, british, …  (free text)
    pace: float | None = None
    pitch: float | None = None
    volume: float | None = None


class MusicAttributes(Attributes):
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


class SoundAttributes(Attributes):
    source: str | None = None
    intensity: float | None = None
    distance: Distance | None = None
    environment: str | None = None  # indoor, outdoor, cave, hall, street…


KINDS = ("speech", "music", "sound")
LANGUAGES = ("en", "zh")
MODELS: dict[str, type[Attributes]] = {"speech": SpeechAttributes, "music": MusicAttributes, "sound": SoundAttributes}
