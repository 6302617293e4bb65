"""Text → attributes: explicit numbers first, then English vocabulary phrases, then Chinese runs segmented
against the vocabulary (the package docstring says why)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from engine.text import CJK_RUN, ZH_NUMERAL, zh_number

from .attributes import KINDS, MODELS, Attributes, MusicAttributes, SoundAttributes, SpeechAttributes
from .tables import (EN_FILLERS, EN_STOP, SPEECH_COMPOUNDS, TABLES, ZH_EDGE, ZH_NEG_INTENSIFIERS, ZH_NEGATORS, ZH_STOP,
                     Value)


_NUM = r"[+\-−]?\d+(?:\.\d+)?"
_UNUM = r"\d+(?:\.\d+)?"
_NEGATIVE_DIRECTIONS = frozenset(
    "lower lowered down below quieter softer reduced decreased less 降低 调低 降 减小 减少".split())


def _float(s: str) -> float:
    return float(s.replace("−", "-"))


def _signed(m: re.Match) -> float:
    value = _float(m.group("n"))
    directions = {m.groupdict().get("pre") or "", m.groupdict().get("post") or ""}
    if directions & _NEGATIVE_DIRECTIONS:
        value = -abs(value)
    return value


def _in_range(field: str, value: float, lo: float, hi: float) -> dict | None:
    return {field: value} if lo <= value <= hi else None


def _fraction(m: re.Match) -> float:
    value = _float(m.group("n"))
    return value / 100.0 if m.groupdict().get("pct") else value


def _age_bucket(years: float) -> str:
    if years < 13:
        return "child"
    if years < 30:
        return "young"
    if years < 60:
        return "adult"
    return "elderly"


def _tonic(letter: str, accidental: str | None, sharp_flat: str | None, zh_prefix: str | None = None) -> str:
    mark = ""
    if accidental in ("#", "♯") or (sharp_flat or "").lower() == "sharp" or zh_prefix == "升":
        mark = "#"
    elif accidental in ("b", "♭") or (sharp_flat or "").lower() == "flat" or zh_prefix == "降":
        mark = "b"
    return letter.upper() + mark


def _key_en(m: re.Match) -> dict:
    out = {"key": _tonic(m.group("t"), m.group("acc"), m.group("sf"))}
    if m.groupdict().get("mode"):
        out["mode"] = "major" if m.group("mode").lower().startswith("maj") else "minor"
    return out


def _key_zh(m: re.Match) -> dict:
    out = {"key": _tonic(m.group("t"), m.group("acc"), None, m.group("pre"))}
    if m.group("mode") != "调":
        out["mode"] = "major" if m.group("mode") == "大调" else "minor"
    return out


@dataclass(frozen=True)
class _NumberRule:
    pattern: re.Pattern
    read: Callable[[re.Match], dict | None]  # None: a number we recognise but cannot accept (out of range)


def _rule(pattern: str, read: Callable[[re.Match], dict | None], flags: int = re.IGNORECASE) -> _NumberRule:
    return _NumberRule(re.compile(pattern, flags), read)


def _en_tonic(letters: str) -> str:
    """A tonic letter from `letters`, then an optional sharp/flat sign or word."""
    return (r"(?<![A-Za-z])(?P<t>[" + letters + r"])(?:(?P<acc>\s*[#♯b♭])|[\s\-]+(?P<sf>(?i:sharp|flat)))?"
            r"(?![A-Za-z0-9#♯])")


def _signed_in(field: str, lo: float, hi: float) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _signed(m), lo, hi)


def _plain_in(field: str, lo: float, hi: float) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _float(m.group("n")), lo, hi)


def _fraction_in(field: str) -> Callable[[re.Match], dict | None]:
    return lambda m: _in_range(field, _fraction(m), 0.0, 1.0)


def _age_in_years(m: re.Match) -> dict:
    years = 10.0 * float(m.group("d")) if m.groupdict().get("d") else float(m.group("n"))
    return {"age": _age_bucket(years)}


def _tempo_zh(m: re.Match) -> dict | None:
    return _in_range("tempo_bpm", zh_number(m.group("zh")), 20, 400)


def _tempo_range(m: re.Match) -> dict | None:
    return _in_range("tempo_bpm", (float(m.group("a")) + float(m.group("n"))) / 2, 20, 400)


_PITCH, _VOLUME = _signed_in("pitch", -24, 24), _signed_in("volume", -40, 40)
_PACE, _TEMPO = _plain_in("pace", 0.25, 4), _plain_in("tempo_bpm", 20, 400)
_BPM = r"(?:bpm|beats?\s*(?:per|a|/)\s*min(?:ute)?)(?![a-z])"
_FRACTION = r"\s*(?:of|:|=|at)?\s*(?P<n>" + _UNUM + r")\s*(?P<pct>%)?"

_NUMBER_RULES: dict[str, tuple[_NumberRule, ...]] = {
    "speech": (
        # Chinese rules that carry a direction word go first, so the plain English "3 dB" rule cannot eat
        # the number and lose the sign of "降低3dB".
        _rule(r"(?P<pre>升高|提高|调高|降低|调低|升|降)\s*(?P<n>" + _UNUM + r")\s*个?半音", _PITCH),
        _rule(r"(?:音量)?(?P<pre>提高|增大|加大|调高|升高|降低|减小|调低|减少)\s*(?P<n>" + _UNUM + r")\s*(?:分贝|db)",
              _VOLUME),
        _rule(r"(?:(?P<pre>raised|lowered|up|down|higher|lower)\s+(?:by\s+)?)?(?P<n>" + _NUM
              + r")\s*(?:semi-?tones?|st)(?![a-z])(?:\s+(?P<post>higher|lower|up|down|above|below))?", _PITCH),
        _rule(r"\bpitch(?:ed)?\s*(?:shift(?:ed)?\s*)?(?:of|by|:|=|at)?\s*(?P<n>[+\-−]\d+(?:\.\d+)?)(?![\d.])", _PITCH),
        _rule(r"(?:(?P<pre>louder|quieter|softer|up|down|raised|lowered|boosted|reduced|increased|decreased)"
              r"\s+(?:by\s+)?)?(?P<n>" + _NUM + r")\s*(?:db|dbs|decibels?)(?![a-z])"
              r"(?:\s+(?P<post>louder|quieter|softer|lower|higher|up|down|more|less))?", _VOLUME),
        _rule(r"(?<![\w.])(?P<n>" + _UNUM + r")\s*(?:x|×)(?![a-z])(?:\s+(?:the\s+)?(?:normal\s+)?"
              r"(?:speed|pace|rate))?", _PACE),
        _rule(r"(?<![\w.])(?P<n>" + _UNUM + r")\s+times\s+(?:the\s+)?(?:normal\s+)?(?:speed|pace|rate)", _PACE),
        _rule(r"\b(?:speed|pace|rate)\s*(?:of|:|=)?\s*(?P<n>" + _UNUM + r")\s*x?(?![\w.])", _PACE),
        _rule(r"(?P<n>" + _UNUM + r")\s*倍(?:的语速|语速|速度|速)?", _PACE),
        _rule(r"(?P<n>[+\-]?\d+(?:\.\d+)?)\s*个?半音", _PITCH),
        _rule(r"(?P<n>[+\-]?\d+(?:\.\d+)?)\s*分贝", _VOLUME),
        _rule(r"(?<![\d.])(?P<n>\d{1,3})\s*[\- ]?\s*(?:years?|yrs?)[\- ]?old", _age_in_years),
        _rule(r"\baged?\s+(?P<n>\d{1,3})(?![\d.])", _age_in_years),
        _rule(r"\bin\s+(?:his|her|their|its)\s+(?:early\s+|mid\s+|late\s+)?(?P<d>\d)0'?s\b", _age_in_years),
        _rule(r"(?P<n>\d{1,3})\s*多?岁", _age_in_years),
    ),
    "music": (
        _rule(r"(?<![\d.])(?P<a>" + _UNUM + r")\s*(?:-|–|to)\s*(?P<n>" + _UNUM + r")\s*" + _BPM, _tempo_range),
        _rule(r"(?<![\d.])(?P<n>" + _UNUM + r")\s*" + _BPM, _TEMPO),
        _rule(r"\b(?:bpm|tempo)\s*(?:of|:|=|at|around|about|~)?\s*(?P<n>" + _UNUM + r")(?![\w.%])", _TEMPO),
        _rule(r"每分钟\s*(?P<n>" + _UNUM + r")\s*拍", _TEMPO),
        _rule(r"每分钟\s*(?:大概|大约|约)?\s*(?P<zh>[" + ZH_NUMERAL + r"]{1,5})\s*拍", _tempo_zh),  # 每分钟九十拍
        _rule(r"(?P<n>" + _UNUM + r")\s*拍\s*(?:每分钟|/\s*分钟?)", _TEMPO),
        _rule(r"(?<![\d.])(?P<n>\d{2,3}(?:\.\d+)?)\s*拍", _TEMPO),  # "128拍": a count this size is a tempo
        # Key: a lower-case "a" is the article in "a minor key"; every other letter names a tonic in either case.
        _rule(_en_tonic("A-Gb-g") + r"[\s\-]*(?P<mode>(?i:major|minor))(?![A-Za-z])", _key_en, flags=0),
        _rule(r"(?i:\bkey\s+of\s+)" + _en_tonic("A-Ga-g"), _key_en, flags=0),
        _rule(r"(?<![A-Za-z])(?P<pre>升|降)?\s*(?P<t>[A-Ga-g])\s*(?P<acc>[#♯b♭])?\s*(?P<mode>大调|小调|调)", _key_zh,
              flags=0),
        _rule(r"\benergy\s*(?:level)?" + _FRACTION, _fraction_in("energy")),
        _rule(r"能量" + _FRACTION, _fraction_in("energy")),
        _rule(r"\bbrightness" + _FRACTION, _fraction_in("brightness")),
        _rule(r"亮度" + _FRACTION, _fraction_in("brightness")),
    ),
    "sound": (
        _rule(r"\bintensity" + _FRACTION, _fraction_in("intensity")),
        _rule(r"强度" + _FRACTION, _fraction_in("intensity")),
    ),
}

_EN_NEGATION = re.compile(
    r"(?<![a-z'])(?:not|no|never|without|don't|dont|doesn't|isn't|aren't|neither|nor|non)"
    r"(?:[\s\-]+(?:too|very|so|overly|that|at all|any|a|an|the|much|more|really|particularly|quite|be|being|"
    r"sound|sounding|as|like|overtly|excessively))*[\s\-]+$")
_EN_RUN = re.compile(r"(?:[^\W_]|['&+#\-])+(?:[ \t]+(?:[^\W_]|['&+#\-])+)*")
_SPACES = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class _Entry:
    fields: tuple[tuple[str, Any], ...]
    implied: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Lexicon:
    kind: str
    tables: dict[str, tuple[Value, ...]]
    by_value: dict[str, dict[Any, Value]]
    en: dict[str, _Entry]
    zh: dict[str, _Entry]
    en_pattern: re.Pattern
    zh_max: int
    numbers: tuple[_NumberRule, ...]


def _add(table: dict[str, _Entry], phrase: str, entry: _Entry, kind: str) -> None:
    old = table.get(phrase)
    if old is not None and (old.fields, old.implied) != (entry.fields, entry.implied):
        raise AssertionError(f"{kind} vocabulary: {phrase!r} means both {old.fields} and {entry.fields}")
    table[phrase] = entry


@functools.cache
def lexicon(kind: str) -> Lexicon:
    """Built on first use per kind (not at import), then shared: parse never recompiles."""
    tables = TABLES[kind]
    en: dict[str, _Entry] = {}
    zh: dict[str, _Entry] = {}
    for field, values in tables.items():
        for v in values:
            for w in v.en:
                _add(en, _SPACES.sub(" ", w.lower()), _Entry(((field, v.value),)), kind)
            for w in v.zh:
                if not CJK_RUN.fullmatch(w):
                    raise AssertionError(f"{kind}: Chinese vocabulary word {w!r} must be CJK only")
                if w in ZH_STOP:
                    raise AssertionError(f"{kind}: {w!r} is both vocabulary and a stop word")
                _add(zh, w, _Entry(((field, v.value),)), kind)
    if kind == "speech":
        for c in SPEECH_COMPOUNDS:
            entry = _Entry(tuple(c.fields.items()), tuple(c.implied.items()))
            for w in c.en:
                _add(en, _SPACES.sub(" ", w), entry, kind)
            for w in c.zh:
                _add(zh, w, entry, kind)
    for w in EN_FILLERS:
        en.setdefault(w, _Entry(()))
    # Longest phrase first: Python's alternation takes the first alternative that matches at a position.
    alternatives = sorted(en, key=lambda p: (-len(p), p))
    body = "|".join(r"[\s\-]+".join(re.escape(part) for part in p.split(" ")) for p in alternatives)
    en_pattern = re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")
    by_value = {field: {v.value: v for v in values} for field, values in tables.items()}
    return Lexicon(kind, tables, by_value, en, zh, en_pattern, max(map(len, zh)), _NUMBER_RULES[kind])


# ============================================================================================================
# Parsing
# ============================================================================================================
_LEVEL_NUMBER, _LEVEL_WORD = 3, 2


@dataclass
class _Hit:
    pos: int
    level: int
    fields: tuple[tuple[str, Any], ...]
    implied: tuple[tuple[str, Any], ...]
    word: str


def check_kind(kind: str) -> str:
    if kind not in MODELS:
        raise ValueError(f"unknown attribute kind {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def check_language(language: str) -> str:
    lang = str(language or "").strip().lower().replace("_", "-")
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    raise ValueError(f"unsupported language {language!r}; use 'en' or 'zh'")


def _segment_zh(lex: Lexicon, seg: str) -> list[tuple[str, int, int]]:
    """Cover one CJK run with vocabulary, negated vocabulary and stop words so that the fewest content
    characters stay uncovered, then with the fewest pieces; ties go to vocabulary. Returns
    ("vocab"|"neg"|"stop"|"rest", start, end) pieces. An edge particle left over costs nothing, so "山洞里"
    reads as 山洞 + 里 rather than 山 + 洞里."""
    n = len(seg)
    best: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (uncovered content chars, pieces) for seg[i:]
    choice: list[tuple[str, int]] = [("rest", 1)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options: list[tuple[str, int]] = []
        for length in range(min(lex.zh_max, n - i), 0, -1):
            if seg[i:i + length] in lex.zh:
                options.append(("vocab", length))
        for neg in ZH_NEGATORS:
            if not seg.startswith(neg, i):
                continue
            for mid in ("",) + ZH_NEG_INTENSIFIERS:
                k = i + len(neg) + len(mid)
                if mid and not seg.startswith(mid, i + len(neg)):
                    continue
                for length in range(min(lex.zh_max, n - k), 0, -1):
                    if seg[k:k + length] in lex.zh:
                        options.append(("neg", k + length - i))
                        break
        for length in range(min(3, n - i), 0, -1):
            if seg[i:i + length] in ZH_STOP:
                options.append(("stop", length))
        scored = [((best[i + length][0], best[i + length][1] + 1), (what, length)) for what, length in options]
        unc, pieces = best[i + 1]
        scored.append(((unc + (seg[i] not in ZH_EDGE), pieces), ("rest", 1)))
        best[i], choice[i] = min(scored, key=lambda sc: sc[0])  # min keeps the first of equals: vocab first
    out: list[tuple[str, int, int]] = []
    i = 0
    while i < n:
        what, length = choice[i]
        if what == "rest" and out and out[-1][0] == "rest" and out[-1][2] == i:
            out[-1] = ("rest", out[-1][1], i + length)
        else:
            out.append((what, i, i + length))
        i += length
    return out


def _trim_zh(span: str) -> str:
    """Drop edge particles from a leftover span, but never cut a two-character word down to one (中国)."""
    if all(ch in ZH_EDGE for ch in span):
        return ""
    while len(span) > 2 and span[0] in ZH_EDGE:
        span = span[1:]
    while len(span) > 2 and span[-1] in ZH_EDGE:
        span = span[:-1]
    return span


def _en_tokens(run: str, start: int) -> list[tuple[str, int, int]]:
    tokens = []
    for m in re.finditer(r"\S+", run):
        tok = m.group().strip("'-")
        if tok.endswith("'s"):
            tok = tok[:-2]
        if tok:
            tokens.append((tok, start + m.start(), start + m.end()))
    return tokens


def _lower_same_length(text: str) -> str:
    # str.lower can lengthen a character (İ → i̇); spans must index the original text, so keep those as is.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _parse(kind: str, text: str) -> Attributes:
    if not isinstance(text, str):
        raise ValueError(f"instruction must be a string, got {type(text).__name__}")
    lex = lexicon(kind)
    norm = unicodedata.normalize("NFKC", text)
    low = _lower_same_length(norm)
    buf = list(low)
    hits: list[_Hit] = []
    unknown: list[tuple[int, str]] = []

    def consume(a: int, b: int) -> None:
        buf[a:b] = "\x00" * (b - a)

    def free(a: int, b: int) -> bool:
        return "\x00" not in buf[a:b]

    for rule in lex.numbers:
        for m in rule.pattern.finditer(norm):
            if not free(m.start(), m.end()):
                continue
            fields = rule.read(m)
            if fields is None:
                unknown.append((m.start(), low[m.start():m.end()].strip()))
            else:
                hits.append(_Hit(m.start(), _LEVEL_NUMBER, tuple(fields.items()), (), m.group()))
            consume(m.start(), m.end())

    masked = "".join(buf)
    for m in lex.en_pattern.finditer(masked):
        entry = lex.en[_SPACES.sub(" ", m.group())]
        before = max(0, m.start() - 48)
        neg = _EN_NEGATION.search(masked, before, m.start())
        if neg and entry.fields:
            start = neg.start()
            unknown.append((start, _SPACES.sub(" ", low[start:m.end()])))
            consume(start, m.end())
            continue
        if entry.fields:
            hits.append(_Hit(m.start(), _LEVEL_WORD, entry.fields, entry.implied, m.group()))
        consume(m.start(), m.end())

    leftovers: list[tuple[int, str, Any]] = []  # (pos, "zh", span) | (pos, "en", content tokens)
    masked = "".join(buf)
    for m in CJK_RUN.finditer(masked):
        base = m.start()
        for what, a, b in _segment_zh(lex, m.group()):
            word = m.group()[a:b]
            if what == "vocab":
                e = lex.zh[word]
                hits.append(_Hit(base + a, _LEVEL_WORD, e.fields, e.implied, word))
            elif what == "neg":
                unknown.append((base + a, word))
            elif what == "rest":
                kept = _trim_zh(word)
                if kept:
                    leftovers.append((base + a + word.index(kept), "zh", kept))
        consume(m.start(), m.end())

    masked = "".join(buf)
    source: str | None = None
    for m in _EN_RUN.finditer(masked):
        content = [t for t in _en_tokens(m.group(), m.start()) if t[0] not in EN_STOP]
        if content:
            leftovers.append((m.start(), "en", content))
    for pos, lang, item in sorted(leftovers, key=lambda p: p[0]):
        if kind == "sound" and source is None:
            if lang == "zh":
                source = norm[pos:pos + len(item)]
            else:
                source = " ".join(norm[item[0][1]:item[-1][2]].split())
            continue
        if lang == "zh":
            unknown.append((pos, item))
        else:
            unknown.extend((a, tok) for tok, a, _ in item)

    values: dict[str, Any] = {}
    levels: dict[str, int] = {}
    instruments: list[str] = []
    implied: dict[str, Any] = {}
    for hit in sorted(hits, key=lambda h: h.pos):
        conflict = False
        for field, value in hit.fields:
            if field == "instruments":
                if value not in instruments:
                    instruments.append(value)
            elif field not in values or hit.level > levels[field]:
                values[field], levels[field] = value, hit.level
            elif hit.level == levels[field] and values[field] != value:
                conflict = True
        if conflict:
            unknown.append((hit.pos, hit.word.lower()))
            continue
        for field, value in hit.implied:
            implied.setdefault(field, value)
    for field, value in implied.items():
        values.setdefault(field, value)
    if kind == "music":
        values["instruments"] = instruments
    if kind == "sound" and source:
        values["source"] = source
    values["unknown"] = list(dict.fromkeys(w for _, w in sorted(unknown, key=lambda u: u[0])))
    return MODELS[kind](**values)


def parse_speech(text: str) -> SpeechAttributes:
    """Speech instruction (EN, ZH or mixed) → gender, age, emotion, style, accent, pace, pitch, volume."""
    return _parse("speech", text)  # type: ignore[return-value]


def parse_music(text: str) -> MusicAttributes:
    """Music instruction → genre, instruments, tempo, mood, key/mode, energy, brightness, vocals."""
    return _parse("music", text)  # type: ignore[return-value]


def parse_sound(text: str) -> SoundAttributes:
    """Sound instruction → source (the first phrase the vocabulary does not claim), intensity, distance,
    environment."""
    return _parse("sound", text)  # type: ignore[return-value]


def parse(kind: str, text: str) -> Attributes:
    """Dispatch on kind: "speech" | "music" | "sound"."""
    return _parse(check_kind(kind), text)
