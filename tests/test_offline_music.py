"""Offline synth composer: every control is checked by measuring the rendered audio (engine.analysis), never by
trusting the composer's own report of what it did."""

from __future__ import annotations

import json

import numpy as np
import pyloudnorm
import pytest
from scipy import signal

from engine import analysis
from engine.backends.base import BackendError, Cancelled, CancelToken, ClipRequest, MusicModel
from engine.backends.offline.music import SynthComposer
from engine.backends.offline.music.spec import attributes_from_text

SR = 44100


@pytest.fixture(scope="module")
def composer() -> SynthComposer:
    return SynthComposer()


def _music(composer, duration, seed=0, caption="", **attrs):
    return composer.generate(ClipRequest(kind="music", duration=duration, attributes=attrs, caption=caption,
                                         seed=seed))


def _rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-20)


# ------------------------------------------------------------------------------ the analysis helpers themselves

def _click_track(bpm: float, seconds: float = 16.0) -> np.ndarray:
    """Kick on 1 and 3, snare on 2 and 4, hi-hat eighths: a plain rock beat, built here without the composer."""
    rng = np.random.default_rng(1)
    n = int(seconds * SR)
    out = np.zeros(n)
    t = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 * t + 3 * (1 - np.exp(-t / 0.03)))) * np.exp(-t / 0.15)
    snare = rng.standard_normal(len(t)) * np.exp(-t / 0.08) * 0.5
    hat = signal.sosfilt(signal.butter(2, 7000, "high", fs=SR, output="sos"), rng.standard_normal(len(t)))
    hat *= np.exp(-t / 0.02) * 0.4
    k = 0
    while True:
        s = int(round(k * 0.5 * 60 / bpm * SR))
        if s + len(t) > n:
            break
        if k % 2 == 0:
            out[s:s + len(t)] += kick if (k // 2) % 2 == 0 else snare
        out[s:s + len(t)] += hat
        k += 1
    return out.astype(np.float32)


@pytest.mark.parametrize("bpm", [75, 100, 133])
def test_tempo_estimator_on_a_click_track(bpm):
    assert analysis.estimate_tempo(_click_track(bpm), SR) == pytest.approx(bpm, abs=1.0)


def test_chroma_tells_minor_from_major_on_plain_triads():
    t = np.arange(3 * SR) / SR

    def tone(midi):  # sawtooth-like: the upper partials are exactly what fools a plain chroma
        f = 440 * 2 ** ((midi - 69) / 12)
        return sum(np.sin(2 * np.pi * h * f * t) / h for h in range(1, 12) if h * f < SR / 2)

    a_minor = tone(45) + tone(57) + tone(60) + tone(64)
    a_major = tone(45) + tone(57) + tone(61) + tone(64)
    m = analysis.mode_correlations(analysis.chroma(a_minor, SR), "A")
    assert m["minor"] > m["major"]
    m = analysis.mode_correlations(analysis.chroma(a_major, SR), "A")
    assert m["major"] > m["minor"]


def test_centroid_and_loudness_helpers():
    t = np.arange(2 * SR) / SR
    assert analysis.spectral_centroid(np.sin(2 * np.pi * 1000 * t), SR) == pytest.approx(1000, rel=0.03)
    noise = np.random.default_rng(0).standard_normal((3 * SR, 2)) * 0.05
    ours = analysis.integrated_loudness(noise, SR)
    assert ours == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(noise), abs=0.2)


# ------------------------------------------------------------------------------------------------ the composer

def test_capabilities(composer):
    cap = composer.capabilities
    assert isinstance(composer, MusicModel)
    assert (cap.name, cap.model_id, cap.kinds, cap.sample_rate, cap.channels) == \
        ("synth-composer", "offline-composer-v1", ("music",), SR, 2)
    assert set(cap.controls) == {"genre", "instruments", "tempo_bpm", "mood", "key", "mode", "energy", "brightness"}
    assert cap.languages == ("en", "zh") and cap.max_duration == 3600


@pytest.mark.parametrize("bpm,genre", [(72, "pop"), (96, "rock"), (120, "electronic"), (140, "rock")])
def test_tempo_is_exact(composer, bpm, genre):
    clip = _music(composer, 20.0, seed=3, genre=genre, tempo_bpm=bpm)
    assert clip.audio.shape == (20 * SR, 2) and clip.audio.dtype == np.float32
    assert analysis.estimate_tempo(clip.audio, SR) == pytest.approx(bpm, abs=3.0)


@pytest.mark.parametrize("duration", [2.0, 2.3456, 7.77])
def test_length_is_exact_for_any_duration(composer, duration):
    clip = _music(composer, duration, mood="happy")
    assert clip.audio.shape == (round(duration * SR), 2)
    assert clip.sample_rate == SR


@pytest.mark.parametrize("tonic,mode,attrs", [
    ("A", "minor", {"mood": "sad"}),
    ("C", "major", {"mood": "happy"}),
    ("D", "minor", {"genre": "folk"}),
    ("D", "major", {"genre": "folk"}),
])
def test_mode_and_key_are_audible(composer, tonic, mode, attrs):
    clip = _music(composer, 16.0, seed=2, key=tonic, mode=mode, **attrs)
    corr = analysis.mode_correlations(analysis.chroma(clip.audio, SR), tonic)
    other = "major" if mode == "minor" else "minor"
    assert corr[mode] > corr[other] + 0.05
    est = analysis.estimate_key(clip.audio, SR)
    assert (est.tonic, est.mode) == (tonic, mode)


