"""Impacts, weapons and transitions: explosions, gunshots, whooshes, breaking glass, clashing swords."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.convolution import convolve
from engine.backends.offline.sound.dsp.events import onset, pan_gains, place, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, fir, lowpass_response, resonate
from engine.backends.offline.sound.dsp.kernels import burst, mix, modal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.noise import white
from engine.backends.offline.sound.dsp.rates import F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


@recipe("explosion", "event", "an explosion: a sharp blast, a deep boom, debris and a long rumbling tail",
        distance="medium", level_db=8, natural_length=4.0)
def explosion(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.3)
    length = max(0.05, min(7.0, dur - start))
    t = tvec(length)
    chans = []
    f = 30 + 40 * np.exp(-t / 0.15)
    boom = np.sin(2 * math.pi * np.cumsum(f) / SR) * np.exp(-t / (0.5 + 0.3 * i)) * np.minimum(1, t / 0.002)
    taps = 2049
    for c in range(2):  # the blast and its debris fill the space: independent noise per channel
        blast, rumble = convolve(white(rng, t.size + taps - 1), [fir(band(30, 6000)), fir(band(20, 200))],
                                 mode="valid")
        y = 0.8 * blast * np.exp(-t / 0.12) * np.minimum(1, t / 0.001)
        y += 0.6 * rumble * np.exp(-t / (1.5 + 1.5 * i)) * np.minimum(1, t / 0.05)
        y += 1.0 * boom * np.std(blast) * 3
        k = rng.poisson(40 + 60 * i)
        deb = np.zeros(t.size)
        pos = np.clip(((0.1 + rng.exponential(0.6, k)) * SR).astype(int), 0, t.size - 1)
        np.add.at(deb, pos, rng.standard_normal(k) * np.exp(-pos / SR / 1.0))
        y += 0.6 * bandpass(deb, 1000, 6000) * np.std(blast) * 8
        chans.append(y)
    k = normalise_peak(np.stack(chans))
    out = ctx.zeros()
    place(out, int(start * SR), k)
    return out


@recipe("gunshot", "event", "a gunshot: a sharp crack and boom with its echo off the surroundings",
        level_db=8, natural_length=1.5)
def gunshot(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    shot = mix(burst(rng, 0.01, 1500, 14000, 0.0015, attack=0.00005),
               0.8 * modal([u(90, 130), u(200, 260)], [0.06, 0.04], [1.0, 0.6], rng=rng, attack=0.0002),
               0.7 * burst(rng, 0.25, 80, 3000, 0.05, attack=0.0005))
    tail_len = min(2.5, max(0.05, dur))
    echo = np.zeros(int(tail_len * SR), F32)
    for d, g in zip(sorted(rng.uniform(0.15, 0.6, 3)), (0.25, 0.15, 0.1)):  # slaps off walls and hills
        s = int(d * SR)
        if s < echo.size:
            e = bandpass(shot, 100, 2500).astype(F32) * g
            echo[s:s + e.size] += e[:echo.size - s]
    k = normalise_peak(mix(shot, echo, 0.1 * burst(rng, tail_len, 100, 1500, 0.3, attack=0.02)))
    count = 1 if i < 0.6 else int(rng.integers(2, 4))
    t = onset(dur, 0.05, 0.2) + np.concatenate([[0.0], np.cumsum(rng.uniform(0.4, 1.2, count - 1))])
    t = t[t < dur]
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [k], 0, np.exp(0.1 * rng.standard_normal(t.size)), rng.uniform(-0.3, 0.3))
    return y


def _swept_noise(rng: np.random.Generator, fc: np.ndarray, width: float) -> np.ndarray:
    """Noise in a band whose centre follows fc (audio rate): low-passed I/Q noise heterodyned up to fc."""
    taps = 1025
    iq = convolve(white(rng, fc.size + taps - 1), [fir(lowpass_response(width / 2), taps)], mode="valid")[0], \
        convolve(white(rng, fc.size + taps - 1), [fir(lowpass_response(width / 2), taps)], mode="valid")[0]
    ph = 2 * math.pi * np.cumsum(fc) / SR
    return iq[0] * np.cos(ph) - iq[1] * np.sin(ph)


@recipe("whoosh", "event", "a whoosh: something rushing past, the pitch of the air rising and falling",
        distance="close", level_db=3, natural_length=0.8)
def whoosh(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.1)
    length = max(0.05, min(dur - start, rng.uniform(0.5, 0.9) * (1.3 - 0.5 * i)))
    t = tvec(length)
    u = t / length
    bell = np.sin(math.pi * np.clip(u, 0, 1) ** 0.8) ** 2  # peaks a little after the middle
    fc = 300 + 2500 * (0.6 + 0.4 * i) * bell
    y = _swept_noise(rng, fc, 600) * bell + 0.3 * bandpass(rng.standard_normal(t.size), 500, 6000) * bell ** 2
    y = normalise_peak(y)
    gl, gr = pan_gains(np.linspace(-0.7, 0.7, t.size))
    out = ctx.zeros()
    place(out, int(start * SR), np.stack([y * gl, y * gr]).astype(F32))
    return out


@recipe("glass_break", "event", "glass shattering: the crack, a crash, then shards tinkling down",
        environment="indoor", level_db=5, natural_length=1.5)
def glass_break(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    start = onset(dur, 0.05, 0.1)
    out = ctx.zeros()
    hit = mix(burst(rng, 0.03, 1500, 12000, 0.004, attack=0.0001), 0.5 * modal([u(400, 800)], [0.02], [1.0]))
    crash = burst(rng, 0.5, 1000, 12000, 0.08, attack=0.001)
    scatter(out, [int(start * SR)] * 2, [hit, crash], [0, 1], [1.0, 0.5], 0.0)
    shards = [normalise_peak(mix(modal(u(2500, 9000, 4), u(0.02, 0.12, 4), u(0.3, 1.0, 4), rng=rng),
                                 0.3 * burst(rng, 0.003, 3000, 12000, 0.0005))) for _ in range(16)]
    k = int(40 + 50 * i)
    t = start + np.concatenate([rng.uniform(0, 0.05, k // 3), rng.exponential(0.25, k - k // 3) + 0.03])
    t = t[t < dur]
    scatter(out, (t * SR).astype(int), shards, rng.integers(0, 16, t.size),
            0.5 * np.exp(-(t - start) / 0.6) * np.exp(0.3 * rng.standard_normal(t.size)),
            rng.uniform(-0.8, 0.8, t.size))
    return out


@recipe("sword_clash", "sequence", "swords clashing: bright ringing steel on steel, the odd scrape",
        level_db=5, natural_length=1.0)
def sword_clash(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform

    def clash():
        f0 = u(900, 1500)
        partials = np.concatenate([f0 * np.array([1.0, 2.76, 5.40, 8.93]), u(3000, 9000, 4)])
        ring = modal(partials, np.concatenate([[1.2, 0.8, 0.5, 0.3], u(0.1, 0.4, 4)]) * u(0.6, 1.0),
                     [0.6, 1.0, 0.8, 0.6, 0.4, 0.3, 0.3, 0.2], dur=min(dur, 2.0), rng=rng)
        k = mix(ring, 0.8 * burst(rng, 0.02, 1500, 12000, 0.003, attack=0.0001))
        if rng.random() < 0.4:  # blade sliding along blade
            sl = u(0.15, 0.35)
            tt = tvec(sl)
            scrape = _swept_noise(rng, np.linspace(u(3000, 4000), u(5000, 7000), tt.size), 800)
            scrape = resonate(scrape * np.sin(math.pi * tt / sl), partials[:3], [30, 30, 30])
            k = mix(k, np.concatenate([np.zeros(int(0.05 * SR), F32), 0.5 * normalise_peak(scrape)]))
        return normalise_peak(k)

    bank = [clash() for _ in range(5)]
    times = []
    t = onset(dur, 0.05, 0.15)
    while t < dur:
        for _ in range(int(rng.integers(2, 5))):
            times.append(t)
            t += u(0.25, 0.6) / (0.6 + 0.6 * i)
        t += u(1.0, 2.5)
    times = np.array(times)
    times = times[times < dur]
    y = ctx.zeros()
    scatter(y, (times * SR).astype(int), bank, rng.integers(0, 5, times.size),
            np.exp(0.15 * rng.standard_normal(times.size)), rng.uniform(-0.4, 0.4, times.size))
    return y
