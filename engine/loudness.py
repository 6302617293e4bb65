"""BS.1770-4 loudness and true peak, fast enough for a 10-minute mix on two cores.

Integrated loudness is split into per-100 ms sub-block K-weighted powers (the expensive part, computed from
each sub-block's spectrum) and the gating (cheap), so the master can rescale the powers after a gain change
and re-measure only the sub-blocks a limiter touched. pyloudnorm is the reference these are tested against.
"""

from __future__ import annotations

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


def sub_block_power(x: np.ndarray, sr: int, blocks: np.ndarray | None = None) -> np.ndarray:
    """K-weighted mean square of every 100 ms sub-block (or only of `blocks`), summed over channels."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    hop = sub_block_hop(sr)
    n_sub = x.shape[0] // hop
    frames = x[: n_sub * hop].reshape(n_sub, hop, x.shape[1])
    idx = np.arange(n_sub) if blocks is None else np.asarray(blocks)
    w = _weights(hop, sr)
    out = np.empty(idx.size, dtype=np.float64)
    # chunks of 128 sub-blocks keep the spectra small instead of allocating a mix-sized complex array
    for i in range(0, idx.size, 128):
        part = idx[i:i + 128]
        fr = frames[part[0]:part[-1] + 1] if blocks is None else frames[part]
        # (blocks, channels, samples) contiguous: the FFT runs along memory and the weighting is one matmul
        spec = sp_fft.rfft(np.ascontiguousarray(fr.transpose(0, 2, 1)), axis=-1, workers=2)  # complex64
        power = spec.real ** 2
        power += spec.imag ** 2
        out[i:i + part.size] = (power @ w).sum(axis=1)  # channel weights are 1
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
    flat = x.reshape(x.shape[0], -1)
    nb = flat.shape[0] // block
    body = flat[: nb * block].reshape(nb, -1)
    peaks = np.maximum(body.max(axis=1), -body.min(axis=1))
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
    hot = np.flatnonzero(peaks >= thr)
    n = x.shape[0]
    # the loud samples inside the hot blocks
    idx = (hot[:, None] * PEAK_BLOCK + np.arange(PEAK_BLOCK)[None, :]).ravel()
    idx = idx[idx < n]
    loud = idx[np.abs(x[idx]).max(axis=1) >= thr]
    # interpolate between each loud sample and both neighbours: positions i-1+k/4 and i+k/4
    starts = np.unique(np.concatenate([loud - 1, loud]))
    starts = starts[(starts >= 0) & (starts < n - 1)]
    taps = _interpolation_phases(oversample)  # (oversample-1, 12)
    best = peak
    overs = [none]
    for chunk in np.array_split(starts, max(1, starts.size // 65536)):
        win = np.clip(chunk[:, None] + 6 - np.arange(12)[None, :], 0, n - 1)  # (m, 12)
        between = np.abs(np.einsum("kj,mjc->mkc", taps, x[win])).max(axis=(1, 2)) if chunk.size else None
        if between is not None and between.size:
            best = max(best, float(between.max()))
            if over is not None:
                overs.append(chunk[between > over])
    return 20 * np.log10(best), np.concatenate(overs)
