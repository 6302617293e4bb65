"""Caption → recipes: which recipes a caption asks for (scored through the words of `lexicon.py`), which of them
play as layers, and the intensity, distance, room and surface its words give each layer."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from engine.backends.base import BackendError
from engine.backends.offline.sound import lexicon
from engine.backends.offline.sound.recipes import RECIPES
from engine.text import has_cjk


_VOWELS = set("aeiou")


def _en_word(word: str) -> str:
    """Regex for an English word with its usual inflections (knock → knocks/knocked/knocking, drip → dripping,
    whistle → whistling, cry → cries)."""
    if word.endswith("e") and len(word) > 2:
        return re.escape(word[:-1]) + r"(?:e|es|ed|er|ers|ing)"
    if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        return re.escape(word[:-1]) + r"(?:y|ies|ied|ier|ying)"
    if word[-1].isalpha():
        return re.escape(word) + "(?:" + re.escape(word[-1]) + r"?(?:ing|ed|er|ers)|s|es)?"
    return re.escape(word)


def _en_pattern(phrase: str) -> re.Pattern:
    """Whole-word pattern for an English keyword; each of its words may be inflected ("knocks on the door")."""
    body = r"[\s\-]+".join(_en_word(w) for w in phrase.lower().split())
    return re.compile(r"(?<![a-z])" + body + r"(?![a-z])")


@dataclass(frozen=True)
class _Entry:
    keyword: str
    pattern: re.Pattern | None  # None: a Chinese keyword, matched as a substring
    value: object


def _entries(pairs) -> list[_Entry]:
    return [_Entry(k, None if has_cjk(k) else _en_pattern(k), v) for k, v in pairs]


def _category_entries() -> list[_Entry]:
    merged: dict[str, dict[str, float]] = {}
    for cat, words in lexicon.CATEGORY_WORDS.items():
        if cat not in RECIPES:
            raise BackendError(f"the sound lexicon lists {cat!r}, which no recipe in sound/recipes is called")
        for kw, w in words:
            merged.setdefault(kw.lower(), {})[cat] = max(w, merged.get(kw.lower(), {}).get(cat, 0.0))
    return _entries(merged.items())


_CATEGORY_ENTRIES = _category_entries()
_INTENSITY_ENTRIES = _entries(lexicon.INTENSITY_WORDS)
_DISTANCE_ENTRIES = _entries(lexicon.DISTANCE_WORDS)
_ENVIRONMENT_ENTRIES = _entries(lexicon.ENVIRONMENT_WORDS)
_SURFACE_ENTRIES = _entries(lexicon.SURFACE_WORDS)


def _spans(text: str, entries: list[_Entry]) -> list[tuple[int, int, _Entry]]:
    """Where keywords occur in text, longest first; an occurrence inside a longer keyword's occurrence does not
    count ("heavy rain" claims its "rain", "knock on the door" its "door", "马路" its "马")."""
    text = text.lower()
    spans = []
    for e in entries:
        if e.pattern is None:
            start = text.find(e.keyword)
            while start >= 0:
                spans.append((start, start + len(e.keyword), e))
                start = text.find(e.keyword, start + 1)
        else:
            spans += [(m.start(), m.end(), e) for m in e.pattern.finditer(text)]
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, _Entry]] = []
    for a, b, e in spans:
        if not any(x <= a and b <= y and ((y - x) > (b - a) or f.keyword == e.keyword) for x, y, f in kept):
            kept.append((a, b, e))
    return kept


def _find(text: str, entries: list[_Entry]) -> list[_Entry]:
    found: dict[str, _Entry] = {}
    for _, _, e in _spans(text, entries):
        found.setdefault(e.keyword, e)
    return list(found.values())


def match_recipes(caption: str) -> list[tuple[str, float]]:
    """Every recipe the caption mentions, with its score (sum of matched keyword weights), best first. Two
    keywords of one recipe matching the same words ("howl", "howling") count once."""
    best: dict[tuple[int, int, str], float] = {}
    for a, b, e in _spans(caption or "", _CATEGORY_ENTRIES):
        for cat, w in e.value.items():
            best[(a, b, cat)] = max(w, best.get((a, b, cat), 0.0))
    scores: dict[str, float] = {}
    for (_, _, cat), w in best.items():
        scores[cat] = scores.get(cat, 0.0) + w
    order = list(RECIPES)
    return sorted(((c, round(s, 3)) for c, s in scores.items() if s > 0),
                  key=lambda cs: (-cs[1], order.index(cs[0])))


MAX_LAYERS = 4


def choose_layers(matches: list[tuple[str, float]], intensity: float) -> list[tuple[str, float]]:
    """Which matched recipes play: the best one always; others that score at least 1 and a third of the best.
    One member per family (rain_light/rain_heavy...); within a light→heavy family the intensity breaks near-ties."""
    if not matches:
        return []
    scores = dict(matches)
    for fam in lexicon.INTENSITY_FAMILIES:
        present = [c for c in fam if c in scores]
        best = max((scores[c] for c in present), default=0.0)
        if len(present) > 1 and best - min(scores[c] for c in present) <= lexicon.FAMILY_TIE:
            pick = fam[min(len(fam) - 1, int(max(0.0, intensity - 0.1) * len(fam)))]  # heavy from 0.6 up
            for c in present:
                scores[c] = best if c == pick else best - 0.5
    ranked = sorted(scores.items(), key=lambda cs: (-cs[1], list(RECIPES).index(cs[0])))
    top = ranked[0][1]
    chosen: list[tuple[str, float]] = []
    for cat, s in ranked:
        if chosen and (s < 1.0 or s < top / 3):
            continue
        if any(cat in g and c in g for g in lexicon.EXCLUSIVE_GROUPS for c, _ in chosen):
            continue
        chosen.append((cat, s))
        if len(chosen) == MAX_LAYERS:
            break
    return chosen


def caption_intensity(text: str) -> float | None:
    vals = [e.value for e in _find(text, _INTENSITY_ENTRIES)]
    return float(np.mean(vals)) if vals else None


def _most_specific(text: str, entries: list[_Entry]):
    found = _find(text, entries)
    return max(found, key=lambda e: len(e.keyword)).value if found else None


def caption_environment(text: str) -> str | None:
    """The room a caption describes. A place word that is only part of a sound's name ("church" in "church bell")
    says nothing about where we hear it."""
    names = [(a, b) for a, b, _ in _spans(text, _CATEGORY_ENTRIES)]
    found = [(b - a, e.value) for a, b, e in _spans(text, _ENVIRONMENT_ENTRIES)
             if not any(x <= a and b <= y and (y - x) > (b - a) for x, y in names)]
    return max(found)[1] if found else None


def caption_surface(text: str) -> str | None:
    return _most_specific(text, _SURFACE_ENTRIES)


def modifiers_by_layer(text: str, layers: list[str]) -> dict[str, dict[str, object]]:
    """Intensity and distance words of a caption, each given to the layer whose keyword is nearest to it:
    in "heavy rain and distant thunder" the rain is heavy and the thunder distant. With one layer, all go to it."""
    out: dict[str, dict[str, object]] = {name: {} for name in layers}
    if not layers:
        return out
    anchors = [(a, b, cat) for a, b, e in _spans(text, _CATEGORY_ENTRIES) for cat in e.value if cat in out]
    for key, entries in (("intensity", _INTENSITY_ENTRIES), ("distance", _DISTANCE_ENTRIES)):
        given: dict[str, list] = {}
        for a, b, e in _spans(text, entries):
            if len(layers) == 1 or not anchors:
                owner = layers[0]
            else:  # nearest keyword; on a tie the following one (adjectives precede their noun)
                owner = min(anchors, key=lambda s: (max(s[0] - b, a - s[1], 0), s[0] < a))[2]
            given.setdefault(owner, []).append((b - a, e.value))
        for owner, vals in given.items():
            if key == "intensity":
                out[owner][key] = float(np.mean([v for _, v in vals]))
            else:
                out[owner][key] = max(vals, key=lambda lv: lv[0])[1]
    return out
