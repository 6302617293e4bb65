"""Indoors: a room's own air, doors, a clock, a telephone, typing and paper."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise
from engine.backends.offline.sound.dsp.events import onset, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, tilt
from engine.backends.offline.sound.dsp.kernels import burst, creak, mix, modal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.rates import F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


@recipe("room_tone", "bed", "room tone: the quiet air of a room (ventilation, a faint hum)", environment="indoor",
        level_db=-10)
def room_tone(ctx: Ctx) -> np.ndarray:
    rng, n = ctx.rng, ctx.n
    m = ctrl_len(n)
    drift = np.exp(0.06 * smooth_noise(rng, m, 5.0))
    y = ctx.bands([(lambda f: band(40, 900)(f) * tilt(f, -4, 100), drift),
                   (lambda f: band(900, 6000)(f) * tilt(f, -3, 900), 0.25 * drift)])
    mains = rng.choice([50.0, 60.0])  # a faint mains hum, as any room with electricity has
    ctx.osc(y, np.full(m, mains), 0.04, wave=lambda ph: np.sin(ph) + F32(0.5) * np.sin(3 * ph))
    return y


def _knock(rng: np.random.Generator, force: float) -> np.ndarray:
    """A knuckle on a wooden door: the panel's low modes ring briefly; harder knocks excite the upper ones."""
    u = rng.uniform
    body = modal([u(85, 110), u(160, 200), u(240, 300), u(380, 460), u(600, 720), u(950, 1150), u(1500, 1900)],
                 [0.09, 0.07, 0.05, 0.035, 0.025, 0.015, 0.008],
                 [1.0, 0.8, 0.7, 0.6, 0.45 * (0.5 + force), 0.3 * (0.3 + force), 0.2 * force], rng=rng,
                 attack=0.001)
    return normalise_peak(mix(body, (0.15 + 0.25 * force) * burst(rng, 0.01, 1200, 6000, 0.0008)))


@recipe("door_knock", "sequence", "knocking on a wooden door: knock-knock-knock, repeated after a pause",
        environment="indoor", level_db=3, natural_length=1.0)
