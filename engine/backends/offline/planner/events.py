"""Sound events found in clauses: which sounds a clause names, its caption and its sound instruction, and the
sounds heard under a scene ("while rain drums on the roof", "crickets chirp all night").
"""

from __future__ import annotations

import re

from engine import instruct
from engine.plan import MAX_CAPTION_CHARS
from engine.text import CJK

from .cast import names_a_person, note_subject, read_person, voice_words
from .draft import Clip, Draft, Scene
from .scenes import TIME_PHRASES, Setting, enter_scene, environment
from .sound_words import HUMAN_SOUNDS, SOUND_BY_KEY, sound_hits
from .wording import EN_STOP, as_sentence, pattern, words

# Sounds that go on under a scene rather than happen once in it.
_BED_CUE = re.compile(r"\b(?:throughout|in the background|all night|the whole time|all the while)\b|背景|全程|始终|一直",
                      re.I)


# A clause that says something sounds, whatever the sound is ("磨豆机在响", "the fridge hums")
_SOUNDING = re.compile(r"\b(?:sounds?|sounding|hum(?:s|ming)?|buzz(?:es|ing)?|click(?:s|ing)?|clatter\w*|rattl\w+|"
                       r"ring(?:s|ing)?|beep\w*|whirr?\w*|hiss\w*|crackl\w+|creak\w*|squeak\w*|rumbl\w+|thud\w*|"
                       r"bang\w*|tick\w*|drip\w*|splash\w*|roar\w*|whistl\w+|chirp\w*|clank\w*|clink\w*|"
                       r"jingl\w+|thump\w*|whoosh\w*|gurgl\w+|sizzl\w+|pop(?:s|ping)?|snap(?:s|ping)?)\b|"
                       r"响|声|鸣|嗡|噼啪|咔|哗|呼呼|叮|咚|嘀|吱", re.I)


def split_simultaneous(body: str, language: str) -> tuple[str, str]:
    """'X tells a story while rain drums on the roof' → the main clause and its simultaneous sounds."""
    if language == "en":
        m = re.search(r"\s(?:while|as|as the|whilst)\s", body)
    else:
        m = re.search(r"(?:的时候|时，|同时)", body)
    if m and sound_hits(body[m.end():], language):
        return body[:m.start()], body[m.end():]
    return body, ""


def add_sound(draft: Draft, body: str, as_bed: bool = False) -> None:
    """A clause about sounds: an event in its scene, or (as_bed, "throughout") sounds under the scene."""
    language = draft.reading_language
    scene_index, cues = enter_scene(draft, body)
    scene = draft.scenes[scene_index]
    hits = sound_hits(body, language)
    if as_bed or (hits and _BED_CUE.search(body)):
        scene.ambient += [k for k, _ in hits if k not in scene.ambient]
        scene.sound_keys += [k for k, _ in hits if k not in scene.sound_keys]
        if hits:
            draft.recognised += 1
        return
    note_subject(draft.cast, body, language)  # "Ben chuckles. … he says": Ben is who "he" is
    if not hits:
        if (cues.setting or cues.time) and not _more_than_the_scene(draft, body):
            draft.recognised += 1  # a place or a time: it shapes the scene's bed, no event of its own
            return
        if draft.cast.mentioned and _only_a_voice(body, language):
            # "纪录片旁白，男声，沉稳大气，讲述…": how the person just named sounds
            _describe_last(draft, body, language)
            draft.recognised += 1
            return
        person = read_person(body, language)  # a known role or name, never a guess ("a parrot squawks")
        if person is not None and not person.plural and not _more_than_the_scene(draft, body, person):
            draft.cast.bring_forward(draft.cast.join(person))  # "请一位年轻的女导游": who speaks next, not a sound
            draft.recognised += 1
            return
        clip = Clip("sound", scene_index, caption=as_sentence(body, language), one_shot=False, min_s=2.0, max_s=12.0,
                    weight=2.0)
        clip.instruction = sound_instruction(draft, body, scene)
        scene.clips.append(clip)
        if cues.setting or _SOUNDING.search(body):
            draft.recognised += 1  # "咖啡馆里磨豆机在响": a sound in a named place, in the user's own words
        return
    draft.recognised += 1
    keys = tuple(k for k, _ in hits[:3])
    scene.sound_keys += [k for k in keys if k not in scene.sound_keys]
    caption = _caption(draft, body, keys, scene, cues.setting, cues.time, cues.place)
    one_shot = all(SOUND_BY_KEY[k].one_shot for k in keys)
    clip = Clip("sound", scene_index, caption=caption, one_shot=one_shot, sound_keys=keys,
                min_s=2.0, max_s=8.0 if one_shot else 28.0, weight=1.0 if one_shot else 3.0)
    clip.instruction = sound_instruction(draft, body, scene)
    scene.clips.append(clip)


