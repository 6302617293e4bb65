"""Footfalls: people and horses walking on different surfaces."""

from __future__ import annotations

import numpy as np

from engine.backends.offline.sound.dsp.events import onset, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import bandpass
from engine.backends.offline.sound.dsp.kernels import burst, creak, mix, modal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.rates import F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


SURFACES = ("wood", "stone", "gravel", "snow", "grass", "metal")


def _grains(rng: np.random.Generator, count: int, span: float, lo: float, hi: float, decay: tuple) -> np.ndarray:
    """A crunch: many tiny fractures (gravel shifting, snow crystals breaking) front-loaded over `span` s."""
    y = np.zeros(int((span + 5 * decay[1]) * SR) + 1)
    length = int(5 * decay[1] * SR) + 1
    t = np.arange(length) / SR
    times = span * rng.beta(1.2, 2.5, count)
    amps = np.exp(-times / (0.5 * span)) * rng.uniform(0.3, 1.0, count)
    for t0, a, d in zip(times, amps, rng.uniform(*decay, count)):
        s = int(t0 * SR)
        y[s:s + length] += a * rng.standard_normal(length) * np.exp(-t / d)
    return normalise_peak(bandpass(y, lo, hi))


def _footfall(rng: np.random.Generator, surface: str, weight: float = 1.0) -> np.ndarray:
    """One footstep (heel strike, then the roll to the toe) on a surface."""
    u = rng.uniform
    toe_at = int(u(0.045, 0.09) * SR)
    if surface == "wood":
        body = modal([u(90, 130), u(200, 260), u(420, 520), u(900, 1100), u(1800, 2300)],
                     [0.05, 0.035, 0.02, 0.012, 0.006], [1.0, 0.7, 0.5, 0.35, 0.2], rng=rng)
        heel = mix(body, 0.3 * burst(rng, 0.01, 1500, 6000, 0.0015))
        toe = 0.45 * modal([u(110, 150), u(300, 380), u(700, 900)], [0.03, 0.02, 0.01], [1.0, 0.6, 0.3], rng=rng)
        if rng.random() < 0.15:  # an old board gives a short creak
            toe = mix(toe, 0.35 * creak(rng, u(0.1, 0.2), 60, 160, [u(500, 800), u(1100, 1500)]))
    elif surface == "stone":
        heel = mix(burst(rng, 0.03, 1800, 9000, 0.003), 0.4 * modal([u(2200, 3200), u(3600, 4800)], [0.008, 0.005],
                                                                    [1.0, 0.7], rng=rng),
                   0.5 * modal([u(70, 110)], [0.03], [1.0]))
        toe = 0.25 * burst(rng, 0.06, 1500, 6000, 0.012, attack=0.005)  # the sole scuffs as it rolls
    elif surface == "gravel":
        heel = mix(_grains(rng, int(u(25, 60)), u(0.12, 0.2), 1200, 6000, (0.0005, 0.0012)),
                   0.35 * modal([u(80, 120)], [0.04], [1.0]))
        toe = 0.5 * _grains(rng, int(u(10, 25)), u(0.06, 0.1), 1500, 7000, (0.0004, 0.001))
    elif surface == "snow":
        heel = mix(_grains(rng, int(u(15, 35)), u(0.18, 0.28), 400, 3500, (0.001, 0.003)),
                   0.4 * creak(rng, u(0.12, 0.2), 150, 350, [u(900, 1300), u(1800, 2400)]),
                   0.4 * modal([u(60, 90)], [0.05], [1.0]))
        toe = 0.3 * _grains(rng, int(u(8, 15)), 0.1, 500, 3000, (0.001, 0.002))
    elif surface == "grass":
        d = u(0.15, 0.25)
        t = tvec(d)
        rustle = bandpass(rng.standard_normal(t.size), 1800, 9000) * np.minimum(1, t / 0.02) * np.exp(-t / (0.4 * d))
        heel = mix(normalise_peak(rustle), 0.3 * _grains(rng, int(u(5, 12)), d, 2000, 8000, (0.0003, 0.001)),
                   0.4 * modal([u(60, 90)], [0.04], [1.0]))
        toe = 0.4 * normalise_peak(bandpass(rng.standard_normal(int(0.1 * SR)), 2000, 8000)
                                   * np.exp(-tvec(0.1) / 0.03))
    else:  # metal: a grate or a ship's deck rings
        heel = mix(modal([u(400, 600), u(1100, 1500), u(2300, 2900), u(3900, 4600)], [0.12, 0.08, 0.05, 0.03],
                         [1.0, 0.7, 0.5, 0.3], rng=rng), 0.4 * burst(rng, 0.01, 2000, 9000, 0.001))
        toe = 0.35 * modal([u(500, 700), u(1300, 1700)], [0.06, 0.04], [1.0, 0.6], rng=rng)
    y = np.zeros(max(heel.size, toe_at + toe.size), F32)
    y[:heel.size] += heel * weight
    y[toe_at:toe_at + toe.size] += toe
    return normalise_peak(y)


