"""Extra sound beats for a scene that must last longer than its events: sounds that recur there (the beats of the
place the instruction names, the continuous sources it asks for, one-shots that naturally repeat), cycled so
nothing repeats before the rest. A scene nobody placed gets none: no invented breeze, birds or crickets.
"""

from __future__ import annotations

from .draft import Clip, Draft, Scene
from .events import sound_instruction
from .scenes import SETTING_BY_KEY, TIME_PHRASES
from .sound_words import RECURRING, SOUND_BY_KEY
from .wording import as_sentence

Beat = tuple[str, str, bool]  # (English, Chinese, one-shot)

def insert_beats(draft: Draft, scene: Scene, count: int) -> None:
    """Spread `count` beats evenly between the scene's clips, the least-heard sound first."""
    pool = beat_pool(scene)
    draft.rng.shuffle(pool)

    def plain_caption(beat: Beat) -> str:
        return _beat_caption(beat, "", draft.language)

    uses = {plain_caption(b): 0 for b in pool}
    for clip in scene.clips:
        for b in pool:
            if clip.caption.startswith(plain_caption(b).rstrip(".。")):
                uses[plain_caption(b)] += 1
    time = TIME_PHRASES.get(scene.time or "", ("", ""))[0]
    scene_index = draft.scenes.index(scene)
    beats = []
    for _ in range(count):
        # the least-heard sound next, so a long scene cycles through everything before repeating
        beat = min(pool, key=lambda b: uses[plain_caption(b)])
        uses[plain_caption(beat)] += 1
        en, zh, one_shot = beat
        clip = Clip("sound", scene_index, caption=_beat_caption(beat, time, draft.language), one_shot=one_shot,
                    written=True, min_s=2.0, max_s=8.0 if one_shot else 24.0, weight=1.0 if one_shot else 2.5)
        clip.instruction = sound_instruction(draft, en if draft.reading_language == "en" else zh, scene)
        beats.append(clip)
    m = len(scene.clips)
    positions = sorted(max(1, round((j + 1) * m / (count + 1))) for j in range(count))
    for offset, (position, clip) in enumerate(zip(positions, beats)):
        scene.clips.insert(position + offset, clip)


def beat_pool(scene: Scene) -> list[Beat]:
    """Sounds that can recur in a scene: its place's beats, its continuous sources and one-shots that
    naturally repeat (gulls, hooves, thunder). Single events (a door, a kettle) are not repeated."""
    pool: list[Beat] = []
    # an indoor cue with no named place ("inside", "by the fire", "屋里") is a room of a house
    setting = SETTING_BY_KEY.get(scene.place or "") or (SETTING_BY_KEY["house"] if scene.room else None)
    if setting:
        pool += [(en, zh, False) for en, zh in setting.beats]
    keys = list(scene.sound_keys) + ([scene.weather] if scene.weather and scene.weather not in scene.sound_keys else [])
    for key in keys:
        sound = SOUND_BY_KEY[key]
        if sound.one_shot and key not in RECURRING:
            continue
        for trigger, en, zh in sound.variants:
            if trigger is None and en not in scene.heard:
                pool.append((en, zh, sound.one_shot))
    return pool


def _beat_caption(beat: Beat, time: str, language: str) -> str:
    en, zh, _ = beat
    if language == "zh":
        return as_sentence(zh, "zh")
    return as_sentence(en.replace("{at}", f" {time}" if time else ""), "en")
