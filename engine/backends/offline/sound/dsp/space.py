"""Where a sound is heard from: its distance (level, air absorption, more of the room) and its environment (the
room's reverb), as named presets a caption or the segment's attributes choose."""

from __future__ import annotations

import functools
import math
import zlib

import numpy as np

from engine.backends.base import CancelToken
from engine.backends.offline.sound.dsp.convolution import convolve_apply
from engine.backends.offline.sound.dsp.filters import bandpass, lowpass
from engine.backends.offline.sound.dsp.rates import F32, SR


DISTANCES = ("close", "near", "medium", "far", "distant")
# distance → (loudness offset dB, low-pass cutoff Hz or None, reverb wet added)
DISTANCE_PRESETS = {
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
    return np.stack(chans).astype(F32)


def spatialise(y: np.ndarray, distance: str, environment: str, cancel: CancelToken | None = None) -> np.ndarray:
    """Distance (air absorption, more room, relative to the source) and environment (the room's reverb), in place
    where it can be. The reverb is a convolution with `room_ir`, streamed in blocks."""
    _, cutoff, dist_wet = DISTANCE_PRESETS[distance]
    _, _, env_wet, env_cut = _ENVIRONMENT[environment]
    if environment == "underwater":
        y = lowpass(lowpass(y, env_cut), env_cut)
    if cutoff is not None:
        y = lowpass(y, cutoff)
    wet_share = min(0.6, env_wet + dist_wet)
    if wet_share < 0.05:
        return y
    ir = room_ir(environment)
    if env_cut is not None and environment != "underwater":
        ir = lowpass(ir.copy(), env_cut)  # the cached room stays as it is
    mono = (y[0] + y[1]) * F32(0.5 * math.sqrt(2))  # sum to mono for the room, keeping its power
    dry, wet = F32(math.sqrt(1 - wet_share)), F32(math.sqrt(wet_share))

    def blend(start: int, blocks: list[np.ndarray]) -> None:
        for c, w in enumerate(blocks):
            seg = y[c, start:start + w.size]
            seg *= dry
            seg += w * wet

    convolve_apply(mono, [ir[0], ir[1]], blend, "causal", cancel)
    return y
