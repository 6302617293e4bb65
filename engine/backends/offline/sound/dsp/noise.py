"""Noise: white and crackly excitation drawn as one continuous process however long the clip (never a tiled
loop), and continuous filtered noise bands, the body of every texture."""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np
import scipy.fft as sfft

from engine.backends.base import CancelToken
from engine.backends.offline.sound.dsp.chunks import CHUNK, run_chunks
from engine.backends.offline.sound.dsp.convolution import fft_plan, filter_frames
from engine.backends.offline.sound.dsp.envelopes import gain_range
from engine.backends.offline.sound.dsp.filters import fir
from engine.backends.offline.sound.dsp.rates import F32, SR


STEREO_SHIFT = 30011  # samples between L and R reads of one noise stream: uncorrelated channels for half the cost


def white(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-variance white noise. Uniform draws are ~8x cheaper than Gaussian ones and any filtering below makes
    the result Gaussian anyway."""
    return (rng.random(n, dtype=F32) - F32(0.5)) * F32(3.4641016)


def heavy_tail(rng: np.random.Generator, k: int, a: float = 3.0, cap: float = 5.0) -> np.ndarray:
    """Pareto amplitudes in [1, cap]: a few loud events among many soft ones, like real crackle and rain. The cap
    keeps the crest factor sane (an uncapped tail over 10 minutes draws a 100x outlier that the limiter must eat)."""
    return np.minimum(rng.pareto(a, k) + 1.0, cap)


def noise_chunks(rng: np.random.Generator, total: int, taps: int, hop: int, crackle: tuple[float, float] | None = None,
                 cancel: CancelToken | None = None):
    """White (or crackly) noise for `total` filtered samples, in chunks of whole hops, each chunk carrying the
    taps-1 samples before it: yields (start, x, m), x ready for `filter_frames`.

    Drawn in order on the calling thread, so the result does not depend on how chunks are then shared out, and it
    is one continuous process (no joins) while nothing of the clip's full length is ever allocated.
    crackle=(rate, prominence) adds Poisson impulses with a capped Pareto amplitude (grit: rain, foam), keeping
    unit variance."""
    scale = F32(1.0)
    if crackle is not None:
        scale = F32(1.0 / math.sqrt(1.0 + crackle[0] / SR * 2.6 * crackle[1] ** 2))  # E[a^2] of the capped tail

    def excitation(k: int) -> np.ndarray:
        x = white(rng, k)
        if crackle is not None:
            count = rng.poisson(crackle[0] * k / SR)
            if count:
                amp = heavy_tail(rng, count) * rng.choice(np.array([-1.0, 1.0], F32), count) * crackle[1]
                x[rng.integers(0, k, count)] += amp.astype(F32)
            x *= scale
        return x

    carry = excitation(taps - 1)
    per = max(1, (CHUNK // 2) // hop) * hop
    pos = 0
    while pos < total:
        if cancel is not None:
            cancel.check()
        m = min(per, total - pos)
        nb = -(-m // hop)
        x = np.concatenate([carry, excitation(m), np.zeros(nb * hop - m, F32)])
        carry = x[m:m + taps - 1].copy()
        yield pos, x, m
        pos += m


def noise_bands(rng: np.random.Generator, n: int, specs: list[tuple[Callable, object]], taps: int = 2049,
                crackle: tuple | None = None, shift: int = STEREO_SHIFT, cancel: CancelToken | None = None
                ) -> np.ndarray:
    """Sum of continuous noise bands over n samples of stereo, each (magnitude response, gain) where the gain is a
    number, a control curve (m,) or one curve per channel (2, m); each band has unit variance before its gain.

    Stereo reads one filtered stream twice, `shift` samples apart (R now, L `shift` later): noise that far
    apart is uncorrelated, so L/R are decorrelated at the cost of one channel. Mono gain curves ride on the
    stream, so the left channel hears a gust `shift` samples (0.68 s) after the right, like wind crossing;
    pass a small shift for a single close source. Streams in chunks (see noise_chunks)."""
    y = np.empty((2, n), F32)
    total = n + shift
    block, hop = fft_plan(taps, total)
    spectra = [sfft.rfft(fir(r, taps), block) for r, _ in specs]
    gains = [g for _, g in specs]
    per_channel = any(np.ndim(g) == 2 for g in gains)

    def chunk(start: int, x: np.ndarray, m: int) -> None:
        blocks = filter_frames(x, spectra, block, hop, taps, m)
        end = start + m
        if per_channel:  # each channel gets its own curves, in output time
            for c, (a, b) in enumerate(((max(start, shift), end), (start, min(end, n)))):
                if a < b:
                    o = a - shift if c == 0 else a
                    acc = blocks[0][a - start:b - start] * gain_range(gains[0], c, o, o + b - a)
                    for blk, g in zip(blocks[1:], gains[1:]):
                        acc += blk[a - start:b - start] * gain_range(g, c, o, o + b - a)
                    y[c, o:o + b - a] = acc
            return
        z = blocks[0] * gain_range(gains[0], 0, start, end)
        for blk, g in zip(blocks[1:], gains[1:]):
            z += blk * gain_range(g, 0, start, end)
        if start < n:
            y[1, start:min(end, n)] = z[:min(end, n) - start]
        if end > shift:
            a = max(start, shift)
            y[0, a - shift:end - shift] = z[a - start:]

    run_chunks((functools.partial(chunk, *c) for c in noise_chunks(rng, total, taps, hop, crackle, cancel)), cancel)
    return y
