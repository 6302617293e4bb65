"""How the planner cuts and writes text: sentences, words, titles, and how long a spoken line takes.

Nothing here knows about sounds, people or music; every other part of the planner builds on these helpers.
"""

from __future__ import annotations

import functools
import re

from engine.text import CJK, has_cjk

# English ≈ 3.3 words/s (measured on the offline Piper voice with storytelling delivery, pauses included)
EN_WORDS_PER_S = 3.3
ZH_CHARS_PER_S = 4.0

EN_STOP = {"a", "an", "the", "and", "then", "of", "in", "on", "at", "to", "with", "as", "while", "is", "are", "it",
           "its", "his", "her", "their", "suddenly", "finally", "later", "after", "that", "this", "there", "by", "for",
           "from", "into", "onto", "over", "under", "now", "soon", "meanwhile", "eventually", "afterwards", "next",
           "be", "was", "were", "some", "very", "so", "but", "all", "we", "hear", "hears", "heard", "sound", "sounds",
           "can"}
# Words that only link a clause to the one before ("and then", "随后"); what follows them is the event.
EN_CONNECT = re.compile(r"^\s*(?:(?:and|but|so|then|and then|after that|afterwards|later|finally|eventually|suddenly|"
                        r"meanwhile|next|soon|now|at last|in the end)\b[\s,]*)+", re.I)
ZH_CONNECT = re.compile(r"^(?:然后|接着|随后|之后|紧接着|后来|最后|最终|与此同时|这时|突然|于是|同时|此时|渐渐地|慢慢地)+，?")
# While a story is cut into sentences and clauses, each quotation waits behind a private-use marker, so the
# punctuation inside it cannot cut the story.
QUOTE_MARK = re.compile("\uE000(\\d+)\uE001")
# Every way people quote a line: straight and curly double quotes, corner brackets, and single quotes — straight
# or curly — which open after a non-letter and close before one, so apostrophes inside (don't, it's, Tom's) and
# before (Tom's dog) never open or close a quotation.
_QUOTATION = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘((?:[^’\n]|’(?=[A-Za-z]))+)’'
                        r"|(?<![A-Za-z0-9])'(?=\S)((?:[^'\n]|'(?=[A-Za-z]))+?)(?<=\S)'(?![A-Za-z0-9])")


def hide_quotes(text: str, quotes: list[str]) -> str:
    """Replace each quotation with a marker; its words are appended to `quotes` (the marker holds the index)."""
    def keep(m: re.Match) -> str:
        body = next(g for g in m.groups() if g is not None).strip()
        after = text[m.end():m.end() + 1]
        if re.fullmatch(r"[\u4e00-\u9fff]", after or "") and len(body) <= 8 and not re.search(r"[：:，,]\s*$",
                                                                                              text[:m.start()]):
            return body  # “四羊方尊”的来历: a name in quotation marks, not something said
        quotes.append(body)
        return f"\uE000{len(quotes) - 1}\uE001"
    return _QUOTATION.sub(keep, text)


def capitalise(s: str) -> str:
    s = s.strip()
    return s[:1].upper() + s[1:] if s else s


def as_sentence(s: str, language: str) -> str:
    """A caption or line as a full sentence: capitalised (English) and ending in a full stop."""
    s = s.strip().rstrip(",;:，；：")
    if not s:
        return s
    if language == "zh":
        return s if s[-1] in "。！？…" else s + "。"
    s = capitalise(s)
    return s if s[-1] in ".!?…" else s + "."


LATIN = "A-Za-zÀ-ÖØ-öø-ÿĀ-ɏ"  # letters of names written in Latin script (Lucía, Łukasz, Zoë)


def words(text: str) -> list[str]:
    return re.findall(rf"[{LATIN}][{LATIN}'-]*", text)


@functools.lru_cache(maxsize=None)
def pattern(en: str, zh: str, language: str) -> re.Pattern:
    """A vocabulary entry as a compiled pattern: Chinese as written, English as whole words, any case."""
    return re.compile(zh) if language == "zh" else re.compile(r"\b(?:" + en + r")\b", re.I)


def earliest(rows, text: str, language: str):
    """(row, match) of the earliest (then longest) match among vocabulary rows with `en` and `zh` patterns."""
    best = None
    for row in rows:
        m = pattern(row.en, row.zh, language).search(text)
        if m and (best is None or m.start() < best[1].start() or
                  (m.start() == best[1].start() and m.end() > best[1].end())):
            best = (row, m)
    return best


def speech_units(text: str) -> float:
    """Speaking seconds at pace 1, without pauses: English words plus Chinese characters at their own rates."""
    spoken_words = len(re.findall(r"[A-Za-z0-9']+", text))
    return spoken_words / EN_WORDS_PER_S + len(CJK.findall(text)) / ZH_CHARS_PER_S


