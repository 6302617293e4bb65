"""Mixer and master: loudness meter agrees with pyloudnorm, target loudness, true-peak ceiling, ducking depth,
crossfades and sample-accurate placement."""

import numpy as np
import pyloudnorm as pyln
import pytest
import scipy.signal as sps

from engine.mix import MixSettings, integrated_loudness, limit, mix, true_peak_db
from engine.plan import Plan
from engine.timing import layout

SR = 44100


def noise(seconds, level=0.1, seed=0, colour=0.0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((int(seconds * SR), 2))
    if colour:
        x = sps.lfilter([1], [1, -colour], x, axis=0)
        x /= np.abs(x).max()
    return (x * level).astype(np.float32)


def tone(seconds, f=220.0, level=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * f * t)).astype(np.float32)


@pytest.mark.parametrize("signal", [noise(8), noise(8, colour=0.98), np.tile(tone(6, 1000)[:, None], (1, 2)),
                                    np.tile(tone(6, 50)[:, None], (1, 2)),
                                    noise(12) * (np.arange(12 * SR) % SR < SR // 3)[:, None]])
def test_fast_meter_matches_pyloudnorm(signal):
    ref = pyln.Meter(SR).integrated_loudness(signal.astype(np.float64))
    assert integrated_loudness(signal, SR) == pytest.approx(ref, abs=0.2)


def test_true_peak_sees_intersample_overs():
    # a sine at fs/4 with a 45° phase has samples at 0.707 of its true amplitude
    n = np.arange(SR)
    x = (0.9 * np.sin(2 * np.pi * 0.25 * n + np.pi / 4)).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) < -3.5
    assert true_peak_db(x, SR) == pytest.approx(20 * np.log10(0.9), abs=0.3)


def test_limiter_holds_ceiling():
    x = noise(5, level=0.6)
    assert limit(x, SR, -1.3)
    assert 20 * np.log10(np.abs(x).max()) <= -1.29


def plan_for(segments, total=20):
    return Plan.from_dict({"target_duration": total, "sample_rate": SR, "segments": segments})


def test_master_loudness_and_peak_and_stems():
    p = plan_for([
        {"id": "a", "kind": "sound", "duration": 6, "caption": "x"},
        {"id": "b", "kind": "music", "duration": 6, "caption": "y"},
        {"id": "bed", "kind": "sound", "track": "background", "covers": ["a", "b"], "duration": 12, "caption": "z"},
    ])
    clips = {"a": noise(9, 0.5, 1), "b": np.tile(tone(6, 330, 0.9)[:, None], (1, 2)), "bed": noise(15, 0.05, 2, 0.97)}
    r = mix(p, layout(p), clips)
    assert r.audio.shape == (12 * SR, 2) and r.audio.dtype == np.float32
    assert pyln.Meter(SR).integrated_loudness(r.audio.astype(np.float64)) == pytest.approx(-16, abs=1.0)
    assert true_peak_db(r.audio, SR) <= -1.0 + 1e-6
    assert set(r.stems) == {"foreground", "background"}


def test_ducking_depth_is_measured_under_speech():
    depth = -10.0
    p = plan_for([
        {"id": "intro", "kind": "sound", "duration": 4, "caption": "x"},
        {"id": "line", "kind": "speech", "duration": 4, "text": "hello there"},
        {"id": "outro", "kind": "sound", "duration": 4, "caption": "x"},
        {"id": "bed", "kind": "sound", "track": "background", "covers": ["intro", "outro"], "duration": 12, "caption": "r"},
    ])
    clips = {"intro": noise(4, 0.1, 1), "line": np.tile(tone(4, 200)[:, None], (1, 2)), "outro": noise(4, 0.1, 3),
             "bed": noise(15, 0.1, 5)}
    s = MixSettings(duck_depth_db=depth, duck_attack=0.2, duck_release=0.5)
    r = mix(p, layout(p), clips, s)
    bed = r.stems["background"]
    rms = lambda a, b: 20 * np.log10(np.sqrt(np.mean(bed[int(a * SR):int(b * SR)] ** 2)))
    assert rms(4.5, 7.5) - rms(1.0, 3.5) == pytest.approx(depth, abs=1.0)
    # back to full level after the release
    assert rms(9.0, 11.5) - rms(1.0, 3.5) == pytest.approx(0.0, abs=1.0)


def test_neighbours_crossfade_over_the_handle_and_placement_is_sample_accurate():
    p = plan_for([
        {"id": "a", "kind": "sound", "duration": 4, "caption": "x"},
        {"id": "b", "kind": "sound", "duration": 4, "caption": "y"},
        {"id": "c", "kind": "speech", "duration": 2, "text": "hi", "gap": 1.0},
    ])
    a = np.tile(tone(7, 300)[:, None], (1, 2))  # 4 s + 3 s handle
    b = np.tile(tone(7, 500)[:, None], (1, 2))
    c = np.zeros((2 * SR, 2), np.float32)
    c[SR // 2] = 0.5  # one click, 0.5 s into the line
    r = mix(p, layout(p), {"a": a, "b": b, "c": c}, MixSettings(level_clips=False, target_lufs=-20))
    fg = r.stems["foreground"]
    # during the crossfade both tones are present; after it only b's tone
    def band(x, f):
        spec = np.abs(np.fft.rfft(x[:, 0] * np.hanning(len(x))))
        freqs = np.fft.rfftfreq(len(x), 1 / SR)
        return spec[np.argmin(abs(freqs - f))]
    mid = fg[int(5.3 * SR): int(5.7 * SR)]
    assert band(mid, 300) > 0.1 * band(mid, 500)
    late = fg[int(7.2 * SR): int(7.8 * SR)]
    assert band(late, 300) < 0.01 * band(late, 500)
    # a's handle stops at the end of the crossfade; the click lands exactly at 9.5 s
    click = np.argmax(np.abs(fg[int(9 * SR):, 0])) + int(9 * SR)
    assert click == int(round(9.5 * SR))


def test_missing_clip_is_silent_with_a_warning():
    p = plan_for([{"id": "a", "kind": "sound", "duration": 2, "caption": "x"},
                  {"id": "b", "kind": "sound", "duration": 2, "caption": "y"}])
    r = mix(p, layout(p), {"a": noise(5)})
    assert any("b has no audio" in w for w in r.warnings)
    # a stops at its planned end (its handle is not used without a neighbour to crossfade into)
    assert np.abs(r.audio[int(2.0 * SR) + 1:]).max() == 0.0
    assert np.abs(r.audio[int(1.5 * SR):int(1.9 * SR)]).max() > 0.01


def test_master_reaches_target_with_one_loud_transient():
    # a door-slam-like clip: one 50 ms burst in 9 s of near silence, over a quiet bed
    p = plan_for([
        {"id": "slam", "kind": "sound", "duration": 9, "caption": "x"},
        {"id": "bed", "kind": "sound", "track": "background", "covers": ["slam", "slam"], "duration": 9, "caption": "y"},
    ], total=9)
    slam = noise(9, 0.0005, 7)
    slam[SR: SR + SR // 20] = noise(0.05, 0.9, 8)
    r = mix(p, layout(p), {"slam": slam, "bed": noise(9, 0.02, 9, 0.95)}, MixSettings(level_clips=False))
    assert pyln.Meter(SR).integrated_loudness(r.audio.astype(np.float64)) == pytest.approx(-16, abs=1.0)
    assert true_peak_db(r.audio, SR) <= -1.0 + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_true_peak_matches_full_oversampling_on_broadband_noise(seed):
    # white noise has energy up to Nyquist: its inter-sample peaks sit up to ~3 dB above both neighbours
    x = noise(3, 0.2, seed)
    h = sps.firwin(49, 0.25, window=("kaiser", 6.0))  # the same 12-taps-per-phase interpolator, everywhere
    full = 20 * np.log10(np.abs(sps.resample_poly(x, 4, 1, axis=0, window=h)).max())
    assert true_peak_db(x, SR) == pytest.approx(full, abs=0.02)


def test_speech_volume_survives_levelling():
    """A soft line stays softer than the same character's other lines after per-clip levelling."""
    p = Plan.from_dict({"sample_rate": SR, "target_duration": 9, "characters": [{"name": "Ann"}], "segments": [
        {"id": "a", "kind": "speech", "duration": 3, "text": "one", "character": "Ann"},
        {"id": "b", "kind": "speech", "duration": 3, "text": "two", "character": "Ann"},
        {"id": "c", "kind": "speech", "duration": 3, "text": "three", "character": "Ann"}]})
    clips = {"a": tone(3, 200, 0.3), "b": tone(3, 200, 0.075), "c": tone(3, 200, 0.3)}  # b is 12 dB softer
    lufs = {k: integrated_loudness(v, SR) for k, v in clips.items()}
    r = mix(p, layout(p), clips, MixSettings(), lufs)
    level = lambda a, b: 20 * np.log10(np.sqrt(np.mean(r.audio[int(a * SR):int(b * SR)] ** 2)))
    assert level(3.5, 5.5) - level(0.5, 2.5) == pytest.approx(-12.0, abs=1.0)


def _busy_plan(sr):
    """Speech (mono), sound neighbours that crossfade, music, and a ducked bed: every placement path."""
    return Plan.from_dict({"target_duration": 30, "sample_rate": sr, "segments": [
        {"id": "a", "kind": "sound", "duration": 5, "caption": "x"},
        {"id": "b", "kind": "sound", "duration": 6, "caption": "y"},
        {"id": "line", "kind": "speech", "duration": 4, "text": "hello", "gap": 0.5},
        {"id": "tune", "kind": "music", "duration": 7, "caption": "z", "fade_in": 1.0, "fade_out": 2.0},
        {"id": "line2", "kind": "speech", "duration": 3, "text": "bye"},
        {"id": "bed", "kind": "sound", "track": "background", "covers": ["a", "line2"], "duration": 25.5,
         "caption": "r"}]})


def _busy_clips(sr):
    rng = np.random.default_rng(3)
    n = lambda s, ch=2: (0.2 * rng.standard_normal((int(s * sr), ch))).astype(np.float32)  # noqa: E731
    return {"a": n(8), "b": n(9), "line": n(4, 1), "tune": n(7), "line2": n(3, 1), "bed": n(26) * 0.5}


def test_mix_does_not_depend_on_pieces_stems_or_memory_layout(monkeypatch):
    """The mix is built in pieces on two threads, through BLAS where the gain is constant and numpy elsewhere;
    none of that may change a sample: one piece vs many, stems kept or not, C- or Fortran-ordered takes."""
    import engine.mix as mixmod

    sr = 8000  # 100 ms sub-blocks of 800 samples: pieces as small as 0.8 s
    p = _busy_plan(sr)
    clips = _busy_clips(sr)
    lufs = {k: integrated_loudness(v, sr) for k, v in clips.items()}
    t = layout(p)
    monkeypatch.setattr(mixmod, "PIECE_SAMPLES", 1 << 30)
    whole = mix(p, t, clips, MixSettings(), lufs).audio.copy()
    monkeypatch.setattr(mixmod, "PIECE_SAMPLES", 1000)
    assert len(mixmod._pieces(whole.shape[0], sr)) > 20
    pieces = mix(p, t, clips, MixSettings(), lufs, stems=False)
    assert pieces.audio.shape == whole.shape
    np.testing.assert_allclose(pieces.audio, whole, atol=1e-6)
    fortran = {k: np.asfortranarray(v) for k, v in clips.items()}
    np.testing.assert_allclose(mix(p, t, fortran, MixSettings(), lufs).audio, whole, atol=1e-6)
    # and the bed is really ducked under both lines (the piecewise envelope reached it)
    stems = mix(p, t, clips, MixSettings(), lufs).stems["background"]
    line = next(x for x in t.placements if x.segment_id == "line")
    rms = lambda a, b: np.sqrt(np.mean(stems[int(a * sr):int(b * sr)] ** 2))  # noqa: E731
    assert 20 * np.log10(rms(line.start + 0.5, line.end - 0.5) / rms(1.0, 4.0)) == pytest.approx(-10.0, abs=1.0)


def test_unmastered_sum_is_exact_where_nothing_is_limited():
    """With levelling off and quiet clips, the mix is exactly (Σ clip × gain × fades) × master gain."""
    sr = 8000
    p = Plan.from_dict({"target_duration": 6, "sample_rate": sr, "segments": [
        {"id": "a", "kind": "sound", "duration": 3, "caption": "x", "gain_db": -6},
        {"id": "b", "kind": "speech", "duration": 3, "text": "y"}]})
    a = np.full((3 * sr, 2), 0.01, np.float32)
    b = np.full((3 * sr, 1), 0.02, np.float32)
    r = mix(p, layout(p), {"a": a, "b": b}, MixSettings(level_clips=False, target_lufs=-40))
    assert not r.limited
    g = 10 ** (r.master_gain_db / 20)
    mid_a, mid_b = r.audio[sr:2 * sr], r.audio[4 * sr:5 * sr]
    np.testing.assert_allclose(mid_a, 0.01 * 10 ** (-6 / 20) * g, rtol=1e-5)
    np.testing.assert_allclose(mid_b, 0.02 * g, rtol=1e-5)  # mono line on both channels


def test_true_peak_sees_a_peak_in_the_last_partial_block():
    x = noise(2, 0.01, 4)[: 2 * SR - 77]  # not a whole number of 256-sample blocks
    n = np.arange(40)
    x[-40:, 0] = 0.9 * np.sin(2 * np.pi * 0.25 * n + np.pi / 4)  # true peak 0.9, samples at 0.64
    assert true_peak_db(x, SR) == pytest.approx(20 * np.log10(0.9), abs=0.3)


@pytest.mark.parametrize("n", [0, 1, 5, 11, 100, 300])
def test_true_peak_of_very_short_signals(n):
    x = (0.3 * np.random.default_rng(n).standard_normal((n, 2))).astype(np.float32)
    tp = true_peak_db(x, SR)
    if n == 0:
        assert tp == float("-inf")
    else:
        assert tp >= 20 * np.log10(np.abs(x).max()) - 1e-6


def test_master_survives_a_true_peak_over_by_rounding_only(monkeypatch):
    """A true peak a hair over the ceiling with no inter-sample over to limit locally is trimmed, not a crash."""
    import engine.mix as mixmod

    real = mixmod.true_peak
    calls = []

    def rounding_over(x, sr, peaks=None, over=None):
        tp, overs = real(x, sr, peaks=peaks, over=over)
        calls.append(tp)
        if len(calls) == 1:  # as if the float maths put it 1e-9 dB over, with nothing between samples over
            return 20 * np.log10(over) + 1e-9, overs[:0]
        return tp, overs

    monkeypatch.setattr(mixmod, "true_peak", rounding_over)
    p = plan_for([{"id": "a", "kind": "sound", "duration": 4, "caption": "x"}], total=4)
    r = mix(p, layout(p), {"a": noise(4, 0.3, 2)})
    assert r.true_peak_db <= -1.0 and true_peak_db(r.audio, SR) <= -1.0 + 1e-6

