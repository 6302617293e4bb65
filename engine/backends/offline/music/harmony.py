"""Harmony: note names, scales, the chord progressions each mode and feel draws from, chords and voicings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}

# Chord progressions (roman numerals over the mode's scale; case gives the quality, so "V" in minor is the
# raised, leading-tone dominant). One string = one phrase, one chord per `bpc` bars.
PROGRESSIONS = {
    ("major", "happy"): ["I V vi IV", "I IV V IV", "I vi IV V", "IV I V vi", "I IV vi V"],
    ("major", "calm"): ["I IV I V", "I iii IV I", "IV I ii V", "I vi IV I", "I IV vi IV"],
    ("major", "epic"): ["I V vi IV", "vi IV I V", "IV V vi I", "I iii IV V"],
    ("major", "romantic"): ["I vi ii V", "I iii vi IV", "IV V iii vi", "I vi IV V"],
    ("major", "any"): ["I V vi IV", "I vi IV V", "I IV V I", "vi IV I V", "I ii IV V"],
    ("minor", "sad"): ["i VI III VII", "i iv VI V", "i VI iv V", "i iv i V", "i III VII iv"],
    ("minor", "tense"): ["i i VI V", "i iv i V", "i VI i V", "i III iv V"],
    ("minor", "epic"): ["i VI III VII", "i VI VII i", "i iv VI V", "VI VII i i"],
    ("minor", "mysterious"): ["i VI i VII", "i iv VI V", "i VII VI V"],
    ("minor", "any"): ["i VI III VII", "i iv V i", "i VII VI V", "i iv VI V"],
}


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    tones: tuple[int, ...]  # pitch classes, root first
    degree: int  # scale degree 0..6
    symbol: str


_ROMAN = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}


def make_chord(numeral: str, tonic: int, mode: str, seventh: bool = False) -> Chord:
    dim = numeral.endswith("°")
    base = numeral.rstrip("°")
    degree = _ROMAN[base.lower()]
    scale = SCALES[mode]
    root = (tonic + scale[degree]) % 12
    if dim:
        third, fifth, quality = 3, 6, "dim"
    elif base.isupper():
        third, fifth, quality = 4, 7, ""
    else:
        third, fifth, quality = 3, 7, "m"
    tones = [root, (root + third) % 12, (root + fifth) % 12]
    sym = NOTE_NAMES[root] + quality
    if seventh and not dim:
        # Diatonic seventh, except the dominant which keeps its minor seventh in either mode.
        sev = 10 if (quality == "" and degree == 4) else (scale[(degree + 6) % 7] - scale[degree]) % 12
        tones.append((root + sev) % 12)
        sym += "maj7" if sev == 11 else "7"
    return Chord(root, tuple(tones), degree, sym)


def chord_tone_steps(chord: Chord, scale_pcs: list[int], mode: str) -> dict[int, int]:
    """Scale indices (0..6) that are chord tones → their position in the chord (0 root, 1 third, 2 fifth…).

    In minor the seventh degree counts as raised when the chord holds the leading tone (harmonic minor V).
    """
    out = {}
    for i, pc in enumerate(scale_pcs):
        if mode == "minor" and i == 6 and (pc + 1) % 12 in chord.tones:
            pc = (pc + 1) % 12
        if pc in chord.tones:
            out[i] = chord.tones.index(pc)
    return out


NO_CHORD = Chord(0, (), 0, "")  # no tones: a scale step measured against it keeps the natural minor seventh


def voicing(chord: Chord, lo: int, hi: int, prev: list[int] | None, n: int = 4) -> list[int]:
    """Close voicing of `chord` within [lo, hi] that moves least from the previous voicing."""
    tones = list(chord.tones)
    if len(tones) < n:
        # Double the root, except on the tonic triad where the doubled third makes the mode unmistakable.
        tones = tones + [chord.tones[1] if chord.degree == 0 else chord.root]
    best, best_cost = None, None
    for inv in range(len(tones)):
        order = tones[inv:] + tones[:inv]
        for start in range(lo, lo + 12):
            if start % 12 != order[0]:
                continue
            v = [start]
            for pc in order[1:]:
                nxt = v[-1] + ((pc - v[-1]) % 12 or 12)
                v.append(nxt)
            if v[-1] > hi:
                continue
            cost = 0 if prev is None else sum(abs(a - b) for a, b in zip(sorted(v), sorted(prev)))
            if prev is None:
                cost = abs(np.mean(v) - (lo + hi) / 2)
            if best_cost is None or cost < best_cost:
                best, best_cost = v, cost
    if best is None:  # range too narrow for this chord: stack from the bottom
        best = [lo + (pc - lo) % 12 for pc in tones]
    return sorted(best)


def lowest_note(pc: int, floor: int) -> int:
    """The lowest MIDI note of pitch class `pc` at or above `floor`."""
    return floor + (pc - floor) % 12
