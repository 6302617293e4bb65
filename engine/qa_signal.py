"""Signal measurements for rendered audio: loudness on excerpts of long clips, and the seam (loop-join) detector.

Used by backends to level their output and by per-clip QA; level and brightness are in engine/analysis.py.
Audio is float, shape (samples,) or (samples, channels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft

from . import loudness as _loudness
from .loudness import gated_loudness, sub_block_hop, sub_block_power
from scipy.ndimage import percentile_filter, uniform_filter1d



def _channels(audio: np.ndarray) -> np.ndarray:
    """(samples,) or (samples, channels) → (channels, samples), without copying."""
    a = np.asarray(audio)
    if a.ndim == 1:
        return a[None, :]
    if a.ndim != 2:
        raise ValueError(f"audio must be (samples,) or (samples, channels), got shape {a.shape}")
    return a.T  # a view: long clips are only ever read in windows


def _sub_powers(audio: np.ndarray, sr: int, max_seconds: float) -> np.ndarray:
    """K-weighted 100 ms sub-block powers (engine.loudness). Audio longer than max_seconds is measured on evenly
    spaced 4 s windows totalling about max_seconds: plenty for the stationary beds this is used on."""
    x = np.asarray(audio, dtype=np.float32)
    n = x.shape[0]
    if n <= max_seconds * sr:
        return sub_block_power(x, sr)
    win = int(4.0 * sr)
    starts = np.linspace(0, n - win, max(1, int(max_seconds / 4.0))).astype(int)
    return np.concatenate([sub_block_power(x[s:s + win], sr) for s in starts])


def block_loudness(audio: np.ndarray, sr: int, max_seconds: float = 60.0) -> np.ndarray:
    """Loudness (LUFS, ungated) of every 400 ms block (100 ms hop)."""
    p = _sub_powers(audio, sr, max_seconds)
    if p.size < 4:
        return np.zeros(0)
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(np.convolve(p, np.ones(4) / 4, mode="valid"))


def integrated_loudness(audio: np.ndarray, sr: int, max_seconds: float = 60.0) -> float:
    """BS.1770-4 integrated loudness (LUFS), on excerpts for long audio; -inf for silence."""
    if np.asarray(audio).shape[0] < 4 * sub_block_hop(sr):
        return _loudness.integrated_loudness(audio, sr)  # shorter than one gating block
    return gated_loudness(_sub_powers(audio, sr, max_seconds))


def peak_loudness(audio: np.ndarray, sr: int, max_seconds: float = 60.0) -> float:
    """Loudness of the loudest 400 ms block (max momentary, LUFS): the level of a one-shot like a knock."""
    if np.asarray(audio).shape[0] < 4 * sub_block_hop(sr):
        return _loudness.integrated_loudness(audio, sr)
    lb = block_loudness(audio, sr, max_seconds)
    return float(lb.max()) if lb.size else float("-inf")


# ---------------------------------------------------------------------------------------------------------------
# Seam detection
# ---------------------------------------------------------------------------------------------------------------

REPEAT_LIMIT = 0.5  # correlation of fine texture detail at some lag: a loop repeats it exactly (~1.0)
# How far a level step must stand out from the clip's own steps (robust z) and how big it must be to count as a
# splice jump. Natural sudden-and-lasting changes (a wave breaking, a car arriving) reach ~7 dB and z ~18 in our
# beds; a splice between two moments of different level is usually well past both.
STEP_LIMIT_Z = 20.0
STEP_LIMIT_DB = 9.0


@dataclass(frozen=True)
class SeamReport:
    score: float  # max(repetition / REPEAT_LIMIT, step part); above 1 means a loop or a splice jump was found
    kind: str  # "repeat", "step" or "" (nothing stands out): what the score comes from
    time: float  # seconds: the loop period (repeat) or where the jump is (step)
    repetition: float  # highest correlation of the fine spectro-temporal detail with itself at a lag >= 0.5 s
    period: float  # that lag (s): the loop length of a tiled clip
    step_db: float  # the sudden, lasting change of background level at the most suspicious instant (dB)
    step_z: float  # how far that step stands out from the clip's own level steps (robust z)

    @property
    def seamless(self) -> bool:
        return self.score < 1.0


def _band_levels(x: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Log energy (dB) in 8 octave-ish bands, 20 ms frames every 10 ms, and each band's weight (bands more than
    40 dB below the loudest one carry nothing and are left out)."""
    hop = int(round(0.01 * sr))
    frame = 2 * hop
    if x.size < frame + hop:
        return np.zeros((0, 8)), np.zeros(8)
    nfft = 1 << (frame - 1).bit_length()
    f = np.fft.rfftfreq(nfft, 1 / sr)
    edges = np.geomspace(100, min(16000, 0.45 * sr), 9)
    fb = np.stack([(f >= lo) & (f < hi) for lo, hi in zip(edges[:-1], edges[1:])], axis=1).astype(np.float32)
    win = np.hanning(frame).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float32), frame)[::hop]
    out = np.empty((frames.shape[0], 8), np.float32)
    for i in range(0, frames.shape[0], 8192):  # chunks keep the spectra small for 10-minute clips
        spec = np.abs(sfft.rfft(frames[i:i + 8192] * win, nfft, axis=1, workers=2)) ** 2
        out[i:i + 8192] = spec @ fb
    level = 10 * np.log10(out.astype(float) + 1e-30)
    typical = np.median(level, axis=0)
    level = np.maximum(level, typical - 30)  # near-silent frames should not turn into -100 dB cliffs
    weight = np.clip((typical - (typical.max() - 40)) / 40, 0, 1)
    return level, weight


