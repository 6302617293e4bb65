"""Per-clip QA (engine/qa.py): known defects injected into real rendered clips are flagged with the right reason
code, clean clips pass, and retakes replace failing takes with passing ones."""

import numpy as np
import pytest

from engine import qa
from engine.analysis_speech import active_mask
from engine.audio import resample
from engine.backends.base import ClipRequest
from engine.backends.offline.sound import ProceduralSound
from engine.plan import Plan
from engine.project import Project
from engine.render import Renderer
from engine.session import Session
from engine.studio import Studio, StudioSettings

SR = 44100
LINE_A = "The rain has not stopped since this morning, and the river is rising fast."
LINE_B = "We should move the boat to higher ground before it gets dark."


def story() -> Plan:
    return Plan.from_dict({
        "sample_rate": SR, "target_duration": 20.0,
        "characters": [{"name": "Anna", "voice": {"instruction": "a woman, calm"}},
                       {"name": "Li", "voice": {"instruction": "一位成年男性"}}],
        "segments": [
            {"id": "a1", "kind": "speech", "duration": 4.2, "text": LINE_A, "character": "Anna"},
            {"id": "door", "kind": "sound", "duration": 3.0, "gap": 0.3, "caption": "a wooden door creaks open"},
            {"id": "a2", "kind": "speech", "duration": 3.6, "text": LINE_B, "character": "Anna", "gap": 0.3},
            {"id": "a3", "kind": "speech", "duration": 2.5, "text": "Bring the lantern and the rope.",
             "character": "Anna", "gap": 0.3},
            {"id": "zh", "kind": "speech", "duration": 3.0, "text": "我们明天早点出发吧。", "character": "Li",
             "gap": 0.3},
            {"id": "tune", "kind": "music", "duration": 6.0, "gap": 0.3,
             "instruction": "calm piano in C major at 80 BPM"},
            {"id": "bed", "kind": "sound", "track": "background", "covers": ["a1", "tune"], "duration": 20.0,
             "caption": "steady heavy rain on a tin roof"},
        ],
    })


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    session = Session("offline")
    studio = Studio(StudioSettings(auto_retake=0), session,
                    Project.create(tmp_path_factory.mktemp("qa") / "proj", story()))
    report = studio.render()
    assert not report.failed and not report.cancelled, report.failed
    return studio.renderer, report


def check(r: Renderer, sid: str, audio: np.ndarray) -> qa.QAResult:
    seg = r.plan.segment(sid)
    return qa.check_clip(seg, seg.take(), audio, SR, r.plan, qa.context_for(r, seg))


def audio_of(r: Renderer, sid: str) -> np.ndarray:
    return r.project.read_take(r.plan.segment(sid).take()).copy()


# --- clean clips ----------------------------------------------------------------------------------------------

def test_clean_rendered_clips_pass_and_results_are_stored(rendered):
    r, report = rendered
    assert set(report.checks) == {s.id for s in r.plan.segments}
    for sid, res in report.checks.items():
        assert res.passed, (sid, res.summary())
        stored = r.plan.segment(sid).take().qa
        assert stored.passed is True and stored.issues == [] and stored.lufs is not None and stored.metrics
    # the English lines went through the recogniser and came back close to the script
    for sid in ("a1", "a2", "a3"):
        m = report.checks[sid].metrics
        assert m["asr"].startswith("faster-whisper") and m["wer"] <= 0.2, m
    # pitch was compared with Anna's other lines, and her lines agree within a semitone
    assert abs(report.checks["a2"].metrics["pitch_drift_st"]) < 1.0
    # Chinese cannot go through tiny.en: skipped with a note, not failed
    zh = report.checks["zh"]
    assert "wer" not in zh.metrics and any("not Chinese" in n for n in zh.notes)
    assert report.failing == []
    # stored results survive a save/load of the project
    again = Project.open(r.project.root)
    assert qa.stored(again.plan.segment("a1").take()).passed


# --- injected defects -------------------------------------------------------------------------------------------

def test_clipped_clip_is_flagged_as_clipping(rendered):
    r, _ = rendered
    loud = np.clip(audio_of(r, "door") * 8.0, -1.0, 1.0)
    res = check(r, "door", loud)
    assert not res.passed and "clipping" in res.codes
    issue = next(i for i in res.issues if i.code == "clipping")
    assert issue.value > 100 and "full scale" in issue.message


