"""The tune: scale-step melodies written phrase by phrase over the chords, with motifs that come back."""

from __future__ import annotations

import zlib

import numpy as np

from engine.backends.offline.music.ensemble import REGISTER
from engine.backends.offline.music.harmony import NO_CHORD, SCALES, Chord, chord_tone_steps
from engine.backends.offline.music.spec import MusicSpec

# Rhythm banks for 4/4 and 3/4 by density (0 sparse … 3 busy): each entry fills one bar with note lengths in
# beats; the cadence banks close a phrase.
_RHYTHMS4 = [
    [[4], [2, 2], [3, 1], [2, 1, 1]],
    [[2, 1, 1], [1, 1, 2], [1.5, 0.5, 2], [1, 1, 1, 1], [3, 1]],
    [[1, 1, 1, 1], [1, 0.5, 0.5, 1, 1], [1.5, 0.5, 1, 1], [0.5, 0.5, 1, 2], [1, 1, 1.5, 0.5]],
    [[0.5, 0.5, 1, 0.5, 0.5, 1], [1, 0.5, 0.5, 0.5, 0.5, 1], [0.5, 0.5, 0.5, 0.5, 1, 1], [1.5, 0.5, 0.5, 0.5, 1]],
]
_RHYTHMS3 = [
    [[3], [2, 1]],
    [[2, 1], [1, 1, 1], [1.5, 0.5, 1]],
    [[1, 1, 1], [1, 0.5, 0.5, 1], [1.5, 0.5, 1]],
    [[0.5, 0.5, 1, 1], [1, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 1]],
]
_CADENCE4 = [[4], [2, 2], [1, 1, 2], [3, 1]]
_CADENCE3 = [[3], [1, 2], [2, 1]]


