"""Signal processing that delivers a line, shared by every speech backend (Piper, VibeVoice).

- `shift_voice`: pitch and formant shift with Praat (the method of its "Change gender" command), with the F0
  contour reshaped by the line's prosody (range, declination, final rise, tremor, jitter);
- `change_tempo`: speak faster or slower with the pitch kept (Praat overlap-add);
- `noise_excited` (whisper) and `add_breath`: the voice's spectral envelope driven by noise (WORLD);
- `tilt` (spectral tilt), `set_level` (active-speech RMS) and `limit` (look-ahead peak limiter);
- `assemble`: trimmed speech parts and pause seconds joined so that each pause is the speech-to-speech gap.

Mono float32 audio in, mono float32 audio out. What each emotion or style asks for is in engine/prosody.py.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from engine.analysis_speech import FRAME_S, active_bounds, active_mask
from engine.backends.base import BackendError

REFERENCE_LEVEL_DB = -23.0  # active-speech RMS of a neutral line; volume/emotion/style offsets add to it
PEAK_CEILING = 0.95
OUTER_PAD_S = 0.05  # natural breath of silence kept before and after the line
JOIN_PAD_S = 0.01  # kept around a pause so consonant onsets/releases survive trimming
FADE_S = 0.005

_PRAAT_LOCK = threading.Lock()  # Praat keeps global state; one manipulation at a time


@contextlib.contextmanager
def _seeded_praat_random():
    """Praat's overlap-add draws random pulse positions in unvoiced stretches when it changes duration; a fixed
    seed keeps the clip a function of the request. Other Praat users get their entropy back afterwards.
    Call with _PRAAT_LOCK held."""
    from parselmouth.praat import run as praat_run

    praat_run("random_initializeWithSeedUnsafelyButPredictably (1)")
    try:
        yield
    finally:
        praat_run("random_initializeSafelyAndUnpredictably ()")


def _fit_length(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - len(x), dtype=x.dtype)])


def shift_voice(audio: np.ndarray, sr: int, *, f0_scale: float, formant_ratio: float, range_factor: float = 1.0,
                declination_st: float = 0.0, final_rise_st: float = 0.0, tremolo: float = 0.0,
                jitter: float = 0.0, source_f0: float = 110.0) -> np.ndarray:
    """Pitch + formant shift with Praat, duration preserved (the method of Praat's "Change gender").

    The sound is replayed at sr·formant_ratio (all frequencies, formants included, scale by the ratio and the
    duration shrinks), then PSOLA sets every pitch point to
        level · (f0 / mean)^range_factor · declination/rise · (1 + tremor + jitter)
    where level = f0_scale × the line's own mean F0, and stretches the duration back by the same ratio.
    """
    import parselmouth
    import soxr
    from parselmouth.praat import call

    identity = (abs(f0_scale - 1) < 1e-3 and abs(formant_ratio - 1) < 1e-3 and abs(range_factor - 1) < 1e-3
                and not declination_st and not final_rise_st and not tremolo and not jitter)
    if identity or len(audio) < int(0.1 * sr):
        return audio
    n = len(audio)
    x = audio.astype(np.float64)
    if abs(formant_ratio - 1) >= 1e-3:
        x = soxr.resample(x, sr * formant_ratio, sr, quality="HQ")
    floor = float(np.clip(0.5 * source_f0 * formant_ratio, 40.0, 200.0))
    ceiling = float(np.clip(3.5 * source_f0 * formant_ratio, 300.0, 900.0))
    with _PRAAT_LOCK:
        snd = parselmouth.Sound(x, float(sr))
        manipulation = call(snd, "To Manipulation", 0.01, floor, ceiling)
        tier = call(manipulation, "Extract pitch tier")
        if call(tier, "Get number of points") == 0:
            return audio  # nothing voiced (e.g. "Shh!"): no pitch to move
        mean = call(tier, "Get mean (points)", 0, 0)
        level = f0_scale * mean / formant_ratio
        dur = snd.duration
        formula = (
            f"{level:.6f} * (self / {mean:.6f}) ^ {range_factor:.4f}"
            f" * 2 ^ (({declination_st:.4f} * (x / {dur:.6f} - 0.5)"
            f" + {final_rise_st:.4f} * max(0, (x / {dur:.6f} - 0.7) / 0.3) ^ 2) / 12)"
            f" * (1 + {tremolo:.5f} * sin(2 * pi * 5.3 * x)"
            f" + {jitter:.5f} * (sin(2 * pi * 11.3 * x + 1.1) + sin(2 * pi * 17.9 * x + 2.3)) / 2)"
        )
        call(tier, "Formula", formula)
        call([tier, manipulation], "Replace pitch tier")
        if abs(formant_ratio - 1) >= 1e-3:
            durations = call("Create DurationTier", "restore", 0, dur)
            call(durations, "Add point", 0, formant_ratio)
            call([manipulation, durations], "Replace duration tier")
        with _seeded_praat_random():
            out = call(manipulation, "Get resynthesis (overlap-add)")
        y = out.values[0].astype(np.float32)
    return _fit_length(y, n)


def change_tempo(audio: np.ndarray, sr: int, factor: float) -> np.ndarray:
    """Speak `factor` times faster (pitch kept) with Praat's overlap-add; seeded so takes stay deterministic."""
    if abs(factor - 1.0) < 1e-3 or audio.size < int(0.1 * sr):
        return audio
    import parselmouth
    from parselmouth.praat import call

    with _PRAAT_LOCK, _seeded_praat_random():
        out = call(parselmouth.Sound(audio.astype(np.float64), float(sr)), "Lengthen (overlap-add)", 75.0, 600.0,
                   1.0 / factor)
    return out.values[0].astype(np.float32)


def noise_excited(audio: np.ndarray, sr: int) -> np.ndarray:
    """Whisper: the same spectral envelope (WORLD CheapTrick) driven by noise only (F0 0, aperiodicity 1)."""
    import pyworld

    x = audio.astype(np.float64)
    if len(x) < int(0.05 * sr):
        return audio
    f0, t = pyworld.dio(x, sr, f0_floor=50.0, f0_ceil=800.0, frame_period=5.0)
    envelope = pyworld.cheaptrick(x, f0, t, sr)
    y = pyworld.synthesize(np.zeros_like(f0), envelope, np.ones_like(envelope), sr, 5.0)
    return _fit_length(y.astype(np.float32), len(audio))


def add_breath(audio: np.ndarray, sr: int, amount: float) -> np.ndarray:
    """Mix an aspirated (noise-excited) copy under the voice; amount is its level relative to the voice."""
    if amount <= 0:
        return audio
    noise = noise_excited(audio, sr)
    scale = np.sqrt(np.mean(audio**2) / max(np.mean(noise**2), 1e-12))
    return (audio + amount * scale * noise).astype(np.float32)


def tilt(audio: np.ndarray, sr: int, tilt_db: float) -> np.ndarray:
    """Spectral tilt as a high shelf at 1.5 kHz: pressed/bright voices gain highs, lax/dark ones lose them."""
    if abs(tilt_db) < 0.1:
        return audio
    import pedalboard

    shelf = pedalboard.HighShelfFilter(cutoff_frequency_hz=1500.0, gain_db=float(tilt_db), q=0.7071)
    return shelf(audio.astype(np.float32), sr).astype(np.float32)


def limit(audio: np.ndarray, sr: int, ceiling: float = PEAK_CEILING) -> np.ndarray:
    """Look-ahead peak limiter: gain never above ceiling/|x| anywhere, smoothed over 5 ms (no hard clipping)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= ceiling:
        return audio
    needed = np.minimum(1.0, ceiling / np.maximum(np.abs(audio), 1e-9))
    w = max(1, int(0.005 * sr))
    # The average over ±w/2 of a minimum over ±w stays below `needed` at every sample.
    gain = uniform_filter1d(minimum_filter1d(needed, size=2 * w + 1), size=w)
    return np.clip(audio * gain, -ceiling, ceiling).astype(np.float32)


def set_level(audio: np.ndarray, sr: int, level_db: float) -> np.ndarray:
    """Scale so the active speech has RMS `level_db` dBFS, then limit peaks below the ceiling."""
    mask = active_mask(audio, sr)
    hop = max(1, int(round(FRAME_S * sr)))
    n = min(len(mask), len(audio) // hop)
    frames = audio[: n * hop].reshape(n, hop)[mask[:n]] if n else audio[None, :]
    rms = float(np.sqrt(np.mean(frames.astype(np.float64) ** 2))) if frames.size else 0.0
    if rms < 1e-7:
        raise BackendError("speech synthesis produced silence; check the text and the voice file")
    gained = (audio * (10 ** (level_db / 20.0) / rms)).astype(np.float32)
    return limit(gained, sr)


def _fade(x: np.ndarray, sr: int) -> np.ndarray:
    n = min(int(FADE_S * sr), len(x) // 2)
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        x = x.copy()
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def assemble(parts: list[np.ndarray | float], sr: int) -> tuple[np.ndarray, list[dict]]:
    """Join trimmed speech parts and pause seconds so that each pause is the speech-to-speech gap."""
    out: list[np.ndarray] = []
    pauses: list[dict] = []
    position = 0
    for i, part in enumerate(parts):
        if isinstance(part, float):
            pad_before = JOIN_PAD_S if i > 0 and not isinstance(parts[i - 1], float) else 0.0
            pad_after = JOIN_PAD_S if i + 1 < len(parts) and not isinstance(parts[i + 1], float) else 0.0
            n = max(0, int(round((part - pad_before - pad_after) * sr)))
            pauses.append({"at": round((position - pad_before * sr) / sr, 3), "seconds": part})
            out.append(np.zeros(n, np.float32))
            position += n
            continue
        pad_before = JOIN_PAD_S if i > 0 else OUTER_PAD_S
        pad_after = JOIN_PAD_S if i + 1 < len(parts) else OUTER_PAD_S
        start, end = active_bounds(part, sr)
        if end <= start:
            continue
        seg = part[max(0, start - int(JOIN_PAD_S * sr)): min(len(part), end + int(JOIN_PAD_S * sr))]
        seg = _fade(seg.astype(np.float32), sr)
        lead = np.zeros(int(round((pad_before - JOIN_PAD_S) * sr)), np.float32)
        tail = np.zeros(int(round((pad_after - JOIN_PAD_S) * sr)), np.float32)
        out.extend([lead, seg, tail])
        position += len(lead) + len(seg) + len(tail)
    audio = np.concatenate(out) if out else np.zeros(0, np.float32)
    return audio, pauses
