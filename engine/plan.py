"""The Plan: the one document UI and engine exchange. Pydantic v2 models, JSON on disk, versioned schema.

Timing lives in one place only. A foreground segment stores its `gap` to the previous foreground segment
(negative = overlap) and its planned `duration`; a background segment stores which foreground segments it
`covers` (or an absolute `start`). `engine.timing.layout()` turns that into start/end times, using each speech segment's
rendered length once it exists, so edits and re-renders ripple like in an editor.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .text import has_cjk

SCHEMA_VERSION = 1
MAX_DURATION_S = 30 * 60  # a story, and any one segment, is at most 30 minutes
MAX_TEXT_CHARS = 5000  # one spoken line / lyrics; longer belongs in several segments
MAX_CAPTION_CHARS = 500
MAX_SEGMENTS = 2000

Kind = Literal["sound", "speech", "music"]
Track = Literal["foreground", "background"]
Language = Literal["en", "zh"]
MAX_PRONUNCIATIONS = 500


def spoken_text(text: str, pronunciations: dict[str, str]) -> str:
    """`text` as the speech models should read it: every listed word replaced by how to say it, in one pass
    (a replacement is never replaced again). Latin words match whole and ignore case; Chinese matches as written."""
    if not pronunciations or not text:
        return text
    keys = sorted(pronunciations, key=len, reverse=True)  # the longest entry wins where entries overlap
    alts = [re.escape(k) if has_cjk(k) else rf"(?<!\w){re.escape(k)}(?!\w)" for k in keys]
    lookup = {k.casefold(): v for k, v in pronunciations.items()}
    return re.sub("|".join(alts), lambda m: lookup.get(m.group(0).casefold(), m.group(0)), text, flags=re.IGNORECASE)


# what the master is made for (engine.delivery: loudness, peak ceiling, and the spec it is checked against)
Delivery = Literal["podcast", "streaming", "broadcast", "audiobook"]
DELIVERIES: tuple[str, ...] = Delivery.__args__

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class PlanError(ValueError):
    """A plan (or a file claiming to be one) is invalid; the message names what to fix."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Model(BaseModel):
    # Unknown keys are errors: a typo in a hand-edited plan must not be silently ignored.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class VoiceSpec(_Model):
    instruction: str = Field("", max_length=MAX_CAPTION_CHARS,
                             description="natural-language voice, e.g. 'an old man, deep and calm'")
    attributes: dict[str, Any] = Field(default_factory=dict, description="parsed from the instruction")


class Character(_Model):
    name: str = Field(min_length=1, max_length=64)
    voice: VoiceSpec = Field(default_factory=VoiceSpec)


class CheckIssue(_Model):
    """One failed check of a take (codes: engine.qa.CODES), with the measured value and the limit it broke."""
    code: str
    message: str
    value: float | None = None
    limit: float | None = None


class TakeChecks(_Model):
    """What was measured on a take: its loudness and peak when it was rendered, then the per-clip checks'
    verdict (engine/qa.py; `passed` is None until the take is checked)."""
    lufs: float | None = None
    peak: float | None = None
    passed: bool | None = None
    issues: list[CheckIssue] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)  # checks skipped and why
    qa_version: int | None = None

    def problem(self) -> str | None:
        """Why the take failed its checks, in words (None if it passed or was never checked)."""
        return None if self.passed is not False else "; ".join(i.message or i.code for i in self.issues)


class Take(_Model):
    """One rendering of a segment, with its provenance. `path` is relative to the project folder."""

    id: str
    key: str = Field(description="render cache key: hash of everything that changes the audio")
    path: str | None = Field(None, description="audio file inside the project, None if the render failed")
    backend: str
    model_id: str
    seed: int
    parameters: dict[str, Any] = Field(default_factory=dict)
    created: str = Field(default_factory=_now)
    duration: float = Field(0.0, ge=0)
    sample_rate: int = Field(0, ge=0)
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)
    qa: TakeChecks = Field(default_factory=TakeChecks)

    @field_validator("path")
    @classmethod
    def _inside_project(cls, v: str | None) -> str | None:
        if v is None:
            return v
        p = PurePosixPath(v.replace("\\", "/"))
        if p.is_absolute() or ".." in p.parts or not p.parts or re.match(r"^[A-Za-z]:", v):
            raise ValueError(f"take path {v!r} must be a relative path inside the project folder")
        return str(p)


class Segment(_Model):
    id: str
    kind: Kind
    track: Track = "foreground"
    gap: float = Field(0.0, ge=-MAX_DURATION_S, le=MAX_DURATION_S,
                       description="foreground: seconds after the previous foreground segment ends (negative overlaps)")
    covers: list[str] = Field(default_factory=list,
                              description="background: ids of the first and last foreground segments it spans")
    start: float | None = Field(None, ge=0, le=MAX_DURATION_S,
                                description="background only: absolute start when it covers no segments")
    duration: float = Field(gt=0, le=MAX_DURATION_S,
                            description="planned seconds; speech uses its rendered length once rendered")
    caption: str = Field("", max_length=MAX_CAPTION_CHARS)
    text: str = Field("", max_length=MAX_TEXT_CHARS)
    character: str | None = None
    instruction: str = Field("", max_length=MAX_CAPTION_CHARS)
    attributes: dict[str, Any] = Field(default_factory=dict)
    gain_db: float = Field(0.0, ge=-60, le=24)
    fade_in: float = Field(0.0, ge=0, le=60)
    fade_out: float = Field(0.0, ge=0, le=60)
    seed: int | None = Field(None, ge=0, description="None = derived from the plan seed and the segment id")
    locked: bool = False
    takes: list[Take] = Field(default_factory=list)
    active_take: str | None = None

    @field_validator("id")
    @classmethod
    def _valid_id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"segment id {v!r} must be 1-64 letters, digits, '_' or '-'")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Segment":
        if self.track == "foreground" and (self.covers or self.start is not None):
            raise ValueError(f"segment {self.id}: 'covers'/'start' are for background segments only")
        if len(self.covers) > 2:
            raise ValueError(f"segment {self.id}: 'covers' holds the first and last foreground id (at most 2)")
        if self.kind == "speech" and not self.text.strip():
            raise ValueError(f"segment {self.id}: a speech segment needs its spoken text")
        if self.active_take is not None and self.active_take not in {t.id for t in self.takes}:
            raise ValueError(f"segment {self.id}: active take {self.active_take!r} is not one of its takes")
        return self

    def take(self) -> Take | None:
        """The active take (the one the mix plays)."""
        for t in self.takes:
            if t.id == self.active_take:
                return t
        return None


