"""Procedural sound bank: the `offline` profile's SoundModel.

Every category is a real synthesis recipe in numpy/scipy: filtered noise shaped by
envelopes for textures, modal resonators for impacts and bells, FM chirps for birds, Poisson scheduling for crackle,
drips and footsteps. A caption is matched to recipes through an English/Chinese lexicon (`sound_lexicon.py`); several
matches are layered. Each recipe honours intensity (density and level), distance (level, air absorption, reverb) and
environment (reverb preset), and renders exactly `round(duration * 44100)` stereo samples.

Long textures are generated continuously, never by tiling a loop: noise is drawn and filtered (batched overlap-save
FFT convolution) chunk by chunk as one continuous process, envelopes are random processes drawn at a 100 Hz control
rate and interpolated, and events are scheduled over the whole duration. `engine.qa_signal.seam_score` checks the
result. Chunks are shared out to worker threads and nothing clip-long is allocated twice, so a 10-minute bed renders
in about a second on a 2-core CPU and a 10 s clip in a few tens of milliseconds.
"""

from __future__ import annotations

import functools
import math
import os
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import scipy.fft as sfft
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal as ss
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from engine import qa_signal
from engine.backends.base import BackendError, CancelToken, Capabilities, Clip, ClipRequest
from engine.backends.offline import sound_lexicon as lex

SR = 44100
CTRL = 441  # control-rate hop (100 Hz): envelopes live here and are linearly interpolated to audio rate
_SHIFT = 30011  # samples between L and R reads of one noise stream: uncorrelated channels for half the cost
_F32 = np.float32
# Added to IIR inputs: a decaying filter state otherwise sinks into subnormal floats, which are ~10x slower.
_DENORMAL_GUARD = 1e-25
_CHUNK = 1 << 22  # samples per chunk when streaming long clips: small temporaries, reused instead of fresh pages

DISTANCES = ("close", "near", "medium", "far", "distant")
# distance → (loudness offset dB, low-pass cutoff Hz or None, reverb wet added)
_DISTANCE = {
    "close": (3.0, None, 0.0),
    "near": (0.0, None, 0.03),
    "medium": (-3.0, 8000.0, 0.12),
    "far": (-6.0, 3000.0, 0.24),
    "distant": (-9.0, 1500.0, 0.34),
}
# environment → (reverb time RT60 s, damping 0..1 (how much faster highs die), base wet, low-pass Hz or None)
_ENVIRONMENT = {
    "outdoor": (0.35, 0.7, 0.0, None),
    "forest": (0.7, 0.8, 0.05, None),
    "street": (0.9, 0.5, 0.08, None),
    "indoor": (0.6, 0.5, 0.14, None),
    "bathroom": (1.0, 0.1, 0.3, None),
    "hall": (2.2, 0.35, 0.3, None),
    "cave": (3.0, 0.25, 0.38, 7000.0),
    "underwater": (0.5, 0.9, 0.15, 500.0),
}
ENVIRONMENTS = tuple(_ENVIRONMENT)


# ---------------------------------------------------------------------------------------------------------------
# DSP building blocks
# ---------------------------------------------------------------------------------------------------------------

