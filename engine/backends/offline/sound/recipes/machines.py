"""Machines: engines, cars passing, a siren, a train, a helicopter and the street traffic they make."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.offline.sound.dsp.convolution import convolve
from engine.backends.offline.sound.dsp.envelopes import ctrl_len, smooth_noise, upsample
from engine.backends.offline.sound.dsp.events import pan_gains, poisson_times, regular_times, scatter
from engine.backends.offline.sound.dsp.filters import band, bandpass, bump, fir, lowpass_response, narrow_band, tilt
from engine.backends.offline.sound.dsp.kernels import burst, mix, modal, normalise_peak, tvec
from engine.backends.offline.sound.dsp.noise import white
from engine.backends.offline.sound.dsp.rates import CTRL, F32, SR
from engine.backends.offline.sound.recipes.recipe import Ctx, recipe


def _engine_pulses(rng: np.random.Generator, rpm_ctrl: np.ndarray, n: int, cylinders: int = 4) -> np.ndarray:
    """Firing impulses of a 4-stroke engine. Pulse times are found by inverting the cycle count at control rate,
    so a 10-minute idle costs a few thousand interpolations, not a per-sample phase accumulator."""
    fire = np.asarray(rpm_ctrl, float) / 60.0 * cylinders / 2
    tc = np.arange(fire.size) * CTRL / SR
    cyc = np.concatenate([[0.0], np.cumsum((fire[1:] + fire[:-1]) / 2 * CTRL / SR)])
    k = np.arange(math.ceil(cyc[-1]))
    times = np.interp(k + rng.uniform(0, 1), cyc, tc)
    pos = np.round(times * SR + rng.normal(0, 0.00015 * SR, times.size)).astype(int)
    keep = (pos >= 0) & (pos < n)
    x = np.zeros(n, F32)
    imbalance = np.array([1.0, 0.86, 0.95, 0.8, 0.92, 0.88][:cylinders])
    amp = imbalance[k.astype(int) % cylinders] * (1 + 0.08 * rng.standard_normal(k.size))
    x[pos[keep]] = amp[keep]
    return x


def _engine(rng: np.random.Generator, rpm: np.ndarray, n: int, cancel=None) -> np.ndarray:
    """Engine: firing pulses through the exhaust's resonances, plus a valve-train tick riding on them."""
    u = rng.uniform
    kernel = mix(modal([u(70, 110), u(180, 240), u(380, 460), u(800, 1000)], [0.03, 0.02, 0.012, 0.006],
                       [1.0, 0.7, 0.4, 0.2], rng=rng), 0.3 * burst(rng, 0.01, 60, 1500, 0.004),
                 0.05 * burst(rng, 0.004, 2000, 6000, 0.0006))
    pulses = _engine_pulses(rng, rpm, n)
    return convolve(pulses, [kernel], mode="causal", cancel=cancel)[0]


