"""Rendering: cache keys, exactly-one re-render after an edit, locks, failure isolation, chunking, autosave."""

import dataclasses
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from engine.backends.base import BackendError
from engine.backends.offline.sound import ProceduralSound
from engine.plan import Plan
from engine.timing import layout
from engine.project import Project
from engine.render import Renderer
from engine.session import Session

SR = 44100


def small_plan(n_sound=3):
    segs = [{"id": f"s{i:02d}", "kind": "sound", "duration": 2.0, "caption": c}
            for i, c in enumerate(["rain on a roof", "a door creaks", "footsteps on wood", "thunder", "wind"][:n_sound])]
    segs.append({"id": "bed", "kind": "sound", "track": "background", "covers": ["s00", f"s{n_sound - 1:02d}"],
                 "duration": 2.0 * n_sound, "caption": "night crickets"})
    return Plan.from_dict({"sample_rate": SR, "target_duration": 2.0 * n_sound, "segments": segs})


@pytest.fixture
def renderer(tmp_path):
    return Renderer(Session("offline"), Project.create(tmp_path / "proj", small_plan()))


def test_render_then_edit_one_segment_rerenders_exactly_one(renderer):
    first = renderer.render()
    assert first.ok and len(first.rendered) == 4
    calls = dict(renderer.session.calls)
    again = renderer.render()
    assert again.rendered == [] and len(again.cached) == 4 and renderer.session.calls == calls
    renderer.plan.segment("s01").caption = "a door slams"
    third = renderer.render()
    assert third.rendered == ["s01"]
    assert renderer.session.calls["sound"] == calls["sound"] + 1
    # the old take is kept and can be picked again without synthesis
    seg = renderer.plan.segment("s01")
    assert len(seg.takes) == 2 and seg.active_take == seg.takes[1].id
    seg.caption = "a door creaks"
    fourth = renderer.render()
    assert fourth.cached.count("s01") == 1 and seg.active_take == seg.takes[0].id
    assert renderer.session.calls["sound"] == calls["sound"] + 1


def test_locked_segment_is_never_rerendered(renderer):
    renderer.render()
    seg = renderer.plan.segment("s00")
    seg.locked = True
    seg.caption = "heavy rain"
    report = renderer.render()
    assert report.locked == ["s00"] and "s00" not in report.rendered
    with pytest.raises(ValueError, match="locked"):
        renderer.regenerate("s00")


def test_regenerate_adds_a_take_with_a_new_seed(renderer):
    renderer.render()
    before = renderer.plan.segment("s02").take()
    after = renderer.regenerate("s02")
    assert after.seed != before.seed and after.id != before.id
    a, b = (renderer.project.read_take(t) for t in (before, after))
    assert a.shape == b.shape and not np.allclose(a, b)


class FailingSound(ProceduralSound):
    """The real procedural bank, except that one caption makes it fail like a crashed model would."""

    def generate(self, request, cancel=None):
        if "door" in request.caption:
            raise BackendError("model crashed on this clip")
        return super().generate(request, cancel)


def test_a_failing_backend_marks_only_its_segment(tmp_path):
    r = Renderer(Session("offline", overrides={"sound": FailingSound()}), Project.create(tmp_path / "p", small_plan()))
    report = r.render()
    assert list(report.failed) == ["s01"] and "model crashed" in report.failed["s01"]
    assert sorted(report.rendered) == ["bed", "s00", "s02"]
    seg = r.plan.segment("s01")
    assert seg.take() is None and seg.takes[-1].error and seg.takes[-1].path is None
    result, timeline = r.mix()
    assert any("s01 has no audio" in w for w in result.warnings)
    assert result.audio.shape[0] == int(round(timeline.total * SR))


class ShortSound(ProceduralSound):
    def __init__(self):
        super().__init__()
        self.capabilities = dataclasses.replace(self.capabilities, max_duration=4.0)


