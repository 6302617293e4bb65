"""The story's target length, read from its text in English or Chinese ("The total duration is 49.9 seconds.",
"a 2-minute story", "总时长为60秒", "一分半钟"), and the text without that phrase.

A quantity in a sentence that talks about length wins; otherwise the longest plausible one. Quantities inside
the story ("five minutes later", "三天以后") are left alone.
"""

from __future__ import annotations

import re

from engine.plan import MAX_DURATION_S
from engine.text import CJK, ZH_NUMERAL, detect_language, zh_number

DEFAULT_DURATION_S = 60.0
MIN_DURATION_S = 5.0

_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
               "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90, "half a": 0.5, "half an": 0.5}
_EN_QTY = re.compile(
    r"(?<![\w.])(?P<n>\d+(?:\.\d+)?|half an?|forty-five|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|an?)(?P<pre_half>\s+and\s+a\s+half)?(?P<sep>\s*-?\s*)"
    r"(?P<u>hours?|hrs?|minutes?|mins?|seconds?|secs?|[hs])\b(?P<half>\s+and\s+a\s+half)?"
    # "1:30", "2:30" — minutes and seconds, read as a length only where nothing makes them a time of day
    r"|(?<![\w.:])(?P<mm>\d{1,2}):(?P<ss>[0-5]\d)(?![\d:])(?!\s*(?:[ap]\.?m\b|o'clock|h\b))", re.I)
_EN_UNIT_S = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "min": 60, "mins": 60, "minute": 60,
              "minutes": 60, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1}
_EN_CUE = re.compile(r"\b(?:duration|total|long|length|(?<!the )(?<!the very )lasts?|lasting|runtime|run time|overall)\b",
                     re.I)  # "in the last twenty minutes" is a time inside the story, not its length
_EN_INTERNAL_AFTER = re.compile(r"^\s*(?:later|ago|before|after|earlier|of silence|pass|go by)\b", re.I)
_EN_INTERNAL_BEFORE = re.compile(r"\b(?:after|every|within|each|the (?:very )?(?:last|first|next|final|past))\s+$",
                                 re.I)
_EN_DURATION_FILLER = {"the", "total", "duration", "is", "of", "about", "around", "roughly", "approximately", "it",
                       "should", "be", "last", "lasts", "lasting", "long", "length", "in", "for", "make", "with", "a",
                       "an", "runtime", "run", "time", "overall", "audio", "story", "clip", "piece", "and", "total:",
                       "duration:", "target", "please", "approx", "exactly", "at", "most", "least", "has", "have"}

_ZH_QTY = re.compile(
    r"(?P<n>\d+(?:\.\d+)?|[" + ZH_NUMERAL + r"]+)\s*个?\s*"
    r"(?P<u>小时|分钟|分(?=半|钟|\s*(?:\d+|[零〇一二两三四五六七八九十]+)\s*秒)|秒钟|秒)(?P<half>半钟?)?")
_ZH_CUE = re.compile(r"时长|总长|长度|持续|总共|共计|全长|时间为|时间是")
_CLOSERS = "\"”’」』' \t"


def parse_duration(text: str) -> tuple[float | None, str]:
    """Find the story's target length in its text; return (seconds or None, text without the duration phrase).

    A quantity in a sentence that talks about length ("The total duration is 49.9 seconds.", "总时长为60秒") wins;
    otherwise the longest plausible one ("a 2-minute story"). Quantities inside the story ("five minutes later")
    are left alone. Raises ValueError when the stated length is outside 5 s … 30 min.
    """
    if detect_language(text) == "zh" and _ZH_QTY.search(text):
        return _parse_duration_zh(text)
    return _parse_duration_en(text)


def _groups(matches: list[re.Match], text: str, joiner: str) -> list[tuple[int, int, list[re.Match]]]:
    """Adjacent quantities ("2 minutes and 30 seconds", "1分30秒") form one duration."""
    out: list[tuple[int, int, list[re.Match]]] = []
    for m in matches:
        if out and re.fullmatch(joiner, text[out[-1][1]:m.start()]):
            s, _, ms = out[-1]
            out[-1] = (s, m.end(), ms + [m])
        else:
            out.append((m.start(), m.end(), [m]))
    return out