def door_knock(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    bank = [_knock(rng, i) for _ in range(6)]
    y = ctx.zeros()
    t = onset(dur, 0.05, 0.12)
    times = []
    while t < dur:
        count = 3 if i < 0.7 else int(rng.integers(4, 7))  # insistent knocking is longer
        spacing = rng.uniform(0.17, 0.23) * (1.1 - 0.3 * i)
        times += [t + k * spacing * (1 + 0.04 * rng.standard_normal()) for k in range(count)]
        t += count * spacing + rng.uniform(2.5, 5.0) * (1.2 - 0.5 * i)
    times = np.array([x for x in times if x < dur])
    scatter(y, (times * SR).astype(int), bank, rng.integers(0, 6, times.size),
            np.exp(0.1 * rng.standard_normal(times.size)), 0.0)
    return y


@recipe("door_creak", "event", "a door creaking open on old hinges", environment="indoor", level_db=1,
        natural_length=1.5)
def door_creak(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    start = onset(dur, 0.05, 0.1)
    length = min(rng.uniform(1.2, 2.5) * (1.2 - 0.4 * i), dur - start)
    body = sorted(rng.uniform(450, 2400, 4))
    k = creak(rng, max(length, 0.05), rng.uniform(20, 60), rng.uniform(90, 220), body)
    y = ctx.zeros()
    scatter(y, [int(start * SR)], [k], 0, 1.0, rng.uniform(-0.3, 0.3))
    return y


@recipe("door_slam", "event", "a door slammed shut: a heavy thud, a crack, the latch and frame rattling",
        environment="indoor", level_db=6, natural_length=1.0)
def door_slam(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    start = onset(dur, 0.08, 0.3)
    thud = modal([u(55, 70), u(80, 100), u(115, 140), u(190, 240)], [0.15, 0.12, 0.08, 0.05], [1.0, 0.9, 0.6, 0.4],
                 rng=rng, attack=0.002)
    crack = burst(rng, 0.05, 200, 6000, 0.008)
    rattle = modal([u(2000, 2600), u(3100, 3700), u(4300, 5200)], [0.05, 0.04, 0.03], [1.0, 0.7, 0.5], rng=rng)
    latch = burst(rng, 0.01, 2500, 10000, 0.0008)
    k = mix(thud, (0.5 + 0.4 * i) * crack, np.concatenate([np.zeros(int(0.012 * SR), F32), 0.25 * rattle]),
            np.concatenate([np.zeros(int(0.004 * SR), F32), 0.3 * latch]))
    y = ctx.zeros()
    pre = 0.25  # the swing of the door pushes a little air before the hit
    swish = burst(rng, pre, 200, 1200, pre / 2, attack=pre / 2) * 0.08
    scatter(y, [int(max(0.0, start - pre) * SR)], [swish[-int(min(pre, start) * SR) - 1:]], 0, 1.0, 0.0)
    scatter(y, [int(start * SR)], [normalise_peak(k)], 0, 1.0, 0.0)
    return y


@recipe("clock", "sequence", "a mechanical clock ticking: tick, tock, once a second", environment="indoor",
        level_db=-4, natural_length=2.0)
def clock(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform
    bright = 0.6 + 0.4 * i
    tick_f = np.array([u(2400, 2900), u(3700, 4300), u(5200, 6000), u(900, 1100)])
    kern = [normalise_peak(mix(modal(tick_f * s, [0.006, 0.004, 0.003, 0.02], [1.0, 0.7 * bright, 0.5 * bright, 0.35],
                                     rng=rng), 0.3 * burst(rng, 0.004, 3000, 12000, 0.0004))) for s in (1.0, 0.85)]
    t = regular_times(rng, 1.0, onset(dur, 0.05, 0.1), dur, 0.003)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), kern, np.arange(t.size) % 2, np.where(np.arange(t.size) % 2, 0.8, 1.0), 0.0)
    return y


@recipe("phone_ring", "sequence", "an old telephone ringing: a bell hammered for two seconds, then a pause",
        environment="indoor", level_db=1, natural_length=2.5)
def phone_ring(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    gongs = [modal(rng.uniform(1800, 2200) * np.array([1.0, 2.1, 3.3, 4.6]) * s, [0.25, 0.15, 0.08, 0.05],
                   [1.0, 0.6, 0.4, 0.25], dur=min(dur, 1.5), rng=rng) for s in (1.0, 1.04)]
    t0 = regular_times(rng, 6.0, onset(dur, 0.03, 0.1), dur)
    strikes = (t0[:, None] + np.arange(40)[None, :] / 20.0).ravel()  # the clapper between two gongs at 20 Hz
    strikes = strikes[strikes < dur]
    y = ctx.zeros()
    scatter(y, (strikes * SR).astype(int), gongs, np.arange(strikes.size) % 2,
            0.5 * np.exp(0.1 * rng.standard_normal(strikes.size)), 0.0)
    return y


@recipe("typing", "sequence", "typing on a keyboard: bursts of keystrokes, a thumping space bar, pauses",
        environment="indoor", level_db=-2, natural_length=2.0)
def typing(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    u = rng.uniform

    def key(lo_scale):
        press = mix(burst(rng, 0.02, u(1500, 3000) * lo_scale, u(6000, 10000), u(0.001, 0.002)),
                    0.5 * modal([u(350, 600), u(900, 1400), u(2000, 3000)], [0.012, 0.008, 0.004], [1.0, 0.6, 0.4],
                                rng=rng))
        bottom = 0.5 * burst(rng, 0.02, 200, 1500, 0.003)
        return normalise_peak(mix(press, np.concatenate([np.zeros(int(u(0.005, 0.008) * SR), F32), bottom])))

    keys = [key(1.0) for _ in range(10)]
    space = key(0.5)
    release = [0.3 * key(1.3) for _ in range(3)]
    bank = keys + [space] + release
    times, which = [], []
    t = onset(dur, 0.05, 0.1)
    speed = 0.7 + 0.6 * i
    words = 0
    while t < dur:
        for _ in range(int(rng.integers(3, 9))):
            times.append(t)
            which.append(int(rng.integers(10)))
            times.append(t + u(0.06, 0.1))
            which.append(11 + int(rng.integers(3)))
            t += u(0.07, 0.16) / speed
        times.append(t)
        which.append(10)
        t += u(0.1, 0.2) / speed
        words += 1
        if words % int(rng.integers(6, 13)) == 0:
            t += u(0.5, 1.5)  # end of a sentence: a pause to think
    times, which = np.array(times), np.array(which)
    keep = times < dur
    y = ctx.zeros()
    scatter(y, (times[keep] * SR).astype(int), bank, which[keep], np.exp(0.15 * rng.standard_normal(keep.sum())),
            rng.uniform(-0.3, 0.3, keep.sum()), ctx.cancel)
    return y


@recipe("page_turn", "sequence", "paper: a page turned, a rustle and flap of a sheet", environment="indoor",
        level_db=-2, natural_length=0.8)
def page_turn(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur

    def turn():
        d = rng.uniform(0.35, 0.6)
        t = tvec(d)
        shape = np.sin(math.pi * t / d) ** 1.5
        imp = np.zeros(t.size)
        k = rng.poisson(800 * d)
        imp[rng.integers(0, t.size, k)] = rng.standard_normal(k)
        crinkle = bandpass(imp, 1500, 9000) * shape
        swish = bandpass(rng.standard_normal(t.size), 800, 6000) * shape ** 2
        flap = modal([rng.uniform(150, 400)], [0.02], [1.0])
        y = normalise_peak(crinkle) + 0.5 * normalise_peak(swish)
        y[-flap.size:] += 0.2 * flap[:y.size]
        return normalise_peak(y)

    bank = [turn() for _ in range(4)]
    t = [onset(dur, 0.05, 0.1)]
    while t[-1] + 3 < dur:
        t.append(t[-1] + rng.uniform(2.5, 7.0))
    t = np.array(t)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 4, t.size), 1.0, rng.uniform(-0.3, 0.3, t.size))
    return y