@recipe("car_engine", "bed", "a car engine idling or running (revs rise with intensity)", level_db=0)
def car_engine(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    base = 800 if i < 0.4 else 1500 + 2000 * (i - 0.4) / 0.6
    rpm = base * (1 + 0.03 * smooth_noise(rng, m, 1.5))
    if i > 0.7:  # revving: occasional pushes of the throttle
        tc = np.arange(m) * CTRL / SR
        for t0 in poisson_times(rng, 0.15, 0, ctx.dur):
            since = np.maximum(tc - t0, 0)
            rpm += 1500 * (1 - np.exp(-since / 0.15)) * np.exp(-since / 0.8)
    eng = _engine(rng, rpm, n, ctx.cancel)
    eng /= np.std(eng) + 1e-9
    y = ctx.bands([(band(300, 3000), 0.12)])
    y[0] += eng
    eng *= F32(0.9)
    y[1] += eng
    return y


def _pass_by(rng: np.random.Generator, n: int, centre: float, speed: float, rpm: float, cancel=None) -> np.ndarray:
    """A car passing: engine and tyre noise, with the Doppler drop in pitch (a time-varying delay), 1/r level,
    air absorption growing with distance and a pan that follows the car across."""
    m = n // CTRL + 2
    tc = np.arange(m) * CTRL / SR
    d0 = rng.uniform(4, 8)
    x = speed * (tc - centre)
    r = np.sqrt(x * x + d0 * d0)
    lead = int((r.max() / 343 + 0.05) * SR)  # the source must exist before the first sound reaches us
    src_n = n + lead
    eng = _engine(rng, np.full(src_n // CTRL + 2, rpm * (1 + 0.02 * rng.standard_normal())), src_n, cancel)
    eng /= np.std(eng) + 1e-9
    taps = 1025
    tyre, = convolve(white(rng, src_n + taps - 1), [fir(lambda f: band(300, 3000)(f) * bump(f, 900, 1, 1.5),
                                                        taps)], mode="valid")
    src = 0.6 * eng + 0.8 * tyre
    dark, = convolve(src, [fir(lowpass_response(1500.0), 513)], mode="same")
    when = upsample(tc - r / 343, n) * SR + lead  # the sample of the source heard at each output sample
    grid = np.arange(src_n, dtype=F32)
    near, far = np.interp(when, grid, src), np.interp(when, grid, dark)
    w = upsample(np.clip(r / 120, 0, 1), n)
    mono = (near * (1 - w) + far * w) * upsample(d0 / r, n)
    gl, gr = pan_gains(np.clip(x / r, -1, 1) * 0.8)
    return np.stack([mono * upsample(gl, n), mono * upsample(gr, n)]).astype(F32)


@recipe("car_pass", "event", "a car driving past: approaching, the Doppler swoop, fading away",
        level_db=3, natural_length=5.0)
def car_pass(ctx: Ctx) -> np.ndarray:
    rng, i, dur = ctx.rng, ctx.intensity, ctx.dur
    centre = dur / 2 if dur < 12 else dur * rng.uniform(0.35, 0.55)
    return _pass_by(rng, ctx.n, centre, 12 + 22 * i, 2200 + 1500 * i, ctx.cancel)


@recipe("siren", "bed", "an emergency siren wailing (yelping at high intensity)", distance="medium", level_db=0)
def siren(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    # the sweep period drifts a few percent, as a real siren's does, so a long bed never locks into a loop
    drift = np.cumsum(1 + 0.04 * smooth_noise(rng, m, 3.0)) * CTRL / SR
    if i < 0.75:
        period = rng.uniform(3.8, 5.0)
        f = 700 + 650 * (0.5 - 0.5 * np.cos(2 * math.pi * drift / period)) ** 0.8
    else:
        period = rng.uniform(0.28, 0.36)
        f = 700 + 650 * np.mod(drift / period, 1.0) ** 0.7
    y = ctx.zeros()

    def horn(ph):  # the horn speaker's distortion adds (mostly odd) harmonics
        return np.sin(ph) + F32(0.1) * np.sin(2 * ph) + F32(0.35) * np.sin(3 * ph) + F32(0.18) * np.sin(5 * ph)

    ctx.osc(y, f, 1 + 0.1 * smooth_noise(rng, m, 2.0), wave=horn, pan=0.05, phase0=rng.uniform(0, 2 * math.pi))
    return y


@recipe("train", "bed", "a train running on rails: rumble and the clickety-clack of wheels over joints",
        level_db=0)
def train(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    u = rng.uniform
    speed = 12 + 22 * i
    y = ctx.bands([(band(25, 200), 0.8),
                   (lambda f: band(200, 1800)(f) * tilt(f, -3, 200), 0.35 * np.exp(0.2 * smooth_noise(rng, m, 1.0))),
                   (lambda f: narrow_band(u(2500, 4000), 0.08)(f) * band(1500, 6000)(f),
                    (0.03 + 0.1 * i) * np.clip(smooth_noise(rng, m, 2.0), 0, None))])
    bank = [normalise_peak(mix(modal([u(95, 130), u(240, 300), u(520, 640), u(1100, 1400), u(2100, 2600)],
                                     [0.06, 0.05, 0.03, 0.015, 0.01], [1.0, 0.8, 0.5, 0.3, 0.2], rng=rng),
                               0.5 * burst(rng, 0.02, 200, 3000, 0.004))) for _ in range(8)]
    car, bogie, axle = 20.0, 14.0, 2.4  # metres: the wheels of each car cross a rail joint in this pattern
    pattern = np.array([0.0, axle, bogie, bogie + axle]) / speed
    cars = regular_times(rng, car / speed, -rng.uniform(0, car / speed), ctx.dur, 0.01)
    t = (cars[:, None] + pattern[None, :]).ravel()
    gains = np.tile([1.0, 0.8, 0.95, 0.75], cars.size) * np.exp(0.12 * rng.standard_normal(t.size))
    scatter(y, (t * SR).astype(int), bank, rng.integers(0, 8, t.size), 4.0 * gains, rng.uniform(-0.3, 0.3, t.size),
            ctx.cancel)
    return y


@recipe("helicopter", "bed", "a helicopter: the thudding blade slap, turbine whine and engine roar", level_db=1)
def helicopter(ctx: Ctx) -> np.ndarray:
    rng, n, i = ctx.rng, ctx.n, ctx.intensity
    m = ctrl_len(n)
    y = ctx.bands([(lambda f: band(80, 1500)(f) * tilt(f, -3, 200), 0.3 * np.exp(0.1 * smooth_noise(rng, m, 2.0)))])
    blade = [normalise_peak(mix(burst(rng, 0.06, 80, 2500, 0.012, attack=0.002),
                                0.8 * modal([rng.uniform(60, 90)], [0.03], [1.0])))
             for _ in range(4)]
    t = regular_times(rng, 1 / (12 + 6 * i), -0.05, ctx.dur, 0.01)
    scatter(y, (t * SR).astype(int), blade, np.arange(t.size) % 4, 1.2 * np.exp(0.08 * rng.standard_normal(t.size)),
            0.0, ctx.cancel)
    ctx.osc(y, rng.uniform(3000, 4500) * (1 + 0.01 * smooth_noise(rng, m, 1.0)), 0.04,
            wave=lambda ph: np.sin(ph) + F32(0.3) * np.sin(2 * ph))  # the turbine's whine
    return y


@recipe("city_street", "bed", "a city street: traffic rumble, cars passing, the odd horn", environment="street",
        level_db=0)
def city_street(ctx: Ctx) -> np.ndarray:
    rng, n, i, dur = ctx.rng, ctx.n, ctx.intensity, ctx.dur
    m = ctrl_len(n)
    y = ctx.bands([(band(30, 250), 0.9 * np.exp(0.35 * smooth_noise(rng, m, 4.0))),
                   (lambda f: band(250, 2500)(f) * tilt(f, -3, 250), 0.4 * np.exp(0.3 * smooth_noise(rng, m, 3.0)))])
    # a handful of rendered pass-bys, reused with new gains, pans and mirror images: a street sees hundreds
    passes = []
    for _ in range(min(6, 1 + int(dur / 10))):
        ctx.check()
        p = _pass_by(rng, int(4.0 * SR), 2.0, rng.uniform(8, 16), rng.uniform(1800, 2800))
        passes += [p[0], p[1]]
    t = poisson_times(rng, 0.12 + 0.35 * i, -3.0, dur)
    scatter(y, (t * SR).astype(int), passes, rng.integers(0, len(passes), t.size),
            0.7 * np.exp(0.4 * rng.standard_normal(t.size)), rng.uniform(-0.8, 0.8, t.size), ctx.cancel)
    horn_t = poisson_times(rng, 1 / 40 + i / 25, 0.5, dur)
    if horn_t.size:
        horns = []
        for _ in range(3):
            d = rng.uniform(0.25, 0.7)
            tt = tvec(d)
            f = rng.uniform(380, 420)
            tone = np.sign(np.sin(2 * math.pi * f * tt)) + np.sign(np.sin(2 * math.pi * f * 1.26 * tt))
            horns.append(normalise_peak(bandpass(tone, 300, 3000) * np.minimum(1, np.minimum(tt, d - tt) / 0.01)))
        scatter(y, (horn_t * SR).astype(int), horns, rng.integers(0, 3, horn_t.size), 0.4,
                rng.uniform(-0.8, 0.8, horn_t.size))
    return y