def _en_seconds(m: re.Match) -> float | None:
    if m.group("mm"):
        return int(m.group("mm")) * 60 + int(m.group("ss"))
    n, unit = m.group("n").lower(), m.group("u").lower()
    if unit in ("h", "s") and not n[0].isdigit():
        return None  # "a s" is not a duration; "90s" and "90 s" are
    amount = float(n) if n[0].isdigit() else _EN_NUMBERS.get(n)
    if amount is None:
        return None
    if m.group("half") or m.group("pre_half"):
        amount += 0.5
    return amount * _EN_UNIT_S[unit]


def _zh_seconds(m: re.Match) -> float:
    amount = zh_number(m.group("n"))
    unit = m.group("u")
    if m.group("half"):
        amount += 0.5
    return amount * (3600 if unit == "小时" else 60 if unit.startswith("分") else 1)


def _sentence_bounds(text: str, start: int, end: int, stops: str) -> tuple[int, int]:
    s = start
    # a full stop ends a sentence before a space or a closing quote ('... would." The total duration is ...')
    while s > 0 and not (text[s - 1] in stops and (s >= len(text) or not text[s - 1] == "." or
                                                   (s < len(text) and (text[s].isspace() or text[s] in _CLOSERS)))):
        s -= 1
    e = end
    while e < len(text) and not (text[e] in stops and (text[e] != "." or e + 1 >= len(text) or text[e + 1].isspace())):
        e += 1
    return s, min(len(text), e + 1)


def _priority(seconds: float, cue: bool, alone: bool, internal: bool) -> tuple[int, float] | None:
    """How strongly a quantity reads as the story's length (higher wins), or None when it is part of the story.

    cue: its sentence talks about length; alone: nothing else is in its sentence; internal: it is a time
    inside the story ("five minutes later"). Without a cue or its own sentence it must be a plausible length.
    """
    if internal and not cue:
        return None
    if not (cue or alone) and not (MIN_DURATION_S <= seconds <= MAX_DURATION_S):
        return None
    return (2 if cue or alone else 1, seconds)


def _check_range(seconds: float, phrase: str) -> None:
    if seconds > MAX_DURATION_S:
        raise ValueError(f"the instruction asks for {phrase!r} ({seconds:g} s), but a story can be at most "
                         f"{MAX_DURATION_S // 60} minutes; ask for a shorter duration")
    if seconds < MIN_DURATION_S:
        raise ValueError(f"the instruction asks for {phrase!r} ({seconds:g} s); a story must be at least "
                         f"{MIN_DURATION_S:g} seconds long")