class Plan(_Model):
    schema_version: int = SCHEMA_VERSION
    title: str = Field("Untitled story", max_length=200)
    instruction: str = Field("", max_length=20000)
    language: Language = "en"
    target_duration: float = Field(60.0, gt=0, le=MAX_DURATION_S)
    sample_rate: int = Field(44100, ge=8000, le=192000)
    seed: int = Field(0, ge=0)
    characters: list[Character] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list, max_length=MAX_SEGMENTS)
    notes: list[str] = Field(default_factory=list, description="planner remarks shown to the user")
    delivery: Delivery = Field("podcast", description="what the master is made for: its loudness, peak ceiling "
                                                      "and the spec the export is checked against")
    pronunciations: dict[str, str] = Field(
        default_factory=dict, max_length=MAX_PRONUNCIATIONS,
        description="word → how the speech models should say it (e.g. 'Siobhan': 'shi-vawn'); captions keep "
                    "the written word")

    @field_validator("pronunciations")
    @classmethod
    def _pronunciations(cls, v: dict[str, str]) -> dict[str, str]:
        out = {}
        for word, say in v.items():
            word, say = " ".join(str(word).split()), " ".join(str(say).split())
            if not word or not say:
                raise ValueError(f"pronunciation {word or say!r}: both the word and how to say it are needed")
            if len(word) > 100 or len(say) > 200:
                raise ValueError(f"pronunciation {word[:40]!r}: at most 100 characters for the word and 200 for "
                                 "how to say it")
            out[word] = say
        return out

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"plan schema version {v} is not supported (this version reads {SCHEMA_VERSION})")
        return v

    @model_validator(mode="after")
    def _references(self) -> "Plan":
        seen: set[str] = set()
        for s in self.segments:
            if s.id in seen:
                raise ValueError(f"segment id {s.id!r} is used twice; ids must be unique")
            seen.add(s.id)
        names = [c.name for c in self.characters]
        if len(set(names)) != len(names):
            raise ValueError("character names must be unique")
        fg = {s.id for s in self.segments if s.track == "foreground"}
        for s in self.segments:
            if s.character is not None and s.character not in names:
                raise ValueError(f"segment {s.id}: character {s.character!r} is not in the characters list")
            for c in s.covers:
                if c not in fg:
                    raise ValueError(f"segment {s.id}: covers {c!r}, which is not a foreground segment")
        return self

    # --- lookups -------------------------------------------------------------------------------------
    def segment(self, segment_id: str) -> Segment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise PlanError(f"no segment with id {segment_id!r} (ids: {', '.join(s.id for s in self.segments)})")

    def character(self, name: str | None) -> Character | None:
        return next((c for c in self.characters if c.name == name), None)

    def segment_seed(self, seg: Segment) -> int:
        """Per-segment seed: explicit, else a stable mix of the plan seed and the id (not Python's hash)."""
        if seg.seed is not None:
            return seg.seed
        h = 2166136261
        for b in f"{self.seed}:{seg.id}".encode():
            h = ((h ^ b) * 16777619) & 0xFFFFFFFF
        return h

    def new_segment_id(self, prefix: str = "s") -> str:
        taken = {s.id for s in self.segments}
        i = len(self.segments) + 1
        while f"{prefix}{i:02d}" in taken:
            i += 1
        return f"{prefix}{i:02d}"

    # --- JSON ------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Plan":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise PlanError(f"plan is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> "Plan":
        if not isinstance(data, dict):
            raise PlanError("plan must be a JSON object")
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise PlanError(f"plan schema version {version!r} is not supported; this AudioStory Studio reads "
                            f"version {SCHEMA_VERSION}. Upgrade the app or re-plan the story.")
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise PlanError(describe_validation_error(e, data)) from None

    @staticmethod
    def json_schema() -> dict:
        return Plan.model_json_schema()


def describe_validation_error(e: ValidationError, data: Any = None) -> str:
    """One line per problem, naming the segment id (not just a list index) so users can find it."""
    lines = []
    for err in e.errors():
        loc = list(err["loc"])
        where = []
        for i, part in enumerate(loc):
            if part == "segments" and i + 1 < len(loc) and isinstance(loc[i + 1], int) and isinstance(data, dict):
                try:
                    sid = data["segments"][loc[i + 1]].get("id", "?")
                    where.append(f"segment {loc[i + 1] + 1} (id {sid!r})")
                except (IndexError, KeyError, TypeError, AttributeError):
                    where.append(f"segment {loc[i + 1] + 1}")
            elif isinstance(part, int) and i > 0 and loc[i - 1] == "segments":
                continue
            else:
                where.append(str(part))
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{' → '.join(where) or 'plan'}: {msg}")
    return "invalid plan: " + "; ".join(lines)
