"""Takes + timeline → stems and a mastered mix. numpy float32, sample-accurate.

Order of work: each clip is levelled (its measured loudness → a per-role reference, plus the user's gain),
faded, and placed on its track; neighbours on a track crossfade over the tail "handle" the renderer asked
the model for; background stems duck under speech; the stems are summed and mastered to a loudness target
with a true-peak ceiling.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.signal as sps
from scipy.linalg import blas
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from threadpoolctl import ThreadpoolController

from .loudness import (PEAK_BLOCK, block_peaks, gated_loudness, integrated_loudness, sub_block_hop, sub_block_power, true_peak,
                       true_peak_db)
from .plan import Plan
from .timing import Timeline

__all__ = ["MixSettings", "MixResult", "mix", "limit", "integrated_loudness", "true_peak_db"]

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
    # level the master by its plain RMS over the whole file instead (audiobook stores measure that, pauses
    # included); None: by integrated loudness
    target_rms_dbfs: float | None = None
    level_clips: bool = True


@dataclass
class MixResult:
    audio: np.ndarray  # (samples, 2) float32, mastered
    stems: dict[str, np.ndarray]  # track → (samples, 2) before the master gain; see master_stems()
    sample_rate: int
    loudness: float
    true_peak_db: float
    master_gain_db: float
    limited: bool
    warnings: list[str] = field(default_factory=list)

    def master_stems(self) -> dict[str, np.ndarray]:
        """Stems at the master's gain (before limiting), so they sum to the mix for export."""
        g = np.float32(10 ** (self.master_gain_db / 20))
        return {k: v * g for k, v in self.stems.items()}


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of arange(lo[k], hi[k]) for every k, without a Python loop."""
    lengths = hi - lo
    if lengths.sum() == 0:
        return np.zeros(0, np.int64)
    return np.arange(lengths.sum()) + np.repeat(lo - np.r_[0, np.cumsum(lengths)[:-1]], lengths)


def limit(x: np.ndarray, sr: int, ceiling_db: float, lookahead: float = 0.005,
          release: float = 0.08, peaks: np.ndarray | None = None) -> list[tuple[int, int]]:
    """In-place look-ahead peak limiter. Only blocks whose peak exceeds the ceiling are processed; returns the
    sample ranges it changed (empty when nothing was over). `peaks` (block_peaks of x) is updated in place."""
    ceil = 10 ** (ceiling_db / 20)
    peaks = block_peaks(x) if peaks is None else peaks
    hot = np.flatnonzero(peaks > ceil)
    if hot.size == 0:
        return []
    la, rel = max(1, int(lookahead * sr)), max(1, int(release * sr))
    pad_blocks = 1 + (2 * (la + rel)) // PEAK_BLOCK
    # neighbouring hot blocks closer than the attack+release span are limited as one region
    splits = np.flatnonzero(np.diff(hot) > 2 * pad_blocks) + 1
    first, last = hot[np.r_[0, splits]], hot[np.r_[splits - 1, hot.size - 1]]
    lo = np.maximum(0, first * PEAK_BLOCK - 2 * la).tolist()
    hi = np.minimum(x.shape[0], (last + 1) * PEAK_BLOCK + 2 * rel).tolist()
    decay = np.exp(-1 / rel)
    hot_end = ((last + 1) * PEAK_BLOCK).tolist()  # no sample is over the ceiling after the last hot block

    for a0, a1, e in zip(lo, hi, hot_end):
        seg = x[a0:a1]
        # past the last over (plus the hold and smoothing reach) the gain is exactly the release decaying: the
        # filters run on the head only and the tail is 1 - r·decay^k in closed form (most of a region is tail)
        head = min(a1 - a0, e - a0 + 2 * la + 2)
        h = seg[:head]
        a = np.maximum(np.abs(h[:, 0]), np.abs(h[:, -1]))
        need = np.minimum(1.0, ceil / np.maximum(a, 1e-9))
        # hold the lowest gain across the look-ahead window, then smooth attack and release
        g = minimum_filter1d(need, size=2 * la + 1, mode="nearest")
        g = uniform_filter1d(g, size=la, mode="nearest")
        g = np.minimum(g, minimum_filter1d(need, size=3, mode="nearest"))
        r = sps.lfilter([1 - decay], [1, -decay], 1 - g, zi=[0.0])[0]
        g = np.minimum(g, 1 - r).astype(np.float32)  # release: the reduction decays slowly after each peak
        if head < a1 - a0 and r[-1] > 0:
            tail = 1 - r[-1] * np.power(decay, np.arange(1, a1 - a0 - head + 1, dtype=np.float64))
            g = np.concatenate([g, tail.astype(np.float32)])
        else:
            seg = h
        for c in range(seg.shape[1]):  # channel by channel: a (n, 1) gain column would broadcast slowly
            seg[:, c] *= g
        b0, b1 = a0 // PEAK_BLOCK, min(peaks.size, -(-a1 // PEAK_BLOCK))
        peaks[b0:b1] = block_peaks(x[b0 * PEAK_BLOCK: b1 * PEAK_BLOCK])[: b1 - b0]
    return list(zip(lo, hi))


class MixBuffers:
    """Reusable float32 buffers for remixing. Allocating a fresh 200 MB buffer costs more in page faults than
    the whole mix of a 10-minute story, so a renderer keeps one set; a result mixed into them stays valid
    until the next mix with the same buffers."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, n: int, channels: int = CHANNELS, zero: bool = True) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None or a.shape[0] < n:
            a = self._arrays[name] = np.zeros((n, channels), np.float32)
            return a
        view = a[:n]
        if zero:
            view.fill(0.0)
        return view


