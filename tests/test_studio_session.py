"""The `studio` profile in the session: selection, settings, and a whole 3-segment story rendered end to end on
tiny random checkpoints (planner, sound, speech, music all through their real loaders, hub offline)."""

import json

import numpy as np
import pytest

from engine.backends.base import BackendError
from engine.session import ALLOW_CPU_ENV, MODEL_ENV_PREFIX, PROFILES, STUDIO_CONFIG_ENV, Session, choose_profile

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from studio_tiny import checkpoint, studio_settings  # noqa: E402

from engine.plan import Plan, layout  # noqa: E402
from engine.project import Project  # noqa: E402
from engine.render import Renderer  # noqa: E402

SR = 44100
NO_GPU = not torch.cuda.is_available()


@pytest.mark.skipif(not NO_GPU, reason="checks the refusal on a machine without a GPU")
def test_studio_needs_a_gpu_unless_cpu_is_allowed(monkeypatch):
    monkeypatch.delenv(ALLOW_CPU_ENV, raising=False)
    monkeypatch.delenv("AUDIOSTORY_PROFILE", raising=False)
    with pytest.raises(BackendError, match="needs a CUDA GPU.*AUDIOSTORY_ALLOW_CPU"):
        choose_profile("studio")
    assert choose_profile("auto")[0] == "offline"
    name, why = choose_profile("studio", {"allow_cpu": True})
    assert name == "studio" and "CPU" in why
    monkeypatch.setenv(ALLOW_CPU_ENV, "1")
    assert choose_profile("studio")[0] == "studio"


def test_settings_layers_and_backend_swap(tmp_path, monkeypatch):
    extra = tmp_path / "studio.json"
    extra.write_text(json.dumps({"roles": {"sound": {"steps": 3}, "music": {"steps": 4}}}))
    monkeypatch.setenv(STUDIO_CONFIG_ENV, str(extra))
    monkeypatch.setenv(MODEL_ENV_PREFIX + "MUSIC", "/models/my-ace-step")
    s = PROFILES["studio"].settings({"roles": {"music": {"steps": 6}}})
    assert s["roles"]["sound"] == {"repo_id_or_path": "declare-lab/TangoFlux", "steps": 3, "guidance_scale": 4.5}
    assert s["roles"]["music"]["steps"] == 6 and s["roles"]["music"]["repo_id_or_path"] == "/models/my-ace-step"
    assert s["roles"]["planner"]["repo_id_or_path"] == "Qwen/Qwen3-4B-Instruct-2507"
    monkeypatch.delenv(STUDIO_CONFIG_ENV)
    monkeypatch.delenv(MODEL_ENV_PREFIX + "MUSIC")
    settings = studio_settings(tmp_path / "voices")
    settings["backends"] = {"sound": "engine.backends.diffusers_audio:StableAudioOpenSound"}
    settings["roles"]["sound"] = {"repo_id_or_path": str(checkpoint("stable_audio")), "steps": 2}
    session = Session("studio", settings=settings)
    assert session.capabilities("sound").name == "stable-audio-open"
    with pytest.raises(BackendError, match="do not fit"):
        Session("studio", settings={**settings, "roles": {"sound": {"no_such_option": 1}}}).backend("sound")


def story_plan():
    return Plan.from_dict({
        "title": "Tiny storm", "sample_rate": SR, "target_duration": 7.0, "language": "en",
        "characters": [{"name": "Grandpa", "voice": {"instruction": "an old man, deep and calm"}}],
        "segments": [
            {"id": "s01", "kind": "sound", "duration": 2.0, "caption": "rain on a tin roof", "fade_in": 0.2},
            {"id": "s02", "kind": "speech", "duration": 1.5, "text": "Hush now.", "character": "Grandpa",
             "instruction": "calm"},
            {"id": "s03", "kind": "music", "duration": 2.0, "caption": "a short sad piano phrase",
             "instruction": "sad piano, 70 BPM, D minor"},
        ]})


def test_studio_profile_renders_a_three_segment_story_end_to_end(tmp_path):
    steps = []
    session = Session("studio", settings=studio_settings(tmp_path / "voices"),
                      step_progress=lambda label, done, total: steps.append(label))
    renderer = Renderer(session, Project.create(tmp_path / "story", story_plan()))
    report = renderer.render()
    assert report.ok, report.failed
    plan = renderer.plan
    backends = {s.id: s.take().backend for s in plan.segments}
    assert backends == {"s01": "tangoflux", "s02": "vibevoice", "s03": "ace-step"}
    for seg in plan.segments:
        take = seg.take()
        assert take.sample_rate == SR and take.qa["peak"] < 1.0
        if seg.kind != "speech":  # fixed-length clips come back exactly as long as asked (sound + its tail)
            assert abs(take.duration - renderer.request_for(seg).duration) <= 0.05
    assert plan.segment("s03").take().parameters["bpm"] == 70
    assert plan.segment("s03").take().parameters["keyscale"] == "D minor"
    assert plan.segment("s02").take().parameters["voice_designed_now"] is True
    assert {"sound", "speech", "music", "voice design"} <= set(steps)

    result, timeline = renderer.mix()
    assert abs(result.audio.shape[0] / SR - timeline.total) <= 0.05
    assert abs(timeline.total - 7.0) <= 0.1  # fitted to the target around the real speech length
    assert np.isfinite(result.audio).all() and np.abs(result.audio).max() < 1.0
    for p in layout(plan).placements:
        w = result.audio[int(p.start * SR): int(p.end * SR)]
        assert np.sqrt(np.mean(w ** 2)) > 1e-4, f"{p.segment_id} is silent in the mix"

    calls = dict(session.calls)
    again = renderer.render()
    assert again.rendered == [] and session.calls == calls  # cached: no model runs twice
    info = session.info()
    assert info["profile"] == "studio" and info["models"]["sound"]["loaded"]
    assert "TangoFlux" in info["models"]["sound"]["licence"] or "non-commercial" in info["models"]["sound"]["licence"]


def test_studio_planner_in_the_session_falls_back_with_a_note(tmp_path):
    session = Session("studio", settings=studio_settings(tmp_path / "voices"))
    plan = session.plan("Rain on a tin roof, then a dog barks. The total duration is 12 seconds.")
    assert "template planner" in plan.notes[0] and abs(layout(plan).total - 12) <= 0.6
