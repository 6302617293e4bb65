"""Fitting the story to its length: speech is estimated from its text, the gaps are fixed, and sounds and music
share the rest within their bounds (engine.timing's water-fill). Speech that cannot fit is dropped or shortened
with a note; a story with too little material gets extra sound beats.
"""

from __future__ import annotations

import math

from engine.plan import MAX_DURATION_S
from engine.timing import Elastic, fit_durations

from .beats import beat_pool, insert_beats
from .draft import Clip, Draft
from .wording import estimate_speech_seconds, shorten_line

MAX_SOUND_CLIP_S = 30.0  # AudioStory's DiT renders at most 30 s per clip; longer stretches become several beats
MAX_PAUSE_EXTRA_S = 2.5  # at most this much extra silence between clips when nothing can fill the story


def gaps(draft: Draft, foreground: list[Clip]) -> list[float]:
    """Silence before each clip: a breath between lines, a beat before the ending music, none between sounds."""
    out = []
    for j, clip in enumerate(foreground):
        if j == 0:
            out.append(round(draft.lead_pad, 2))
            continue
        previous = foreground[j - 1]
        if clip.kind == "speech" and previous.kind == "speech":
            out.append(0.25 + draft.pause_extra if previous.character == clip.character else 0.35 + draft.pause_extra)
        elif clip.kind == "speech" or previous.kind == "speech":
            out.append(0.2 + draft.pause_extra)
        elif clip in draft.ending:
            out.append(0.3 + draft.pause_extra)
        else:
            out.append(draft.pause_extra)
    return out


def _budget(draft: Draft) -> tuple[list[Clip], list[float], float]:
    """(foreground, gaps, seconds left for sounds and music once speech and gaps are counted)."""
    foreground = draft.foreground()
    foreground_gaps = gaps(draft, foreground)
    for clip in foreground:
        if clip.kind == "speech":
            clip.duration = round(estimate_speech_seconds(clip.text, clip.pace), 2)
    speech = sum(c.duration for c in foreground if c.kind == "speech")
    return foreground, foreground_gaps, draft.target_seconds - sum(foreground_gaps) - speech


def fit(draft: Draft) -> None:
    """Give every foreground clip its duration so the laid-out story lasts the target length."""
    if not draft.foreground() and draft.music_beds:
        # music "throughout" with nothing else to sit under: the music is the story
        caption, instruction = draft.music_beds.pop(0)
        draft.scenes[0].clips.append(Clip("music", 0, caption=caption, instruction=instruction, min_s=4.0,
                                          max_s=28.0, weight=3.0))
    foreground, _, budget = _budget(draft)
    if not foreground:
        raise ValueError("the instruction produced no events; describe at least one sound, line or piece of music")
    if budget < sum(c.min_s for c in foreground if c.kind != "speech") - 1e-6:
        _shrink(draft)
    _extend(draft)
    foreground, _, budget = _budget(draft)
    flexible = [c for c in foreground if c.kind != "speech"]
    shares = fit_durations([Elastic(c.weight, lo=c.min_s, hi=c.max_s) for c in flexible], budget)
    for clip, seconds in zip(flexible, shares):
        clip.duration = round(seconds, 2)


def _overrun(draft: Draft, least) -> float:
    """Seconds by which sounds and music at `least(clip)` each overrun the time speech leaves them."""
    foreground, _, budget = _budget(draft)
    return sum(least(c) for c in foreground if c.kind != "speech") - budget


def _shrink(draft: Draft) -> None:
    """Speech does not fit: tighten minimums, drop written lines, then shorten quoted ones."""
    def over() -> float:
        return _overrun(draft, lambda c: c.min_s)

    def over_preferred() -> float:
        # shortened lines leave sounds and music a few seconds each, not just their bare minimum
        return _overrun(draft, lambda c: min(c.max_s, max(c.min_s, 4.0)))

    for clip in draft.foreground():
        if clip.kind == "music":
            clip.min_s = min(clip.min_s, 3.0)
        elif clip.kind == "sound":
            clip.min_s = 1.5
    if over() <= 0:
        return
    dropped = 0
    for droppable in (lambda c: c.reply, lambda c: c.written and not c.quoted):
        for scene in draft.scenes:
            for clip in reversed(list(scene.clips)):
                if over() <= 0:
                    break
                if clip.kind == "speech" and droppable(clip):
                    lines_by_speaker = [x for s in draft.scenes for x in s.clips
                                        if x.character == clip.character and x.kind == "speech"]
                    if len(lines_by_speaker) > 1 or clip.reply:  # never drop a character's only line
                        scene.clips.remove(clip)
                        dropped += 1
    trimmed = 0
    while over() > 0:
        speech = [c for c in draft.foreground() if c.kind == "speech" and len(c.text) > 1]
        if not speech:
            break
        longest = max(speech, key=lambda c: estimate_speech_seconds(c.text, c.pace))
        need = max(over(), over_preferred())
        keep = max(0.8, estimate_speech_seconds(longest.text, longest.pace) - need - 0.2)
        shorter = shorten_line(longest.text, keep, longest.pace)
        if shorter == longest.text:
            break
        longest.text = shorter
        trimmed += 1
    removed = 0
    while over() > 0:
        sounds = [c for c in draft.foreground() if c.kind == "sound" and not c.sound_keys] or \
                 [c for c in draft.foreground() if c.kind == "sound"][1:]
        if not sounds:
            break
        victim = sounds[-1]
        for scene in draft.scenes:
            if victim in scene.clips:
                scene.clips.remove(victim)
        removed += 1
    target = draft.target_seconds
    if over() > 1e-6:
        raise ValueError(f"the story cannot fit in {target:g} s even after shortening every line; "
                         f"ask for a longer duration or a shorter story")
    parts_en, parts_zh = [], []
    if dropped:
        parts_en.append(f"dropped {dropped} written line(s)")
        parts_zh.append(f"删去了 {dropped} 句规划器写的台词")
    if trimmed:
        parts_en.append(f"shortened {trimmed} line(s)")
        parts_zh.append(f"缩短了 {trimmed} 句台词")
    if removed:
        parts_en.append(f"removed {removed} sound event(s)")
        parts_zh.append(f"删去了 {removed} 个声音事件")
    parts_en.append("sounds and music were kept short")
    parts_zh.append("声音和音乐都尽量缩短")
    draft.notes.append(draft.say(
        f"The speech needs more time than the {target:g} s story allows: " + ", ".join(parts_en)
        + ". Ask for a longer duration to keep everything.",
        f"对白所需时间超过了 {target:g} 秒的总时长：" + "，".join(parts_zh) + "。如需保留全部内容，请加长时长。"))