def _quoted_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where the instruction quotes someone ("…") and its script lines ("Vasquez: …"): a quantity there is what they
    say ("We have ninety seconds"), unless it stands alone as a sentence of its own."""
    quotes = [m.span() for m in re.finditer(r'"[^"\n]*"|“[^”]*”|「[^」]*」|『[^』]*』|‘[^’]*’', text)]
    script = [m.span(1) for m in re.finditer(r"(?m)^\s*[A-Z][A-Za-z.' -]{0,30}(?:\([^)]*\))?:(?!\d)\s*(.+)$", text)]
    return quotes, script


def _parse_duration_en(text: str) -> tuple[float | None, str]:
    best = None  # (priority, seconds, start, end, sentence start, sentence end, alone in its sentence)
    quotes, script = _quoted_spans(text)
    for start, end, ms in _groups(list(_EN_QTY.finditer(text)), text, r"\s*(?:,|and)?\s*"):
        values = [_en_seconds(m) for m in ms]
        if any(v is None for v in values) or any(a <= start < b for a, b in quotes):
            continue
        if ms[0].group("mm") and re.search(r"\b(?:at|by|until|till|from|since|before|after)\s*$", text[:start], re.I):
            continue  # "at 1:30" is a time of day
        seconds = sum(values)
        sentence_start, sentence_end = _sentence_bounds(text, start, end, ".!?;\n")
        while sentence_start < start and text[sentence_start] in _CLOSERS:
            sentence_start += 1  # a closing quotation mark belongs to the sentence before
        cue = bool(_EN_CUE.search(text[sentence_start:sentence_end]))
        around = text[sentence_start:start] + " " + text[end:sentence_end]
        alone = not [w for w in re.findall(r"[\w:'-]+", around.lower()) if w not in _EN_DURATION_FILLER]
        clause_start, clause_end = _sentence_bounds(text, start, end, ".!?;,—\n")
        clause_around = text[max(clause_start, sentence_start):start] + " " + text[end:min(clause_end, sentence_end)]
        # "Heist gone wrong, 45s.", "…, chill, 2:30": a length in a clause of its own stands alone too
        clause_alone = not [w for w in re.findall(r"[\w:'-]+", clause_around.lower()) if w not in _EN_DURATION_FILLER]
        if any(a <= start < b for a, b in script) and not (alone or clause_alone):
            continue  # "Vasquez: We have ninety seconds, people." is her line
        if not alone and clause_alone:
            cue = True
        internal = bool(_EN_INTERNAL_AFTER.match(text[end:]) or _EN_INTERNAL_BEFORE.search(text[:start]))
        priority = _priority(seconds, cue, alone, internal)
        if priority and (best is None or priority > best[0]):
            best = (priority, seconds, start, end, sentence_start, sentence_end, alone)
    if best is None:
        return None, text
    _, seconds, start, end, sentence_start, sentence_end, alone = best
    _check_range(seconds, text[start:end])
    if alone:
        cleaned = text[:sentence_start] + " " + text[sentence_end:]
    else:
        # drop the quantity and its glue words: "for about 90 seconds", "a 2-minute story", "90 seconds long"
        head = re.sub(r"(?:\b(?:for|of|in|about|around|roughly|approximately|lasting|that lasts|a total of|total of)\s+)*$",
                      "", text[:start], flags=re.I)
        tail = re.sub(r"^(?:-long|\s+long|\s+in total|\s+total|\s+in length)\b", "", text[end:], flags=re.I)
        if re.search(r"\ban\s*$", head) and re.match(r"\s*[^aeiouAEIOU\W]", tail):
            head = re.sub(r"an(\s*)$", r"a\1", head)
        cleaned = head.rstrip() + " " + tail.lstrip()
    cleaned = re.sub(r"\s+([,.;!?])", r"\1", re.sub(r"[ \t]+", " ", cleaned)).strip()
    cleaned = re.sub(r",+\s*(?=[.;!?]|$)", "", cleaned)  # "…in a pet shop, 1:30." → "…in a pet shop."
    return float(seconds), cleaned


def _parse_duration_zh(text: str) -> tuple[float | None, str]:
    best = None
    for start, end, ms in _groups(list(_ZH_QTY.finditer(text)), text, r"\s*零?\s*"):
        seconds = sum(_zh_seconds(m) for m in ms)
        clause_start, clause_end = _sentence_bounds(text, start, end, "，,。！？；;\n")
        while clause_start < start and text[clause_start] in _CLOSERS:
            clause_start += 1
        clause = text[clause_start:clause_end]
        cue = bool(_ZH_CUE.search(clause))
        rest = re.sub(_ZH_CUE, "", clause[:start - clause_start] + clause[end - clause_start:])
        alone = len(CJK.findall(re.sub(r"[为是约大概左右共计总的长达整]", "", rest))) == 0
        internal = bool(re.match(r"\s*(?:后|以后|之后|前|以前|过去)", text[end:]))
        priority = _priority(seconds, cue, alone, internal)
        if priority and (best is None or priority > best[0]):
            best = (priority, seconds, start, end, clause_start, clause_end, cue or alone)
    if best is None:
        return None, text
    _, seconds, start, end, clause_start, clause_end, whole_clause = best
    _check_range(seconds, text[start:end])
    if whole_clause:
        cleaned = text[:clause_start] + text[clause_end:]
        if clause_end >= len(text.rstrip()) and clause_start > 0 and text[clause_start - 1] in "，,":
            cleaned = text[:clause_start - 1] + "。" + text[clause_end:]  # "…钢琴曲，时长60秒" → "…钢琴曲。"
    else:
        tail = re.sub(r"^(?:左右|的|长的|长)", "", text[end:])
        cleaned = text[:start] + tail
    return float(seconds), cleaned.strip()
