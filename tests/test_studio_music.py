"""ACE-Step music through diffusers' AceStepPipeline on a tiny random checkpoint, loaded offline by path."""

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("diffusers")

from studio_tiny import checkpoint  # noqa: E402

from engine import instruct  # noqa: E402
from engine.backends.acestep import AceStepMusic, music_inputs  # noqa: E402
from engine.backends.base import BackendError, ClipRequest  # noqa: E402
from engine.backends.steps import progress_to  # noqa: E402


@pytest.fixture(scope="module")
def ace():
    return AceStepMusic(str(checkpoint("acestep")), steps=2, allow_cpu=True)


def captured_prompts(ace, request):
    """Run the real pipeline and keep the text it formats for its encoders."""
    pipe = ace.model()
    seen = []
    original = pipe._format_prompt

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        seen.append(out)
        return out

    pipe._format_prompt = spy
    try:
        clip = ace.generate(request)
    finally:
        del pipe._format_prompt
    return clip, seen[0]


def test_song_controls_reach_the_ace_step_prompt(ace):
    attrs = instruct.parse_music("sad slow piano and cello in D minor, 70 BPM, female vocals").controls()
    req = ClipRequest(kind="music", caption="a lullaby by the sea", text="Sleep now, the waves are calling",
                      attributes=attrs, duration=2.0, seed=4, language="en")
    steps = []
    with progress_to(lambda label, done, total: steps.append((label, done, total))):
        clip, (text, lyrics) = captured_prompts(ace, req)
    assert "bpm: 70" in text and "keyscale: D minor" in text and "duration: 2 seconds" in text
    assert "piano" in text and "cello" in text and "sad" in text and "female vocals" in text
    assert "lullaby by the sea" in text
    assert "[verse]" in lyrics and "Sleep now, the waves are calling" in lyrics and "\nen\n" in lyrics
    assert clip.sample_rate == 48000 and clip.audio.shape[1] == 2
    assert abs(clip.duration - 2.0) <= 0.05 and 0 < np.abs(clip.audio).max() < 1.0
    assert steps == [("music", 1, 2), ("music", 2, 2)]


def test_instrumental_bed_in_chinese_story(ace):
    attrs = instruct.parse_music("欢快的爵士乐，钢琴，120 BPM，无人声").controls()
    req = ClipRequest(kind="music", caption="", text="", attributes=attrs, duration=1.5, seed=2, language="zh")
    clip, (text, lyrics) = captured_prompts(ace, req)
    assert "bpm: 120" in text and "instrumental" in text
    assert lyrics.startswith("# Languages\nzh\n") and "[verse]" not in lyrics
    assert abs(clip.duration - 1.5) <= 0.05


def test_what_cannot_be_honoured_is_reported():
    kwargs, warnings = music_inputs(ClipRequest(kind="music", attributes={"vocals": "male"}, duration=5))
    assert kwargs["lyrics"] == "" and "instrumental" in kwargs["prompt"]
    assert any("no lyrics" in w for w in warnings)
    kwargs, warnings = music_inputs(ClipRequest(kind="music", text="la la", attributes={"vocals": "none"}, duration=5))
    assert kwargs["lyrics"] == "" and any("no vocals" in w for w in warnings)


def test_too_long_for_one_call_is_refused(ace):
    with pytest.raises(BackendError, match="at most 120 s per call"):
        ace.generate(ClipRequest(kind="music", duration=121))
