"""Project store (atomic writes, validated loads, no escape from the folder, zip round trip) and audio export."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
import soundfile as sf

from engine import audio as audio_io
from engine.plan import Plan, Take
from engine.timing import layout
from engine.project import Project, ProjectError, atomic_write

SR = 44100


def demo_plan():
    return Plan.from_dict({"sample_rate": SR, "target_duration": 6, "characters": [{"name": "Ann"}], "segments": [
        {"id": "s01", "kind": "sound", "duration": 3, "caption": "thunder rolls"},
        {"id": "s02", "kind": "speech", "duration": 2, "text": "Hello [pause 0.5s] there.", "character": "Ann"},
        {"id": "s03", "kind": "speech", "duration": 1, "text": "Quiet now."},
    ]})


def add_take(proj, seg_id, seconds=1.0):
    seg = proj.plan.segment(seg_id)
    tid = f"t{len(seg.takes) + 1:03d}"
    rel = proj.take_relpath(seg, tid)
    proj.write_take(rel, (0.1 * np.sin(np.arange(int(seconds * SR)) / 10)).astype(np.float32), SR)
    seg.takes.append(Take(id=tid, key="k" + tid, path=rel, backend="b", model_id="m", seed=0, duration=seconds,
                          sample_rate=SR))
    seg.active_take = tid
    proj.save()
    return rel


def test_save_open_round_trip(tmp_path):
    proj = Project.create(tmp_path / "p", demo_plan())
    add_take(proj, "s01")
    again = Project.open(tmp_path / "p")
    assert again.plan == proj.plan and again.problems == []
    assert again.read_take(again.plan.segment("s01").take()).shape[0] == SR


def test_atomic_write_leaves_no_temp_and_keeps_old_on_failure(tmp_path, monkeypatch):
    f = tmp_path / "x.json"
    atomic_write(f, b"old")
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(f, b"new")
    assert f.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_corrupt_and_missing_takes_are_flagged_not_fatal(tmp_path):
    proj = Project.create(tmp_path / "p", demo_plan())
    rel1 = add_take(proj, "s01")
    rel2 = add_take(proj, "s02")
    (tmp_path / "p" / rel1).write_bytes(b"this is not audio")
    (tmp_path / "p" / rel2).unlink()
    again = Project.open(tmp_path / "p")
    assert len(again.problems) == 2
    assert "corrupt" in again.problems[0] and "missing" in again.problems[1]
    assert again.plan.segment("s01").take() is None  # needs a re-render, plan and other data intact
    assert again.plan.segment("s01").caption == "thunder rolls"


def test_symlink_escape_is_refused(tmp_path):
    proj = Project.create(tmp_path / "p", demo_plan())
    outside = tmp_path / "secret.flac"
    sf.write(outside, np.zeros(100, np.float32), SR)
    (tmp_path / "p" / "takes").mkdir()
    (tmp_path / "p" / "takes" / "link.flac").symlink_to(outside)
    with pytest.raises(ProjectError, match="outside the project"):
        proj.resolve("takes/link.flac")


def test_plan_file_with_traversal_is_rejected(tmp_path):
    d = json.loads(demo_plan().to_json())
    d["segments"][0]["takes"] = [{"id": "t1", "key": "k", "path": "../../etc/passwd", "backend": "b",
                                  "model_id": "m", "seed": 0}]
    (tmp_path / "plan.json").write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="inside the project folder"):
        Project.open(tmp_path)


def test_zip_round_trip_and_zip_slip(tmp_path):
    proj = Project.create(tmp_path / "p", demo_plan())
    add_take(proj, "s01")
    data = proj.export_zip()
    back = Project.import_zip(data, tmp_path / "q")
    assert back.plan == proj.plan
    assert np.allclose(back.read_take(back.plan.segment("s01").take()), proj.read_take(proj.plan.segment("s01").take()))
    # an archive with an extra entry escaping the folder: the entry is ignored, nothing lands outside
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("plan.json", demo_plan().to_json())
        z.writestr("../evil.txt", "x")
    Project.import_zip(buf.getvalue(), tmp_path / "r")
    assert not (tmp_path / "evil.txt").exists()
    with pytest.raises(ProjectError, match="not a project zip"):
        Project.import_zip(b"garbage", tmp_path / "s")


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3", "ogg"])
def test_export_formats_decode_with_right_length(fmt):
    x = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * SR) / SR)).astype(np.float32)
    data = audio_io.encode(np.stack([x, x], 1), SR, fmt)
    y, sr = sf.read(io.BytesIO(data), dtype="float32")
    assert sr == SR and y.shape[1] == 2
    assert abs(y.shape[0] / sr - 2.0) < 0.06  # lossy codecs add a little padding


def test_resample_is_band_limited():
    x = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(22050) / 22050)).astype(np.float32)
    y = audio_io.resample(x, 22050, 44100)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    f = np.fft.rfftfreq(len(y), 1 / 44100)
    assert f[np.argmax(spec)] == pytest.approx(1000, abs=2)
    assert spec[f > 11025].max() < 1e-3 * spec.max()  # no imaging above the old Nyquist


def test_captions_have_speech_and_bracketed_cues():
    p = demo_plan()
    t = layout(p)
    srt = audio_io.srt(p, t)
    assert "1\n00:00:00,000 --> 00:00:03,000\n[thunder rolls]" in srt
    assert "Ann: Hello there." in srt and "pause" not in srt
    assert "Quiet now." in srt and "Narrator" not in srt
    vtt = audio_io.vtt(p, t)
    assert vtt.startswith("WEBVTT") and "00:00:03.000 --> 00:00:05.000" in vtt
