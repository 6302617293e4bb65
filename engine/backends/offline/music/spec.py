"""What is asked → a complete MusicSpec.

The request's attributes come from engine.instruct (the one instruction vocabulary); a request that reached
the composer without any is read from its caption and instruction with that same vocabulary. Every value is
brought to instruct's canonical form ("lofi" → "lo-fi", "melancholy" → "sad") and then looked up in the
synthesis tables of styles.py; what those tables leave open is filled from the mood's feel and the genre's
arrangement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine import instruct
from engine.backends.base import ClipRequest
from engine.backends.offline.music.harmony import NOTE_NAMES, SCALES
from engine.backends.offline.music.styles import (
    ARRANGEMENT_OF_GENRE, ARRANGEMENTS, FEEL_OF_MOOD, FEELS, MOOD_TEMPO_FACTOR, VOICE_OF_INSTRUMENT,
)

# The attributes the composer honours, and those of them that describe the music (when none of these is
# given, the caption and instruction are read instead).
COMPOSER_FIELDS = ("genre", "instruments", "tempo_bpm", "mood", "key", "mode", "energy", "brightness")
_DESCRIBING_FIELDS = ("genre", "mood", "instruments", "tempo_bpm", "key", "mode")


@dataclass(frozen=True)
class MusicSpec:
    genre: str  # the arrangement's name (styles.ARRANGEMENTS)
    mood: str  # the feel's name (styles.FEELS)
    bpm: float
    tonic: int  # pitch class, 0 = C
    mode: str
    energy: float
    brightness: float
    instruments: tuple[str, ...]  # synth voices, without drums
    drums: str | None  # drum pattern family or None
    meter: int = 4
    swing: float = 0.5  # position of the off-beat eighth within the beat (0.5 straight)
    bpc: int = 1  # bars per chord
    sevenths: bool = False
    pentatonic: bool = False
    reverb: float = 0.25
    warnings: tuple[str, ...] = ()

    @property
    def key_name(self) -> str:
        return NOTE_NAMES[self.tonic]


def parse_tonic(key: str) -> tuple[int, str | None]:
    """'A', 'F#', 'Bb', 'c minor', 'Am', 'E♭ major' → (pitch class, mode or None)."""
    s = key.strip().replace("♯", "#").replace("♭", "b")
    m = re.fullmatch(r"([A-Ga-g])([#b]?)\s*(m|min|minor|maj|major)?", s, flags=re.IGNORECASE)
    if not m:
        raise ValueError(f"music key {key!r} is not a note name; use one of C, C#, Db, D, … B "
                         f"(optionally followed by 'major' or 'minor')")
    letter, acc, mode = m.group(1).upper(), m.group(2), m.group(3)
    pc = NOTE_NAMES.index(letter)
    if acc == "#":
        pc += 1
    elif acc.lower() == "b":
        pc -= 1
    if mode:
        mode = "minor" if mode.lower() in ("m", "min", "minor") else "major"
    return pc % 12, mode


def attributes_from_text(text: str) -> dict:
    """The attributes the composer honours, as engine.instruct reads them in `text`."""
    read = instruct.parse_music(text).controls()
    return {k: v for k, v in read.items() if k in COMPOSER_FIELDS and v not in (None, "", [])}


def _played_as(field: str, value, table: dict[str, str]) -> str | None:
    """The entry of `table` for a mood or genre attribute, the value first brought to engine.instruct's
    canonical form; None when the vocabulary or the table does not know it."""
    value = str(value)
    canonical = value if value in table else getattr(instruct.parse_music(value), field)
    return table.get(canonical)


def _voices(explicit, warnings: list[str]) -> tuple[list[str], bool]:
    """Synth voices for the requested instruments (in order, once each) and whether drums were asked for."""
    if isinstance(explicit, str):
        explicit = [s for s in re.split(r"[,;/、，]+|\band\b|和", explicit) if s.strip()]
    voices: list[str] = []
    want_drums = False
    for name in explicit:
        canonical = [name] if name in VOICE_OF_INSTRUMENT else instruct.parse_music(str(name)).instruments
        for instrument in canonical or [name]:
            v = VOICE_OF_INSTRUMENT.get(instrument)
            if v is None:
                warnings.append(f"instrument {instrument!r} is not in the offline synth bank; played by a pad")
                v = "pad"
            if v == "drums":
                want_drums = True
            elif v not in voices:
                voices.append(v)
    return voices, want_drums


def _unit(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"music attribute {name}={value!r} must be a number between 0 and 1") from None
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"music attribute {name}={v} is outside 0..1; use 0 (low) … 1 (high)")
    return v


def resolve_spec(request: ClipRequest) -> tuple[MusicSpec, str]:
    """Complete the requested attributes with mood/genre defaults. Returns (spec, source of attributes)."""
    attrs = dict(request.attributes or {})
    source = "attributes"
    if not any(attrs.get(k) for k in _DESCRIBING_FIELDS):
        read = attributes_from_text(" ".join([request.caption or "", request.instruction or ""]))
        for k, v in read.items():
            attrs.setdefault(k, v)
        source = "keywords" if read else "defaults"
    warnings: list[str] = []

    mood = genre = None
    if attrs.get("mood"):
        mood = _played_as("mood", attrs["mood"], FEEL_OF_MOOD)
        if mood is None:
            warnings.append(f"mood {attrs['mood']!r} not known to the offline composer; used genre/neutral defaults")
    if attrs.get("genre"):
        genre = _played_as("genre", attrs["genre"], ARRANGEMENT_OF_GENRE)
        if genre is None:
            warnings.append(f"genre {attrs['genre']!r} not known to the offline composer; used mood defaults")
    genre_given = genre is not None
    if genre is None:
        # Instruments alone (no mood, no genre) get no kit unless drums are listed.
        genre = FEELS[mood]["genre"] if mood else ("ballad" if attrs.get("instruments") else "pop")
    mp = FEELS[mood or "neutral"]
    gp = ARRANGEMENTS[genre]

    key_mode = None
    if attrs.get("key") is not None:
        tonic, key_mode = parse_tonic(str(attrs["key"]))
    mode = str(attrs.get("mode") or key_mode or mp["mode"]).strip()
    if mode not in SCALES:
        mode = instruct.parse_music(mode).mode or mode  # "Minor", "小调"
    if mode not in SCALES:
        raise ValueError(f"music mode {mode!r} must be 'major' or 'minor'")
    if attrs.get("key") is None:
        tonic = 9 if mode == "minor" else 0  # A minor / C major: mid-register, friendly to every voice

    if attrs.get("tempo_bpm") is not None:
        try:
            bpm = float(attrs["tempo_bpm"])
        except (TypeError, ValueError):
            raise ValueError(f"music tempo_bpm={attrs['tempo_bpm']!r} must be a number") from None
        if not 30.0 <= bpm <= 300.0:
            raise ValueError(f"music tempo_bpm={bpm} is outside 30..300 BPM")
    elif genre_given and mood:
        bpm = float(round(gp["bpm"] * MOOD_TEMPO_FACTOR.get(mood, 1.0)))
    else:
        bpm = float(gp["bpm"] if genre_given else mp["bpm"])

    if attrs.get("energy") is not None:
        energy = _unit("energy", attrs["energy"])
    elif genre_given and mood:
        energy = 0.5 * (mp["energy"] + gp.get("energy", mp["energy"]))
    elif genre_given:
        energy = gp.get("energy", 0.55)
    else:
        energy = mp["energy"]
    if attrs.get("brightness") is not None:
        brightness = _unit("brightness", attrs["brightness"])
    else:
        brightness = gp.get("brightness", mp["brightness"])

    explicit = attrs.get("instruments") or []
    voices, want_drums = _voices(explicit, warnings)
    if not voices:
        defaults = gp["instruments"] if genre_given or not mood else mp["instruments"]
        voices = [v for v in defaults if v != "drums"]
    drums = None
    if want_drums or (gp["drums"] and (genre_given or not explicit)):
        drums = gp["drums"] or ("pop" if energy >= 0.5 else "folk")
        if gp["drums"] is None and mood in ("tense", "epic"):
            drums = "cinematic"
    if drums and not want_drums and energy < 0.15:
        drums = None  # very calm: no kit unless the user asked for drums
    spec = MusicSpec(
        genre=genre, mood=mood or "neutral", bpm=bpm, tonic=tonic, mode=mode, energy=energy,
        brightness=brightness, instruments=tuple(voices), drums=drums, meter=gp.get("meter", 4),
        swing=gp.get("swing", 0.5), bpc=gp.get("bpc", 2 if mood in ("tense",) and genre != "rock" else 1),
        sevenths=gp.get("sevenths", False), pentatonic=gp.get("pentatonic", False),
        reverb=gp.get("reverb", 0.25), warnings=tuple(warnings))
    return spec, source
