"""Animals: insects, songbirds, gulls, owls, wolves and dogs."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise, upsample
from engine.backends.offline.sound.dsp.events import onset, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, narrow_band, resonate
from engine.backends.offline.sound.dsp.kernels import chirp, glottal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.rates import CTRL, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


def _cricket_chirp(rng: np.random.Generator, carrier: float, pulses: int, pulse_len: float, pulse_gap: float):
    t = tvec(pulses * (pulse_len + pulse_gap))
    y = np.zeros(t.size)
    w = tvec(pulse_len)
    win = np.sin(math.pi * w / pulse_len) ** 2
    for k in range(pulses):
        s = int(k * (pulse_len + pulse_gap) * SR)
        f = carrier * (1 + 0.01 * rng.standard_normal())
        y[s:s + w.size] += win * (np.sin(2 * math.pi * f * w) + 0.05 * np.sin(4 * math.pi * f * w))
    return normalise_peak(y)


@recipe("crickets", "bed", "crickets and night insects: chirping crickets over a shimmering distant chorus",
        level_db=-4)
def crickets(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: narrow_band(4600, 0.12)(f) * band(3000, 8000)(f),
                    (0.12 + 0.15 * i) * np.exp(0.35 * smooth_noise(rng, m, 0.05)))])
    for _ in range(2 + int(5 * i)):
        ctx.check()
        carrier = rng.uniform(3800, 5200)
        if rng.random() < 0.25:  # a trilling species: long bouts of fast pulses
            kern = _cricket_chirp(rng, carrier, int(rng.uniform(30, 60)), 0.012, 0.012)
            period, jitter = rng.uniform(2.5, 5.0), 0.2
        else:
            kern = _cricket_chirp(rng, carrier, int(rng.integers(3, 6)), rng.uniform(0.012, 0.018),
                                  rng.uniform(0.008, 0.014))
            period, jitter = rng.uniform(0.35, 0.8), 0.03
        t = regular_times(rng, period, -rng.uniform(0, period), ctx.dur, jitter)
        gain = math.exp(rng.normal(0, 0.4))
        scatter(y, (t * SR).astype(int), [kern], 0, gain * np.exp(0.1 * rng.standard_normal(t.size)),
                rng.uniform(-0.9, 0.9), ctx.cancel)
    return y


def _bird_phrase(rng: np.random.Generator, style: str) -> np.ndarray:
    parts = []

    def note(f_curve, harmonics=(1.0, 0.08)):
        env = np.sin(np.linspace(0, math.pi, f_curve.size)) ** 1.5
        return chirp(f_curve, harmonics, rng) * env

    if style == "whistle":  # blackbird/robin-like: a few smooth whistled glides with vibrato
        for _ in range(rng.integers(3, 8)):
            d = rng.uniform(0.08, 0.25)
            t = tvec(d)
            f0 = rng.uniform(1800, 3800)
            f = np.linspace(f0, f0 * rng.uniform(0.7, 1.4), t.size)
            f *= 1 + 0.04 * np.sin(2 * math.pi * rng.uniform(25, 40) * t)
            parts += [note(f), np.zeros(int(rng.uniform(0.04, 0.12) * SR))]
    elif style == "trill":  # rapid repeats of one falling syllable
        d, gap = rng.uniform(0.03, 0.05), rng.uniform(0.015, 0.03)
        hi, lo = rng.uniform(4000, 6000), rng.uniform(2500, 3500)
        for _ in range(rng.integers(8, 20)):
            t = tvec(d)
            parts += [note(hi + (lo - hi) * t / d), np.zeros(int(gap * SR))]
    elif style == "chirp":  # sparrow-like cheeps: quick up-down notes, a bit buzzy
        for _ in range(rng.integers(2, 6)):
            d = rng.uniform(0.05, 0.09)
            t = tvec(d)
            peak = rng.uniform(3500, 5000)
            f = peak * (1 - 0.25 * np.abs(2 * t / d - 1))
            parts += [note(f, (1.0, 0.3, 0.1)), np.zeros(int(rng.uniform(0.06, 0.15) * SR))]
    else:  # warble: fast random frequency modulation in bursts
        d = rng.uniform(0.6, 1.5)
        t = tvec(d)
        wob = upsample(smooth_noise(rng, t.size // CTRL + 2, 0.02), t.size)
        f = rng.uniform(2500, 4000) + 700 * wob
        gate = 0.5 + 0.5 * np.sign(np.sin(2 * math.pi * rng.uniform(12, 20) * t))
        parts.append(note(f) * bandpass(gate, None, 200.0, 1))
    return normalise_peak(np.concatenate(parts))


@recipe("birdsong", "bed", "birdsong: several birds (whistles, trills, cheeps, warbles) singing around",
        environment="forest", level_db=-3)
def birdsong(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(band(800, 6000), 0.02 * np.exp(0.5 * smooth_noise(rng, m, 1.5)))])
    styles = ("whistle", "trill", "chirp", "warble")
    for b in range(3 + int(4 * i)):
        ctx.check()
        style = styles[int(rng.integers(len(styles)))]
        far = rng.uniform(0, 1)
        phrases = [_bird_phrase(rng, style) for _ in range(2)]
        if far > 0.5:
            phrases = [normalise_peak(bandpass(p, None, 6000 - 3000 * far)) for p in phrases]
        t, times = (0.05 + rng.uniform(0, 0.3)) if b == 0 else rng.uniform(-2, 3), []
        while t < ctx.dur:
            times.append(t)
            t += phrases[0].size / SR + rng.exponential(3.0 - 2.0 * i) + 0.4
        times = np.array(times)
        scatter(y, (times * SR).astype(int), phrases, rng.integers(0, 2, times.size),
                (1.0 - 0.6 * far) * np.exp(0.15 * rng.standard_normal(times.size)), rng.uniform(-0.9, 0.9),
                ctx.cancel)
    return y


def _call_series(rng: np.random.Generator, dur: float, first: float, kernels: list[np.ndarray], per_series: tuple,
                 spacing: tuple, gap: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Animal calls in series ("kee-ow kee-ow kee-ow", "woof woof"), series separated by pauses."""
    times, which = [], []
    t = first
    while t < dur:
        for k in range(int(rng.integers(per_series[0], per_series[1] + 1))):
            if t >= dur:
                break
            j = int(rng.integers(len(kernels)))
            times.append(t)
            which.append(j)
            t += kernels[j].size / SR + rng.uniform(*spacing)
        t += rng.uniform(*gap)
    return np.array(times), np.array(which, int)


