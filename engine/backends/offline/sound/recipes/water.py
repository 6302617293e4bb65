"""Water: the sea, a stream, dripping water, and a wooden boat on the swell."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise
from engine.backends.offline.sound.dsp.events import onset, pan_gains, poisson_times, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, bump, tilt
from engine.backends.offline.sound.dsp.kernels import bubble, burst, creak, mix, normalise_peak, tvec
from engine.backends.offline.sound.dsp.rates import CTRL, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


@recipe("ocean", "bed", "ocean waves: swells that build, crash and wash back with fizzing foam", level_db=0)
def ocean(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    surge = np.zeros((2, m))
    foam = np.zeros((2, m))
    period = 10.5 - 4 * i
    t = -15.0 + rng.uniform(0, period)  # the sea was already moving before the clip starts
    while t < ctx.dur + 3:
        a = math.exp(rng.normal(0, 0.35)) * (0.6 + 0.4 * i)
        rise, wash = rng.uniform(1.5, 3.5), rng.uniform(2.5, 6.0)
        lo, hi = max(0, int((t - rise) * SR / CTRL)), min(m, int((t + 6 * wash) * SR / CTRL))
        if hi > lo:
            u = tc[lo:hi] - t
            s = np.where(u < 0, ((u + rise) / rise) ** 2, np.exp(-u / wash))
            fz = np.where(u < 0, 0.05 * ((u + rise) / rise) ** 4,
                          (1 - np.exp(-u / 0.25)) * np.exp(-u / (0.55 * wash)) + 0.05)
            gl, gr = pan_gains(rng.uniform(-0.6, 0.6))
            surge[0, lo:hi] += a * gl * s
            surge[1, lo:hi] += a * gr * s
            foam[0, lo:hi] += a * gl * fz
            foam[1, lo:hi] += a * gr * fz
        t += period * rng.uniform(0.65, 1.35)
    # between breakers the sea drops to a low murmur: ~10 dB of swing, as on a real shore
    return ctx.bands([(band(30, 300), 0.12 + 0.45 * surge),
                      (lambda f: band(250, 2500)(f) * bump(f, 800, 1.0, 1.8), 0.9 * surge ** 1.5),
                      (lambda f: band(1500, 12000)(f) * tilt(f, -2, 3000), 0.7 * foam)], crackle=(3000, 1.5))


@recipe("stream", "bed", "river or stream: babbling water with bubbles and gurgles", level_db=-1)
def stream(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: band(250, 6000)(f) * bump(f, 900, 1.2, 2.0),
                    0.55 * np.exp(0.35 * smooth_noise(rng, m, 0.025))),
                   (band(60, 400), 0.35 * np.exp(0.5 * smooth_noise(rng, m, 0.06)))])
    bank = [bubble(rng, math.exp(rng.uniform(math.log(350), math.log(3000))), rng.uniform(6, 14),
                   rng.uniform(0.05, 0.6)) for _ in range(40)]
    t = poisson_times(rng, 30 + 70 * i, -0.05, ctx.dur)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size),
            0.45 * np.exp(0.6 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    return y


@recipe("water_drip", "sequence", "water dripping: drops falling into a puddle, one or a few steady sources",
        environment="indoor", level_db=-3, natural_length=1.0)
def water_drip(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    for src in range(1 + int(i > 0.4) + int(i > 0.75)):
        f0 = rng.uniform(600, 1600)
        bank = [mix(bubble(rng, f0 * rng.uniform(0.97, 1.03), rng.uniform(20, 45), rng.uniform(0.3, 0.8)),
                    0.2 * burst(rng, 0.005, 2000, 8000, 0.0005)) for _ in range(4)]
        period = rng.uniform(0.7, 2.2) * (1.3 - 0.6 * i)
        t0 = onset(dur, 0.05, 0.1) if src == 0 else rng.uniform(0, period)
        t = regular_times(rng, period, t0, dur, 0.05)
        scatter(y, (t * SR).astype(int), bank, rng.integers(0, 4, t.size),
                (1.0 if src == 0 else 0.6) * np.exp(0.15 * rng.standard_normal(t.size)), rng.uniform(-0.6, 0.6))
    return y


@recipe("boat_creak", "bed", "wooden boat: hull and rope creaking with the swell, water lapping the hull",
        level_db=-2)
def boat_creak(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    tc = np.arange(m) * CTRL / SR
    period = rng.uniform(5, 8) * (1.2 - 0.4 * i)
    phase = rng.uniform(0, 2 * math.pi)
    swell = 0.5 + 0.5 * np.sin(2 * math.pi * tc / period + phase)
    y = ctx.bands([(lambda f: band(60, 700)(f) * tilt(f, -3, 200), 0.25 * (0.4 + 0.6 * swell))])
    laps = [normalise_peak(mix(bandpass(rng.standard_normal(int(0.4 * SR)), 150, 1500)
                               * np.exp(-tvec(0.4) / 0.12) * np.minimum(1, tvec(0.4) / 0.03),
                               0.3 * burst(rng, 0.3, 1500, 5000, 0.06, attack=0.02))) for _ in range(8)]
    t = poisson_times(rng, 0.8 + 1.2 * i, -0.3, dur)
    scatter(y, (t * SR).astype(int), laps, rng.integers(0, 8, t.size), 0.3 * np.exp(0.4 * rng.standard_normal(t.size)),
            rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    creaks = [creak(rng, rng.uniform(0.4, 1.2), rng.uniform(15, 35), rng.uniform(50, 110),
                    sorted(rng.uniform(200, 950, 4))) for _ in range(5)]
    # the hull and the ropes strain as the swell turns over
    turn = np.arange(math.floor(-phase / math.pi) - 1, dur / (period / 2) + 1) * period / 2 \
        + (period / 4 - phase * period / (2 * math.pi))
    turn = turn[(turn > -1) & (turn < dur)] + rng.normal(0, 0.3, turn[(turn > -1) & (turn < dur)].size)
    keep = rng.random(turn.size) < 0.6 + 0.4 * i
    turn = turn[keep]
    if turn.size == 0 or turn[0] > 0.6:
        turn = np.concatenate([[onset(dur, 0.05, 0.2)], turn])  # every clip, however short, hears the boat
    scatter(y, (turn * SR).astype(int), creaks, rng.integers(0, 5, turn.size),
            0.6 * np.exp(0.3 * rng.standard_normal(turn.size)), rng.uniform(-0.5, 0.5, turn.size))
    return y
