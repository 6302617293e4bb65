"""BS.1770-4 loudness and true peak, fast enough for a 10-minute mix on two cores.

Integrated loudness is split into per-100 ms sub-block K-weighted powers (the expensive part, computed from
each sub-block's spectrum) and the gating (cheap), so the master can rescale the powers after a gain change
and re-measure only the sub-blocks a limiter touched. pyloudnorm is the reference these are tested against.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft as sp_fft
import scipy.signal as sps

SUB_BLOCK_S = 0.1  # 400 ms gating blocks with 75 % overlap are sums of 4 sub-blocks
PEAK_BLOCK = 256  # samples per block when searching for the loudest regions
# Inter-sample peaks are looked for next to samples within this many dB of the sample peak. Broadband noise
# (rain, hiss: energy up to Nyquist) reaches ~3 dB above both neighbouring samples; 4 dB covers it.
TP_MARGIN_DB = 4.0


def _k_filters(sr: int):
    """BS.1770 K-weighting (pre-filter shelf + RLB high-pass) designed for any sample rate by the same
    bilinear transform that gives the standard's 48 kHz coefficients."""
    f0, g, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sr)
    vh = 10 ** (g / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sr)
    d = 1 + k / q + k * k
    hp = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / d, (1 - k / q + k * k) / d]))
    return shelf, hp


@functools.lru_cache(maxsize=8)
def _weights(hop: int, sr: int) -> np.ndarray:
    """|H(f)|² of the K-weighting on the rfft bins of one sub-block, doubled for the one-sided spectrum and
    divided by hop² so a dot product with |X|² gives the sub-block's mean square (Parseval)."""
    w = 2 * np.pi * np.fft.rfftfreq(hop, 1.0 / sr) / sr
    h = np.ones_like(w)
    for b, a in _k_filters(sr):
        h *= np.abs(sps.freqz(b, a, worN=w)[1]) ** 2
    h[1:-1 if hop % 2 == 0 else None] *= 2
    return (h / (hop * hop)).astype(np.float32)


def sub_block_hop(sr: int) -> int:
    return int(round(SUB_BLOCK_S * sr))


