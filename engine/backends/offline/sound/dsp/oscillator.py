"""Oscillators over a whole clip: frequency and amplitude are control curves, and the phase is integrated once
per control segment (exactly, for a frequency moving linearly across it) instead of sample by sample."""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np

from engine.backends.base import CancelToken
from engine.backends.offline.sound.dsp.chunks import CHUNK, run_chunks
from engine.backends.offline.sound.dsp.envelopes import gain_range
from engine.backends.offline.sound.dsp.events import pan_gains
from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR


def oscillate(out: np.ndarray, freq: np.ndarray, amp, wave: Callable[[np.ndarray], np.ndarray] = np.sin,
              pan: float = 0.0, phase0: float = 0.0, cancel: CancelToken | None = None) -> None:
    """Add an oscillator (frequency and amplitude as control curves) into out (2, n), chunk by chunk.
    wave maps phase (radians) to the waveform: np.sin, or a glottal pulse of phase / 2pi."""
    n = out.shape[1]
    f, start = _phase_starts(freq, n, phase0)
    gl, gr = pan_gains(pan)

    def chunk(a: int) -> None:
        b = min(n, a + step)
        k0, k1 = a // CTRL, -(-b // CTRL)
        w = wave(_segment_phase(start[k0:k1], f[k0:k1], f[k0 + 1:k1 + 1])[:b - a])
        w *= gain_range(amp, 0, a, b)
        out[0, a:b] += w * F32(gl)
        out[1, a:b] += w * F32(gr)

    step = (CHUNK // 2 // CTRL) * CTRL
    run_chunks((functools.partial(chunk, a) for a in range(0, n, step)), cancel)


def _phase_starts(freq_ctrl: np.ndarray, n: int, phase0: float) -> tuple[np.ndarray, np.ndarray]:
    """Frequency at the control points covering n samples, and the (wrapped) phase at each segment start."""
    segs = -(-n // CTRL)
    f = np.asarray(freq_ctrl, float)[:segs + 1]
    if f.size < segs + 1:
        f = np.pad(f, (0, segs + 1 - f.size), mode="edge")
    seg_phase = 2 * math.pi * CTRL / SR * (f[:-1] + f[1:]) / 2
    return f, np.mod(phase0 + np.concatenate([[0.0], np.cumsum(seg_phase)[:-1]]), 2 * math.pi)


def _segment_phase(start: np.ndarray, f0: np.ndarray, f1: np.ndarray) -> np.ndarray:
    """Phase inside control segments whose frequency moves linearly from f0 to f1, from each segment's start."""
    t = np.arange(CTRL, dtype=F32)
    slope = ((f1 - f0) / (2 * CTRL)).astype(F32)
    ph = start.astype(F32)[:, None] + F32(2 * math.pi / SR) * (f0.astype(F32)[:, None] * t + slope[:, None] * t * t)
    return ph.ravel()
