"""Control-rate curves: envelopes and slow random processes live at 100 Hz (a point every CTRL samples) and are
interpolated to audio rate, so a 10-minute swell is 60 000 points, not 26 million samples."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR


def ctrl_len(n: int) -> int:
    return n // CTRL + 2


def upsample(ctrl: np.ndarray, n: int) -> np.ndarray:
    """Control-rate curve (100 Hz, point k at sample k*CTRL) → audio-rate curve by linear interpolation."""
    segs = -(-n // CTRL)
    c = np.asarray(ctrl, F32)
    if c.size < segs + 1:
        c = np.pad(c, (0, segs + 1 - c.size), mode="edge")
    t = np.arange(CTRL, dtype=F32) / F32(CTRL)
    return (c[:segs, None] * (F32(1) - t) + c[1:segs + 1, None] * t).ravel()[:n]


def upsample_range(ctrl: np.ndarray, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of `upsample(ctrl, ...)`, without building the whole curve (chunked processing)."""
    k0, k1 = a // CTRL, -(-b // CTRL)
    c = np.asarray(ctrl, F32)[k0:k1 + 1]
    if c.size < k1 - k0 + 1:
        c = np.pad(c, (0, k1 - k0 + 1 - c.size), mode="edge")
    t = np.arange(CTRL, dtype=F32) / F32(CTRL)
    seg = (c[1:] - c[:-1])[:, None] * t
    seg += c[:-1, None]
    return seg.ravel()[a - k0 * CTRL:b - k0 * CTRL]


def gain_range(g, ch: int, a: int, b: int):
    """A layer gain for channel ch over samples [a, b): a number, a control curve, or one curve per channel."""
    if np.ndim(g) == 0:
        return F32(g)
    g = np.asarray(g)
    return upsample_range(g[ch] if g.ndim == 2 else g, a, b)


def smooth_noise(rng: np.random.Generator, m: int, corr_s: float, rate: float = SR / CTRL) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian process of m control points with correlation time ~corr_s.

    Circular FFT smoothing: no edge effects, and the variance is exact (not estimated) so short clips are not
    inflated."""
    size = max(m, 8)
    w = rng.standard_normal(size)
    f = np.fft.rfftfreq(size, 1.0 / rate)
    g = np.exp(-2.0 * (math.pi * corr_s * f) ** 2)
    full = np.concatenate([g, g[1:(size + 1) // 2][::-1]])  # |H| over the whole FFT grid, for the variance
    y = np.fft.irfft(np.fft.rfft(w) * g, size)
    return (y / np.sqrt(np.mean(full ** 2))).astype(F32)[:m]


def envelope_at(env_ctrl: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Value of a control-rate envelope at event times (for scaling event gains with a bed's swell)."""
    i = np.clip((np.asarray(times_s) * SR / CTRL).astype(int), 0, env_ctrl.size - 1)
    return env_ctrl[i]
