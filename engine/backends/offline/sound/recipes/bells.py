"""Bells: a church bell, a small bell and wind chimes."""

from __future__ import annotations

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import ctrl_len, envelope_at
from engine.backends.offline.sound.dsp.events import onset, poisson_times, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band
from engine.backends.offline.sound.dsp.kernels import burst, mix, modal, normalise_peak
from engine.backends.offline.sound.dsp.rates import SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe
from engine.backends.offline.sound.recipes.weather import gusts


def _bell(rng: np.random.Generator, prime: float, size: float, dur: float) -> np.ndarray:
    """A cast bell's partials (hum, prime, minor-third tierce, quint, nominal, ...), each a slightly split pair
    that beats slowly, as a real bell's imperfect symmetry makes it."""
    ratios = np.array([0.5, 1.0, 1.19, 1.5, 2.0, 2.5, 2.67, 3.0, 4.0, 5.33, 6.0])
    decays = np.array([9, 5.5, 4.5, 3.0, 3.3, 1.8, 1.6, 1.3, 0.9, 0.6, 0.45]) * size
    amps = np.array([0.5, 0.6, 0.9, 0.35, 1.0, 0.45, 0.5, 0.35, 0.3, 0.2, 0.15])
    split = 1 + rng.uniform(0.0005, 0.003, ratios.size)
    f = np.concatenate([prime * ratios, prime * ratios * split])
    y = modal(f, np.concatenate([decays, decays]), np.concatenate([amps, 0.6 * amps]),
              dur=min(dur, 6.9 * decays.max()), rng=rng, attack=0.001)
    return normalise_peak(mix(y, 0.25 * burst(rng, 0.05, 800, 8000, 0.008)))


@recipe("church_bell", "sequence", "a church bell tolling, its long ringing decays overlapping",
        distance="medium", level_db=2, natural_length=4.0)
def church_bell(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    k = _bell(rng, rng.uniform(220, 330), 1.0, min(dur, 8.0))
    t = regular_times(rng, rng.uniform(2.5, 3.2) * (1.2 - 0.4 * i), onset(dur, 0.03, 0.1), dur, 0.015)
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), [k], 0, np.exp(0.08 * rng.standard_normal(t.size)), 0.0)
    return y


@recipe("small_bell", "sequence", "a small bell: a ding, or ringing by hand at high intensity",
        environment="indoor", level_db=0, natural_length=1.5)
def small_bell(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    prime = rng.uniform(1400, 2400)
    k = modal(prime * np.array([1.0, 2.32, 4.25, 6.63, 9.38]), [1.6, 0.9, 0.5, 0.3, 0.2], [1.0, 0.6, 0.4, 0.25, 0.15],
              dur=min(dur, 3.0), rng=rng, attack=0.0003)
    y = ctx.zeros()
    t = onset(dur, 0.04, 0.1)
    while t < dur:
        if i < 0.6:  # a ding, maybe a second one
            strikes = t + np.array([0.0, 0.35])[: int(rng.integers(1, 3))]
        else:  # rung by hand: quick strikes for a second or so
            strikes = t + np.arange(int(rng.integers(5, 10))) / rng.uniform(5, 7)
        scatter(y, (strikes * SR).astype(int), [k], 0, np.exp(0.15 * rng.standard_normal(strikes.size)),
                rng.uniform(-0.3, 0.3))
        t = strikes[-1] + rng.uniform(5, 9)
    return y


@recipe("wind_chimes", "bed", "wind chimes: tuned metal tubes struck by the breeze", level_db=-3)
def wind_chimes(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    gust = gusts(rng, m, i)
    y = ctx.bands([(band(150, 2500), 0.08 * gust)])
    base = rng.uniform(900, 1300)
    tubes = [modal(base * r * np.array([1.0, 2.76, 5.40, 8.93]), np.array([1.6, 0.8, 0.4, 0.2]) * rng.uniform(0.8, 1.2),
                   [1.0, 0.5, 0.3, 0.15], dur=min(ctx.dur, 5.0), rng=rng) for r in (1.0, 9 / 8, 5 / 4, 3 / 2, 5 / 3)]
    t = poisson_times(rng, 0.8 + 3.5 * i, -0.2, ctx.dur)
    t = t[rng.random(t.size) < envelope_at(gust, t) * 1.5]  # the chimes ring when the gusts blow
    scatter(y, (t * SR).astype(int), tubes, rng.integers(0, len(tubes), t.size),
            0.4 * np.exp(0.4 * rng.standard_normal(t.size)), rng.uniform(-0.7, 0.7, t.size), ctx.cancel)
    return y
