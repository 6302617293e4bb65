"""Synthesis of each instrument: wavetable, FM, Karplus–Strong and noise voices for the synth bank, and a
tuned drum kit. A note is rendered with the key held; rendering applies the release."""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
from scipy import signal

from engine.backends.base import BackendError

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
def filter_sos(kind: str, f1: float, f2: float, sr: int, order: int = 2):
    """Butterworth sections for a low/high/band-pass; cached because a few filters serve every note."""
    ny = sr / 2
    if kind == "band":
        return signal.butter(order, [max(f1, 20) / ny, min(f2, ny * 0.95) / ny], "bandpass", output="sos")
    return signal.butter(order, min(f1, ny * 0.95) / ny, kind, output="sos")


RELEASE = {"piano": 0.25, "epiano": 0.3, "guitar": 0.15, "harp": 0.6, "guzheng": 0.4, "strings": 0.45,
           "violin": 0.25, "cello": 0.3, "synth": 0.15, "pad": 1.0, "bass": 0.08, "flute": 0.15, "bells": 1.2,
           "organ": 0.08, "brass": 0.2}


@lru_cache(maxsize=64)
def release_curve(n: int) -> np.ndarray:
    """Exponential fall that lands exactly on zero after n samples (no click when the note is cut)."""
    x = np.arange(n, dtype=np.float32) / max(n, 1)
    return np.exp(-5.0 * x) * (1.0 - x)


# Voices whose sound is steady once the attack is over; long notes loop a crossfaded second of it.
_LOOPABLE = {"pad", "strings", "organ", "brass", "violin", "cello", "flute", "synth"}
_LOOP_HEAD, _LOOP_LEN, _LOOP_XF = 0.8, 1.2, 0.08


def render_note(voice: str, midi: int, n: int, vel: float, bright: float, sr: int) -> np.ndarray:
    """`n` samples of a synth voice sounding with the key held (attack and natural decay, no release).

    A note of any shorter length is a prefix of this with `release_curve` applied to its tail, so one
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
        breath = signal.sosfilt(filter_sos("band", f0 * 1.5, f0 * 6, sr), _noise(n, f"breath{midi}"))
        breath = breath.astype(np.float32)
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
CYMBALS = {"hat", "ohat", "ride", "crash", "shaker"}


def render_drum(piece: str, vel: float, bright: float, sr: int, tonic: int = 0) -> np.ndarray:
    """One drum hit. Pitched drums are tuned to the key's tonic (as producers tune kicks and toms), so their
    tails reinforce the harmony instead of adding a stray pitch class."""
    n = int(DRUM_LENGTH[piece] * sr)
    t = np.arange(n, dtype=np.float32) / sr
    root = _hz(28 + (tonic - 4) % 12)  # tonic between E1 and D#2
    if piece == "kick":
        f = root + 110 * np.exp(-t / 0.03)
        body = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / 0.22)
        click = signal.sosfilt(filter_sos("low", 2500 + 4000 * bright, 0, sr), _noise(n, "kick"))
        click = click * np.exp(-t / 0.003)
        y = body + 0.4 * click
    elif piece in ("snare", "clap"):
        noise = signal.sosfilt(filter_sos("band", 1200, 4500 + 7000 * bright, sr), _noise(n, piece))
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
        noise = signal.sosfilt(filter_sos("high", lo, 0, sr), _noise(n, piece))
        # Square-wave partials at inharmonic ratios give hats and cymbals their metallic ring.
        metal = sum(np.sign(np.sin(2 * np.pi * fr * t)) for fr in (205.3, 304.4, 369.6, 522.7, 540.0, 800.0))
        metal = signal.sosfilt(filter_sos("high", lo, 0, sr), metal)
        decay = {"hat": 0.02, "ohat": 0.12, "shaker": 0.035, "crash": 0.7, "ride": 0.35}[piece]
        att = np.minimum(t / (0.012 if piece == "shaker" else 0.0005), 1.0)
        y = (noise + 0.25 * metal) * np.exp(-t / decay) * att
        if piece == "ride":
            y = y + 0.3 * np.sin(2 * np.pi * 2600 * t) * np.exp(-t / 0.5)
        if bright < 0.75:
            # Dark/warm mixes: the cymbals lose their sizzle (a real engineer's high-shelf cut).
            y = signal.sosfilt(filter_sos("low", 5000 + 12000 * bright, 0, sr), y)
    elif piece in ("tom_lo", "tom_hi"):
        f1 = root * 2 if piece == "tom_lo" else root * 3
        f = f1 * (1 + 0.6 * np.exp(-t / 0.05))
        y = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / (0.35 if piece == "tom_lo" else 0.25))
        y = y + 0.2 * signal.sosfilt(filter_sos("low", 3000, 0, sr), _noise(n, piece)) * np.exp(-t / 0.01)
    else:
        raise BackendError(f"no drum voice named {piece!r}")
    y = y.astype(np.float32)
    fade = min(n, int(0.005 * sr))
    y[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    return y * np.float32(vel / (float(np.max(np.abs(y))) or 1.0))
