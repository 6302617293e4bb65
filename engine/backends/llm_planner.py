"""LLM planner: an instruct LLM turns a story instruction into a Plan, AudioStory-style.

The model reasons in the order AudioStory does — first the storyline, then the ordered sub-events, then per
event its caption, duration, kind and track, the spoken line with its character, and voice/music
instructions — written as one JSON object (`LLMPlan`). The model runs in this process (transformers, the
studio profile's Qwen3) or on any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp, `transformers
serve`, hosted APIs); llm_transports.py and llm_local.py hold the two transports. Output is constrained to the
schema where the transport can (`outlines` in process, `response_format` on a server); otherwise free output is
parsed with json-repair. Either way the result is validated with pydantic, checked for meaning (foreground
events, speech with text) and retried with the error fed back; if every attempt fails (or the model cannot load,
or the server cannot answer) the TemplatePlanner makes the plan and `plan.notes` says so, with the reason.

The conversion is deterministic and does the arithmetic the LLM is bad at: the story meets the target length
("The total duration is N s" in the instruction, or the `duration` argument) by scaling the non-speech
foreground clips; speech is planned from its text length; background beds span the events they cover.

Public API: `LLMPlanner(repo_id_or_path, ...)` or `LLMPlanner(url=..., model=...)` with
`plan(instruction, duration, language, seed)`; `plan_from_llm(data, instruction, target, language, seed,
model_id) -> Plan`; `LLMPlan` (the JSON schema).
"""

from __future__ import annotations

import json
import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine import instruct
from engine.plan import (MAX_CAPTION_CHARS, MAX_DURATION_S, MAX_TEXT_CHARS, Character, Plan, PlanError, Segment,
                         VoiceSpec)

from engine.text import detect_language
from engine.timing import Elastic, fit_durations, foreground_spans

from .base import BackendError, Capabilities
from .llm_transports import ServerTransport, Transport
from .offline.planner import (DEFAULT_DURATION_S, MIN_DURATION_S, TemplatePlanner, estimate_speech_seconds,
                              parse_duration)
from .steps import StepHook

DEFAULT_REPO = "Qwen/Qwen3-4B-Instruct-2507"
MAX_CLIP_S = 30.0  # one sound clip (the DiT's window); longer stretches should be several events
MIN_CLIP_S = 1.0
SPEECH_GAP_S = 0.3  # breath between consecutive spoken lines
_SECONDS = r"^[0-9]{1,3}(\.[0-9])?$"
_EVENT_NO = r"^[0-9]{0,3}$"


# ------------------------------------------------------------------------------------------------------------
# what the LLM writes


class _Strict(BaseModel):
    # No length limits in the schema: bounded repetitions multiply the states of the regex outlines compiles
    # (slow index builds over a 150k-token vocabulary); plan_from_llm truncates instead.
    model_config = ConfigDict(extra="ignore")


class LLMCharacter(_Strict):
    name: str = Field(min_length=1)
    voice: str = Field(description="who speaks: gender, age, timbre, e.g. 'an old man, deep and calm'")


class LLMEvent(_Strict):
    kind: Literal["sound", "speech", "music"]
    track: Literal["foreground", "background"]
    caption: str = Field(description="what it sounds like, concrete and audible")
    seconds: str = Field(pattern=_SECONDS, description="duration in seconds")
    character: str = Field(description="speaker name for speech, else empty")
    text: str = Field(description="the spoken line (speech) or lyrics (music), else empty")
    instruction: str = Field(description="delivery for speech (emotion, style, pace) or "
                                                         "genre/instruments/tempo/mood/key for music")
    start_event: str = Field(pattern=_EVENT_NO, description="background only: first foreground event number")
    end_event: str = Field(pattern=_EVENT_NO, description="background only: last foreground event number")


class LLMPlan(_Strict):
    title: str = Field()
    storyline: str = Field(description="the story in a few sentences, in order, before the events")
    characters: list[LLMCharacter]
    events: list[LLMEvent]

    @field_validator("events")
    @classmethod
    def _has_foreground(cls, v: list[LLMEvent]) -> list[LLMEvent]:
        if not any(e.track == "foreground" for e in v):
            raise ValueError("the plan needs at least one foreground event")
        return v