# --- placement --------------------------------------------------------------------------------------
def _fade(n: int, out: bool, equal_power: bool) -> np.ndarray:
    t = (np.arange(n, dtype=np.float32) + 0.5) / max(n, 1)
    curve = np.sin(0.5 * np.pi * t) if equal_power else t
    return curve[::-1] if out else curve


STEP = 1 << 16  # samples per step when adding a clip: big enough for numpy, small enough for the L2 cache
PIECE_SAMPLES = 1 << 19  # the mix is built and measured in pieces of about this many samples


@dataclass
class Placed:
    """One clip's place in the mix: where it starts, how much of it plays, its gain and fades."""
    track: str
    start: int
    src: np.ndarray  # (length, channels) float32 view of the take; mono broadcasts to both channels
    gain: np.float32
    fade_in: np.ndarray
    fade_out: np.ndarray

    @property
    def end(self) -> int:
        return self.start + self.src.shape[0]


_scratch = threading.local()


def _scratch_buffer(n: int) -> np.ndarray:
    """A per-thread float32 work buffer: fresh temporaries per step cost more in page faults than the maths."""
    buf = getattr(_scratch, "buf", None)
    if buf is None or buf.shape[1] < n:
        buf = _scratch.buf = np.empty((2, max(n, STEP)), np.float32)
    return buf[:, :n]


def _axpy(dst: np.ndarray, src: np.ndarray, gain: float) -> None:
    """dst += src × gain in one pass, with no temporary (BLAS saxpy on the interleaved samples); a mono
    source goes to both channels. Falls back to numpy for layouts BLAS cannot take in place."""
    m = dst.shape[0]
    if (m and dst.dtype == src.dtype == np.float32 and dst.flags.c_contiguous and src.flags.c_contiguous
            and dst.shape[1] == CHANNELS and src.shape[1] in (1, CHANNELS)):
        flat, x = dst.reshape(-1), src.reshape(-1)
        calls = [{}] if src.shape[1] == CHANNELS else [{"n": m, "incy": CHANNELS, "offy": c} for c in range(CHANNELS)]
        for kw in calls:
            z = blas.saxpy(x, flat, a=gain, **kw)
            if not np.may_share_memory(z, flat):  # f2py copied y after all: keep the result anyway
                flat[...] = z
        return
    dst += src[:, :CHANNELS] * np.float32(gain)


