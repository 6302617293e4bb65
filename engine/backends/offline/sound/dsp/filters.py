"""Filters: magnitude responses (functions of frequency) from which linear-phase FIRs are designed for noise
bands, Butterworth sections for short kernels, resonator banks, and a streaming low-pass for whole clips."""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np
from scipy import signal as ss

from engine.backends.offline.sound.dsp.chunks import CHUNK, run_chunks
from engine.backends.offline.sound.dsp.rates import F32, SR


# Added to IIR inputs: a decaying filter state otherwise sinks into subnormal floats, which are ~10x slower.
_DENORMAL_GUARD = 1e-25


def _hp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (fc / np.maximum(f, 1e-3)) ** (2 * order))


def _lp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (f / fc) ** (2 * order))


def band(lo, hi, order=2):
    """Butterworth-shaped band from lo to hi Hz, as a response for `fir`."""
    return lambda f: _hp(f, lo, order) * _lp(f, hi, order)


def bump(f, fc, octaves, gain):
    """Log-frequency Gaussian boost (gain > 1) or cut (gain < 1) centred on fc."""
    return 1.0 + (gain - 1.0) * np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / fc) / octaves) ** 2)


def narrow_band(fc, octaves):
    """A narrow band (log-frequency Gaussian) around fc: a whistle, a resonance."""
    return lambda f: np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / fc) / octaves) ** 2)


def tilt(f, db_per_octave, ref=1000.0):
    """A spectral slope in dB per octave, 1 at ref: darker (negative) or brighter noise."""
    return (np.maximum(f, 20.0) / ref) ** (db_per_octave / 6.02)


def lowpass_response(fc: float):
    """Butterworth-shaped low-pass at fc Hz, as a response for `fir`."""
    return lambda f: _lp(f, fc)


def fir(response: Callable[[np.ndarray], np.ndarray], taps: int = 2049, sr: int = SR) -> np.ndarray:
    """Linear-phase FIR with the given magnitude response (a function of frequency in Hz), unit noise gain.

    Unit noise gain (sum h^2 == 1) means white noise of variance 1 comes out with variance 1, so recipes mix bands
    with gains that mean what they say whatever the band's width."""
    taps |= 1
    f = np.fft.rfftfreq(taps, 1.0 / sr)
    h = np.fft.irfft(np.asarray(response(f), dtype=float), taps)
    h = np.roll(h, taps // 2) * np.blackman(taps)
    return (h / np.sqrt(np.sum(h * h))).astype(F32)


_BUTTER_Q = {2: (0.7071067811865476,), 4: (0.5411961001461971, 1.3065629648763766)}


def _section(kind: str, f: float, q: float | None) -> list[float]:
    """One Butterworth section by formula (RBJ cookbook / bilinear one-pole): microseconds, where
    scipy.signal.butter takes a millisecond — it matters when a bank designs hundreds of grains."""
    if q is None:  # first order
        k = math.tan(math.pi * f / SR)
        if kind == "lp":
            return [k / (1 + k), k / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]
        return [1 / (1 + k), -1 / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]
    w = 2 * math.pi * f / SR
    cw, alpha = math.cos(w), math.sin(w) / (2 * q)
    a0 = 1 + alpha
    if kind == "lp":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
    else:
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
    return [b[0] / a0, b[1] / a0, b[2] / a0, 1.0, -2 * cw / a0, (1 - alpha) / a0]


def bandpass(x: np.ndarray, lo: float | None, hi: float | None, order: int = 2) -> np.ndarray:
    """Butterworth high-pass at lo and/or low-pass at hi (order 1, 2 or 4 per side) for short signals (kernels);
    long signals go through `convolve`."""
    qs = _BUTTER_Q.get(order, (None,))
    sections = []
    if lo is not None:
        sections += [_section("hp", lo, q) for q in qs]
    if hi is not None and hi < SR * 0.49:
        sections += [_section("lp", hi, q) for q in qs]
    if not sections:
        return x
    return ss.sosfilt(np.array(sections), x + _DENORMAL_GUARD)


def resonate(x: np.ndarray, freqs, qs, gains=None) -> np.ndarray:
    """Parallel bank of 2-pole resonators (formants, body modes) driven by x."""
    y = np.zeros_like(x, dtype=float)
    gains = np.ones(len(freqs)) if gains is None else gains
    for f, q, g in zip(freqs, qs, gains):
        if f < SR * 0.45:
            b, a = ss.iirpeak(f, q, fs=SR)
            y += g * ss.lfilter(b, a, x + _DENORMAL_GUARD)
    return y


def lowpass(y: np.ndarray, cutoff: float) -> np.ndarray:
    """2nd-order Butterworth low-pass of (channels, n), in place: chunk by chunk with the filter state carried
    over (exactly one continuous filter, no clip-long temporaries), one channel per worker thread."""
    b, a = (c.astype(F32) for c in ss.butter(2, cutoff, fs=SR))

    def channel(c: int) -> None:
        zi = np.zeros(2, F32)
        for s in range(0, y.shape[1], CHUNK):
            seg = y[c, s:s + CHUNK]
            out, zi = ss.lfilter(b, a, seg + F32(_DENORMAL_GUARD), zi=zi)
            seg[:] = out

    run_chunks(functools.partial(channel, c) for c in range(y.shape[0]))
    return y
