"""Fire: a burning wood fire's roar, hiss, crackles and pops."""

from __future__ import annotations

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise
from engine.backends.offline.sound.dsp.events import poisson_times, scatter
from engine.backends.offline.sound.dsp.filters import band
from engine.backends.offline.sound.dsp.kernels import burst, mix, modal, normalise_peak
from engine.backends.offline.sound.dsp.noise import heavy_tail
from engine.backends.offline.sound.dsp.rates import SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


@recipe("fire", "bed", "fire: low roar, hiss and clustered crackles and pops of burning wood", level_db=-2)
def fire(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(band(30, 350), 0.5 * np.exp(0.4 * smooth_noise(rng, m, 0.12))),
                   (band(1800, 9000), (0.06 + 0.08 * i) * np.exp(0.5 * smooth_noise(rng, m, 0.05)))])
    crackles = []
    for _ in range(40):
        k = burst(rng, rng.uniform(0.004, 0.02), rng.uniform(1000, 3000), rng.uniform(6000, 14000),
                  rng.uniform(0.0003, 0.0025))
        if rng.random() < 0.3:  # a resonant snap of a splitting twig
            k = normalise_peak(mix(k, 0.6 * modal([rng.uniform(1200, 3500)], [rng.uniform(0.003, 0.008)], [1.0])))
        crackles.append(k)
    # clusters: one cracking fibre sets off a few neighbours within tens of ms
    centres = poisson_times(rng, 2 + 10 * i, -0.1, ctx.dur)
    sizes = 1 + rng.poisson(2 + 3 * i, centres.size)
    t = np.repeat(centres, sizes) + rng.exponential(0.03, sizes.sum())
    scatter(y, (t * SR).astype(int), crackles, rng.integers(0, len(crackles), t.size),
            0.25 * np.minimum(heavy_tail(rng, t.size, 2.5), 12), rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    pops = [normalise_peak(mix(burst(rng, 0.05, rng.uniform(300, 800), 3000, rng.uniform(0.005, 0.015)),
                               0.7 * modal([rng.uniform(500, 1200)], [rng.uniform(0.01, 0.03)], [1.0])))
            for _ in range(8)]
    t = poisson_times(rng, 0.2 + 1.0 * i, 0.0, ctx.dur)
    scatter(y, (t * SR).astype(int), pops, rng.integers(0, len(pops), t.size),
            0.8 * np.exp(0.3 * rng.standard_normal(t.size)), rng.uniform(-0.5, 0.5, t.size), ctx.cancel)
    return y