def _extend(draft: Draft) -> None:
    """Too little material for the target: add sound beats to the scenes (and let music grow if alone)."""
    added = 0
    for _ in range(50):
        foreground, _, budget = _budget(draft)
        flexible = [c for c in foreground if c.kind != "speech"]
        deficit = budget - sum(c.max_s for c in flexible)
        if deficit <= 1e-6:
            break
        scenes = [s for s in draft.scenes if any(c.kind != "music" for c in s.clips)]
        if deficit < 2.0:
            # too little for a clip of its own: let existing clips grow, else leave a short pause up front
            longest = {"sound": MAX_SOUND_CLIP_S - 0.5, "music": 600.0}
            stretchable = [c for c in flexible if c.max_s < longest[c.kind] - 0.01]
            if stretchable:
                for clip in stretchable:
                    clip.max_s = min(longest[clip.kind], clip.max_s + deficit / len(stretchable))
            else:
                draft.lead_pad += deficit
            continue
        if not scenes:
            music = [c for c in foreground if c.kind == "music"]
            inline = [c for c in music if c.scene >= 0] or music
            if not inline:
                raise ValueError("nothing to fill the story with; describe at least one sound, line or music")
            for clip in inline:
                clip.max_s = min(float(MAX_DURATION_S), clip.max_s + deficit / len(inline))
            continue
        scenes = [s for s in scenes if beat_pool(s)]
        if not scenes:
            # nothing the instruction named can recur: let the story breathe (longer pauses), never invent sounds
            if draft.pause_extra < MAX_PAUSE_EXTRA_S and len(foreground) > 1:
                draft.pause_extra = min(MAX_PAUSE_EXTRA_S, draft.pause_extra + deficit / (len(foreground) - 1))
                continue
            short = round(deficit, 1)
            draft.notes.append(draft.say(
                f"The instruction names about {draft.target_seconds - short:.0f} s of material for the "
                f"{draft.target_seconds:g} s asked; nothing was invented to fill the rest. Add events or lines, or "
                f"ask for a shorter story.",
                f"指令中的内容约 {draft.target_seconds - short:.0f} 秒，少于要求的 {draft.target_seconds:g} 秒；没有编造内容来"
                f"填补。可增加事件或台词，或缩短时长。"))
            break
        # about one beat per 24 s missing, to the scenes with the most happening
        n = max(1, math.ceil(deficit / 24.0))
        weights = [len(s.clips) for s in scenes]
        counts = [0] * len(scenes)
        for _ in range(n):
            k = max(range(len(scenes)), key=lambda i: weights[i] / (counts[i] + 1))
            counts[k] += 1
        for scene, count in zip(scenes, counts):
            if count:
                insert_beats(draft, scene, count)
                added += count
    if added:
        target = draft.target_seconds
        draft.notes.append(draft.say(f"Extended the scenes with {added} extra sound beat(s) to fill {target:g} s.",
                                     f"为填满 {target:g} 秒，场景中增加了 {added} 个声音片段。"))


def fix_rounding(draft: Draft, foreground: list[Clip], foreground_gaps: list[float]) -> None:
    """Rounding leaves a few hundredths; give them to the clip with the most room."""
    for _ in range(4):
        total = sum(foreground_gaps) + sum(c.duration for c in foreground)
        diff = round(draft.target_seconds - total, 2)
        if abs(diff) < 0.005:
            return
        flexible = [c for c in foreground if c.kind != "speech"] or foreground
        if diff > 0:
            clip = max(flexible, key=lambda c: (MAX_SOUND_CLIP_S if c.kind == "sound" else MAX_DURATION_S) - c.duration)
            longest = MAX_SOUND_CLIP_S if clip.kind == "sound" else MAX_DURATION_S
            clip.duration = round(min(longest, clip.duration + diff), 2)
        else:
            clip = max(flexible, key=lambda c: c.duration)
            clip.duration = round(max(0.5, clip.duration + diff), 2)
