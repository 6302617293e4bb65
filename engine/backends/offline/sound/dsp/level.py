"""Level: how loud a layer should be, how loud it is, and the limiter that keeps the mix under full scale."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from engine import qa_signal
from engine.backends.offline.sound.dsp.chunks import CHUNK
from engine.backends.offline.sound.dsp.rates import F32, SR
from engine.backends.offline.sound.dsp.space import DISTANCE_PRESETS


def limit(y: np.ndarray, ceiling: float = 0.97) -> float:
    """Look-ahead peak limiter, in place on (2, n); returns the peak afterwards.

    Only the neighbourhood of samples over the ceiling is touched: there the gain falls over 5 ms before the
    peak and recovers over 5 ms after. Cost follows the number of peaks, not the clip length, so a 10-minute bed
    with a few hot drops is limited in milliseconds."""
    n = y.shape[1]
    over, peak = [], 0.0
    for a in range(0, n, CHUNK):
        p = np.abs(y[:, a:a + CHUNK]).max(axis=0)
        peak = max(peak, float(p.max(initial=0.0)))
        idx = np.flatnonzero(p > ceiling)
        if idx.size:
            over.append(idx + a)
    if not over:
        return peak
    over = np.concatenate(over)
    hold = int(0.005 * SR)
    cut = np.flatnonzero(np.diff(over) > 6 * hold)  # peaks this close share one gain dip
    for s, e in zip(over[np.r_[0, cut + 1]], over[np.r_[cut, over.size - 1]]):
        a, b = max(0, int(s) - 3 * hold), min(n, int(e) + 3 * hold + 1)
        seg = y[:, a:b]
        need = np.minimum(1.0, ceiling / np.maximum(np.abs(seg).max(axis=0), 1e-9)).astype(F32)
        gain = uniform_filter1d(minimum_filter1d(need, 2 * hold + 1), hold)
        seg *= np.minimum(gain, need)  # the smoothed gain is <= need at every peak already; this guards rounding
    return min(peak, ceiling)


def target_loudness(intensity: float, level_db: float, distance: str) -> float:
    """LUFS a layer is levelled to: -20 for a bed at intensity 0.5, +-6 dB over the intensity range."""
    return min(-9.0, -26.0 + 12.0 * intensity + level_db + DISTANCE_PRESETS[distance][0])


def measure(y: np.ndarray, kind: str) -> float:
    """Beds by integrated loudness; events and sequences by their loudest 400 ms (a knock's level is the knock,
    not the knock averaged with the silence around it)."""
    return (qa_signal.integrated_loudness(y.T, SR, max_seconds=30.0) if kind == "bed"
            else qa_signal.peak_loudness(y.T, SR))
