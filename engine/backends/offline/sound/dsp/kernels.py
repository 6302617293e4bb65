"""Short sounds the recipes are built from: modal resonators (impacts, bells), chirps (calls, whistles), noise
bursts (clicks, crackle), bubbles, friction creaks and a voice source; and the small tools that join and shape
them."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import smooth_noise, upsample
from engine.backends.offline.sound.dsp.filters import bandpass, resonate
from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR


def tvec(dur: float) -> np.ndarray:
    return np.arange(max(1, int(round(dur * SR)))) / SR


def modal(freqs, decays, amps, dur: float | None = None, rng: np.random.Generator | None = None,
          attack: float = 0.0005) -> np.ndarray:
    """Sum of exponentially decaying sines (a modal resonator's impulse response), peak-normalised.

    Length defaults to where the slowest mode has decayed by 60 dB."""
    f = np.asarray(freqs, float)
    d = np.asarray(decays, float)
    a = np.asarray(amps, float)
    keep = f < SR * 0.45
    f, d, a = f[keep], d[keep], a[keep]
    if dur is None:
        dur = 6.9 * float(d.max())
    t = tvec(dur).astype(F32)
    ph = rng.uniform(0, 2 * math.pi, f.size) if rng is not None else np.zeros(f.size)
    y = np.zeros(t.size, F32)
    for fk, dk, ak, pk in zip(f, d, a, ph):
        m = min(t.size, int(6.9 * dk * SR) + 1)
        tk = t[:m]
        y[:m] += F32(ak) * np.exp(tk * F32(-1.0 / dk)) * np.sin(tk * F32(2 * math.pi * fk) + F32(pk))
    if attack > 0:
        y *= 1 - np.exp(t * F32(-1.0 / attack))
    if dur < 6.9 * float(d.max()):  # cut short while ringing: let it die away instead of stopping dead
        fade_edges(y, 0.0, min(0.3, 0.25 * dur))
    return normalise_peak(y)


def chirp(f_curve: np.ndarray, harmonics=(1.0,), rng: np.random.Generator | None = None) -> np.ndarray:
    """Oscillator following an audio-rate frequency curve (Hz), with optional harmonic amplitudes."""
    ph = 2 * math.pi * np.cumsum(f_curve) / SR
    if rng is not None:
        ph = ph + rng.uniform(0, 2 * math.pi)
    y = np.zeros_like(ph)
    for k, a in enumerate(harmonics, 1):
        if a:
            y += a * np.sin(k * ph) * (k * f_curve < SR * 0.45)
    return y


def burst(rng: np.random.Generator, dur: float, lo: float, hi: float, decay: float, attack: float = 0.0003,
          order: int = 2) -> np.ndarray:
    """Band-limited noise burst with exponential decay (a click, a scrape grain, a crackle)."""
    t = tvec(dur)
    x = rng.standard_normal(t.size) * np.exp(-t / decay) * (1 - np.exp(-t / max(attack, 1e-5)))
    return normalise_peak(bandpass(x, lo, hi, order))


def mix(*parts: np.ndarray) -> np.ndarray:
    """Sum 1-D signals of different lengths (a kernel's click, body and tail), padded to the longest."""
    y = np.zeros(max(p.size for p in parts), F32)
    for p in parts:
        y[:p.size] += p
    return y


def normalise_peak(x: np.ndarray) -> np.ndarray:
    p = np.max(np.abs(x)) if x.size else 0.0
    return (x / p).astype(F32) if p > 0 else x.astype(F32)


def fade_edges(x: np.ndarray, fade_in: float = 0.002, fade_out: float = 0.004) -> np.ndarray:
    n = x.shape[-1]
    a, b = min(n // 2, int(fade_in * SR)), min(n // 2, int(fade_out * SR))
    if a > 0:
        x[..., :a] *= (0.5 - 0.5 * np.cos(np.linspace(0, math.pi, a))).astype(F32)
    if b > 0:
        x[..., n - b:] *= (0.5 + 0.5 * np.cos(np.linspace(0, math.pi, b))).astype(F32)
    return x


def bubble(rng: np.random.Generator, f0: float, q: float, rise: float) -> np.ndarray:
    """Minnaert bubble: a damped sine whose pitch rises as the bubble nears the surface."""
    tau = q / (math.pi * f0)
    t = tvec(4 * tau)
    f = f0 * (1 + rise * (1 - np.exp(-t / (1.5 * tau))))
    y = np.sin(2 * math.pi * np.cumsum(f) / SR) * np.exp(-t / tau) * (1 - np.exp(-t / 0.0004))
    return normalise_peak(y)


def glottal(cycles: np.ndarray) -> np.ndarray:
    """Voice source from oscillator cycles (phase/2pi): derivative of a u^2-u^3 glottal flow pulse, so harmonics
    fall ~6 dB/octave like a radiated voice instead of the harsh flat comb of a sawtooth."""
    u = np.mod(cycles, 1.0)
    return (2 * u - 3 * u * u).astype(F32)


def creak(rng: np.random.Generator, dur: float, f_lo: float, f_hi: float, body: list[float]) -> np.ndarray:
    """Stick-slip friction (hinges, hulls, floorboards): a pulse train whose rate wanders between f_lo and f_hi Hz,
    each slip exciting the wooden body's resonances."""
    t = tvec(dur)
    m = t.size // CTRL + 2
    arc = np.sin(np.linspace(0.15, 0.95, m) * math.pi)  # pressure rises then eases as the door swings
    wander = 0.5 + 0.5 * np.tanh(1.4 * smooth_noise(rng, m, 0.12))
    rate = f_lo + (f_hi - f_lo) * np.clip(0.55 * arc + 0.6 * wander - 0.15, 0, 1)
    cycles = np.cumsum(upsample(rate, t.size).astype(float)) / SR
    slips = np.flatnonzero(np.diff(np.floor(cycles))) + 1
    x = np.zeros(t.size)
    x[slips] = 1.0 + 0.35 * rng.standard_normal(slips.size)
    x += 0.03 * rng.standard_normal(t.size)
    y = resonate(x, body, [rng.uniform(10, 25) for _ in body], [1.0 / (1 + i * 0.4) for i in range(len(body))])
    env = upsample(0.6 + 0.4 * np.exp(0.5 * smooth_noise(rng, m, 0.08)), t.size)
    edge = np.minimum(1.0, np.minimum(t / 0.06, (dur - t) / 0.15))
    return normalise_peak(bandpass(y * env * np.clip(edge, 0, 1), 60, 5000))
