"""VibeVoice speech (InstructAudio role): voice design ranking, voice lock across lines and restarts, and the
instruction controls, on a tiny random checkpoint loaded offline through the user-facing loader."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from studio_tiny import checkpoint  # noqa: E402

from engine.analysis_speech import active_duration, active_rms_db  # noqa: E402
from engine.backends.base import CancelToken, Cancelled, ClipRequest  # noqa: E402
from engine.backends.steps import progress_to  # noqa: E402
from engine.backends.vibevoice import (DESIGN_TEXT, SAMPLE_RATE, VibeVoiceSpeech, measure_candidate,  # noqa: E402
                                       rank_candidates, voice_key)

OLD_MAN = "an old man, deep and calm"
SHORT_DESIGN = {"en": "Hello there.", "zh": "你好。"}  # random tiny weights speak until the token limit: keep it short


def voiced(f0, seconds, seed=0):
    """A buzzy vowel-like signal at a known F0 with syllable-rate amplitude modulation."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * f0 * t
    x = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t + seed)
    return (0.1 * x * env).astype(np.float32)


def test_design_ranks_candidates_by_measured_pitch_and_rate():
    text = DESIGN_TEXT["en"]  # 15 words
    cands = [measure_candidate(voiced(f0, secs), text, seed) for seed, (f0, secs) in
             enumerate([(112, 5.8), (215, 5.8), (285, 5.8), (112, 3.0)])]
    assert [c.f0_hz for c in cands] == pytest.approx([112, 215, 285, 112], rel=0.03)
    male = rank_candidates(cands, {"gender": "male", "age": "adult"}, "en")
    assert male[0].seed == 0 and male[1].seed == 3  # same pitch, but seed 3 speaks twice as fast
    assert rank_candidates(cands, {"gender": "female"}, "en")[0].seed == 1
    assert rank_candidates(cands, {"age": "child"}, "en")[0].seed == 2
    fast = rank_candidates(cands, {"gender": "male", "pace": 1.9}, "en")
    assert fast[0].seed == 3 and fast[0].rate_target == pytest.approx(2.6 * 1.9)


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    return tmp_path_factory.mktemp("voices")


@pytest.fixture(scope="module")
def speech(voices):
    # one backend and one voice bank for the module: every synthesis on the tiny model costs seconds on CPU
    return VibeVoiceSpeech(str(checkpoint("vibevoice")), voices_dir=str(voices), candidates=2, diffusion_steps=2,
                           design_text=SHORT_DESIGN, allow_cpu=True)


def conversations(backend):
    """Record what reaches the VibeVoice processor (the chat with text and the voice prompt)."""
    seen = []
    model, processor = backend.model()
    original = processor.apply_chat_template

    def spy(conversation, **kwargs):
        seen.append(conversation)
        return original(conversation, **kwargs)

    processor.apply_chat_template = spy
    return seen


def line(text, seed=1, **attrs):
    return ClipRequest(kind="speech", text=text, character="Grandpa", voice=OLD_MAN, seed=seed,
                       attributes={"gender": "male", "age": "elderly", **attrs})


def test_voice_is_designed_once_then_locked_across_lines_and_restarts(speech, voices):
    seen = conversations(speech)
    speech.bank.remove(voice_key("Grandpa", OLD_MAN))
    speech.design_calls = 0
    first = speech.generate(line("The sea was calm."))
    assert first.sample_rate == SAMPLE_RATE and first.audio.ndim == 1
    assert first.audio.dtype == np.float32 and 0 < np.abs(first.audio).max() < 1.0
    assert first.parameters["voice_designed_now"] and speech.design_calls == 1
    designs, spoken = seen[:2], seen[2]
    assert all(len(c[0]["content"]) == 1 for c in designs)  # design takes: no voice prompt, random speakers
    assert spoken[0]["content"][0]["text"] == "The sea was calm."
    reference, meta = speech.locked_voice("Grandpa", OLD_MAN)
    assert np.array_equal(spoken[0]["content"][1]["audio"], reference)  # the locked take is the voice prompt
    assert meta["character"] == "Grandpa" and {"gender": "male", "age": "elderly"}.items() <= meta["attributes"].items()

    second = speech.generate(line("Then it came.", seed=2))
    assert speech.design_calls == 1 and np.array_equal(seen[-1][0]["content"][1]["audio"], reference)
    assert second.parameters["voice_id"] == first.parameters["voice_id"]

    restarted = VibeVoiceSpeech(str(checkpoint("vibevoice")), voices_dir=str(voices),
                                diffusion_steps=2, design_text=SHORT_DESIGN, allow_cpu=True)
    seen2 = conversations(restarted)
    restarted.generate(line("I remember."))
    assert restarted.design_calls == 0 and np.array_equal(seen2[0][0]["content"][1]["audio"], reference)


def test_picking_another_candidate_changes_the_locked_voice(speech):
    mother = "a young woman, warm"
    ranked = speech.design_voice(mother, n=2, seed=5)
    assert len(ranked) == 2 and ranked[0].score <= ranked[1].score
    assert ranked[0].f0_target_hz == 225.0  # young female
    speech.lock_voice("Mother", mother, ranked[1])
    seen = conversations(speech)
    designs = speech.design_calls
    speech.generate(ClipRequest(kind="speech", text="Listen.", character="Mother", voice=mother, seed=1))
    assert speech.design_calls == designs
    assert np.array_equal(seen[-1][0]["content"][1]["audio"], speech.locked_voice("Mother", mother)[0])
    assert speech.locked_voice("Mother", mother)[1]["seed"] == ranked[1].seed


def test_pace_and_volume_move_the_measured_speech(speech):
    base = speech.generate(line("He climbed slowly.", seed=7))
    fast = speech.generate(line("He climbed slowly.", seed=7, pace=1.5))
    quiet = speech.generate(line("He climbed slowly.", seed=7, volume=-6.0))
    ratio = active_duration(base.audio, SAMPLE_RATE) / active_duration(fast.audio, SAMPLE_RATE)
    assert ratio == pytest.approx(1.5, rel=0.1)
    drop = active_rms_db(base.audio, SAMPLE_RATE) - active_rms_db(quiet.audio, SAMPLE_RATE)
    assert drop == pytest.approx(6.0, abs=1.0)
    assert fast.parameters["tempo"] == 1.5 and base.parameters["tempo"] == 1.0


def test_chinese_line_and_unmodelled_controls(speech):
    # a locked voice speaks Chinese too (the voice prompt carries the timbre across languages)
    clip = speech.generate(ClipRequest(kind="speech", text="很久以前。", character="Grandpa", voice=OLD_MAN,
                                       language="zh", seed=3, attributes={"gender": "male", "accent": "british"}))
    assert clip.parameters["language"] == "zh" and clip.duration > 0.5
    assert any("accent" in w for w in clip.warnings)


def test_cancel_stops_inside_the_token_loop(speech):
    speech.lock_voice("Ghost", "", measure_candidate(voiced(120, 2.0), "a b", 0))
    cancel, steps = CancelToken(), []

    def progress(label, done, total):
        steps.append(done)
        if done == 3:
            cancel.cancel()

    with progress_to(progress), pytest.raises(Cancelled):
        speech.generate(ClipRequest(kind="speech", text="Never finished.", character="Ghost"), cancel)
    assert steps == [1, 2, 3]
