"""engine.studio.Studio, the one front door: the CLI and a script driving Studio directly get the same takes, mix
and warnings; the CLI flags a clip that fails its checks; progress is typed; refused edits change nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from engine.__main__ import main as cli
from engine.plan import Plan
from engine.studio import PHASES, Studio, StudioError, StudioSettings

SR = 44100


def story() -> Plan:
    """Two lines, a sound and a bed; the instructions carry a word nothing understands ('zorbly')."""
    return Plan.from_dict({
        "sample_rate": SR, "target_duration": 12.0,
        "characters": [{"name": "Anna", "voice": {"instruction": "a woman, calm, zorbly"}}],
        "segments": [
            {"id": "a1", "kind": "speech", "duration": 2.5, "text": "The rain has not stopped all day.",
             "character": "Anna"},
            {"id": "door", "kind": "sound", "duration": 3.0, "gap": 0.3, "caption": "a wooden door creaks open"},
            {"id": "a2", "kind": "speech", "duration": 2.2, "text": "Bring the lantern, please.", "character": "Anna",
             "gap": 0.3},
            {"id": "bed", "kind": "sound", "track": "background", "covers": ["a1", "a2"], "duration": 9.0,
             "caption": "steady rain on a tin roof"},
        ],
    })


def test_cli_and_studio_make_identical_takes_mix_and_warnings(tmp_path, capsys):
    via_cli, via_studio = tmp_path / "cli", tmp_path / "studio"
    settings = StudioSettings(profile="offline")
    Studio(settings).use_plan(story(), via_cli)
    assert cli(["render", str(via_cli), "-o", str(tmp_path / "cli.wav"), "-q", "--profile", "offline"]) == 0
    stderr = capsys.readouterr().err

    studio = Studio(settings)
    studio.use_plan(story(), via_studio)
    outcome = studio.render()
    studio.export("wav", tmp_path / "studio.wav")

    opened, reopened = Studio(settings), Studio(settings)  # both projects as saved on disk
    opened.open(via_cli)
    reopened.open(via_studio)
    for a, b in zip(opened.plan.segments, reopened.plan.segments):
        ta, tb = a.take(), b.take()
        assert (ta.id, ta.key, ta.seed, len(a.takes)) == (tb.id, tb.key, tb.seed, len(b.takes))
        assert np.array_equal(opened.project.read_take(ta), reopened.project.read_take(tb))
        assert ta.qa.passed is True and ta.qa == tb.qa  # both were checked, with the same results
    assert np.array_equal(sf.read(tmp_path / "cli.wav")[0], sf.read(tmp_path / "studio.wav")[0])
    assert [n.line() for n in opened.notices()] == [n.line() for n in studio.notices()]
    # the unknown voice word is said by both shells, on the segment that uses the voice
    assert "not understood: a1: 'zorbly' in Anna's voice" in stderr
    assert any(n.kind == "unknown-word" and n.segment_id == "a1" for n in studio.notices())
    assert outcome.ok and sorted(outcome.checks) == ["a1", "a2", "bed", "door"]


def test_cli_exits_1_and_names_the_clip_that_fails_its_checks(tmp_path, capsys):
    plan = story()
    plan.segment("a2").duration = 9.0  # planned far longer than the line can be spoken: the duration check fails
    Studio(StudioSettings(profile="offline")).use_plan(plan, tmp_path / "p")
    code = cli(["render", str(tmp_path / "p"), "-o", str(tmp_path / "out.wav"), "-q", "--retakes", "0",
                "--profile", "offline"])
    err = capsys.readouterr().err
    assert code == 1
    assert "check failed: a2: the line lasts" in err and "planned" in err
    # --no-check renders the same story without judging it
    code = cli(["render", str(tmp_path / "p"), "-o", str(tmp_path / "out2.wav"), "-q", "--no-check",
                "--profile", "offline"])
    assert code == 1  # the stored verdict of the take is still reported: the clip has not changed
    assert sf.read(tmp_path / "out2.wav")[0].shape[0] > 0


def test_progress_is_typed_and_covers_render_and_check(tmp_path):
    studio = Studio(StudioSettings(profile="offline", asr=False))
    studio.use_plan(story(), tmp_path / "p")
    events = []
    studio.render(progress=events.append)
    assert {e.phase for e in events} <= set(PHASES) and {"render", "check"} <= {e.phase for e in events}
    render = [e for e in events if e.phase == "render"]
    assert render[-1].done == render[-1].total == 4 and render[-1].fraction == 1.0
    assert {e.segment_id for e in events if e.phase == "check"} == {"a1", "a2", "door", "bed"}


def test_refused_edits_leave_the_plan_as_it_was(tmp_path):
    studio = Studio(StudioSettings(profile="offline"))
    with pytest.raises(StudioError, match="no plan yet"):
        studio.add_segment()
    studio.use_plan(story(), tmp_path / "p")
    before = studio.plan.to_json()
    with pytest.raises(ValueError):
        studio.edit_segment("a1", text="")  # a spoken line needs words
    with pytest.raises(ValueError):
        studio.replace_plan("{not json")
    with pytest.raises(StudioError, match="unknown delivery"):
        studio.set_delivery("radio")
    with pytest.raises(StudioError, match="unknown export"):
        studio.export("aiff", tmp_path / "x.aiff")
    assert studio.plan.to_json() == before
    assert json.loads((tmp_path / "p" / "plan.json").read_text()) == json.loads(before)


def test_covered_bed_duration_is_derived_from_the_layout(tmp_path):
    studio = Studio(StudioSettings(profile="offline", check=False))
    studio.use_plan(story(), tmp_path / "p")
    assert studio.plan.segment("bed").duration == pytest.approx(studio.timeline()["bed"].duration)
    studio.render()  # speech now lasts as long as its voice: the bed follows, in the saved plan too
    saved = Plan.from_json((tmp_path / "p" / "plan.json").read_text())
    assert saved.segment("bed").duration == pytest.approx(studio.timeline()["bed"].duration, abs=1e-3)
