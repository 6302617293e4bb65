"""Reading the story: script lines and quotations, sentences, clauses, and what each clause is — reported
speech, music or sound. When nothing is recognised, a narrator reads the story over one sound per clause.
"""

from __future__ import annotations

import re

from engine.plan import MAX_CAPTION_CHARS
from engine.text import CJK, CJK_CLASS

from .cast import read_group
from .dialogue import EN_SAY, add_quote, add_reported_speech, attribute_quotes, find_reported_speech, say_verbs
from .draft import Clip, Draft, Scene
from .events import add_sound, sound_instruction
from .music_cues import EN_MUSIC, add_music, asked_music, find_music, music_details_only
from .scenes import SETTINGS
from .sound_words import sound_hits
from .wording import EN_CONNECT, EN_STOP, QUOTE_MARK, ZH_CONNECT, as_sentence, earliest, hide_quotes, words

# "Anna: Hello." — but not "Note: …", "Scene: …", "总时长：…" or "早上：…"
# "Anna: Hello.", "Raj (muttering): …", "奇奇（打着哈欠）：…", "王阿姨：“…”" — but not "Note: …", "Scene: …",
# "② 中间：…" or "总时长：…"
_SCRIPT_LINE = re.compile(rf"^\s*(?:[-*•·]\s*)?((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){{0,2}}|[{CJK_CLASS}]{{1,5}}[A-Za-z]{{0,5}}|"
                          rf"[A-Za-z][\w'-]*)(?:\s*,\s*([^:：(（,]{{1,60}}))?"
                          rf"\s*(?:[(（]([^)）]{{1,40}})[)）])?\s*[:：]\s*(.+)$")
_NOT_A_SPEAKER = re.compile(r"说|道|问|喊|时长|总长|duration|note|total|scene|setting|time|title|story|sound|music|"
                            r"length|dialogue|narration|background|音乐|场景|背景|声音|对白|旁白词|开头|中间|结尾|然后|最后|"
                            r"备注|标题|夜|晨|早|晚|午|^ext\b|^int\b", re.I)
_RULED_OUT = re.compile(r"^\s*(?:no|without|never)\s+(?!one\b|longer\b|sooner\b)\w|^\s*(?:不要|没有|无需|不需要|不用|别|无)"
                        r"(?!论|数|声无息)", re.I)
_QUOTED_WHOLE = re.compile(r'^\s*["“「『‘\']\s*(.+?)\s*["”」』’\']\s*$')
# "场景 setting：海边", "Sounds: rain, a kettle", "对白：": a label that only says what kind of line follows
_LABEL = re.compile(r"^\s*(?:[-*•·]\s*)?(?:场景|声音|音效|对白|台词|备注|标题|时长|总时长|scene|setting|sounds?|sfx|dialogue|notes?|title|"
                    r"duration|length)(?:\s+[A-Za-z]+)?\s*[:：]\s*", re.I)
# A screenplay: "EXT. DESERT HIGHWAY - DAY", then a character's name in capitals, an optional (parenthetical) and
# the line under it
_HEADING = re.compile(r"^\s*(INT|EXT|I/E|INT\./EXT)\.?\s+(.+?)(?:\s+[-–—]+\s+([A-Z ]+))?\s*$")
_HEADING_TIMES = {"DAY": "in the daytime", "NIGHT": "at night", "MORNING": "in the morning", "EVENING": "in the evening",
                  "DUSK": "at dusk", "DAWN": "at dawn", "AFTERNOON": "in the afternoon"}
_CUE = re.compile(r"^\s*([A-Z][A-Z'.-]+(?:\s+[A-Z][A-Z'.-]+){0,2})\s*(?:\((?:V\.O\.|O\.S\.|O\.C\.|CONT'D)\))?\s*$")
_PARENTHETICAL = re.compile(r"^\s*\(([^)]{1,60})\)\s*$")


def read_story(draft: Draft, story: str) -> None:
    draft.story_text = story
    draft.cast.group = read_group(story, draft.reading_language)
    text = hide_quotes(_script_lines(draft, _screenplay(_plain(story))), draft.quotes)
    for sentence in _music_details_joined(split_sentences(text, draft.reading_language), draft):
        if QUOTE_MARK.search(sentence):
            for narration, quote, attribution in attribute_quotes(draft, sentence):
                for clause in split_clauses(narration, draft.reading_language):
                    _read_clause(draft, clause)
                if quote is not None:
                    add_quote(draft, quote, attribution)
        else:
            for clause in _join_music_details(split_clauses(sentence, draft.reading_language), draft):
                _read_clause(draft, clause)
    if draft.recognised == 0:
        _narrate(draft, story)


