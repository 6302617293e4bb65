"""Acceptance of the engine spine: `python -m engine plan` then `render` a 60 s English story on this CPU with
no downloads, and measure what came out."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyloudnorm as pyln
import pytest
import scipy.signal as sps
import soundfile as sf

from conftest import transcribe, wer
from engine.timing import layout
from engine.project import Project

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTION = ("A storm reaches a fishing village at night; an old fisherman tells his grandson a story about the "
               "sea; the boy says \"Tell me about the great wave, grandfather.\" Sad piano at the end. "
               "The total duration is 60 seconds.")


def cli(*args):
    r = subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=300)
    return r


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    d = tmp_path_factory.mktemp("story")
    r = cli("plan", INSTRUCTION, "-o", str(d / "plan.json"))
    assert r.returncode == 0, r.stderr
    r = cli("render", str(d / "plan.json"), "-o", str(d / "story.wav"), "--stems", "--captions", "-q")
    assert r.returncode == 0, r.stderr
    audio, sr = sf.read(d / "story.wav", dtype="float32")
    proj = Project.open(d)
    return d, proj, audio, sr


def test_length_matches_the_plan(story):
    d, proj, audio, sr = story
    total = layout(proj.plan).total
    assert abs(audio.shape[0] / sr - total) <= 0.05
    assert abs(total - 60) <= 60 * 0.02  # first render fits the non-speech clips around the real speech lengths


def test_every_segment_is_audible(story):
    d, proj, audio, sr = story
    t = layout(proj.plan)
    kinds = set()
    for p in t.placements:
        if p.track != "foreground":
            continue
        w = audio[int(p.start * sr): int(p.end * sr)]
        rms_db = 20 * np.log10(np.sqrt(np.mean(w ** 2)) + 1e-12)
        assert rms_db > -40, f"segment {p.segment_id} ({p.kind}) is nearly silent: {rms_db:.1f} dBFS"
        kinds.add(p.kind)
    assert kinds == {"sound", "speech", "music"}
    beds = [p for p in t.placements if p.track == "background"]
    assert beds, "the story has an ambience bed"


def test_speech_is_intelligible(story, whisper):
    d, proj, audio, sr = story
    t = layout(proj.plan)
    refs, hyps = [], []
    for seg in proj.plan.segments:
        if seg.kind != "speech":
            continue
        p = t[seg.id]
        refs.append(seg.text)
        hyps.append(transcribe(whisper, audio[int(p.start * sr): int(p.end * sr)], sr))
    score = wer(" ".join(refs), " ".join(hyps))
    assert score <= 0.15, list(zip(refs, hyps))


def test_master_loudness_and_true_peak(story):
    d, proj, audio, sr = story
    assert pyln.Meter(sr).integrated_loudness(audio.astype(np.float64)) == pytest.approx(-16, abs=1.0)
    up = sps.resample_poly(audio, 4, 1, axis=0)  # independent 4× oversampled true peak
    assert 20 * np.log10(np.abs(up).max()) <= -1.0 + 0.05  # 24-bit WAV rounding


def test_stems_and_captions_written(story):
    d, proj, audio, sr = story
    assert (d / "story_stems.zip").stat().st_size > 1000
    srt = (d / "story.srt").read_text()
    assert "grandfather" in srt and "[" in srt


def test_bad_input_exit_codes(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    r = cli("render", str(tmp_path / "bad.json"), "-o", str(tmp_path / "x.wav"))
    assert r.returncode == 2 and "not valid JSON" in r.stderr
    r = cli("plan", "rain", "--duration", "99999", "-o", str(tmp_path / "p.json"))
    assert r.returncode == 2 and "duration" in r.stderr
    r = cli("render", str(tmp_path / "missing"), "-o", str(tmp_path / "x.wav"))
    assert r.returncode == 2 and "plan.json" in r.stderr
