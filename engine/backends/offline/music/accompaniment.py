"""The parts under the tune: accompaniment patterns (sustained chords, arpeggios, comping, strumming…), the bass
line and the drum kit, each written as notes chord by chord."""

from __future__ import annotations

from engine.backends.offline.music.ensemble import PAN, REGISTER
from engine.backends.offline.music.harmony import Chord, lowest_note, voicing
from engine.backends.offline.music.score import Note, Section
from engine.backends.offline.music.spec import MusicSpec

SLOW_BPM = 90.0  # below this the parts keep to plainer, on-beat figures


def accompany(notes: list[Note], voice: str, pattern: str, events, spec: MusicSpec, final_beat: float,
              total_beats: float, tonic_chord: Chord) -> None:
    """Append `voice` playing `pattern` over each chord event (start, beats, chord, section), then the closing
    tonic chord."""
    meter = spec.meter
    pan = PAN[voice]
    prev: list[int] | None = None
    sw = spec.swing

    def swing(pos: float) -> float:
        frac = pos % 1.0
        return pos - frac + sw if abs(frac - 0.5) < 1e-9 else pos

    for start, beats, chord, sec in events:
        first = len(notes)
        e = (sec.energy if sec else 1.0)
        quiet = sec is not None and sec.label == "intro"
        vel0 = (0.5 + 0.3 * spec.energy) * (0.8 if quiet else 1.0) * min(1.0, e)
        if pattern in ("sustain", "counter_low", "drone"):
            if pattern == "drone":
                v = [lowest_note(spec.tonic, 36), lowest_note(spec.tonic, 36) + 7]
            elif pattern == "counter_low":
                v = [lowest_note(chord.root, 43), lowest_note(chord.root, 43) + 7]
            else:
                lo, hi = (52, 74) if voice != "brass" else (50, 70)
                v = voicing(chord, lo, hi, prev)
                prev = v
            restrike = 2 * meter if pattern == "drone" else beats
            t = 0.0
            while t < beats - 1e-9:
                d = min(restrike, beats - t)
                for i, m in enumerate(v):
                    p = pan + (0.5 if i % 2 else -0.5) * (1 if voice in ("pad", "strings") else 0.3)
                    notes.append(Note(voice, start + t, d, m, vel0 * 0.8, p))
                t += d
        elif pattern == "ostinato":
            root = lowest_note(chord.root, 48)
            for k in range(int(round(beats * 2))):
                m = root + (12 if k % 4 == 3 else 0)
                notes.append(Note(voice, start + k * 0.5, 0.45, m, vel0 * (0.9 if k % 2 == 0 else 0.7), pan - 0.3))
        elif pattern == "counter":
            # Long guide tones (third, else fifth) under the tune, one per two beats.
            base = REGISTER[voice][0]
            for k in range(int(beats // 2)):
                pc = chord.tones[1] if k % 2 == 0 else chord.tones[2]
                notes.append(Note(voice, start + 2 * k, 2, lowest_note(pc, base), vel0 * 0.6, pan))
        elif pattern == "sparkle":
            tones = [lowest_note(pc, 79) for pc in chord.tones[:3]]
            for k in range(int(beats // 2)):
                notes.append(Note(voice, start + 2 * k, 1.5, tones[k % len(tones)], vel0 * 0.55, pan))
        elif pattern in ("arpeggio", "waltz"):
            lo = 36 if voice in ("piano", "harp", "guzheng") else 40
            r = lowest_note(chord.root, lo + 7)
            fifth = r + (chord.tones[2] - chord.root) % 12
            third = r + 12 + (chord.tones[1] - chord.root) % 12
            shape = [r, fifth, third, r + 12, fifth + 12, third]
            if pattern == "waltz":
                for bar0 in range(int(beats // meter)):
                    s0 = start + bar0 * meter
                    notes.append(Note(voice, s0, 1, r, vel0, pan))
                    upper = voicing(chord, 55, 72, None, 3)
                    for beat in (1, 2):
                        for m in upper:
                            notes.append(Note(voice, s0 + beat, 0.8, m, vel0 * 0.6, pan))
            else:
                step = 0.5 if spec.bpm <= 110 else 1.0
                n = int(round(beats / step))
                for k in range(n):
                    pos = k * step
                    hold = min(beats - pos, 2.5 * spec.bpm / 60)  # sustain pedal until the chord changes, ≤ 2.5 s
                    v = vel0 * (0.85 if k == 0 else 0.6)
                    notes.append(Note(voice, start + swing(pos), max(step, hold), shape[k % len(shape)], v, pan))
        elif pattern == "comp":
            v = voicing(chord, 55, 74, prev)
            prev = v
            default = [(0, 1.0), (1.5, 1.0), (3, 1.0)] if spec.bpm >= SLOW_BPM else [(0, 2.0), (2, 1.0), (3, 1.0)]
            hits = {"jazz": [(0, 1.0), (1.5, 0.5)], "lofi": [(0, 2.0), (2.5, 1.0)],
                    "electronic": [(0.5, 0.4), (1.5, 0.4), (2.5, 0.4), (3.5, 0.4)]}.get(spec.genre, default)
            for bar0 in range(int(round(beats / meter))):
                for pos, d in hits:
                    if pos >= meter:
                        continue
                    for m in v:
                        notes.append(Note(voice, start + bar0 * meter + swing(pos), d, m,
                                          vel0 * (0.7 if pos == 0 else 0.55), pan))
        elif pattern == "strum":
            shape = _guitar_shape(chord)
            if spec.bpm < SLOW_BPM:
                hits = [(0, "D"), (1, "D"), (2, "D"), (3, "D")]
            elif spec.energy >= 0.7:
                hits = [(0, "D"), (1, "D"), (1.5, "U"), (2.5, "U"), (3, "D"), (3.5, "U")]
            else:
                hits = [(0, "D"), (1.5, "D"), (2, "U"), (3, "D")]
            hits = [(p, d) for p, d in hits if p < meter]
            for bar0 in range(int(round(beats / meter))):
                for hi_, (pos, direction) in enumerate(hits):
                    nxt = hits[hi_ + 1][0] if hi_ + 1 < len(hits) else meter
                    strings = shape if direction == "D" else shape[-4:][::-1]
                    for si, m in enumerate(strings):
                        notes.append(Note(voice, start + bar0 * meter + swing(pos), nxt - pos, m,
                                          vel0 * (0.8 if direction == "D" else 0.55) * (1 - 0.04 * si), pan,
                                          offset=0.011 * si))
        _clip_to(notes, first, start + beats)
    # Closing chord: every accompaniment voice lands on the tonic and rings out.
    ring = total_beats - final_beat
    if ring <= 0:
        return
    if pattern == "drone":
        v = [lowest_note(spec.tonic, 36), lowest_note(spec.tonic, 36) + 7]
    elif pattern in ("strum",):
        v = _guitar_shape(tonic_chord)
    elif pattern in ("arpeggio", "waltz"):
        r = lowest_note(tonic_chord.root, 43)
        v = [r, r + 7, r + 12, r + 12 + (tonic_chord.tones[1] - tonic_chord.root) % 12]
    elif pattern in ("counter", "sparkle"):
        v = [lowest_note(tonic_chord.tones[1], REGISTER[voice][0])]
    elif pattern == "counter_low":
        v = [lowest_note(spec.tonic, 43)]
    else:
        v = voicing(tonic_chord, 52, 72, prev)
    roll = 0.06 if pattern in ("arpeggio", "strum", "waltz") else 0.0
    for i, m in enumerate(v):
        notes.append(Note(voice, final_beat, ring, m, 0.55, pan + (0.3 if i % 2 else -0.3) * 0.5,
                          offset=roll * i))


def _clip_to(notes: list[Note], first: int, end: float) -> None:
    """Keep the notes added since index `first` inside the chord that ends at beat `end`."""
    kept = [n for n in notes[first:] if n.start < end - 1e-9]
    for n in kept:
        n.dur = min(n.dur, end - n.start)
    notes[first:] = kept


def _guitar_shape(chord: Chord) -> list[int]:
    r = lowest_note(chord.root, 40)
    third = (chord.tones[1] - chord.root) % 12
    fifth = (chord.tones[2] - chord.root) % 12
    return [r, r + fifth, r + 12, r + 12 + third, r + 12 + fifth, r + 24 + third]


def bass_line(notes: list[Note], voice: str, events, spec: MusicSpec, final_beat: float, total_beats: float,
              tonic_chord: Chord) -> None:
    """Append the bass line over the chord events in a style chosen by genre, tempo and energy."""
    meter = spec.meter
    lo = 31 if voice == "bass" else 36
    e = spec.energy
    if spec.bpm < SLOW_BPM and spec.drums and spec.genre not in ("jazz", "lofi", "hiphop"):
        style = "slow"
    elif spec.mood == "tense":
        style = "pulse"
    elif spec.genre == "jazz":
        style = "walking"
    elif spec.genre == "electronic":
        style = "offbeat"
    elif e >= 0.75 and spec.genre in ("rock", "cinematic", "march"):
        style = "eighths"
    elif e >= 0.45 and spec.drums:
        style = "pop"
    elif meter == 3:
        style = "whole"
    else:
        style = "half" if e >= 0.3 else "whole"
    pan = PAN.get(voice, 0.0)
    for idx, (start, beats, chord, sec) in enumerate(events):
        r = lowest_note(chord.root, lo)
        fifth = r + 7 if r + 7 <= lo + 14 else r - 5
        nxt = events[idx + 1][2].root if idx + 1 < len(events) else spec.tonic
        vel = 0.75 * (0.8 if sec is not None and sec.label == "intro" else 1.0)
        n_bars = max(1, int(round(beats / meter)))
        first = len(notes)
        for b in range(n_bars):
            s0 = start + b * meter
            last_bar = b == n_bars - 1
            if style == "whole":
                notes.append(Note(voice, s0, meter, r, vel, pan))
            elif style == "half":
                notes.append(Note(voice, s0, 2, r, vel, pan))
                notes.append(Note(voice, s0 + 2, meter - 2, fifth, vel * 0.85, pan))
            elif style == "slow":
                for pos, d, m in ((0, 2, r), (2, 1, r), (3, 1, fifth)):
                    if pos < meter:
                        notes.append(Note(voice, s0 + pos, min(d, meter - pos), m, vel * (1 if pos == 0 else 0.8), pan))
            elif style == "pop":
                for pos, d, m in ((0, 1.5, r), (1.5, 1.0, r), (2.5, 0.5, fifth), (3, 1.0, r)):
                    if pos < meter:
                        notes.append(Note(voice, s0 + pos, min(d, meter - pos), m, vel * (1 if pos == 0 else 0.8), pan))
            elif style == "eighths":
                for k in range(meter * 2):
                    m = r + (12 if (k == meter * 2 - 1 and last_bar) else 0)
                    notes.append(Note(voice, s0 + k * 0.5, 0.45, m, vel * (0.95 if k % 2 == 0 else 0.75), pan))
            elif style == "pulse":
                for k in range(meter * 2):
                    notes.append(Note(voice, s0 + k * 0.5, 0.3, lowest_note(spec.tonic, lo),
                                      vel * (0.9 if k % 2 == 0 else 0.65), pan))
            elif style == "offbeat":
                for k in range(meter):
                    notes.append(Note(voice, s0 + k + 0.5, 0.4, r + (12 if k % 2 else 0), vel, pan))
            elif style == "walking":
                third = r + (chord.tones[1] - chord.root) % 12
                line = [r, third, fifth, None]
                for k in range(meter):
                    m = line[k] if k < len(line) else r
                    if m is None:  # chromatic approach into the next root
                        target = lowest_note(nxt, lo)
                        m = target - 1 if last_bar else fifth + 2
                    notes.append(Note(voice, s0 + k, 0.9, m, vel * (0.9 if k == 0 else 0.75), pan))
        _clip_to(notes, first, start + beats)
    if total_beats > final_beat:
        notes.append(Note(voice, final_beat, total_beats - final_beat, lowest_note(spec.tonic, lo), 0.8, pan))


_DRUM_PATTERNS = {
    # piece: positions within a 4/4 bar
    "pop": {"kick": [0, 2, 2.5], "snare": [1, 3], "hat": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]},
    "rock": {"kick": [0, 1.5, 2], "snare": [1, 3], "hat": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]},
    "electronic": {"kick": [0, 1, 2, 3], "clap": [1, 3], "ohat": [0.5, 1.5, 2.5, 3.5],
                   "hat": [0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75]},
    "jazz": {"kick": [0, 2], "ride": [0, 1, 1.5, 2, 3, 3.5], "hat": [1, 3]},
    "lofi": {"kick": [0, 1.75, 2.5], "snare": [1, 3], "hat": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]},
    "cinematic": {"kick": [0, 2], "tom_lo": [0, 1, 2, 3], "snare": [1, 3], "tom_hi": [2.5, 3.5]},
    "folk": {"kick": [0, 2], "snare": [1, 3], "shaker": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]},
    "march": {"kick": [0, 2], "snare": [0, 1, 1.5, 2, 3, 3.25, 3.5, 3.75], "hat": []},
}
_DRUM_PAN = {"kick": 0.0, "snare": 0.05, "clap": 0.0, "hat": 0.3, "ohat": 0.3, "ride": -0.3, "tom_lo": -0.2,
             "tom_hi": 0.25, "shaker": 0.35, "crash": -0.25}


def drum_part(notes: list[Note], spec: MusicSpec, sections: list[Section], final_beat: float) -> None:
    """Append the kit: the genre's pattern bar by bar, fills and crashes at section ends, a final hit."""
    meter = spec.meter
    pat = {k: list(v) for k, v in _DRUM_PATTERNS[spec.drums].items()}
    e = spec.energy
    if meter == 3:
        pat = {"kick": [0], "snare": [1, 2], "hat": [0, 1, 2]}
    if e < 0.35 or spec.bpm < SLOW_BPM:
        # Quarters only: sparser for calm music, and below ~90 BPM busy off-beats would make the groove
        # read as double time.
        pat = {k: [p for p in v if abs(p - round(p)) < 1e-9] for k, v in pat.items() if k != "ohat"}
    sw = spec.swing
    bar = 0
    for sec in sections:
        for b in range(sec.bars):
            s0 = (bar + b) * meter
            if sec.drums:
                fill = e >= 0.5 and b == sec.bars - 1 and sec.bars >= 4
                for piece, positions in pat.items():
                    for p in positions:
                        if fill and p >= meter - 1 and piece in ("hat", "ohat", "ride", "shaker"):
                            continue
                        pos = p - (p % 1.0) + sw if abs(p % 1.0 - 0.5) < 1e-9 else p
                        accent = 1.0 if abs(p - round(p)) < 1e-9 else 0.7
                        v = (0.6 + 0.4 * e) * accent * (0.85 + 0.15 * min(sec.energy, 1.0))
                        notes.append(Note(piece, s0 + pos, 0.25, 0, v, _DRUM_PAN[piece]))
                if fill:
                    for k in range(4):
                        piece = "snare" if k < 2 or spec.drums != "cinematic" else "tom_lo"
                        notes.append(Note(piece, s0 + meter - 1 + k * 0.25, 0.25, 0, 0.55 + 0.1 * k,
                                          _DRUM_PAN[piece]))
                if b == 0 and e >= 0.6 and sec.label != "intro" and bar > 0:
                    notes.append(Note("crash", s0, 1, 0, 0.7, _DRUM_PAN["crash"]))
            elif sec.label == "intro" and b >= sec.bars - 1 and "hat" in pat:
                for k in range(meter):  # count-in on the hat
                    notes.append(Note("hat", s0 + k, 0.25, 0, 0.5, _DRUM_PAN["hat"]))
        bar += sec.bars
    notes.append(Note("kick", final_beat, 1, 0, 0.9, 0.0))
    notes.append(Note("crash", final_beat, 4, 0, 0.75 if e >= 0.4 else 0.5, _DRUM_PAN["crash"]))
