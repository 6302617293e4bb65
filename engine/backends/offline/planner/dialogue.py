"""Speech in the instruction: quoted lines and who says them ('Anna says, "…"', '"…," he shouts', '小明说：“…”'),
and reported speech ('an old fisherman tells his grandson a story', 'she whispers that she is afraid'),
which becomes a line the planner writes or a story from the story bank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from engine.plan import MAX_TEXT_CHARS
from engine.text import CJK, CJK_CLASS

from .cast import EN_ROLE, ZH_ROLE, Person, person_in, read_person, role_person, someone_or_the_last, voice_words
from .names import name_gender, zh_name_gender
from .draft import Clip, Draft, StoryRequest
from .events import split_simultaneous
from .scenes import enter_scene
from .sound_words import sound_hits
from .storybank import (description_topic, line_topic, only_a_kind_of_story, story_subject, story_topic, tells_a_story,
                        topic_line)
from .wording import EN_STOP, QUOTE_MARK, as_sentence, speech_units, words

# Speech verbs → delivery key. Verbs in _QUOTE_ONLY only count as speech when a quotation is attached.
_EN_SAY_VERBS = [
    ("tells", "story"), ("told", "story"), ("tell", "story"), ("narrates", "story"), ("narrated", "story"),
    ("recites", "story"), ("recited", "story"), ("reads aloud", "story"),
    ("describes", "story"), ("described", "story"), ("recounts", "story"), ("recounted", "story"),
    ("describe", "story"), ("narrate", "story"), ("reads", "story"), ("read", "story"),
    ("whispers", "whisper"), ("whispered", "whisper"), ("whisper", "whisper"),
    ("shouts", "shout"), ("shouted", "shout"), ("shout", "shout"), ("yells", "shout"), ("yelled", "shout"),
    ("screams", "shout"), ("screamed", "shout"), ("cries out", "shout"), ("cried out", "shout"),
    ("calls out", "shout"), ("called out", "shout"), ("exclaims", "excited"), ("exclaimed", "excited"),
    ("asks", ""), ("asked", ""), ("ask", ""), ("wonders", "curious"),
    ("announces", "announce"), ("announced", "announce"), ("counts down", "announce"), ("counted down", "announce"),
    ("explains", "explain"), ("explained", "explain"), ("murmurs", "mumble"), ("murmured", "mumble"),
    ("mutters", "mumble"), ("muttered", "mumble"), ("warns", "urgent"), ("warned", "urgent"),
    ("begs", "plead"), ("pleads", "plead"), ("prays", "reverent"), ("greets", "friendly"), ("greeted", "friendly"),
    ("says", ""), ("said", ""), ("say", ""), ("replies", ""), ("replied", ""), ("answers", ""), ("answered", ""),
    ("speaks", ""), ("spoke", ""), ("talks", ""), ("talked", ""), ("responds", ""), ("responded", ""),
    ("calls", "shout"), ("called", "shout"), ("adds", ""), ("added", ""), ("continues", ""), ("continued", ""),
    ("sighs", "tired"), ("sighed", "tired"), ("sobs", "sad"), ("laughs", "happy"), ("cries", "sad"),
]
_EXPLAIN_VERBS = {"explains", "explained", "explain", "describes", "described", "describe", "解释", "讲解"}
_DESCRIBE_VERBS = {"describes", "described", "describe", "recounts", "recounted", "描述", "描绘", "介绍"}
# Verbs that report a voice, not speech, unless a quotation is attached ("Ben chuckles." is a chuckle).
_EN_QUOTE_VERBS = [
    ("giggles", "happy"), ("giggled", "happy"), ("chuckles", "happy"), ("chuckled", "happy"), ("laughed", "happy"),
    ("grins", "happy"), ("grinned", "happy"), ("smiles", "happy"), ("smiled", "happy"), ("beams", "happy"),
    ("teases", "happy"), ("teased", "happy"), ("jokes", "happy"), ("joked", "happy"), ("cheers", "excited"),
    ("cheered", "excited"), ("squeals", "excited"), ("squealed", "excited"), ("gushes", "excited"),
    ("mumbles", "mumble"), ("mumbled", "mumble"), ("grumbles", "angry"), ("grumbled", "angry"),
    ("snaps", "angry"), ("snapped", "angry"), ("hisses", "angry"), ("hissed", "angry"), ("growls", "angry"),
    ("growled", "angry"), ("snarls", "angry"), ("snarled", "angry"), ("barks", "shout"), ("barked", "shout"),
    ("bellows", "shout"), ("bellowed", "shout"), ("roars", "shout"), ("roared", "shout"), ("hollers", "shout"),
    ("hollered", "shout"), ("sobbed", "sad"), ("wails", "sad"), ("wailed", "sad"), ("whines", "sad"),
    ("whined", "sad"), ("sniffles", "sad"), ("sniffled", "sad"), ("cried", "sad"), ("gasps", "surprised"),
    ("gasped", "surprised"), ("stammers", "fearful"), ("stammered", "fearful"), ("stutters", "fearful"),
    ("stuttered", "fearful"), ("whimpers", "fearful"), ("whimpered", "fearful"), ("breathes", "whisper"),
    ("breathed", "whisper"), ("coos", "tender"), ("cooed", "tender"), ("murmur", "mumble"), ("pants", "tired"),
    ("panted", "tired"), ("groans", "tired"), ("groaned", "tired"), ("yawns", "tired"), ("yawned", "tired"),
    ("insists", ""), ("insisted", ""), ("protests", ""), ("protested", ""), ("admits", ""), ("admitted", ""),
    ("agrees", ""), ("agreed", ""), ("interrupts", ""), ("interrupted", ""), ("repeats", ""), ("repeated", ""),
    ("offers", ""), ("offered", ""), ("suggests", ""), ("suggested", ""), ("declares", "announce"),
    ("declared", "announce"), ("remarks", ""), ("remarked", ""), ("notes", ""), ("noted", ""), ("retorts", ""),
    ("retorted", ""), ("promises", ""), ("promised", ""), ("reminds", ""), ("reminded", ""), ("assures", ""),
    ("assured", ""), ("urges", "urgent"), ("urged", "urgent"), ("demands", "angry"), ("demanded", "angry"),
    ("orders", "shout"), ("ordered", "shout"), ("commands", "shout"), ("commanded", "shout"), ("begins", ""),
    ("began", ""), ("starts", ""), ("started", ""), ("goes on", ""), ("went on", ""), ("chimes in", ""),
    ("chimed in", ""), ("pipes up", ""), ("piped up", ""), ("blurts", "excited"), ("blurted", "excited"),
    ("purrs", "tender"), ("purred", "tender"), ("squeaks", "excited"), ("squeaked", "excited"), ("croaks", "tired"),
    ("croaked", "tired"), ("rasps", ""), ("rasped", ""), ("drawls", ""), ("drawled", ""), ("quips", "happy"),
    ("quipped", "happy"), ("chirps", "happy"), ("chirped", "happy"), ("scoffs", "angry"), ("scoffed", "angry"),
    ("sneers", "angry"), ("sneered", "angry"), ("shrieks", "shout"), ("shrieked", "shout"), ("moans", "sad"),
    ("moaned", "sad"), ("grunts", "tired"), ("grunted", "tired"), ("corrects", ""), ("corrected", ""),
    ("mutter", "mumble"), ("whispering", "whisper"), ("shouting", "shout"), ("yelling", "shout"),
    ("keeps saying", ""), ("kept saying", ""), ("saying", ""), ("asking", ""),
]
_EN_SAY_VERBS += _EN_QUOTE_VERBS
_QUOTE_ONLY = {"calls", "called", "adds", "added", "continues", "continued", "sighs", "sighed", "sobs", "laughs", "cries",
               "wonders", "ask"} | {v for v, _ in _EN_QUOTE_VERBS}
EN_SAY = re.compile(r"\b(" + "|".join(sorted((re.escape(v) for v, _ in _EN_SAY_VERBS), key=len, reverse=True)) + r")\b",
                    re.I)
_EN_SAY_DELIVERY = dict(_EN_SAY_VERBS)
_ZH_SAY_VERBS = [
    ("讲故事", "story"), ("讲述", "story"), ("讲了", "story"), ("讲", "story"), ("朗读", "story"), ("念道", ""),
    ("念", "story"), ("读", "story"),
    ("描述", "story"), ("描绘", "story"), ("介绍", "story"),
    ("低声说", "whisper"), ("轻声说", "whisper"), ("低语", "whisper"), ("耳语", "whisper"), ("悄悄说", "whisper"),
    ("大喊", "shout"), ("喊道", "shout"), ("叫道", "shout"), ("大叫", "shout"), ("尖叫", "shout"), ("喊", "shout"),
    ("问道", ""), ("问", ""), ("宣布", "announce"), ("广播", "announce"), ("倒数", "announce"),
    ("嘀咕", "mumble"), ("念叨", "mumble"), ("叮嘱", "tender"), ("嘱咐", "tender"), ("命令", "shout"),
    ("告诉", ""), ("回答", ""), ("答道", ""), ("说道", ""), ("说", ""), ("叹道", "tired"),
    ("大吼", "shout"), ("怒吼", "shout"), ("嘟囔", "mumble"), ("嘟哝", "mumble"), ("咕哝", "mumble"), ("嘟嚷", "mumble"), ("喃喃", "mumble"),
    ("笑道", "happy"), ("哭道", "sad"), ("吼道", "shout"), ("怒道", "angry"), ("骂道", "angry"), ("嚷道", "shout"),
    ("惊呼", "surprised"), ("欢呼", "excited"), ("应道", ""), ("回应", ""), ("补充道", ""), ("提醒", ""),
    ("抱怨", "angry"), ("感叹", ""), ("低声道", "whisper"), ("轻声道", "whisper"), ("小声道", "whisper"),
    ("吆喝", "shout"), ("嚷嚷", "shout"), ("招呼", ""), ("解释", "explain"), ("安慰", "tender"), ("哼道", ""),
    ("咕囔", "mumble"), ("吼", "shout"),
]
_ZH_SAY_ALT = "|".join(v for v, _ in _ZH_SAY_VERBS)
# not 说明/说服, nor 说话 as a noun ("说话带着川味儿"); "他们在说话" at a clause's end is speaking; not 讲解员, 讲台,
# 广播剧 either
_ZH_SAY = re.compile(r"(" + _ZH_SAY_ALT + r")(?:道|着)?(?!题|明|服|话[^，。！？,.!?\s]|解员|台|堂|座|究|剧|电台|站)")
_ZH_SAY_DELIVERY = dict(_ZH_SAY_VERBS)
_ZH_NOT_SAY_BEFORE = "小传据听演"  # 小说, 传说, 据说, 听说, 演讲 are not someone speaking
# "给孙子讲", "对她说": the listener follows one of these before the verb; in reported speech "和" does too
# ("他和妈妈说了晚安")
_ZH_TO = rf"(?:给|对|向|跟|朝)(?=[{CJK_CLASS}])"
_ZH_TO_OR_WITH = rf"(?:给|对|向|跟|和|朝)(?=[{CJK_CLASS}])"


def say_verbs(text: str, language: str) -> list[re.Match]:
    if language == "zh":
        return [m for m in _ZH_SAY.finditer(text) if not (m.start() > 0 and text[m.start() - 1] in _ZH_NOT_SAY_BEFORE)]
    return list(EN_SAY.finditer(text))


def _delivery_of(verb: str, language: str) -> str:
    return (_ZH_SAY_DELIVERY if language == "zh" else _EN_SAY_DELIVERY).get(verb.lower(), "")


def _listener(after: str, language: str) -> tuple[Person | None, str]:
    """The person spoken to, right after the verb: 'tells his grandson a story', '告诉孙子…'."""
    if language == "zh":
        a = after.lstrip("了着")
        for w, i in ZH_ROLE:
            if a.startswith(w):
                return role_person(i, []), a[len(w):]
        return None, after
    m = re.match(r"\s*(?:to\s+)?((?:(?:his|her|their|the|a|an|my|our|its|young|little|old|small)\s+){0,3})([A-Za-z-]+)"
                 r"(\s+[A-Za-z-]+)?", after, re.I)
    if m:
        two = (m.group(2) + (m.group(3) or "")).lower().strip()
        word = m.group(2)
        determiners = (m.group(1) or "").lower().split()
        owned = after.lstrip().lower().startswith("to ") or any(d in ("his", "her", "their", "the", "my", "our")
                                                                for d in determiners)
        if re.match(r"\s*(?:story|stories|tale|legend|joke|secret)\b", after[m.end(2):], re.I) or not owned:
            two = word = "-"
        if two in EN_ROLE:
            return role_person(EN_ROLE[two], []), after[m.end():]
        if word.lower() in EN_ROLE and word.lower() not in ("someone", "somebody"):
            return role_person(EN_ROLE[word.lower()], []), after[m.end(2):]
        if word[0].isupper() and word.lower() not in EN_STOP and not m.group(1) and word != "-":
            g = name_gender(word)
            return Person(word, word, gender=g), after[m.end(2):]
    return None, after


# --- reported speech ----------------------------------------------------------------------------------------
@dataclass
class ReportedSpeech:
    """'an old fisherman tells his grandson a story while rain drums on the roof', taken apart."""

    main: str  # the clause without its simultaneous sounds
    tail: str  # the simultaneous sounds ("rain drums on the roof")
    lead: str  # an event before the speaker in the same clause ("the door opens and …")
    verb: str
    rest: str  # what follows the verb and the listener
    speaker: Person
    listener: Person | None
    delivery: tuple[str, ...] = ()  # how they say it, from the words around the speaker ("crisp and neutral")


def find_reported_speech(draft: Draft, body: str) -> ReportedSpeech | None:
    """Reported speech without quotation marks, when the clause has a speech verb and a single speaker."""
    language = draft.reading_language
    main, tail = split_simultaneous(body, language)
    verbs = [m for m in say_verbs(main, language) if m.group(1).lower() not in _QUOTE_ONLY]
    if not verbs:
        return None
    m = verbs[0]
    pre, after = main[:m.start()], main[m.end():]
    if language != "zh":
        # the speaker as a quotation's is found: the nearest person before the verb, across what describes them
        # ("A BBC-style newsreader, crisp and neutral, reads …")
        found = _speaker_before(language, main[:m.end()])
        if found is not None and not found[0].speaker.plural:
            attribution, start = found
            listener, rest = _listener(after, language)
            return ReportedSpeech(main, tail, main[:start], m.group(1), rest, attribution.speaker, listener,
                                  tuple(d for d in attribution.delivery if d.startswith("~")))
    lead = ""
    if language == "zh":
        cut = max(pre.rfind("，"), pre.rfind(","))
        if cut >= 0:
            lead, pre = pre[:cut], pre[cut + 1:]
        parts = re.split(_ZH_TO_OR_WITH, pre, maxsplit=1)
        speaker_phrase = parts[0]
        listener = read_person(parts[1], "zh") if len(parts) > 1 else None
    else:
        bounds = list(re.finditer(r"\s(?:and|as|while|then|when)\s|,", pre))
        if bounds:
            lead, pre = pre[:bounds[-1].start()], pre[bounds[-1].end():]
        speaker_phrase = pre
        listener = None
    speaker = person_in(speaker_phrase, language) or _manner_only(speaker_phrase, language)
    if speaker is None or speaker.plural:
        return None
    rest = after
    if listener is None:
        listener, rest = _listener(after, language)
    return ReportedSpeech(main, tail, lead, m.group(1), rest, speaker, listener)


def _manner_only(phrase: str, language: str) -> Person | None:
    """"慢慢讲述…", "用轻松的语气给游客介绍…", "then slowly describes…": no one named, only how — the person just
    named is the speaker."""
    if language == "zh":
        rest = re.sub(r"用[^，,]*?(?:语气|声音|口吻)|[\u4e00-\u9fff]{1,4}地|慢慢|缓缓|轻轻|轻声|低声|大声|然后|接着|又|再|便|就|着",
                      "", phrase)
        empty = not rest.strip(" ，,")
    else:
        empty = not [w for w in words(phrase) if w.lower() not in EN_STOP and not w.lower().endswith("ly")
                     and not voice_words(w) and not re.search(r"-(?:style|like|esque|type)$", w, re.I)]
    return Person("", "", pronoun="last") if empty else None


def add_reported_speech(draft: Draft, said: ReportedSpeech) -> None:
    """The speaker's line (or the story they tell, written later) in the clause's scene."""
    language = draft.reading_language
    scene_index, _ = enter_scene(draft, said.main)
    name = draft.cast.join(said.speaker)
    listener_name = draft.cast.join(said.listener) if said.listener else None
    delivery = [_delivery_of(said.verb, language)] + list(said.delivery) + \
        [w for w in voice_words(said.main) if not any(w[1:] in d for d in said.delivery)]
    topic, line = _reported_line(draft, said.verb, said.rest, said.main, listener_name)
    scene = draft.scenes[scene_index]
    if topic:
        request = StoryRequest(topic, name, listener_name, delivery + ["story"])
        scene.clips.append(Clip("speech", scene_index, character=name, story=request))
        draft.cast.spoke(name)
    else:
        delivery = [d for d in delivery if d != "story"]  # "tells her to close her eyes" is not a story
        scene.clips.append(draft.cast.line(scene_index, name, line, delivery, quoted=False, written=True))


def _reported_line(draft: Draft, verb: str, rest: str, clause: str, listener: str | None) -> tuple[str, str]:
    """What a character says when the instruction only reports it: (story topic, "") or ("", the line)."""
    reading, writing = draft.reading_language, draft.language
    subject = story_subject(clause, reading) if reading == writing else None
    if verb.lower() in _EXPLAIN_VERBS and subject:  # "explains how leafcutter ants farm fungus": announced, not invented
        return f"subject:{_what_is_told(rest, subject, reading)}", ""
    told = _what_is_told(rest, subject or "", reading) if reading == writing else ""
    if verb.lower() in _DESCRIBE_VERBS:  # "a narrator describes a walk through the forest": descriptive narration
        place = description_topic(clause, draft.story_text, reading)
        if place or not told:
            return "describe:" + (place or "walk"), ""
        return f"subject:{told}", ""  # "介绍青铜器四羊方尊的来历": nothing in the bank describes it
    if tells_a_story(clause, reading) or verb in ("讲故事", "讲述"):
        topic = story_topic(clause, draft.story_text, reading)
        if subject or (not only_a_kind_of_story(told) and topic == "generic"):
            return f"subject:{told or subject}", ""  # "念一段自己写的日记", "a story about a whale": announced
        return topic, ""  # "a ghost story", "关于大海的故事": the bank has stories of that kind
    topic = line_topic(clause, reading)
    if topic:
        return "", topic_line(topic, writing)
    if reading == "zh":
        content = re.sub(r"^[了着道起：:，,\s]+", "", rest).strip("。，")
        if len(CJK.findall(content)) >= 2 and not re.match(r"(?:一句|几句|一些|什么|话)", content):
            if writing == "zh":
                return "", as_sentence((f"{listener}，" if listener and verb == "告诉" else "") + content, "zh")
    else:
        low = re.sub(r"^(?:him|her|them|me|us|everyone|everybody|you)\s+(?=(?:not\s+)?to\b|that\b)", "",
                     rest.strip(), flags=re.I)
        m = re.match(r"(?:to|not to)\s+(.+)", low, re.I)
        reported = None
        if m and verb.lower() in ("tells", "told", "tell", "asks", "asked", "begs", "warns", "warned", "orders"):
            line = re.sub(r"\b(?:his|her|their)\b", "your", m.group(1), flags=re.I)
            line = re.sub(r"\b(?:himself|herself|themselves)\b", "yourself", line, flags=re.I)
            line = ("Don't " if low.lower().startswith("not") else "") + line
            reported = as_sentence(line, "en").rstrip(".") + "!"
        elif m := re.search(r"\bthat\s+(.+)", low, re.I):
            reported = as_sentence(_first_person(m.group(1)), "en")
        elif m := re.search(r"\b(?:if|whether)\s+(.+)", low, re.I):
            reported = f"Do you think {m.group(1).strip().rstrip('.?')}?"
        if reported:
            # the reported words can only be written in the instruction's own language
            return "", reported if writing == "en" else topic_line("remark", writing)
    if _delivery_of(verb, reading) == "story" and verb not in ("讲", "讲了"):
        return story_topic(clause, draft.story_text, reading), ""
    scene = draft.scenes[-1]
    if _delivery_of(verb, reading) == "curious":
        return "", topic_line("question", writing)
    if scene.weather == "storm":
        return "", topic_line("storm", writing)
    if scene.time == "night":
        return "", topic_line("night", writing)
    return "", topic_line("remark", writing)


def _what_is_told(rest: str, subject: str, language: str) -> str:
    """What a narrator is asked to tell, as the instruction words it ("a short bulletin about a village that built its
    own wind farm", "长江三峡是怎么形成的"): the narrator announces it; the subject when the words after the verb do
    not stand on their own ("tell that story", "about …")."""
    told = rest.strip(" ,，:：")
    if language == "zh":
        told = re.split(r"[，。；！？,]|的时候", re.sub(r"^(?:了|起|道|着|述)", "", told))[0]
    else:
        told = re.sub(r"^(?:us|him|her|them|me|you|everyone|everybody)\s+", "", told, flags=re.I)
        told = re.split(r"[,;.!?]|\s(?:while|as|when|until|by the|with the)\s", told)[0]
    if subject and (not told or re.match(r"(?:about|of|that|this|it|the story|that story)\b", told, re.I)
                    or len(told) < len(subject) // 2):
        told = subject
    return told.strip()


def _first_person(s: str) -> str:
    """'she is afraid of the dark' → 'I am afraid of the dark'."""
    s = s.strip()
    swaps = [(r"^(?:he|she) is\b", "I am"), (r"^(?:he|she) was\b", "I was"), (r"^(?:he|she) has\b", "I have"),
             (r"^(?:he|she) does\b", "I do"), (r"^(?:he|she) (will|would|can|could|should|must|might)\b", r"I \1"),
             (r"^(?:he|she) (\w+?)s\b", r"I \1"), (r"^they are\b", "we are"), (r"^they\b", "we")]
    for pat, rep in swaps:
        new = re.sub(pat, rep, s, flags=re.I)
        if new != s:
            return re.sub(r"\b(?:his|her)\b", "my", new, flags=re.I)
    return s


# --- quoted speech ------------------------------------------------------------------------------------------
class Attribution(NamedTuple):
    """Who says a quotation, and how."""

    speaker: Person
    verb: str
    listener: Person | None
    delivery: list[str]  # voice words around the speech verb
    where: str = ""  # the introduction as written: a place in it ("在讲台上说") is where the line is heard


def attribute_quotes(draft: Draft, sentence: str) -> list[tuple[str, str | None, Attribution | None]]:
    """A sentence with quotations as (narration, quotation, attribution) pieces in order: the narration
    between quotations without the attribution phrases; the last piece has no quotation."""
    parts = QUOTE_MARK.split(sentence)
    texts, quote_ids = parts[0::2], [int(q) for q in parts[1::2]]
    n = len(quote_ids)
    head_cut = [0] * (n + 1)
    tail_cut = [len(t) for t in texts]
    attributions: list[Attribution | None] = [None] * n
    for k in range(n):
        found = _speaker_before(draft.reading_language, texts[k])
        if found:
            attributions[k], tail_cut[k] = found
    for k in range(n):
        if attributions[k] is None:
            found = _speaker_after(draft.reading_language, texts[k + 1][:tail_cut[k + 1]])
            if found:
                attributions[k], head_cut[k + 1] = found
    for k in range(n):
        if attributions[k] is None:  # '"Not me." Aiyana didn't look up.', "“我也不会。”王浩挠挠头。": who acts, speaks
            attributions[k] = _speaker_of_the_beat(draft.reading_language, texts[k + 1][head_cut[k + 1]:tail_cut[k + 1]])
    pieces: list[tuple[str, str | None, Attribution | None]] = []
    for k in range(n + 1):
        narration = texts[k][head_cut[k]:tail_cut[k]]
        narration = re.sub(r"(?:[\s,，]|\b(?:and|then|as|while|when)\b)+$", "", narration, flags=re.I)
        if k < n:
            pieces.append((narration, draft.quotes[quote_ids[k]], attributions[k]))
        else:
            pieces.append((narration, None, None))
    return pieces


_CHUNK_BREAK = re.compile(r"[,，、;；:：]|\s+—\s+")
_CHUNK_BREAK_EN = re.compile(r"[,;:]|\s+—\s+|\s(?:and|as|while|then|when|but)\s", re.I)
_MANNER_ZH = re.compile(r"语气|声音|嗓音|口吻|地$|着$|带着|略带|用|嗓门|笑声|语速|语调|口音|一口.{1,4}话")
_VOICE_ZH = re.compile(r"嗓门|笑声|语速|语调|口音|嗓音|一口.{1,4}话")  # about the voice even with a sound word in it


def _speaker_before(language: str, piece: str) -> tuple[Attribution, int] | None:
    """Who introduces the next quotation, and where that introduction starts in `piece`: 'Anna says,',
    'a young woman, breathless and panicking:', '一个六十多岁的老教授，声音浑厚、略带沙哑，不紧不慢地说：'. The
    speaker is the nearest phrase before the speech verb (or the colon) that names someone, across the commas of
    what describes them; those descriptions are how the line is said, kept in the instruction's words."""
    text = piece.rstrip(" \t")
    colon = bool(re.search(r"[:：]\s*$", text))
    text = text.rstrip(" ,，:：—-\t")
    verb = _closing_verb(text, language)
    if verb is None and not colon:
        return None
    end = verb.start() if verb else len(text)
    splitter = _CHUNK_BREAK if language == "zh" else _CHUNK_BREAK_EN
    separators = list(splitter.finditer(text, 0, end))
    starts = [0] + [m.end() for m in separators]
    stops = [m.start() for m in separators] + [end]
    chunks = list(zip(starts, stops))
    found = guess = None
    for i in range(len(chunks) - 1, max(-1, len(chunks) - 9), -1):
        start, stop = chunks[i]
        person = person_in(text[start:stop], language, guess=False)  # a role or a name: certainly someone
        if person is not None and not person.plural:
            found = (i, person)
            break
        person = person_in(text[start:stop], language)  # any phrase that reads as someone ("仰起头" may, too)
        if guess is None and person is not None and not person.plural:
            guess = (i, person)
        if i < len(chunks) - 1 and not _the_speakers_action(text[start:stop], language) and \
                not _describes_a_voice(text[start:stop], language) and \
                (sound_hits(text[start:stop], language) or _scene_words(text[start:stop], language)):
            break  # an event or a place before the speaker: the introduction does not reach further back (where
            # the verb's own phrase says they speak, "在讲台上说", "calls from the porch", is not one)
    found = found or guess
    if found is not None and found[1].pronoun in ("he", "she"):
        # "the driver's got songs on the radio and he keeps saying": he is the one named just before
        for j in range(found[0] - 1, max(-1, found[0] - 4), -1):
            named = person_in(text[chunks[j][0]:chunks[j][1]], language, guess=False)
            if named is not None and not named.plural and not named.pronoun and \
                    named.gender in (None, "male" if found[1].pronoun == "he" else "female"):
                named.gender = named.gender or ("male" if found[1].pronoun == "he" else "female")
                found = (found[0], named)
                break
    if found is not None and found[0] > 0:
        named = person_in(text[chunks[found[0] - 1][0]:chunks[found[0] - 1][1]], language, guess=False)
        if named is not None and not named.plural and not named.pronoun and _is_a_name(named, found[1], language):
            # "Léa, a French exchange student, …:" — the name is the speaker, the role says who she is
            named.gender = named.gender or found[1].gender
            named.age = named.age or found[1].age
            found = (found[0] - 1, named)
    if found is None:
        if verb is None:
            return None  # "② 中间：", "Scene:": a colon with nobody before it
        start = chunks[-1][0]
        person = someone_or_the_last(text[start:end], language)
        if person is None:
            return None
        found = (len(chunks) - 1, person)
    index, speaker = found
    if speaker.gender is None and not speaker.pronoun and language != "zh":  # "in his lazy late-night drawl"
        intro = text[chunks[index][0]:end]
        speaker.gender = ("female" if re.search(r"\b(?:she|her|herself)\b", intro, re.I) else
                          "male" if re.search(r"\b(?:he|his|him|himself)\b", intro, re.I) else None)
    appositions = set()
    while index > 0:  # "A tired, husky-voiced jazz singer", "the goalkeeper, Tiago": what comes before is them too
        before = text[chunks[index - 1][0]:chunks[index - 1][1]]
        if _names_the_same(before, speaker, language):
            appositions.add(chunks[index - 1][0])
        elif not _describes_a_voice(before, language):
            break
        index -= 1
    start = chunks[index][0]
    speaker_chunk = text[chunks[found[0]][0]:chunks[found[0]][1]]
    if sound_hits(speaker_chunk, language) and found[0] == index:
        # "Old Mrs. K taps on the glass door: '…'", "奶奶推开院门，冲着外头喊：": what they do is heard before the line
        start = chunks[found[0]][1]
    descriptions = [text[a:b].strip(" ,，、") for a, b in chunks[index:]
                    if a != chunks[found[0]][0] and a not in appositions]
    descriptions += _manner_of(text[chunks[found[0]][0]:chunks[found[0]][1]], language)
    if verb is not None:
        descriptions.append(text[verb.end():])
    listener = None
    if verb is not None and language != "zh":
        listener, _ = _listener(text[verb.end():], language)
    delivery = ([_delivery_of(verb.group(1), language)] if verb else []) + _as_written(verb) + \
        _description_words(descriptions, language)
    return Attribution(speaker, verb.group(1) if verb else "", listener, delivery, text[start:]), start


def _is_a_name(named, role, language: str) -> bool:
    """Is `named` someone's own name, and `role` only what they are ("Morag, a chatty pensioner")?"""
    if language == "zh":
        return named.name_zh != role.name_zh and role.name_zh in {w for w, _ in ZH_ROLE}
    return named.name_en != role.name_en and named.name_en[:1].isupper() and role.name_en.lower() in EN_ROLE \
        and named.name_en.lower() not in EN_ROLE


def _the_speakers_action(chunk: str, language: str) -> bool:
    """"leans on the bar", "picks up the phone": a verb with no subject of its own is what the speaker does."""
    first = words(chunk)[:1]
    return language != "zh" and bool(first) and first[0].islower() and first[0].endswith(("s", "ed")) \
        and first[0] not in EN_STOP and not sound_hits(chunk, language)


def _names_the_same(chunk: str, speaker, language: str) -> bool:
    """"the goalkeeper" before ", Tiago, yells": a role in apposition to the speaker's name."""
    if speaker.pronoun or not (speaker.name_en or "")[:1].isupper() or language == "zh":
        return False
    other = person_in(re.sub(r"^\s*(?:and|then|while|as)\s+", "", chunk, flags=re.I), language)
    return other is not None and not other.plural and not other.pronoun and other.name_en != speaker.name_en \
        and len(words(chunk)) <= 4 and not name_gender(other.name_en.split()[-1] if other.name_en else "")


def _as_written(verb: re.Match | None) -> list[str]:
    """A speech verb that says how ("squeaked", "growls", "嘟囔") is kept in the instruction's words as well."""
    if verb is None:
        return []
    key = _delivery_of(verb.group(1), "zh" if CJK.search(verb.group(1)) else "en")
    return [f"~{verb.group(1)}"] if key and key not in ("story", "") else []


def _closing_verb(text: str, language: str) -> re.Match | None:
    """The speech verb that introduces what follows: the last one, with at most a short phrase after it ("calls
    from the porch in a warm voice")."""
    verbs = say_verbs(text, language)
    if not verbs:
        return None
    v = verbs[-1]
    after = text[v.end():]
    if language == "zh":
        return v if len(after.strip()) <= 8 and not re.search(r"[。！？]", after) else None
    n = len(words(after))
    if n <= 5 or (n <= 12 and not re.search(r"\b(?:and|then|while|as|but)\b|[.;!?]", after)):
        return v
    return None


def _scene_words(chunk: str, language: str) -> bool:
    from .scenes import SETTINGS, TIMES
    from .wording import earliest

    return bool(earliest(SETTINGS, chunk, language) or earliest(TIMES, chunk, language))


def _describes_a_voice(chunk: str, language: str) -> bool:
    """A short phrase of voice or manner words ("A tired", "用很凶", "很不耐烦的语气")."""
    if language == "zh" and len(chunk) <= 12 and _VOICE_ZH.search(chunk):
        return True  # "笑声爽朗", "嗓门大": how they sound, not a sound of the scene
    if sound_hits(chunk, language) or _scene_words(chunk, language):
        return False
    if language == "zh":
        return len(chunk) <= 12 and bool(voice_words(chunk) or _MANNER_ZH.search(chunk))
    return len(words(chunk)) <= 4 and bool(voice_words(chunk))


def _manner_of(speaker_chunk: str, language: str) -> list[str]:
    """What the speaker's own phrase says about the voice besides who they are: "不紧不慢地在讲台上" → 不紧不慢,
    "husky-voiced jazz singer in her fifties" → husky-voiced, in her fifties."""
    if language == "zh":  # "不紧不慢地", "笑着", "哭着"
        m = re.search(rf"([{CJK_CLASS}]{{2,4}})地|([{CJK_CLASS}]{{1,2}}着)$", speaker_chunk)
        return [m.group(1) or m.group(2)] if m else []
    out = [w for w in words(speaker_chunk) if "-" in w or voice_words(w)]
    m = re.search(r"\b(?:in (?:his|her|their) (?:teens|twenties|thirties|forties|fifties|sixties|seventies|eighties)|"
                  r"with an? [\w -]+? (?:accent|drawl|burr|lisp|voice))\b", speaker_chunk, re.I)
    return out + ([m.group(0)] if m else [])


def _description_words(descriptions: list[str], language: str) -> list[str]:
    """The descriptions as delivery entries, verbatim ("~breathless and panicking"), without place phrases, then the
    voice words inside them that the descriptions do not already carry."""
    out: list[str] = []
    for d in descriptions:
        d = re.sub(r"^(?:and|then|an?|the)\s+(?=\w)", "", d.strip(" ,，、.。"), flags=re.I) if language != "zh" else \
            re.sub(r"在[^，,]*?(?:上|里|中|边|旁边|前|后)|对着[^，,]*|[地着]$", "", d.strip(" ，、。"))
        d = d.strip(" ,，、")
        if d and not say_verbs(d, language) and f"~{d}" not in out and len(d) <= 60:
            out.append(f"~{d}")
    for w in voice_words(" ".join(descriptions)):
        if not any(w[1:] in o for o in out):
            out.append(w)
    return out


_ZH_HOW = re.compile(r"(?:压低|放低|提高|放轻|扯着|拉长|清了清)(?:声音|嗓门|嗓子|喉咙)|[\u4e00-\u9fff]{1,4}地$|[\u4e00-\u9fff]{1,2}着$")


def _bare_name_zh(phrase: str) -> Person | None:
    """"次仁压低声音" right after a line and before 问: whoever stands in the speaker's place is named by what is left
    once how they speak is taken away, if that is two or three characters."""
    rest = phrase.strip()
    for _ in range(3):
        rest = _ZH_HOW.sub("", rest).strip()
    if 2 <= len(rest) <= 3 and re.fullmatch(rf"[{CJK_CLASS}]+", rest) and not voice_words(rest) and not sound_hits(rest, "zh") \
            and rest not in ("他们", "她们", "大家", "有人", "众人"):
        return Person(rest, rest, gender=zh_name_gender(rest))
    return None


def _speaker_of_the_beat(language: str, piece: str) -> Attribution | None:
    """The person an action right after a quotation is about, with no speech verb ("王浩挠挠头"): in dialogue the
    one who acts beside a line is the one who says it. Only a known role or a name counts."""
    head = re.split(r"[,，;；:：—]", piece.strip(), maxsplit=1)[0].strip()
    if not head or (language == "zh" and not CJK.match(head)) or (language != "zh" and not head[:1].isalpha()):
        return None
    if sound_hits(head.split()[0] if language != "zh" else head[:4], language):
        return None  # "Thunder rolls": a sound, not someone
    person = person_in(head, language, guess=False)
    if person is None or person.plural or person.pronoun == "last":
        return None
    return Attribution(person, "", None, [])


def _speaker_after(language: str, piece: str) -> tuple[Attribution, int] | None:
    """Speaker after a quotation: ', says the old man.' / ' he shouts.' / '他说。'; with how much it takes up."""
    if language == "zh":
        m = re.match(r"^\s*([^，。；！？,]{0,10}?)(" + _ZH_SAY_ALT + r")[^，。；！？,]{0,4}[，。；！？,]?", piece)
        if not m:
            return None
        speaker = read_person(m.group(1), "zh") or _bare_name_zh(m.group(1))
        return (Attribution(speaker, m.group(2), None, voice_words(m.group(0))), m.end()) if speaker else None
    lead = re.match(r"^[\s,—-]*", piece).end()
    stop = re.search(r"[.;!?]|,\s|\s(?:and|then)\s", piece[lead:])
    end = lead + (stop.start() if stop else len(piece) - lead)
    segment = piece[lead:end]
    verbs = list(EN_SAY.finditer(segment))
    if not verbs or len(words(segment)) > 7:
        return None
    v = verbs[0]
    before, after = segment[:v.start()], segment[v.end():]
    speaker = read_person(before, "en") if words(before) else read_person(after, "en")
    if speaker is None:
        return None
    consumed = end + (1 if stop and piece[end:end + 1] in ".;!?," else 0)
    return Attribution(speaker, v.group(1), None, voice_words(segment)), consumed


def add_quote(draft: Draft, text: str, attribution: Attribution | None) -> None:
    """A quoted line in the current scene; an unattributed reply alternates between the last two speakers."""
    draft.recognised += 1
    scene_index = enter_scene(draft, attribution.where)[0] if attribution and attribution.where else len(draft.scenes) - 1
    cast = draft.cast
    if attribution is None:
        name = cast.speakers[-2] if len(set(cast.speakers[-2:])) == 2 else cast.narrator()
        delivery: list[str] = []
    else:
        name = cast.join(attribution.speaker)
        if attribution.listener is not None:
            cast.join(attribution.listener)
        delivery = [_delivery_of(attribution.verb, draft.reading_language)] + attribution.delivery
        if speech_units(text) < 8:
            delivery = [d for d in delivery if d != "story"]  # 'tells him, "Stay close."' is not a story
    text = re.sub(r"[,，]\s*$", "", text.strip())
    if text and text[-1].isalnum():
        text += "。" if CJK.search(text[-1:]) else "."
    if len(text) > MAX_TEXT_CHARS:
        draft.notes.append(draft.say(f"A quoted line was longer than {MAX_TEXT_CHARS} characters and was cut.",
                                     f"有一句引用的台词超过 {MAX_TEXT_CHARS} 个字符，已截断。"))
    draft.scenes[scene_index].clips.append(cast.line(scene_index, name, text, delivery, quoted=True, written=False))