def _music_details_joined(sentences: list[str], draft: Draft) -> list[str]:
    """"Hot jazz with clarinet and banjo. Upbeat and playful, around 180 bpm.": a sentence that only adds a tempo,
    key or mood joins the music sentence before it."""
    language = draft.reading_language
    out: list[str] = []
    for sentence in sentences:
        clauses = split_clauses(sentence, language)
        if out and clauses and all(music_details_only(c, language) for c in clauses) and \
                any(find_music(draft, c) for c in split_clauses(out[-1], language)):
            out[-1] = out[-1].rstrip("。.!！ ") + ("，" if language == "zh" else ", ") + ", ".join(clauses) \
                if language != "zh" else out[-1].rstrip("。.!！ ") + "，" + "，".join(clauses)
            continue
        out.append(sentence)
    return out


def _join_music_details(clauses: list[str], draft: Draft) -> list[str]:
    """"一段钢琴曲，每分钟70拍，D小调": the clauses that only add a tempo, key or mood join the music clause before
    them (or after, when the details come first), so they are read as the music's and never as sounds."""
    language = draft.reading_language
    out: list[str] = []
    pending: list[str] = []
    sep = "，" if language == "zh" else ", "
    for clause in clauses:
        if music_details_only(clause, language):
            if out and find_music(draft, out[-1]):
                out[-1] += sep + clause
            else:
                pending.append(clause)
            continue
        if pending and find_music(draft, clause):
            clause = sep.join(pending + [clause])
            pending = []
        out += pending + [clause]
        pending = []
    return out + pending


def _plain(text: str) -> str:
    """Markdown marks off: "## Scene: …", "**Commander Nadia Rahimi** (tired): …", "`sfx`"."""
    text = re.sub(r"(?m)^\s*#{1,6}\s*", "", text)
    return re.sub(r"\*\*|__|`|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", text)


def _screenplay(text: str) -> str:
    """Screenplay blocks as the script lines the reader knows: a scene heading becomes a sentence saying where and
    when ("Outdoors, on the desert highway, in the daytime."), a NAME / (manner) / line block "Name (manner): line"."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        heading = _HEADING.match(line)
        if heading:
            where = "Indoors" if heading.group(1).upper().startswith("INT") else "Outdoors"
            when = _HEADING_TIMES.get((heading.group(3) or "").strip().upper(), "")
            out.append(f"{where}, at the {heading.group(2).strip().lower()}" + (f", {when}." if when else "."))
            i += 1
            continue
        cue = _CUE.match(line)
        if cue and cue.group(1).upper() == cue.group(1) and i + 1 < len(lines) and lines[i + 1].strip():
            j = i + 1
            manner = ""
            paren = _PARENTHETICAL.match(lines[j])
            if paren:
                manner, j = paren.group(1).strip(), j + 1
            said = []
            while j < len(lines) and lines[j].strip() and not _CUE.match(lines[j]) and not _HEADING.match(lines[j]):
                said.append(lines[j].strip())
                j += 1
            if said:
                name = " ".join(w.capitalize() for w in cue.group(1).split())
                out.append(f"{name}" + (f" ({manner})" if manner else "") + ": " + " ".join(said))
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _script_lines(draft: Draft, text: str) -> str:
    """'Anna: Hello.' and InstructAudio's '[S0] Hello.' lines become quoted speech."""
    english = draft.reading_language == "en"
    out = []
    for line in text.splitlines():
        line = _LABEL.sub("", line)
        m = re.match(r"^\s*\[S(\d)\]\s*(.+)$", line)
        if m:
            number = int(m.group(1)) + 1
            name = draft.say(f"Speaker {number}", f"说话人{number}")
            line = f"{name} says “{m.group(2).strip()}”" if english else f"{name}说：“{m.group(2).strip()}”"
        else:
            m = _SCRIPT_LINE.match(line)
            speaker = m.group(1) if m else ""
            if (m and not _NOT_A_SPEAKER.search(speaker) and not earliest(SETTINGS, speaker, draft.reading_language)
                    and not say_verbs(speaker, draft.reading_language)):  # "爷爷嘟囔着：" is an attribution
                said = m.group(4).strip()
                whole = _QUOTED_WHOLE.match(said)
                said = whole.group(1) if whole else said
                # "Old Mr. Takeda, from the stool by the window:", "Raj (muttering):": how and where they say it
                manner = " " + ", ".join(g.strip() for g in (m.group(2), m.group(3)) if g) if m.group(2) or m.group(3) \
                    else ""
                if english:
                    line = f"{m.group(1).strip()}{',' + manner + ',' if manner else ''} says “{said}”"
                else:
                    line = f"{m.group(1).strip()}，{manner.strip()}，说：“{said}”" if manner else \
                        f"{m.group(1).strip()}说：“{said}”"  # the manner its own phrase: how the line is said
        out.append(line)
    return "\n".join(out)


# a full stop ends a sentence, except after a title or an abbreviation ("Old Mrs. Kowalczyk taps")
_EN_SENTENCE_END = re.compile("".join(rf"(?<!\b{a}\.)" for a in ("Mr", "Mrs", "Ms", "Dr", "St", "Mt", "Prof", "Capt", "Sgt",
                                                                   "Lt", "Col", "Gen", "Jr", "Sr", "vs", "No"))
                              + r"(?<=[.!?])\s+|;\s*|\n+")


