"""Score → stereo audio: every distinct note synthesised once (cached) onto per-instrument buses, panned, sent
through a convolution reverb, then shaped with fades, loudness normalisation and a peak limiter."""

from __future__ import annotations

import numpy as np
from scipy import signal
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from engine.analysis import integrated_loudness
from engine.backends.base import BackendError, CancelToken
from engine.backends.offline.music.ensemble import LEVEL, SEND
from engine.backends.offline.music.instruments import (
    CYMBALS, DRUM_LEVEL, RELEASE, filter_sos, release_curve, render_drum, render_note,
)
from engine.backends.offline.music.score import Note, Score

TARGET_LUFS = -18.0
PEAK_CEILING = 0.97
_CHUNK = 1 << 20  # samples mixed per pass (~24 s); bounds memory for 10-minute clips


def _reverb_ir(seconds: float, sr: int, seed: int) -> np.ndarray:
    """Stereo impulse response: a few early reflections and a decaying, darkening noise tail."""
    n = int(seconds * sr)
    t = np.arange(n, dtype=np.float32) / sr
    rng = np.random.default_rng(seed)
    ir = np.zeros((n, 2), dtype=np.float32)
    for ch in range(2):
        tail = rng.standard_normal(n).astype(np.float32) * np.exp(-t * 6.9 / seconds)
        early = signal.sosfilt(filter_sos("low", 7000, 0, sr), tail[: n // 3])
        late = signal.sosfilt(filter_sos("low", 2500, 0, sr), tail)
        mix = late.copy()
        mix[: n // 3] = 0.6 * early + 0.4 * late[: n // 3]
        onset = np.minimum(t / 0.02, 1.0)
        ir[:, ch] = mix * onset
        pre = int(0.012 * sr)
        ir[:, ch] = np.concatenate([np.zeros(pre, np.float32), ir[:-pre, ch]])
        for d, g in ((0.017, 0.5), (0.029, 0.35), (0.041, 0.3)):
            ir[int((d + 0.004 * ch) * sr), ch] += g * (1 if ch == 0 else -1)
    ir /= np.sqrt(np.sum(ir ** 2, axis=0, keepdims=True))
    return ir


def _convolve_into(x: np.ndarray, ir: np.ndarray, out: np.ndarray, gain: float,
                   cancel: CancelToken | None = None, group: int = 8) -> None:
    """out[ch] += gain · (x ∗ ir[:, ch]) by overlap-add; one forward FFT per block serves both channels,
    and blocks go through the FFT in batches (about twice as fast as two scipy.signal.oaconvolve calls)."""
    import scipy.fft as sfft

    n = len(x)
    m_ir = ir.shape[0]
    nfft = 1 << int(np.ceil(np.log2(4 * m_ir)))
    step = nfft - m_ir + 1
    spectra = sfft.rfft(ir, nfft, axis=0) * np.float32(gain)
    for g0 in range(0, n, step * group):
        if cancel is not None:
            cancel.check()
        seg = x[g0:g0 + step * group]
        n_blocks = -(-len(seg) // step)
        blocks = np.zeros((n_blocks, step), dtype=np.float32)
        blocks.reshape(-1)[: len(seg)] = seg
        spec = sfft.rfft(blocks, nfft, axis=1)
        for ch in range(ir.shape[1]):
            y = sfft.irfft(spec * spectra[:, ch], nfft, axis=1)
            body = y[:, :step].reshape(-1)
            m = min(len(body), n - g0)
            out[ch, g0:g0 + m] += body[:m]
            tail = np.zeros((n_blocks, step), dtype=np.float32)
            tail[:, : m_ir - 1] = y[:, step:step + m_ir - 1]
            tail = tail.reshape(-1)
            m = min(len(tail), n - g0 - step)
            if m > 0:
                out[ch, g0 + step:g0 + step + m] += tail[:m]


def render_score(score: Score, n_samples: int, sr: int, cancel: CancelToken | None = None) -> np.ndarray:
    """Synthesise every note onto its instrument bus, pan, add reverb; returns raw stereo float32.

    Buses are per (voice, pan) so a chord spread across the stereo field is panned once per bus, not once
    per note. Work goes chunk by chunk; a note's tail past the chunk end is carried into the next chunk.
    """
    spec = score.spec
    spb = 60.0 / spec.bpm * sr
    out = np.zeros((2, n_samples), dtype=np.float32)  # planar while mixing: contiguous rows are faster
    send = np.zeros(n_samples, dtype=np.float32)
    cache: dict[tuple, np.ndarray] = {}
    bright = round(spec.brightness * 8) / 8

    placed = []  # (start sample, hold samples, note)
    for note in score.notes:
        s = int(round(note.start * spb)) + int(round(note.offset * sr))
        if s >= n_samples:
            continue
        e = int(round((note.start + note.dur) * spb))
        placed.append((s, max(int(0.02 * sr), e - s), note))
    placed.sort(key=lambda x: x[0])

    # Renders are keyed by pitch, velocity step and a rounded-up length; shorter notes are prefixes.
    def sound(note: Note, hold_n: int) -> tuple[np.ndarray, int, float]:
        if note.voice in DRUM_LEVEL:
            key = (note.voice,)
            if key not in cache:
                cache[key] = render_drum(note.voice, 1.0, bright, sr, spec.tonic)
            y = cache[key]
            level = DRUM_LEVEL[note.voice] * (0.5 + bright if note.voice in CYMBALS else 1.0)
            return y, len(y), level * note.vel
        vq = max(0.1, round(note.vel * 6) / 6)  # timbre follows velocity in a few steps; level is exact
        need = hold_n + int(RELEASE[note.voice] * sr)
        q = 1 << max(12, int(np.log2(need)) - 2)  # four lengths per octave: ≤ 25 % rendered in vain
        length = -(-need // q) * q
        key = (note.voice, note.midi, vq, length)
        if key not in cache:
            cache[key] = render_note(note.voice, note.midi, length, vq, bright, sr)
        return cache[key], hold_n, LEVEL[note.voice] * note.gain * note.vel / vq

    carry: dict[tuple[str, float], np.ndarray] = {}
    i = 0
    for c0 in range(0, n_samples, _CHUNK):
        c1 = min(n_samples, c0 + _CHUNK)
        span = c1 - c0
        local: dict[tuple[str, float], np.ndarray] = {}
        for key, tail in carry.items():
            local[key] = np.zeros(span + len(tail), dtype=np.float32)
            local[key][: len(tail)] += tail
        while i < len(placed) and placed[i][0] < c1:
            if cancel is not None and i % 256 == 0:
                cancel.check()
            s, hold_n, note = placed[i]
            i += 1
            y, hold, gain = sound(note, hold_n)
            rel = 0 if note.voice in DRUM_LEVEL else int(RELEASE[note.voice] * sr)
            m = min(hold + rel, n_samples - s)
            off = s - c0
            key = (note.voice, round(note.pan, 2))
            bus = local.get(key)
            if bus is None or len(bus) < off + m:
                grown = np.zeros(max(span, off + m, 0 if bus is None else len(bus)), dtype=np.float32)
                if bus is not None:
                    grown[: len(bus)] = bus
                bus = local[key] = grown
            g = np.float32(gain)
            h = min(hold, m)
            bus[off:off + h] += g * y[:h]
            if m > h:
                bus[off + h:off + m] += (g * y[h:m]) * release_curve(rel)[: m - h]
        carry = {}
        for (voice, pan), bus in local.items():
            if len(bus) > span:
                carry[(voice, pan)] = bus[span:]
            body = bus[:span]
            p = (float(np.clip(pan, -1, 1)) + 1) * np.pi / 4
            out[0, c0:c1] += np.float32(np.cos(p) * np.sqrt(2)) * body
            out[1, c0:c1] += np.float32(np.sin(p) * np.sqrt(2)) * body
            send[c0:c1] += np.float32(SEND.get(voice, 0.06 if voice in ("kick", "tom_lo") else 0.12)) * body

    if spec.reverb > 0:
        _convolve_into(send, _reverb_ir(1.2 + 1.8 * spec.reverb, sr, 7), out, spec.reverb * 1.6, cancel)
    del send
    stereo = np.empty((n_samples, 2), dtype=np.float32)
    stereo[:, 0] = out[0]
    stereo[:, 1] = out[1]
    return stereo


def _fades(audio: np.ndarray, score: Score, sr: int) -> None:
    n = audio.shape[0]
    fin = min(n // 4, int(0.05 * sr))
    if fin > 1:
        audio[:fin] *= (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fin, dtype=np.float32)))[:, None]
    spb = 60.0 / score.spec.bpm * sr
    final_s = int(round(score.final_beat * spb))
    ring = n - final_s
    start = final_s + int(0.3 * ring) if ring > 0.3 * sr else max(0, n - int(0.3 * sr))
    start = min(start, n - 2)
    length = n - start
    audio[start:] *= (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, length, dtype=np.float32)))[:, None] ** 1.5


def _loudness(audio: np.ndarray, sr: int) -> float:
    """Integrated loudness; long clips are measured on evenly spaced excerpts to stay fast."""
    n = audio.shape[0]
    if n <= 90 * sr:
        return integrated_loudness(audio, sr)
    seg, hop = 4 * sr, 20 * sr
    parts = [audio[s:s + seg] for s in range(0, n - seg, hop)]
    return integrated_loudness(np.concatenate(parts), sr)


def _limit(audio: np.ndarray, sr: int, ceiling: float) -> None:
    """Look-around peak limiter: the gain is the minimum needed over ±w, then smoothed, so peaks stay under."""
    if max(float(audio.max()), -float(audio.min())) <= ceiling:
        return
    peak = np.abs(audio).max(axis=1)
    w = int(0.004 * sr) | 1
    g = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9)).astype(np.float32)
    g = minimum_filter1d(g, size=2 * w + 1)
    g = uniform_filter1d(g, size=w)
    audio *= g[:, None]
    m = float(np.max(np.abs(audio)))
    if m > ceiling:
        audio *= np.float32(ceiling / m)


def master(audio: np.ndarray, score: Score, sr: int) -> None:
    """In place: fade in, fade the final chord's ring-out, normalise to TARGET_LUFS, keep peaks under the
    ceiling."""
    _fades(audio, score, sr)
    lufs = _loudness(audio, sr)
    if not np.isfinite(lufs):
        raise BackendError("the composer rendered silence; this is a bug in the offline music backend")
    audio *= np.float32(10 ** ((TARGET_LUFS - lufs) / 20))
    _limit(audio, sr, PEAK_CEILING)
