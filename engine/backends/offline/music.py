"""Offline music: a rule-based composer and a small synthesiser bank (the MusicModel of the `offline` profile).

Three stages, each a plain function of the previous one:
  resolve  — attributes (genre, mood, tempo, key, instruments, energy, brightness) → a complete `MusicSpec`,
             filling what is missing from mood and genre defaults;
  compose  — spec + duration → a `Score`: sections, a chord per bar, melody, bass, accompaniment and drums
             as notes on an exact beat grid, ending on a tonic cadence;
  render   — every distinct note is synthesised once (cached), added to per-instrument buses, panned,
             sent through a convolution reverb, then faded, loudness-normalised and peak-limited.

It is procedural music, not a neural model; the UI labels it as such.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from engine.analysis import integrated_loudness
from engine.backends.base import BackendError, CancelToken, Capabilities, Clip, ClipRequest

SAMPLE_RATE = 44100
TARGET_LUFS = -18.0
PEAK_CEILING = 0.97
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLATS = {"DB": 1, "EB": 3, "GB": 6, "AB": 8, "BB": 10, "CB": 11, "FB": 4}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}

# ------------------------------------------------------------------------------------- vocabulary

# mood → defaults. bpm/energy/brightness are starting points that genre and explicit attributes override.
MOODS: dict[str, dict] = {
    "neutral": dict(mode="major", bpm=100, energy=0.5, brightness=0.5, genre="pop",
                    instruments=("piano", "pad", "bass")),
    "happy": dict(mode="major", bpm=112, energy=0.7, brightness=0.65, genre="pop",
                  instruments=("piano", "guitar", "bass", "drums")),
    "sad": dict(mode="minor", bpm=66, energy=0.25, brightness=0.35, genre="ballad",
                instruments=("piano", "strings")),
    "tense": dict(mode="minor", bpm=90, energy=0.55, brightness=0.3, genre="cinematic",
                  instruments=("strings", "cello", "pad", "bass")),
    "calm": dict(mode="major", bpm=72, energy=0.2, brightness=0.45, genre="ambient",
                 instruments=("piano", "pad", "harp")),
    "epic": dict(mode="minor", bpm=96, energy=0.85, brightness=0.6, genre="cinematic",
                 instruments=("brass", "strings", "bass", "drums")),
    "romantic": dict(mode="major", bpm=76, energy=0.35, brightness=0.45, genre="ballad",
                     instruments=("piano", "strings", "flute")),
    "mysterious": dict(mode="minor", bpm=80, energy=0.3, brightness=0.4, genre="ambient",
                       instruments=("pad", "bells", "bass")),
    "playful": dict(mode="major", bpm=120, energy=0.65, brightness=0.7, genre="folk",
                    instruments=("bells", "guitar", "bass", "drums")),
    "angry": dict(mode="minor", bpm=138, energy=0.95, brightness=0.6, genre="rock",
                  instruments=("guitar", "organ", "bass", "drums")),
}
MOOD_ALIASES = {
    "sorrowful": "sad", "melancholy": "sad", "melancholic": "sad", "somber": "sad", "sombre": "sad",
    "grief": "sad", "lonely": "sad", "nostalgic": "sad", "mournful": "sad",
    "cheerful": "happy", "joyful": "happy", "upbeat": "happy", "bright": "happy", "uplifting": "happy",
    "hopeful": "happy", "triumphant": "epic", "heroic": "epic", "grand": "epic", "cinematic": "epic",
    "suspense": "tense", "suspenseful": "tense", "ominous": "tense", "dark": "tense", "scary": "tense",
    "fearful": "tense", "anxious": "tense", "horror": "tense", "eerie": "mysterious",
    "peaceful": "calm", "gentle": "calm", "relaxing": "calm", "serene": "calm", "soothing": "calm",
    "tender": "romantic", "loving": "romantic", "warm": "romantic", "dreamy": "calm",
    "mystical": "mysterious", "magical": "mysterious", "whimsical": "playful", "fun": "playful",
    "aggressive": "angry", "intense": "angry", "excited": "happy", "energetic": "happy",
}

# genre → defaults. `drums` is the pattern family (None: no kit), `bpc` bars per chord.
GENRES: dict[str, dict] = {
    "pop": dict(bpm=110, drums="pop", instruments=("piano", "guitar", "bass", "drums"), reverb=0.22),
    "rock": dict(bpm=122, drums="rock", instruments=("guitar", "organ", "bass", "drums"), reverb=0.15,
                 energy=0.8),
    "electronic": dict(bpm=124, drums="electronic", instruments=("synth", "pad", "bass", "drums"), reverb=0.22,
                       energy=0.75),
    "jazz": dict(bpm=120, drums="jazz", instruments=("epiano", "bass", "drums"), reverb=0.2, swing=0.64,
                 sevenths=True),
    "lofi": dict(bpm=80, drums="lofi", instruments=("epiano", "pad", "bass", "drums"), reverb=0.25, swing=0.6,
                 sevenths=True, brightness=0.3),
    "classical": dict(bpm=92, drums=None, instruments=("violin", "strings", "piano", "cello"), reverb=0.35),
    "ambient": dict(bpm=68, drums=None, instruments=("pad", "bells", "strings"), reverb=0.5, bpc=2, energy=0.2),
    "cinematic": dict(bpm=96, drums="cinematic", instruments=("strings", "brass", "bass", "drums"), reverb=0.4),
    "folk": dict(bpm=100, drums="folk", instruments=("guitar", "flute", "bass", "drums"), reverb=0.22),
    "ballad": dict(bpm=70, drums=None, instruments=("piano", "strings", "bass"), reverb=0.35),
    "piano": dict(bpm=80, drums=None, instruments=("piano",), reverb=0.3),
    "waltz": dict(bpm=132, drums=None, instruments=("piano", "strings", "bass"), reverb=0.3, meter=3),
    "march": dict(bpm=112, drums="march", instruments=("brass", "bass", "drums"), reverb=0.25, energy=0.75),
    "chinese": dict(bpm=80, drums=None, instruments=("flute", "guzheng", "strings"), reverb=0.35,
                    pentatonic=True),
    "hiphop": dict(bpm=90, drums="lofi", instruments=("epiano", "bass", "drums"), reverb=0.18),
}
GENRE_ALIASES = {
    "edm": "electronic", "techno": "electronic", "house": "electronic", "synthwave": "electronic",
    "dance": "electronic", "orchestral": "cinematic", "epic": "cinematic", "film": "cinematic",
    "soundtrack": "cinematic", "acoustic": "folk", "country": "folk", "lo-fi": "lofi", "lo fi": "lofi",
    "chill": "lofi", "hip hop": "hiphop", "hip-hop": "hiphop", "blues": "jazz", "swing": "jazz",
    "piano solo": "piano", "solo piano": "piano", "new age": "ambient", "drone": "ambient",
    "metal": "rock", "punk": "rock", "funk": "pop", "r&b": "pop", "soul": "ballad",
    "traditional chinese": "chinese", "guofeng": "chinese", "baroque": "classical", "chamber": "classical",
}
DRUM_GENRES = {"pop", "rock", "electronic", "jazz", "lofi", "cinematic", "folk", "march", "hiphop"}

# instrument name (EN/ZH) → synth voice.
INSTRUMENT_ALIASES = {
    "piano": "piano", "grand piano": "piano", "keys": "epiano", "keyboard": "epiano",
    "electric piano": "epiano", "rhodes": "epiano", "epiano": "epiano", "e-piano": "epiano",
    "guitar": "guitar", "acoustic guitar": "guitar", "electric guitar": "guitar", "ukulele": "guitar",
    "banjo": "guitar", "mandolin": "guitar", "lute": "guitar",
    "harp": "harp", "guzheng": "guzheng", "zither": "guzheng", "pipa": "guzheng", "koto": "guzheng",
    "strings": "strings", "string": "strings", "orchestra": "strings", "string ensemble": "strings",
    "violin": "violin", "fiddle": "violin", "viola": "violin", "erhu": "violin",
    "cello": "cello", "double bass": "cello", "contrabass": "cello",
    "synth": "synth", "synthesizer": "synth", "lead": "synth", "synth lead": "synth",
    "pad": "pad", "synth pad": "pad", "choir": "pad", "voices": "pad", "atmosphere": "pad",
    "bass": "bass", "bass guitar": "bass", "synth bass": "bass", "electric bass": "bass",
    "flute": "flute", "dizi": "flute", "recorder": "flute", "whistle": "flute", "pan flute": "flute",
    "clarinet": "flute", "oboe": "flute", "xiao": "flute",
    "bells": "bells", "bell": "bells", "celesta": "bells", "glockenspiel": "bells", "music box": "bells",
    "chimes": "bells", "vibraphone": "bells", "marimba": "bells", "xylophone": "bells",
    "organ": "organ", "accordion": "organ", "harmonium": "organ",
    "brass": "brass", "horn": "brass", "horns": "brass", "french horn": "brass", "trumpet": "brass",
    "trombone": "brass", "tuba": "brass", "saxophone": "brass", "sax": "brass",
    "drums": "drums", "drum": "drums", "percussion": "drums", "drum kit": "drums", "beat": "drums",
    "timpani": "drums", "taiko": "drums",
    "钢琴": "piano", "电钢琴": "epiano", "吉他": "guitar", "竖琴": "harp", "古筝": "guzheng", "琵琶": "guzheng",
    "弦乐": "strings", "小提琴": "violin", "二胡": "violin", "大提琴": "cello", "合成器": "synth",
    "贝斯": "bass", "长笛": "flute", "笛子": "flute", "箫": "flute", "钟": "bells", "铃": "bells",
    "风琴": "organ", "管风琴": "organ", "铜管": "brass", "小号": "brass", "圆号": "brass", "鼓": "drums",
    "打击乐": "drums", "合唱": "pad",
}
VOICES = ("piano", "epiano", "guitar", "harp", "guzheng", "strings", "violin", "cello", "synth", "pad",
          "bass", "flute", "bells", "organ", "brass")
# Which voice carries the tune when several are present (first match wins).
MELODY_PRIORITY = ("flute", "violin", "synth", "brass", "bells", "piano", "epiano", "guzheng", "guitar", "harp",
                   "organ", "strings", "cello", "pad")
# Voices that can play chords; as melody they also play their own accompaniment (a pianist's left hand).
POLYPHONIC = {"piano", "epiano", "guitar", "harp", "guzheng"}
REGISTER = {  # (low, high) MIDI for melodies
    "flute": (72, 91), "violin": (67, 88), "synth": (64, 84), "brass": (58, 77), "bells": (72, 91),
    "piano": (64, 84), "epiano": (62, 81), "guzheng": (62, 84), "guitar": (57, 76), "harp": (62, 84),
    "organ": (60, 79), "strings": (64, 83), "cello": (48, 67), "pad": (60, 79),
}
PAN = {"piano": -0.05, "epiano": -0.15, "guitar": -0.4, "harp": 0.35, "guzheng": -0.3, "strings": 0.0,
       "violin": 0.2, "cello": -0.3, "synth": 0.1, "pad": 0.0, "bass": 0.0, "flute": 0.2, "bells": 0.4,
       "organ": -0.25, "brass": 0.2}
SEND = {"piano": 0.25, "epiano": 0.2, "guitar": 0.18, "harp": 0.3, "guzheng": 0.3, "strings": 0.35,
        "violin": 0.3, "cello": 0.3, "synth": 0.2, "pad": 0.35, "bass": 0.03, "flute": 0.3, "bells": 0.4,
        "organ": 0.2, "brass": 0.3}
LEVEL = {"piano": 0.5, "epiano": 0.5, "guitar": 0.8, "harp": 0.8, "guzheng": 1.1, "strings": 0.3,
         "violin": 0.4, "cello": 0.4, "synth": 0.3, "pad": 0.22, "bass": 0.45, "flute": 0.45, "bells": 0.3,
         "organ": 0.2, "brass": 0.3}
MELODY_GAIN = 2.0

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

# ------------------------------------------------------------------------------------------ the spec


@dataclass(frozen=True)
class MusicSpec:
    genre: str
    mood: str
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


def _canon_mood(mood: str | None) -> tuple[str | None, str | None]:
    if not mood:
        return None, None
    m = str(mood).strip().lower()
    for zh, canon in _ZH_MOODS.items():
        if zh in m:
            return canon, None
    if m in MOODS:
        return m, None
    if m in MOOD_ALIASES:
        return MOOD_ALIASES[m], None
    for word in re.findall(r"[a-z]+", m):
        if word in MOODS:
            return word, None
        if word in MOOD_ALIASES:
            return MOOD_ALIASES[word], None
    return None, f"mood {mood!r} not known to the offline composer; used genre/neutral defaults"


def _canon_genre(genre: str | None) -> tuple[str | None, str | None]:
    if not genre:
        return None, None
    g = str(genre).strip().lower()
    for zh, canon in _ZH_GENRES.items():
        if zh in g:
            return canon, None
    if g in GENRES:
        return g, None
    if g in GENRE_ALIASES:
        return GENRE_ALIASES[g], None
    for word in re.split(r"[\s,/]+", g):
        if word in GENRES:
            return word, None
        if word in GENRE_ALIASES:
            return GENRE_ALIASES[word], None
    return None, f"genre {genre!r} not known to the offline composer; used mood defaults"


def _canon_instrument(name: str) -> str | None:
    n = name.strip().lower()
    if n in INSTRUMENT_ALIASES:
        return INSTRUMENT_ALIASES[n]
    if n in VOICES:
        return n
    # "solo cello", "soft piano", "warm strings"
    for word in reversed(re.findall(r"[a-z\-]+|[\u4e00-\u9fff]+", n)):
        if word in INSTRUMENT_ALIASES:
            return INSTRUMENT_ALIASES[word]
    return None


# Minimal keyword reading for a request that reached us without parsed attributes. The full EN/ZH
# instruction parser lives in engine/instruct.py; this only keeps the composer usable on its own.
_ZH_MOODS = {"悲伤": "sad", "伤感": "sad", "忧伤": "sad", "哀伤": "sad", "欢快": "happy", "快乐": "happy",
             "愉快": "happy", "开心": "happy", "紧张": "tense", "悬疑": "tense", "恐怖": "tense",
             "平静": "calm", "宁静": "calm", "舒缓": "calm", "安静": "calm", "史诗": "epic", "宏大": "epic",
             "浪漫": "romantic", "温柔": "romantic", "神秘": "mysterious", "俏皮": "playful", "愤怒": "angry"}
_ZH_GENRES = {"流行": "pop", "摇滚": "rock", "电子": "electronic", "爵士": "jazz", "古典": "classical",
              "氛围": "ambient", "电影": "cinematic", "民谣": "folk", "中国风": "chinese", "进行曲": "march",
              "华尔兹": "waltz", "圆舞曲": "waltz"}


def keyword_attributes(text: str) -> dict:
    """A light read of mood, genre, instruments, tempo, key and brightness words (EN + a few ZH)."""
    out: dict = {}
    low = text.lower()
    words = re.findall(r"[a-z][a-z\-]*", low)
    for w in words:
        if "mood" not in out and (w in MOODS or w in MOOD_ALIASES) and w not in ("bright", "warm", "dark"):
            out["mood"] = w
    for zh, mood in _ZH_MOODS.items():
        if "mood" not in out and zh in text:
            out["mood"] = mood
    for phrase in sorted(list(GENRES) + list(GENRE_ALIASES), key=len, reverse=True):
        if "genre" not in out and re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", low):
            if phrase not in ("piano", "epic", "cinematic", "drone"):  # these read better as instrument/mood
                out["genre"] = phrase
    for zh, genre in _ZH_GENRES.items():
        if "genre" not in out and zh in text:
            out["genre"] = genre
    found: list[str] = []
    for name in sorted(INSTRUMENT_ALIASES, key=len, reverse=True):
        if re.fullmatch(r"[\u4e00-\u9fff]+", name):
            hit = name in low  # `low` has longer names already blanked out (电钢琴 is not also 钢琴)
        else:
            hit = re.search(rf"(?<![a-z]){re.escape(name)}s?(?![a-z])", low) is not None
        if hit and INSTRUMENT_ALIASES[name] not in found:
            found.append(INSTRUMENT_ALIASES[name])
            low = low.replace(name, " ")
    if found:
        out["instruments"] = found
    m = re.search(r"(\d{2,3}(?:\.\d+)?)\s*(?:bpm|beats per minute|拍)", low)
    if m:
        out["tempo_bpm"] = float(m.group(1))
    elif re.search(r"\b(slow|slowly|adagio|largo)\b", low) or "慢" in text:
        out["tempo_scale"] = 0.8
    elif re.search(r"\b(fast|quick|rapid|allegro|presto)\b", low) or "快节奏" in text:
        out["tempo_scale"] = 1.25
    m = re.search(r"\b(?:in\s+)?([a-g](?:#|b|♯|♭)?)[\s-]*(major|minor)\b", low)
    if m:
        out["key"], out["mode"] = m.group(1).upper(), m.group(2)
    elif "小调" in text:
        out["mode"] = "minor"
    elif "大调" in text:
        out["mode"] = "major"
    if re.search(r"\bbright\b", low) or "明亮" in text:
        out["brightness"] = 0.85
    elif re.search(r"\b(dark|warm|mellow|muffled)\b", low) or "温暖" in text or "低沉" in text:
        out["brightness"] = 0.2
    if re.search(r"\b(energetic|driving|powerful|intense)\b", low) or "激昂" in text:
        out["energy"] = 0.85
    elif re.search(r"\b(soft|quiet|gentle|sparse|minimal)\b", low) or "轻柔" in text:
        out["energy"] = 0.2
    return out


_MUSIC_FIELDS = ("genre", "mood", "instruments", "tempo_bpm", "key", "mode")
# A mood played in a given genre shifts that genre's usual tempo.
_MOOD_TEMPO_FACTOR = {"sad": 0.8, "calm": 0.85, "romantic": 0.9, "happy": 1.05, "angry": 1.1}


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
    if not any(attrs.get(k) for k in _MUSIC_FIELDS):
        kw = keyword_attributes(" ".join([request.caption or "", request.instruction or ""]))
        for k, v in kw.items():
            attrs.setdefault(k, v)
        source = "keywords" if kw else "defaults"
    warnings: list[str] = []

    mood, w = _canon_mood(attrs.get("mood"))
    if w:
        warnings.append(w)
    genre, w = _canon_genre(attrs.get("genre"))
    if w:
        warnings.append(w)
    genre_given = genre is not None
    if genre is None:
        # Instruments alone (no mood, no genre) get no kit unless drums are listed.
        genre = MOODS[mood]["genre"] if mood else ("ballad" if attrs.get("instruments") else "pop")
    mp = MOODS[mood or "neutral"]
    gp = GENRES[genre]

    key_mode = None
    if attrs.get("key") is not None:
        tonic, key_mode = parse_tonic(str(attrs["key"]))
    mode = attrs.get("mode") or key_mode or mp["mode"]
    mode = {"小调": "minor", "大调": "major"}.get(str(mode).strip(), str(mode).strip().lower())
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
    else:
        if genre_given and mood:
            bpm = gp["bpm"] * _MOOD_TEMPO_FACTOR.get(mood, 1.0)
        elif genre_given:
            bpm = gp["bpm"]
        else:
            bpm = mp["bpm"]
        bpm = float(round(bpm * float(attrs.get("tempo_scale", 1.0))))

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
    if isinstance(explicit, str):
        explicit = [s for s in re.split(r"[,;/、，]+|\band\b|和", explicit) if s.strip()]
    voices: list[str] = []
    want_drums = False
    for name in explicit:
        v = _canon_instrument(str(name))
        if v is None:
            warnings.append(f"instrument {name!r} is not in the offline synth bank; played by a pad")
            v = "pad"
        if v == "drums":
            want_drums = True
        elif v not in voices:
            voices.append(v)
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


# ---------------------------------------------------------------------------------------- harmony

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


# ---------------------------------------------------------------------------------------- the score

@dataclass
class Note:
    voice: str  # synth voice or drum piece ("kick", "snare", …)
    start: float  # beats from the start of the clip
    dur: float  # beats held
    midi: int
    vel: float  # 0..1
    pan: float = 0.0
    offset: float = 0.0  # seconds after the grid position (strummed strings only)
    gain: float = 1.0  # role level on top of the voice's LEVEL (the tune sits above the accompaniment)


@dataclass
class Score:
    spec: MusicSpec
    total_beats: float
    final_beat: float  # where the closing tonic chord starts
    notes: list[Note] = field(default_factory=list)
    chords: list[tuple[float, float, Chord]] = field(default_factory=list)  # (start, beats, chord)
    form: list[str] = field(default_factory=list)
    melody_voice: str | None = None


@dataclass
class _Section:
    label: str  # A, B, intro, breakdown
    prog: str
    bars: int
    melody: bool
    drums: bool
    energy: float
    variation: int


def _plan_sections(n_bars: int, spec: MusicSpec, rng: np.random.Generator) -> tuple[list[_Section], dict]:
    pool = PROGRESSIONS.get((spec.mode, spec.mood)) or PROGRESSIONS[(spec.mode, "any")]
    order = rng.permutation(len(pool))
    progs = {"A": pool[order[0]], "B": pool[order[1 % len(pool)]], "C": pool[order[2 % len(pool)]]}
    phrase = 4 * spec.bpc
    section_bars = 2 * phrase
    sections: list[_Section] = []
    used = 0
    if n_bars >= 4 * phrase:
        sections.append(_Section("intro", progs["A"], phrase, False, False, 0.7, 0))
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
        sections.append(_Section(label, prog, bars, label != "breakdown" or rng.random() < 0.5, drums, e,
                                 cycle_no))
        used += bars
        i += 1
    return sections, progs


def _chord_tone_steps(chord: Chord, scale_pcs: list[int], mode: str) -> dict[int, int]:
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


class _MelodyWriter:
    """Scale-step melodies: chord tones on strong beats, steps between, an arch per phrase, motifs repeated."""

    def __init__(self, spec: MusicSpec, voice: str, rng_seed: int):
        self.spec = spec
        self.seed = rng_seed
        lo, hi = REGISTER.get(voice, (62, 81))
        self.lo, self.hi = lo, hi
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

    def _step_range(self) -> tuple[int, int]:
        lo = next(s for s in range(-14, 15) if self.midi(s, _NO_CHORD) >= self.lo)
        hi = max(s for s in range(-14, 22) if self.midi(s, _NO_CHORD) <= self.hi)
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
        lo, hi = self._step_range()
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
            tones = _chord_tone_steps(chord, self.scale_pcs, self.spec.mode)
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
                    cand = self._nearest_tonic(cand, lo, hi)
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

    def _nearest_tonic(self, step: int, lo: int, hi: int) -> int:
        cands = [s for s in range(lo, hi + 1) if s % 7 == 0]
        return min(cands, key=lambda s: abs(s - step)) if cands else step


_NO_CHORD = Chord(0, (), 0, "")


def _voicing(chord: Chord, lo: int, hi: int, prev: list[int] | None, n: int = 4) -> list[int]:
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


def _low(pc: int, lo: int) -> int:
    return lo + (pc - lo) % 12


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
        sections, _ = _plan_sections(n_bars, spec, rng)
    else:
        # Too short for whole bars: a dominant over the beats that fit, then the tonic.
        n_beats = int(max(0.0, duration - min(ring, duration * 0.55)) // beat_s)
        final_beat = float(n_beats)
        sections = []
    score.final_beat = final_beat

    # Chords, bar by bar; the bar before the final tonic is the dominant (a perfect cadence).
    seventh = spec.sevenths
    bar_chords: list[tuple[float, float, Chord, _Section | None, int]] = []  # start, beats, chord, section, bar#
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

    roles = _assign_roles(spec)
    score.melody_voice = roles["melody"]
    notes = score.notes
    # Melody, phrase by phrase; repeated sections reuse (and vary) the same tune.
    if roles["melody"]:
        writer = _MelodyWriter(spec, roles["melody"], int(rng.integers(1 << 31)))
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
        final_m = writer.midi(writer._nearest_tonic(2, *writer._step_range()), tonic_chord)
        notes.append(Note(roles["melody"], final_beat, total_beats - final_beat, final_m, 0.7,
                          PAN[roles["melody"]] * 0.5, gain=MELODY_GAIN))

    section_of = [(e[0], e[1], e[2], e[3]) for e in events]
    for voice, pattern in roles["harmony"]:
        _accompany(notes, voice, pattern, section_of, spec, final_beat, total_beats, tonic_chord)
    if roles["bass"]:
        _bass_line(notes, roles["bass"], section_of, spec, final_beat, total_beats, tonic_chord)
    if spec.drums and sections:
        _drum_part(notes, spec, sections, final_beat, rng)
    notes.sort(key=lambda n: n.start)
    return score


def _assign_roles(spec: MusicSpec) -> dict:
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


def _accompany(notes: list[Note], voice: str, pattern: str, events, spec: MusicSpec, final_beat: float,
               total_beats: float, tonic_chord: Chord) -> None:
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
                v = [_low(spec.tonic, 36), _low(spec.tonic, 36) + 7]
            elif pattern == "counter_low":
                v = [_low(chord.root, 43), _low(chord.root, 43) + 7]
            else:
                lo, hi = (52, 74) if voice != "brass" else (50, 70)
                v = _voicing(chord, lo, hi, prev)
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
            root = _low(chord.root, 48)
            for k in range(int(round(beats * 2))):
                m = root + (12 if k % 4 == 3 else 0)
                notes.append(Note(voice, start + k * 0.5, 0.45, m, vel0 * (0.9 if k % 2 == 0 else 0.7), pan - 0.3))
        elif pattern == "counter":
            # Long guide tones (third, else fifth) under the tune, one per two beats.
            base = REGISTER[voice][0]
            for k in range(int(beats // 2)):
                pc = chord.tones[1] if k % 2 == 0 else chord.tones[2]
                notes.append(Note(voice, start + 2 * k, 2, _low(pc, base), vel0 * 0.6, pan))
        elif pattern == "sparkle":
            tones = [_low(pc, 79) for pc in chord.tones[:3]]
            for k in range(int(beats // 2)):
                notes.append(Note(voice, start + 2 * k, 1.5, tones[k % len(tones)], vel0 * 0.55, pan))
        elif pattern in ("arpeggio", "waltz"):
            lo = 36 if voice in ("piano", "harp", "guzheng") else 40
            r = _low(chord.root, lo + 7)
            fifth = r + (chord.tones[2] - chord.root) % 12
            third = r + 12 + (chord.tones[1] - chord.root) % 12
            shape = [r, fifth, third, r + 12, fifth + 12, third]
            if pattern == "waltz":
                for bar0 in range(int(beats // meter)):
                    s0 = start + bar0 * meter
                    notes.append(Note(voice, s0, 1, r, vel0, pan))
                    upper = _voicing(chord, 55, 72, None, 3)
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
            v = _voicing(chord, 55, 74, prev)
            prev = v
            default = [(0, 1.0), (1.5, 1.0), (3, 1.0)] if spec.bpm >= _SLOW_BPM else [(0, 2.0), (2, 1.0), (3, 1.0)]
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
            if spec.bpm < _SLOW_BPM:
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
        v = [_low(spec.tonic, 36), _low(spec.tonic, 36) + 7]
    elif pattern in ("strum",):
        v = _guitar_shape(tonic_chord)
    elif pattern in ("arpeggio", "waltz"):
        r = _low(tonic_chord.root, 43)
        v = [r, r + 7, r + 12, r + 12 + (tonic_chord.tones[1] - tonic_chord.root) % 12]
    elif pattern in ("counter", "sparkle"):
        v = [_low(tonic_chord.tones[1], REGISTER[voice][0])]
    elif pattern == "counter_low":
        v = [_low(spec.tonic, 43)]
    else:
        v = _voicing(tonic_chord, 52, 72, prev)
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
    r = _low(chord.root, 40)
    third = (chord.tones[1] - chord.root) % 12
    fifth = (chord.tones[2] - chord.root) % 12
    return [r, r + fifth, r + 12, r + 12 + third, r + 12 + fifth, r + 24 + third]


def _bass_line(notes: list[Note], voice: str, events, spec: MusicSpec, final_beat: float, total_beats: float,
               tonic_chord: Chord) -> None:
    meter = spec.meter
    lo = 31 if voice == "bass" else 36
    e = spec.energy
    if spec.bpm < _SLOW_BPM and spec.drums and spec.genre not in ("jazz", "lofi", "hiphop"):
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
        r = _low(chord.root, lo)
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
                    notes.append(Note(voice, s0 + k * 0.5, 0.3, _low(spec.tonic, lo),
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
                        target = _low(nxt, lo)
                        m = target - 1 if last_bar else fifth + 2
                    notes.append(Note(voice, s0 + k, 0.9, m, vel * (0.9 if k == 0 else 0.75), pan))
        _clip_to(notes, first, start + beats)
    if total_beats > final_beat:
        notes.append(Note(voice, final_beat, total_beats - final_beat, _low(spec.tonic, lo), 0.8, pan))


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
_SLOW_BPM = 90.0
_CYMBALS = {"hat", "ohat", "ride", "crash", "shaker"}
_DRUM_PAN = {"kick": 0.0, "snare": 0.05, "clap": 0.0, "hat": 0.3, "ohat": 0.3, "ride": -0.3, "tom_lo": -0.2,
             "tom_hi": 0.25, "shaker": 0.35, "crash": -0.25}


def _drum_part(notes: list[Note], spec: MusicSpec, sections: list[_Section], final_beat: float,
               rng: np.random.Generator) -> None:
    meter = spec.meter
    pat = {k: list(v) for k, v in _DRUM_PATTERNS[spec.drums].items()}
    e = spec.energy
    if meter == 3:
        pat = {"kick": [0], "snare": [1, 2], "hat": [0, 1, 2]}
    if e < 0.35 or spec.bpm < _SLOW_BPM:
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


# ----------------------------------------------------------------------------------------- synthesis

def _hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


_TABLE = 2048
_TABLE_BITS = 11


def _table(amps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One period of sum_k amps[k-1]·sin(2πk·x), peak 1, and the step from each sample to the next
    (for linear interpolation without an i+1 gather)."""
    spec = np.zeros(_TABLE // 2 + 1, dtype=np.complex128)
    k = min(len(amps), _TABLE // 2 - 1)
    spec[1:k + 1] = -1j * amps[:k] * (_TABLE / 2)
    tab = np.fft.irfft(spec, _TABLE)
    tab /= np.max(np.abs(tab)) or 1.0
    return tab.astype(np.float32), (np.roll(tab, -1) - tab).astype(np.float32)


def _osc(tab: tuple[np.ndarray, np.ndarray], freq: float, n: int, sr: int, phase0: float = 0.0, vib_hz: float = 0.0,
         vib_cents: float = 0.0, vib_delay: float = 0.0) -> np.ndarray:
    """Wavetable oscillator with linear interpolation; optional delayed vibrato."""
    if vib_cents > 0:
        t = np.arange(n)
        depth = np.clip((t / sr - vib_delay) / 0.3, 0.0, 1.0) * vib_cents
        inst = freq * 2.0 ** (depth * np.sin(2 * np.pi * vib_hz * t / sr) / 1200.0)
        ph = phase0 + np.cumsum(inst) / sr
        ph -= np.floor(ph)
        idx = ph * _TABLE
        i = idx.astype(np.intp)
        fr = (idx - i).astype(np.float32)
    else:
        # 32-bit fixed-point phase wraps by itself: no float64 phase, no floor, exact over any length.
        inc = np.uint32(int(round(freq / sr * 2.0 ** 32)) & 0xFFFFFFFF)
        ph = np.arange(n, dtype=np.uint32) * inc + np.uint32(int(phase0 * 2.0 ** 32) & 0xFFFFFFFF)
        i = (ph >> np.uint32(32 - _TABLE_BITS)).astype(np.intp)  # take() is ~10x faster with intp indices
        fr = (ph & np.uint32((1 << (32 - _TABLE_BITS)) - 1)).astype(np.float32) * np.float32(2.0 ** -(32 - _TABLE_BITS))
    return np.take(tab[0], i) + fr * np.take(tab[1], i)


def _harmonics(f0: float, sr: int, n_max: int = 80) -> np.ndarray:
    return np.arange(1, max(1, min(n_max, int(0.45 * sr / f0))) + 1, dtype=np.float64)


def _lowpass_weights(freqs: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    return 1.0 / np.sqrt(1.0 + (freqs / cutoff) ** (2 * order))


def _attack(t: np.ndarray, attack: float, decay: float = 0.0, sustain: float = 1.0) -> np.ndarray:
    """Linear attack, then an exponential decay to `sustain` (the release is applied per note later)."""
    env = np.minimum(t / np.float32(max(attack, 1e-3)), np.float32(1.0))
    if decay > 0:
        env = env * (sustain + (1 - sustain) * np.exp(-np.maximum(t - attack, 0) / np.float32(decay)))
    return env


def _noise(n: int, key: str) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(key.encode())).standard_normal(n).astype(np.float32)


@lru_cache(maxsize=64)
def _sos(kind: str, f1: float, f2: float, sr: int, order: int = 2):
    ny = sr / 2
    if kind == "band":
        return signal.butter(order, [max(f1, 20) / ny, min(f2, ny * 0.95) / ny], "bandpass", output="sos")
    return signal.butter(order, min(f1, ny * 0.95) / ny, kind, output="sos")


RELEASE = {"piano": 0.25, "epiano": 0.3, "guitar": 0.15, "harp": 0.6, "guzheng": 0.4, "strings": 0.45,
           "violin": 0.25, "cello": 0.3, "synth": 0.15, "pad": 1.0, "bass": 0.08, "flute": 0.15, "bells": 1.2,
           "organ": 0.08, "brass": 0.2}


@lru_cache(maxsize=64)
def _release_curve(n: int) -> np.ndarray:
    """Exponential fall that lands exactly on zero after n samples (no click when the note is cut)."""
    x = np.arange(n, dtype=np.float32) / max(n, 1)
    return np.exp(-5.0 * x) * (1.0 - x)


# Voices whose sound is steady once the attack is over; long notes loop a crossfaded second of it.
_LOOPABLE = {"pad", "strings", "organ", "brass", "violin", "cello", "flute", "synth"}
_LOOP_HEAD, _LOOP_LEN, _LOOP_XF = 0.8, 1.2, 0.08


def render_note(voice: str, midi: int, n: int, vel: float, bright: float, sr: int) -> np.ndarray:
    """`n` samples of a synth voice sounding with the key held (attack and natural decay, no release).

    A note of any shorter length is a prefix of this with `_release_curve` applied to its tail, so one
    render serves every duration of the same pitch and velocity.
    """
    head, loop, xf = (int(x * sr) for x in (_LOOP_HEAD, _LOOP_LEN, _LOOP_XF))
    if voice not in _LOOPABLE or n <= head + loop + xf:
        return _render_voice(voice, midi, n, vel, bright, sr)
    y = _render_voice(voice, midi, head + loop + xf, vel, bright, sr)
    # A seamless cycle: the segment's own continuation is crossfaded into its start.
    cyc = y[head:head + loop].copy()
    ramp = np.linspace(0, 1, xf, dtype=np.float32)
    cyc[:xf] = y[head:head + xf] * ramp + y[head + loop:head + loop + xf] * (1 - ramp)
    reps = -(-(n - head - loop) // loop)
    return np.concatenate([y[:head + loop], np.tile(cyc, reps)])[:n]


def _render_voice(voice: str, midi: int, n: int, vel: float, bright: float, sr: int) -> np.ndarray:
    f0 = _hz(midi)
    t = np.arange(n, dtype=np.float32) / np.float32(sr)
    k = _harmonics(f0, sr)
    fk = k * f0
    if voice == "piano":
        tilt = 2.3 - 1.1 * bright - 0.5 * vel
        strike = 0.15 + np.abs(np.sin(np.pi * k / 7.3))  # hammer position comb
        body_tab = _table(k ** -tilt * strike)
        att_tab = _table(k ** -(tilt - 0.8) * strike * _lowpass_weights(fk, 2500 + 6000 * bright))
        life = float(np.clip(3.2 * 2 ** (-(midi - 48) / 18), 0.5, 5.0))
        # A piano's unison strings are a hair apart and beat slowly; two equal detuned copies of one
        # waveform sum to that waveform with a cosine amplitude beat, which costs one oscillator, not two.
        beat = np.float32(0.75) + np.float32(0.25) * np.cos(np.float32(2 * np.pi * f0 * 0.0008) * t)
        y = _osc(body_tab, f0, n, sr) * (0.8 * np.exp(-t / np.float32(life)) * beat)
        # The bright hammer transient dies within ~5 time constants; render only that much of it.
        m = min(n, int(5 * 0.12 * life * sr))
        y[:m] += _osc(att_tab, f0, m, sr, 0.1) * (0.6 * np.exp(-t[:m] / np.float32(0.12 * life)))
        y *= _attack(t, 0.002)
        m = min(n, int(0.004 * sr))
        y[:m] += _noise(m, "hammer") * np.float32(0.05 + 0.1 * bright) * np.linspace(1, 0, m, dtype=np.float32)
    elif voice == "epiano":
        index = (0.6 + 2.4 * bright) * (0.5 + vel)
        w = np.float32(2 * np.pi * f0) * t
        y = np.sin(w + np.sin(w) * (index * np.exp(-t / np.float32(0.35))))
        y += np.sin(w * np.float32(7.0)) * np.exp(-t / np.float32(0.03)) * np.float32(0.05 + 0.25 * bright)
        life = float(np.clip(2.0 * 2 ** (-(midi - 60) / 24), 0.6, 3.5))
        y *= np.exp(-t / np.float32(life)) * _attack(t, 0.003)
    elif voice in ("guitar", "harp", "guzheng"):
        y = _pluck(voice, f0, n, vel, bright, sr)
    elif voice in ("strings", "pad", "synth", "brass"):
        cutoff = {"strings": 1500 + 5500 * bright, "pad": 500 + 3000 * bright, "synth": 900 + 6000 * bright,
                  "brass": 700 + 3500 * bright}[voice] * (0.7 + 0.6 * vel)
        saw = k ** -1.0
        if voice == "synth":
            saw = saw * np.where(k % 2 == 1, 1.0, 0.6)  # part square: a hollower lead
        tab = _table(saw * _lowpass_weights(fk, cutoff, 2))
        if voice == "brass":
            # Brass brightens as it speaks, then mellows: cross-fade a bright and a dark table.
            dark = _table(saw * _lowpass_weights(fk, max(f0 * 1.5, 250), 2))
            sw = (np.exp(-np.maximum(t - 0.08, 0) / np.float32(0.5)) * 0.6 + 0.4) * np.minimum(t / 0.08, 1.0)
            y = _osc(tab, f0 * 1.002, n, sr) * sw + _osc(dark, f0 * 0.998, n, sr, 0.5) * (1 - sw)
            y *= _attack(t, 0.07)
        else:
            detunes = {"strings": (-7, 0, 7), "pad": (-11, -4, 4, 11), "synth": (-5, 5)}[voice]
            y = np.zeros(n, dtype=np.float32)
            for j, c in enumerate(detunes):
                if voice == "strings" and j == 1:
                    y += _osc(tab, f0, n, sr, 0.37 * j, 5.2, 6.0, 0.2)
                else:
                    y += _osc(tab, f0 * 2 ** (c / 1200), n, sr, 0.37 * j)
            y *= np.float32(1 / len(detunes) ** 0.5)
            attack = {"strings": 0.18, "pad": 0.5, "synth": 0.01}[voice]
            y *= _attack(t, attack, decay=0.3 if voice == "synth" else 0.0, sustain=0.75 if voice == "synth" else 1.0)
    elif voice in ("violin", "cello"):
        formants = (280, 1000, 2800) if voice == "violin" else (200, 600, 1600)
        w = np.full(len(k), 0.25)
        for fm in formants:
            w = w + np.exp(-0.5 * (np.log2(fk / fm) / 0.45) ** 2)
        tab = _table(k ** -1.0 * w * _lowpass_weights(fk, 2000 + 6000 * bright, 2))
        y = _osc(tab, f0, n, sr, 0.0, 5.5, 16, 0.18) * _attack(t, 0.06)
    elif voice == "flute":
        amps = np.array([1.0, 0.2 + 0.3 * bright, 0.06 + 0.15 * bright, 0.03 * bright])
        y = _osc(_table(amps), f0, n, sr, 0.0, 5.0, 10, 0.25)
        breath = signal.sosfilt(_sos("band", f0 * 1.5, f0 * 6, sr), _noise(n, f"breath{midi}")).astype(np.float32)
        y += breath * ((0.05 + 0.08 * bright) * 0.5 + 0.12 * np.exp(-t / np.float32(0.04)))
        y *= _attack(t, 0.05)
    elif voice == "bells":
        # Music-box/celesta: the modulator sits at the tine's first overtone ratio (6.27), so the clang is
        # high and inharmonic without adding a third or fifth above the note.
        index = (0.4 + 1.6 * bright) * (0.6 + 0.6 * vel)
        w = np.float32(2 * np.pi * f0) * t
        y = np.sin(w + np.sin(w * np.float32(6.27)) * (index * np.exp(-t / np.float32(0.25))))
        y += np.float32(0.3) * np.sin(w * np.float32(2.0)) * np.exp(-t / np.float32(0.4))
        life = float(np.clip(2.5 * 2 ** (-(midi - 72) / 24), 0.6, 4.0))
        y *= np.exp(-t / np.float32(life)) * _attack(t, 0.001)
    elif voice == "organ":
        # Drawbars on a sub-octave table: 16', 8', 5 1/3', 4', 2 2/3', 2', 1 1/3', 1'.
        a = np.zeros(16)
        for h, lvl in ((1, 0.5), (2, 1.0), (3, 0.6), (4, 0.5 + 0.3 * bright), (6, 0.4 * bright),
                       (8, 0.35 * bright), (12, 0.2 * bright), (16, 0.15 * bright)):
            if f0 / 2 * h < 0.45 * sr:
                a[h - 1] = lvl
        y = _osc(_table(a), f0 / 2, n, sr)
        y *= (1.0 + 0.12 * np.sin(np.float32(2 * np.pi * 5.8) * t)) * _attack(t, 0.008)
    elif voice == "bass":
        saw = k ** -1.0 * _lowpass_weights(fk, 220 + 1500 * bright * (0.6 + 0.6 * vel), 2)
        saw[0] += 0.8  # a round fundamental under the filtered saw
        y = _osc(_table(saw), f0, n, sr) * _attack(t, 0.004, decay=0.35, sustain=0.65)
    else:
        raise BackendError(f"no synth voice named {voice!r}")
    return (y * np.float32(vel)).astype(np.float32, copy=False)


def _pluck(voice: str, f0: float, n: int, vel: float, bright: float, sr: int) -> np.ndarray:
    """Karplus–Strong string, advanced one period per numpy step (the loop only depends on the last period)."""
    period = sr / f0
    N = int(period)
    w = period - N  # split the two-tap average so the loop delay is the fractional period
    t60 = {"guitar": 2.5, "harp": 4.0, "guzheng": 3.0}[voice] * float(np.clip((f0 / 110) ** -0.5, 0.4, 1.5))
    rho = 10 ** (-3.0 / (t60 * f0))
    exc = _noise(N, f"pluck{voice}{N}")
    # Two one-pole low-passes shape the pluck: soft finger/harp (dark) … hard pick (bright).
    soft = float(np.clip({"guitar": 0.9, "harp": 0.94, "guzheng": 0.88}[voice] - 0.3 * bright - 0.08 * vel, 0.3, 0.97))
    exc = signal.lfilter([(1 - soft) ** 2], [1, -2 * soft, soft * soft], exc).astype(np.float32)
    pos = max(1, int(N * (0.13 if voice != "harp" else 0.3)))
    exc = exc - np.roll(exc, pos)  # pluck position notch
    exc -= exc.mean()
    exc /= np.max(np.abs(exc)) or 1.0
    periods = n // N + 2
    y = np.zeros(periods * N + 1, dtype=np.float32)
    y[1:N + 1] = exc
    a, b = np.float32(rho * (1 - w)), np.float32(rho * w)
    for p in range(1, periods):
        s = 1 + p * N
        y[s:s + N] = a * y[s - N:s] + b * y[s - N - 1:s - 1]
    y = y[1:n + 1]
    if voice == "guzheng":
        # Amplitude flutter stands in for the player's left-hand press vibrato.
        y = y * (1 + 0.08 * np.sin(2 * np.pi * 5.5 * np.arange(n) / sr)).astype(np.float32)
    return y


DRUM_LENGTH = {"kick": 0.45, "snare": 0.3, "clap": 0.3, "hat": 0.09, "ohat": 0.35, "ride": 0.8, "tom_lo": 0.6,
               "tom_hi": 0.45, "shaker": 0.12, "crash": 2.2}
DRUM_LEVEL = {"kick": 0.8, "snare": 0.75, "clap": 0.6, "hat": 0.22, "ohat": 0.2, "ride": 0.14, "tom_lo": 0.7,
              "tom_hi": 0.5, "shaker": 0.18, "crash": 0.25}


def render_drum(piece: str, vel: float, bright: float, sr: int, tonic: int = 0) -> np.ndarray:
    """One drum hit. Pitched drums are tuned to the key's tonic (as producers tune kicks and toms), so their
    tails reinforce the harmony instead of adding a stray pitch class."""
    n = int(DRUM_LENGTH[piece] * sr)
    t = np.arange(n, dtype=np.float32) / sr
    root = _hz(28 + (tonic - 4) % 12)  # tonic between E1 and D#2
    if piece == "kick":
        f = root + 110 * np.exp(-t / 0.03)
        body = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / 0.22)
        click = signal.sosfilt(_sos("low", 2500 + 4000 * bright, 0, sr), _noise(n, "kick")) * np.exp(-t / 0.003)
        y = body + 0.4 * click
    elif piece in ("snare", "clap"):
        noise = signal.sosfilt(_sos("band", 1200, 4500 + 7000 * bright, sr), _noise(n, piece))
        if piece == "snare":
            body = root * 4 if root * 4 < 250 else root * 2
            tone = (np.sin(2 * np.pi * body * t) * np.exp(-t / 0.05)
                    + 0.5 * np.sin(2 * np.pi * body * 1.5 * t) * np.exp(-t / 0.03))
            y = 0.6 * tone + 1.2 * noise * np.exp(-t / 0.09)
        else:
            bursts = sum(np.exp(-np.maximum(t - d, 0) / 0.006) * (t >= d) for d in (0.0, 0.011, 0.022))
            y = noise * (0.7 * bursts + 0.5 * np.exp(-np.maximum(t - 0.022, 0) / 0.08) * (t >= 0.022))
    elif piece in ("hat", "ohat", "shaker", "crash", "ride"):
        lo = {"hat": 7000, "ohat": 6500, "shaker": 4500, "crash": 4000, "ride": 3500}[piece] * (0.7 + 0.5 * bright)
        noise = signal.sosfilt(_sos("high", lo, 0, sr), _noise(n, piece))
        # Square-wave partials at inharmonic ratios give hats and cymbals their metallic ring.
        metal = sum(np.sign(np.sin(2 * np.pi * fr * t)) for fr in (205.3, 304.4, 369.6, 522.7, 540.0, 800.0))
        metal = signal.sosfilt(_sos("high", lo, 0, sr), metal)
        decay = {"hat": 0.02, "ohat": 0.12, "shaker": 0.035, "crash": 0.7, "ride": 0.35}[piece]
        att = np.minimum(t / (0.012 if piece == "shaker" else 0.0005), 1.0)
        y = (noise + 0.25 * metal) * np.exp(-t / decay) * att
        if piece == "ride":
            y = y + 0.3 * np.sin(2 * np.pi * 2600 * t) * np.exp(-t / 0.5)
        if bright < 0.75:
            # Dark/warm mixes: the cymbals lose their sizzle (a real engineer's high-shelf cut).
            y = signal.sosfilt(_sos("low", 5000 + 12000 * bright, 0, sr), y)
    elif piece in ("tom_lo", "tom_hi"):
        f1 = root * 2 if piece == "tom_lo" else root * 3
        f = f1 * (1 + 0.6 * np.exp(-t / 0.05))
        y = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / (0.35 if piece == "tom_lo" else 0.25))
        y = y + 0.2 * signal.sosfilt(_sos("low", 3000, 0, sr), _noise(n, piece)) * np.exp(-t / 0.01)
    else:
        raise BackendError(f"no drum voice named {piece!r}")
    y = y.astype(np.float32)
    fade = min(n, int(0.005 * sr))
    y[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return y * np.float32(vel / (float(np.max(np.abs(y))) or 1.0))


def _reverb_ir(seconds: float, sr: int, seed: int) -> np.ndarray:
    """Stereo impulse response: a few early reflections and a decaying, darkening noise tail."""
    n = int(seconds * sr)
    t = np.arange(n, dtype=np.float32) / sr
    rng = np.random.default_rng(seed)
    ir = np.zeros((n, 2), dtype=np.float32)
    for ch in range(2):
        tail = rng.standard_normal(n).astype(np.float32) * np.exp(-t * 6.9 / seconds)
        early = signal.sosfilt(_sos("low", 7000, 0, sr), tail[: n // 3])
        late = signal.sosfilt(_sos("low", 2500, 0, sr), tail)
        mix = late.copy()
        mix[: n // 3] = 0.6 * early + 0.4 * late[: n // 3]
        onset = np.minimum(t / 0.02, 1.0)
        ir[:, ch] = mix * onset
        pre = int(0.012 * sr)
        ir[:, ch] = np.concatenate([np.zeros(pre, np.float32), ir[:-pre, ch]])
        for d, g in ((0.017, 0.5), (0.029, 0.35), (0.041, 0.3)):
            ir[int((d + 0.004 * ch) * sr), ch] += g * (1 if ch == 0 else -1)
    ir /= np.sqrt(np.sum(ir ** 2, axis=0, keepdims=True))
    return ir


# ------------------------------------------------------------------------------------------ rendering

_CHUNK = 1 << 20  # samples mixed per pass (~24 s); bounds memory for 10-minute clips


def _convolve_into(x: np.ndarray, ir: np.ndarray, out: np.ndarray, gain: float,
                   cancel: CancelToken | None = None, group: int = 8) -> None:
    """out[ch] += gain · (x ∗ ir[:, ch]) by overlap-add; one forward FFT per block serves both channels,
    and blocks go through the FFT in batches (about twice as fast as two scipy.signal.oaconvolve calls)."""
    import scipy.fft as sfft

    n = len(x)
    m_ir = ir.shape[0]
    nfft = 1 << int(np.ceil(np.log2(4 * m_ir)))
    step = nfft - m_ir + 1
    spectra = sfft.rfft(ir, nfft, axis=0) * np.float32(gain)
    for g0 in range(0, n, step * group):
        if cancel is not None:
            cancel.check()
        seg = x[g0:g0 + step * group]
        n_blocks = -(-len(seg) // step)
        blocks = np.zeros((n_blocks, step), dtype=np.float32)
        blocks.reshape(-1)[: len(seg)] = seg
        spec = sfft.rfft(blocks, nfft, axis=1)
        for ch in range(ir.shape[1]):
            y = sfft.irfft(spec * spectra[:, ch], nfft, axis=1)
            body = y[:, :step].reshape(-1)
            m = min(len(body), n - g0)
            out[ch, g0:g0 + m] += body[:m]
            tail = np.zeros((n_blocks, step), dtype=np.float32)
            tail[:, : m_ir - 1] = y[:, step:step + m_ir - 1]
            tail = tail.reshape(-1)
            m = min(len(tail), n - g0 - step)
            if m > 0:
                out[ch, g0 + step:g0 + step + m] += tail[:m]


def render_score(score: Score, n_samples: int, sr: int, cancel: CancelToken | None = None) -> np.ndarray:
    """Synthesise every note onto its instrument bus, pan, add reverb; returns raw stereo float32.

    Buses are per (voice, pan) so a chord spread across the stereo field is panned once per bus, not once
    per note. Work goes chunk by chunk; a note's tail past the chunk end is carried into the next chunk.
    """
    spec = score.spec
    spb = 60.0 / spec.bpm * sr
    out = np.zeros((2, n_samples), dtype=np.float32)  # planar while mixing: contiguous rows are faster
    send = np.zeros(n_samples, dtype=np.float32)
    cache: dict[tuple, np.ndarray] = {}
    bright = round(spec.brightness * 8) / 8

    placed = []  # (start sample, hold samples, note)
    for note in score.notes:
        s = int(round(note.start * spb)) + int(round(note.offset * sr))
        if s >= n_samples:
            continue
        e = int(round((note.start + note.dur) * spb))
        placed.append((s, max(int(0.02 * sr), e - s), note))
    placed.sort(key=lambda x: x[0])

    # Renders are keyed by pitch, velocity step and a rounded-up length; shorter notes are prefixes.
    def sound(note: Note, hold_n: int) -> tuple[np.ndarray, int, float]:
        if note.voice in DRUM_LEVEL:
            key = (note.voice,)
            if key not in cache:
                cache[key] = render_drum(note.voice, 1.0, bright, sr, spec.tonic)
            y = cache[key]
            level = DRUM_LEVEL[note.voice] * (0.5 + bright if note.voice in _CYMBALS else 1.0)
            return y, len(y), level * note.vel
        vq = max(0.1, round(note.vel * 6) / 6)  # timbre follows velocity in a few steps; level is exact
        need = hold_n + int(RELEASE[note.voice] * sr)
        q = 1 << max(12, int(np.log2(need)) - 2)  # four lengths per octave: ≤ 25 % rendered in vain
        length = -(-need // q) * q
        key = (note.voice, note.midi, vq, length)
        if key not in cache:
            cache[key] = render_note(note.voice, note.midi, length, vq, bright, sr)
        return cache[key], hold_n, LEVEL[note.voice] * note.gain * note.vel / vq

    carry: dict[tuple[str, float], np.ndarray] = {}
    i = 0
    for c0 in range(0, n_samples, _CHUNK):
        c1 = min(n_samples, c0 + _CHUNK)
        span = c1 - c0
        local: dict[tuple[str, float], np.ndarray] = {}
        for key, tail in carry.items():
            local[key] = np.zeros(span + len(tail), dtype=np.float32)
            local[key][: len(tail)] += tail
        while i < len(placed) and placed[i][0] < c1:
            if cancel is not None and i % 256 == 0:
                cancel.check()
            s, hold_n, note = placed[i]
            i += 1
            y, hold, gain = sound(note, hold_n)
            rel = 0 if note.voice in DRUM_LEVEL else int(RELEASE[note.voice] * sr)
            m = min(hold + rel, n_samples - s)
            off = s - c0
            key = (note.voice, round(note.pan, 2))
            bus = local.get(key)
            if bus is None or len(bus) < off + m:
                grown = np.zeros(max(span, off + m, 0 if bus is None else len(bus)), dtype=np.float32)
                if bus is not None:
                    grown[: len(bus)] = bus
                bus = local[key] = grown
            g = np.float32(gain)
            h = min(hold, m)
            bus[off:off + h] += g * y[:h]
            if m > h:
                bus[off + h:off + m] += (g * y[h:m]) * _release_curve(rel)[: m - h]
        carry = {}
        for (voice, pan), bus in local.items():
            if len(bus) > span:
                carry[(voice, pan)] = bus[span:]
            body = bus[:span]
            p = (float(np.clip(pan, -1, 1)) + 1) * np.pi / 4
            out[0, c0:c1] += np.float32(np.cos(p) * np.sqrt(2)) * body
            out[1, c0:c1] += np.float32(np.sin(p) * np.sqrt(2)) * body
            send[c0:c1] += np.float32(SEND.get(voice, 0.06 if voice in ("kick", "tom_lo") else 0.12)) * body

    if spec.reverb > 0:
        _convolve_into(send, _reverb_ir(1.2 + 1.8 * spec.reverb, sr, 7), out, spec.reverb * 1.6, cancel)
    del send
    stereo = np.empty((n_samples, 2), dtype=np.float32)
    stereo[:, 0] = out[0]
    stereo[:, 1] = out[1]
    return stereo


def _fades(audio: np.ndarray, score: Score, sr: int) -> None:
    n = audio.shape[0]
    fin = min(n // 4, int(0.05 * sr))
    if fin > 1:
        audio[:fin] *= (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fin, dtype=np.float32)))[:, None]
    spb = 60.0 / score.spec.bpm * sr
    final_s = int(round(score.final_beat * spb))
    ring = n - final_s
    start = final_s + int(0.3 * ring) if ring > 0.3 * sr else max(0, n - int(0.3 * sr))
    start = min(start, n - 2)
    length = n - start
    audio[start:] *= (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, length, dtype=np.float32)))[:, None] ** 1.5


def _loudness(audio: np.ndarray, sr: int) -> float:
    """Integrated loudness; long clips are measured on evenly spaced excerpts to stay fast."""
    n = audio.shape[0]
    if n <= 90 * sr:
        return integrated_loudness(audio, sr)
    seg, hop = 4 * sr, 20 * sr
    parts = [audio[s:s + seg] for s in range(0, n - seg, hop)]
    return integrated_loudness(np.concatenate(parts), sr)


def _limit(audio: np.ndarray, sr: int, ceiling: float) -> None:
    """Look-around peak limiter: the gain is the minimum needed over ±w, then smoothed, so peaks stay under."""
    if max(float(audio.max()), -float(audio.min())) <= ceiling:
        return
    peak = np.abs(audio).max(axis=1)
    w = int(0.004 * sr) | 1
    g = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9)).astype(np.float32)
    g = minimum_filter1d(g, size=2 * w + 1)
    g = uniform_filter1d(g, size=w)
    audio *= g[:, None]
    m = float(np.max(np.abs(audio)))
    if m > ceiling:
        audio *= np.float32(ceiling / m)


# ---------------------------------------------------------------------------------------------- model

class SynthComposer:
    """MusicModel of the offline profile: composes and synthesises music of exactly the requested length."""

    capabilities = Capabilities(
        name="synth-composer",
        model_id="offline-composer-v1",
        kinds=("music",),
        languages=("en", "zh"),
        max_duration=3600.0,
        sample_rate=SAMPLE_RATE,
        channels=2,
        controls=("genre", "instruments", "tempo_bpm", "mood", "key", "mode", "energy", "brightness"),
        licence="procedural synthesis (part of this project; no model weights)",
    )

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if request.kind != "music":
            raise BackendError(f"synth-composer makes music, not {request.kind!r}; route this segment to a "
                               f"{request.kind} backend")
        duration = float(request.duration)
        if not duration > 0:
            raise ValueError("music needs a duration > 0 seconds; set the segment's duration")
        if duration > self.capabilities.max_duration:
            raise ValueError(f"music duration {duration:.0f} s exceeds {self.capabilities.max_duration:.0f} s; "
                             f"split the segment")
        sr = SAMPLE_RATE
        spec, source = resolve_spec(request)
        n = int(round(duration * sr))
        score = compose(spec, duration, int(request.seed))
        if cancel is not None:
            cancel.check()
        audio = render_score(score, n, sr, cancel)
        _fades(audio, score, sr)
        lufs = _loudness(audio, sr)
        if not np.isfinite(lufs):
            raise BackendError("the composer rendered silence; this is a bug in the offline music backend")
        audio *= np.float32(10 ** ((TARGET_LUFS - lufs) / 20))
        _limit(audio, sr, PEAK_CEILING)
        roles = _assign_roles(spec)
        bar_chords = [c.symbol for _, _, c in score.chords]
        params = {
            "bpm": spec.bpm, "key": spec.key_name, "mode": spec.mode, "meter": spec.meter,
            "genre": spec.genre, "mood": spec.mood, "energy": round(spec.energy, 3),
            "brightness": round(spec.brightness, 3),
            "instruments": list(spec.instruments) + (["drums"] if spec.drums else []),
            "melody_instrument": roles["melody"], "drums": spec.drums, "chords": bar_chords,
            "form": score.form, "attributes_from": source, "loudness_lufs": TARGET_LUFS,
            "seed": int(request.seed),
        }
        return Clip(audio=audio, sample_rate=sr, warnings=list(spec.warnings), parameters=params)
