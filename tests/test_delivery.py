"""Delivery targets: the master meets each target's spec (measured independently with pyloudnorm and by
oversampling), the report says which requirement fails and why, and the CLI and plan carry the choice."""

import numpy as np
import pyloudnorm as pyln
import pytest
import scipy.signal as sps
import soundfile as sf

from engine.__main__ import main as cli
from engine.delivery import TARGETS, noise_floor_dbfs, report
from engine.plan import DELIVERIES, Plan, PlanError
from engine.project import Project
from engine.render import Renderer
from engine.session import Session

SR = 44100


def narration(bed: bool) -> Plan:
    """Three lines (planned at about their spoken length) with a second of silence between them, and optionally a
    rain bed under all of them."""
    segs = [{"id": f"l{i}", "kind": "speech", "text": t, "duration": 2.0, "gap": 1.0 if i else 0.0}
            for i, t in enumerate(["The storm came in from the sea.", "The old man lit the lamp.",
                                   "And then he began his story."])]
    if bed:
        segs.append({"id": "bed", "kind": "sound", "track": "background", "covers": ["l0", "l2"], "caption": "rain",
                     "duration": 11.0})
    return Plan.from_dict({"sample_rate": SR, "target_duration": 12, "segments": segs})


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    session = Session("offline")
    out = {}
    for bed in (False, True):
        r = Renderer(session, Project.create(tmp_path_factory.mktemp("d"), narration(bed)))
        assert r.render().ok
        out[bed] = r
    return out


def true_peak_oversampled(x):
    return 20 * np.log10(np.abs(sps.resample_poly(x, 4, 1, axis=0)).max())


@pytest.mark.parametrize("delivery", DELIVERIES)
def test_each_target_is_met_and_measured_independently(rendered, delivery):
    r = rendered[delivery != "audiobook"]  # an audiobook is narration without a bed (ACX wants a silent floor)
    r.plan.delivery = delivery
    result, _ = r.mix()
    t = TARGETS[delivery]
    audio = result.audio.astype(np.float64)
    if t.lufs is not None:
        assert pyln.Meter(SR).integrated_loudness(audio) == pytest.approx(t.lufs, abs=t.lufs_tolerance)
    else:  # levelled by plain RMS over the whole file, pauses included
        rms = 20 * np.log10(np.sqrt(np.mean(audio ** 2)))
        assert t.rms_range_dbfs[0] <= rms <= t.rms_range_dbfs[1] and rms == pytest.approx(t.rms_dbfs, abs=0.6)
    assert true_peak_oversampled(audio) <= t.true_peak_db + 0.1
    checks = report(result.audio, SR, delivery, result.loudness, result.true_peak_db)
    assert all(c.ok for c in checks), [c.line() for c in checks]
    names = {c.name for c in checks}
    assert "true peak" in names and ("integrated loudness" in names) == (t.lufs is not None)
    if delivery == "audiobook":
        assert {"RMS", "sample peak", "noise floor (quietest half-seconds)"} <= names


def test_targets_differ_where_they_should(rendered):
    r = rendered[True]
    level = {}
    for d in ("broadcast", "podcast", "streaming"):
        r.plan.delivery = d
        level[d] = r.mix()[0].loudness
    assert level["broadcast"] < level["podcast"] < level["streaming"]
    assert level["podcast"] - level["broadcast"] == pytest.approx(7.0, abs=1.0)


def test_a_bed_under_narration_fails_the_audiobook_floor_and_says_why(rendered):
    r = rendered[True]
    r.plan.delivery = "audiobook"
    result, _ = r.mix()
    floor = next(c for c in report(result.audio, SR, "audiobook") if c.name.startswith("noise floor"))
    assert not floor.ok and "beds under narration" in floor.line() and floor.line().startswith("✗")


def test_noise_floor_is_the_quiet_between_sounds():
    x = np.zeros((10 * SR, 2), np.float32)
    x[: 8 * SR] = 0.3  # loud for 8 s, then 2 s of a -80 dBFS hiss
    x[8 * SR:] = 1e-4 * np.random.default_rng(0).standard_normal((2 * SR, 2))
    assert noise_floor_dbfs(x, SR) == pytest.approx(-80, abs=1.5)


def test_plan_and_cli_carry_the_delivery(tmp_path, capsys):
    with pytest.raises(PlanError, match="delivery"):
        Plan.from_dict({"delivery": "radio"})
    proj = Project.create(tmp_path / "p", narration(False))
    out = tmp_path / "book.wav"
    assert cli(["render", str(proj.root), "-o", str(out), "-q", "--delivery", "audiobook"]) == 0
    printed = capsys.readouterr().out
    assert "delivery: Audiobook, ACX" in printed and "✓ RMS" in printed and "✗" not in printed
    assert Project.open(proj.root).plan.delivery == "audiobook"  # saved with the plan
    audio, sr = sf.read(out)
    assert -23.0 <= 20 * np.log10(np.sqrt(np.mean(audio ** 2))) <= -18.0
    assert 20 * np.log10(np.abs(audio).max()) <= -3.0