def test_three_second_dropout_in_a_bed_is_flagged_as_silence(rendered):
    r, _ = rendered
    bed = audio_of(r, "bed")
    bed[int(6.0 * SR):int(9.0 * SR)] = 0.0
    res = check(r, "bed", bed)
    assert not res.passed and "silence" in res.codes
    issue = next(i for i in res.issues if i.code == "silence")
    assert issue.value == pytest.approx(3.0, abs=0.05) and "6.0 s" in issue.message


def test_cut_off_last_word_is_flagged_as_truncated(rendered):
    r, _ = rendered
    line = audio_of(r, "a1")
    on = np.flatnonzero(active_mask(line, SR))
    end = (on[-1] + 1) * int(0.01 * SR)  # where the voice stops
    cut = line[:end - int(0.15 * SR)]  # the audio stops 150 ms early, inside "fast"
    res = check(r, "a1", cut)
    assert not res.passed and "truncated" in res.codes
    assert "wer" not in res.codes  # the rest of the line is still right


def test_wrong_line_of_speech_is_flagged_by_the_asr_round_trip(rendered):
    r, _ = rendered
    other = audio_of(r, "a2")  # a clean recording of LINE_B on the segment that should say LINE_A
    res = check(r, "a1", other)
    assert not res.passed and res.codes == ["wer"]
    issue = res.issues[0]
    assert issue.value > 0.7 and "boat" in issue.message  # the message shows what was heard


def test_a_different_voice_for_the_same_character_is_flagged_as_pitch_drift(rendered):
    r, _ = rendered
    seg = r.plan.segment("a2")
    # the real voice model, asked for a man: the character's line in the wrong voice
    clip = r.session.generate(ClipRequest(kind="speech", text=LINE_B, character="Anna", seed=7,
                                          attributes={"gender": "male"}))
    res = check(r, "a2", resample(clip.audio, clip.sample_rate, SR))
    assert "pitch_drift" in res.codes
    assert res.metrics["pitch_drift_st"] < -5  # a man is far below Anna's other lines
    assert seg.take().qa.passed  # checking a candidate does not touch the stored result


def test_speech_pauses_only_count_beyond_the_written_pauses(rendered):
    r, _ = rendered
    line = audio_of(r, "a1")
    half = len(line) // 2
    gap = np.zeros(int(2.0 * SR), np.float32)
    padded = np.concatenate([line[:half], gap, line[half:]])
    assert "silence" in check(r, "a1", padded).codes
    seg = r.plan.segment("a1")
    with_pause = seg.model_copy(update={"text": "The rain has not stopped since this morning, [pause 2s] and the "
                                                "river is rising fast."})
    res = qa.check_clip(with_pause, seg.take(), padded, SR, r.plan, qa.context_for(r, seg))
    assert "silence" not in res.codes


def test_click_at_a_chunk_join_is_found(rendered):
    r, _ = rendered
    tune = audio_of(r, "tune")
    seg = r.plan.segment("tune")
    ctx = qa.context_for(r, seg)
    ctx.joins = (3.0,)
    assert qa.check_clip(seg, seg.take(), tune, SR, r.plan, ctx).passed
    # two chunks butted together without a crossfade: the waveform jumps from one moment to an unrelated one
    j = int(3.0 * SR)
    later = tune[j + int(0.5 * SR):j + int(0.6 * SR)]
    k = int(np.argmax(np.abs(later[:, 0] - tune[j - 1, 0])))
    spliced = np.concatenate([tune[:j], tune[j + int(0.5 * SR) + k:]])
    spliced = np.concatenate([spliced, np.zeros((len(tune) - len(spliced), 2), np.float32)])
    assert qa.click_ratio(tune, SR, 3.0) < 3 < qa.click_ratio(spliced, SR, 3.0)
    res = qa.check_clip(seg, seg.take(), spliced, SR, r.plan, ctx)
    assert "seam" in res.codes and any("joined" in i.message for i in res.issues)


# --- retakes -----------------------------------------------------------------------------------------------------