SYSTEM_PROMPT = """You are the planner of an audio-story studio. Turn the user's story into timed audio events.
Think like a sound designer, in this order:
1. storyline: retell the story in 2-4 sentences, in time order.
2. characters: everyone who speaks, with a voice description (gender, age, timbre).
3. events, in playing order. Each event is one clip:
   - kind "sound" (effects, ambience), "speech" (one spoken line of one character) or "music";
   - track "foreground" (plays in sequence) or "background" (an ambience or music bed under foreground events
     start_event..end_event, numbered from 1 among the foreground events);
   - caption: what it sounds like, concrete and audible ("heavy rain drums on a tin roof");
   - seconds: its length (sound clips 2-15 s, never over 30; speech about 3 words per second);
   - character and text for speech (the exact words), lyrics in text for songs, else empty strings;
   - instruction: how a line is delivered ("whispering, afraid") or the music ("sad piano, 70 BPM, D minor").
Write the captions, lines and instructions in the language of the story. Answer with the JSON object only."""

EXAMPLE = {
    "title": "The lighthouse",
    "storyline": "Night falls on a rocky coast. Waves crash while the keeper climbs the stairs. He lights the lamp "
                 "and tells the night he is still here. Soft strings close the story.",
    "characters": [{"name": "Keeper", "voice": "an old man, deep and calm"}],
    "events": [
        {"kind": "sound", "track": "background", "caption": "waves crash on rocks, wind over the sea", "seconds": "20",
         "character": "", "text": "", "instruction": "", "start_event": "1", "end_event": "3"},
        {"kind": "sound", "track": "foreground", "caption": "slow footsteps climb an iron spiral staircase",
         "seconds": "6", "character": "", "text": "", "instruction": "", "start_event": "", "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "3", "character": "Keeper",
         "text": "Still here, old friend.", "instruction": "tired, warm", "start_event": "", "end_event": ""},
        {"kind": "music", "track": "foreground", "caption": "soft strings rise and fade", "seconds": "8",
         "character": "", "text": "", "instruction": "calm strings, 60 BPM, C major", "start_event": "",
         "end_event": ""},
    ],
}


def build_messages(instruction: str, target: float, language: str, feedback: str | None = None) -> list[dict]:
    user = instruction.strip()
    if not re.search(r"total duration", user, re.I) and "总时长" not in user:
        user += f" The total duration is {target:g} seconds." if language == "en" else f" 总时长为{target:g}秒。"
    if feedback:
        user += f"\n\nYour previous answer could not be used: {feedback}. Answer again with valid JSON."
    example = json.dumps(EXAMPLE, ensure_ascii=False)
    return [{"role": "system", "content": f"{SYSTEM_PROMPT}\nExample answer:\n{example}"},
            {"role": "user", "content": user}]


# ------------------------------------------------------------------------------------------------------------
# JSON → Plan


def extract_json(text: str) -> dict:
    """The first JSON object in the model's answer, repaired when it is slightly broken (json-repair). A reasoning
    model's <think>…</think> block (some servers send it with the answer) is skipped."""
    text = re.sub(r"<think>.*?</think>", "", text, flags=re.S)
    start = text.find("{")
    if start < 0:
        raise ValueError("the answer contains no JSON object")
    body = text[start:]
    try:
        return json.loads(body[: body.rfind("}") + 1])
    except ValueError:
        pass
    import json_repair

    data = json_repair.loads(body)
    if not isinstance(data, dict):
        raise ValueError("the answer is not a JSON object")
    return data


def _seconds(s: str | float) -> float:
    try:
        v = float(s)
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) else 0.0


def _event_no(s: str) -> int | None:
    return int(s) if str(s).strip().isdigit() else None