class MelodyWriter:
    """Scale-step melodies: chord tones on strong beats, steps between, an arch per phrase, motifs repeated."""

    def __init__(self, spec: MusicSpec, voice: str, rng_seed: int):
        self.spec = spec
        self.seed = rng_seed
        lo, hi = REGISTER.get(voice, (62, 81))
        self.lowest, self.highest = lo, hi
        scale = SCALES[spec.mode]
        self.scale_pcs = [(spec.tonic + s) % 12 for s in scale]
        # Step index 0 = tonic in the octave nearest the middle of the register.
        mid = (lo + hi) // 2
        base = spec.tonic + 12 * ((mid - spec.tonic) // 12)
        self.base = base if mid - base < 9 else base + 12
        self.density = int(np.clip(round(spec.energy * 3 + (100 - spec.bpm) / 60), 0, 3))
        # Pentatonic tunes (Chinese style): skip the two scale degrees a semitone from their neighbours.
        self.allowed = ({0, 1, 2, 4, 5} if spec.mode == "major" else {0, 2, 3, 4, 6}) if spec.pentatonic \
            else set(range(7))
        self.cache: dict[tuple, list[tuple[float, float, int | None, float]]] = {}

    def midi(self, step: int, chord: Chord) -> int:
        octave, idx = divmod(step, 7)
        pc_off = SCALES[self.spec.mode][idx]
        # Leading tone in minor over the dominant (harmonic minor), otherwise natural minor.
        if self.spec.mode == "minor" and idx == 6 and (self.spec.tonic + 11) % 12 in chord.tones:
            pc_off = 11
        return self.base + 12 * octave + pc_off

    def step_range(self) -> tuple[int, int]:
        lo = next(s for s in range(-14, 15) if self.midi(s, NO_CHORD) >= self.lowest)
        hi = max(s for s in range(-14, 22) if self.midi(s, NO_CHORD) <= self.highest)
        return lo, hi

    def phrase(self, key: tuple, chords: list[Chord], bars_per_chord: int, last: bool) -> list:
        """Notes (start beat, beats, midi or None for rest, velocity) for one phrase of len(chords) chords."""
        ck = (key, tuple(c.symbol for c in chords), bars_per_chord, last)
        if ck in self.cache:
            return self.cache[ck]
        # Rhythm depends on the section and phrase only, pitches also on the variation: a varied repeat
        # keeps its rhythm and changes its notes.
        label, variation, phrase_no = key
        rrng = np.random.default_rng([self.seed, zlib.crc32(f"{label}|{phrase_no}".encode())])
        rng = np.random.default_rng([self.seed, zlib.crc32(repr(key).encode())])
        meter = self.spec.meter
        bank = _RHYTHMS4 if meter == 4 else _RHYTHMS3
        cad = _CADENCE4 if meter == 4 else _CADENCE3
        dens = self.density
        motif = bank[dens][rrng.integers(len(bank[dens]))]
        alt = bank[max(0, dens - 1)][rrng.integers(len(bank[max(0, dens - 1)]))]
        cad_pick = cad[0] if last else cad[rrng.integers(len(cad))]
        bars = [c for c in chords for _ in range(bars_per_chord)]
        lo, hi = self.step_range()
        cur = int(rng.integers(0, 5)) if hi - lo > 8 else lo + 2
        cur = int(np.clip(cur, lo, hi))
        notes = []
        n_bars = len(bars)
        motif_steps: list[int] | None = None
        for b, chord in enumerate(bars):
            is_cadence = b == n_bars - 1
            if is_cadence:
                rhythm = cad_pick
            elif b % 4 == 2:
                rhythm = alt
            else:
                rhythm = motif
            tones = chord_tone_steps(chord, self.scale_pcs, self.spec.mode)
            pos = 0.0
            direction = 1 if b < n_bars / 2 else -1  # arch contour
            steps_this_bar: list[int] = []
            for j, dur in enumerate(rhythm):
                beat_in_bar = pos
                strong = abs(beat_in_bar - round(beat_in_bar)) < 1e-9 and int(round(beat_in_bar)) % 2 == 0
                if b % 4 == 1 and motif_steps is not None and j < len(motif_steps) and rng.random() < 0.7:
                    # Sequence: repeat the motif's intervals from a new chord tone.
                    cand = cur + motif_steps[j] if j > 0 else cur
                else:
                    step = rng.choice([-2, -1, 0, 1, 2, 3], p=[0.12, 0.3, 0.08, 0.3, 0.12, 0.08]) * direction
                    if rng.random() < 0.3:
                        step = -step
                    cand = cur + int(step)
                if strong or dur >= 1.5 or (is_cadence and j == len(rhythm) - 1):
                    # Thirds often on strong beats: they are what makes the mode audible in the tune.
                    cand = self._snap(cand, tones, lo, hi, prefer_third=rng.random() < 0.45)
                if cand % 7 not in self.allowed:
                    cand += direction if (cand + direction) % 7 in self.allowed else -direction
                if last and is_cadence and j == len(rhythm) - 1:
                    cand = self.nearest_tonic(cand, lo, hi)
                cand = int(np.clip(cand, lo, hi))
                if cand >= hi:
                    direction = -1
                elif cand <= lo:
                    direction = 1
                steps_this_bar.append(cand - cur if j > 0 else 0)
                cur = cand
                vel = 0.78 if strong else 0.62
                if is_cadence and j == len(rhythm) - 1 and not last and rng.random() < 0.35 and dur >= 2:
                    notes.append((b * meter + pos, dur / 2, self.midi(cur, chord), vel))  # breath before next
                else:
                    notes.append((b * meter + pos, dur, self.midi(cur, chord), vel))
                pos += dur
            if b % 4 == 0:
                motif_steps = steps_this_bar
        self.cache[ck] = notes
        return notes

    def _snap(self, step: int, tones: dict[int, int], lo: int, hi: int, prefer_third: bool = False) -> int:
        tones = {i: p for i, p in tones.items() if i in self.allowed} or tones
        wanted = [i for i, pos in tones.items() if pos == 1] if prefer_third else []
        for pool in ([wanted] if wanted else []) + [list(tones)]:
            for d in (0, 1, -1, 2, -2, 3, -3):
                s = step + d
                if s % 7 in pool and lo <= s <= hi:
                    return s
        return step

    def nearest_tonic(self, step: int, lo: int, hi: int) -> int:
        cands = [s for s in range(lo, hi + 1) if s % 7 == 0]
        return min(cands, key=lambda s: abs(s - step)) if cands else step