def estimate_speech_seconds(text: str, pace: float = 1.0) -> float:
    """Planned length of a spoken line: ≈3.3 English words/s, ≈4 Chinese characters/s, plus breaths."""
    pauses = len(re.findall(r"[,.;!?，。；！？…]", text)) * 0.12
    return max(0.8, speech_units(text) / max(pace, 0.3) + pauses + 0.2)


def shorten_line(text: str, seconds: float, pace: float) -> str:
    """Shorten a line to about `seconds`, at a sentence end when possible, else at a word."""
    if estimate_speech_seconds(text, pace) <= seconds:
        return text
    sentences = re.findall(r"[^.!?。！？]+[.!?。！？]*", text)
    out = ""
    for s in sentences:
        if out and estimate_speech_seconds(out + s, pace) > seconds:
            break
        out += s
    if out and estimate_speech_seconds(out, pace) <= seconds and out != text:
        return out.strip()
    if has_cjk(text) and not re.search(r"[A-Za-z]{2,}", text):
        n = max(1, int((seconds - 0.3) * ZH_CHARS_PER_S * pace))
        return text[:n].rstrip("，,、") + "……"
    line_words = text.split()
    n = max(1, int((seconds - 0.3) * EN_WORDS_PER_S * pace))
    return " ".join(line_words[:n]).rstrip(",;:") + "…"


_SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "by", "for", "with", "as", "from", "into"}


def title_of(story: str, language: str) -> str:
    """A short title from the story's first sentence (its first clause that says something)."""
    first = re.split(r"[.!?;\n。！？；]", story.strip(), maxsplit=1)[0]
    if language == "zh" or has_cjk(first[:10]):
        chunks = [c for c in re.split(r"[，,：:]", re.sub(r'["“”「」]', "", first)) if c.strip()] or [""]
        first = next((c for c in chunks if len(CJK.findall(c)) >= 4), chunks[0])
        return (first[:16] + ("…" if len(first) > 16 else "")) or "未命名故事"
    first = re.sub(r'["“”]', "", first)
    chunks = [c for c in re.split(r"[,:]", first) if c.strip()] or [""]
    first = next((c for c in chunks if len(c.split()) >= 3), first)
    title_words = first.replace(",", " ,").replace(":", " :").split()
    cut = [i for i, w in enumerate(title_words)
           if i >= 3 and w.lower() in (",", ":", "as", "while", "then", "when", "and")]
    title_words = [w for w in title_words[:cut[0] if cut and cut[0] <= 9 else 8] if w not in (",", ":")]
    while len(title_words) > 3 and title_words[-1].lower() in _SMALL_WORDS | {"with", "from", "to", "a", "the"}:
        title_words.pop()  # "… Leaves the Station with a" → "… Leaves the Station"
    out = [w if (i and w.lower() in _SMALL_WORDS) else (w[:1].upper() + w[1:]) for i, w in enumerate(title_words)]
    out = [w.lower() if i and w.lower() in _SMALL_WORDS else w for i, w in enumerate(out)]
    return " ".join(out) or "Untitled Story"


_EN_LEAD = re.compile(r"^\s*(?:please\s+)?(?:develop|generate|create|make|produce|compose|render|design|write|build|"
                      r"craft)\b(?P<lead>[^:;.\n]{0,90}?)(?:\b(?:of|about|that\s+(?:fully\s+)?(?:represents?|portrays?|"
                      r"depicts?|captures?|describes?|tells?|conveys?|illustrates?|evokes?)|where|in which|featuring|"
                      r"with)\s+|\s*:\s*)", re.I)  # the lead ends at its colon: "Make a clip: an over-the-top …"
_ZH_LEAD = re.compile(r"^\s*(?:请)?(?:生成|创作|制作|做|写|创建)(?:一段|一个|一首|一部)?(?P<lead>.{0,20}?)"
                      r"(?:音频|故事|声音|音效|作品|声音故事)(?:[，,：:]|，?讲述了?|，?描述了?|关于|：)?")


def strip_lead(text: str, language: str) -> str:
    """AudioStory instructions open with a lead phrase ("Develop a comprehensive audio that fully represents …");
    a request for someone opens with "Have"/"Let"/"请" ("Have a warm narrator describe …")."""
    text = re.sub(r"^\s*(?:please\s+)?(?:have|let|get)\s+(?=(?:a|an|the|some)\b)", "", text, flags=re.I)
    text = re.sub(r"^\s*(?:请|让)(?=一位|一个|一名)", "", text)
    if language == "zh":
        m = _ZH_LEAD.match(text)
        return text[m.end():] if m and len(text) > m.end() + 2 else text
    m = _EN_LEAD.match(text)
    if m and re.search(r"audio|story|soundscape|sound|piece|clip|scene|narrative|recording", m.group("lead"), re.I):
        rest = text[m.end():]
        return rest[:1].upper() + rest[1:] if rest else text
    return text