def _white(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-variance white noise. Uniform draws are ~8x cheaper than Gaussian ones and any filtering below makes
    the result Gaussian anyway."""
    return (rng.random(n, dtype=_F32) - _F32(0.5)) * _F32(3.4641016)


def _hp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (fc / np.maximum(f, 1e-3)) ** (2 * order))


def _lp(f, fc, order=2):
    return 1.0 / np.sqrt(1.0 + (f / fc) ** (2 * order))


def _band(lo, hi, order=2):
    return lambda f: _hp(f, lo, order) * _lp(f, hi, order)


def _bump(f, fc, octaves, gain):
    """Log-frequency Gaussian boost (gain > 1) or cut (gain < 1) centred on fc."""
    return 1.0 + (gain - 1.0) * np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / fc) / octaves) ** 2)


def _peak(fc, octaves):
    """A narrow band (log-frequency Gaussian) around fc: a whistle, a resonance."""
    return lambda f: np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / fc) / octaves) ** 2)


def _tilt(f, db_per_octave, ref=1000.0):
    return (np.maximum(f, 20.0) / ref) ** (db_per_octave / 6.02)


def fir(response: Callable[[np.ndarray], np.ndarray], taps: int = 2049, sr: int = SR) -> np.ndarray:
    """Linear-phase FIR with the given magnitude response (a function of frequency in Hz), unit noise gain.

    Unit noise gain (sum h^2 == 1) means white noise of variance 1 comes out with variance 1, so recipes mix bands
    with gains that mean what they say whatever the band's width."""
    taps |= 1
    f = np.fft.rfftfreq(taps, 1.0 / sr)
    h = np.fft.irfft(np.asarray(response(f), dtype=float), taps)
    h = np.roll(h, taps // 2) * np.blackman(taps)
    return (h / np.sqrt(np.sum(h * h))).astype(_F32)


def convolve_apply(x: np.ndarray, hs: list[np.ndarray], consume: Callable[[int, list[np.ndarray]], None],
                   mode: str = "same", cancel: CancelToken | None = None) -> int:
    """Filter x with each FIR of hs (equal lengths) by batched overlap-save FFT convolution, handing each chunk of
    output to consume(start, [block per FIR]) — called from worker threads, for disjoint ranges — so long outputs
    are used as they come instead of being stored whole. Returns the output length.

    mode "valid": x carries len(h)-1 extra samples of history; output len(x)-len(h)+1 samples, fully warmed up
    (noise). "same": output len(x) samples aligned on the filter centre, zero delay for linear-phase FIRs (event
    trains). "causal": output len(x) samples, h[0] at the input sample (reverb tails, causal kernels).
    Blocks of >= 64k samples keep the FFTs in cache: 10 minutes filter in ~0.2 s, one whole-clip FFT takes ~1 s."""
    taps = hs[0].size
    front = {"valid": 0, "same": taps // 2}.get(mode, taps - 1)  # zeros before x, never materialised
    n_out = x.size - taps + 1 if mode == "valid" else x.size
    if n_out <= 0:
        return max(n_out, 0)
    block, hop = _fft_plan(taps, n_out)
    nb = -(-n_out // hop)
    spectra = [sfft.rfft(h, block) for h in hs]
    per = max(1, (_CHUNK // 2) // hop)

    def chunk(i: int) -> None:
        start = i * hop
        m = min(per * hop, n_out - start)
        a, b = start - front, start - front + (min(per, nb - i) - 1) * hop + block  # input span, x coordinates
        seg = x[max(a, 0):max(min(b, x.size), 0)]
        if a < 0 or b > x.size:  # only the first and last chunks reach past x: pad them locally
            seg = np.pad(seg, (max(0, -a), max(0, b - max(x.size, a))))[:b - a]
        consume(start, _filter_frames(seg, spectra, block, hop, taps, m))

    _run_chunks((functools.partial(chunk, i) for i in range(0, nb, per)), cancel)
    return n_out


def convolve(x: np.ndarray, hs: list[np.ndarray], mode: str = "same", cancel: CancelToken | None = None
             ) -> list[np.ndarray]:
    """`convolve_apply`, gathered into whole arrays."""
    outs = [np.zeros(x.size - hs[0].size + 1 if mode == "valid" else x.size, _F32) for _ in hs]

    def keep(start: int, blocks: list[np.ndarray]) -> None:
        for o, blk in zip(outs, blocks):
            o[start:start + blk.size] = blk

    convolve_apply(x, hs, keep, mode, cancel)
    return outs


def ctrl_len(n: int) -> int:
    return n // CTRL + 2


def upsample(ctrl: np.ndarray, n: int) -> np.ndarray:
    """Control-rate curve (100 Hz, point k at sample k*CTRL) → audio-rate curve by linear interpolation."""
    segs = -(-n // CTRL)
    c = np.asarray(ctrl, _F32)
    if c.size < segs + 1:
        c = np.pad(c, (0, segs + 1 - c.size), mode="edge")
    t = np.arange(CTRL, dtype=_F32) / _F32(CTRL)
    return (c[:segs, None] * (_F32(1) - t) + c[1:segs + 1, None] * t).ravel()[:n]


def upsample_range(ctrl: np.ndarray, a: int, b: int) -> np.ndarray:
    """Samples [a, b) of `upsample(ctrl, ...)`, without building the whole curve (chunked processing)."""
    k0, k1 = a // CTRL, -(-b // CTRL)
    c = np.asarray(ctrl, _F32)[k0:k1 + 1]
    if c.size < k1 - k0 + 1:
        c = np.pad(c, (0, k1 - k0 + 1 - c.size), mode="edge")
    t = np.arange(CTRL, dtype=_F32) / _F32(CTRL)
    seg = (c[1:] - c[:-1])[:, None] * t
    seg += c[:-1, None]
    return seg.ravel()[a - k0 * CTRL:b - k0 * CTRL]


def _gain_range(g, ch: int, a: int, b: int):
    """A layer gain for channel ch over samples [a, b): a number, a control curve, or one curve per channel."""
    if np.ndim(g) == 0:
        return _F32(g)
    g = np.asarray(g)
    return upsample_range(g[ch] if g.ndim == 2 else g, a, b)


_WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Worker threads for chunked work: numpy and scipy.fft release the GIL on large arrays, so two chunks of a
    long bed are filtered at once on two cores."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="sound")
    return _POOL


def _fft_plan(taps: int, total: int) -> tuple[int, int]:
    """Block size and hop of overlap-save filtering with `taps`-long FIRs: >= 64k samples (in cache, cheap per
    sample) but no bigger than the signal needs."""
    block = max(1 << 16, 1 << (4 * taps - 1).bit_length())
    block = min(block, max(1 << (total + taps - 2).bit_length(), 2 * taps))
    return block, block - taps + 1


def _filter_frames(x: np.ndarray, spectra: list[np.ndarray], block: int, hop: int, taps: int, m: int):
    """Overlap-save: x holds taps-1 samples of history then the input; returns m filtered samples per spectrum."""
    frames = sliding_window_view(x, block)[::hop]
    spec = sfft.rfft(frames, axis=1)
    return [sfft.irfft(spec * sp, block, axis=1)[:, taps - 1:].ravel()[:m] for sp in spectra]


def noise_chunks(rng: np.random.Generator, total: int, taps: int, hop: int, crackle: tuple[float, float] | None = None,
                 cancel: CancelToken | None = None):
    """White (or crackly) noise for `total` filtered samples, in chunks of whole hops, each chunk carrying the
    taps-1 samples before it: yields (start, x, m), x ready for `_filter_frames`.

    Drawn in order on the calling thread, so the result does not depend on how chunks are then shared out, and it
    is one continuous process (no joins) while nothing of the clip's full length is ever allocated.
    crackle=(rate, prominence) adds Poisson impulses with a capped Pareto amplitude (grit: rain, foam), keeping
    unit variance."""
    scale = _F32(1.0)
    if crackle is not None:
        scale = _F32(1.0 / math.sqrt(1.0 + crackle[0] / SR * 2.6 * crackle[1] ** 2))  # E[a^2] of the capped tail

    def excitation(k: int) -> np.ndarray:
        x = _white(rng, k)
        if crackle is not None:
            count = rng.poisson(crackle[0] * k / SR)
            if count:
                amp = _heavy_tail(rng, count) * rng.choice(np.array([-1.0, 1.0], _F32), count) * crackle[1]
                x[rng.integers(0, k, count)] += amp.astype(_F32)
            x *= scale
        return x

    carry = excitation(taps - 1)
    per = max(1, (_CHUNK // 2) // hop) * hop
    pos = 0
    while pos < total:
        if cancel is not None:
            cancel.check()
        m = min(per, total - pos)
        nb = -(-m // hop)
        x = np.concatenate([carry, excitation(m), np.zeros(nb * hop - m, _F32)])
        carry = x[m:m + taps - 1].copy()
        yield pos, x, m
        pos += m


def _run_chunks(tasks, cancel: CancelToken | None = None) -> None:
    """Run chunk jobs (zero-argument callables writing disjoint parts of an output) on the worker threads, a few
    in flight at a time so memory stays bounded; errors surface here."""
    pool, pending = _pool(), []
    for task in tasks:
        pending.append(pool.submit(task))
        if len(pending) >= 2 * _WORKERS:
            pending.pop(0).result()
        if cancel is not None and cancel.cancelled:
            for f in pending:
                f.cancel()
            cancel.check()
    for f in pending:
        f.result()


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
    return (y / np.sqrt(np.mean(full ** 2))).astype(_F32)[:m]


def _phase_starts(freq_ctrl: np.ndarray, n: int, phase0: float) -> tuple[np.ndarray, np.ndarray]:
    """Frequency at the control points covering n samples, and the (wrapped) phase at each segment start."""
    segs = -(-n // CTRL)
    f = np.asarray(freq_ctrl, float)[:segs + 1]
    if f.size < segs + 1:
        f = np.pad(f, (0, segs + 1 - f.size), mode="edge")
    seg_phase = 2 * math.pi * CTRL / SR * (f[:-1] + f[1:]) / 2
    return f, np.mod(phase0 + np.concatenate([[0.0], np.cumsum(seg_phase)[:-1]]), 2 * math.pi)


def pan_gains(pan: np.ndarray | float) -> tuple:
    """Equal-power pan law, pan in [-1, 1]."""
    theta = (np.clip(pan, -1, 1) + 1) * (math.pi / 4)
    return np.cos(theta) * math.sqrt(2), np.sin(theta) * math.sqrt(2)


def scatter(out: np.ndarray, starts, kernels, idx, gains, pans=None, cancel: CancelToken | None = None) -> None:
    """Add bank kernels at sample positions into out (2, n): kernels[idx[i]] * gains[i], panned by pans[i].

    Dense events (bubbles, claps) are summed in time-sorted chunks with np.bincount over each chunk's span, several
    times cheaper than one slice-add per event — it matters for 10-minute beds with 100k events; sparse ones
    (drips, knocks) take plain slice-adds. Kernels are bucketed by length so a bank with one long kernel does not
    make every short event pay for it."""
    starts = np.asarray(starts, np.int64)
    if starts.size == 0:
        return
    idx = np.asarray(idx, np.int64) if np.ndim(idx) else np.full(starts.size, int(idx), np.int64)
    gains = np.broadcast_to(np.asarray(gains, _F32), starts.shape)
    pans = np.zeros(starts.size) if pans is None else np.broadcast_to(np.asarray(pans, float), starts.shape)
    kernels = [_trim(k) for k in kernels]
    lengths = np.array([k.size for k in kernels])
    bucket_of = np.ceil(np.log2(np.maximum(lengths, 2))).astype(int)
    for b in np.unique(bucket_of):
        members = np.flatnonzero(bucket_of == b)
        if b >= 15:  # long kernels (bells, chimes) come few at a time: plain slice-adds beat the bincount
            _add_long(out, starts, [kernels[i] for i in members], idx, members, gains, pans)
            continue
        remap = np.full(len(kernels), -1)
        remap[members] = np.arange(members.size)
        sel = np.flatnonzero(np.isin(idx, members))
        if sel.size:
            _scatter_bank(out, starts[sel], [kernels[i] for i in members], remap[idx[sel]], gains[sel], pans[sel],
                          cancel)


def _add_long(out, starts, kernels, idx, members, gains, pans) -> None:
    n = out.shape[1]
    gl, gr = pan_gains(pans)
    for j, kern in zip(members, kernels):
        for e in np.flatnonzero(idx == j):
            s = int(starts[e])
            a, b = max(0, -s), min(kern.size, n - s)
            if b > a:
                seg = kern[a:b] * _F32(gains[e])
                out[0, s + a:s + b] += seg * _F32(gl[e])
                out[1, s + a:s + b] += seg * _F32(gr[e])


def _trim(k: np.ndarray, floor_db: float = -60.0) -> np.ndarray:
    """Drop a kernel's tail once it stays below floor_db re its peak: decays cost samples but add nothing."""
    a = np.abs(k)
    loud = np.flatnonzero(a > a.max() * 10 ** (floor_db / 20)) if k.size else np.zeros(0, int)
    k = k[:loud[-1] + 1] if loud.size else k[:1]
    return fade_edges(k.copy(), 0.0, 0.002)  # a kernel cut while still ringing must not end in a click


def _scatter_bank(out, starts, kernels, idx, gains, pans, cancel) -> None:
    n = out.shape[1]
    gl, gr = pan_gains(pans)
    order = np.argsort(starts, kind="stable")
    starts, idx = starts[order], idx[order]
    wl, wr = (gains[order] * gl[order]).astype(_F32), (gains[order] * gr[order]).astype(_F32)
    length = max(k.size for k in kernels)
    bank = np.zeros((len(kernels), length), _F32)
    for i, k in enumerate(kernels):
        bank[i, :k.size] = k
    offs = np.arange(length)
    per_chunk = max(16, (1 << 20) // length)
    for c in range(0, starts.size, per_chunk):
        if cancel is not None:
            cancel.check()
        s = starts[c:c + per_chunk]
        s0 = int(s[0])
        span = int(s[-1]) - s0 + length
        if s.size * length < span // 4:
            # sparse (drips, knocks, distant drops): a bincount would mostly sum empty samples
            for e in range(c, c + s.size):
                a, k = int(starts[e]), bank[idx[e]]
                lo, hi = max(0, -a), min(length, n - a)
                if hi > lo:
                    out[0, a + lo:a + hi] += k[lo:hi] * wl[e]
                    out[1, a + lo:a + hi] += k[lo:hi] * wr[e]
            continue
        pos = (s - s0)[:, None] + offs
        vals = bank[idx[c:c + per_chunk]]
        vl, vr = vals * wl[c:c + per_chunk, None], vals * wr[c:c + per_chunk, None]
        lo, hi = max(0, -s0), n - s0  # events may start before the clip (a bed already in progress) or run past it
        if lo > 0 or int(pos[-1, -1]) >= hi:
            keep = (pos >= lo) & (pos < hi)
            pos, vl, vr = pos[keep], vl[keep], vr[keep]
        else:
            pos, vl, vr = pos.ravel(), vl.ravel(), vr.ravel()
        if pos.size == 0:
            continue
        pos = pos - lo
        left = np.bincount(pos, vl)
        right = np.bincount(pos, vr, minlength=left.size)
        a = s0 + lo
        out[0, a:a + left.size] += left
        out[1, a:a + right.size] += right


def place(out: np.ndarray, start: int, kernel: np.ndarray, gain: float = 1.0) -> None:
    """Add one stereo (2, L) or mono kernel at a sample position, clipped to the clip."""
    n = out.shape[1]
    k = kernel if kernel.ndim == 2 else np.stack([kernel, kernel])
    a, b = max(0, -start), min(k.shape[1], n - start)
    if b > a:
        out[:, start + a:start + b] += k[:, a:b] * _F32(gain)


def poisson_times(rng: np.random.Generator, rate: float, t0: float, t1: float) -> np.ndarray:
    if rate <= 0 or t1 <= t0:
        return np.zeros(0)
    return np.sort(rng.uniform(t0, t1, rng.poisson(rate * (t1 - t0))))


def regular_times(rng: np.random.Generator, period: float, t0: float, t1: float, jitter: float = 0.0) -> np.ndarray:
    """Quasi-periodic times: each gap is period * (1 + jitter * N(0,1)), never below a quarter period."""
    count = int((t1 - t0) / period) + 2
    gaps = period * np.maximum(0.25, 1 + jitter * rng.standard_normal(count))
    t = t0 + np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    return t[t < t1]


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
    t = tvec(dur).astype(_F32)
    ph = rng.uniform(0, 2 * math.pi, f.size) if rng is not None else np.zeros(f.size)
    y = np.zeros(t.size, _F32)
    for fk, dk, ak, pk in zip(f, d, a, ph):
        m = min(t.size, int(6.9 * dk * SR) + 1)
        tk = t[:m]
        y[:m] += _F32(ak) * np.exp(tk * _F32(-1.0 / dk)) * np.sin(tk * _F32(2 * math.pi * fk) + _F32(pk))
    if attack > 0:
        y *= 1 - np.exp(t * _F32(-1.0 / attack))
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


def mix(*parts: np.ndarray) -> np.ndarray:
    """Sum 1-D signals of different lengths (a kernel's click, body and tail), padded to the longest."""
    y = np.zeros(max(p.size for p in parts), _F32)
    for p in parts:
        y[:p.size] += p
    return y


def normalise_peak(x: np.ndarray) -> np.ndarray:
    p = np.max(np.abs(x)) if x.size else 0.0
    return (x / p).astype(_F32) if p > 0 else x.astype(_F32)


def fade_edges(x: np.ndarray, fade_in: float = 0.002, fade_out: float = 0.004) -> np.ndarray:
    n = x.shape[-1]
    a, b = min(n // 2, int(fade_in * SR)), min(n // 2, int(fade_out * SR))
    if a > 0:
        x[..., :a] *= (0.5 - 0.5 * np.cos(np.linspace(0, math.pi, a))).astype(_F32)
    if b > 0:
        x[..., n - b:] *= (0.5 + 0.5 * np.cos(np.linspace(0, math.pi, b))).astype(_F32)
    return x


def onset(dur: float, frac: float = 0.06, cap: float = 0.3) -> float:
    """Where a one-shot event starts in a clip: a short breath of silence, never more than `cap` seconds."""
    return min(frac * dur, cap)


# ---------------------------------------------------------------------------------------------------------------
# Recipe registry
# ---------------------------------------------------------------------------------------------------------------

RecipeKind = Literal["bed", "event", "sequence"]


@dataclass
class Ctx:
    """What a recipe may use: its own random generator, the length, and the resolved controls."""

    rng: np.random.Generator
    n: int
    intensity: float
    surface: str | None = None
    cancel: CancelToken | None = None

    @property
    def dur(self) -> float:
        return self.n / SR

    def zeros(self) -> np.ndarray:
        return np.zeros((2, self.n), _F32)

    def check(self) -> None:
        if self.cancel is not None:
            self.cancel.check()

    def bands(self, specs: list[tuple[Callable, object]], taps: int = 2049, crackle: tuple | None = None,
              shift: int = _SHIFT) -> np.ndarray:
        """Sum of continuous noise bands over the whole clip, each (magnitude response, gain) where the gain is a
        number, a control curve (m,) or one curve per channel (2, m); each band has unit variance before its gain.

        Stereo reads one filtered stream twice, `shift` samples apart (R now, L `shift` later): noise that far
        apart is uncorrelated, so L/R are decorrelated at the cost of one channel. Mono gain curves ride on the
        stream, so the left channel hears a gust `shift` samples (0.68 s) after the right, like wind crossing;
        pass a small shift for a single close source. Streams in chunks (see noise_chunks)."""
        n = self.n
        y = np.empty((2, n), _F32)
        total = n + shift
        block, hop = _fft_plan(taps, total)
        spectra = [sfft.rfft(fir(r, taps), block) for r, _ in specs]
        gains = [g for _, g in specs]
        per_channel = any(np.ndim(g) == 2 for g in gains)

        def chunk(start: int, x: np.ndarray, m: int) -> None:
            blocks = _filter_frames(x, spectra, block, hop, taps, m)
            end = start + m
            if per_channel:  # each channel gets its own curves, in output time
                for c, (a, b) in enumerate(((max(start, shift), end), (start, min(end, n)))):
                    if a < b:
                        o = a - shift if c == 0 else a
                        acc = blocks[0][a - start:b - start] * _gain_range(gains[0], c, o, o + b - a)
                        for blk, g in zip(blocks[1:], gains[1:]):
                            acc += blk[a - start:b - start] * _gain_range(g, c, o, o + b - a)
                        y[c, o:o + b - a] = acc
                return
            z = blocks[0] * _gain_range(gains[0], 0, start, end)
            for blk, g in zip(blocks[1:], gains[1:]):
                z += blk * _gain_range(g, 0, start, end)
            if start < n:
                y[1, start:min(end, n)] = z[:min(end, n) - start]
            if end > shift:
                a = max(start, shift)
                y[0, a - shift:end - shift] = z[a - start:]

        _run_chunks((functools.partial(chunk, *c) for c in noise_chunks(self.rng, total, taps, hop, crackle,
                                                                           self.cancel)), self.cancel)
        return y

    def osc(self, out: np.ndarray, freq: np.ndarray, amp, wave: Callable[[np.ndarray], np.ndarray] = np.sin,
            pan: float = 0.0, phase0: float = 0.0) -> None:
        """Add an oscillator (frequency and amplitude as control curves) into out, chunk by chunk.
        wave maps phase (radians) to the waveform: np.sin, or a glottal pulse of phase / 2pi."""
        n = self.n
        f, start = _phase_starts(freq, n, phase0)
        gl, gr = pan_gains(pan)

        def chunk(a: int) -> None:
            b = min(n, a + step)
            k0, k1 = a // CTRL, -(-b // CTRL)
            w = wave(_segment_phase(start[k0:k1], f[k0:k1], f[k0 + 1:k1 + 1])[:b - a])
            w *= _gain_range(amp, 0, a, b)
            out[0, a:b] += w * _F32(gl)
            out[1, a:b] += w * _F32(gr)

        step = (_CHUNK // 2 // CTRL) * CTRL
        _run_chunks((functools.partial(chunk, a) for a in range(0, n, step)), self.cancel)


def _segment_phase(start: np.ndarray, f0: np.ndarray, f1: np.ndarray) -> np.ndarray:
    """Phase inside control segments whose frequency moves linearly from f0 to f1, from each segment's start."""
    t = np.arange(CTRL, dtype=_F32)
    slope = ((f1 - f0) / (2 * CTRL)).astype(_F32)
    ph = start.astype(_F32)[:, None] + _F32(2 * math.pi / SR) * (f0.astype(_F32)[:, None] * t + slope[:, None] * t * t)
    return ph.ravel()


@dataclass(frozen=True)
class Recipe:
    name: str
    render: Callable[[Ctx], np.ndarray]  # Ctx → float32 (2, n)
    kind: RecipeKind
    description: str
    distance: str = "near"  # natural distance when the caption/attributes say nothing
    environment: str = "outdoor"
    level_db: float = 0.0  # loudness relative to a bed at the same intensity (events sit above beds)
    natural_length: float = 0.0  # seconds a one-shot needs; shorter clips truncate it (with a warning)
    surfaces: tuple[str, ...] = ()  # surfaces it honours (when none is asked for, the recipe picks)


RECIPES: dict[str, Recipe] = {}


def recipe(name: str, kind: RecipeKind, description: str, **kw):
    def register(fn: Callable[[Ctx], np.ndarray]):
        RECIPES[name] = Recipe(name=name, render=fn, kind=kind, description=description, **kw)
        return fn
    return register


# ---------------------------------------------------------------------------------------------------------------
# Shared sources
# ---------------------------------------------------------------------------------------------------------------

def _heavy_tail(rng: np.random.Generator, k: int, a: float = 3.0, cap: float = 5.0) -> np.ndarray:
    """Pareto amplitudes in [1, cap]: a few loud events among many soft ones, like real crackle and rain. The cap
    keeps the crest factor sane (an uncapped tail over 10 minutes draws a 100x outlier that the limiter must eat)."""
    return np.minimum(rng.pareto(a, k) + 1.0, cap)


def _env_at(env_ctrl: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Value of a control-rate envelope at event times (for scaling event gains with a bed's swell)."""
    i = np.clip((np.asarray(times_s) * SR / CTRL).astype(int), 0, env_ctrl.size - 1)
    return env_ctrl[i]


def _bubble(rng: np.random.Generator, f0: float, q: float, rise: float) -> np.ndarray:
    """Minnaert bubble: a damped sine whose pitch rises as the bubble nears the surface."""
    tau = q / (math.pi * f0)
    t = tvec(4 * tau)
    f = f0 * (1 + rise * (1 - np.exp(-t / (1.5 * tau))))
    y = np.sin(2 * math.pi * np.cumsum(f) / SR) * np.exp(-t / tau) * (1 - np.exp(-t / 0.0004))
    return normalise_peak(y)


def _glottal(cycles: np.ndarray) -> np.ndarray:
    """Voice source from oscillator cycles (phase/2pi): derivative of a u^2-u^3 glottal flow pulse, so harmonics
    fall ~6 dB/octave like a radiated voice instead of the harsh flat comb of a sawtooth."""
    u = np.mod(cycles, 1.0)
    return (2 * u - 3 * u * u).astype(_F32)


def _creak(rng: np.random.Generator, dur: float, f_lo: float, f_hi: float, body: list[float]) -> np.ndarray:
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


def _engine_pulses(rng: np.random.Generator, rpm_ctrl: np.ndarray, n: int, cylinders: int = 4) -> np.ndarray:
    """Firing impulses of a 4-stroke engine. Pulse times are found by inverting the cycle count at control rate,
    so a 10-minute idle costs a few thousand interpolations, not a per-sample phase accumulator."""
    fire = np.asarray(rpm_ctrl, float) / 60.0 * cylinders / 2
    tc = np.arange(fire.size) * CTRL / SR
    cyc = np.concatenate([[0.0], np.cumsum((fire[1:] + fire[:-1]) / 2 * CTRL / SR)])
    k = np.arange(math.ceil(cyc[-1]))
    times = np.interp(k + rng.uniform(0, 1), cyc, tc)
    pos = np.round(times * SR + rng.normal(0, 0.00015 * SR, times.size)).astype(int)
    keep = (pos >= 0) & (pos < n)
    x = np.zeros(n, _F32)
    imbalance = np.array([1.0, 0.86, 0.95, 0.8, 0.92, 0.88][:cylinders])
    amp = imbalance[k.astype(int) % cylinders] * (1 + 0.08 * rng.standard_normal(k.size))
    x[pos[keep]] = amp[keep]
    return x


# ---------------------------------------------------------------------------------------------------------------
# Beds: continuous textures, generated over the whole clip
# ---------------------------------------------------------------------------------------------------------------

def _rain(ctx: Ctx, heavy: bool) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    if heavy:
        swell = np.exp(0.25 * smooth_noise(rng, m, 3.0) + 0.12 * smooth_noise(rng, m, 0.6))
        y = ctx.bands([(lambda f: _band(350, 11000)(f) * _bump(f, 2500, 1.5, 2.0), swell),
                       (_band(120, 900), 0.45 * swell)], crackle=(2500 + 5000 * i, 2.5))
        drop_rate, drop_level = 25 + 45 * i, 0.8
    else:
        swell = np.exp(0.15 * smooth_noise(rng, m, 6.0))
        y = ctx.bands([(lambda f: _band(500, 10000)(f) * _bump(f, 4000, 1.2, 2.5), 0.35 * swell)],
                      crackle=(300 + 900 * i, 4.0))
        drop_rate, drop_level = 6 + 50 * i, 1.0
    bank = []
    for _ in range(32):
        if rng.random() < 0.55:
            bank.append(_bubble(rng, math.exp(rng.uniform(math.log(1300), math.log(4200))), rng.uniform(8, 25),
                                rng.uniform(0.1, 0.5)))
        else:
            bank.append(burst(rng, 0.012, rng.uniform(600, 1500), rng.uniform(3000, 9000), rng.uniform(0.0008, 0.003)))
    t = poisson_times(rng, drop_rate, -0.05, ctx.dur)
    gains = drop_level * np.minimum(np.exp(0.4 * rng.standard_normal(t.size)), 3.0) * _env_at(swell, t)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size), gains, rng.uniform(-0.9, 0.9, t.size),
            ctx.cancel)
    return y


@recipe("rain_light", "bed", "light rain: soft hiss with distinct drops on leaves and puddles", level_db=-2)
def rain_light(ctx: Ctx) -> np.ndarray:
    return _rain(ctx, heavy=False)


@recipe("rain_heavy", "bed", "heavy rain: dense gritty downpour with a low roar", level_db=1)
def rain_heavy(ctx: Ctx) -> np.ndarray:
    return _rain(ctx, heavy=True)


def _gusts(rng: np.random.Generator, m: int, intensity: float) -> np.ndarray:
    g = 0.7 * smooth_noise(rng, m, 1.2) + 1.1 * smooth_noise(rng, m, 5.0) + 0.6 * smooth_noise(rng, m, 18.0)
    return (1.0 / (1.0 + np.exp(-(1.2 * g + 3.0 * (intensity - 0.5))))).astype(_F32)


@recipe("wind", "bed", "wind: rumbling buffets, a gusting whoosh and a howl that rises with the gusts", level_db=-1)
def wind(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    gust = _gusts(rng, m, i)
    specs = [(_band(25, 160), 0.9 * (0.2 + 0.8 * gust)),
             (lambda f: _band(120, 1400)(f) * _bump(f, 380, 1.0, 2.0), 0.8 * gust ** 1.5),
             (lambda f: _band(1500, 7000)(f) * _tilt(f, -3, 1500), 0.3 * gust ** 2.5)]
    # the howl: narrow resonances of wind across edges; the harder it blows, the higher the one that sings, so
    # the pitch rises with each gust (two whistles crossfaded by gust strength)
    f0 = rng.uniform(320, 700)
    howl = (0.15 + 0.6 * i) * gust ** 2.5
    pitch = np.clip((gust - 0.2) / 0.7, 0, 1)
    for k, ratio in enumerate((1.0, 1.3)):
        specs.append((_peak(f0 * ratio, 0.04), howl * np.clip(1 - np.abs(pitch - k), 0, 1)))
    return ctx.bands(specs, taps=4097)


@recipe("ocean", "bed", "ocean waves: swells that build, crash and wash back with fizzing foam", level_db=0)
def ocean(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    surge = np.zeros((2, m))
    foam = np.zeros((2, m))
    period = 10.5 - 4 * i
    t = -15.0 + rng.uniform(0, period)  # the sea was already moving before the clip starts
    while t < ctx.dur + 3:
        a = math.exp(rng.normal(0, 0.35)) * (0.6 + 0.4 * i)
        rise, wash = rng.uniform(1.5, 3.5), rng.uniform(2.5, 6.0)
        lo, hi = max(0, int((t - rise) * SR / CTRL)), min(m, int((t + 6 * wash) * SR / CTRL))
        if hi > lo:
            u = tc[lo:hi] - t
            s = np.where(u < 0, ((u + rise) / rise) ** 2, np.exp(-u / wash))
            fz = np.where(u < 0, 0.05 * ((u + rise) / rise) ** 4,
                          (1 - np.exp(-u / 0.25)) * np.exp(-u / (0.55 * wash)) + 0.05)
            gl, gr = pan_gains(rng.uniform(-0.6, 0.6))
            surge[0, lo:hi] += a * gl * s
            surge[1, lo:hi] += a * gr * s
            foam[0, lo:hi] += a * gl * fz
            foam[1, lo:hi] += a * gr * fz
        t += period * rng.uniform(0.65, 1.35)
    # between breakers the sea drops to a low murmur: ~10 dB of swing, as on a real shore
    return ctx.bands([(_band(30, 300), 0.12 + 0.45 * surge),
                      (lambda f: _band(250, 2500)(f) * _bump(f, 800, 1.0, 1.8), 0.9 * surge ** 1.5),
                      (lambda f: _band(1500, 12000)(f) * _tilt(f, -2, 3000), 0.7 * foam)], crackle=(3000, 1.5))


@recipe("stream", "bed", "river or stream: babbling water with bubbles and gurgles", level_db=-1)
def stream(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: _band(250, 6000)(f) * _bump(f, 900, 1.2, 2.0),
                    0.55 * np.exp(0.35 * smooth_noise(rng, m, 0.025))),
                   (_band(60, 400), 0.35 * np.exp(0.5 * smooth_noise(rng, m, 0.06)))])
    bank = [_bubble(rng, math.exp(rng.uniform(math.log(350), math.log(3000))), rng.uniform(6, 14),
                    rng.uniform(0.05, 0.6)) for _ in range(40)]
    t = poisson_times(rng, 30 + 70 * i, -0.05, ctx.dur)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size),
            0.45 * np.exp(0.6 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    return y


@recipe("fire", "bed", "fire: low roar, hiss and clustered crackles and pops of burning wood", level_db=-2)
def fire(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(_band(30, 350), 0.5 * np.exp(0.4 * smooth_noise(rng, m, 0.12))),
                   (_band(1800, 9000), (0.06 + 0.08 * i) * np.exp(0.5 * smooth_noise(rng, m, 0.05)))])
    crackles = []
    for _ in range(40):
        k = burst(rng, rng.uniform(0.004, 0.02), rng.uniform(1000, 3000), rng.uniform(6000, 14000),
                  rng.uniform(0.0003, 0.0025))
        if rng.random() < 0.3:  # a resonant snap of a splitting twig
            k = normalise_peak(mix(k, 0.6 * modal([rng.uniform(1200, 3500)], [rng.uniform(0.003, 0.008)], [1.0])))
        crackles.append(k)
    # clusters: one cracking fibre sets off a few neighbours within tens of ms
    centres = poisson_times(rng, 2 + 10 * i, -0.1, ctx.dur)
    sizes = 1 + rng.poisson(2 + 3 * i, centres.size)
    t = np.repeat(centres, sizes) + rng.exponential(0.03, sizes.sum())
    scatter(y, (t * SR).astype(int), crackles, rng.integers(0, len(crackles), t.size),
            0.25 * np.minimum(_heavy_tail(rng, t.size, 2.5), 12), rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    pops = [normalise_peak(mix(burst(rng, 0.05, rng.uniform(300, 800), 3000, rng.uniform(0.005, 0.015)),
                               0.7 * modal([rng.uniform(500, 1200)], [rng.uniform(0.01, 0.03)], [1.0])))
            for _ in range(8)]
    t = poisson_times(rng, 0.2 + 1.0 * i, 0.0, ctx.dur)
    scatter(y, (t * SR).astype(int), pops, rng.integers(0, len(pops), t.size),
            0.8 * np.exp(0.3 * rng.standard_normal(t.size)), rng.uniform(-0.5, 0.5, t.size), ctx.cancel)
    return y


def _cricket_chirp(rng: np.random.Generator, carrier: float, pulses: int, pulse_len: float, pulse_gap: float):
    t = tvec(pulses * (pulse_len + pulse_gap))
    y = np.zeros(t.size)
    w = tvec(pulse_len)
    win = np.sin(math.pi * w / pulse_len) ** 2
    for k in range(pulses):
        s = int(k * (pulse_len + pulse_gap) * SR)
        f = carrier * (1 + 0.01 * rng.standard_normal())
        y[s:s + w.size] += win * (np.sin(2 * math.pi * f * w) + 0.05 * np.sin(4 * math.pi * f * w))
    return normalise_peak(y)


@recipe("crickets", "bed", "crickets and night insects: chirping crickets over a shimmering distant chorus",
        level_db=-4)
def crickets(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: _peak(4600, 0.12)(f) * _band(3000, 8000)(f),
                    (0.12 + 0.15 * i) * np.exp(0.35 * smooth_noise(rng, m, 0.05)))])
    for _ in range(2 + int(5 * i)):
        ctx.check()
        carrier = rng.uniform(3800, 5200)
        if rng.random() < 0.25:  # a trilling species: long bouts of fast pulses
            kern = _cricket_chirp(rng, carrier, int(rng.uniform(30, 60)), 0.012, 0.012)
            period, jitter = rng.uniform(2.5, 5.0), 0.2
        else:
            kern = _cricket_chirp(rng, carrier, int(rng.integers(3, 6)), rng.uniform(0.012, 0.018),
                                  rng.uniform(0.008, 0.014))
            period, jitter = rng.uniform(0.35, 0.8), 0.03
        t = regular_times(rng, period, -rng.uniform(0, period), ctx.dur, jitter)
        gain = math.exp(rng.normal(0, 0.4))
        scatter(y, (t * SR).astype(int), [kern], 0, gain * np.exp(0.1 * rng.standard_normal(t.size)),
                rng.uniform(-0.9, 0.9), ctx.cancel)
    return y


def _bird_phrase(rng: np.random.Generator, style: str) -> np.ndarray:
    parts = []

    def note(f_curve, harmonics=(1.0, 0.08)):
        env = np.sin(np.linspace(0, math.pi, f_curve.size)) ** 1.5
        return chirp(f_curve, harmonics, rng) * env

    if style == "whistle":  # blackbird/robin-like: a few smooth whistled glides with vibrato
        for _ in range(rng.integers(3, 8)):
            d = rng.uniform(0.08, 0.25)
            t = tvec(d)
            f0 = rng.uniform(1800, 3800)
            f = np.linspace(f0, f0 * rng.uniform(0.7, 1.4), t.size)
            f *= 1 + 0.04 * np.sin(2 * math.pi * rng.uniform(25, 40) * t)
            parts += [note(f), np.zeros(int(rng.uniform(0.04, 0.12) * SR))]
    elif style == "trill":  # rapid repeats of one falling syllable
        d, gap = rng.uniform(0.03, 0.05), rng.uniform(0.015, 0.03)
        hi, lo = rng.uniform(4000, 6000), rng.uniform(2500, 3500)
        for _ in range(rng.integers(8, 20)):
            t = tvec(d)
            parts += [note(hi + (lo - hi) * t / d), np.zeros(int(gap * SR))]
    elif style == "chirp":  # sparrow-like cheeps: quick up-down notes, a bit buzzy
        for _ in range(rng.integers(2, 6)):
            d = rng.uniform(0.05, 0.09)
            t = tvec(d)
            peak = rng.uniform(3500, 5000)
            f = peak * (1 - 0.25 * np.abs(2 * t / d - 1))
            parts += [note(f, (1.0, 0.3, 0.1)), np.zeros(int(rng.uniform(0.06, 0.15) * SR))]
    else:  # warble: fast random frequency modulation in bursts
        d = rng.uniform(0.6, 1.5)
        t = tvec(d)
        wob = upsample(smooth_noise(rng, t.size // CTRL + 2, 0.02), t.size)
        f = rng.uniform(2500, 4000) + 700 * wob
        gate = 0.5 + 0.5 * np.sign(np.sin(2 * math.pi * rng.uniform(12, 20) * t))
        parts.append(note(f) * bandpass(gate, None, 200.0, 1))
    return normalise_peak(np.concatenate(parts))


@recipe("birdsong", "bed", "birdsong: several birds (whistles, trills, cheeps, warbles) singing around",
        environment="forest", level_db=-3)
def birdsong(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(_band(800, 6000), 0.02 * np.exp(0.5 * smooth_noise(rng, m, 1.5)))])
    styles = ("whistle", "trill", "chirp", "warble")
    for b in range(3 + int(4 * i)):
        ctx.check()
        style = styles[int(rng.integers(len(styles)))]
        far = rng.uniform(0, 1)
        phrases = [_bird_phrase(rng, style) for _ in range(2)]
        if far > 0.5:
            phrases = [normalise_peak(bandpass(p, None, 6000 - 3000 * far)) for p in phrases]
        t, times = (0.05 + rng.uniform(0, 0.3)) if b == 0 else rng.uniform(-2, 3), []
        while t < ctx.dur:
            times.append(t)
            t += phrases[0].size / SR + rng.exponential(3.0 - 2.0 * i) + 0.4
        times = np.array(times)
        scatter(y, (times * SR).astype(int), phrases, rng.integers(0, 2, times.size),
                (1.0 - 0.6 * far) * np.exp(0.15 * rng.standard_normal(times.size)), rng.uniform(-0.9, 0.9),
                ctx.cancel)
    return y


def _syllable_envelopes(rng: np.random.Generator, m: int, dur: float, voices: int, rate: float) -> np.ndarray:
    """Per-voice speech envelopes at control rate: utterances of syllables separated by pauses."""
    env = np.zeros((voices, m))
    step = CTRL / SR
    for v in range(voices):
        count = int((dur + 4) / 0.2) + 16
        length = rng.uniform(0.09, 0.22, count) / rate
        gap = rng.uniform(0.01, 0.08, count) + (rng.random(count) < 0.1) * rng.exponential(1.2, count)  # pauses
        start = rng.uniform(-3, 0) + np.concatenate([[0.0], np.cumsum(length + gap)[:-1]])
        keep = (start + length > 0) & (start < dur + 1)
        start, length, amp = start[keep], length[keep], rng.uniform(0.4, 1.0, keep.sum())
        points = np.maximum(2, np.round(length / step).astype(int))
        which = np.repeat(np.arange(points.size), points)
        within = np.arange(which.size) - np.repeat(np.cumsum(points) - points, points)
        idx = np.round(start / step).astype(int)[which] + within
        val = np.sin(math.pi * within / (points[which] - 1)) * amp[which]
        ok = (idx >= 0) & (idx < m)
        np.maximum.at(env[v], idx[ok], val[ok])
    return env


def _babble(ctx: Ctx, voices: int, voiced: int, excitement: float) -> np.ndarray:
    """Crowd murmur: speech-shaped noise whose bands follow many talkers' syllable rhythms, plus a few voiced
    talkers (pitched buzz through vowel formants) so it reads as people, not as noise."""
    rng, n = ctx.rng, ctx.n
    m = ctrl_len(n)
    env = _syllable_envelopes(rng, m, ctx.dur, voices, 1.0 + 0.3 * excitement)
    edges = [150, 450, 1100, 2600, 6000]
    specs = []
    for k in range(4):
        w = rng.uniform(0.3, 1.0, voices) * (1.0 if k < 3 else 0.5)
        specs.append((_band(edges[k], edges[k + 1]), (w @ env) / math.sqrt(voices) * [1.0, 0.8, 0.45, 0.2][k]))
    y = ctx.bands(specs)
    src = np.zeros((2, n), _F32)
    for v in range(voiced):
        base = rng.uniform(95, 135) if rng.random() < 0.5 else rng.uniform(180, 240)
        f0 = base * (1 + 0.25 * excitement) * np.exp(0.08 * smooth_noise(rng, m, 0.3))
        ctx.osc(src, f0, env[v] * 0.5, wave=lambda ph: _glottal(ph / _F32(2 * math.pi)), pan=rng.uniform(-0.8, 0.8))
    if voiced:
        vowel = lambda f: _band(120, 3800)(f) * (_bump(f, 550, 0.35, 4.0) + _bump(f, 1500, 0.3, 2.5)
                                               + _bump(f, 2600, 0.25, 1.6) - 2.0)
        h = fir(vowel, 1025)
        for c in range(2):
            def add(start: int, blocks: list[np.ndarray], c: int = c) -> None:
                y[c, start:start + blocks[0].size] += blocks[0] * _F32(0.5)

            convolve_apply(src[c], [h], add, "same", ctx.cancel)
    return y


@recipe("crowd", "bed", "crowd murmur: many people talking at once", environment="indoor", level_db=-1)
def crowd(ctx: Ctx) -> np.ndarray:
    i = ctx.intensity
    return _babble(ctx, voices=int(10 + 30 * i), voiced=3 + int(2 * i), excitement=i)


@recipe("cafe", "bed", "cafe: quiet chatter, cups and spoons clinking, room air", environment="indoor", level_db=-3)
def cafe(ctx: Ctx) -> np.ndarray:
    rng, i = ctx.rng, ctx.intensity
    y = _babble(ctx, voices=int(6 + 10 * i), voiced=2, excitement=0.2 * i)
    y *= _F32(0.8)
    clinks = [modal(rng.uniform(2500, 5500) * np.array([1.0, 1.6, 2.9, 4.2]), [0.15, 0.1, 0.06, 0.04],
                    [1.0, 0.6, 0.4, 0.25], rng=rng) for _ in range(10)]
    t = poisson_times(rng, 0.4 + 1.2 * i, 0.0, ctx.dur)
    scatter(y, (t * SR).astype(int), clinks, rng.integers(0, len(clinks), t.size),
            0.25 * np.exp(0.5 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    return y


@recipe("applause", "sequence", "applause: a crowd clapping, swelling in and dying away", environment="hall",
        level_db=0, natural_length=3.0)
def applause(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    fade = min(1.5, 0.3 * dur)
    shape = np.clip(tc / 0.35, 0, 1) * np.clip((dur - tc) / fade, 0, 1) ** 1.5
    shape *= np.exp(0.15 * smooth_noise(rng, m, 1.0))
    clapper = mix(burst(rng, 0.02, 700, 4500, 0.004, attack=0.0002), 0.5 * modal([1200], [0.004], [1.0]))
    clappers = int(8 + 100 * i)
    # the far crowd: a dense impulse train (thinned by the envelope) through one clap kernel
    x = np.zeros(n, _F32)
    rate = clappers * 4.5
    k = rng.poisson(rate * dur)
    pos = rng.integers(0, n, k)
    keep = rng.random(k) < shape[pos // CTRL]
    np.add.at(x, pos[keep], _heavy_tail(rng, int(keep.sum()), 4.0, 3.0).astype(_F32) * rng.choice([-1, 1], keep.sum()))
    y = np.zeros((2, n), _F32)
    for c in range(2):  # odd and even impulses to either side: the crowd spreads over the stereo field
        xc = x.copy()
        xc[c::2] = 0
        y[c] = convolve(xc, [clapper], mode="causal", cancel=ctx.cancel)[0] * _F32(0.3)
    # the front rows: distinct clappers with their own hand shapes and rhythms
    bank = [mix(burst(rng, 0.03, rng.uniform(600, 1200), rng.uniform(3000, 6000), rng.uniform(0.002, 0.006),
                      attack=0.0002),
                0.6 * modal([rng.uniform(800, 2000)], [rng.uniform(0.003, 0.008)], [1.0])) for _ in range(12)]
    for c in range(6 + int(4 * i)):
        t = regular_times(rng, 1 / rng.uniform(3.5, 5.5), rng.uniform(0, 0.3), dur, 0.06)
        g = shape[np.clip((t * SR / CTRL).astype(int), 0, m - 1)] * rng.uniform(0.3, 0.7)
        scatter(y, (t * SR).astype(int), bank, c % len(bank), g, rng.uniform(-0.9, 0.9), ctx.cancel)
    return y


@recipe("room_tone", "bed", "room tone: the quiet air of a room (ventilation, a faint hum)", environment="indoor",
        level_db=-10)
def room_tone(ctx: Ctx) -> np.ndarray:
    rng, n = ctx.rng, ctx.n
    m = ctrl_len(n)
    drift = np.exp(0.06 * smooth_noise(rng, m, 5.0))
    y = ctx.bands([(lambda f: _band(40, 900)(f) * _tilt(f, -4, 100), drift),
                   (lambda f: _band(900, 6000)(f) * _tilt(f, -3, 900), 0.25 * drift)])
    mains = rng.choice([50.0, 60.0])  # a faint mains hum, as any room with electricity has
    ctx.osc(y, np.full(m, mains), 0.04, wave=lambda ph: np.sin(ph) + _F32(0.5) * np.sin(3 * ph))
    return y


@recipe("wind_chimes", "bed", "wind chimes: tuned metal tubes struck by the breeze", level_db=-3)
def wind_chimes(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    gust = _gusts(rng, m, i)
    y = ctx.bands([(_band(150, 2500), 0.08 * gust)])
    base = rng.uniform(900, 1300)
    tubes = [modal(base * r * np.array([1.0, 2.76, 5.40, 8.93]), np.array([1.6, 0.8, 0.4, 0.2]) * rng.uniform(0.8, 1.2),
                   [1.0, 0.5, 0.3, 0.15], dur=min(ctx.dur, 5.0), rng=rng) for r in (1.0, 9 / 8, 5 / 4, 3 / 2, 5 / 3)]
    t = poisson_times(rng, 0.8 + 3.5 * i, -0.2, ctx.dur)
    t = t[rng.random(t.size) < _env_at(gust, t) * 1.5]  # the chimes ring when the gusts blow
    scatter(y, (t * SR).astype(int), tubes, rng.integers(0, len(tubes), t.size),
            0.4 * np.exp(0.4 * rng.standard_normal(t.size)), rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    return y


# ---------------------------------------------------------------------------------------------------------------
# Weather and nature events
# ---------------------------------------------------------------------------------------------------------------

def _thunder_strike(rng: np.random.Generator, closeness: float, length: float) -> np.ndarray:
    # thunder is a diffuse source: two independent renderings of the same swells make a wide (2, L) image
    rumble_env = _thunder_env(rng, closeness, length)
    chans = [_thunder_channel(rng, closeness, length, rumble_env) for _ in range(2)]
    return normalise_peak(np.stack(chans))


def _thunder_delay(closeness: float, length: float) -> float:
    """Far strikes build up slowly; a short clip still has to hear its thunder."""
    return min(0.02 + 0.6 * (1 - closeness), 0.3 * length)


def _thunder_env(rng: np.random.Generator, closeness: float, length: float) -> np.ndarray:
    """One lightning strike heard from a distance: close ones open with a tearing crack, every one rolls on as
    a rumble of overlapping swells (the sound arriving from different parts of the channel)."""
    m = int(length * SR) // CTRL + 2
    tc = np.arange(m) * CTRL / SR
    env = np.zeros(m)
    delay = _thunder_delay(closeness, length)
    s = delay
    for _ in range(rng.integers(4, 9)):  # separate swells: the roll of thunder, not a steady roar
        a = math.exp(-(s - delay) / (1.5 + 2.0 * closeness)) * math.exp(rng.normal(0, 0.5))
        rise, fall = rng.uniform(0.05, 0.3) * (1.5 - closeness), rng.uniform(0.3, 1.2)
        u = np.maximum(tc - s, 0)
        env += a * (1 - np.exp(-u / rise)) * np.exp(-u / fall)
        s += rng.exponential(0.6)
    return env * np.clip((length - tc) / 0.5, 0, 1)


def _thunder_channel(rng: np.random.Generator, closeness: float, length: float, env: np.ndarray) -> np.ndarray:
    n = max(1, int(round(length * SR)))
    taps = 2049
    cutoff = 120 + 250 * closeness
    lo, mid = convolve(_white(rng, n + taps - 1), [fir(_band(20, cutoff)), fir(_band(cutoff, 4 * cutoff))],
                       mode="valid")
    y = lo + _F32(0.35) * mid
    y *= upsample(env, n)
    if closeness > 0.4:  # the tearing crack of a near strike: a burst of crackle ahead of the rumble
        delay = _thunder_delay(closeness, length)
        span = min(n, int((delay + 1.0) * SR))
        k = rng.poisson(360)
        imp = np.zeros(span)
        pos = np.clip(((delay + rng.exponential(0.12, k)) * SR).astype(int), 0, span - 1)
        np.add.at(imp, pos, _heavy_tail(rng, k) * rng.choice([-1.0, 1.0], k))
        crack = bandpass(imp, 200, 7000, 2)
        y[:span] += (2.0 * (closeness - 0.4) * np.abs(y).max() / (np.abs(crack).max() + 1e-9) * crack).astype(_F32)
    return y


@recipe("thunder", "sequence", "thunder: cracks and long rolling rumbles, several strikes in a long clip",
        distance="far", level_db=12, natural_length=6.0)
def thunder(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    t, first = onset(dur, 0.08, 0.6), True
    while t < dur - 0.05:
        ctx.check()
        closeness = min(1.0, 0.7 * i + rng.uniform(0, 0.35)) if first else rng.uniform(0, 0.6 + 0.4 * i)
        strike = _thunder_strike(rng, closeness, min(9.0, dur - t + 0.05))
        place(y, int(t * SR), strike, 0.5 + 0.5 * closeness)
        t += rng.uniform(8, 25) * (1.3 - 0.6 * i)
        first = False
    return y


@recipe("water_drip", "sequence", "water dripping: drops falling into a puddle, one or a few steady sources",
        environment="indoor", level_db=-3, natural_length=1.0)
def water_drip(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    for src in range(1 + int(i > 0.4) + int(i > 0.75)):
        f0 = rng.uniform(600, 1600)
        bank = [mix(_bubble(rng, f0 * rng.uniform(0.97, 1.03), rng.uniform(20, 45), rng.uniform(0.3, 0.8)),
                    0.2 * burst(rng, 0.005, 2000, 8000, 0.0005)) for _ in range(4)]
        period = rng.uniform(0.7, 2.2) * (1.3 - 0.6 * i)
        t0 = onset(dur, 0.05, 0.1) if src == 0 else rng.uniform(0, period)
        t = regular_times(rng, period, t0, dur, 0.05)
        scatter(y, (t * SR).astype(int), bank, rng.integers(0, 4, t.size),
                (1.0 if src == 0 else 0.6) * np.exp(0.15 * rng.standard_normal(t.size)), rng.uniform(-0.6, 0.6))
    return y


def _call_series(rng: np.random.Generator, dur: float, first: float, kernels: list[np.ndarray], per_series: tuple,
                 spacing: tuple, gap: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Animal calls in series ("kee-ow kee-ow kee-ow", "woof woof"), series separated by pauses."""
    times, which = [], []
    t = first
    while t < dur:
        for k in range(int(rng.integers(per_series[0], per_series[1] + 1))):
            if t >= dur:
                break
            j = int(rng.integers(len(kernels)))
            times.append(t)
            which.append(j)
            t += kernels[j].size / SR + rng.uniform(*spacing)
        t += rng.uniform(*gap)
    return np.array(times), np.array(which, int)


def _gull_call(rng: np.random.Generator, f_base: float, short: bool) -> np.ndarray:
    d = rng.uniform(0.1, 0.16) if short else rng.uniform(0.25, 0.45)
    t = tvec(d)
    u = t / d
    f = f_base * np.where(u < 0.25, 1 + 0.15 * u / 0.25, 1.15 - 0.5 * (u - 0.25) / 0.75)
    y = chirp(f, (1.0, 0.6, 0.45, 0.3, 0.2, 0.1), rng)
    y *= 1 + 0.2 * np.sin(2 * math.pi * rng.uniform(60, 90) * t)  # the raucous roughness of a gull's voice
    y = y + 0.8 * resonate(y, [2500], [3.0])
    env = np.minimum(1, t / 0.015) * np.minimum(1, (d - t) / 0.06)
    return normalise_peak(y * env)


@recipe("seagulls", "sequence", "seagulls: calling gulls overhead, long calls and laughing series",
        level_db=-2, natural_length=2.0)
def seagulls(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    for g in range(2 + int(2 * i)):
        f_base = rng.uniform(1300, 1700)
        calls = [_gull_call(rng, f_base * rng.uniform(0.95, 1.05), short=rng.random() < 0.4) for _ in range(4)]
        first = onset(dur, 0.04, 0.15) if g == 0 else rng.uniform(0, 6)
        t, which = _call_series(rng, dur, first, calls, (2, 7), (0.08, 0.25), (2.5, 9.0))
        far = rng.uniform(0.3, 1.0) if g else 1.0
        scatter(y, (t * SR).astype(int), calls, which, far * np.exp(0.1 * rng.standard_normal(t.size)),
                rng.uniform(-0.8, 0.8), ctx.cancel)
    return y


def _hoot(rng: np.random.Generator, f0: float, d: float, tremolo: float = 0.0) -> np.ndarray:
    t = tvec(d)
    f = f0 * (1 - 0.08 * t / d)
    y = chirp(f, (1.0, 0.15, 0.05), rng)
    y += 0.05 * bandpass(rng.standard_normal(t.size), f0 * 1.5, f0 * 3)
    if tremolo:
        y *= 1 - 0.5 * (0.5 + 0.5 * np.sin(2 * math.pi * tremolo * t))
    env = np.minimum(1, t / 0.04) * np.minimum(1, (d - t) / 0.12)
    return normalise_peak(y * env)


@recipe("owl", "sequence", "owl: soft hooting phrases in the night", environment="forest", level_db=-4,
        natural_length=3.0)
def owl(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    y = ctx.zeros()
    for o in range(1 + int(ctx.intensity > 0.6)):
        f0 = rng.uniform(330, 420)
        # tawny-owl phrase: "hoo" ... "hu-hu-hooooo"
        notes = [(0.0, _hoot(rng, f0, 0.45)), (1.9, _hoot(rng, f0, 0.15)), (2.15, _hoot(rng, f0, 0.15)),
                 (2.4, _hoot(rng, f0 * 0.98, 0.8, tremolo=7.0))]
        t = onset(dur, 0.05, 0.2) if o == 0 else rng.uniform(2, 8)
        gain = 1.0 if o == 0 else 0.45
        pan = rng.uniform(-0.5, 0.5)
        while t < dur:
            for dt, k in notes:
                scatter(y, [int((t + dt) * SR)], [k], 0, gain, pan)
            t += 3.2 + rng.uniform(5, 12)
    return y


def _howl(rng: np.random.Generator, d: float) -> np.ndarray:
    t = tvec(d)
    lo, hi = rng.uniform(300, 380), rng.uniform(550, 700)
    f = lo + (hi - lo) * np.clip(t / 0.4, 0, 1) ** 0.7
    f = f * (1 - 0.3 * np.clip((t - (d - 0.8)) / 0.8, 0, 1))  # the howl sinks at its end
    f *= 1 + 0.015 * np.sin(2 * math.pi * 5 * t) + 0.02 * upsample(smooth_noise(rng, t.size // CTRL + 2, 0.4), t.size)
    y = chirp(f, (1.0, 0.25, 0.12, 0.05), rng) + 0.04 * bandpass(rng.standard_normal(t.size), 500, 3000)
    env = np.minimum(1, t / 0.15) * np.minimum(1, (d - t) / 0.6)
    return normalise_peak(y * env)


@recipe("wolf_howl", "sequence", "wolf howling: long rising and sinking howls, others answering",
        environment="forest", distance="medium", level_db=0, natural_length=3.0)
def wolf_howl(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    y = ctx.zeros()
    for w in range(1 + int(ctx.intensity > 0.5)):
        t = onset(dur, 0.05, 0.2) if w == 0 else rng.uniform(1.0, 4.0)
        while t < dur:
            k = _howl(rng, min(rng.uniform(2.0, 4.0), max(0.5, dur - t + 0.3)))
            scatter(y, [int(t * SR)], [k], 0, 1.0 if w == 0 else 0.5, rng.uniform(-0.6, 0.6))
            t += k.size / SR + rng.uniform(4, 12)
    return y


@recipe("boat_creak", "bed", "wooden boat: hull and rope creaking with the swell, water lapping the hull",
        level_db=-2)
def boat_creak(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    period = rng.uniform(5, 8) * (1.2 - 0.4 * i)
    phase = rng.uniform(0, 2 * math.pi)
    swell = 0.5 + 0.5 * np.sin(2 * math.pi * tc / period + phase)
    y = ctx.bands([(lambda f: _band(60, 700)(f) * _tilt(f, -3, 200), 0.25 * (0.4 + 0.6 * swell))])
    laps = [normalise_peak(mix(bandpass(rng.standard_normal(int(0.4 * SR)), 150, 1500)
                               * np.exp(-tvec(0.4) / 0.12) * np.minimum(1, tvec(0.4) / 0.03),
                               0.3 * burst(rng, 0.3, 1500, 5000, 0.06, attack=0.02))) for _ in range(8)]
    t = poisson_times(rng, 0.8 + 1.2 * i, -0.3, dur)
    scatter(y, (t * SR).astype(int), laps, rng.integers(0, 8, t.size), 0.3 * np.exp(0.4 * rng.standard_normal(t.size)),
            rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    creaks = [_creak(rng, rng.uniform(0.4, 1.2), rng.uniform(15, 35), rng.uniform(50, 110),
                     sorted(rng.uniform(200, 950, 4))) for _ in range(5)]
    # the hull and the ropes strain as the swell turns over
    turn = np.arange(math.floor(-phase / math.pi) - 1, dur / (period / 2) + 1) * period / 2 \
        + (period / 4 - phase * period / (2 * math.pi))
    turn = turn[(turn > -1) & (turn < dur)] + rng.normal(0, 0.3, turn[(turn > -1) & (turn < dur)].size)
    keep = rng.random(turn.size) < 0.6 + 0.4 * i
    turn = turn[keep]
    if turn.size == 0 or turn[0] > 0.6:
        turn = np.concatenate([[onset(dur, 0.05, 0.2)], turn])  # every clip, however short, hears the boat
    scatter(y, (turn * SR).astype(int), creaks, rng.integers(0, 5, turn.size),
            0.6 * np.exp(0.3 * rng.standard_normal(turn.size)), rng.uniform(-0.5, 0.5, turn.size))
    return y


# ---------------------------------------------------------------------------------------------------------------
# Footfalls: people and horses on different surfaces
# ---------------------------------------------------------------------------------------------------------------

SURFACES = ("wood", "stone", "gravel", "snow", "grass", "metal")


def _grains(rng: np.random.Generator, count: int, span: float, lo: float, hi: float, decay: tuple) -> np.ndarray:
    """A crunch: many tiny fractures (gravel shifting, snow crystals breaking) front-loaded over `span` s."""
    y = np.zeros(int((span + 5 * decay[1]) * SR) + 1)
    length = int(5 * decay[1] * SR) + 1
    t = np.arange(length) / SR
    times = span * rng.beta(1.2, 2.5, count)
    amps = np.exp(-times / (0.5 * span)) * rng.uniform(0.3, 1.0, count)
    for t0, a, d in zip(times, amps, rng.uniform(*decay, count)):
        s = int(t0 * SR)
        y[s:s + length] += a * rng.standard_normal(length) * np.exp(-t / d)
    return normalise_peak(bandpass(y, lo, hi))


def _footfall(rng: np.random.Generator, surface: str, weight: float = 1.0) -> np.ndarray:
    """One footstep (heel strike, then the roll to the toe) on a surface."""
    u = rng.uniform
    toe_at = int(u(0.045, 0.09) * SR)
    if surface == "wood":
        body = modal([u(90, 130), u(200, 260), u(420, 520), u(900, 1100), u(1800, 2300)],
                     [0.05, 0.035, 0.02, 0.012, 0.006], [1.0, 0.7, 0.5, 0.35, 0.2], rng=rng)
        heel = mix(body, 0.3 * burst(rng, 0.01, 1500, 6000, 0.0015))
        toe = 0.45 * modal([u(110, 150), u(300, 380), u(700, 900)], [0.03, 0.02, 0.01], [1.0, 0.6, 0.3], rng=rng)
        if rng.random() < 0.15:  # an old board gives a short creak
            toe = mix(toe, 0.35 * _creak(rng, u(0.1, 0.2), 60, 160, [u(500, 800), u(1100, 1500)]))
    elif surface == "stone":
        heel = mix(burst(rng, 0.03, 1800, 9000, 0.003), 0.4 * modal([u(2200, 3200), u(3600, 4800)], [0.008, 0.005],
                                                                     [1.0, 0.7], rng=rng),
                   0.5 * modal([u(70, 110)], [0.03], [1.0]))
        toe = 0.25 * burst(rng, 0.06, 1500, 6000, 0.012, attack=0.005)  # the sole scuffs as it rolls
    elif surface == "gravel":
        heel = mix(_grains(rng, int(u(25, 60)), u(0.12, 0.2), 1200, 6000, (0.0005, 0.0012)),
                   0.35 * modal([u(80, 120)], [0.04], [1.0]))
        toe = 0.5 * _grains(rng, int(u(10, 25)), u(0.06, 0.1), 1500, 7000, (0.0004, 0.001))
    elif surface == "snow":
        heel = mix(_grains(rng, int(u(15, 35)), u(0.18, 0.28), 400, 3500, (0.001, 0.003)),
                   0.4 * _creak(rng, u(0.12, 0.2), 150, 350, [u(900, 1300), u(1800, 2400)]),
                   0.4 * modal([u(60, 90)], [0.05], [1.0]))
        toe = 0.3 * _grains(rng, int(u(8, 15)), 0.1, 500, 3000, (0.001, 0.002))
    elif surface == "grass":
        d = u(0.15, 0.25)
        t = tvec(d)
        rustle = bandpass(rng.standard_normal(t.size), 1800, 9000) * np.minimum(1, t / 0.02) * np.exp(-t / (0.4 * d))
        heel = mix(normalise_peak(rustle), 0.3 * _grains(rng, int(u(5, 12)), d, 2000, 8000, (0.0003, 0.001)),
                   0.4 * modal([u(60, 90)], [0.04], [1.0]))
        toe = 0.4 * normalise_peak(bandpass(rng.standard_normal(int(0.1 * SR)), 2000, 8000)
                                   * np.exp(-tvec(0.1) / 0.03))
    else:  # metal: a grate or a ship's deck rings
        heel = mix(modal([u(400, 600), u(1100, 1500), u(2300, 2900), u(3900, 4600)], [0.12, 0.08, 0.05, 0.03],
                         [1.0, 0.7, 0.5, 0.3], rng=rng), 0.4 * burst(rng, 0.01, 2000, 9000, 0.001))
        toe = 0.35 * modal([u(500, 700), u(1300, 1700)], [0.06, 0.04], [1.0, 0.6], rng=rng)
    y = np.zeros(max(heel.size, toe_at + toe.size), _F32)
    y[:heel.size] += heel * weight
    y[toe_at:toe_at + toe.size] += toe
    return normalise_peak(y)


@recipe("footsteps", "sequence", "footsteps: someone walking (or running, at high intensity) on wood, stone, "
        "gravel, snow, grass or metal", environment="indoor", level_db=1, natural_length=1.5, surfaces=SURFACES)
def footsteps(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    surface = ctx.surface or "wood"
    y = ctx.zeros()
    bank = [_footfall(rng, surface, weight=1.0 + 0.5 * i) for _ in range(10)]
    rate = 1.4 + 1.6 * i  # steps per second: a stroll at 0, ~2 at a normal walk, a run at 1
    t = regular_times(rng, 1 / rate, onset(dur, 0.05, 0.12), dur, 0.04)
    foot = np.arange(t.size) % 2
    gains = np.exp(0.12 * rng.standard_normal(t.size)) * np.where(foot, 0.85, 1.0)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size), gains, np.where(foot, 0.12, -0.12),
            ctx.cancel)
    return y


def _hoof(rng: np.random.Generator, surface: str) -> np.ndarray:
    u = rng.uniform
    if surface in ("stone", "metal", "wood"):  # the hollow clip-clop of a shod hoof on a hard floor
        base = {"stone": 1.0, "metal": 1.6, "wood": 0.55}[surface]
        return normalise_peak(mix(modal(base * np.array([u(500, 700), u(1100, 1400), u(2200, 2800)]),
                                        [0.02, 0.012, 0.006], [1.0, 0.6, 0.3], rng=rng),
                                  0.6 * burst(rng, 0.006, 2000, 9000, 0.0008),
                                  0.4 * modal([u(90, 120)], [0.03], [1.0])))
    thud = mix(modal([u(60, 90), u(130, 170)], [0.05, 0.03], [1.0, 0.5], rng=rng),
               0.8 * burst(rng, 0.05, 80, 900, 0.015))
    if surface == "gravel":
        thud = mix(thud, 0.5 * _grains(rng, 25, 0.1, 1200, 6000, (0.0005, 0.001)))
    elif surface == "snow":
        thud = mix(thud, 0.4 * _grains(rng, 15, 0.15, 400, 3000, (0.001, 0.002)))
    else:
        thud = mix(thud, 0.15 * _grains(rng, 8, 0.06, 1500, 6000, (0.0003, 0.001)))
    return normalise_peak(thud)


@recipe("horse_hooves", "sequence", "horse hooves: walk, trot or gallop (by intensity) on stone, dirt, gravel...",
        level_db=1, natural_length=2.0, surfaces=("stone", "grass", "gravel", "snow", "wood", "metal"))
def horse_hooves(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    if i < 0.35:
        stride, beats, default = 1.0, [0.0, 0.25, 0.5, 0.75], "stone"  # walk: four even beats
    elif i < 0.7:
        stride, beats, default = 0.7, [0.0, 0.02, 0.5, 0.52], "stone"  # trot: diagonal pairs, slightly flammed
    else:
        stride, beats, default = 0.42, [0.0, 0.2, 0.4, 0.55], "grass"  # gallop: four quick beats, then flight
    surface = ctx.surface or default
    bank = [_hoof(rng, surface) for _ in range(8)]
    starts = regular_times(rng, stride, onset(dur, 0.05, 0.1), dur, 0.02)
    t = (starts[:, None] + np.array(beats)[None, :] * stride).ravel()
    t = t[t < dur]
    gains = np.tile([1.0, 0.8, 0.9, 0.75], starts.size)[:t.size] * np.exp(0.1 * rng.standard_normal(t.size))
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 8, t.size), gains, rng.uniform(-0.15, 0.15, t.size),
            ctx.cancel)
    return y


# ---------------------------------------------------------------------------------------------------------------
# Doors, rooms and household things
# ---------------------------------------------------------------------------------------------------------------

def _knock(rng: np.random.Generator, force: float) -> np.ndarray:
    """A knuckle on a wooden door: the panel's low modes ring briefly; harder knocks excite the upper ones."""
    u = rng.uniform
    body = modal([u(85, 110), u(160, 200), u(240, 300), u(380, 460), u(600, 720), u(950, 1150), u(1500, 1900)],
                 [0.09, 0.07, 0.05, 0.035, 0.025, 0.015, 0.008],
                 [1.0, 0.8, 0.7, 0.6, 0.45 * (0.5 + force), 0.3 * (0.3 + force), 0.2 * force], rng=rng,
                 attack=0.001)
    return normalise_peak(mix(body, (0.15 + 0.25 * force) * burst(rng, 0.01, 1200, 6000, 0.0008)))


@recipe("door_knock", "sequence", "knocking on a wooden door: knock-knock-knock, repeated after a pause",
        environment="indoor", level_db=3, natural_length=1.0)
def door_knock(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    bank = [_knock(rng, i) for _ in range(6)]
    y = ctx.zeros()
    t = onset(dur, 0.05, 0.12)
    times = []
    while t < dur:
        count = 3 if i < 0.7 else int(rng.integers(4, 7))  # insistent knocking is longer
        spacing = rng.uniform(0.17, 0.23) * (1.1 - 0.3 * i)
        times += [t + k * spacing * (1 + 0.04 * rng.standard_normal()) for k in range(count)]
        t += count * spacing + rng.uniform(2.5, 5.0) * (1.2 - 0.5 * i)
    times = np.array([x for x in times if x < dur])
    scatter(y, (times * SR).astype(int), bank, rng.integers(0, 6, times.size),
            np.exp(0.1 * rng.standard_normal(times.size)), 0.0)
    return y


@recipe("door_creak", "event", "a door creaking open on old hinges", environment="indoor", level_db=1,
        natural_length=1.5)
def door_creak(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.1)
    length = min(rng.uniform(1.2, 2.5) * (1.2 - 0.4 * i), dur - start)
    body = sorted(rng.uniform(450, 2400, 4))
    k = _creak(rng, max(length, 0.05), rng.uniform(20, 60), rng.uniform(90, 220), body)
    y = ctx.zeros()
    scatter(y, [int(start * SR)], [k], 0, 1.0, rng.uniform(-0.3, 0.3))
    return y


@recipe("door_slam", "event", "a door slammed shut: a heavy thud, a crack, the latch and frame rattling",
        environment="indoor", level_db=6, natural_length=1.0)
def door_slam(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    start = onset(dur, 0.08, 0.3)
    thud = modal([u(55, 70), u(80, 100), u(115, 140), u(190, 240)], [0.15, 0.12, 0.08, 0.05], [1.0, 0.9, 0.6, 0.4],
                 rng=rng, attack=0.002)
    crack = burst(rng, 0.05, 200, 6000, 0.008)
    rattle = modal([u(2000, 2600), u(3100, 3700), u(4300, 5200)], [0.05, 0.04, 0.03], [1.0, 0.7, 0.5], rng=rng)
    latch = burst(rng, 0.01, 2500, 10000, 0.0008)
    k = mix(thud, (0.5 + 0.4 * i) * crack, np.concatenate([np.zeros(int(0.012 * SR), _F32), 0.25 * rattle]),
            np.concatenate([np.zeros(int(0.004 * SR), _F32), 0.3 * latch]))
    y = ctx.zeros()
    pre = 0.25  # the swing of the door pushes a little air before the hit
    swish = burst(rng, pre, 200, 1200, pre / 2, attack=pre / 2) * 0.08
    scatter(y, [int(max(0.0, start - pre) * SR)], [swish[-int(min(pre, start) * SR) - 1:]], 0, 1.0, 0.0)
    scatter(y, [int(start * SR)], [normalise_peak(k)], 0, 1.0, 0.0)
    return y


@recipe("clock", "sequence", "a mechanical clock ticking: tick, tock, once a second", environment="indoor",
        level_db=-4, natural_length=2.0)
def clock(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    bright = 0.6 + 0.4 * i
    tick_f = np.array([u(2400, 2900), u(3700, 4300), u(5200, 6000), u(900, 1100)])
    kern = [normalise_peak(mix(modal(tick_f * s, [0.006, 0.004, 0.003, 0.02], [1.0, 0.7 * bright, 0.5 * bright, 0.35],
                                     rng=rng), 0.3 * burst(rng, 0.004, 3000, 12000, 0.0004))) for s in (1.0, 0.85)]
    t = regular_times(rng, 1.0, onset(dur, 0.05, 0.1), dur, 0.003)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), kern, np.arange(t.size) % 2, np.where(np.arange(t.size) % 2, 0.8, 1.0), 0.0)
    return y


def _bell(rng: np.random.Generator, prime: float, size: float, dur: float) -> np.ndarray:
    """A cast bell's partials (hum, prime, minor-third tierce, quint, nominal, ...), each a slightly split pair
    that beats slowly, as a real bell's imperfect symmetry makes it."""
    ratios = np.array([0.5, 1.0, 1.19, 1.5, 2.0, 2.5, 2.67, 3.0, 4.0, 5.33, 6.0])
    decays = np.array([9, 5.5, 4.5, 3.0, 3.3, 1.8, 1.6, 1.3, 0.9, 0.6, 0.45]) * size
    amps = np.array([0.5, 0.6, 0.9, 0.35, 1.0, 0.45, 0.5, 0.35, 0.3, 0.2, 0.15])
    split = 1 + rng.uniform(0.0005, 0.003, ratios.size)
    f = np.concatenate([prime * ratios, prime * ratios * split])
    y = modal(f, np.concatenate([decays, decays]), np.concatenate([amps, 0.6 * amps]),
              dur=min(dur, 6.9 * decays.max()), rng=rng, attack=0.001)
    return normalise_peak(mix(y, 0.25 * burst(rng, 0.05, 800, 8000, 0.008)))


@recipe("church_bell", "sequence", "a church bell tolling, its long ringing decays overlapping",
        distance="medium", level_db=2, natural_length=4.0)
def church_bell(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    k = _bell(rng, rng.uniform(220, 330), 1.0, min(dur, 8.0))
    t = regular_times(rng, rng.uniform(2.5, 3.2) * (1.2 - 0.4 * i), onset(dur, 0.03, 0.1), dur, 0.015)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [k], 0, np.exp(0.08 * rng.standard_normal(t.size)), 0.0)
    return y


@recipe("small_bell", "sequence", "a small bell: a ding, or ringing by hand at high intensity",
        environment="indoor", level_db=0, natural_length=1.5)
def small_bell(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    prime = rng.uniform(1400, 2400)
    k = modal(prime * np.array([1.0, 2.32, 4.25, 6.63, 9.38]), [1.6, 0.9, 0.5, 0.3, 0.2], [1.0, 0.6, 0.4, 0.25, 0.15],
              dur=min(dur, 3.0), rng=rng, attack=0.0003)
    y = ctx.zeros()
    t = onset(dur, 0.04, 0.1)
    while t < dur:
        if i < 0.6:  # a ding, maybe a second one
            strikes = t + np.array([0.0, 0.35])[: int(rng.integers(1, 3))]
        else:  # rung by hand: quick strikes for a second or so
            strikes = t + np.arange(int(rng.integers(5, 10))) / rng.uniform(5, 7)
        scatter(y, (strikes * SR).astype(int), [k], 0, np.exp(0.15 * rng.standard_normal(strikes.size)),
                rng.uniform(-0.3, 0.3))
        t = strikes[-1] + rng.uniform(5, 9)
    return y


@recipe("phone_ring", "sequence", "an old telephone ringing: a bell hammered for two seconds, then a pause",
        environment="indoor", level_db=1, natural_length=2.5)
def phone_ring(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    gongs = [modal(rng.uniform(1800, 2200) * np.array([1.0, 2.1, 3.3, 4.6]) * s, [0.25, 0.15, 0.08, 0.05],
                   [1.0, 0.6, 0.4, 0.25], dur=min(dur, 1.5), rng=rng) for s in (1.0, 1.04)]
    t0 = regular_times(rng, 6.0, onset(dur, 0.03, 0.1), dur)
    strikes = (t0[:, None] + np.arange(40)[None, :] / 20.0).ravel()  # the clapper between two gongs at 20 Hz
    strikes = strikes[strikes < dur]
    y = ctx.zeros()
    scatter(y, (strikes * SR).astype(int), gongs, np.arange(strikes.size) % 2,
            0.5 * np.exp(0.1 * rng.standard_normal(strikes.size)), 0.0)
    return y


@recipe("typing", "sequence", "typing on a keyboard: bursts of keystrokes, a thumping space bar, pauses",
        environment="indoor", level_db=-2, natural_length=2.0)
def typing(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform

    def key(lo_scale):
        press = mix(burst(rng, 0.02, u(1500, 3000) * lo_scale, u(6000, 10000), u(0.001, 0.002)),
                    0.5 * modal([u(350, 600), u(900, 1400), u(2000, 3000)], [0.012, 0.008, 0.004], [1.0, 0.6, 0.4],
                                rng=rng))
        bottom = 0.5 * burst(rng, 0.02, 200, 1500, 0.003)
        return normalise_peak(mix(press, np.concatenate([np.zeros(int(u(0.005, 0.008) * SR), _F32), bottom])))

    keys = [key(1.0) for _ in range(10)]
    space = key(0.5)
    release = [0.3 * key(1.3) for _ in range(3)]
    bank = keys + [space] + release
    times, which = [], []
    t = onset(dur, 0.05, 0.1)
    speed = 0.7 + 0.6 * i
    words = 0
    while t < dur:
        for _ in range(int(rng.integers(3, 9))):
            times.append(t)
            which.append(int(rng.integers(10)))
            times.append(t + u(0.06, 0.1))
            which.append(11 + int(rng.integers(3)))
            t += u(0.07, 0.16) / speed
        times.append(t)
        which.append(10)
        t += u(0.1, 0.2) / speed
        words += 1
        if words % int(rng.integers(6, 13)) == 0:
            t += u(0.5, 1.5)  # end of a sentence: a pause to think
    times, which = np.array(times), np.array(which)
    keep = times < dur
    y = ctx.zeros()
    scatter(y, (times[keep] * SR).astype(int), bank, which[keep], np.exp(0.15 * rng.standard_normal(keep.sum())),
            rng.uniform(-0.3, 0.3, keep.sum()), ctx.cancel)
    return y


@recipe("page_turn", "sequence", "paper: a page turned, a rustle and flap of a sheet", environment="indoor",
        level_db=-2, natural_length=0.8)
def page_turn(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur

    def turn():
        d = rng.uniform(0.35, 0.6)
        t = tvec(d)
        shape = np.sin(math.pi * t / d) ** 1.5
        imp = np.zeros(t.size)
        k = rng.poisson(800 * d)
        imp[rng.integers(0, t.size, k)] = rng.standard_normal(k)
        crinkle = bandpass(imp, 1500, 9000) * shape
        swish = bandpass(rng.standard_normal(t.size), 800, 6000) * shape ** 2
        flap = modal([rng.uniform(150, 400)], [0.02], [1.0])
        y = normalise_peak(crinkle) + 0.5 * normalise_peak(swish)
        y[-flap.size:] += 0.2 * flap[:y.size]
        return normalise_peak(y)

    bank = [turn() for _ in range(4)]
    t = [onset(dur, 0.05, 0.1)]
    while t[-1] + 3 < dur:
        t.append(t[-1] + rng.uniform(2.5, 7.0))
    t = np.array(t)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 4, t.size), 1.0, rng.uniform(-0.3, 0.3, t.size))
    return y


@recipe("heartbeat", "sequence", "a heartbeat: lub-dub, faster and harder with intensity", environment="indoor",
        distance="close", level_db=0, natural_length=2.0)
def heartbeat(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur

    def thump(f_hi, f_lo, decay, d=0.16):
        t = tvec(d)
        f = f_lo + (f_hi - f_lo) * np.exp(-t / 0.03)
        y = chirp(f, (1.0, 0.3, 0.1), rng) * np.minimum(1, t / 0.008) * np.exp(-t / decay)
        y += 0.3 * resonate(y, [140], [2.0])  # a little chest resonance so small speakers hear it too
        return normalise_peak(y + 0.4 * bandpass(rng.standard_normal(t.size), 20, 180) * np.exp(-t / 0.03))

    s1, s2 = thump(65, 40, 0.05), thump(85, 55, 0.035)
    period = 60.0 / (58 + 75 * i)
    beats = regular_times(rng, period, onset(dur, 0.05, 0.1), dur, 0.02)
    t = np.concatenate([beats, beats + 0.3 * math.sqrt(period)])
    which = np.concatenate([np.zeros(beats.size, int), np.ones(beats.size, int)])
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [s1, s2], which, np.where(which, 0.7, 1.0), 0.0)
    return y


@recipe("breathing", "bed", "breathing: slow breaths, or panting at high intensity", environment="indoor",
        distance="close", level_db=-3)
def breathing(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    inhale, exhale = np.zeros(m), np.zeros(m)
    period = 4.0 - 2.2 * i
    t = onset(dur, 0.03, 0.1) - rng.uniform(0, period) * (dur > 3)
    while t < dur:
        p = period * rng.uniform(0.9, 1.1)
        for env, a, b, g in ((inhale, t, t + 0.4 * p, 0.7), (exhale, t + 0.42 * p, t + 0.95 * p, 1.0)):
            lo, hi = max(0, int(a * SR / CTRL)), min(m, int(b * SR / CTRL) + 1)
            if hi > lo:
                env[lo:hi] += g * np.sin(np.clip((tc[lo:hi] - a) / (b - a), 0, 1) * math.pi) ** 1.5
        t += p
    # breathing in is airier, breathing out warmer; one close source, so both ears hear each breath together
    return ctx.bands([(lambda f: _band(200, 1500)(f) * _bump(f, 600, 1.0, 2.0), 0.6 * exhale + 0.35 * inhale),
                      (_band(1500, 6000), 0.25 * exhale + 0.5 * inhale)], shift=int(0.004 * SR))


# ---------------------------------------------------------------------------------------------------------------
# Animals and people
# ---------------------------------------------------------------------------------------------------------------

def _bark(rng: np.random.Generator, size: float) -> np.ndarray:
    """One bark: a harsh, pitched burst that rises and falls, through a dog's vocal-tract formants.
    size 0 = a small dog (high, short), 1 = a big one (low, longer)."""
    d = rng.uniform(0.12, 0.22) * (0.8 + 0.5 * size)
    t = tvec(d)
    u = t / d
    base = (650 - 400 * size) * rng.uniform(0.92, 1.08)
    f0 = base * (1 + 0.35 * np.sin(math.pi * u ** 0.7)) * (1 + 0.02 * rng.standard_normal(t.size))
    src = _glottal(np.cumsum(f0) / SR) + 0.35 * rng.standard_normal(t.size)
    src *= 1 + 0.25 * np.sin(2 * math.pi * rng.uniform(35, 50) * t)  # rough, growly voice
    env = np.minimum(1, t / 0.006) * np.exp(-3 * u ** 2) * np.minimum(1, (d - t) / 0.02)
    f1 = rng.uniform(500, 700) * (1 - 0.3 * size)
    y = resonate(src * env, [f1, rng.uniform(1100, 1600), rng.uniform(2400, 3000)], [4, 6, 8], [1.0, 0.7, 0.4])
    return normalise_peak(y)


@recipe("dog_bark", "sequence", "a dog barking: woofs in twos and threes, more insistent with intensity",
        level_db=4, natural_length=1.5)
def dog_bark(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    size = rng.uniform(0.2, 1.0)
    barks = [_bark(rng, size) for _ in range(6)]
    t, which = _call_series(rng, dur, onset(dur, 0.04, 0.1), barks, (1, 2) if i < 0.4 else (2, 4),
                            (0.1, 0.25), (1.0, 3.0) if i < 0.7 else (0.6, 1.5))
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), barks, which, np.exp(0.1 * rng.standard_normal(t.size)), rng.uniform(-0.3, 0.3))
    return y


# ---------------------------------------------------------------------------------------------------------------
# Machines and vehicles
# ---------------------------------------------------------------------------------------------------------------

def _engine(rng: np.random.Generator, rpm: np.ndarray, n: int, cancel=None) -> np.ndarray:
    """Engine: firing pulses through the exhaust's resonances, plus a valve-train tick riding on them."""
    u = rng.uniform
    kernel = mix(modal([u(70, 110), u(180, 240), u(380, 460), u(800, 1000)], [0.03, 0.02, 0.012, 0.006],
                       [1.0, 0.7, 0.4, 0.2], rng=rng), 0.3 * burst(rng, 0.01, 60, 1500, 0.004),
                 0.05 * burst(rng, 0.004, 2000, 6000, 0.0006))
    pulses = _engine_pulses(rng, rpm, n)
    return convolve(pulses, [kernel], mode="causal", cancel=cancel)[0]


@recipe("car_engine", "bed", "a car engine idling or running (revs rise with intensity)", level_db=0)
def car_engine(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    base = 800 if i < 0.4 else 1500 + 2000 * (i - 0.4) / 0.6
    rpm = base * (1 + 0.03 * smooth_noise(rng, m, 1.5))
    if i > 0.7:  # revving: occasional pushes of the throttle
        tc = np.arange(m) * CTRL / SR
        for t0 in poisson_times(rng, 0.15, 0, ctx.dur):
            since = np.maximum(tc - t0, 0)
            rpm += 1500 * (1 - np.exp(-since / 0.15)) * np.exp(-since / 0.8)
    eng = _engine(rng, rpm, n, ctx.cancel)
    eng /= np.std(eng) + 1e-9
    y = ctx.bands([(_band(300, 3000), 0.12)])
    y[0] += eng
    eng *= _F32(0.9)
    y[1] += eng
    return y


def _pass_by(rng: np.random.Generator, n: int, centre: float, speed: float, rpm: float, cancel=None) -> np.ndarray:
    """A car passing: engine and tyre noise, with the Doppler drop in pitch (a time-varying delay), 1/r level,
    air absorption growing with distance and a pan that follows the car across."""
    m = n // CTRL + 2
    tc = np.arange(m) * CTRL / SR
    d0 = rng.uniform(4, 8)
    x = speed * (tc - centre)
    r = np.sqrt(x * x + d0 * d0)
    lead = int((r.max() / 343 + 0.05) * SR)  # the source must exist before the first sound reaches us
    src_n = n + lead
    eng = _engine(rng, np.full(src_n // CTRL + 2, rpm * (1 + 0.02 * rng.standard_normal())), src_n, cancel)
    eng /= np.std(eng) + 1e-9
    taps = 1025
    tyre, = convolve(_white(rng, src_n + taps - 1), [fir(lambda f: _band(300, 3000)(f) * _bump(f, 900, 1, 1.5),
                                                          taps)], mode="valid")
    src = 0.6 * eng + 0.8 * tyre
    dark, = convolve(src, [fir(_lp_resp(1500.0), 513)], mode="same")
    when = upsample(tc - r / 343, n) * SR + lead  # the sample of the source heard at each output sample
    grid = np.arange(src_n, dtype=_F32)
    near, far = np.interp(when, grid, src), np.interp(when, grid, dark)
    w = upsample(np.clip(r / 120, 0, 1), n)
    mono = (near * (1 - w) + far * w) * upsample(d0 / r, n)
    gl, gr = pan_gains(np.clip(x / r, -1, 1) * 0.8)
    return np.stack([mono * upsample(gl, n), mono * upsample(gr, n)]).astype(_F32)


def _lp_resp(fc: float):
    return lambda f: _lp(f, fc)


@recipe("car_pass", "event", "a car driving past: approaching, the Doppler swoop, fading away",
        level_db=3, natural_length=5.0)
def car_pass(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    centre = dur / 2 if dur < 12 else dur * rng.uniform(0.35, 0.55)
    return _pass_by(rng, ctx.n, centre, 12 + 22 * i, 2200 + 1500 * i, ctx.cancel)


@recipe("siren", "bed", "an emergency siren wailing (yelping at high intensity)", distance="medium", level_db=0)
def siren(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    # the sweep period drifts a few percent, as a real siren's does, so a long bed never locks into a loop
    drift = np.cumsum(1 + 0.04 * smooth_noise(rng, m, 3.0)) * CTRL / SR
    if i < 0.75:
        period = rng.uniform(3.8, 5.0)
        f = 700 + 650 * (0.5 - 0.5 * np.cos(2 * math.pi * drift / period)) ** 0.8
    else:
        period = rng.uniform(0.28, 0.36)
        f = 700 + 650 * np.mod(drift / period, 1.0) ** 0.7
    y = ctx.zeros()

    def horn(ph):  # the horn speaker's distortion adds (mostly odd) harmonics
        return np.sin(ph) + _F32(0.1) * np.sin(2 * ph) + _F32(0.35) * np.sin(3 * ph) + _F32(0.18) * np.sin(5 * ph)

    ctx.osc(y, f, 1 + 0.1 * smooth_noise(rng, m, 2.0), wave=horn, pan=0.05, phase0=rng.uniform(0, 2 * math.pi))
    return y


@recipe("train", "bed", "a train running on rails: rumble and the clickety-clack of wheels over joints",
        level_db=0)
def train(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    u = rng.uniform
    speed = 12 + 22 * i
    y = ctx.bands([(_band(25, 200), 0.8),
                   (lambda f: _band(200, 1800)(f) * _tilt(f, -3, 200), 0.35 * np.exp(0.2 * smooth_noise(rng, m, 1.0))),
                   (lambda f: _peak(u(2500, 4000), 0.08)(f) * _band(1500, 6000)(f),
                    (0.03 + 0.1 * i) * np.clip(smooth_noise(rng, m, 2.0), 0, None))])
    bank = [normalise_peak(mix(modal([u(95, 130), u(240, 300), u(520, 640), u(1100, 1400), u(2100, 2600)],
                                     [0.06, 0.05, 0.03, 0.015, 0.01], [1.0, 0.8, 0.5, 0.3, 0.2], rng=rng),
                               0.5 * burst(rng, 0.02, 200, 3000, 0.004))) for _ in range(8)]
    car, bogie, axle = 20.0, 14.0, 2.4  # metres: the wheels of each car cross a rail joint in this pattern
    pattern = np.array([0.0, axle, bogie, bogie + axle]) / speed
    cars = regular_times(rng, car / speed, -rng.uniform(0, car / speed), ctx.dur, 0.01)
    t = (cars[:, None] + pattern[None, :]).ravel()
    gains = np.tile([1.0, 0.8, 0.95, 0.75], cars.size) * np.exp(0.12 * rng.standard_normal(t.size))
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 8, t.size), 4.0 * gains, rng.uniform(-0.3, 0.3, t.size),
            ctx.cancel)
    return y


@recipe("helicopter", "bed", "a helicopter: the thudding blade slap, turbine whine and engine roar", level_db=1)
def helicopter(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: _band(80, 1500)(f) * _tilt(f, -3, 200), 0.3 * np.exp(0.1 * smooth_noise(rng, m, 2.0)))])
    blade = [normalise_peak(mix(burst(rng, 0.06, 80, 2500, 0.012, attack=0.002), 0.8 * modal([rng.uniform(60, 90)],
                                                                                            [0.03], [1.0])))
             for _ in range(4)]
    t = regular_times(rng, 1 / (12 + 6 * i), -0.05, ctx.dur, 0.01)
    scatter(y, (t * SR).astype(int), blade, np.arange(t.size) % 4, 1.2 * np.exp(0.08 * rng.standard_normal(t.size)),
            0.0, ctx.cancel)
    ctx.osc(y, rng.uniform(3000, 4500) * (1 + 0.01 * smooth_noise(rng, m, 1.0)), 0.04,
            wave=lambda ph: np.sin(ph) + _F32(0.3) * np.sin(2 * ph))  # the turbine's whine
    return y


@recipe("city_street", "bed", "a city street: traffic rumble, cars passing, the odd horn", environment="street",
        level_db=0)
def city_street(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    y = ctx.bands([(_band(30, 250), 0.9 * np.exp(0.35 * smooth_noise(rng, m, 4.0))),
                   (lambda f: _band(250, 2500)(f) * _tilt(f, -3, 250), 0.4 * np.exp(0.3 * smooth_noise(rng, m, 3.0)))])
    # a handful of rendered pass-bys, reused with new gains, pans and mirror images: a street sees hundreds
    passes = []
    for _ in range(min(6, 1 + int(dur / 10))):
        ctx.check()
        p = _pass_by(rng, int(4.0 * SR), 2.0, rng.uniform(8, 16), rng.uniform(1800, 2800))
        passes += [p[0], p[1]]
    t = poisson_times(rng, 0.12 + 0.35 * i, -3.0, dur)
    scatter(y, (t * SR).astype(int), passes, rng.integers(0, len(passes), t.size),
            0.7 * np.exp(0.4 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    horn_t = poisson_times(rng, 1 / 40 + i / 25, 0.5, dur)
    if horn_t.size:
        horns = []
        for _ in range(3):
            d = rng.uniform(0.25, 0.7)
            tt = tvec(d)
            f = rng.uniform(380, 420)
            tone = np.sign(np.sin(2 * math.pi * f * tt)) + np.sign(np.sin(2 * math.pi * f * 1.26 * tt))
            horns.append(normalise_peak(bandpass(tone, 300, 3000) * np.minimum(1, np.minimum(tt, d - tt) / 0.01)))
        scatter(y, (horn_t * SR).astype(int), horns, rng.integers(0, 3, horn_t.size), 0.4,
                rng.uniform(-0.8, 0.8, horn_t.size))
    return y


# ---------------------------------------------------------------------------------------------------------------
# Impacts, weapons and transitions
# ---------------------------------------------------------------------------------------------------------------

@recipe("explosion", "event", "an explosion: a sharp blast, a deep boom, debris and a long rumbling tail",
        distance="medium", level_db=8, natural_length=4.0)
def explosion(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.3)
    length = max(0.05, min(7.0, dur - start))
    t = tvec(length)
    chans = []
    f = 30 + 40 * np.exp(-t / 0.15)
    boom = np.sin(2 * math.pi * np.cumsum(f) / SR) * np.exp(-t / (0.5 + 0.3 * i)) * np.minimum(1, t / 0.002)
    taps = 2049
    for c in range(2):  # the blast and its debris fill the space: independent noise per channel
        blast, rumble = convolve(_white(rng, t.size + taps - 1), [fir(_band(30, 6000)), fir(_band(20, 200))],
                                 mode="valid")
        y = 0.8 * blast * np.exp(-t / 0.12) * np.minimum(1, t / 0.001)
        y += 0.6 * rumble * np.exp(-t / (1.5 + 1.5 * i)) * np.minimum(1, t / 0.05)
        y += 1.0 * boom * np.std(blast) * 3
        k = rng.poisson(40 + 60 * i)
        deb = np.zeros(t.size)
        pos = np.clip(((0.1 + rng.exponential(0.6, k)) * SR).astype(int), 0, t.size - 1)
        np.add.at(deb, pos, rng.standard_normal(k) * np.exp(-pos / SR / 1.0))
        y += 0.6 * bandpass(deb, 1000, 6000) * np.std(blast) * 8
        chans.append(y)
    k = normalise_peak(np.stack(chans))
    out = ctx.zeros()
    place(out, int(start * SR), k)
    return out


@recipe("gunshot", "event", "a gunshot: a sharp crack and boom with its echo off the surroundings",
        level_db=8, natural_length=1.5)
def gunshot(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    shot = mix(burst(rng, 0.01, 1500, 14000, 0.0015, attack=0.00005),
               0.8 * modal([u(90, 130), u(200, 260)], [0.06, 0.04], [1.0, 0.6], rng=rng, attack=0.0002),
               0.7 * burst(rng, 0.25, 80, 3000, 0.05, attack=0.0005))
    tail_len = min(2.5, max(0.05, dur))
    echo = np.zeros(int(tail_len * SR), _F32)
    for d, g in zip(sorted(rng.uniform(0.15, 0.6, 3)), (0.25, 0.15, 0.1)):  # slaps off walls and hills
        s = int(d * SR)
        if s < echo.size:
            e = bandpass(shot, 100, 2500).astype(_F32) * g
            echo[s:s + e.size] += e[:echo.size - s]
    k = normalise_peak(mix(shot, echo, 0.1 * burst(rng, tail_len, 100, 1500, 0.3, attack=0.02)))
    count = 1 if i < 0.6 else int(rng.integers(2, 4))
    t = onset(dur, 0.05, 0.2) + np.concatenate([[0.0], np.cumsum(rng.uniform(0.4, 1.2, count - 1))])
    t = t[t < dur]
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [k], 0, np.exp(0.1 * rng.standard_normal(t.size)), rng.uniform(-0.3, 0.3))
    return y


def _swept_noise(rng: np.random.Generator, fc: np.ndarray, width: float) -> np.ndarray:
    """Noise in a band whose centre follows fc (audio rate): low-passed I/Q noise heterodyned up to fc."""
    taps = 1025
    iq = convolve(_white(rng, fc.size + taps - 1), [fir(_lp_resp(width / 2), taps)], mode="valid")[0], \
        convolve(_white(rng, fc.size + taps - 1), [fir(_lp_resp(width / 2), taps)], mode="valid")[0]
    ph = 2 * math.pi * np.cumsum(fc) / SR
    return iq[0] * np.cos(ph) - iq[1] * np.sin(ph)


@recipe("whoosh", "event", "a whoosh: something rushing past, the pitch of the air rising and falling",
        distance="close", level_db=3, natural_length=0.8)
def whoosh(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.1)
    length = max(0.05, min(dur - start, rng.uniform(0.5, 0.9) * (1.3 - 0.5 * i)))
    t = tvec(length)
    u = t / length
    bell = np.sin(math.pi * np.clip(u, 0, 1) ** 0.8) ** 2  # peaks a little after the middle
    fc = 300 + 2500 * (0.6 + 0.4 * i) * bell
    y = _swept_noise(rng, fc, 600) * bell + 0.3 * bandpass(rng.standard_normal(t.size), 500, 6000) * bell ** 2
    y = normalise_peak(y)
    gl, gr = pan_gains(np.linspace(-0.7, 0.7, t.size))
    out = ctx.zeros()
    place(out, int(start * SR), np.stack([y * gl, y * gr]).astype(_F32))
    return out


@recipe("glass_break", "event", "glass shattering: the crack, a crash, then shards tinkling down",
        environment="indoor", level_db=5, natural_length=1.5)
def glass_break(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    start = onset(dur, 0.05, 0.1)
    out = ctx.zeros()
    hit = mix(burst(rng, 0.03, 1500, 12000, 0.004, attack=0.0001), 0.5 * modal([u(400, 800)], [0.02], [1.0]))
    crash = burst(rng, 0.5, 1000, 12000, 0.08, attack=0.001)
    scatter(out, [int(start * SR)] * 2, [hit, crash], [0, 1], [1.0, 0.5], 0.0)
    shards = [normalise_peak(mix(modal(u(2500, 9000, 4), u(0.02, 0.12, 4), u(0.3, 1.0, 4), rng=rng),
                                 0.3 * burst(rng, 0.003, 3000, 12000, 0.0005))) for _ in range(16)]
    k = int(40 + 50 * i)
    t = start + np.concatenate([rng.uniform(0, 0.05, k // 3), rng.exponential(0.25, k - k // 3) + 0.03])
    t = t[t < dur]
    scatter(out, (t * SR).astype(int), shards, rng.integers(0, 16, t.size),
            0.5 * np.exp(-(t - start) / 0.6) * np.exp(0.3 * rng.standard_normal(t.size)),
            rng.uniform(-0.8, 0.8, t.size))
    return out


@recipe("sword_clash", "sequence", "swords clashing: bright ringing steel on steel, the odd scrape",
        level_db=5, natural_length=1.0)
def sword_clash(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform

    def clash():
        f0 = u(900, 1500)
        partials = np.concatenate([f0 * np.array([1.0, 2.76, 5.40, 8.93]), u(3000, 9000, 4)])
        ring = modal(partials, np.concatenate([[1.2, 0.8, 0.5, 0.3], u(0.1, 0.4, 4)]) * u(0.6, 1.0),
                     [0.6, 1.0, 0.8, 0.6, 0.4, 0.3, 0.3, 0.2], dur=min(dur, 2.0), rng=rng)
        k = mix(ring, 0.8 * burst(rng, 0.02, 1500, 12000, 0.003, attack=0.0001))
        if rng.random() < 0.4:  # blade sliding along blade
            sl = u(0.15, 0.35)
            tt = tvec(sl)
            scrape = _swept_noise(rng, np.linspace(u(3000, 4000), u(5000, 7000), tt.size), 800)
            scrape = resonate(scrape * np.sin(math.pi * tt / sl), partials[:3], [30, 30, 30])
            k = mix(k, np.concatenate([np.zeros(int(0.05 * SR), _F32), 0.5 * normalise_peak(scrape)]))
        return normalise_peak(k)

    bank = [clash() for _ in range(5)]
    times = []
    t = onset(dur, 0.05, 0.15)
    while t < dur:
        for _ in range(int(rng.integers(2, 5))):
            times.append(t)
            t += u(0.25, 0.6) / (0.6 + 0.6 * i)
        t += u(1.0, 2.5)
    times = np.array(times)
    times = times[times < dur]
    y = ctx.zeros()
    scatter(y, (times * SR).astype(int), bank, rng.integers(0, 5, times.size),
            np.exp(0.15 * rng.standard_normal(times.size)), rng.uniform(-0.4, 0.4, times.size))
    return y


# ---------------------------------------------------------------------------------------------------------------
# Caption → recipes
# ---------------------------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")
_VOWELS = set("aeiou")


def _en_word(word: str) -> str:
    """Regex for an English word with its usual inflections (knock → knocks/knocked/knocking, drip → dripping,
    whistle → whistling, cry → cries)."""
    if word.endswith("e") and len(word) > 2:
        return re.escape(word[:-1]) + r"(?:e|es|ed|er|ers|ing)"
    if word.endswith("y") and len(word) > 2 and word[-2] not in _VOWELS:
        return re.escape(word[:-1]) + r"(?:y|ies|ied|ier|ying)"
    if word[-1].isalpha():
        return re.escape(word) + "(?:" + re.escape(word[-1]) + r"?(?:ing|ed|er|ers)|s|es)?"
    return re.escape(word)


def _en_pattern(phrase: str) -> re.Pattern:
    """Whole-word pattern for an English keyword; each of its words may be inflected ("knocks on the door")."""
    body = r"[\s\-]+".join(_en_word(w) for w in phrase.lower().split())
    return re.compile(r"(?<![a-z])" + body + r"(?![a-z])")


@dataclass(frozen=True)
class _Entry:
    keyword: str
    pattern: re.Pattern | None  # None: a Chinese keyword, matched as a substring
    value: object


def _entries(pairs) -> list[_Entry]:
    return [_Entry(k, None if _CJK.search(k) else _en_pattern(k), v) for k, v in pairs]


def _category_entries() -> list[_Entry]:
    merged: dict[str, dict[str, float]] = {}
    for cat, words in lex.CATEGORY_WORDS.items():
        if cat not in RECIPES:
            raise BackendError(f"sound_lexicon lists {cat!r}, which has no recipe in sound.py")
        for kw, w in words:
            merged.setdefault(kw.lower(), {})[cat] = max(w, merged.get(kw.lower(), {}).get(cat, 0.0))
    return _entries(merged.items())


_CATEGORY_ENTRIES = _category_entries()
_INTENSITY_ENTRIES = _entries(lex.INTENSITY_WORDS)
_DISTANCE_ENTRIES = _entries(lex.DISTANCE_WORDS)
_ENVIRONMENT_ENTRIES = _entries(lex.ENVIRONMENT_WORDS)
_SURFACE_ENTRIES = _entries(lex.SURFACE_WORDS)


def _spans(text: str, entries: list[_Entry]) -> list[tuple[int, int, _Entry]]:
    """Where keywords occur in text, longest first; an occurrence inside a longer keyword's occurrence does not
    count ("heavy rain" claims its "rain", "knock on the door" its "door", "马路" its "马")."""
    text = text.lower()
    spans = []
    for e in entries:
        if e.pattern is None:
            start = text.find(e.keyword)
            while start >= 0:
                spans.append((start, start + len(e.keyword), e))
                start = text.find(e.keyword, start + 1)
        else:
            spans += [(m.start(), m.end(), e) for m in e.pattern.finditer(text)]
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    kept: list[tuple[int, int, _Entry]] = []
    for a, b, e in spans:
        if not any(x <= a and b <= y and ((y - x) > (b - a) or f.keyword == e.keyword) for x, y, f in kept):
            kept.append((a, b, e))
    return kept


def _find(text: str, entries: list[_Entry]) -> list[_Entry]:
    found: dict[str, _Entry] = {}
    for _, _, e in _spans(text, entries):
        found.setdefault(e.keyword, e)
    return list(found.values())


def match_recipes(caption: str) -> list[tuple[str, float]]:
    """Every recipe the caption mentions, with its score (sum of matched keyword weights), best first. Two
    keywords of one recipe matching the same words ("howl", "howling") count once."""
    best: dict[tuple[int, int, str], float] = {}
    for a, b, e in _spans(caption or "", _CATEGORY_ENTRIES):
        for cat, w in e.value.items():
            best[(a, b, cat)] = max(w, best.get((a, b, cat), 0.0))
    scores: dict[str, float] = {}
    for (_, _, cat), w in best.items():
        scores[cat] = scores.get(cat, 0.0) + w
    order = list(RECIPES)
    return sorted(((c, round(s, 3)) for c, s in scores.items() if s > 0),
                  key=lambda cs: (-cs[1], order.index(cs[0])))


MAX_LAYERS = 4


def choose_layers(matches: list[tuple[str, float]], intensity: float) -> list[tuple[str, float]]:
    """Which matched recipes play: the best one always; others that score at least 1 and a third of the best.
    One member per family (rain_light/rain_heavy...); within a light→heavy family the intensity breaks near-ties."""
    if not matches:
        return []
    scores = dict(matches)
    for fam in lex.INTENSITY_FAMILIES:
        present = [c for c in fam if c in scores]
        best = max((scores[c] for c in present), default=0.0)
        if len(present) > 1 and best - min(scores[c] for c in present) <= lex.FAMILY_TIE:
            pick = fam[min(len(fam) - 1, int(max(0.0, intensity - 0.1) * len(fam)))]  # heavy from 0.6 up
            for c in present:
                scores[c] = best if c == pick else best - 0.5
    ranked = sorted(scores.items(), key=lambda cs: (-cs[1], list(RECIPES).index(cs[0])))
    top = ranked[0][1]
    chosen: list[tuple[str, float]] = []
    for cat, s in ranked:
        if chosen and (s < 1.0 or s < top / 3):
            continue
        if any(cat in g and c in g for g in lex.EXCLUSIVE_GROUPS for c, _ in chosen):
            continue
        chosen.append((cat, s))
        if len(chosen) == MAX_LAYERS:
            break
    return chosen


def caption_intensity(text: str) -> float | None:
    vals = [e.value for e in _find(text, _INTENSITY_ENTRIES)]
    return float(np.mean(vals)) if vals else None


def _most_specific(text: str, entries: list[_Entry]):
    found = _find(text, entries)
    return max(found, key=lambda e: len(e.keyword)).value if found else None


def caption_environment(text: str) -> str | None:
    """The room a caption describes. A place word that is only part of a sound's name ("church" in "church bell")
    says nothing about where we hear it."""
    names = [(a, b) for a, b, _ in _spans(text, _CATEGORY_ENTRIES)]
    found = [(b - a, e.value) for a, b, e in _spans(text, _ENVIRONMENT_ENTRIES)
             if not any(x <= a and b <= y and (y - x) > (b - a) for x, y in names)]
    return max(found)[1] if found else None


def caption_surface(text: str) -> str | None:
    return _most_specific(text, _SURFACE_ENTRIES)


def modifiers_by_layer(text: str, layers: list[str]) -> dict[str, dict[str, object]]:
    """Intensity and distance words of a caption, each given to the layer whose keyword is nearest to it:
    in "heavy rain and distant thunder" the rain is heavy and the thunder distant. With one layer, all go to it."""
    out: dict[str, dict[str, object]] = {name: {} for name in layers}
    if not layers:
        return out
    anchors = [(a, b, cat) for a, b, e in _spans(text, _CATEGORY_ENTRIES) for cat in e.value if cat in out]
    for key, entries in (("intensity", _INTENSITY_ENTRIES), ("distance", _DISTANCE_ENTRIES)):
        given: dict[str, list] = {}
        for a, b, e in _spans(text, entries):
            if len(layers) == 1 or not anchors:
                owner = layers[0]
            else:  # nearest keyword; on a tie the following one (adjectives precede their noun)
                owner = min(anchors, key=lambda s: (max(s[0] - b, a - s[1], 0), s[0] < a))[2]
            given.setdefault(owner, []).append((b - a, e.value))
        for owner, vals in given.items():
            if key == "intensity":
                out[owner][key] = float(np.mean([v for _, v in vals]))
            else:
                out[owner][key] = max(vals, key=lambda lv: lv[0])[1]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Space and level
# ---------------------------------------------------------------------------------------------------------------

def _lowpass(y: np.ndarray, cutoff: float) -> np.ndarray:
    """2nd-order Butterworth low-pass of (channels, n), in place: chunk by chunk with the filter state carried
    over (exactly one continuous filter, no clip-long temporaries), one channel per worker thread."""
    b, a = (c.astype(_F32) for c in ss.butter(2, cutoff, fs=SR))

    def channel(c: int) -> None:
        zi = np.zeros(2, _F32)
        for s in range(0, y.shape[1], _CHUNK):
            seg = y[c, s:s + _CHUNK]
            out, zi = ss.lfilter(b, a, seg + _F32(_DENORMAL_GUARD), zi=zi)
            seg[:] = out

    _run_chunks(functools.partial(channel, c) for c in range(y.shape[0]))
    return y


@functools.lru_cache(maxsize=16)
def room_ir(environment: str) -> np.ndarray:
    """Stereo impulse response (2, L) of an environment: sparse early reflections, then a diffuse tail of noise
    decaying in three bands (highs die sooner in damped rooms). L and R tails are independent noises, which makes
    the reverb wide. Unit energy per channel, so a reverberated noise keeps its level. A room is the same room
    every time: fixed seed, cached."""
    rt60, damping, _, _ = _ENVIRONMENT[environment]
    rng = np.random.default_rng(zlib.crc32(environment.encode()))
    length = int(min(1.2 * rt60, 4.0) * SR)
    t = np.arange(length) / SR
    chans = []
    for _ in range(2):
        noise = rng.standard_normal(length)
        tail = np.zeros(length)
        for lo, hi, rt in ((None, 500.0, rt60), (500.0, 4000.0, rt60 * (1 - 0.3 * damping)),
                           (4000.0, None, rt60 * (1 - 0.6 * damping))):
            tail += bandpass(noise, lo, hi, 2) * np.exp(-6.9 * t / rt)
        pre = 0.004 + 0.012 * min(rt60, 2.0)  # the diffuse tail builds up after the first reflections
        tail *= np.clip((t - pre) / pre, 0, 1)
        early = np.zeros(length)
        for d in np.sort(rng.uniform(0.003, min(0.08, 0.5 * rt60), 10)):
            early[int(d * SR)] += rng.choice([-1.0, 1.0]) * math.exp(-6.9 * d / rt60) * rng.uniform(0.3, 0.8)
        h = 0.6 * early / np.sqrt(np.sum(early ** 2)) + tail / np.sqrt(np.sum(tail ** 2))
        chans.append(h / np.sqrt(np.sum(h ** 2)))
    return np.stack(chans).astype(_F32)


def spatialise(y: np.ndarray, distance: str, environment: str, cancel: CancelToken | None = None) -> np.ndarray:
    """Distance (air absorption, more room, relative to the source) and environment (the room's reverb), in place
    where it can be. The reverb is a convolution with `room_ir`, streamed in blocks."""
    _, cutoff, dist_wet = _DISTANCE[distance]
    _, _, env_wet, env_cut = _ENVIRONMENT[environment]
    if environment == "underwater":
        y = _lowpass(_lowpass(y, env_cut), env_cut)
    if cutoff is not None:
        y = _lowpass(y, cutoff)
    wet_share = min(0.6, env_wet + dist_wet)
    if wet_share < 0.05:
        return y
    ir = room_ir(environment)
    if env_cut is not None and environment != "underwater":
        ir = _lowpass(ir.copy(), env_cut)  # the cached room stays as it is
    mono = (y[0] + y[1]) * _F32(0.5 * math.sqrt(2))  # sum to mono for the room, keeping its power
    dry, wet = _F32(math.sqrt(1 - wet_share)), _F32(math.sqrt(wet_share))

    def blend(start: int, blocks: list[np.ndarray]) -> None:
        for c, w in enumerate(blocks):
            seg = y[c, start:start + w.size]
            seg *= dry
            seg += w * wet

    convolve_apply(mono, [ir[0], ir[1]], blend, "causal", cancel)
    return y


def limit(y: np.ndarray, ceiling: float = 0.97) -> float:
    """Look-ahead peak limiter, in place on (2, n); returns the peak afterwards.

    Only the neighbourhood of samples over the ceiling is touched: there the gain falls over 5 ms before the
    peak and recovers over 5 ms after. Cost follows the number of peaks, not the clip length, so a 10-minute bed
    with a few hot drops is limited in milliseconds."""
    n = y.shape[1]
    over, peak = [], 0.0
    for a in range(0, n, _CHUNK):
        p = np.abs(y[:, a:a + _CHUNK]).max(axis=0)
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
        need = np.minimum(1.0, ceiling / np.maximum(np.abs(seg).max(axis=0), 1e-9)).astype(_F32)
        gain = uniform_filter1d(minimum_filter1d(need, 2 * hold + 1), hold)
        seg *= np.minimum(gain, need)  # the smoothed gain is <= need at every peak already; this guards rounding
    return min(peak, ceiling)


def target_loudness(intensity: float, level_db: float, distance: str) -> float:
    """LUFS a layer is levelled to: -20 for a bed at intensity 0.5, +-6 dB over the intensity range."""
    return min(-9.0, -26.0 + 12.0 * intensity + level_db + _DISTANCE[distance][0])


def _measure(y: np.ndarray, kind: RecipeKind) -> float:
    """Beds by integrated loudness; events and sequences by their loudest 400 ms (a knock's level is the knock,
    not the knock averaged with the silence around it)."""
    return (qa_signal.integrated_loudness(y.T, SR, max_seconds=30.0) if kind == "bed"
            else qa_signal.peak_loudness(y.T, SR))


# ---------------------------------------------------------------------------------------------------------------
# The backend
# ---------------------------------------------------------------------------------------------------------------

_SURFACE_ENV = {"gravel": "outdoor", "snow": "outdoor", "grass": "outdoor"}
FALLBACK = "room_tone"


def _stable_seed(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed) % (1 << 64), zlib.crc32(name.encode())])


class ProceduralSound:
    """SoundModel of the offline profile: caption → layered procedural recipes, exactly `duration` long."""

    capabilities = Capabilities(
        name="procedural-sound",
        model_id="offline-recipes-v1",
        kinds=("sound",),
        languages=("en", "zh"),
        max_duration=3600.0,
        sample_rate=SR,
        channels=2,
        controls=("intensity", "distance", "environment"),
        licence="synthesised in code by this project; no third-party recordings",
    )

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if request.kind != "sound":
            raise BackendError(f"procedural-sound makes sound clips, not {request.kind!r}; route it to a "
                               f"{request.kind} backend")
        duration = float(request.duration)
        if not math.isfinite(duration) or duration <= 0:
            raise ValueError(f"sound clip duration must be a positive number of seconds, got {request.duration!r}")
        if duration > self.capabilities.max_duration:
            raise ValueError(f"sound clip duration {duration:.1f} s is over this backend's "
                             f"{self.capabilities.max_duration:.0f} s; split the segment")
        n = max(1, int(round(duration * SR)))
        attrs = dict(request.attributes or {})
        warnings: list[str] = []
        described = " ".join(x for x in (request.caption, attrs.get("source") or "") if x).strip()
        wording = " ".join(x for x in (request.caption, request.instruction) if x)

        given_intensity = self._intensity(attrs, warnings)
        caption_i = caption_intensity(wording)
        matches = match_recipes(described)
        layers = choose_layers(matches, given_intensity if given_intensity is not None else
                               (0.5 if caption_i is None else caption_i))
        if not layers:
            warnings.append(f'no sound recipe matched "{described}"; using room tone')
            layers = [(FALLBACK, 0.0)]
        names = [name for name, _ in layers]
        mods = modifiers_by_layer(wording, names)
        given_distance = self._distance(attrs)
        environment = self._environment(attrs, wording, warnings)
        surface = attrs.get("surface") or caption_surface(wording)

        # each layer is levelled dry, then layers sharing a distance and a room share one pass of air and reverb
        groups: dict[tuple[str, str], np.ndarray] = {}
        info = []
        for k, (name, score) in enumerate(layers):
            if cancel is not None:
                cancel.check()
            r = RECIPES[name]
            intensity = given_intensity if given_intensity is not None else mods[name].get("intensity", 0.5)
            dist = given_distance or mods[name].get("distance") or r.distance
            layer_surface = surface if surface in r.surfaces else None  # None: the recipe's own default
            env = environment or (_SURFACE_ENV.get(layer_surface or "", r.environment) if r.surfaces
                                  else r.environment)
            ctx = Ctx(rng=_stable_seed(request.seed, name), n=n, intensity=intensity, surface=layer_surface,
                      cancel=cancel)
            y = r.render(ctx)
            if r.natural_length and duration < 0.6 * r.natural_length:
                warnings.append(f"{name} usually needs about {r.natural_length:.1f} s; this {duration:.2f} s clip "
                                f"cuts it short")
            # a second bed sits under the first; events punctuate whatever they are layered with
            target = target_loudness(intensity, r.level_db, dist) - (3.0 if k and r.kind == "bed" else 0.0)
            level = _measure(y, r.kind)
            gain_db = target - level if math.isfinite(level) else 0.0
            y *= _F32(10 ** (gain_db / 20))
            if (dist, env) in groups:
                groups[(dist, env)] += y
            else:
                groups[(dist, env)] = y
            del y
            info.append({"recipe": name, "score": score, "intensity": round(intensity, 3), "distance": dist,
                         "environment": env, "surface": layer_surface, "target_lufs": round(target, 2),
                         "gain_db": round(gain_db, 2)})
        mix_ = None
        for (dist, env), y in groups.items():
            y = spatialise(y, dist, env, cancel)
            if mix_ is None:
                mix_ = y
            else:
                mix_ += y
        peak = limit(mix_)
        if any(RECIPES[name].kind != "bed" for name in names):
            fade_edges(mix_, 0.002, min(0.15, 0.1 * duration))
        else:
            fade_edges(mix_)
        audio = np.ascontiguousarray(mix_.T)
        return Clip(audio=audio, sample_rate=SR, warnings=warnings, parameters={
            "recipes": names,
            "layers": info,
            "matched": matches[:8],
            "intensity": info[0]["intensity"],
            "distance": info[0]["distance"],
            "environment": info[0]["environment"],
            "surface": info[0]["surface"],
            "duration": duration,
            "samples": n,
            "seed": request.seed,
            "loudness_lufs": round(qa_signal.integrated_loudness(audio, SR, max_seconds=30.0), 2),
            "peak": round(peak, 4),
        })

    @staticmethod
    def _intensity(attrs: dict, warnings: list[str]) -> float | None:
        value = attrs.get("intensity")
        if value is None:
            return None
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"sound intensity must be a number from 0 to 1, got {value!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"sound intensity must be a number from 0 to 1, got {value!r}")
        if not 0.0 <= value <= 1.0:
            warnings.append(f"intensity {value:g} is outside 0..1; clamped")
        return min(1.0, max(0.0, value))

    @staticmethod
    def _distance(attrs: dict) -> str | None:
        value = attrs.get("distance")
        if value is None:
            return None
        if value not in DISTANCES:
            raise ValueError(f"sound distance must be one of {', '.join(DISTANCES)}, got {value!r}")
        return value

    @staticmethod
    def _environment(attrs: dict, wording: str, warnings: list[str]) -> str | None:
        value = attrs.get("environment")
        if value is None:
            return caption_environment(wording)
        text = str(value).strip().lower()
        if text in _ENVIRONMENT:
            return text
        mapped = caption_environment(text)
        if mapped is None:
            warnings.append(f"environment {value!r} is not one this backend knows ({', '.join(ENVIRONMENTS)}); "
                            "using the sound's usual surroundings")
        return mapped