def split_sentences(text: str, language: str) -> list[str]:
    if language == "zh":
        parts = re.split(r"(?<=[。！？!?；;])|\n+", text)
    else:
        parts = re.split(_EN_SENTENCE_END, text)
    return [p.strip() for p in parts if p and p.strip(" .。")]


def split_clauses(sentence: str, language: str) -> list[str]:
    """Clauses of a sentence; a clause too weak to stand alone ("Suddenly", "At night") joins the next one."""
    english = language == "en"
    if english:
        # "a warm, slightly amused narrator": a comma inside a noun phrase does not end a clause
        sentence = re.sub(r"\b((?:an?|the)\s+[\w-]+(?:ful|y|ous|ish|ive|ed|ing|m)),\s+(?=[\w-]+\s+[\w-]+)", r"\1 ",
                          sentence, flags=re.I)
        parts = re.split(r"[,;—]|:\s|\s(?=(?:and then|then|after that|afterwards|finally|eventually|meanwhile|"
                         r"followed by)\b)|\s+followed by\s+", sentence)
    else:
        parts = re.split(r"[，,、：:]|(?=然后|接着|随后|紧接着)", sentence)
    out: list[str] = []
    carry = ""
    for p in parts:
        if carry:
            p = (carry + " " + p).strip() if english else (carry + p).strip()
        else:
            p = p.strip()
        carry = ""
        p = p.strip(" .。!?！？")
        if not p:
            continue
        if _is_weak(p, language):
            carry = p
            continue
        out.append(p)
    if carry:
        if out:
            out[-1] = out[-1] + (" " if english else "，") + carry
        else:
            out.append(carry)
    return out


def _is_weak(clause: str, language: str) -> bool:
    if language == "zh":
        body = ZH_CONNECT.sub("", clause)
        return len(CJK.findall(body)) < 2 and not sound_hits(body, "zh")
    content = [w for w in words(clause) if w.lower() not in EN_STOP]
    # "Suddenly", "At night", "Later" lean on the next clause; a lone noun in a list ("pigeons") is an event
    return len(content) < 1 or (len(content) < 2 and not sound_hits(clause, "en") and not EN_MUSIC.search(clause)
                                and not EN_SAY.search(clause) and (content[0].lower().endswith("ly")
                                                                   or content[0][0].isupper() or len(content[0]) <= 3))


def _read_clause(draft: Draft, clause: str) -> None:
    english = draft.reading_language == "en"
    body = EN_CONNECT.sub("", clause) if english else ZH_CONNECT.sub("", clause)
    if not body.strip():
        return
    if _RULED_OUT.match(body):
        draft.recognised += 1  # "No music.", "no people talking", "不要音乐": understood, and nothing is added for it
        return
    said = find_reported_speech(draft, body)
    if said:
        draft.recognised += 1
        if said.lead.strip():
            _read_clause(draft, said.lead)
        if said.tail:
            add_sound(draft, said.tail, as_bed=True)
        add_reported_speech(draft, said)
        return
    parts = re.split(r"\s+and\s+", body) if english else [body]
    if len(parts) > 1 and EN_MUSIC.search(body) and any(
            sound_hits(p, "en") and not EN_MUSIC.search(p) and not asked_music(p).instruments for p in parts):
        # "coins jingle and a flute melody drifts": a sound and a piece of music, one after the other
        connector = clause[:len(clause) - len(body)]
        for p in parts:
            _read_clause(draft, connector + p)
        return
    music = find_music(draft, body)
    if music:
        main, tail = music
        draft.recognised += 1
        if tail:
            add_sound(draft, tail, as_bed=True)
        add_music(draft, clause, main)
        return
    add_sound(draft, body)


def _narrate(draft: Draft, story: str) -> None:
    """Nothing was understood: one sound per clause plus a narrator reading each sentence."""
    draft.notes.append(draft.say(
        "The instruction's phrasing was not recognised, so each clause became a sound described by its own words "
        "and a narrator reads the story; edit the captions to say what should be heard.",
        "未能识别指令的表述：每个分句都作为一个按原文描述的声音，并由旁白朗读故事；请修改字幕说明应听到的声音。"))
    scene = Scene()
    draft.scenes = [scene]
    narrator = draft.cast.narrator()

    def unhide(text: str) -> str:
        return QUOTE_MARK.sub(lambda m: draft.quotes[int(m.group(1))], text)

    for sentence in split_sentences(hide_quotes(story, draft.quotes), draft.reading_language):
        plain = unhide(sentence).strip()
        if not plain.strip(" .。"):
            continue
        scene.clips.append(draft.cast.line(0, narrator, plain, ["narration"], quoted=True, written=False))
        for clause in split_clauses(sentence, draft.reading_language):
            clause = unhide(clause)
            clip = Clip("sound", 0, caption=as_sentence(clause, draft.reading_language)[:MAX_CAPTION_CHARS],
                        min_s=2.0, max_s=12.0, weight=2.0)
            clip.instruction = sound_instruction(draft, clause, scene)
            scene.clips.append(clip)