class BrokenSeeds(ProceduralSound):
    """The real procedural sound bank, except that the given seeds come out overdriven (clipped), like a model
    that blows up for some noise draws."""

    def __init__(self, bad: set[int] | None = None, all_but_first: bool = False):
        super().__init__()
        self.bad = bad if bad is not None else set()
        self.all_but_first = all_but_first
        self.seen: list[int] = []

    def generate(self, request, cancel=None):
        clip = super().generate(request, cancel)
        if not self.seen:
            self.seen.append(request.seed)
            if not self.all_but_first:
                self.bad.add(request.seed)  # the first seed drawn is the broken one
        elif request.seed not in self.seen:
            self.seen.append(request.seed)
        if request.seed in self.bad or (self.all_but_first and request.seed != self.seen[0]):
            clip.audio = np.clip(clip.audio * 12.0, -1.0, 1.0).astype(np.float32)
        return clip


def small(tmp_path, backend, auto_retake: int = 2) -> Studio:
    plan = Plan.from_dict({"sample_rate": SR, "target_duration": 4.0, "segments": [
        {"id": "s1", "kind": "sound", "duration": 4.0, "caption": "a campfire crackles"}]})
    return Studio(StudioSettings(auto_retake=auto_retake, asr=False), Session("offline", overrides={"sound": backend}),
                  Project.create(tmp_path / "p", plan))


def test_auto_retake_replaces_a_failing_take_with_a_passing_one(tmp_path):
    studio = small(tmp_path, BrokenSeeds())
    report = studio.render()
    r = studio.renderer
    seg = r.plan.segment("s1")
    first, active = seg.takes[0], seg.take()
    assert first.qa.passed is False and "clipping" in [i.code for i in first.qa.issues]
    assert active.id != first.id and active.qa.passed is True
    assert report.retakes == {"s1": 1} and report.checks["s1"].passed and report.failing == []
    # the kept take is what the next render finds in its cache: nothing is rendered again
    calls = r.session.calls["sound"]
    again = r.render()
    assert again.cached == ["s1"] and r.session.calls["sound"] == calls and seg.take().id == active.id


def test_auto_retake_zero_only_checks(tmp_path):
    studio = small(tmp_path, BrokenSeeds(), auto_retake=0)
    report = studio.render()
    r = studio.renderer
    assert report.failing == ["s1"] and len(r.plan.segment("s1").takes) == 1
    assert "clipping" in report.checks["s1"].codes


def test_one_click_retake_fixes_a_failing_take(tmp_path):
    studio = small(tmp_path, BrokenSeeds())
    r = studio.renderer
    r.render()
    seg = r.plan.segment("s1")
    assert not qa.check_take(r, seg, asr=False).passed
    kept = studio.retake("s1", attempts=2)
    assert kept.id == seg.active_take and kept.id != seg.takes[0].id and kept.qa.passed
    assert not r.is_dirty(seg)


def test_retake_keeps_the_current_take_when_the_new_one_is_worse(tmp_path):
    studio = small(tmp_path, BrokenSeeds(all_but_first=True))
    r = studio.renderer
    r.render()
    seg = r.plan.segment("s1")
    original = seg.take()
    kept = studio.retake("s1", attempts=1)
    assert kept.id == original.id and len(seg.takes) == 2
    assert seg.takes[1].qa.passed is False and "clipping" in [i.code for i in seg.takes[1].qa.issues]
    assert not r.is_dirty(seg)


def test_retake_refuses_a_locked_segment(tmp_path):
    studio = small(tmp_path, ProceduralSound())
    studio.renderer.render()
    studio.plan.segment("s1").locked = True
    with pytest.raises(ValueError, match="locked"):
        studio.retake("s1")


# --- text measures ------------------------------------------------------------------------------------------------

def test_error_rate_reads_numerals_and_chinese_characters():
    assert qa.error_rate("Ten, nine, eight... liftoff!", "10, 9, 8, liftoff.") == 0.0
    assert qa.error_rate("one two three four", "one two four") == pytest.approx(0.25)
    assert qa.error_rate("我们明天出发", "我们后天出发", "zh") == pytest.approx(1 / 6)
    assert qa.say_number(1234) == "one thousand two hundred thirty four"
    assert qa.syllables("Bring the lantern") == 4 and qa.syllables("我们出发") == 4
    assert qa.requested_pauses("a [pause 1.5s] b [停顿500毫秒] c") == [1.5, 0.5]