@recipe("footsteps", "sequence", "footsteps: someone walking (or running, at high intensity) on wood, stone, "
        "gravel, snow, grass or metal", environment="indoor", level_db=1, natural_length=1.5, surfaces=SURFACES)
def footsteps(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    surface = ctx.surface or "wood"
    y = ctx.zeros()
    bank = [_footfall(rng, surface, weight=1.0 + 0.5 * i) for _ in range(10)]
    rate = 1.4 + 1.6 * i  # steps per second: a stroll at 0, ~2 at a normal walk, a run at 1
    t = regular_times(rng, 1 / rate, onset(dur, 0.05, 0.12), dur, 0.04)
    foot = np.arange(t.size) % 2
    gains = np.exp(0.12 * rng.standard_normal(t.size)) * np.where(foot, 0.85, 1.0)
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, len(bank), t.size), gains, np.where(foot, 0.12, -0.12),
            ctx.cancel)
    return y


def _hoof(rng: np.random.Generator, surface: str) -> np.ndarray:
    u = rng.uniform
    if surface in ("stone", "metal", "wood"):  # the hollow clip-clop of a shod hoof on a hard floor
        base = {"stone": 1.0, "metal": 1.6, "wood": 0.55}[surface]
        return normalise_peak(mix(modal(base * np.array([u(500, 700), u(1100, 1400), u(2200, 2800)]),
                                        [0.02, 0.012, 0.006], [1.0, 0.6, 0.3], rng=rng),
                                  0.6 * burst(rng, 0.006, 2000, 9000, 0.0008),
                                  0.4 * modal([u(90, 120)], [0.03], [1.0])))
    thud = mix(modal([u(60, 90), u(130, 170)], [0.05, 0.03], [1.0, 0.5], rng=rng),
               0.8 * burst(rng, 0.05, 80, 900, 0.015))
    if surface == "gravel":
        thud = mix(thud, 0.5 * _grains(rng, 25, 0.1, 1200, 6000, (0.0005, 0.001)))
    elif surface == "snow":
        thud = mix(thud, 0.4 * _grains(rng, 15, 0.15, 400, 3000, (0.001, 0.002)))
    else:
        thud = mix(thud, 0.15 * _grains(rng, 8, 0.06, 1500, 6000, (0.0003, 0.001)))
    return normalise_peak(thud)


@recipe("horse_hooves", "sequence", "horse hooves: walk, trot or gallop (by intensity) on stone, dirt, gravel...",
        level_db=1, natural_length=2.0, surfaces=("stone", "grass", "gravel", "snow", "wood", "metal"))
def horse_hooves(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    if i < 0.35:
        stride, beats, default = 1.0, [0.0, 0.25, 0.5, 0.75], "stone"  # walk: four even beats
    elif i < 0.7:
        stride, beats, default = 0.7, [0.0, 0.02, 0.5, 0.52], "stone"  # trot: diagonal pairs, slightly flammed
    else:
        stride, beats, default = 0.42, [0.0, 0.2, 0.4, 0.55], "grass"  # gallop: four quick beats, then flight
    surface = ctx.surface or default
    bank = [_hoof(rng, surface) for _ in range(8)]
    starts = regular_times(rng, stride, onset(dur, 0.05, 0.1), dur, 0.02)
    t = (starts[:, None] + np.array(beats)[None, :] * stride).ravel()
    t = t[t < dur]
    gains = np.tile([1.0, 0.8, 0.9, 0.75], starts.size)[:t.size] * np.exp(0.1 * rng.standard_normal(t.size))
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 8, t.size), gains, rng.uniform(-0.15, 0.15, t.size),
            ctx.cancel)
    return y
