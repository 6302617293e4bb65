"""TemplatePlanner: the offline profile's Planner backend (instruction → Plan, EN + ZH, no language model)."""

from __future__ import annotations

import math

from engine.backends.base import Capabilities
from engine.plan import MAX_DURATION_S, Plan
from engine.text import detect_language

from .assembly import build_plan
from .cast import Cast
from .draft import Draft
from .durations import DEFAULT_DURATION_S, MIN_DURATION_S, parse_duration
from .fitting import fit
from .reading import read_story
from .storybank import write_told_stories
from .wording import strip_lead, title_of

CAPABILITIES = Capabilities(
    name="template-planner",
    model_id="offline-template-planner-v1",
    kinds=(),
    languages=("en", "zh"),
    max_duration=float(MAX_DURATION_S),
    sample_rate=0,
    channels=0,
    licence="part of AudioStory Studio (no model weights)",
)

MAX_INSTRUCTION_CHARS = 20000


class TemplatePlanner:
    """Rule-based planner for the offline profile: instruction → Plan, deterministic for a seed (see the
    package's doc)."""

    capabilities = CAPABILITIES

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None,
             seed: int = 0) -> Plan:
        if not isinstance(instruction, str) or not instruction.strip():
            raise ValueError("the instruction is empty: describe the story to plan, e.g. 'A storm reaches a fishing "
                             "village at night; an old fisherman tells his grandson a story. 90 seconds.'")
        if len(instruction) > MAX_INSTRUCTION_CHARS:
            raise ValueError(f"the instruction is {len(instruction)} characters long; at most {MAX_INSTRUCTION_CHARS} "
                             f"fit in a plan, so shorten it or split it into several stories")
        if language not in (None, "en", "zh"):
            raise ValueError(f"language {language!r} is not supported by the template planner; use 'en' or 'zh'")
        if not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        reading_language = detect_language(instruction)
        language = language or reading_language
        said, story = parse_duration(instruction.strip())
        if duration is not None:
            try:
                target = float(duration)
            except (TypeError, ValueError):
                raise ValueError(f"duration must be a number of seconds, got {duration!r}") from None
            if not (MIN_DURATION_S <= target <= MAX_DURATION_S) or math.isnan(target):
                raise ValueError(f"duration {duration!r} s is outside {MIN_DURATION_S:g} s … {MAX_DURATION_S} s; "
                                 f"choose a length in that range")
            source_en, source_zh = "requested", "按请求"
        elif said is not None:
            target, source_en, source_zh = said, "from the instruction", "取自指令"
        else:
            target, source_en, source_zh = DEFAULT_DURATION_S, "default; the instruction names no length", "默认值；指令未给出时长"
        story = strip_lead(story, reading_language).strip()
        if not story.strip(" .。!?！？,，"):
            raise ValueError("the instruction only gives a duration; describe what happens in the story as well")
        draft = Draft(instruction, round(target, 3), reading_language, language, seed, Cast(language))
        draft.notes.append(draft.say(f"Target length {target:g} s ({source_en}).", f"目标时长 {target:g} 秒（{source_zh}）。"))
        if language != reading_language:
            draft.notes.append(draft.say("The instruction is written in Chinese; quoted lines and unrecognised clauses "
                                         "are kept as written.", "指令是英文写的：引号中的台词和未能识别的分句保持原文。"))
        read_story(draft, story)
        write_told_stories(draft)
        fit(draft)
        return build_plan(draft, title_of(story, reading_language), seed)
