"""Composition: the form (intro, A and B sections, breakdown), a chord per bar ending on a perfect cadence,
and who plays what — the tune, the accompaniment patterns, the bass and the drums."""

from __future__ import annotations

import zlib

import numpy as np

from engine.backends.offline.music.accompaniment import accompany, bass_line, drum_part
from engine.backends.offline.music.ensemble import MELODY_GAIN, MELODY_PRIORITY, PAN, POLYPHONIC
from engine.backends.offline.music.harmony import PROGRESSIONS, Chord, make_chord
from engine.backends.offline.music.melody import MelodyWriter
from engine.backends.offline.music.score import Note, Score, Section
from engine.backends.offline.music.spec import MusicSpec


def plan_sections(n_bars: int, spec: MusicSpec, rng: np.random.Generator) -> list[Section]:
    """The form over `n_bars`: an intro when there is room, then A B A breakdown B A… sections of two phrases,
    each section playing one of three progressions drawn for the piece."""
    pool = PROGRESSIONS.get((spec.mode, spec.mood)) or PROGRESSIONS[(spec.mode, "any")]
    order = rng.permutation(len(pool))
    progs = {"A": pool[order[0]], "B": pool[order[1 % len(pool)]], "C": pool[order[2 % len(pool)]]}
    phrase = 4 * spec.bpc
    section_bars = 2 * phrase
    sections: list[Section] = []
    used = 0
    if n_bars >= 4 * phrase:
        sections.append(Section("intro", progs["A"], phrase, False, False, 0.7, 0))
        used = phrase
    cycle = [("A", 0.85, True), ("B", 1.0, True), ("A", 1.0, True), ("breakdown", 0.6, False),
             ("B", 1.0, True), ("A", 1.05, True)]
    i = 0
    while used < n_bars:
        label, e, drums = cycle[i % len(cycle)]
        if label == "breakdown" and n_bars - used < 3 * section_bars:
            i += 1
            continue  # a breakdown this close to the end would deflate the ending
        bars = min(section_bars, n_bars - used)
        cycle_no = i // len(cycle)
        # Later passes of the form answer the A theme with a different B progression.
        prog = progs["A"] if label == "A" else progs["C" if cycle_no % 2 else "B"]
        sections.append(Section(label, prog, bars, label != "breakdown" or rng.random() < 0.5, drums, e,
                                cycle_no))
        used += bars
        i += 1
    return sections


