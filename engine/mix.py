"""Takes + timeline → stems and a mastered mix. numpy float32, sample-accurate.

Order of work: each clip is levelled (its measured loudness → a per-role reference, plus the user's gain),
faded, and placed on its track; neighbours on a track crossfade over the tail "handle" the renderer asked
the model for; background stems duck under speech; the stems are summed and mastered to a loudness target
with a true-peak ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sp_fft
import scipy.signal as sps
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .plan import Plan, Timeline

CHANNELS = 2
# Reference loudness per role before mastering (LUFS). Speech sits on top; beds well under it.
ROLE_LUFS = {
    ("speech", "foreground"): -18.0,
    ("sound", "foreground"): -21.0,
    ("music", "foreground"): -21.0,
    ("speech", "background"): -24.0,
    ("sound", "background"): -26.0,
    ("music", "background"): -27.0,
}


@dataclass
class MixSettings:
    crossfade: float = 3.0  # seconds, sound/music neighbours on a track (AudioStory joins clips with 3 s)
    speech_fade: float = 0.02  # short fades around speech so nothing clicks
    edge_fade: float = 0.01  # minimum fade on every clip edge
    duck_depth_db: float = -10.0  # background level under speech
    duck_attack: float = 0.15
    duck_release: float = 0.5
    target_lufs: float = -16.0
    true_peak_db: float = -1.0
    level_clips: bool = True


@dataclass
class MixResult:
    audio: np.ndarray  # (samples, 2) float32, mastered
    stems: dict[str, np.ndarray]  # track → (samples, 2), with the master gain applied (before limiting)
    sample_rate: int
    loudness: float
    true_peak_db: float
    master_gain_db: float
    limited: bool
    warnings: list[str] = field(default_factory=list)


# --- loudness and peaks -------------------------------------------------------------------------------
def _k_weighting_power(freqs: np.ndarray, sr: int) -> np.ndarray:
    """|H(f)|² of the BS.1770 K-weighting (pre-filter shelf + RLB high-pass), coefficients as in the standard."""
    b1, a1 = _k_filters(sr)
    w = 2 * np.pi * freqs / sr
    h = np.ones_like(freqs, dtype=np.float64)
    for b, a in (b1, a1):
        _, resp = sps.freqz(b, a, worN=w)
        h *= np.abs(resp) ** 2
    return h


def _k_filters(sr: int):
    # BS.1770-4 filters derived for any sample rate (same bilinear design as the standard's 48 kHz values).
    f0, g, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sr)
    vh = 10 ** (g / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
             np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sr)
    hp = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / (1 + k / q + k * k),
                                                (1 - k / q + k * k) / (1 + k / q + k * k)]))
    return shelf, hp


def integrated_loudness(x: np.ndarray, sr: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) with absolute and relative gating.

    The K-weighted power of each 100 ms sub-block is computed from its spectrum (Parseval), which is an order
    of magnitude faster than time-domain IIR filtering of a long mix and agrees with pyloudnorm within
    ~0.1 LU on programme material (tested); 400 ms gating blocks with 75 % overlap are sums of 4 sub-blocks.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    hop = int(round(0.1 * sr))
    n_sub = x.shape[0] // hop
    if n_sub < 4:
        return float("-inf")
    frames = x[: n_sub * hop].reshape(n_sub, hop, x.shape[1])
    spec = sp_fft.rfft(frames, axis=1, workers=-1)  # complex64: float32 in, float32 out
    weight = _k_weighting_power(np.fft.rfftfreq(hop, 1.0 / sr), sr)
    weight[1:-1 if hop % 2 == 0 else None] *= 2  # one-sided spectrum: count positive and negative bins
    power = spec.real ** 2 + spec.imag ** 2
    # mean square per sub-block, summed over channels (BS.1770 weights L/R and mono by 1.0)
    sub_power = np.tensordot(power, weight.astype(np.float32), axes=([1], [0])).sum(axis=1) / (hop * hop)
    blocks = np.convolve(sub_power, np.ones(4) / 4, mode="valid")
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10 * np.log10(blocks)
    gated = blocks[lk > -70.0]
    if gated.size == 0:
        return float("-inf")
    rel = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    gated = blocks[(lk > -70.0) & (lk > rel)]
    return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else float("-inf")


def true_peak_db(x: np.ndarray, sr: int, oversample: int = 4) -> float:
    """BS.1770 true peak (dBTP): 4× oversampled, evaluated only around the loudest samples (inter-sample
    overs stay within ~3 dB of the sample peak, so quieter regions cannot hold the maximum)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    a = np.abs(x).max(axis=1)
    peak = float(a.max()) if a.size else 0.0
    if peak <= 0:
        return float("-inf")
    block = 256
    nb = -(-a.shape[0] // block)
    padded = np.zeros(nb * block, dtype=np.float32)
    padded[: a.shape[0]] = a
    bmax = padded.reshape(nb, block).max(axis=1)
    hot = np.flatnonzero(bmax >= peak * 10 ** (-3.2 / 20))
    # oversample every hot block at once, each with some context so the filter sees real neighbours
    ctx = 32
    xp = np.pad(x, ((ctx, nb * block - x.shape[0] + ctx), (0, 0)))
    idx = hot[:, None] * block + np.arange(block + 2 * ctx)[None, :]
    up = sps.resample_poly(xp[idx], oversample, 1, axis=1)
    best = max(peak, float(np.abs(up[:, ctx * oversample: -ctx * oversample]).max()))
    return 20 * np.log10(best)


def limit(x: np.ndarray, sr: int, ceiling_db: float, lookahead: float = 0.005, release: float = 0.08) -> bool:
    """In-place look-ahead peak limiter; works only on the regions that exceed the ceiling. Returns True if it acted."""
    ceil = 10 ** (ceiling_db / 20)
    a = np.abs(x).max(axis=1)
    over = np.flatnonzero(a > ceil)
    if over.size == 0:
        return False
    la, rel = max(1, int(lookahead * sr)), max(1, int(release * sr))
    # Group overs into regions padded by look-ahead and release so each region is processed once.
    splits = np.flatnonzero(np.diff(over) > 2 * (la + rel)) + 1
    for grp in np.split(over, splits):
        lo, hi = max(0, grp[0] - 2 * la), min(len(a), grp[-1] + 2 * rel)
        need = np.minimum(1.0, ceil / np.maximum(a[lo:hi], 1e-9))
        # hold the lowest gain across the look-ahead window, then smooth attack and release
        g = minimum_filter1d(need, size=2 * la + 1, mode="nearest")
        g = uniform_filter1d(g, size=la, mode="nearest")
        g = np.minimum(g, minimum_filter1d(need, size=3, mode="nearest"))
        r = sps.lfilter([1 - np.exp(-1 / rel)], [1, -np.exp(-1 / rel)], 1 - g, zi=[0.0])[0]
        g = np.minimum(g, 1 - r)  # release: the reduction decays slowly after each peak
        x[lo:hi] *= g[:, None].astype(np.float32)
    return True


# --- placement --------------------------------------------------------------------------------------
def as_stereo(audio: np.ndarray) -> np.ndarray:
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 1:
        return np.repeat(a[:, None], CHANNELS, axis=1)
    if a.shape[1] == 1:
        return np.repeat(a, CHANNELS, axis=1)
    return a[:, :CHANNELS]


def _fade(n: int, out: bool, equal_power: bool) -> np.ndarray:
    t = (np.arange(n, dtype=np.float32) + 0.5) / max(n, 1)
    curve = np.sin(0.5 * np.pi * t) if equal_power else t
    return curve[::-1] if out else curve


def duck_envelope(n: int, sr: int, intervals: list[tuple[float, float]], settings: MixSettings) -> np.ndarray | None:
    """Gain curve for background stems: the configured depth under each speech interval, with ramps."""
    if not intervals or settings.duck_depth_db >= 0:
        return None
    env = np.ones(n, dtype=np.float32)
    depth = np.float32(10 ** (settings.duck_depth_db / 20))
    att, rel = int(settings.duck_attack * sr), int(settings.duck_release * sr)
    merged: list[list[float]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1] + settings.duck_release + settings.duck_attack:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    for s, e in merged:
        i0, i1 = int(s * sr), min(n, int(e * sr))
        env[max(0, i0): i1] = depth
        if att > 0:
            lo = max(0, i0 - att)
            ramp = np.linspace(1.0, depth, i0 - lo, endpoint=False, dtype=np.float32)
            env[lo:i0] = np.minimum(env[lo:i0], ramp)
        if rel > 0 and i1 < n:
            hi = min(n, i1 + rel)
            ramp = np.linspace(depth, 1.0, hi - i1, endpoint=False, dtype=np.float32)
            env[i1:hi] = np.minimum(env[i1:hi], ramp)
    return env


def clip_gain_db(kind: str, track: str, clip_lufs: float | None, user_gain_db: float, settings: MixSettings) -> float:
    if not settings.level_clips or clip_lufs is None or not np.isfinite(clip_lufs):
        return user_gain_db
    return ROLE_LUFS[(kind, track)] - clip_lufs + user_gain_db


def mix(plan: Plan, timeline: Timeline, clips: dict[str, np.ndarray], settings: MixSettings | None = None,
        clip_lufs: dict[str, float] | None = None) -> MixResult:
    """Mix the active takes. `clips` maps segment id → audio at plan.sample_rate (mono or stereo).

    Segments without audio (not rendered, or failed) are left silent and reported in warnings.
    """
    settings = settings or MixSettings()
    sr = plan.sample_rate
    n = int(round(timeline.total * sr))
    stems = {"foreground": np.zeros((n, CHANNELS), np.float32), "background": np.zeros((n, CHANNELS), np.float32)}
    warnings: list[str] = []
    clip_lufs = clip_lufs or {}
    by_id = {s.id: s for s in plan.segments}

    for track, stem in stems.items():
        placed = sorted((p for p in timeline.placements if p.track == track), key=lambda p: p.start)
        # incoming crossfade length for each clip, decided by its predecessor's handle
        fade_in_from_prev: dict[str, int] = {}
        for i, p in enumerate(placed):
            seg = by_id[p.segment_id]
            audio = clips.get(p.segment_id)
            if audio is None:
                warnings.append(f"segment {p.segment_id} has no audio yet; it is silent in the mix")
                continue
            a = as_stereo(audio)
            start = int(round(p.start * sr))
            body = int(round(p.duration * sr))
            nxt = placed[i + 1] if i + 1 < len(placed) else None
            tail = 0
            if (nxt is not None and nxt.segment_id in clips and seg.kind != "speech" and nxt.kind != "speech"
                    and abs(nxt.start - p.end) < 0.02):
                tail = max(0, min(int(settings.crossfade * sr), a.shape[0] - body, int(round(nxt.duration * sr))))
                if tail:
                    fade_in_from_prev[nxt.segment_id] = tail
            length = min(a.shape[0], body + tail, n - start)
            if length <= 0:
                continue
            g = np.float32(10 ** (clip_gain_db(seg.kind, track, clip_lufs.get(p.segment_id), seg.gain_db, settings) / 20))
            piece = a[:length] * g
            edge = int((settings.speech_fade if seg.kind == "speech" else settings.edge_fade) * sr)
            fin = max(fade_in_from_prev.get(p.segment_id, 0), int(seg.fade_in * sr), edge)
            fout = tail if tail else max(int(seg.fade_out * sr), edge)
            fin, fout = min(fin, length), min(fout, length)
            eq = bool(fade_in_from_prev.get(p.segment_id))
            if fin:
                piece[:fin] *= _fade(fin, out=False, equal_power=eq)[:, None]
            if fout:
                piece[length - fout:] *= _fade(fout, out=True, equal_power=bool(tail))[:, None]
            stem[start:start + length] += piece

    speech = [(p.start, p.end) for p in timeline.placements if p.kind == "speech" and p.track == "foreground"
              and p.segment_id in clips]
    env = duck_envelope(n, sr, speech, settings)
    if env is not None:
        stems["background"] *= env[:, None]

    out = stems["foreground"] + stems["background"]
    loud = integrated_loudness(out, sr)
    if not np.isfinite(loud):
        warnings.append("the mix is silent; nothing to master")
        return MixResult(out, stems, sr, loud, true_peak_db(out, sr), 0.0, False, warnings)
    gain_db, final, limited, tp = 0.0, loud, False, float("-inf")
    unlimited = out
    # Gain to the target, limit peaks, re-measure; limiting costs loudness, so a second pass adds it back.
    for _ in range(3):
        step = settings.target_lufs - final
        if abs(step) < 0.2 and gain_db != 0.0:
            break
        gain_db += step
        out = unlimited * np.float32(10 ** (gain_db / 20))
        # limit against the sample peak with a margin, then verify the true peak
        limited = limit(out, sr, settings.true_peak_db - 0.3)
        tp = true_peak_db(out, sr)
        if np.isfinite(tp) and tp > settings.true_peak_db:
            out *= np.float32(10 ** ((settings.true_peak_db - 0.05 - tp) / 20))
            tp, limited = true_peak_db(out, sr), True
        # scaling shifts BS.1770 loudness exactly by the gain (gates are relative): re-measure only if limited
        final = integrated_loudness(out, sr) if limited else loud + gain_db
        if not limited:
            break
    g = np.float32(10 ** (gain_db / 20))
    for st in stems.values():
        st *= g
    return MixResult(out, stems, sr, final, tp, gain_db, limited, warnings)
