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

from engine.plan import Plan  # noqa: E402

from engine.timing import layout  # noqa: E402
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


def test_profile_vram_budget_reaches_the_device_cache(tmp_path, monkeypatch):
    """All four studio models are ~20 GiB of bf16 weights: the profile's budget keeps the resident set (and so
    the peak with activations) under the 24 GB target by moving the least recently used model to host memory."""
    from engine.backends import torch_runtime as rt

    monkeypatch.delenv(rt.BUDGET_ENV, raising=False)
    monkeypatch.setattr(rt, "_profile_budget_gb", None)
    assert PROFILES["studio"].settings()["vram_budget_gb"] == 16
    Session("studio", settings=studio_settings(tmp_path / "voices"))
    cuda = torch.device("cuda")
    assert rt.default_budget(cuda) == 16 * 1024**3
    monkeypatch.setenv(rt.BUDGET_ENV, "30")  # the user's machine setting wins over the profile
    assert rt.default_budget(cuda) == 30 * 1024**3
    with pytest.raises(ValueError, match="vram_budget_gb"):
        Session("studio", settings={**studio_settings(tmp_path / "voices"), "vram_budget_gb": "lots"})
    # a budget that holds two of three models evicts the least recently used one
    cache = rt.ModelCache(torch.device("meta"), budget_bytes=2 * 4096)
    cache._move = lambda modules, device: None  # meta tensors: nothing to copy
    for name in ("planner", "sound", "speech"):
        cache.add(name, [torch.nn.Linear(32, 32, bias=False, device="meta")])  # 4096 bytes each
        cache.use(name)
    assert cache.resident() == ["sound", "speech"] and cache.evictions == ["planner"]


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
        assert take.sample_rate == SR and take.qa.peak < 1.0
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


def test_locked_voices_live_in_the_project_and_picking_another_re_renders_only_its_lines(tmp_path):
    shared = tmp_path / "shared-voices"
    session = Session("studio", settings=studio_settings(shared))
    project = Project.create(tmp_path / "story", story_plan())
    renderer = Renderer(session, project)
    assert renderer.render().ok
    assert [f.split("/")[0] for f in project.state_files()] == ["voices", "voices"]  # Grandpa's wav + json
    assert not shared.exists() or not any(shared.iterdir())
    assert not any(renderer.is_dirty(s) for s in renderer.plan.segments)  # the key after the voice was locked

    # the project zip carries the voice: reopened elsewhere, nothing needs rendering again
    copy = Project.import_zip(project.export_zip(), tmp_path / "copy")
    assert copy.state_files() == project.state_files()
    assert not any(Renderer(session, copy).is_dirty(s) for s in copy.plan.segments)

    # the creator picks another candidate voice for Grandpa: his line, and only it, is rendered again
    speech = session.backend("speech")
    ranked = speech.design_voice("an old man, deep and calm", n=2, seed=11)
    speech.lock_voice("Grandpa", "an old man, deep and calm", ranked[1], voices_dir=project.root / "voices")
    assert [s.id for s in renderer.plan.segments if renderer.is_dirty(s)] == ["s02"]
    calls = dict(session.calls)
    report = renderer.render()
    assert report.rendered == ["s02"] and session.calls["speech"] == calls["speech"] + 1
    assert renderer.plan.segment("s02").take().parameters["voice_seed"] == ranked[1].seed
