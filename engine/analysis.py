"""Measurements of rendered audio: level (frame dB, RMS), brightness (spectral centroid), tempo, key/mode.

The one home of each general measurement: speech analysis (engine/analysis_speech.py), per-clip QA and the
tests all read levels and brightness from here, so a threshold means the same thing everywhere.
Used by backends, tests (to check a clip does what was asked, from the audio alone) and the quality bench.
numpy/scipy only, so it runs anywhere the engine runs. Every function takes float audio shaped (samples,) or
(samples, channels) and, where it needs one, its sample rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from math import gcd

import numpy as np
from scipy import signal

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def to_mono(audio: np.ndarray) -> np.ndarray:
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    elif x.ndim != 1:
        raise ValueError(f"audio must be shaped (samples,) or (samples, channels), got {x.shape}")
    return x


def _resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    if sr == target:
        return x
    g = gcd(int(sr), int(target))
    return signal.resample_poly(x, target // g, sr // g).astype(np.float32)


def _stft_blocks(x: np.ndarray, n_fft: int, hop: int, block_frames: int = 2048):
    """Yield the magnitude STFT (frames, bins) a block of frames at a time (bounded memory on long clips)."""
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    n_frames = 1 + (len(x) - n_fft) // hop
    win = signal.windows.hann(n_fft, sym=False).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    for b in range(0, n_frames, block_frames):
        yield np.abs(np.fft.rfft(frames[b:b + block_frames] * win, axis=1)).astype(np.float32)


def _stft_mag(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    return np.concatenate(list(_stft_blocks(x, n_fft, hop)), axis=0)


# ------------------------------------------------------------------------------------------------ level

def frame_db(audio: np.ndarray, sr: int, frame_s: float = 0.01) -> np.ndarray:
    """RMS level of consecutive frames (10 ms by default) over all channels, dBFS floored at -120, without a
    float64 copy of a long clip. Audio shorter than one frame gives one value, its whole level."""
    a = np.asarray(audio, dtype=np.float32)
    a = a.reshape(a.shape[0], -1)
    hop = max(1, int(round(frame_s * sr)))
    n = a.shape[0] // hop
    out = np.empty(max(n, 1), np.float64)
    if n == 0:
        out[0] = 20 * np.log10(max(float(np.sqrt(np.mean(a.astype(np.float64) ** 2))) if a.size else 0.0, 1e-6))
        return out
    step = 6000  # frames per chunk (60 s)
    for i in range(0, n, step):
        block = a[i * hop:min(n, i + step) * hop].reshape(-1, hop, a.shape[1])
        ms = np.einsum("fhc,fhc->f", block, block, dtype=np.float64) / (hop * a.shape[1])
        out[i:i + block.shape[0]] = 10 * np.log10(np.maximum(ms, 1e-12))
    return out


def rms_db(audio: np.ndarray) -> float:
    """RMS of every sample of every channel, dBFS; -inf for digital silence."""
    a = np.asarray(audio, float)
    r = math.sqrt(float(np.mean(a * a))) if a.size else 0.0
    return 20 * math.log10(r) if r > 0 else float("-inf")


# --------------------------------------------------------------------------------------------- loudness

# BS.1770 loudness lives in engine.loudness (one implementation for mixer, QA and analysis).
from .loudness import integrated_loudness  # noqa: E402,F401


# ------------------------------------------------------------------------------------------------ tempo

def onset_envelope(audio: np.ndarray, sr: int, hop_s: float = 0.005) -> tuple[np.ndarray, float]:
    """Onset strength, one value per hop; returns (envelope, frames per second).

    Spectral flux over 16 log-spaced bands (40 Hz–10 kHz), each band's magnitude log-compressed relative to
    its own mean level. Band-level (not bin-level) flux keeps broadband hi-hats from outweighing the kick and
    snare that carry the beat, while the per-band reference still lets a quiet kick register.
    """
    x = _resample(to_mono(audio), sr, 22050)
    fs = 22050
    hop = max(1, int(round(hop_s * fs)))
    n_fft = 1024
    freqs = np.fft.rfftfreq(n_fft, 1.0 / fs)
    edges = np.geomspace(40.0, 10000.0, 17)
    band_of = np.searchsorted(edges, freqs, side="right") - 1  # bin → band index, -1/16 outside
    inside = (band_of >= 0) & (band_of < 16)
    to_bands = np.zeros((len(freqs), 16), dtype=np.float32)
    to_bands[np.flatnonzero(inside), band_of[inside]] = 1.0
    bands = np.concatenate([m @ to_bands for m in _stft_blocks(x, n_fft, hop)], axis=0).astype(np.float64)
    level = np.log1p(bands / (bands.mean(axis=0) + 1e-9))
    flux = np.maximum(np.diff(level, axis=0), 0.0).sum(axis=1)
    return np.concatenate([[0.0], flux]), fs / hop


def tempo_scores(audio: np.ndarray, sr: int, min_bpm: float = 50.0, max_bpm: float = 200.0,
                 step_bpm: float = 0.05, max_lag_s: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """Tempo salience over a BPM grid; returns (bpm grid, score).

    Salience = mean autocorrelation of the onset envelope at every whole multiple of the beat period up to
    `max_lag_s` (a comb filter; averaging many multiples gives sub-BPM precision), weighted by a log-Gaussian
    preference for moderate tempi (centre 120 BPM, one octave standard deviation). A periodic pulse also
    scores at half its rate; the weighting breaks that tie towards the rate listeners tap, as in
    Ellis (2007), "Beat tracking by dynamic programming".
    """
    env, fps = onset_envelope(audio, sr)
    # Remove slow loudness drift so the autocorrelation measures periodicity, not the mean level.
    win = max(3, int(round(1.5 * fps)))
    env = env - np.convolve(env, np.ones(win) / win, mode="same")
    sm = signal.windows.gaussian(7, 1.5)
    env = np.convolve(env, sm / sm.sum(), mode="same")
    n = len(env)
    max_lag = int(min(max_lag_s * fps, n - 1))
    if max_lag < 2 * fps * 60.0 / min_bpm:
        raise ValueError("audio too short to estimate tempo (need at least two beats at min_bpm)")
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(env, nfft)
    acf = np.fft.irfft(spec * np.conj(spec), nfft)[: max_lag + 2]
    acf = acf / (acf[0] + 1e-12)
    # Unbiased: later lags overlap fewer frames.
    acf = acf * n / (n - np.arange(len(acf)))
    bpms = np.arange(min_bpm, max_bpm + step_bpm / 2, step_bpm)
    lags_grid = np.arange(len(acf))
    scores = np.empty(len(bpms))
    for i, bpm in enumerate(bpms):
        period = 60.0 / bpm * fps
        k = np.arange(1, int(max_lag // period) + 1)
        scores[i] = np.interp(k * period, lags_grid, acf).mean()
    prior = np.exp(-0.5 * np.log2(bpms / 120.0) ** 2)
    return bpms, scores * prior


def estimate_tempo(audio: np.ndarray, sr: int, min_bpm: float = 50.0, max_bpm: float = 200.0) -> float:
    """Beats per minute of the strongest pulse in [min_bpm, max_bpm], from the audio alone.

    Precise (well under 1 BPM on a steady beat); the octave is a judgement: tempi far from 120 BPM (below
    ~70, above ~150) may be reported doubled or halved when the beat level is not clearly the strongest.
    """
    bpms, scores = tempo_scores(audio, sr, min_bpm, max_bpm)
    i = int(np.argmax(scores))
    if 0 < i < len(scores) - 1:
        a, b, c = scores[i - 1], scores[i], scores[i + 1]
        denom = a - 2 * b + c
        if denom < 0:
            return float(bpms[i] + 0.5 * (a - c) / denom * (bpms[1] - bpms[0]))
    return float(bpms[i])


# ------------------------------------------------------------------------------------------- key, mode

@lru_cache(maxsize=4)
def _harmonic_dictionary(lo: int, hi: int, decay: float, n_harm: int) -> np.ndarray:
    """Columns: semitone-binned spectra of harmonic tones (partial h at amplitude decay**(h-1))."""
    n = hi - lo + 1
    d = np.zeros((n, n))
    for q in range(n):
        for h in range(1, n_harm + 1):
            p = q + int(round(12 * np.log2(h)))
            if p < n:
                d[p, q] += decay ** (h - 1)
    return d


def chroma(audio: np.ndarray, sr: int, fmin_midi: int = 33, fmax_midi: int = 84) -> np.ndarray:
    """Mean pitch-class profile (12 values summing to 1, index 0 = C).

    A plain spectrum puts each note's upper partials on other pitch classes (the 5th harmonic of A is a C#,
    which makes A minor look like A major). So each 0.74 s frame's semitone spectrum is explained as a
    non-negative mix of harmonic tones (NNLS, as in Mauch & Dixon's NNLS Chroma), and only the tones'
    fundamentals are counted. Frames are normalised before averaging so loud passages do not dominate.
    The range stops at C6 (MIDI 84): above it, bright low notes' upper partials outnumber real melody
    notes and the single-shape dictionary explains them poorly.
    """
    from scipy.optimize import nnls

    x = _resample(to_mono(audio), sr, 11025)
    fs = 11025
    n_fft = 8192
    mag = _stft_mag(x, n_fft, n_fft // 2)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / fs)
    with np.errstate(divide="ignore"):
        midi = 69 + 12 * np.log2(freqs / 440.0)
    semis = np.round(midi)
    sel = (semis >= fmin_midi) & (semis <= fmax_midi)
    idx = (semis[sel] - fmin_midi).astype(int)
    n_p = fmax_midi - fmin_midi + 1
    spec = np.zeros((mag.shape[0], n_p))
    for j, col in zip(idx, mag[:, sel].T):
        spec[:, j] += col
    energy = spec.sum(axis=1)
    keep = energy > 1e-3 * (energy.max() + 1e-12)
    if not np.any(keep):
        return np.full(12, 1.0 / 12)
    dictionary = _harmonic_dictionary(fmin_midi, fmax_midi, 0.8, 20)
    prof = np.zeros(12)
    pcs = (np.arange(fmin_midi, fmax_midi + 1)) % 12
    for frame in spec[keep]:
        act, _ = nnls(dictionary, frame / frame.sum())
        total = act.sum()
        if total > 0:
            np.add.at(prof, pcs, act / total)
    return prof / (prof.sum() or 1.0)


def _tonic_index(tonic: str | int) -> int:
    if isinstance(tonic, (int, np.integer)):
        return int(tonic) % 12
    name = tonic.strip()
    flats = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E"}
    name = name[:1].upper() + name[1:]
    name = flats.get(name, name)
    if name == "E#":
        name = "F"
    if name == "B#":
        name = "C"
    if name not in PITCH_CLASSES:
        raise ValueError(f"tonic {tonic!r} is not a note name (C, C#, Db, … B)")
    return PITCH_CLASSES.index(name)


def mode_correlations(profile: np.ndarray, tonic: str | int) -> dict[str, float]:
    """Pearson correlation of a chroma profile with the Krumhansl major and minor profiles on `tonic`."""
    t = _tonic_index(tonic)
    return {
        "major": float(np.corrcoef(profile, np.roll(KK_MAJOR, t))[0, 1]),
        "minor": float(np.corrcoef(profile, np.roll(KK_MINOR, t))[0, 1]),
    }


@dataclass(frozen=True)
class KeyEstimate:
    tonic: str
    mode: str
    correlation: float


def estimate_key(audio: np.ndarray, sr: int) -> KeyEstimate:
    """Best of the 24 major/minor keys by Krumhansl–Schmuckler profile correlation."""
    prof = chroma(audio, sr)
    best = KeyEstimate("C", "major", -2.0)
    for t in range(12):
        for mode, r in mode_correlations(prof, t).items():
            if r > best.correlation:
                best = KeyEstimate(PITCH_CLASSES[t], mode, r)
    return best


# ---------------------------------------------------------------------------------------------- timbre

def spectral_centroid(audio: np.ndarray, sr: int, max_seconds: float = 30.0) -> float:
    """Brightness (Hz): the magnitude-weighted mean frequency of the channel mix (Welch spectrum, first
    max_seconds). Magnitude rather than power weighting, as is usual for this feature, so a strong low end does
    not hide what happens above it; lower is darker. Welch averages the frames' power, so the sounding part of
    a clip counts for more than its quiet tail."""
    a = np.asarray(audio)
    if a.ndim not in (1, 2):
        raise ValueError(f"audio must be shaped (samples,) or (samples, channels), got {a.shape}")
    head = a[:int(max_seconds * sr)]
    x = head.mean(axis=1, dtype=float) if head.ndim == 2 else head.astype(float)
    f, p = signal.welch(x, sr, nperseg=min(4096, max(16, x.size)))
    mag = np.sqrt(p)
    return float(np.sum(f * mag) / np.sum(mag)) if np.sum(mag) > 0 else 0.0