def _repetition(level: np.ndarray, weight: np.ndarray, min_lag: int = 50, max_lag: int = 12000):
    """Max over lags of the normalised correlation of the fast part of the band levels (the detail of a noise
    texture, which never recurs in a continuous texture and recurs exactly in a tiled loop)."""
    fast = (level - uniform_filter1d(level, 51, axis=0, mode="nearest")) * weight
    n = fast.shape[0]
    max_lag = min(max_lag, n // 2)
    if max_lag <= min_lag:
        return 0.0, 0.0
    nfft = 1 << (2 * n - 1).bit_length()
    spec = np.fft.rfft(fast, nfft, axis=0)
    ac = np.fft.irfft(np.abs(spec) ** 2, nfft, axis=0)[:max_lag + 1].sum(axis=1)
    c = np.concatenate([[0.0], np.cumsum((fast ** 2).sum(axis=1))])
    lags = np.arange(max_lag + 1)
    r = ac / np.sqrt(c[n - lags] * (c[n] - c[lags]) + 1e-30)
    best = int(np.argmax(r[min_lag:])) + min_lag
    return float(r[best]), best * 0.01


def _level_steps(level: np.ndarray, weight: np.ndarray, w: int = 25, persist: int = 6) -> np.ndarray:
    """Sudden, lasting change of the background level at each 10 ms boundary (dB, band-weighted).

    The background is the 20th percentile over w frames (250 ms), so an added transient (a drop, a crackle) barely
    moves it. A change counts only as far as it is both sudden (between the 250 ms windows touching the boundary)
    and lasting (between the medians of `persist` such windows on either side, 1.5 s): a hard join between two
    moments or levels of a texture is both; a clink or a bird phrase is sudden but not lasting, a gust is lasting
    but not sudden."""
    n = level.shape[0]
    if n <= 2 * w:
        return np.zeros(0)
    bg = percentile_filter(level, 20, size=(w, 1), mode="nearest")
    b = np.arange(w, n - w + 1)  # boundary b lies between frames b-1 and b
    before = b - w // 2 - 1  # centre of the window [b-w, b-1]
    after = b + w // 2  # centre of the window [b, b+w-1]
    sudden = np.abs(bg[after] - bg[before])
    k = np.arange(persist) * w
    long_before = np.median(bg[np.clip(before[:, None] - k, 0, n - 1)], axis=1)
    long_after = np.median(bg[np.clip(after[:, None] + k, 0, n - 1)], axis=1)
    lasting = np.abs(long_after - long_before)
    return np.minimum(sudden, lasting) @ weight / max(weight.sum(), 1e-9)


def _robust_z(v: np.ndarray, floor: float) -> np.ndarray:
    med = np.median(v)
    mad = 1.4826 * np.median(np.abs(v - med))
    return (v - med) / max(mad, floor)


def seam_score(audio: np.ndarray, sr: int) -> SeamReport:
    """Look for loop seams in a texture that should run continuously (ambience beds).

    Two signs of a loop, each analysed per channel (score > 1 means found):
    - repetition: a tiled loop repeats the fine detail of its noise exactly at the loop period (0.5 s to 2 min),
      however smooth the join; a continuously generated texture never does (correlation ~0-0.3 against ~1.0);
    - a splice jump: the background level changes at one instant by more than STEP_LIMIT_DB and far more (robust
      z above STEP_LIMIT_Z) than it changes anywhere else in the clip.
    Meant for beds: sustained foreground events (birdsong phrases, speech) can trip the step part, and strictly
    periodic sources (a clock, a siren) the repetition part.
    """
    reports = [SeamReport(0.0, "", 0.0, 0.0, 0.0, 0.0, 0.0)]
    for ch in _channels(audio):
        level, weight = _band_levels(ch, sr)
        if level.shape[0] == 0:
            continue
        rep, period = _repetition(level, weight)
        step = _level_steps(level, weight)
        edge = 20  # the clip's own first and last 0.2 s are its edges, not joins
        inner = step[edge:-edge] if step.size > 2 * edge + 10 else step
        step_z = step_db = when = 0.0
        if inner.size:
            z = _robust_z(inner, floor=0.1)
            k = int(np.argmax(np.minimum(z / STEP_LIMIT_Z, inner / STEP_LIMIT_DB)))
            step_z, step_db = float(z[k]), float(inner[k])
            when = (k + (edge if inner is not step else 0) + 25) * 0.01
        rep_part, step_part = rep / REPEAT_LIMIT, max(0.0, min(step_z / STEP_LIMIT_Z, step_db / STEP_LIMIT_DB))
        score = max(rep_part, step_part)
        kind = "" if score < 1 else ("repeat" if rep_part >= step_part else "step")
        reports.append(SeamReport(score=float(score), kind=kind, time=period if rep_part >= step_part else when,
                                  repetition=rep, period=period, step_db=step_db, step_z=step_z))
    return max(reports, key=lambda r: r.score)
