"""People: crowds talking, a cafe, applause, and the body's own sounds (heartbeat, breathing)."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.convolution import convolve, convolve_apply
from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise
from engine.backends.offline.sound.dsp.events import onset, poisson_times, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, bump, fir, resonate
from engine.backends.offline.sound.dsp.kernels import burst, chirp, glottal, mix, modal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.noise import heavy_tail
from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


def _syllable_envelopes(rng: np.random.Generator, m: int, dur: float, voices: int, rate: float) -> np.ndarray:
    """Per-voice speech envelopes at control rate: utterances of syllables separated by pauses."""
    env = np.zeros((voices, m))
    step = CTRL / SR
    for v in range(voices):
        count = int((dur + 4) / 0.2) + 16
        length = rng.uniform(0.09, 0.22, count) / rate
        gap = rng.uniform(0.01, 0.08, count) + (rng.random(count) < 0.1) * rng.exponential(1.2, count)  # pauses
        start = rng.uniform(-3, 0) + np.concatenate([[0.0], np.cumsum(length + gap)[:-1]])
        keep = (start + length > 0) & (start < dur + 1)
        start, length, amp = start[keep], length[keep], rng.uniform(0.4, 1.0, keep.sum())
        points = np.maximum(2, np.round(length / step).astype(int))
        which = np.repeat(np.arange(points.size), points)
        within = np.arange(which.size) - np.repeat(np.cumsum(points) - points, points)
        idx = np.round(start / step).astype(int)[which] + within
        val = np.sin(math.pi * within / (points[which] - 1)) * amp[which]
        ok = (idx >= 0) & (idx < m)
        np.maximum.at(env[v], idx[ok], val[ok])
    return env


def _babble(ctx: Ctx, voices: int, voiced: int, excitement: float) -> np.ndarray:
    """Crowd murmur: speech-shaped noise whose bands follow many talkers' syllable rhythms, plus a few voiced
    talkers (pitched buzz through vowel formants) so it reads as people, not as noise."""
    rng, n = ctx.rng, ctx.n
    m = ctrl_len(n)
    env = _syllable_envelopes(rng, m, ctx.dur, voices, 1.0 + 0.3 * excitement)
    edges = [150, 450, 1100, 2600, 6000]
    specs = []
    for k in range(4):
        w = rng.uniform(0.3, 1.0, voices) * (1.0 if k < 3 else 0.5)
        specs.append((band(edges[k], edges[k + 1]), (w @ env) / math.sqrt(voices) * [1.0, 0.8, 0.45, 0.2][k]))
    y = ctx.bands(specs)
    src = np.zeros((2, n), F32)
    for v in range(voiced):
        base = rng.uniform(95, 135) if rng.random() < 0.5 else rng.uniform(180, 240)
        f0 = base * (1 + 0.25 * excitement) * np.exp(0.08 * smooth_noise(rng, m, 0.3))
        ctx.osc(src, f0, env[v] * 0.5, wave=lambda ph: glottal(ph / F32(2 * math.pi)), pan=rng.uniform(-0.8, 0.8))
    if voiced:
        vowel = lambda f: band(120, 3800)(f) * (bump(f, 550, 0.35, 4.0) + bump(f, 1500, 0.3, 2.5)
                                                + bump(f, 2600, 0.25, 1.6) - 2.0)
        h = fir(vowel, 1025)
        for c in range(2):
            def add(start: int, blocks: list[np.ndarray], c: int = c) -> None:
                y[c, start:start + blocks[0].size] += blocks[0] * F32(0.5)

            convolve_apply(src[c], [h], add, "same", ctx.cancel)
    return y


@recipe("crowd", "bed", "crowd murmur: many people talking at once", environment="indoor", level_db=-1)
def crowd(ctx: Ctx) -> np.ndarray:
    i = ctx.intensity
    return _babble(ctx, voices=int(10 + 30 * i), voiced=3 + int(2 * i), excitement=i)


@recipe("cafe", "bed", "cafe: quiet chatter, cups and spoons clinking, room air", environment="indoor", level_db=-3)
def cafe(ctx: Ctx) -> np.ndarray:
    rng, i = ctx.rng, ctx.intensity
    y = _babble(ctx, voices=int(6 + 10 * i), voiced=2, excitement=0.2 * i)
    y *= F32(0.8)
    clinks = [modal(rng.uniform(2500, 5500) * np.array([1.0, 1.6, 2.9, 4.2]), [0.15, 0.1, 0.06, 0.04],
                    [1.0, 0.6, 0.4, 0.25], rng=rng) for _ in range(10)]
    t = poisson_times(rng, 0.4 + 1.2 * i, 0.0, ctx.dur)
    scatter(y, (t * SR).astype(int), clinks, rng.integers(0, len(clinks), t.size),
            0.25 * np.exp(0.5 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    return y


@recipe("applause", "sequence", "applause: a crowd clapping, swelling in and dying away", environment="hall",
        level_db=0, natural_length=3.0)
def applause(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    fade = min(1.5, 0.3 * dur)
    shape = np.clip(tc / 0.35, 0, 1) * np.clip((dur - tc) / fade, 0, 1) ** 1.5
    shape *= np.exp(0.15 * smooth_noise(rng, m, 1.0))
    clapper = mix(burst(rng, 0.02, 700, 4500, 0.004, attack=0.0002), 0.5 * modal([1200], [0.004], [1.0]))
    clappers = int(8 + 100 * i)
    # the far crowd: a dense impulse train (thinned by the envelope) through one clap kernel
    x = np.zeros(n, F32)
    rate = clappers * 4.5
    k = rng.poisson(rate * dur)
    pos = rng.integers(0, n, k)
    keep = rng.random(k) < shape[pos // CTRL]
    np.add.at(x, pos[keep], heavy_tail(rng, int(keep.sum()), 4.0, 3.0).astype(F32) * rng.choice([-1, 1], keep.sum()))
    y = np.zeros((2, n), F32)
    for c in range(2):  # odd and even impulses to either side: the crowd spreads over the stereo field
        xc = x.copy()
        xc[c::2] = 0
        y[c] = convolve(xc, [clapper], mode="causal", cancel=ctx.cancel)[0] * F32(0.3)
    # the front rows: distinct clappers with their own hand shapes and rhythms
    bank = [mix(burst(rng, 0.03, rng.uniform(600, 1200), rng.uniform(3000, 6000), rng.uniform(0.002, 0.006),
                      attack=0.0002),
                0.6 * modal([rng.uniform(800, 2000)], [rng.uniform(0.003, 0.008)], [1.0])) for _ in range(12)]
    for c in range(6 + int(4 * i)):
        t = regular_times(rng, 1 / rng.uniform(3.5, 5.5), rng.uniform(0, 0.3), dur, 0.06)
        g = shape[np.clip((t * SR / CTRL).astype(int), 0, m - 1)] * rng.uniform(0.3, 0.7)
        scatter(y, (t * SR).astype(int), bank, c % len(bank), g, rng.uniform(-0.9, 0.9), ctx.cancel)
    return y


@recipe("heartbeat", "sequence", "a heartbeat: lub-dub, faster and harder with intensity", environment="indoor",
        distance="close", level_db=0, natural_length=2.0)
def heartbeat(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur

    def thump(f_hi, f_lo, decay, d=0.16):
        t = tvec(d)
        f = f_lo + (f_hi - f_lo) * np.exp(-t / 0.03)
        y = chirp(f, (1.0, 0.3, 0.1), rng) * np.minimum(1, t / 0.008) * np.exp(-t / decay)
        y += 0.3 * resonate(y, [140], [2.0])  # a little chest resonance so small speakers hear it too
        return normalise_peak(y + 0.4 * bandpass(rng.standard_normal(t.size), 20, 180) * np.exp(-t / 0.03))

    s1, s2 = thump(65, 40, 0.05), thump(85, 55, 0.035)
    period = 60.0 / (58 + 75 * i)
    beats = regular_times(rng, period, onset(dur, 0.05, 0.1), dur, 0.02)
    t = np.concatenate([beats, beats + 0.3 * math.sqrt(period)])
    which = np.concatenate([np.zeros(beats.size, int), np.ones(beats.size, int)])
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [s1, s2], which, np.where(which, 0.7, 1.0), 0.0)
    return y


@recipe("breathing", "bed", "breathing: slow breaths, or panting at high intensity", environment="indoor",
        distance="close", level_db=-3)
def breathing(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    inhale, exhale = np.zeros(m), np.zeros(m)
    period = 4.0 - 2.2 * i
    t = onset(dur, 0.03, 0.1) - rng.uniform(0, period) * (dur > 3)
    while t < dur:
        p = period * rng.uniform(0.9, 1.1)
        for env, a, b, g in ((inhale, t, t + 0.4 * p, 0.7), (exhale, t + 0.42 * p, t + 0.95 * p, 1.0)):
            lo, hi = max(0, int(a * SR / CTRL)), min(m, int(b * SR / CTRL) + 1)
            if hi > lo:
                env[lo:hi] += g * np.sin(np.clip((tc[lo:hi] - a) / (b - a), 0, 1) * math.pi) ** 1.5
        t += p
    # breathing in is airier, breathing out warmer; one close source, so both ears hear each breath together
    return ctx.bands([(lambda f: band(200, 1500)(f) * bump(f, 600, 1.0, 2.0), 0.6 * exhale + 0.35 * inhale),
                      (band(1500, 6000), 0.25 * exhale + 0.5 * inhale)], shift=int(0.004 * SR))