def _only_a_voice(body: str, language: str) -> bool:
    """A clause that only says how someone sounds ("男声", "沉稳大气", "crisp and neutral", "with an Irish lilt")."""
    read = instruct.parse_speech(body)
    said = [f for f in ("gender", "age", "emotion", "style", "pace", "pitch", "volume", "accent") if getattr(read, f)]
    leftover = [u for u in read.unknown if not voice_words(u) and not re.search(r"-style$|lilt|burr|drawl", u)]
    return bool(said or voice_words(body)) and not leftover and len(body) <= 40


def _describe_last(draft: Draft, body: str, language: str) -> None:
    member = draft.cast.members[draft.cast.mentioned[-1]]
    read = instruct.parse_speech(body)
    member.person.gender = member.person.gender or read.gender
    member.person.age = read.age or member.person.age
    entry = "~" + body.strip(" ，,。.")
    if entry not in member.person.delivery:
        member.person.delivery.append(entry)


def _more_than_the_scene(draft: Draft, body: str, person=None) -> bool:
    """Does a clause say something happens, beyond where and when (and who)? "咖啡馆里磨豆机在响" does; "In the
    kitchen" and "an old fisherman" do not."""
    from .scenes import SETTINGS, TIMES

    rest = body
    for rows in (SETTINGS, TIMES):
        for row in rows:
            rest = pattern(row.en, row.zh, draft.reading_language).sub(" ", rest)
    if person is not None:
        for name in (person.name_en, person.name_zh):
            rest = rest.replace(name, " ") if name else rest
        for w in voice_words(rest):  # "一个低沉的男声旁白": how they sound is part of who they are
            rest = re.sub(re.escape(w[1:]), " ", rest, flags=re.I)
        rest = re.sub(r"男声|女声|男性|女性|男|女|中年|年轻|年长|\b(?:male|female|young|old|elderly|middle-aged)\b", " ",
                      rest, flags=re.I)
    if draft.reading_language == "zh":
        rest = re.sub(r"[一这那每][个位名只]|[里上中的了着在是有个位名年轻老小大请]|[^\u4e00-\u9fff]", "", rest)
        return len(rest) >= 2
    content = [w for w in re.findall(r"[A-Za-z]+", rest) if w.lower() not in EN_STOP
               and w.lower() not in ("in", "at", "on", "a", "an", "the", "inside", "outside", "young", "old")]
    if person is not None:
        content = [w for w in content if w.lower() not in person.name_en.lower().split()]
    return len(content) >= 2


def sound_instruction(draft: Draft, body: str, scene: Scene) -> str:
    """Loudness and distance named in the clause, then the scene's acoustic space."""
    parts = []
    if draft.find(r"loud\w*|deafening|heavy|fierce|violent|thunderous|booming|huge", r"巨大|震耳|猛烈|剧烈|大声", body):
        parts.append(draft.say("loud", "响亮"))
    elif draft.find(r"soft\w*|gentl\w*|faint\w*|quiet\w*|light|distant|far away|in the distance",
                    r"轻轻|轻柔|微弱|隐约|远处", body):
        parts.append(draft.say("soft", "轻柔"))
    if draft.find(r"distant|far away|in the distance|far off", r"远处|远方", body):
        parts.append(draft.say("distant", "遥远"))
    elif draft.find(r"nearby|close|right next", r"近处|旁边|身边", body):
        parts.append(draft.say("close", "近处"))
    parts.append(environment(scene, draft.language))
    return ", ".join(parts) if draft.language == "en" else "，".join(parts)