def plan_from_llm(data: LLMPlan | dict, instruction: str, target: float, language: str, seed: int,
                  model_id: str, notes: list[str] | None = None) -> Plan:
    """Validated LLM output → a Plan whose foreground lays out to `target` seconds (see module doc)."""
    llm = data if isinstance(data, LLMPlan) else LLMPlan.model_validate(data)
    notes = list(notes or [])
    characters: dict[str, Character] = {}
    for c in llm.characters:
        name = c.name.strip()[:64]
        if name and name not in characters:
            characters[name] = Character(name=name, voice=VoiceSpec(instruction=c.voice.strip()[:MAX_CAPTION_CHARS]))
    fg: list[dict] = []
    bg: list[tuple[LLMEvent, int | None, int | None]] = []
    dropped = 0
    for e in llm.events:
        if e.track == "background":
            if e.kind == "speech":
                dropped += 1  # a spoken line is never a bed
                continue
            bg.append((e, _event_no(e.start_event), _event_no(e.end_event)))
            continue
        text = e.text.strip()
        if e.kind == "speech" and not text:
            dropped += 1
            continue
        character = e.character.strip()[:64] or None
        if e.kind == "speech" and character and character not in characters:
            characters[character] = Character(name=character)
        if e.kind != "speech":
            character = None
        if e.kind == "speech":
            pace = instruct.parse_speech(e.instruction).pace or 1.0
            seconds = estimate_speech_seconds(text, pace)
        else:
            seconds = min(MAX_DURATION_S, max(MIN_CLIP_S, _seconds(e.seconds) or 5.0))
        if e.kind == "sound" and not e.caption.strip():
            dropped += 1
            continue
        fg.append({"kind": e.kind, "caption": e.caption.strip()[:MAX_CAPTION_CHARS],
                   "text": text[:MAX_TEXT_CHARS] if e.kind != "sound" else "", "character": character,
                   "instruction": e.instruction.strip()[:MAX_CAPTION_CHARS], "duration": seconds})
    if not fg:
        raise ValueError("no usable foreground event (speech needs text, sound needs a caption)")
    if dropped:
        notes.append(f"{dropped} event(s) the model wrote were unusable and left out.")

    gaps = [0.0] + [SPEECH_GAP_S if a["kind"] == b["kind"] == "speech" else 0.0 for a, b in zip(fg, fg[1:])]
    fixed = sum(x["duration"] for x in fg if x["kind"] == "speech") + sum(gaps)
    elastic = [x for x in fg if x["kind"] != "speech"]
    room = target - fixed
    if elastic and room > 0:
        caps = [MAX_CLIP_S if x["kind"] == "sound" else MAX_DURATION_S for x in elastic]
        fitted = fit_durations([Elastic(x["duration"], lo=MIN_CLIP_S, hi=cap) for x, cap in zip(elastic, caps)], room)
        for x, d in zip(elastic, fitted):
            x["duration"] = d
        # clips capped at 30 s leave time over: give it to music, else stretch the story's last clip
        short = target - fixed - sum(x["duration"] for x in elastic)
        if short > 0.05:
            x = next((x for x in reversed(elastic) if x["kind"] == "music"), elastic[-1])
            x["duration"] += short
            if x["kind"] == "sound" and x["duration"] > MAX_CLIP_S:
                notes.append("Some sound clips are longer than 30 s; they are rendered in parts and crossfaded.")
    elif elastic:
        for x in elastic:
            x["duration"] = MIN_CLIP_S
    total = fixed + sum(x["duration"] for x in elastic)
    if total > target + 0.5:
        notes.append(f"The spoken lines alone need {total:.0f} s, more than the {target:g} s asked for.")
    elif total < target - 0.5:
        notes.append(f"The story has {total:.0f} s of material for the {target:g} s asked for.")

    segments: list[Segment] = []
    ids = [f"s{i + 1:02d}" for i in range(len(fg))]
    starts = [a for a, _ in foreground_spans([x["duration"] for x in fg], gaps)]
    for i, (x, g) in enumerate(zip(fg, gaps)):
        d = round(x["duration"], 2)
        fade = round(min(0.5, d / 4), 2) if x["kind"] == "sound" else 0.0
        segments.append(Segment(id=ids[i], kind=x["kind"], track="foreground", gap=g, duration=d,
                                caption=x["caption"], text=x["text"], character=x["character"],
                                instruction=x["instruction"], fade_in=fade,
                                fade_out=round(min(3.0, d / 3), 2) if x["kind"] == "music" else fade))
    for j, (e, a, b) in enumerate(bg):
        first = min(max(1, a or 1), len(fg)) - 1
        last = min(max(first + 1, b or len(fg)), len(fg)) - 1
        span = starts[last] + fg[last]["duration"] - starts[first]
        segments.append(Segment(
            id=f"b{j + 1:02d}", kind=e.kind, track="background", covers=[ids[first], ids[last]],
            duration=round(max(0.01, span), 2), caption=e.caption.strip()[:MAX_CAPTION_CHARS],
            text=e.text.strip()[:MAX_TEXT_CHARS] if e.kind == "music" else "",
            instruction=e.instruction.strip()[:MAX_CAPTION_CHARS], gain_db=-6.0 if e.kind == "sound" else -10.0,
            fade_in=round(min(2.0, span / 4), 2), fade_out=round(min(2.0, span / 4), 2)))
    used = {s.character for s in segments if s.character}
    title = llm.title.strip() or instruction.strip().split(".")[0][:60] or "Untitled story"
    notes.insert(0, f"Planned by {model_id} (storyline: {llm.storyline.strip()[:300]})")
    return Plan(title=title[:200], instruction=instruction, language=language, target_duration=round(target, 3),
                seed=seed, characters=[c for n, c in characters.items() if n in used], segments=segments,
                notes=notes)


# ------------------------------------------------------------------------------------------------------------
# the backend