def sub_block_power(x: np.ndarray, sr: int, blocks: np.ndarray | None = None, workers: int = 2) -> np.ndarray:
    """K-weighted mean square of every 100 ms sub-block (or only of `blocks`), summed over channels.
    `workers`: FFT threads (1 when the caller already runs pieces on every core)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    hop = sub_block_hop(sr)
    n_sub = x.shape[0] // hop
    frames = x[: n_sub * hop].reshape(n_sub, hop, x.shape[1])
    idx = np.arange(n_sub) if blocks is None else np.asarray(blocks)
    # the weights repeated for each channel's real and imaginary part, as the complex spectrum is read below
    w = np.repeat(_weights(hop, sr), 2 * x.shape[1])
    out = np.empty(idx.size, dtype=np.float64)
    # 32 sub-blocks at a time keep each spectrum small (reused memory, in cache)
    for i in range(0, idx.size, 32):
        part = idx[i:i + 32]
        fr = frames[part[0]:part[-1] + 1] if blocks is None else frames[part]
        spec = sp_fft.rfft(fr, axis=1, workers=workers)  # (blocks, bins, channels) complex64
        v = spec.view(np.float32)  # re, im of each channel: |X|² summed over channels is one dot product
        np.square(v, out=v)
        out[i:i + part.size] = v.reshape(part.size, -1) @ w
    return out


def gated_loudness(sub_power: np.ndarray) -> float:
    """Absolute (−70 LUFS) and relative (−10 LU) gating over 400 ms blocks → integrated loudness."""
    if sub_power.size < 4:
        return float("-inf")
    blocks = np.convolve(sub_power, np.ones(4) / 4, mode="valid")
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(blocks)
    gated = blocks[lk > -70.0]
    if gated.size == 0:
        return float("-inf")
    rel = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    gated = blocks[(lk > -70.0) & (lk > rel)]
    return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def integrated_loudness(x: np.ndarray, sr: int) -> float:
    """BS.1770-4 integrated loudness in LUFS (agrees with pyloudnorm within ~0.1 LU); -inf for silence.
    A clip shorter than one 400 ms gating block is measured as a single block."""
    x = np.asarray(x, dtype=np.float32)
    if x.shape[0] == 0:
        return float("-inf")
    if x.shape[0] < 4 * sub_block_hop(sr):
        y = x if x.ndim == 2 else x[:, None]
        spec = np.fft.rfft(y, axis=0)
        ms = float(((spec.real ** 2 + spec.imag ** 2) * _weights(y.shape[0], sr)[:, None]).sum())
        return -0.691 + 10 * np.log10(ms) if ms > 0 else float("-inf")
    return gated_loudness(sub_block_power(x, sr))


def block_peaks(x: np.ndarray, block: int = PEAK_BLOCK) -> np.ndarray:
    """Largest |sample| of every block across channels, without building an |x| copy of the whole signal."""
    x = np.asarray(x, dtype=np.float32)
    flat = x if x.ndim == 2 else x.reshape(x.shape[0], -1 if x.size else 1)
    nb = flat.shape[0] // block
    body = flat[: nb * block].reshape(nb, block * flat.shape[1])
    peaks = np.maximum(body.max(axis=1, initial=0.0), -body.min(axis=1, initial=0.0))
    if flat.shape[0] > nb * block:
        tail = flat[nb * block:]
        peaks = np.append(peaks, max(tail.max(), -tail.min()))
    return peaks


def _interpolation_phases(oversample: int) -> np.ndarray:
    """The polyphase taps of a 12-taps-per-phase 4× interpolation low-pass (the size BS.1770-4 Annex 2
    describes): row k gives the value at sample i + k/oversample from x[i+6-j], j = 0..11."""
    h = sps.firwin(12 * oversample + 1, 1.0 / oversample, window=("kaiser", 6.0)) * oversample
    return np.stack([h[k::oversample][:12] for k in range(1, oversample)]).astype(np.float32)


def true_peak_db(x: np.ndarray, sr: int, oversample: int = 4, peaks: np.ndarray | None = None) -> float:
    return true_peak(x, sr, oversample, peaks)[0]


def true_peak(x: np.ndarray, sr: int, oversample: int = 4, peaks: np.ndarray | None = None,
              over: float | None = None) -> tuple[float, np.ndarray]:
    """BS.1770 true peak (dBTP), 4× oversampled, evaluated only where it can matter: between the samples
    within TP_MARGIN_DB of the sample peak and their neighbours. With `over` (linear), also the sample
    positions followed by an inter-sample peak above it."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    peaks = block_peaks(x) if peaks is None else peaks
    peak = float(peaks.max()) if peaks.size else 0.0
    none = np.zeros(0, dtype=np.int64)
    if peak <= 0:
        return float("-inf"), none
    thr = peak * 10 ** (-TP_MARGIN_DB / 20)
    loud = _loud_samples(x, peaks, thr)
    # interpolate between each loud sample and both neighbours: positions i-1+k/4 and i+k/4
    starts = np.concatenate([loud - 1, loud])
    starts.sort(kind="stable")  # two sorted runs: a linear merge
    n = x.shape[0]
    starts = starts[np.r_[True, starts[1:] != starts[:-1]] & (starts >= 0) & (starts < n - 1)]
    taps = _interpolation_phases(oversample)[:, ::-1].T.copy()  # (12, phases), taps[t] multiplies x[i-5+t]
    # windows[i] = x[i:i+12] as (channels, 12), a view
    windows = np.lib.stride_tricks.sliding_window_view(x, 12, axis=0) if n >= 12 else None

    def interpolate(chunk: np.ndarray) -> tuple[float, np.ndarray]:
        if not chunk.size:
            return 0.0, none
        inside = (chunk >= 5) & (chunk + 7 <= n) & (windows is not None)
        w = np.empty((chunk.size, x.shape[1], 12), np.float32)
        if inside.any():
            w[inside] = windows[chunk[inside] - 5]
        if not inside.all():  # the first and last few samples: repeat the edge sample
            edge = chunk[~inside]
            w[~inside] = x[np.clip(edge[:, None] - 5 + np.arange(12)[None, :], 0, n - 1)].transpose(0, 2, 1)
        between = np.abs(w.reshape(-1, 12) @ taps).reshape(chunk.size, -1).max(axis=1)
        return float(between.max()), (chunk[between > over] if over is not None else none)

    found = [interpolate(c) for c in np.array_split(starts, max(1, starts.size // 65536))]
    best = max([peak] + [f[0] for f in found])
    return 20 * np.log10(best), np.concatenate([none] + [f[1] for f in found])


def _loud_samples(x: np.ndarray, peaks: np.ndarray, thr: float) -> np.ndarray:
    """Sorted positions of the samples with |x| >= thr on any channel, looked for only in blocks whose peak
    reaches thr, a few thousand blocks at a time (small copies, reused memory)."""
    n, ch = x.shape
    hot = np.flatnonzero(peaks >= thr)
    whole = n // PEAK_BLOCK
    full = hot[hot < whole]
    rows = x[: whole * PEAK_BLOCK].reshape(whole, PEAK_BLOCK * ch)
    found = []
    for i in range(0, full.size, 2048):
        part = full[i:i + 2048]
        b = rows[part]
        over = (b >= thr) | (b <= -thr)  # (blocks, samples × channels), interleaved
        loud = over[:, 0::ch]
        for c in range(1, ch):
            loud |= over[:, c::ch]
        r, c = np.nonzero(loud)
        found.append(part[r] * PEAK_BLOCK + c)
    if hot.size and hot[-1] >= whole:  # the partial block at the end
        found.append(np.flatnonzero(np.abs(x[whole * PEAK_BLOCK:]).max(axis=1) >= thr) + whole * PEAK_BLOCK)
    return np.concatenate(found) if found else np.zeros(0, np.int64)
