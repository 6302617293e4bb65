"""Measurements on speech audio: F0, voicing, active level, speaking rate, silences.

Used by the speech backends (calibration, trimming, levelling) and by tests/QA to check that instruction
controls really moved the voice. Pitch analysis is Praat's autocorrelation method via parselmouth; frame
levels and RMS are engine/analysis.py's. All functions take mono float audio (numpy) and its sample rate.
"""

from __future__ import annotations

import re

import numpy as np

from engine.analysis import frame_db, rms_db
from engine.text import CJK

FRAME_S = 0.010  # energy frames for activity/silence decisions
ACTIVE_BELOW_PEAK_DB = 45.0  # a frame this far below the loudest one counts as silence


def _mono(audio: np.ndarray) -> np.ndarray:
    """float64 mono, as Praat takes it."""
    a = np.asarray(audio, dtype=np.float64)
    return a.mean(axis=1) if a.ndim == 2 else a


def active_mask(audio: np.ndarray, sr: int, below_peak_db: float = ACTIVE_BELOW_PEAK_DB,
                frame_s: float = FRAME_S) -> np.ndarray:
    """Per-frame True where the frame is within `below_peak_db` of the loudest frame (and not digital silence).
    A stereo clip is judged by its mono mix, as a speech clip is heard."""
    db = frame_db(_mono(audio), sr, frame_s)
    return (db > db.max() - below_peak_db) & (db > -90.0)


def active_bounds(audio: np.ndarray, sr: int, below_peak_db: float = ACTIVE_BELOW_PEAK_DB) -> tuple[int, int]:
    """(first, last+1) sample of the active region; (0, 0) if nothing is active."""
    mask = active_mask(audio, sr, below_peak_db)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return 0, 0
    hop = max(1, int(round(FRAME_S * sr)))
    return int(idx[0] * hop), int(min(len(audio), (idx[-1] + 1) * hop))


def active_duration(audio: np.ndarray, sr: int) -> float:
    """Seconds from the first to the last active frame (pauses inside count: they are part of the delivery)."""
    start, end = active_bounds(audio, sr)
    return (end - start) / float(sr)


def silent_gaps(audio: np.ndarray, sr: int, min_gap: float = 0.1,
                below_peak_db: float = ACTIVE_BELOW_PEAK_DB) -> list[tuple[float, float]]:
    """Silent runs between active regions, as (start seconds, length seconds), longest-first order not implied."""
    mask = active_mask(audio, sr, below_peak_db)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    inner = mask[idx[0]: idx[-1] + 1]
    gaps = []
    run_start = None
    for i, on in enumerate(inner):
        if not on and run_start is None:
            run_start = i
        elif on and run_start is not None:
            length = (i - run_start) * FRAME_S
            if length >= min_gap:
                gaps.append(((idx[0] + run_start) * FRAME_S, length))
            run_start = None
    return gaps


def active_rms_db(audio: np.ndarray, sr: int) -> float:
    """RMS over active frames only, dBFS: loudness of the speech itself, independent of pauses."""
    a = _mono(audio)
    hop = max(1, int(round(FRAME_S * sr)))
    mask = active_mask(a, sr)
    n = len(mask)
    if not mask.any() or n * hop > len(a):
        return rms_db(a)
    return rms_db(a[: n * hop].reshape(n, hop)[mask])


def f0_track(audio: np.ndarray, sr: int, floor: float = 50.0, ceiling: float = 600.0,
             time_step: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(times, f0 Hz) with 0 where unvoiced; Praat's autocorrelation pitch (To Pitch (ac), standard settings)."""
    import parselmouth

    snd = parselmouth.Sound(_mono(audio), float(sr))
    pitch = snd.to_pitch_ac(time_step=time_step, pitch_floor=floor, pitch_ceiling=ceiling)
    return pitch.xs(), np.nan_to_num(pitch.selected_array["frequency"])


def f0_median(audio: np.ndarray, sr: int, floor: float = 50.0, ceiling: float = 600.0) -> float:
    """Median F0 of voiced frames in Hz (nan when nothing is voiced)."""
    _, f0 = f0_track(audio, sr, floor, ceiling)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else float("nan")


def f0_range_semitones(audio: np.ndarray, sr: int) -> float:
    """Spread of the F0 contour: 10th→90th percentile of voiced F0, in semitones."""
    _, f0 = f0_track(audio, sr)
    voiced = f0[f0 > 0]
    if voiced.size < 5:
        return 0.0
    lo, hi = np.percentile(voiced, [10, 90])
    return float(12.0 * np.log2(hi / lo))


def formant_median(audio: np.ndarray, sr: int, number: int = 2, maximum_formant: float = 5500.0) -> float:
    """Median of formant `number` (1 = F1, 2 = F2 …) over voiced frames, Hz (Praat Burg).

    One ceiling for every voice on purpose: comparing the same analysis across voices shows how far the
    vocal tract was scaled (a female voice reads ~10-20 % higher than a male one).
    """
    import parselmouth

    snd = parselmouth.Sound(_mono(audio), float(sr))
    formant = snd.to_formant_burg(max_number_of_formants=5, maximum_formant=maximum_formant)
    pitch = snd.to_pitch_ac(pitch_floor=50.0, pitch_ceiling=600.0)
    times = formant.xs()
    values = np.array([formant.get_value_at_time(number, t) for t in times])
    f0 = np.nan_to_num(np.array([pitch.get_value_at_time(t) for t in times]))
    keep = np.isfinite(values) & (f0 > 0)
    return float(np.median(values[keep])) if keep.any() else float("nan")


def voiced_fraction(audio: np.ndarray, sr: int) -> float:
    """Share of active (non-silent) 10 ms frames that Praat finds voiced; whisper is near 0, speech ~0.5-0.8."""
    times, f0 = f0_track(audio, sr)
    mask = active_mask(audio, sr)
    frame_idx = np.minimum((times / FRAME_S).astype(int), len(mask) - 1)
    active = mask[frame_idx]
    if not active.any():
        return 0.0
    return float(np.mean(f0[active] > 0))


def count_words(text: str) -> int:
    """Spoken units: whitespace words, with each CJK character counted as one (a syllable)."""
    cjk = len(CJK.findall(text))
    rest = CJK.sub(" ", text)
    words = [w for w in re.split(r"\s+", rest) if re.search(r"\w", w)]
    return cjk + len(words)


def speaking_rate(audio: np.ndarray, sr: int, text: str) -> float:
    """Words (CJK: characters) per second of active speech."""
    dur = active_duration(audio, sr)
    return count_words(text) / dur if dur > 0 else 0.0