def _gull_call(rng: np.random.Generator, f_base: float, short: bool) -> np.ndarray:
    d = rng.uniform(0.1, 0.16) if short else rng.uniform(0.25, 0.45)
    t = tvec(d)
    u = t / d
    f = f_base * np.where(u < 0.25, 1 + 0.15 * u / 0.25, 1.15 - 0.5 * (u - 0.25) / 0.75)
    y = chirp(f, (1.0, 0.6, 0.45, 0.3, 0.2, 0.1), rng)
    y *= 1 + 0.2 * np.sin(2 * math.pi * rng.uniform(60, 90) * t)  # the raucous roughness of a gull's voice
    y = y + 0.8 * resonate(y, [2500], [3.0])
    env = np.minimum(1, t / 0.015) * np.minimum(1, (d - t) / 0.06)
    return normalise_peak(y * env)


@recipe("seagulls", "sequence", "seagulls: calling gulls overhead, long calls and laughing series",
        level_db=-2, natural_length=2.0)
def seagulls(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    y = ctx.zeros()
    for g in range(2 + int(2 * i)):
        f_base = rng.uniform(1300, 1700)
        calls = [_gull_call(rng, f_base * rng.uniform(0.95, 1.05), short=rng.random() < 0.4) for _ in range(4)]
        first = onset(dur, 0.04, 0.15) if g == 0 else rng.uniform(0, 6)
        t, which = _call_series(rng, dur, first, calls, (2, 7), (0.08, 0.25), (2.5, 9.0))
        far = rng.uniform(0.3, 1.0) if g else 1.0
        scatter(y, (t * SR).astype(int), calls, which, far * np.exp(0.1 * rng.standard_normal(t.size)),
                rng.uniform(-0.8, 0.8), ctx.cancel)
    return y


def _hoot(rng: np.random.Generator, f0: float, d: float, tremolo: float = 0.0) -> np.ndarray:
    t = tvec(d)
    f = f0 * (1 - 0.08 * t / d)
    y = chirp(f, (1.0, 0.15, 0.05), rng)
    y += 0.05 * bandpass(rng.standard_normal(t.size), f0 * 1.5, f0 * 3)
    if tremolo:
        y *= 1 - 0.5 * (0.5 + 0.5 * np.sin(2 * math.pi * tremolo * t))
    env = np.minimum(1, t / 0.04) * np.minimum(1, (d - t) / 0.12)
    return normalise_peak(y * env)


@recipe("owl", "sequence", "owl: soft hooting phrases in the night", environment="forest", level_db=-4,
        natural_length=3.0)
def owl(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    y = ctx.zeros()
    for o in range(1 + int(ctx.intensity > 0.6)):
        f0 = rng.uniform(330, 420)
        # tawny-owl phrase: "hoo" ... "hu-hu-hooooo"
        notes = [(0.0, _hoot(rng, f0, 0.45)), (1.9, _hoot(rng, f0, 0.15)), (2.15, _hoot(rng, f0, 0.15)),
                 (2.4, _hoot(rng, f0 * 0.98, 0.8, tremolo=7.0))]
        t = onset(dur, 0.05, 0.2) if o == 0 else rng.uniform(2, 8)
        gain = 1.0 if o == 0 else 0.45
        pan = rng.uniform(-0.5, 0.5)
        while t < dur:
            for dt, k in notes:
                scatter(y, [int((t + dt) * SR)], [k], 0, gain, pan)
            t += 3.2 + rng.uniform(5, 12)
    return y


def _howl(rng: np.random.Generator, d: float) -> np.ndarray:
    t = tvec(d)
    lo, hi = rng.uniform(300, 380), rng.uniform(550, 700)
    f = lo + (hi - lo) * np.clip(t / 0.4, 0, 1) ** 0.7
    f = f * (1 - 0.3 * np.clip((t - (d - 0.8)) / 0.8, 0, 1))  # the howl sinks at its end
    f *= 1 + 0.015 * np.sin(2 * math.pi * 5 * t) + 0.02 * upsample(smooth_noise(rng, t.size // CTRL + 2, 0.4), t.size)
    y = chirp(f, (1.0, 0.25, 0.12, 0.05), rng) + 0.04 * bandpass(rng.standard_normal(t.size), 500, 3000)
    env = np.minimum(1, t / 0.15) * np.minimum(1, (d - t) / 0.6)
    return normalise_peak(y * env)


@recipe("wolf_howl", "sequence", "wolf howling: long rising and sinking howls, others answering",
        environment="forest", distance="medium", level_db=0, natural_length=3.0)
def wolf_howl(ctx: Ctx) -> np.ndarray:
    rng, dur = ctx.rng, ctx.dur
    y = ctx.zeros()
    for w in range(1 + int(ctx.intensity > 0.5)):
        t = onset(dur, 0.05, 0.2) if w == 0 else rng.uniform(1.0, 4.0)
        while t < dur:
            k = _howl(rng, min(rng.uniform(2.0, 4.0), max(0.5, dur - t + 0.3)))
            scatter(y, [int(t * SR)], [k], 0, 1.0 if w == 0 else 0.5, rng.uniform(-0.6, 0.6))
            t += k.size / SR + rng.uniform(4, 12)
    return y


def _bark(rng: np.random.Generator, size: float) -> np.ndarray:
    """One bark: a harsh, pitched burst that rises and falls, through a dog's vocal-tract formants.
    size 0 = a small dog (high, short), 1 = a big one (low, longer)."""
    d = rng.uniform(0.12, 0.22) * (0.8 + 0.5 * size)
    t = tvec(d)
    u = t / d
    base = (650 - 400 * size) * rng.uniform(0.92, 1.08)
    f0 = base * (1 + 0.35 * np.sin(math.pi * u ** 0.7)) * (1 + 0.02 * rng.standard_normal(t.size))
    src = glottal(np.cumsum(f0) / SR) + 0.35 * rng.standard_normal(t.size)
    src *= 1 + 0.25 * np.sin(2 * math.pi * rng.uniform(35, 50) * t)  # rough, growly voice
    env = np.minimum(1, t / 0.006) * np.exp(-3 * u ** 2) * np.minimum(1, (d - t) / 0.02)
    f1 = rng.uniform(500, 700) * (1 - 0.3 * size)
    y = resonate(src * env, [f1, rng.uniform(1100, 1600), rng.uniform(2400, 3000)], [4, 6, 8], [1.0, 0.7, 0.4])
    return normalise_peak(y)


@recipe("dog_bark", "sequence", "a dog barking: woofs in twos and threes, more insistent with intensity",
        level_db=4, natural_length=1.5)
def dog_bark(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    size = rng.uniform(0.2, 1.0)
    barks = [_bark(rng, size) for _ in range(6)]
    t, which = _call_series(rng, dur, onset(dur, 0.04, 0.1), barks, (1, 2) if i < 0.4 else (2, 4),
                            (0.1, 0.25), (1.0, 3.0) if i < 0.7 else (0.6, 1.5))
    y = ctx.zeros()
    scatter(y, (t * SR).astype(int), barks, which, np.exp(0.1 * rng.standard_normal(t.size)), rng.uniform(-0.3, 0.3))
    return y
