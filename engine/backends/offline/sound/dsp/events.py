"""Events in time: when they happen (Poisson and quasi-periodic schedules, a one-shot's onset) and adding their
kernels into a stereo clip at those times, panned."""

from __future__ import annotations

import math

import numpy as np

from engine.backends.base import CancelToken
from engine.backends.offline.sound.dsp.kernels import fade_edges
from engine.backends.offline.sound.dsp.rates import F32


def pan_gains(pan: np.ndarray | float) -> tuple:
    """Equal-power pan law, pan in [-1, 1]."""
    theta = (np.clip(pan, -1, 1) + 1) * (math.pi / 4)
    return np.cos(theta) * math.sqrt(2), np.sin(theta) * math.sqrt(2)


def scatter(out: np.ndarray, starts, kernels, idx, gains, pans=None, cancel: CancelToken | None = None) -> None:
    """Add bank kernels at sample positions into out (2, n): kernels[idx[i]] * gains[i], panned by pans[i].

    Dense events (bubbles, claps) are summed in time-sorted chunks with np.bincount over each chunk's span, several
    times cheaper than one slice-add per event — it matters for 10-minute beds with 100k events; sparse ones
    (drips, knocks) take plain slice-adds. Kernels are bucketed by length so a bank with one long kernel does not
    make every short event pay for it."""
    starts = np.asarray(starts, np.int64)
    if starts.size == 0:
        return
    idx = np.asarray(idx, np.int64) if np.ndim(idx) else np.full(starts.size, int(idx), np.int64)
    gains = np.broadcast_to(np.asarray(gains, F32), starts.shape)
    pans = np.zeros(starts.size) if pans is None else np.broadcast_to(np.asarray(pans, float), starts.shape)
    kernels = [_trim(k) for k in kernels]
    lengths = np.array([k.size for k in kernels])
    bucket_of = np.ceil(np.log2(np.maximum(lengths, 2))).astype(int)
    for b in np.unique(bucket_of):
        members = np.flatnonzero(bucket_of == b)
        if b >= 15:  # long kernels (bells, chimes) come few at a time: plain slice-adds beat the bincount
            _add_long(out, starts, [kernels[i] for i in members], idx, members, gains, pans)
            continue
        remap = np.full(len(kernels), -1)
        remap[members] = np.arange(members.size)
        sel = np.flatnonzero(np.isin(idx, members))
        if sel.size:
            _scatter_bank(out, starts[sel], [kernels[i] for i in members], remap[idx[sel]], gains[sel], pans[sel],
                          cancel)


def _add_long(out, starts, kernels, idx, members, gains, pans) -> None:
    n = out.shape[1]
    gl, gr = pan_gains(pans)
    for j, kern in zip(members, kernels):
        for e in np.flatnonzero(idx == j):
            s = int(starts[e])
            a, b = max(0, -s), min(kern.size, n - s)
            if b > a:
                seg = kern[a:b] * F32(gains[e])
                out[0, s + a:s + b] += seg * F32(gl[e])
                out[1, s + a:s + b] += seg * F32(gr[e])


def _trim(k: np.ndarray, floor_db: float = -60.0) -> np.ndarray:
    """Drop a kernel's tail once it stays below floor_db re its peak: decays cost samples but add nothing."""
    a = np.abs(k)
    loud = np.flatnonzero(a > a.max() * 10 ** (floor_db / 20)) if k.size else np.zeros(0, int)
    k = k[:loud[-1] + 1] if loud.size else k[:1]
    return fade_edges(k.copy(), 0.0, 0.002)  # a kernel cut while still ringing must not end in a click


def _scatter_bank(out, starts, kernels, idx, gains, pans, cancel) -> None:
    n = out.shape[1]
    gl, gr = pan_gains(pans)
    order = np.argsort(starts, kind="stable")
    starts, idx = starts[order], idx[order]
    wl, wr = (gains[order] * gl[order]).astype(F32), (gains[order] * gr[order]).astype(F32)
    length = max(k.size for k in kernels)
    bank = np.zeros((len(kernels), length), F32)
    for i, k in enumerate(kernels):
        bank[i, :k.size] = k
    offs = np.arange(length)
    per_chunk = max(16, (1 << 20) // length)
    for c in range(0, starts.size, per_chunk):
        if cancel is not None:
            cancel.check()
        s = starts[c:c + per_chunk]
        s0 = int(s[0])
        span = int(s[-1]) - s0 + length
        if s.size * length < span // 4:
            # sparse (drips, knocks, distant drops): a bincount would mostly sum empty samples
            for e in range(c, c + s.size):
                a, k = int(starts[e]), bank[idx[e]]
                lo, hi = max(0, -a), min(length, n - a)
                if hi > lo:
                    out[0, a + lo:a + hi] += k[lo:hi] * wl[e]
                    out[1, a + lo:a + hi] += k[lo:hi] * wr[e]
            continue
        pos = (s - s0)[:, None] + offs
        vals = bank[idx[c:c + per_chunk]]
        vl, vr = vals * wl[c:c + per_chunk, None], vals * wr[c:c + per_chunk, None]
        lo, hi = max(0, -s0), n - s0  # events may start before the clip (a bed already in progress) or run past it
        if lo > 0 or int(pos[-1, -1]) >= hi:
            keep = (pos >= lo) & (pos < hi)
            pos, vl, vr = pos[keep], vl[keep], vr[keep]
        else:
            pos, vl, vr = pos.ravel(), vl.ravel(), vr.ravel()
        if pos.size == 0:
            continue
        pos = pos - lo
        left = np.bincount(pos, vl)
        right = np.bincount(pos, vr, minlength=left.size)
        a = s0 + lo
        out[0, a:a + left.size] += left
        out[1, a:a + right.size] += right


def place(out: np.ndarray, start: int, kernel: np.ndarray, gain: float = 1.0) -> None:
    """Add one stereo (2, L) or mono kernel at a sample position, clipped to the clip."""
    n = out.shape[1]
    k = kernel if kernel.ndim == 2 else np.stack([kernel, kernel])
    a, b = max(0, -start), min(k.shape[1], n - start)
    if b > a:
        out[:, start + a:start + b] += k[:, a:b] * F32(gain)


def poisson_times(rng: np.random.Generator, rate: float, t0: float, t1: float) -> np.ndarray:
    if rate <= 0 or t1 <= t0:
        return np.zeros(0)
    return np.sort(rng.uniform(t0, t1, rng.poisson(rate * (t1 - t0))))


def regular_times(rng: np.random.Generator, period: float, t0: float, t1: float, jitter: float = 0.0) -> np.ndarray:
    """Quasi-periodic times: each gap is period * (1 + jitter * N(0,1)), never below a quarter period."""
    count = int((t1 - t0) / period) + 2
    gaps = period * np.maximum(0.25, 1 + jitter * rng.standard_normal(count))
    t = t0 + np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    return t[t < t1]


def onset(dur: float, frac: float = 0.06, cap: float = 0.3) -> float:
    """Where a one-shot event starts in a clip: a short breath of silence, never more than `cap` seconds."""
    return min(frac * dur, cap)