def test_long_clips_are_chunked_and_joined(tmp_path):
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 11.0, "segments": [
        {"id": "a", "kind": "sound", "duration": 11.0, "caption": "steady rain"}]})
    session = Session("offline", overrides={"sound": ShortSound()})
    r = Renderer(session, Project.create(tmp_path / "p", plan))
    r.render()
    take = plan.segment("a").take()
    assert take.parameters["chunks"] == session.calls["sound"] >= 4
    assert take.duration == pytest.approx(11.0 + r.settings.crossfade, abs=1 / SR)
    audio = r.project.read_take(take)
    # the joins are crossfaded: no short window is much quieter or louder than its neighbours
    win = int(0.05 * SR)
    rms = np.sqrt(np.mean(audio[: len(audio) // win * win].reshape(-1, win, audio.shape[1]) ** 2, axis=(1, 2)))
    assert rms.min() > 0.3 * np.median(rms)


def test_killed_render_keeps_finished_takes(tmp_path):
    plan = small_plan(5)
    for s in plan.segments:
        s.duration = 20.0 if s.track == "foreground" else 100.0
    Project.create(tmp_path / "p", plan)
    proc = subprocess.Popen([sys.executable, "-m", "engine", "render", str(tmp_path / "p"), "-o",
                             str(tmp_path / "out.wav"), "-q"], cwd=os.path.dirname(os.path.dirname(__file__)))
    takes = tmp_path / "p" / "takes"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(takes.glob("*/*.flac"))) < 2:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reopened = Project.open(tmp_path / "p")
    assert reopened.problems == []
    done = [s.id for s in reopened.plan.segments if s.take() is not None]
    assert len(done) >= 1
    r = Renderer(Session("offline"), reopened)
    report = r.render()
    assert set(done) <= set(report.cached)


def test_first_render_fits_the_target_and_later_edits_only_ripple(tmp_path):
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 20.0, "segments": [
        {"id": "a", "kind": "sound", "duration": 5.0, "caption": "rain"},
        {"id": "b", "kind": "speech", "duration": 9.0, "text": "The storm came in from the north."},
        {"id": "c", "kind": "music", "duration": 6.0, "caption": "sad piano"}]})
    r = Renderer(Session("offline"), Project.create(tmp_path / "p", plan))
    r.render()
    speech = plan.segment("b").take().duration
    assert speech < 9.0  # the line is shorter than its estimate ...
    assert layout(plan).total == pytest.approx(20.0, abs=0.01)  # ... and the sound and music absorbed it
    a_len = plan.segment("a").duration
    plan.segment("b").text = "The storm came."
    report = r.render()
    assert report.rendered == ["b"]  # the edit ripples: nothing else is re-timed or re-rendered
    assert plan.segment("a").duration == a_len
    assert layout(plan).total < 20.0


def test_fitting_the_target_stretches_music_before_one_shot_sounds(tmp_path):
    """Speech much shorter than planned leaves a gap: music (composed to any length) takes most of it, and a
    one-shot sound at most doubles, so the story does not get seconds of stretched silence after a door slam."""
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 40.0, "segments": [
        {"id": "door", "kind": "sound", "duration": 2.0, "caption": "a door slams"},
        {"id": "b", "kind": "speech", "duration": 20.0, "text": "Who is there?"},
        {"id": "tune", "kind": "music", "duration": 8.0, "caption": "sad piano"},
        {"id": "rain", "kind": "sound", "duration": 10.0, "caption": "rain"}]})
    r = Renderer(Session("offline"), Project.create(tmp_path / "p", plan))
    r.render()
    assert layout(plan).total == pytest.approx(40.0, abs=0.05)
    door, tune, rain = (plan.segment(i).duration for i in ("door", "tune", "rain"))
    assert door <= 4.0 + 1e-6 and rain <= 20.0 + 1e-6  # sounds at most double
    assert tune - 8.0 > (rain - 10.0) and tune - 8.0 > 3 * (door - 2.0)  # music takes the largest share


def test_fitting_still_meets_the_target_when_every_sound_is_capped(tmp_path):
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 30.0, "segments": [
        {"id": "door", "kind": "sound", "duration": 2.0, "caption": "a door slams"},
        {"id": "b", "kind": "speech", "duration": 26.0, "text": "Hello."}]})
    r = Renderer(Session("offline"), Project.create(tmp_path / "p", plan))
    r.render()
    assert layout(plan).total == pytest.approx(30.0, abs=0.05)  # the target wins over the cap


def test_pronunciations_reach_only_the_speech_model_and_only_lines_that_use_them(tmp_path):
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 12.0, "segments": [
        {"id": "a", "kind": "speech", "duration": 3.0, "text": "Siobhan opened the door."},
        {"id": "b", "kind": "speech", "duration": 3.0, "text": "The wind was cold."},
        {"id": "c", "kind": "sound", "duration": 3.0, "caption": "Siobhan's door creaks"}]})
    r = Renderer(Session("offline"), Project.create(tmp_path / "p", plan))
    assert r.render().ok
    plan.pronunciations = {"siobhan": "shi-vawn"}
    assert r.request_for(plan.segment("a")).text == "shi-vawn opened the door."
    assert r.request_for(plan.segment("c")).caption == "Siobhan's door creaks"  # sound captions are not spoken
    assert [s.id for s in plan.segments if r.is_dirty(s)] == ["a"]
    assert r.render().rendered == ["a"]
    from engine import audio as audio_io

    assert "Siobhan opened the door." in audio_io.srt(plan, layout(plan))  # captions keep the written word
    from engine import qa

    class Heard:  # a recogniser that hears the respelled name, as a real one would
        name, languages = "fixed transcript", ("en",)

        def transcribe(self, audio, sr, language="en"):
            return "shi vawn opened the door"

    seg = plan.segment("a")
    audio = r.project.read_take(seg.take())
    res = qa.check_clip(seg, seg.take(), audio, SR, plan, qa.QAContext(asr=Heard()))
    assert res.metrics["wer"] == 0.0  # scored against what the model was asked to say ...
    plain = plan.model_copy(update={"pronunciations": {}})
    assert qa.check_clip(seg, seg.take(), audio, SR, plain, qa.QAContext(asr=Heard())).metrics["wer"] > 0.3