def _add_part(dst: np.ndarray, d0: int, p: Placed, lo: int, hi: int, duck: np.ndarray | None) -> None:
    """dst[lo-d0 : hi-d0] += the samples [lo, hi) (mix positions) of clip p × gain × fades (× ducking), in
    steps. Where the gain is constant over a step (most of a long clip) it is one BLAS pass; under fades and
    ducking ramps a per-sample gain is applied channel by channel (broadcasting a gain column over two
    channels runs numpy's inner loop two samples at a time)."""
    length, fin, fout = p.src.shape[0], p.fade_in.size, p.fade_out.size
    for a0 in range(lo - p.start, hi - p.start, STEP):  # clip-relative sample positions
        a1 = min(hi - p.start, a0 + STEP)
        m, o0 = a1 - a0, p.start + a0 - d0
        d = duck[o0:o0 + m] if duck is not None else None
        if d is not None and d.min() == d.max():
            d, scale = None, float(d[0])
        else:
            scale = 1.0
        if d is None and a0 >= fin and a1 <= length - fout:
            _axpy(dst[o0:o0 + m], p.src[a0:a1], float(p.gain) * scale)
            continue
        g, tmp = _scratch_buffer(m)
        g.fill(p.gain * scale)
        if a0 < fin:
            g[: min(fin, a1) - a0] *= p.fade_in[a0:min(fin, a1)]
        f0 = max(length - fout, a0)
        if f0 < a1:
            g[f0 - a0:] *= p.fade_out[f0 - (length - fout): a1 - (length - fout)]
        if d is not None:
            g *= d
        for c in range(CHANNELS):
            np.multiply(p.src[a0:a1, min(c, p.src.shape[1] - 1)], g, out=tmp)
            out = dst[o0:o0 + m, c]
            np.add(out, tmp, out=out)


@dataclass
class Duck:
    """One ducking dip: the gain ramps from 1 down to `depth` over [lo, i0), stays there until i1 (the speech),
    and ramps back up to 1 over [i1, hi). Kept as numbers, not a curve: a 10-minute story is mostly dips."""
    lo: int
    i0: int
    i1: int
    hi: int
    depth: float


def duck_regions(n: int, sr: int, intervals: list[tuple[float, float]], settings: MixSettings) -> list[Duck]:
    """The dips of the background under speech intervals (seconds): the configured depth with attack and
    release ramps; intervals closer than a ramp's length share one dip."""
    if not intervals or settings.duck_depth_db >= 0:
        return []
    depth = 10 ** (settings.duck_depth_db / 20)
    att, rel = int(settings.duck_attack * sr), int(settings.duck_release * sr)
    merged: list[list[float]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1] + settings.duck_release + settings.duck_attack:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    dips = []
    for s, e in merged:
        i0, i1 = int(s * sr), min(n, int(e * sr))
        dips.append(Duck(max(0, i0 - att), i0, i1, min(n, i1 + rel), depth))
    return dips


def _duck_envelope(dips: list[Duck], c0: int, c1: int) -> np.ndarray | None:
    """The ducking gain over mix samples [c0, c1), or None where nothing is ducked."""
    env = None
    for d in dips:
        if d.hi <= c0 or d.lo >= c1:
            continue
        if env is None:
            env = np.ones(c1 - c0, np.float32)
        for a, b, v0, v1 in ((d.lo, d.i0, 1.0, d.depth), (d.i0, d.i1, d.depth, d.depth), (d.i1, d.hi, d.depth, 1.0)):
            lo, hi = max(a, c0), min(b, c1)
            if lo >= hi:
                continue
            if v0 == v1:
                env[lo - c0:hi - c0] = v0
            else:  # linear ramp from v0 at a towards v1 at b
                t = np.arange(lo - a, hi - a, dtype=np.float32) / np.float32(b - a)
                env[lo - c0:hi - c0] = v0 + (v1 - v0) * t
    return env


