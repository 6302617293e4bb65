"""Takes + timeline → stems and a mastered mix. numpy float32, sample-accurate.

Order of work: each clip is levelled (its measured loudness → a per-role reference, plus the user's gain),
faded, and placed on its track; neighbours on a track crossfade over the tail "handle" the renderer asked
the model for; background stems duck under speech; the stems are summed and mastered to a loudness target
with a true-peak ceiling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.signal as sps
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from .loudness import (block_peaks, gated_loudness, integrated_loudness, sub_block_hop, sub_block_power, true_peak,
                       true_peak_db)
from .plan import Plan, Timeline

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
    pad_blocks = 1 + (2 * (la + rel)) // 256
    # neighbouring hot blocks closer than the attack+release span are limited as one region
    splits = np.flatnonzero(np.diff(hot) > 2 * pad_blocks) + 1
    regions = []
    for grp in np.split(hot, splits):
        lo, hi = max(0, grp[0] * 256 - 2 * la), min(x.shape[0], (grp[-1] + 1) * 256 + 2 * rel)
        seg = x[lo:hi]
        a = np.maximum(np.abs(seg[:, 0]), np.abs(seg[:, -1]))
        need = np.minimum(1.0, ceil / np.maximum(a, 1e-9))
        # hold the lowest gain across the look-ahead window, then smooth attack and release
        g = minimum_filter1d(need, size=2 * la + 1, mode="nearest")
        g = uniform_filter1d(g, size=la, mode="nearest")
        g = np.minimum(g, minimum_filter1d(need, size=3, mode="nearest"))
        r = sps.lfilter([1 - np.exp(-1 / rel)], [1, -np.exp(-1 / rel)], 1 - g, zi=[0.0])[0]
        g = np.minimum(g, 1 - r)  # release: the reduction decays slowly after each peak
        seg *= g[:, None].astype(np.float32)
        regions.append((lo, hi))
        b0, b1 = lo // 256, min(peaks.size, -(-hi // 256))
        peaks[b0:b1] = block_peaks(x[b0 * 256: b1 * 256])[: b1 - b0]
    return regions


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


CHUNK = 1 << 16  # samples per step when adding a clip: big enough for numpy, small enough for the cache


def _add_clip(dst: np.ndarray, src: np.ndarray, gain: np.float32, fade_in: np.ndarray, fade_out: np.ndarray) -> None:
    """dst += src × gain × fades, in chunks, so no clip-sized temporary is made (a 10-minute bed is 200 MB).
    Mono sources broadcast to both channels."""
    length, fin, fout = src.shape[0], fade_in.size, fade_out.size
    gains = np.empty((min(CHUNK, length), 1), np.float32)
    for c0 in range(0, length, CHUNK):
        c1 = min(length, c0 + CHUNK)
        g = gains[: c1 - c0]
        g.fill(gain)
        if c0 < fin:
            g[: min(fin, c1) - c0, 0] *= fade_in[c0:min(fin, c1)]
        lo = max(length - fout, c0)
        if lo < c1:
            g[lo - c0:, 0] *= fade_out[lo - (length - fout): c1 - (length - fout)]
        dst[c0:c1] += src[c0:c1, :CHANNELS] * g


def duck_regions(n: int, sr: int, intervals: list[tuple[float, float]],
                 settings: MixSettings) -> list[tuple[int, np.ndarray]]:
    """Gain curves for background stems: the configured depth under each speech interval, with attack and
    release ramps. Returned as (start sample, curve) pieces so untouched stretches cost nothing."""
    if not intervals or settings.duck_depth_db >= 0:
        return []
    depth = np.float32(10 ** (settings.duck_depth_db / 20))
    att, rel = int(settings.duck_attack * sr), int(settings.duck_release * sr)
    merged: list[list[float]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1] + settings.duck_release + settings.duck_attack:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces = []
    for s, e in merged:
        i0, i1 = int(s * sr), min(n, int(e * sr))
        lo, hi = max(0, i0 - att), min(n, i1 + rel)
        curve = np.full(hi - lo, depth, dtype=np.float32)
        if i0 > lo:
            curve[: i0 - lo] = np.linspace(1.0, depth, i0 - lo, endpoint=False, dtype=np.float32)
        if hi > i1:
            curve[i1 - lo:] = np.linspace(depth, 1.0, hi - i1, endpoint=False, dtype=np.float32)
        pieces.append((lo, curve))
    return pieces


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


def mix(plan: Plan, timeline: Timeline, clips: dict[str, np.ndarray], settings: MixSettings | None = None,
        clip_lufs: dict[str, float] | None = None, buffers: MixBuffers | None = None,
        stems: bool = True) -> MixResult:
    """Mix the active takes. `clips` maps segment id → audio at plan.sample_rate (mono or stereo).

    Segments without audio (not rendered, or failed) are left silent and reported in warnings. With
    `buffers`, the result lives in them (valid until their next use); without, it is freshly allocated.
    `stems=False` skips keeping a separate foreground stem (one mix-sized buffer less) for plain remixes.
    """
    settings = settings or MixSettings()
    buffers = buffers or MixBuffers()
    sr = plan.sample_rate
    n = int(round(timeline.total * sr))
    by_id = {s.id: s for s in plan.segments}
    clip_lufs = levelling_loudness(plan, clip_lufs or {})
    speech = [(p.start, p.end) for p in timeline.placements if p.kind == "speech" and p.track == "foreground"
              and p.segment_id in clips]

    def build(track: str) -> tuple[np.ndarray, list[str]]:
        # the foreground is built straight into the mix buffer; the background is added to it below
        stem = buffers.get("mix" if track == "foreground" else track, n)
        missing = _place_track(stem, track, timeline, clips, by_id, clip_lufs, settings, sr)
        if track == "background":
            for lo, curve in duck_regions(n, sr, speech, settings):
                stem[lo:lo + len(curve)] *= curve[:, None]
        return stem, missing

    # the two tracks are independent, and numpy releases the GIL in its loops: build them on two threads
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = dict(zip(("foreground", "background"), pool.map(build, ("foreground", "background"))))
    warnings = built["foreground"][1] + built["background"][1]
    out, bg = built["foreground"][0], built["background"][0]
    kept = {}
    if stems:
        kept["foreground"] = buffers.get("foreground", n, zero=False)
        np.copyto(kept["foreground"], out)
        kept["background"] = bg
    out += bg
    result = master(out, sr, settings, warnings)
    result.stems = kept
    return result


def _place_track(stem: np.ndarray, track: str, timeline: Timeline, clips: dict[str, np.ndarray], by_id: dict,
                 clip_lufs: dict[str, float], settings: MixSettings, sr: int) -> list[str]:
    """Add every clip of one track into its stem: levelled, faded, and crossfaded into its neighbour over the
    tail handle the renderer asked for. Returns warnings for clips without audio."""
    n = stem.shape[0]
    warnings = []
    placed = sorted((p for p in timeline.placements if p.track == track), key=lambda p: p.start)
    fade_in_from_prev: dict[str, int] = {}  # incoming crossfade length, decided by the predecessor's handle
    for i, p in enumerate(placed):
        seg = by_id[p.segment_id]
        audio = clips.get(p.segment_id)
        if audio is None:
            warnings.append(f"segment {p.segment_id} has no audio yet; it is silent in the mix")
            continue
        a = np.asarray(audio, dtype=np.float32)
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
        edge = int((settings.speech_fade if seg.kind == "speech" else settings.edge_fade) * sr)
        xin = fade_in_from_prev.get(p.segment_id, 0)
        fin = min(max(xin, int(seg.fade_in * sr), edge), length)
        fout = min(tail if tail else max(int(seg.fade_out * sr), edge), length)
        _add_clip(stem[start:start + length], a[:length].reshape(length, -1), g,
                  _fade(fin, out=False, equal_power=bool(xin)), _fade(fout, out=True, equal_power=bool(tail)))
    return warnings


def _spans(positions: np.ndarray, pad: int, n: int) -> list[tuple[int, int]]:
    """Sample positions → merged [lo, hi) ranges padded by `pad` on each side."""
    if positions.size == 0:
        return []
    positions = np.sort(positions)
    breaks = np.flatnonzero(np.diff(positions) > 2 * pad) + 1
    return [(max(0, int(g[0]) - pad), min(n, int(g[-1]) + pad)) for g in np.split(positions, breaks)]


def master(out: np.ndarray, sr: int, settings: MixSettings, warnings: list[str] | None = None) -> MixResult:
    """In place: gain to the loudness target, limit to the true-peak ceiling, and re-measure.

    Limiting costs loudness, so when it acted the gain is raised and the limiter run again until the loudness
    is within 0.2 LU of the target.
    Sub-block powers are rescaled by each gain and re-measured only where the limiter changed samples.
    """
    warnings = warnings if warnings is not None else []
    power = sub_block_power(out, sr)
    loud = gated_loudness(power)
    if not np.isfinite(loud):
        warnings.append("the mix is silent; nothing to master")
        return MixResult(out, {}, sr, loud, true_peak_db(out, sr), 0.0, False, warnings)
    hop = sub_block_hop(sr)
    peaks = block_peaks(out)  # kept up to date through gains and limiting, so the signal is scanned once
    gain_db, final, limited = 0.0, loud, False
    for _ in range(8):  # converges in 1-3 passes on most mixes; a lone loud transient can need more
        step = settings.target_lufs - final
        if gain_db != 0.0 and abs(step) < 0.2:
            break
        gain_db += step
        out *= np.float32(10 ** (step / 20))
        power *= 10 ** (step / 10)
        peaks *= np.float32(10 ** (step / 20))
        # limit against the sample peak with a margin; the true peak is verified below
        regions = limit(out, sr, settings.true_peak_db - 0.3, peaks=peaks)
        if not regions:
            final = gated_loudness(power)
            break
        limited = True
        touched = np.unique(np.concatenate([np.arange(lo // hop, min(power.size, -(-hi // hop)))
                                            for lo, hi in regions]))
        power[touched] = sub_block_power(out, sr, touched)
        final = gated_loudness(power)
    # Broadband content (rain, thunder) can peak up to ~3 dB between samples: limit harder just around those
    # inter-sample overs instead of turning the whole story down.
    ceiling = 10 ** (settings.true_peak_db / 20)
    tp, overs = true_peak(out, sr, peaks=peaks, over=ceiling)
    for _ in range(3):
        if tp <= settings.true_peak_db:
            break
        spans = _spans(overs, int(0.02 * sr), out.shape[0])
        for lo, hi in spans:
            limit(out[lo:hi], sr, settings.true_peak_db - 0.3 - (tp - settings.true_peak_db))
            peaks[lo // 256: -(-hi // 256)] = block_peaks(out[lo // 256 * 256: -(-hi // 256) * 256])
        limited = True
        touched = np.unique(np.concatenate([np.arange(lo // hop, min(power.size, -(-hi // hop)))
                                            for lo, hi in spans]))
        power[touched] = sub_block_power(out, sr, touched)
        final = gated_loudness(power)
        tp, overs = true_peak(out, sr, peaks=peaks, over=ceiling)
    if tp > settings.true_peak_db:  # still over after local limiting: trim the whole mix
        trim = settings.true_peak_db - 0.05 - tp
        out *= np.float32(10 ** (trim / 20))
        tp, final, gain_db, limited = tp + trim, final + trim, gain_db + trim, True
    return MixResult(out, {}, sr, final, tp, gain_db, limited, warnings)