def compose(spec: MusicSpec, duration: float, seed: int) -> Score:
    """Lay out sections, chords, melody, accompaniment, bass and drums on the beat grid."""
    beat_s = 60.0 / spec.bpm
    bar_beats = spec.meter
    bar_s = bar_beats * beat_s
    total_beats = duration / beat_s
    # The closing tonic chord needs room to ring: about a bar, at least 1.5 s, at most 4 s.
    ring = float(np.clip(bar_s, 1.5, 4.0))
    rng = np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(f"{spec.genre}|{spec.mood}|{spec.mode}".encode())])
    score = Score(spec, total_beats, 0.0)
    if duration >= bar_s + ring:
        n_bars = int((duration - ring) // bar_s)
        final_beat = n_bars * bar_beats
        sections = plan_sections(n_bars, spec, rng)
    else:
        # Too short for whole bars: a dominant over the beats that fit, then the tonic.
        n_beats = int(max(0.0, duration - min(ring, duration * 0.55)) // beat_s)
        final_beat = float(n_beats)
        sections = []
    score.final_beat = final_beat

    # Chords, bar by bar; the bar before the final tonic is the dominant (a perfect cadence).
    seventh = spec.sevenths
    bar_chords: list[tuple[float, float, Chord, Section | None, int]] = []  # start, beats, chord, section, bar#
    bar = 0
    for sec in sections:
        numerals = sec.prog.split()
        for b in range(sec.bars):
            idx = (b // spec.bpc) % len(numerals)
            bar_chords.append((bar * bar_beats, bar_beats, make_chord(numerals[idx], spec.tonic, spec.mode, seventh),
                               sec, b))
            bar += 1
    dominant = make_chord("V", spec.tonic, spec.mode, seventh)
    if bar_chords:
        s0, d0, _, sec, b = bar_chords[-1]
        bar_chords[-1] = (s0, d0, dominant, sec, b)
    elif final_beat > 0:
        bar_chords.append((0.0, final_beat, dominant, None, 0))
    tonic_chord = make_chord("i" if spec.mode == "minor" else "I", spec.tonic, spec.mode)
    # Merge consecutive equal chords into one event (long pads, fewer restrikes).
    events: list[list] = []
    for s0, d0, ch, sec, b in bar_chords:
        if events and events[-1][2].symbol == ch.symbol and events[-1][3] is sec and b % (4 * spec.bpc) != 0:
            events[-1][1] += d0
        else:
            events.append([s0, d0, ch, sec])
    score.chords = [(e[0], e[1], e[2]) for e in events] + [(final_beat, total_beats - final_beat, tonic_chord)]
    score.form = [s.label for s in sections]

    roles = assign_roles(spec)
    notes = score.notes
    # Melody, phrase by phrase; repeated sections reuse (and vary) the same tune.
    if roles["melody"]:
        writer = MelodyWriter(spec, roles["melody"], int(rng.integers(1 << 31)))
        phrase_bars = 4 * spec.bpc
        bar = 0
        for si, sec in enumerate(sections):
            for p0 in range(0, sec.bars, phrase_bars):
                pbars = min(phrase_bars, sec.bars - p0)
                start = (bar + p0) * bar_beats
                if not sec.melody:
                    continue
                chords = [c[2] for c in bar_chords[bar + p0: bar + p0 + pbars: spec.bpc]]
                is_last = si == len(sections) - 1 and p0 + pbars >= sec.bars
                variation = sec.variation % 3  # every third pass brings the original tune back
                line = writer.phrase((sec.label, variation, p0 // phrase_bars), chords, spec.bpc, is_last)
                if p0 > 0:
                    # Answering phrase: the section's opening half again, then its own ending.
                    first = writer.phrase((sec.label, variation, 0), chords, spec.bpc, False)
                    half = (pbars // 2) * bar_beats
                    line = [(b0, min(d, half - b0), m, v) for b0, d, m, v in first if b0 < half] + \
                           [x for x in line if x[0] >= half]
                vel_scale = 0.85 + 0.15 * min(sec.energy, 1.0)
                for (b0, d, m, v) in line:
                    if m is None or b0 >= pbars * bar_beats:
                        continue
                    d = min(d, pbars * bar_beats - b0)
                    notes.append(Note(roles["melody"], start + b0, d, m, v * vel_scale, PAN[roles["melody"]] * 0.5,
                                      gain=MELODY_GAIN))
            bar += sec.bars
        final_m = writer.midi(writer.nearest_tonic(2, *writer.step_range()), tonic_chord)
        notes.append(Note(roles["melody"], final_beat, total_beats - final_beat, final_m, 0.7,
                          PAN[roles["melody"]] * 0.5, gain=MELODY_GAIN))

    section_of = [(e[0], e[1], e[2], e[3]) for e in events]
    for voice, pattern in roles["harmony"]:
        accompany(notes, voice, pattern, section_of, spec, final_beat, total_beats, tonic_chord)
    if roles["bass"]:
        bass_line(notes, roles["bass"], section_of, spec, final_beat, total_beats, tonic_chord)
    if spec.drums and sections:
        drum_part(notes, spec, sections, final_beat)
    notes.sort(key=lambda n: n.start)
    return score


def assign_roles(spec: MusicSpec) -> dict:
    """Who plays what: {"melody": voice or None, "harmony": [(voice, accompaniment pattern)], "bass": voice or
    None}."""
    voices = list(spec.instruments)
    melody = next((v for v in MELODY_PRIORITY if v in voices), None)
    bass = "bass" if "bass" in voices else None
    harmony: list[tuple[str, str]] = []
    for v in voices:
        if v == "bass" or (v == melody and v not in POLYPHONIC):
            continue
        if v == melody and len(voices) > 1 and any(h not in (melody, "bass") and h in POLYPHONIC for h in voices):
            continue  # another chord instrument accompanies; the melody voice stays a single line
        harmony.append((v, _pattern_for(v, spec)))
    if bass is None and "cello" in voices and melody != "cello":
        bass = "cello"
        harmony = [(v, p) for v, p in harmony if v != "cello"]
    if bass is None and voices == [melody] and melody in POLYPHONIC:
        bass = melody  # solo keys/guitar: its own left hand plays the roots
    if spec.mood == "tense" and not any(p == "drone" for _, p in harmony):
        low = next((v for v in ("cello", "strings", "pad", "organ") if v in voices and v not in (melody, bass)), None)
        if low:
            harmony.append((low, "drone"))
    return {"melody": melody, "harmony": harmony, "bass": bass}


def _pattern_for(voice: str, spec: MusicSpec) -> str:
    """The accompaniment figure a voice plays in this genre and energy."""
    e = spec.energy
    if voice in ("pad", "organ"):
        return "sustain"
    if voice == "brass":
        return "sustain"
    if voice == "strings":
        return "ostinato" if (spec.genre == "cinematic" and e >= 0.6) else "sustain"
    if voice == "cello":
        return "counter_low"
    if voice in ("violin", "flute", "synth"):
        return "counter"
    if voice == "bells":
        return "sparkle"
    if voice == "guitar":
        return "strum" if e >= 0.45 else "arpeggio"
    if voice in ("piano", "epiano"):
        if spec.genre in ("jazz", "lofi", "pop", "rock", "electronic", "hiphop") and e >= 0.45:
            return "comp"
        if spec.meter == 3:
            return "waltz"
        return "arpeggio"
    return "arpeggio"  # harp, guzheng
