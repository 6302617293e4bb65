"""Weather: rain (a hiss with drops and bubbles), wind (gusting bands and a howl) and thunder (strikes that
crack and roll)."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.convolution import convolve
from engine.backends.offline.sound.dsp.envelopes import ctrl_len, envelope_at, smooth_noise, upsample
from engine.backends.offline.sound.dsp.events import onset, place, poisson_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, bump, fir, narrow_band, tilt
from engine.backends.offline.sound.dsp.kernels import bubble, burst, normalise_peak
from engine.backends.offline.sound.dsp.noise import heavy_tail, white
from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


def _rain(ctx: Ctx, heavy: bool) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    if heavy:
        swell = np.exp(0.25 * smooth_noise(rng, m, 3.0) + 0.12 * smooth_noise(rng, m, 0.6))
        y = ctx.bands([(lambda f: band(350, 11000)(f) * bump(f, 2500, 1.5, 2.0), swell),
                       (band(120, 900), 0.45 * swell)], crackle=(2500 + 5000 * i, 2.5))
        drop_rate, drop_level = 25 + 45 * i, 0.8
    else:
        swell = np.exp(0.15 * smooth_noise(rng, m, 6.0))
        y = ctx.bands([(lambda f: band(500, 10000)(f) * bump(f, 4000, 1.2, 2.5), 0.35 * swell)],
                      crackle=(300 + 900 * i, 4.0))
        drop_rate, drop_level = 6 + 50 * i, 1.0
    bank = []
    for _ in range(32):
        if rng.random() < 0.55:
            bank.append(bubble(rng, math.exp(rng.uniform(math.log(1300), math.log(4200))), rng.uniform(8, 25),
                               rng.uniform(0.1, 0.5)))
        else:
            bank.append(burst(rng, 0.012, rng.uniform(600, 1500), rng.uniform(3000, 9000), rng.uniform(0.0008, 0.003)))
    t = poisson_times(rng, drop_rate, -0.05, ctx.dur)
    gains = drop_level * np.minimum(np.exp(0.4 * rng.standard_normal(t.size)), 3.0) * envelope_at(swell, t)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size), gains, rng.uniform(-0.9, 0.9, t.size),
            ctx.cancel)
    return y


@recipe("rain_light", "bed", "light rain: soft hiss with distinct drops on leaves and puddles", level_db=-2)
def rain_light(ctx: Ctx) -> np.ndarray:
    return _rain(ctx, heavy=False)


@recipe("rain_heavy", "bed", "heavy rain: dense gritty downpour with a low roar", level_db=1)
def rain_heavy(ctx: Ctx) -> np.ndarray:
    return _rain(ctx, heavy=True)


def gusts(rng: np.random.Generator, m: int, intensity: float) -> np.ndarray:
    """How hard the wind blows, 0..1 at control rate: gusts on slower swells, harder with intensity (the wind, and
    the chimes it rings)."""
    g = 0.7 * smooth_noise(rng, m, 1.2) + 1.1 * smooth_noise(rng, m, 5.0) + 0.6 * smooth_noise(rng, m, 18.0)
    return (1.0 / (1.0 + np.exp(-(1.2 * g + 3.0 * (intensity - 0.5))))).astype(F32)


@recipe("wind", "bed", "wind: rumbling buffets, a gusting whoosh and a howl that rises with the gusts", level_db=-1)
def wind(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    gust = gusts(rng, m, i)
    specs = [(band(25, 160), 0.9 * (0.2 + 0.8 * gust)),
             (lambda f: band(120, 1400)(f) * bump(f, 380, 1.0, 2.0), 0.8 * gust ** 1.5),
             (lambda f: band(1500, 7000)(f) * tilt(f, -3, 1500), 0.3 * gust ** 2.5)]
    # the howl: narrow resonances of wind across edges; the harder it blows, the higher the one that sings, so
    # the pitch rises with each gust (two whistles crossfaded by gust strength)
    f0 = rng.uniform(320, 700)
    howl = (0.15 + 0.6 * i) * gust ** 2.5
    pitch = np.clip((gust - 0.2) / 0.7, 0, 1)
    for k, ratio in enumerate((1.0, 1.3)):
        specs.append((narrow_band(f0 * ratio, 0.04), howl * np.clip(1 - np.abs(pitch - k), 0, 1)))
    return ctx.bands(specs, taps=4097)


def _thunder_strike(rng: np.random.Generator, closeness: float, length: float) -> np.ndarray:
    # thunder is a diffuse source: two independent renderings of the same swells make a wide (2, L) image
    rumble_env = _thunder_env(rng, closeness, length)
    chans = [_thunder_channel(rng, closeness, length, rumble_env) for _ in range(2)]
    return normalise_peak(np.stack(chans))


def _thunder_delay(closeness: float, length: float) -> float:
    """Far strikes build up slowly; a short clip still has to hear its thunder."""
    return min(0.02 + 0.6 * (1 - closeness), 0.3 * length)


def _thunder_env(rng: np.random.Generator, closeness: float, length: float) -> np.ndarray:
    """One lightning strike heard from a distance: close ones open with a tearing crack, every one rolls on as
    a rumble of overlapping swells (the sound arriving from different parts of the channel)."""
    m = int(length * SR) // CTRL + 2
    tc = np.arange(m) * CTRL / SR
    env = np.zeros(m)
    delay = _thunder_delay(closeness, length)
    s = delay
    for _ in range(rng.integers(4, 9)):  # separate swells: the roll of thunder, not a steady roar
        a = math.exp(-(s - delay) / (1.5 + 2.0 * closeness)) * math.exp(rng.normal(0, 0.5))
        rise, fall = rng.uniform(0.05, 0.3) * (1.5 - closeness), rng.uniform(0.3, 1.2)
        u = np.maximum(tc - s, 0)
        env += a * (1 - np.exp(-u / rise)) * np.exp(-u / fall)
        s += rng.exponential(0.6)
    return env * np.clip((length - tc) / 0.5, 0, 1)


def _thunder_channel(rng: np.random.Generator, closeness: float, length: float, env: np.ndarray) -> np.ndarray:
    n = max(1, int(round(length * SR)))
    taps = 2049
    cutoff = 120 + 250 * closeness
    lo, mid = convolve(white(rng, n + taps - 1), [fir(band(20, cutoff)), fir(band(cutoff, 4 * cutoff))],
                       mode="valid")
    y = lo + F32(0.35) * mid
    y *= upsample(env, n)
    if closeness > 0.4:  # the tearing crack of a near strike: a burst of crackle ahead of the rumble
        delay = _thunder_delay(closeness, length)
        span = min(n, int((delay + 1.0) * SR))
        k = rng.poisson(360)
        imp = np.zeros(span)
        pos = np.clip(((delay + rng.exponential(0.12, k)) * SR).astype(int), 0, span - 1)
        np.add.at(imp, pos, heavy_tail(rng, k) * rng.choice([-1.0, 1.0], k))
        crack = bandpass(imp, 200, 7000, 2)
        y[:span] += (2.0 * (closeness - 0.4) * np.abs(y).max() / (np.abs(crack).max() + 1e-9) * crack).astype(F32)
    return y


@recipe("thunder", "sequence", "thunder: cracks and long rolling rumbles, several strikes in a long clip",
        distance="far", level_db=12, natural_length=6.0)
def thunder(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    t, first = onset(dur, 0.08, 0.6), True
    while t < dur - 0.05:
        ctx.check()
        closeness = min(1.0, 0.7 * i + rng.uniform(0, 0.35)) if first else rng.uniform(0, 0.6 + 0.4 * i)
        strike = _thunder_strike(rng, closeness, min(9.0, dur - t + 0.05))
        place(y, int(t * SR), strike, 0.5 + 0.5 * closeness)
        t += rng.uniform(8, 25) * (1.3 - 0.6 * i)
        first = False
    return y