class LLMPlanner:
    """Plans through an instruct LLM, in this process (transformers) or on an OpenAI-compatible server (`url`).

    Local: `repo_id_or_path`, `device`, `dtype`, `allow_cpu`. Server: `url` (e.g. http://localhost:11434/v1),
    `model` (unset: the first the server lists), `api_key` (unset: $AUDIOSTORY_PLANNER_KEY, then
    $OPENAI_API_KEY), `timeout` seconds, `licence` (shown in the About panel). Both: `constrained` (the answer's
    schema enforced where the transport can), `retries`, `max_new_tokens`, `temperature`, `top_p`."""

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, url: str | None = None, model: str | None = None,
                 api_key: str | None = None, timeout: float | None = None, licence: str | None = None,
                 constrained: bool | None = None, retries: int = 2, max_new_tokens: int | None = None,
                 temperature: float = 0.7, top_p: float = 0.8, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        self.transport: Transport
        if url:
            self.transport = ServerTransport(url, model, api_key=api_key, timeout=timeout, licence=licence,
                                             constrained=constrained is not False, temperature=temperature,
                                             top_p=top_p)
        else:
            from .llm_local import TransformersTransport  # torch: only for the in-process model

            self.transport = TransformersTransport(repo_id_or_path, constrained=constrained, temperature=temperature,
                                                   top_p=top_p, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.retries = max(0, int(retries))
        self.max_new_tokens = max_new_tokens
        self.fallback = TemplatePlanner()
        self.last_raw: list[str] = []  # raw answers of the last plan() call (debugging, tests)

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(name=self.transport.name, model_id=self.transport.model_id, kinds=(),
                            languages=("en", "zh"), max_duration=float(MAX_DURATION_S), sample_rate=0, channels=0,
                            licence=self.transport.licence)

    # the session's memory report reads these; a server's model has neither here
    @property
    def device(self):
        return getattr(self.transport, "device", None)

    @property
    def dtype(self):
        return getattr(self.transport, "dtype", None)

    def _budget(self, target: float) -> int:
        if self.max_new_tokens:
            return int(self.max_new_tokens)
        events = max(4, target / 5.0)  # about one event per 5 s
        return int(min(8192, 400 + 90 * events))

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None,
             seed: int = 0) -> Plan:
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValueError("the instruction is empty: describe the story to plan")
        if language not in (None, "en", "zh"):
            raise ValueError(f"language {language!r} is not supported; use 'en' or 'zh'")
        lang = language or detect_language(instruction)
        said, _ = parse_duration(instruction.strip())
        if duration is not None:
            target, source = float(duration), "requested"
        elif said is not None:
            target, source = said, "from the instruction"
        else:
            target, source = DEFAULT_DURATION_S, "default; the instruction names no length"
        if not (MIN_DURATION_S <= target <= MAX_DURATION_S) or math.isnan(target):
            raise ValueError(f"duration {target:g} s is outside {MIN_DURATION_S:g}–{MAX_DURATION_S} s")
        notes = [f"Target length {target:g} s ({source})."]
        self.last_raw = []
        feedback = None
        error = "no attempt was made"
        budget = self._budget(target)
        for attempt in range(self.retries + 1):
            try:
                raw = self.transport.complete(build_messages(instruction, target, lang, feedback), seed=seed + attempt,
                                              max_tokens=budget, schema=LLMPlan,
                                              hook=StepHook(None, budget, "planning"))
            except BackendError as e:  # the model cannot answer here: no GPU, weights missing, server down
                error = str(e)
                break
            self.last_raw.append(raw)
            try:
                answer = LLMPlan.model_validate(extract_json(raw))
                return self.plan_from_answer(answer, instruction, target, lang, seed, notes)
            except (ValueError, ValidationError, PlanError) as e:
                feedback = _short_error(e)
                error = f"{self.transport.model_id} gave no usable plan: {feedback}"
        plan = self.fallback.plan(instruction, duration=duration, language=language, seed=seed)
        plan.notes.insert(0, f"The language model could not plan this story ({error}); the template planner "
                             f"made this plan instead.")
        return plan

    def plan_from_answer(self, answer: LLMPlan, instruction: str, target: float, language: str, seed: int,
                         notes: list[str]) -> Plan:
        """The one place where a validated answer becomes the Plan, whichever transport produced it. The facts the
        rules read from the instruction (quoted lines, voices, music fields, named sounds) are merged in first and
        win, so a model's paraphrase or omission never reaches the render unreported."""
        from .llm_facts import merge_facts  # imported here: llm_facts builds on this module's answer schema
        from .offline.planner.facts import read_facts
        answer, corrections = merge_facts(answer, read_facts(instruction, target, language))
        notes.extend(corrections)
        return plan_from_llm(answer, instruction, target, language, seed, self.transport.model_id, notes)


def _short_error(e: Exception) -> str:
    if isinstance(e, ValidationError):
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        return f"{e.error_count()} schema error(s), first at {loc or 'top level'}: {first['msg']}"
    return str(e).splitlines()[0][:300]