def clip_gain_db(kind: str, track: str, clip_lufs: float | None, user_gain_db: float, settings: MixSettings) -> float:
    if not settings.level_clips or clip_lufs is None or not np.isfinite(clip_lufs):
        return user_gain_db
    return ROLE_LUFS[(kind, track)] - clip_lufs + user_gain_db


def levelling_loudness(plan: Plan, clip_lufs: dict[str, float]) -> dict[str, float]:
    """The loudness each clip is levelled from. Speech is levelled per character, from the median of that
    character's lines, so a whispered or shouted line (or an explicit volume) stays quieter or louder than
    the same voice's other lines instead of being flattened; everything else is levelled clip by clip."""
    per_character: dict[str, list[float]] = {}
    for seg in plan.segments:
        v = clip_lufs.get(seg.id)
        if seg.kind == "speech" and v is not None and np.isfinite(v):
            per_character.setdefault(seg.character or "", []).append(v)
    ref = {c: float(np.median(v)) for c, v in per_character.items()}
    return {seg.id: (ref[seg.character or ""] if seg.kind == "speech" and seg.id in clip_lufs
                     and (seg.character or "") in ref else clip_lufs.get(seg.id))
            for seg in plan.segments if seg.id in clip_lufs}


def _pieces(n: int, sr: int) -> list[tuple[int, int]]:
    """The mix cut into pieces of whole 100 ms loudness sub-blocks and whole peak blocks (~5 MB of stereo
    float32 each: they stay in cache while a piece is built, measured and scanned)."""
    hop = sub_block_hop(sr)
    unit = hop * (PEAK_BLOCK // math.gcd(hop, PEAK_BLOCK))
    size = unit * max(1, PIECE_SAMPLES // unit)
    return [(c0, min(n, c0 + size)) for c0 in range(0, n, size)] or [(0, 0)]


_POOL: ThreadPoolExecutor | None = None
_BLAS: ThreadpoolController | None = None


def _blas_threads(n: int):
    """Limit OpenBLAS's threads (numpy's and scipy's) for the duration of a with-block."""
    global _BLAS
    if _BLAS is None:
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=n, user_api="blas")


def _pool() -> ThreadPoolExecutor:
    """Two workers: numpy and pocketfft release the GIL in their loops, so mix pieces run on both cores."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mix")
    return _POOL


def mix(plan: Plan, timeline: Timeline, clips: dict[str, np.ndarray], settings: MixSettings | None = None,
        clip_lufs: dict[str, float] | None = None, buffers: MixBuffers | None = None,
        stems: bool = True) -> MixResult:
    """Mix the active takes. `clips` maps segment id → audio at plan.sample_rate (mono or stereo).

    Segments without audio (not rendered, or failed) are left silent and reported in warnings. With
    `buffers`, the result lives in them (valid until their next use); without, it is freshly allocated.
    `stems=False` builds both tracks straight into the mix (one mix-sized buffer instead of three), as a
    remix after an edit does; stems are for export.

    The mix is built piece by piece on two threads: each piece is cleared, gets its part of every clip
    (background clips through the ducking envelope, which is the same as ducking the background stem since
    both are linear), and is measured (loudness sub-blocks, peak blocks) while it is still in cache.
    """
    settings = settings or MixSettings()
    buffers = buffers or MixBuffers()
    sr = plan.sample_rate
    n = int(round(timeline.total * sr))
    by_id = {s.id: s for s in plan.segments}
    clip_lufs = levelling_loudness(plan, clip_lufs or {})
    speech = [(p.start, p.end) for p in timeline.placements if p.kind == "speech" and p.track == "foreground"
              and p.segment_id in clips]
    warnings: list[str] = []
    placed: list[Placed] = []
    for track in ("foreground", "background"):
        warnings += _place_track(placed, track, timeline, clips, by_id, clip_lufs, settings, sr, n)
    placed.sort(key=lambda p: p.start)
    ducking = duck_regions(n, sr, speech, settings)
    out = buffers.get("mix", n, zero=False)
    targets = ({"foreground": buffers.get("foreground", n, zero=False),
                "background": buffers.get("background", n, zero=False)} if stems
               else {"foreground": out, "background": out})

    def build(piece: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        c0, c1 = piece
        for t in {id(a): a for a in targets.values()}.values():
            t[c0:c1] = 0.0
        duck = _duck_envelope(ducking, c0, c1)
        for p in placed:
            if p.start >= c1:
                break
            if p.end > c0:
                _add_part(targets[p.track][c0:c1], c0, p, max(c0, p.start), min(c1, p.end),
                          duck if p.track == "background" else None)
        if stems:
            np.add(targets["foreground"][c0:c1], targets["background"][c0:c1], out=out[c0:c1])
        return sub_block_power(out[c0:c1], sr, workers=1), block_peaks(out[c0:c1])

    with _blas_threads(1):  # our two workers already use both cores; BLAS's own threads would fight them
        measured = list(_pool().map(build, _pieces(n, sr)))
        power = np.concatenate([m[0] for m in measured])
        peaks = np.concatenate([m[1] for m in measured])
        result = master(out, sr, settings, warnings, power=power, peaks=peaks)
    result.stems = targets if stems else {}
    return result


def _place_track(placed: list[Placed], track: str, timeline: Timeline, clips: dict[str, np.ndarray], by_id: dict,
                 clip_lufs: dict[str, float], settings: MixSettings, sr: int, n: int) -> list[str]:
    """Where each clip of one track goes: levelled, faded, and crossfaded into its neighbour over the tail
    handle the renderer asked for. Appends to `placed`; returns warnings for clips without audio."""
    warnings = []
    on_track = sorted((p for p in timeline.placements if p.track == track), key=lambda p: p.start)
    fade_in_from_prev: dict[str, int] = {}  # incoming crossfade length, decided by the predecessor's handle
    for i, p in enumerate(on_track):
        seg = by_id[p.segment_id]
        audio = clips.get(p.segment_id)
        if audio is None:
            warnings.append(f"segment {p.segment_id} has no audio yet; it is silent in the mix")
            continue
        a = np.asarray(audio, dtype=np.float32)
        start = int(round(p.start * sr))
        body = int(round(p.duration * sr))
        nxt = on_track[i + 1] if i + 1 < len(on_track) else None
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
        edge = int((settings.speech_fade if seg.kind == "speech" else settings.edge_fade) * sr)
        xin = fade_in_from_prev.get(p.segment_id, 0)
        fin = min(max(xin, int(seg.fade_in * sr), edge), length)
        fout = min(tail if tail else max(int(seg.fade_out * sr), edge), length)
        placed.append(Placed(track, start, a[:length].reshape(length, -1), g,
                             _fade(fin, out=False, equal_power=bool(xin)), _fade(fout, out=True, equal_power=bool(tail))))
    return warnings


def _spans(positions: np.ndarray, pad: int, n: int) -> list[tuple[int, int]]:
    """Sample positions → merged [lo, hi) ranges padded by `pad` on each side."""
    if positions.size == 0:
        return []
    positions = np.sort(positions)
    breaks = np.flatnonzero(np.diff(positions) > 2 * pad) + 1
    return [(max(0, int(g[0]) - pad), min(n, int(g[-1]) + pad)) for g in np.split(positions, breaks)]


def mean_square_db(x: np.ndarray, sr: int) -> float:
    """Plain RMS of the whole signal (all channels) in dBFS, piece by piece in float64 without a copy."""
    total = 0.0
    for c0, c1 in _pieces(x.shape[0], sr):
        v = x[c0:c1].reshape(-1)
        total += float(np.dot(v, v))
    return 10 * np.log10(total / max(1, x.size)) if total > 0 else float("-inf")


def master(out: np.ndarray, sr: int, settings: MixSettings, warnings: list[str] | None = None,
           power: np.ndarray | None = None, peaks: np.ndarray | None = None) -> MixResult:
    """In place: gain to the loudness target, limit to the true-peak ceiling, and re-measure. `power` and
    `peaks` (sub_block_power and block_peaks of `out`) are measured here when not given.

    Limiting costs loudness, so when it acted the gain is raised and the limiter run again until the loudness
    is within 0.2 LU of the target. Limiting and true peak are scale-invariant, so until the end the gain is
    only bookkeeping: the limiter works on the unscaled mix against a ceiling lowered by the gain, sub-block
    powers are re-measured only where it changed samples, and the gain is applied once, on both cores.
    """
    warnings = warnings if warnings is not None else []
    power = sub_block_power(out, sr) if power is None else power
    peaks = block_peaks(out) if peaks is None else peaks
    loud = gated_loudness(power)
    if not np.isfinite(loud):
        warnings.append("the mix is silent; nothing to master")
        return MixResult(out, {}, sr, loud, true_peak_db(out, sr, peaks=peaks), 0.0, False, warnings)
    hop = sub_block_hop(sr)

    def remeasure(regions: list[tuple[int, int]]) -> float:
        if not regions:
            return gated_loudness(power * 10 ** (gain_db / 10))
        lo, hi = np.array(regions).T
        touched = np.unique(_ranges(lo // hop, np.minimum(power.size, -(-hi // hop))))
        power[touched] = np.concatenate(list(_pool().map(lambda b: sub_block_power(out, sr, b, workers=1),
                                                         np.array_split(touched, 2))))
        return gated_loudness(power * 10 ** (gain_db / 10))

    target = settings.target_lufs
    if settings.target_rms_dbfs is not None:  # the same gain moves RMS and loudness alike
        target = loud + settings.target_rms_dbfs - mean_square_db(out, sr)
    gain_db, final, limited = 0.0, loud, False
    for _ in range(8):  # converges in 1-3 passes on most mixes; a lone loud transient can need more
        step = target - final
        if gain_db != 0.0 and abs(step) < 0.2:
            break
        gain_db += step
        # limit against the sample peak with a margin; the true peak is verified below
        regions = limit(out, sr, settings.true_peak_db - 0.3 - gain_db, peaks=peaks)
        if regions:
            limited = True
            final = remeasure(regions)
        else:  # nothing limited: the loudness is exactly where the gain put it
            final = gated_loudness(power * 10 ** (gain_db / 10))
    # Broadband content (rain, thunder) can peak up to ~3 dB between samples: limit harder just around those
    # inter-sample overs instead of turning the whole story down.
    ceiling = 10 ** ((settings.true_peak_db - gain_db) / 20)
    tp, overs = true_peak(out, sr, peaks=peaks, over=ceiling)
    tp += gain_db
    for _ in range(3):
        if tp <= settings.true_peak_db:
            break
        spans = _spans(overs, int(0.02 * sr), out.shape[0])
        if not spans:  # over by a rounding error only, with no inter-sample over to limit: the trim below
            break
        for lo, hi in spans:
            limit(out[lo:hi], sr, settings.true_peak_db - 0.3 - (tp - settings.true_peak_db) - gain_db)
            peaks[lo // 256: -(-hi // 256)] = block_peaks(out[lo // 256 * 256: -(-hi // 256) * 256])
        limited = True
        final = remeasure(spans)
        tp, overs = true_peak(out, sr, peaks=peaks, over=ceiling)
        tp += gain_db
    if tp > settings.true_peak_db:  # still over after local limiting: trim the whole mix
        trim = settings.true_peak_db - 0.05 - tp
        tp, final, gain_db, limited = tp + trim, final + trim, gain_db + trim, True
    g = np.float32(10 ** (gain_db / 20))
    list(_pool().map(lambda piece: out[piece[0]:piece[1]].__imul__(g), _pieces(out.shape[0], sr)))
    return MixResult(out, {}, sr, final, tp, gain_db, limited, warnings)