def _variant(draft: Draft, key: str, clause: str) -> tuple[str, str, bool]:
    """(English, Chinese) description of a sound, and whether the clause triggered it: the variant the clause's
    wording calls for, else a seeded default."""
    variants = SOUND_BY_KEY[key].variants
    for trigger, en, zh in variants:
        if trigger and re.search(trigger, clause, re.I):
            return en, zh, True
    free = [(en, zh) for trigger, en, zh in variants if trigger is None]
    en, zh = free[draft.rng.randrange(len(free))] if free else variants[0][1:]
    return en, zh, False


def _says_more(body: str, language: str) -> bool:
    """A clause with more to it than its sound words and their verbs ("a lawnmower drones three gardens away")."""
    if language == "zh":
        return len(CJK.findall(body)) >= 10
    return len([w for w in words(body) if w.lower() not in EN_STOP]) >= 6


def _caption(draft: Draft, body: str, keys: tuple[str, ...], scene: Scene, setting: Setting | None, time: str | None,
             place: tuple[str, str] | None) -> str:
    reading, writing = draft.reading_language, draft.language
    if len(keys) == 1 and keys[0] in HUMAN_SOUNDS and names_a_person(body, reading):
        if reading == writing:
            return as_sentence(body, reading)  # "A scientist laughs happily." says who laughs
        return as_sentence(draft.say(*_variant(draft, keys[0], body)[:2]), writing)
    variants: list[tuple[str, str, bool]] = []
    used: list[str] = []
    for k in keys:
        if any(pattern(SOUND_BY_KEY[k].en, "", "en").search(v[0]) for v in variants):
            continue  # "a gentle breeze rustles through the leaves" already has the leaves
        variants.append(_variant(draft, k, body))
        used.append(k)
    if reading == writing and (not all(triggered for _, _, triggered in variants) or _says_more(body, reading)):
        # a default description of a related sound ("soft snowfall" for hail, a creaking hull for a ship's horn)
        # would replace the asked event, and a clause that says more than one word per sound (a lawnmower three
        # gardens away beside the creaking door) would lose it: the clause itself says what is heard
        return as_sentence(body, reading)[:MAX_CAPTION_CHARS]
    descriptions = [(en, zh) for en, zh, _ in variants]
    scene.heard.update(d[0] for d in descriptions)
    if writing == "zh":
        return as_sentence(_zh_setting_prefix(draft, body, keys, setting, time, descriptions[0][1])
                           + "，".join(d[1] for d in descriptions), "zh")
    where = ""
    if place and reading == "en":
        preposition, noun_phrase = place
        if preposition in ("reaches", "hits", "sweeps", "strikes", "approaches", "enters"):
            preposition = SOUND_BY_KEY[keys[0]].preposition or "over"
        where = f" {preposition} {noun_phrase}"
    elif setting and reading != "en":
        where = " " + setting.en_phrase
    if time:
        where += " " + TIME_PHRASES[time][0]
    first = descriptions[0][0]
    first = first.replace("{at}", where) if "{at}" in first else first
    rest = [d[0].replace("{at}", "") for d in descriptions[1:]]
    caption = first
    if rest:
        caption += " as " + rest[0]
    if len(rest) > 1:
        caption += " and " + rest[1]
    return as_sentence(caption, "en")[:MAX_CAPTION_CHARS]


def _zh_setting_prefix(draft: Draft, body: str, keys: tuple[str, ...], setting: Setting | None, time: str | None,
                       first_description: str) -> str:
    """'夜晚的海边，' before a sound that goes on, unless its description already says when or where."""
    if SOUND_BY_KEY[keys[0]].one_shot:
        return ""
    time_zh = TIME_PHRASES[time][1] if time else ""
    written_place = ""
    if setting:
        m = re.search(setting.zh, body) if draft.reading_language == "zh" else None
        written_place = m.group(0) if m else ""
    if time_zh and (time_zh in first_description or time_zh[0] in first_description):
        time_zh = ""
    if written_place and written_place in first_description:
        written_place = ""
    if time_zh and (written_place or setting):
        return f"{time_zh}的{written_place or setting.zh_phrase.rstrip('里上')}，"
    if time_zh:
        return f"{time_zh}，"
    if setting:
        return f"{setting.zh_phrase}，"
    return ""