@pytest.mark.parametrize("attrs", [{"mood": "happy"}, {"mood": "sad"}, {"genre": "jazz"}])
def test_brightness_moves_the_spectral_centroid(composer, attrs):
    dark = _music(composer, 10.0, seed=5, brightness=0.1, **attrs).audio
    bright = _music(composer, 10.0, seed=5, brightness=0.9, **attrs).audio
    assert analysis.spectral_centroid(bright, SR) > 1.3 * analysis.spectral_centroid(dark, SR)


def test_brightness_words_without_attributes(composer):
    warm = _music(composer, 8.0, seed=1, caption="warm gentle piano").audio
    bright = _music(composer, 8.0, seed=1, caption="bright gentle piano").audio
    assert analysis.spectral_centroid(bright, SR) > 1.3 * analysis.spectral_centroid(warm, SR)


@pytest.mark.parametrize("attrs", [
    {"genre": "rock", "tempo_bpm": 140}, {"mood": "sad"}, {"genre": "ambient"}, {"mood": "tense", "tempo_bpm": 50},
])
@pytest.mark.parametrize("duration", [3.0, 17.3])
def test_clean_start_and_ending_no_clipping(composer, attrs, duration):
    a = _music(composer, duration, seed=7, **attrs).audio
    body = _rms_db(a[int(0.1 * len(a)):int(0.7 * len(a))])
    assert body > -40, "non-silent"
    assert float(np.max(np.abs(a))) < 0.99
    assert _rms_db(a[-int(0.05 * SR):]) < body - 40, "ends on a faded ring-out, not cut mid-note"
    assert _rms_db(a[: int(0.005 * SR)]) < body - 20, "soft start"


def test_loudness_is_normalised(composer):
    a = _music(composer, 20.0, seed=4, mood="epic").audio
    assert pyloudnorm.Meter(SR).integrated_loudness(a) == pytest.approx(-18.0, abs=1.0)


def test_deterministic_per_seed(composer):
    a = _music(composer, 9.0, seed=11, mood="happy").audio
    b = _music(composer, 9.0, seed=11, mood="happy").audio
    c = _music(composer, 9.0, seed=12, mood="happy").audio
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_long_piece_has_sections_not_one_looped_bar(composer):
    bpm = 120.0
    clip = _music(composer, 100.0, seed=2, genre="pop", tempo_bpm=bpm)
    mono = analysis.to_mono(clip.audio)
    bar = int(round(4 * 60 / bpm * SR))
    per_bar = [analysis.chroma(mono[s:s + bar], SR) for s in range(0, len(mono) - bar, bar)]
    distinct: list[np.ndarray] = []
    for p in per_bar:
        if all(np.corrcoef(p, q)[0, 1] < 0.9 for q in distinct):
            distinct.append(p)
    assert len(distinct) >= 5, "harmony moves through several chords"
    assert np.median([np.corrcoef(p, q)[0, 1] for p, q in zip(per_bar, per_bar[1:])]) < 0.8
    # ...and the form comes back: some four-bar block recurs later (an A section returning).
    blocks = [analysis.chroma(mono[s:s + 4 * bar], SR) for s in range(0, len(mono) - 4 * bar, 4 * bar)]
    assert max(np.corrcoef(p, q)[0, 1] for i, p in enumerate(blocks) for q in blocks[i + 2:]) > 0.95


def test_parameters_record_what_was_resolved(composer):
    clip = _music(composer, 12.0, seed=1, genre="folk", key="Bb", mode="minor", tempo_bpm=101,
                  instruments=["flute", "harp"])
    p = clip.parameters
    json.dumps(p)  # provenance is stored in plan.json
    assert (p["bpm"], p["key"], p["mode"]) == (101.0, "A#", "minor")
    assert p["instruments"][:2] == ["flute", "harp"] and "drums" in p["instruments"]
    assert p["chords"][-1] == "A#m" and p["chords"][-2].startswith("F")  # V → i cadence


def test_keyword_read_when_attributes_are_empty(composer):
    assert attributes_from_text("悲伤的钢琴")["mood"] == "sad"
    assert attributes_from_text("happy upbeat guitar, 128 bpm")["tempo_bpm"] == 128
    clip = _music(composer, 12.0, seed=3, caption="悲伤的钢琴曲")
    assert clip.parameters["attributes_from"] == "keywords"
    assert clip.parameters["instruments"] == ["piano"]
    corr = analysis.mode_correlations(analysis.chroma(clip.audio, SR), clip.parameters["key"])
    assert corr["minor"] > corr["major"]


def test_unknown_instrument_is_reported(composer):
    clip = _music(composer, 4.0, instruments=["sitar", "piano"])
    assert any("sitar" in w for w in clip.warnings)


@pytest.mark.parametrize("attrs,duration,match", [
    ({"key": "H"}, 5.0, "key"),
    ({"tempo_bpm": 500}, 5.0, "tempo"),
    ({"energy": 2}, 5.0, "energy"),
    ({"mode": "dorian"}, 5.0, "mode"),
    ({}, 0.0, "duration"),
    ({}, 4000.0, "duration"),
])
def test_bad_requests_name_the_problem(composer, attrs, duration, match):
    with pytest.raises(ValueError, match=match):
        _music(composer, duration, **attrs)


def test_wrong_kind_and_cancel(composer):
    with pytest.raises(BackendError):
        composer.generate(ClipRequest(kind="speech", text="hi", duration=2.0))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        composer.generate(ClipRequest(kind="music", duration=30.0), cancel=token)
