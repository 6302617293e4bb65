"""Turning a fitted Draft into a Plan: segment ids in story order, fades, an ambience bed under each scene,
music beds under everything, and the characters with their voices.
"""

from __future__ import annotations

from engine.plan import MAX_CAPTION_CHARS, MAX_TEXT_CHARS, Character, Plan, Segment, VoiceSpec
from engine.timing import foreground_spans

from .cast import person_phrase
from .draft import Clip, Draft, Scene
from .fitting import fix_rounding, gaps
from .scenes import bed_caption, environment


def build_plan(draft: Draft, title: str, seed: int) -> Plan:
    foreground = draft.foreground()
    foreground_gaps = gaps(draft, foreground)
    for clip in foreground:
        clip.duration = max(0.01, round(clip.duration, 2))
    fix_rounding(draft, foreground, foreground_gaps)
    ordered = _story_order(draft)
    ids = {id(obj): f"s{n:02d}" for n, (_, obj) in enumerate(ordered, start=1)}
    gap_of = {id(c): g for c, g in zip(foreground, foreground_gaps)}
    # planned spans, as layout() will place them (all gaps are ≥ 0), give the beds their durations
    spans = {ids[id(c)]: span for c, span in zip(foreground, foreground_spans([c.duration for c in foreground],
                                                                              foreground_gaps))}

    def covered(first: Clip, last: Clip) -> tuple[list[str], float]:
        first_id, last_id = ids[id(first)], ids[id(last)]
        return [first_id, last_id], max(0.01, round(spans[last_id][1] - spans[first_id][0], 2))

    segments: list[Segment] = []
    speakers: list[str] = []
    for kind, obj in ordered:
        segment_id = ids[id(obj)]
        if kind == "clip":
            if obj.character and obj.character not in speakers:
                speakers.append(obj.character)
            segments.append(_clip_segment(segment_id, obj, gap_of[id(obj)]))
        elif kind == "bed":
            covers, seconds = covered(obj.clips[0], obj.clips[-1])
            segments.append(_ambience_segment(segment_id, obj, covers, seconds, draft.language))
        else:
            caption, instruction = obj
            core = [c for c in foreground if c not in draft.ending] or foreground
            covers, seconds = covered(core[0], core[-1])
            segments.append(Segment(
                id=segment_id, kind="music", track="background", covers=covers, duration=seconds, caption=caption,
                instruction=instruction, gain_db=-10.0, fade_in=round(min(3.0, seconds / 4), 2),
                fade_out=round(min(3.0, seconds / 4), 2)))
    characters = []
    for name in speakers:
        member = draft.cast.members[name]
        voice = member.voice or person_phrase(member.person, draft.language)
        characters.append(Character(name=name, voice=VoiceSpec(instruction=voice[:MAX_CAPTION_CHARS])))
    return Plan(title=title[:200] or "Untitled story", instruction=draft.instruction, language=draft.language,
                target_duration=draft.target_seconds, seed=seed, characters=characters, segments=segments,
                notes=draft.notes)


def _story_order(draft: Draft) -> list[tuple[str, object]]:
    """Music beds first, then the intro, each scene's bed and clips, and the ending."""
    ordered: list[tuple[str, object]] = [("music bed", (caption, instruction))
                                         for caption, instruction in draft.music_beds]
    ordered += [("clip", c) for c in draft.intro]
    for scene in draft.scenes:
        if not scene.clips:
            continue
        # an ambience bed only where the instruction says where or when (or what is heard throughout): a scene
        # nobody placed gets no invented breeze
        if scene.ambient or scene.weather or scene.place or scene.time or scene.room:
            ordered.append(("bed", scene))
        ordered += [("clip", c) for c in scene.clips]
    ordered += [("clip", c) for c in draft.ending]
    return ordered


def _clip_segment(segment_id: str, clip: Clip, gap: float) -> Segment:
    fade_in = fade_out = 0.0
    if clip.kind == "sound" and not clip.one_shot:
        fade_in = fade_out = round(min(0.5, clip.duration / 4), 2)
    elif clip.kind == "music":
        fade_in = round(min(1.0, clip.duration / 4), 2)
        fade_out = round(min(3.0, clip.duration / 3), 2)
    return Segment(id=segment_id, kind=clip.kind, track="foreground", gap=round(gap, 2), duration=clip.duration,
                   caption=clip.caption[:MAX_CAPTION_CHARS], text=clip.text[:MAX_TEXT_CHARS], character=clip.character,
                   instruction=clip.instruction[:MAX_CAPTION_CHARS], fade_in=fade_in, fade_out=fade_out)


def _ambience_segment(segment_id: str, scene: Scene, covers: list[str], seconds: float, language: str) -> Segment:
    return Segment(id=segment_id, kind="sound", track="background", covers=covers, duration=seconds,
                   caption=bed_caption(scene, language), gain_db=-6.0,
                   instruction=("轻柔，" if language == "zh" else "soft, ") + environment(scene, language),
                   fade_in=round(min(2.0, seconds / 4), 2), fade_out=round(min(2.0, seconds / 4), 2))
